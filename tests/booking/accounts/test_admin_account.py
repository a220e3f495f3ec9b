"""A booking admin opens the client's account from a booking: its details, every
booking of the address, money and consents; each view in the access log; and
sends the client a sign-in link. Staff and consultants cannot."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from booking.accounts.models import ClientAccount
from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.lifecycle import services
from booking.payments.models import Payment
from booking.privacy.models import AccessLogEntry
from tests.booking.accounts.conftest import emailed_token
from tests.factories import make_draft, member

pytestmark = pytest.mark.django_db


def verified(email):
    booking, token = make_draft(client_email=email)
    return services.verify_email(token=token)


def test_a_booking_admin_sees_the_clients_account_and_it_is_logged(client):
    booking = verified("Ada@Example.com")
    Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.OFFLINE,
        status=Payment.Status.PAID,
        amount=Decimal("40.00"),
        paid_amount=Decimal("40.00"),
        currency=booking.currency,
        paid_at=booking.created_at,
        method="Cash",
    )
    ClientAccount.objects.create(email="ada@example.com", name="Ada", clock=12)
    client.force_login(member(BOOKING_ADMINS, username="bea"))

    inspect = client.get(reverse("bookings:inspect", args=[booking.pk]))
    url = reverse("booking_client_account", args=[booking.pk])
    assert url in inspect.content.decode()

    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ada@example.com" in html and "12-hour" in html
    assert booking.reference in html
    assert f"40.00 {booking.currency}" in html
    assert "Consent to the privacy policy" in html
    entry = AccessLogEntry.objects.filter(target__startswith="client account").get()
    assert entry.username == "bea"
    assert booking.reference in entry.target
    assert "ada@" not in entry.target  # references only


def test_a_booking_admin_can_send_the_client_a_sign_in_link(client):
    booking = verified("ada@example.com")
    client.force_login(member(BOOKING_ADMINS))
    mail.outbox.clear()
    url = reverse("booking_client_account", args=[booking.pk])
    response = client.post(url, {"action": "send_link"})
    assert response.status_code == 302
    token = emailed_token("ada@example.com")
    assert client.post(f"/account/link/{token}/").status_code == 302
    assert ClientAccount.objects.get().email == "ada@example.com"


def test_staff_cannot_see_a_clients_account(client):
    booking = verified("ada@example.com")
    client.force_login(member(STAFF))
    url = reverse("booking_client_account", args=[booking.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "send_link"}).status_code == 403
    assert not mail.outbox or all("sign-in" not in m.subject for m in mail.outbox)
    inspect = client.get(reverse("bookings:inspect", args=[booking.pk]))
    assert url not in inspect.content.decode()
