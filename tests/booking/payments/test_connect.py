# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Stripe Connect onboarding from "My earnings": the Express account made once per
consultant, the Account Link, the account's state from `account.updated` (once per
event) and in words on the page. Stripe is faked at its HTTP client."""

import logging

import pytest
from django.urls import reverse

from booking.payments.models import ConnectedAccount, ProcessedStripeEvent
from tests.booking.payments.ledger_helpers import connected, consultant_with_login
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    event,
    fake_stripe,
    fresh_rate_limits,
    offline,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya(client):
    consultant = consultant_with_login("maya", email="maya@haven.test")
    client.force_login(consultant.user)
    return consultant


def page(client) -> str:
    response = client.get(reverse("booking_earnings"))
    assert response.status_code == 200
    return response.content.decode()


def test_connecting_creates_an_express_account_and_sends_to_its_onboarding(
    client, maya, fake_stripe
):
    assert "Connect your bank account" in page(client)

    response = client.post(reverse("booking_connect"))

    (account,) = fake_stripe.posts("/v1/accounts")
    assert account["type"] == "express"
    assert account["email"] == "maya@haven.test"
    assert account["capabilities[transfers][requested]"] == "true"
    assert fake_stripe.keys("/v1/accounts") == [f"haven-connect-{maya.pk}"]
    maya.refresh_from_db()
    assert maya.stripe_account_id == next(iter(fake_stripe.accounts))
    (link,) = fake_stripe.posts("/v1/account_links")
    assert link["account"] == maya.stripe_account_id
    assert link["type"] == "account_onboarding"
    back = "http://testserver" + reverse("booking_earnings") + "?connect=return"
    assert link["return_url"] == link["refresh_url"] == back
    assert response.status_code == 302
    assert response["Location"].startswith(
        f"https://connect.stripe.com/setup/e/{maya.stripe_account_id}/"
    )
    shown = page(client)
    assert (
        "Stripe needs more details: a bank account, acceptance of Stripe's terms"
        in shown.replace("&#x27;", "'")
    )
    assert "Continue onboarding" in shown


def test_pressing_again_makes_a_new_link_for_the_same_account(
    client, maya, fake_stripe
):
    client.post(reverse("booking_connect"))
    client.post(reverse("booking_connect"))

    maya.refresh_from_db()
    assert len(fake_stripe.posts("/v1/accounts")) == 1
    assert len(fake_stripe.accounts) == 1
    links = fake_stripe.posts("/v1/account_links")
    assert len(links) == 2
    assert {link["account"] for link in links} == {maya.stripe_account_id}


def test_coming_back_from_onboarding_reads_the_account_back(client, maya, fake_stripe):
    client.post(reverse("booking_connect"))
    maya.refresh_from_db()
    fake_stripe.accounts[maya.stripe_account_id].update(
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        requirements={"currently_due": [], "past_due": []},
    )

    response = client.get(reverse("booking_earnings") + "?connect=return")

    assert "Payouts enabled" in response.content.decode()
    assert "Continue onboarding" not in response.content.decode()
    assert ConnectedAccount.objects.get(consultant=maya).payouts_enabled


def test_account_updated_stores_the_state_once(client, maya, fake_stripe):
    connected(maya, payouts_enabled=False, account_id="acct_1QconnectedMaya")
    payload = event("account.updated")

    assert deliver(client, payload).status_code == 200

    state = ConnectedAccount.objects.get(consultant=maya)
    assert (state.details_submitted, state.payouts_enabled) == (True, True)
    assert state.requirements_due == []
    assert "Payouts enabled" in page(client)

    # Stripe redelivers the same event after the account changed again: the old
    # event must not undo the newer state.
    ConnectedAccount.objects.filter(pk=state.pk).update(payouts_enabled=False)
    assert deliver(client, payload).status_code == 200
    assert not ConnectedAccount.objects.get(pk=state.pk).payouts_enabled
    assert ProcessedStripeEvent.objects.filter(event_id=payload["id"]).count() == 1


def test_an_account_stripe_wants_more_from_is_shown_in_words(client, maya, fake_stripe):
    connected(maya, account_id="acct_1QconnectedMaya")
    payload = event(
        "account.updated",
        details_submitted=True,
        payouts_enabled=False,
        requirements={
            "currently_due": ["individual.verification.document"],
            "past_due": ["external_account"],
            "disabled_reason": "requirements.past_due",
        },
    )

    deliver(client, payload)

    shown = page(client)
    assert (
        "Stripe needs more details: a bank account, individual verification document"
        in shown
    )
    assert "Continue onboarding" in shown


def test_an_unknown_account_is_logged_and_ignored(client, maya, fake_stripe, caplog):
    connected(maya, payouts_enabled=False, account_id="acct_test_ours")
    payload = event("account.updated", id="acct_test_someone_elses")

    with caplog.at_level(logging.INFO, logger="booking.payments.connect"):
        assert deliver(client, payload).status_code == 200

    assert "acct_test_someone_elses" in caplog.text
    assert ConnectedAccount.objects.get().account_id == "acct_test_ours"
    assert not ConnectedAccount.objects.get().payouts_enabled


def test_stripe_down_while_connecting_changes_nothing(client, maya, fake_stripe):
    fake_stripe.failures = 3  # the call and the client's two retries

    response = client.post(reverse("booking_connect"), follow=True)

    assert "Stripe could not start onboarding" in response.content.decode()
    maya.refresh_from_db()
    assert maya.stripe_account_id == ""
    assert not ConnectedAccount.objects.exists()


def test_without_stripe_there_is_nothing_to_connect(client, maya, offline):
    assert "Connect your bank account" not in page(client)

    response = client.post(reverse("booking_connect"), follow=True)

    assert "payouts are made by hand" in response.content.decode()
    maya.refresh_from_db()
    assert maya.stripe_account_id == ""


def test_only_a_consultant_connects(client, fake_stripe):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="boss", is_superuser=True))

    response = client.post(reverse("booking_connect"))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not fake_stripe.calls


def test_the_connect_endpoints_events_are_accepted_with_its_own_secret(
    client, maya, fake_stripe, settings
):
    """Events on connected accounts come from a second webhook endpoint in
    Stripe's dashboard, which signs with a secret of its own."""
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_test_connect"
    connected(maya, payouts_enabled=False, account_id="acct_1QconnectedMaya")

    forged = deliver(client, event("account.updated"), secret="whsec_someone_else")
    assert forged.status_code == 400
    assert not ConnectedAccount.objects.get(consultant=maya).payouts_enabled

    signed = deliver(client, event("account.updated"), secret="whsec_test_connect")
    assert signed.status_code == 200
    assert ConnectedAccount.objects.get(consultant=maya).payouts_enabled


def test_an_account_id_moved_to_another_consultant_follows_them(
    client, maya, fake_stripe
):
    connected(maya, account_id="acct_1QconnectedMaya")
    ben = consultant_with_login("ben")
    maya.stripe_account_id = ""  # typed on the wrong consultant, then corrected
    maya.save(update_fields=["stripe_account_id"])
    ben.stripe_account_id = "acct_1QconnectedMaya"
    ben.save(update_fields=["stripe_account_id"])

    assert deliver(client, event("account.updated")).status_code == 200

    (state,) = ConnectedAccount.objects.all()
    assert (state.consultant, state.payouts_enabled) == (ben, True)
    assert "Connect your bank account" in page(client)  # Maya's page
