# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Returning clients pay faster: a signed-in client paying for their own booking
pays as their one Stripe Customer, made once and reused by every Checkout
Session; a guest's Checkout is unchanged; the id is in the data bundle and goes
with the account."""

import io
import json
import zipfile

import pytest
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.lifecycle import services
from booking.payments.models import Payment
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    approved_booking,
    booking_admin,
    fake_stripe,
    press_pay,
)

pytestmark = pytest.mark.django_db


def test_a_signed_in_client_has_one_customer_for_every_checkout(
    sign_in, fake_stripe, booking_admin
):
    _, token = approved_booking(booking_admin, client_email="Ada@Example.com")
    client = sign_in("ada@example.com")
    press_pay(client, token)
    # That Checkout ran out unpaid; the client comes back later and pays again.
    Payment.objects.update(expires_at=timezone.now())
    press_pay(client, token)

    [made] = fake_stripe.posts("/v1/customers")
    assert made["email"] == "ada@example.com"
    customer = ClientAccount.objects.get().stripe_customer_id
    assert customer.startswith("cus_test_")
    sessions = fake_stripe.posts("/v1/checkout/sessions")
    assert [s.get("customer") for s in sessions] == [customer, customer]
    assert all("customer_email" not in s for s in sessions)


def test_a_guest_or_someone_elses_booking_pays_without_a_customer(
    client, sign_in, fake_stripe, booking_admin
):
    _, guest_token = approved_booking(booking_admin, client_email="bob@example.com")
    press_pay(client, guest_token)
    signed_in = sign_in("ada@example.com")
    _, other_token = approved_booking(booking_admin, client_email="cy@example.com")
    press_pay(signed_in, other_token)
    assert not fake_stripe.posts("/v1/customers")
    sessions = fake_stripe.posts("/v1/checkout/sessions")
    assert [s["customer_email"] for s in sessions] == [
        "bob@example.com",
        "cy@example.com",
    ]
    assert ClientAccount.objects.get().stripe_customer_id == ""


def test_stripe_failing_to_make_the_customer_changes_nothing(
    sign_in, fake_stripe, booking_admin
):
    booking, token = approved_booking(booking_admin, client_email="ada@example.com")
    client = sign_in("ada@example.com")
    fake_stripe.failures = 3  # the client retries twice, then gives up
    response = client.post(f"/book/manage/{token}/pay/")
    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == "approved"
    assert not booking.payments.exists()
    assert ClientAccount.objects.get().stripe_customer_id == ""


def test_the_customer_id_is_in_my_data_and_erased_with_my_account(
    sign_in, fake_stripe, booking_admin
):
    booking, token = approved_booking(booking_admin, client_email="ada@example.com")
    client = sign_in("ada@example.com")
    press_pay(client, token)
    customer = ClientAccount.objects.get().stripe_customer_id

    bundle = zipfile.ZipFile(io.BytesIO(client.post("/account/data/").content))
    account = json.loads(bundle.read("data.json"))["account"]
    assert account["stripe_customer_id"] == customer
    assert account["has_password"] is False
    assert "password" not in account

    services.cancel(booking=booking, reason="Changed my mind")
    assert client.post("/account/delete/", {"confirm": "on"}).status_code == 302
    assert not ClientAccount.objects.filter(stripe_customer_id=customer).exists()
