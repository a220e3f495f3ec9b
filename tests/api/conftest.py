"""Fixtures of the API tests: an API client, the back office's roles with Wagtail
API tokens, and a consultant who offers a paid session."""

import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from wagtail.models import APIToken

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, STAFF
from tests.factories import ConsultantFactory, ServiceFactory
from tests.factories import member as member_of


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttles count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def offer(db):
    """(consultant, service): a 50-minute paid session, bookable any time."""
    consultant = ConsultantFactory(name="Dr Ada Example")
    service = ServiceFactory(consultants=[consultant], slug="first-session")
    return consultant, service


def bearer(user) -> dict:
    """Request headers that authenticate as `user` with a new Wagtail API token."""
    _, plaintext = APIToken.create_token(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture
def booking_admin(db):
    return member_of(BOOKING_ADMINS, username="desk")


@pytest.fixture
def staff_member(db):
    return member_of(STAFF, username="office")


def emailed_token(booking: Booking | str, kind: str) -> str:
    """The raw token of the latest `kind` email's link, as the client reads it."""
    if isinstance(booking, str):
        booking = Booking.objects.get(reference=booking)
    email = booking.emails.filter(kind=kind).latest("created_at")
    path = {"verify_email": "verify", "manage_link": "manage"}[kind]
    return re.search(rf"/book/{path}/([^/\s]+)/", email.text_body).group(1)


def manage_header(token: str) -> dict:
    return {"HTTP_X_MANAGE_TOKEN": token}
