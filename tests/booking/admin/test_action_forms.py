"""Forms that change a booking (issue 19): the action sits beside the content,
Reject and Cancel look serious, and the booking admin reads the email the client
will get before sending it, rendered as the outbox will render it."""

import pytest
from django.urls import reverse

from booking.core.models import Booking, BookingToken
from booking.core.roles import BOOKING_ADMINS
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from booking.notifications.models import OutboxEmail
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    member,
    next_monday_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_waiting():
    maya = ConsultantFactory(name="Maya Stone")
    service = ServiceFactory(title="Counselling", price="80.00", consultants=[maya])
    _, token = make_draft(
        service=service,
        consultant=maya,
        start=next_monday_at(9),
        client_email="ada@example.com",
    )
    return services.verify_email(token=token)


@pytest.fixture
def booking_admin(client):
    user = member(BOOKING_ADMINS, username="bookings")
    client.force_login(user)
    return user


def url(booking, action):
    return reverse("bookings:transition", args=(booking.pk, action))


def written():
    return OutboxEmail.objects.count(), BookingToken.objects.count()


def test_reject_shows_the_email_with_the_reason_before_sending(
    client, booking_admin, request_waiting
):
    before = written()

    empty = client.get(url(request_waiting, "reject")).text
    typed = client.post(
        url(request_waiting, "reject"),
        {"confirm": "1", "preview": "1", "reason": "Maya is away that week."},
    ).text

    assert "The email ada@example.com will get" in empty
    assert "[the reason you give above]" in empty
    assert "Maya is away that week." in typed
    assert 'class="button serious">Reject</button>' in typed
    # Previewing wrote no email and no token, and changed nothing.
    assert written() == before
    assert Booking.objects.get(pk=request_waiting.pk).status == S.PENDING


def test_the_rejection_sent_is_the_one_previewed(
    client, booking_admin, request_waiting
):
    reason = "Maya is away that week."
    preview = client.post(
        url(request_waiting, "reject"),
        {"confirm": "1", "preview": "1", "reason": reason},
    ).text

    client.post(url(request_waiting, "reject"), {"confirm": "1", "reason": reason})

    sent = OutboxEmail.objects.get(booking=request_waiting, kind="rejected")
    assert f"<strong>Subject:</strong> {sent.subject}" in preview
    assert reason in sent.text_body


def test_approve_confirmation_previews_the_payment_email(
    client, booking_admin, request_waiting
):
    page = client.get(url(request_waiting, "approve")).text

    assert "The email ada@example.com will get" in page
    assert "80" in page  # the amount to pay
    assert 'class="button">Approve</button>' in page
    assert "footer__container" not in page  # no sticky footer far from the content
    assert Booking.objects.get(pk=request_waiting.pk).status == S.PENDING
