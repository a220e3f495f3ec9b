"""A signed-in client books with their proven address: no verification email,
the booking goes straight on (to approval where the service needs it)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.notifications.models import OutboxEmail
from tests.factories import ConsultantFactory, ServiceFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def service():
    consultant = ConsultantFactory(time_zone="Europe/Berlin")
    return ServiceFactory(
        slug="counselling", consultants=[consultant], requires_approval=False
    )


def book(client, service, email, hour=10):
    consultant = service.consultants.get()
    day = timezone.now().astimezone(BERLIN).date() + timedelta(days=3)
    start = timezone.datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)
    return client.post(
        f"/book/{consultant.pk}/{service.slug}/details/",
        {
            "client_name": "Ada Lovelace",
            "client_email": email,
            "client_phone": "",
            "client_notes": "",
            "consent": "on",
            "tz": "Europe/Berlin",
            "start": start.isoformat(),
            "website": "",
        },
    )


def verification_emails():
    return OutboxEmail.objects.filter(kind=OutboxEmail.Kind.VERIFY_EMAIL)


def test_signed_in_booking_skips_the_verification_email(sign_in, service):
    client = sign_in("ada@example.com")
    consultant = service.consultants.get()
    form = client.get(f"/book/{consultant.pk}/{service.slug}/details/")
    assert form.context["form"]["client_email"].value() == "ada@example.com"
    mail.outbox.clear()

    response = book(client, service, "Ada@Example.com")
    assert response.status_code == 302
    assert response.url == "/account/"
    booking = Booking.objects.get()
    assert booking.status == S.APPROVED  # this service needs no approval
    assert booking.verified_at is not None
    assert not verification_emails().exists()
    assert not [m for m in mail.outbox if "verify" in m.subject.lower()]
    assert not BookingToken.objects.filter(
        booking=booking, purpose=BookingToken.Purpose.VERIFY, used_at__isnull=True
    ).exists()
    page = client.get("/account/")
    assert booking.reference in page.content.decode()


def test_approval_is_still_needed_where_the_service_asks_for_it(sign_in, service):
    service.requires_approval = True
    service.save()
    client = sign_in("ada@example.com")
    book(client, service, "ada@example.com")
    booking = Booking.objects.get()
    assert booking.status == S.PENDING
    assert not verification_emails().exists()


def test_another_address_while_signed_in_is_verified_by_email(sign_in, service):
    client = sign_in("ada@example.com")
    response = book(client, service, "someone.else@example.com")
    assert response.url == "/book/sent/"
    assert Booking.objects.get().status == S.DRAFT
    assert verification_emails().count() == 1


def test_a_guest_still_gets_the_verification_email(client, service):
    response = book(client, service, "ada@example.com")
    assert response.url == "/book/sent/"
    assert Booking.objects.get().status == S.DRAFT
    assert verification_emails().count() == 1


def test_a_refused_booking_changes_nothing_and_sends_nothing(sign_in, service):
    client = sign_in("ada@example.com")
    book(client, service, "ada@example.com")
    mail.outbox.clear()
    # One active booking per address: the second is refused, whole.
    response = book(client, service, "ada@example.com", hour=14)
    assert response.status_code == 400
    assert Booking.objects.count() == 1
    assert not mail.outbox
