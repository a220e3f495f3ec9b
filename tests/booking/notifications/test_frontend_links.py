"""FRONTEND_URL (issue 17, item 21): with a separate frontend, the links a client
follows from an email open the frontend's routes (the same paths as Haven's own
pages: /book/verify/<token>/ and /book/manage/<token>/), never Haven's."""

import pytest

from booking.lifecycle import services
from booking.notifications.models import OutboxEmail
from tests.factories import make_draft, user_with_perms

pytestmark = pytest.mark.django_db
Kind = OutboxEmail.Kind


def test_client_links_point_at_the_frontend_when_it_is_set(settings):
    settings.SITE_URL = "https://haven.example.org"
    settings.FRONTEND_URL = "https://book.example.org"
    booking, token = make_draft()
    services.verify_email(token=token)
    services.approve(booking=booking, actor=user_with_perms("approve_booking"))

    verify = booking.emails.get(kind=Kind.VERIFY_EMAIL)
    approved = booking.emails.get(kind=Kind.APPROVED)

    assert "https://book.example.org/book/verify/" in verify.text_body
    assert "https://book.example.org/book/manage/" in approved.text_body
    assert "https://haven.example.org/book/" not in verify.text_body
    assert "https://haven.example.org/book/" not in approved.text_body


def test_without_a_frontend_the_links_open_haven(settings):
    settings.SITE_URL = "https://haven.example.org"
    settings.FRONTEND_URL = settings.SITE_URL
    booking, _ = make_draft()

    verify = booking.emails.get(kind=Kind.VERIFY_EMAIL)

    assert "https://haven.example.org/book/verify/" in verify.text_body
