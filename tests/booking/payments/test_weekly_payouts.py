# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""The weekly payout run: who is paid (payouts enabled, from the minimum, per
currency), and that each balance is transferred exactly once however the run is
repeated, raced or interrupted, and whatever Stripe answers. Stripe is faked at
its HTTP client; the fake replays a repeated idempotency key as Stripe does."""

import json
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django_q.models import Schedule

from booking.payments import payouts
from booking.payments.models import Earning, Payout
from tests.booking.payments.ledger_helpers import (
    connected,
    consultant_with_login,
    paid_session,
)
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    booking_admin,
    fake_stripe,
    fresh_rate_limits,
    offline,
)
from tests.factories import UserFactory, user_with_perms

pytestmark = pytest.mark.django_db
D = Decimal
S = Payout.Status


class WorkerDied(BaseException):
    """The worker process ends mid-request (killed, out of memory)."""


@pytest.fixture(autouse=True)
def minimum(settings):
    settings.PAYOUT_MINIMUM = 50


def cashier(*codenames):
    """A booking admin who may see payouts and (by default) mark them paid."""
    user = user_with_perms(*(codenames or ("view_payout", "mark_payout_paid")))
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return type(user).objects.get(pk=user.pk)


def transfers(fake) -> list[tuple[str, int, str]]:
    """What Stripe moved: (destination, amount in cents, currency)."""
    return sorted(
        (t["destination"], t["amount"], t["currency"]) for t in fake.transfers.values()
    )


def test_the_run_pays_eligible_balances_per_currency_and_no_one_else(
    booking_admin, fake_stripe
):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00", "EUR")  # net 76.00
    paid_session(booking_admin, ana, "100.00", "USD")  # net 95.00
    not_enabled = connected(consultant_with_login("ben"), payouts_enabled=False)
    paid_session(booking_admin, not_enabled, "80.00")
    unconnected = consultant_with_login("cleo")
    paid_session(booking_admin, unconnected, "80.00")
    below = connected(consultant_with_login("dan"))
    paid_session(booking_admin, below, "50.00")  # net 47.50, under 50
    pending = connected(consultant_with_login("eve"))
    paid_session(booking_admin, pending, "80.00", available=False)

    outcome = payouts.run_weekly_payouts()

    assert outcome == "2 payout(s) made, 0 retried, 0 failed"
    assert transfers(fake_stripe) == [
        (ana.stripe_account_id, 7600, "eur"),
        (ana.stripe_account_id, 9500, "usd"),
    ]
    made = Payout.objects.order_by("currency")
    assert [(p.currency, p.amount, p.status, p.automatic) for p in made] == [
        ("EUR", D("76.00"), S.PAID, True),
        ("USD", D("95.00"), S.PAID, True),
    ]
    assert {p.stripe_transfer_id for p in made} == set(fake_stripe.transfers)
    assert fake_stripe.keys("/v1/transfers") == [
        f"haven-payout-{p.pk}" for p in Payout.objects.order_by("pk")
    ]
    for payout in made:
        assert sum(line.net for line in payout.earnings.all()) == payout.amount
    assert not Earning.objects.filter(consultant=ana, payout=None).exists()
    by_hand = {
        (r["consultant"].name, r["currency"], r["available"])
        for r in payouts.to_pay_by_hand()
    }
    assert by_hand == {("Ben", "EUR", D("76.00")), ("Cleo", "EUR", D("76.00"))}


def test_a_second_run_pays_nothing_twice(booking_admin, fake_stripe):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")

    payouts.run_weekly_payouts()
    second = payouts.run_weekly_payouts()

    assert second == "0 payout(s) made, 0 retried, 0 failed"
    assert len(fake_stripe.transfers) == 1
    assert len(fake_stripe.posts("/v1/transfers")) == 1
    assert Payout.objects.get().status == S.PAID


def test_a_refund_after_payout_is_netted_off_by_the_next_run(
    booking_admin, fake_stripe
):
    from booking.lifecycle import services

    ana = connected(consultant_with_login("ana"))
    first = paid_session(booking_admin, ana, "80.00")
    payouts.run_weekly_payouts()
    services.cancel(booking=first, reason="Practice closed", actor=booking_admin)
    paid_session(booking_admin, ana, "140.00")  # net 133.00

    payouts.run_weekly_payouts()

    second = Payout.objects.order_by("-pk").first()
    assert second.amount == D("57.00")  # 133.00 less the 76.00 refunded
    assert transfers(fake_stripe) == [
        (ana.stripe_account_id, 5700, "eur"),
        (ana.stripe_account_id, 7600, "eur"),
    ]


def crash_on_transfer(monkeypatch, fake, *, after_stripe: bool):
    """The next transfer request kills the worker: before Stripe saw it, or after
    Stripe made the transfer but before its answer arrived."""
    route = fake._route
    state = {"crashed": False}

    def dying(method, path, params):
        if path.endswith("/transfers") and method == "post" and not state["crashed"]:
            state["crashed"] = True
            if after_stripe:
                answer = route(method, path, params)
                # Stripe keeps its answer under the key, as it does.
                key = fake.calls[-1][2]["Idempotency-Key"]
                fake._replies[key] = (json.dumps(answer[0]), answer[1], {})
            raise WorkerDied
        return route(method, path, params)

    monkeypatch.setattr(fake, "_route", dying)


@pytest.mark.parametrize("after_stripe", [True, False])
def test_a_run_that_dies_mid_transfer_is_finished_by_the_next_with_one_transfer(
    booking_admin, fake_stripe, monkeypatch, after_stripe
):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")
    crash_on_transfer(monkeypatch, fake_stripe, after_stripe=after_stripe)

    with pytest.raises(WorkerDied):
        payouts.run_weekly_payouts()

    payout = Payout.objects.get()
    assert (payout.status, payout.amount) == (S.PROCESSING, D("76.00"))
    assert len(fake_stripe.transfers) == (1 if after_stripe else 0)

    assert payouts.run_weekly_payouts() == "0 payout(s) made, 1 retried, 0 failed"

    payout.refresh_from_db()
    assert payout.status == S.PAID
    assert len(fake_stripe.transfers) == 1
    assert payout.stripe_transfer_id == next(iter(fake_stripe.transfers))
    assert set(fake_stripe.keys("/v1/transfers")) == {f"haven-payout-{payout.pk}"}


def test_a_transfer_stripe_made_is_found_after_it_forgot_the_key(
    booking_admin, fake_stripe, monkeypatch
):
    """Stripe keeps idempotency keys for a day; the next run is a week later."""
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")
    crash_on_transfer(monkeypatch, fake_stripe, after_stripe=True)
    with pytest.raises(WorkerDied):
        payouts.run_weekly_payouts()
    fake_stripe._replies.clear()

    payouts.run_weekly_payouts()

    assert len(fake_stripe.transfers) == 1
    assert Payout.objects.get().stripe_transfer_id == next(iter(fake_stripe.transfers))


def test_stripe_down_leaves_the_payout_failed_and_the_next_run_pays_it_once(
    booking_admin, fake_stripe, client
):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")
    fake_stripe.failures = 100

    assert payouts.run_weekly_payouts() == "1 payout(s) made, 0 retried, 1 failed"

    payout = Payout.objects.get()
    assert payout.status == S.FAILED
    assert "Stripe refused the transfer" in payout.last_error
    assert "Boom" in payout.last_error
    assert not fake_stripe.transfers
    client.force_login(UserFactory(username="boss", is_superuser=True))
    listing = client.get(reverse("payouts:index")).content.decode()
    assert "Transfer failed, retried next run" in listing
    assert payout.last_error in listing
    # The balance is in the failed payout: it is not offered to pay by hand.
    assert payouts.to_pay_by_hand() == []

    fake_stripe.failures = 0
    assert payouts.run_weekly_payouts() == "0 payout(s) made, 1 retried, 0 failed"

    payout.refresh_from_db()
    assert (payout.status, payout.last_error, payout.attempts) == (S.PAID, "", 2)
    assert len(fake_stripe.transfers) == 1
    assert Payout.objects.count() == 1


def test_a_failed_payout_marked_paid_by_hand_is_not_transferred_later(
    booking_admin, fake_stripe, client
):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")
    fake_stripe.failures = 100
    payouts.run_weekly_payouts()
    payout = Payout.objects.get()
    ana.stripe_account_id = ""  # the admin removed the account id meanwhile
    ana.save(update_fields=["stripe_account_id"])
    client.force_login(cashier())

    listing = client.get(reverse("payouts:index")).content.decode()
    client.post(reverse("booking_payout_mark_paid", args=[payout.pk]))

    assert "Mark paid" in listing
    payout.refresh_from_db()
    assert payout.status == S.PAID
    fake_stripe.failures = 0
    payouts.run_weekly_payouts()
    assert not fake_stripe.transfers


def test_two_runs_in_a_row_pay_once_on_any_database(booking_admin, fake_stripe):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")
    paid_session(booking_admin, ana, "100.00", "USD")

    for _ in range(2):
        payouts.run_weekly_payouts()

    assert len(fake_stripe.transfers) == 2
    assert Payout.objects.filter(status=S.PAID).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_pay_each_consultant_and_currency_once(
    settings, fake_stripe, monkeypatch
):
    """The schedule fires twice (two clusters, or a run that overran): both runs
    claim and transfer at the same time, on PostgreSQL's real row locks."""
    settings.PAYOUT_MINIMUM = 50
    admin = UserFactory(username="boss", is_superuser=True)
    people = [connected(consultant_with_login(name)) for name in ("ana", "ben", "cy")]
    for person in people:
        paid_session(admin, person, "80.00")
        paid_session(admin, person, "100.00", "USD")
    route = fake_stripe._route

    def slow(method, path, params):
        time.sleep(0.05)  # keep both runs inside the window at once
        return route(method, path, params)

    monkeypatch.setattr(fake_stripe, "_route", slow)
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            payouts.run_weekly_payouts()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(fake_stripe.transfers) == 6
    assert sorted(transfers(fake_stripe)) == sorted(
        (p.stripe_account_id, cents, currency)
        for p in people
        for cents, currency in ((7600, "eur"), (9500, "usd"))
    )
    assert Payout.objects.count() == 6
    assert set(Payout.objects.values_list("status", flat=True)) == {S.PAID}


def test_a_booking_admin_pays_by_hand_who_the_run_cannot(
    booking_admin, fake_stripe, client
):
    cleo = consultant_with_login("cleo")
    paid_session(booking_admin, cleo, "80.00")
    paid_session(booking_admin, cleo, "100.00", "USD")
    payouts.run_weekly_payouts()
    assert not fake_stripe.transfers
    desk = cashier()
    client.force_login(desk)

    listing = client.get(reverse("payouts:index")).content.decode()
    response = client.post(
        reverse("booking_payout_pay_by_hand"),
        {"consultant": cleo.pk, "currency": "EUR"},
    )

    assert "To pay by hand" in listing
    assert "Mark 76.00 EUR paid to Cleo" in listing
    assert response.status_code == 302
    payout = Payout.objects.get()
    assert (payout.amount, payout.currency, payout.status) == (
        D("76.00"),
        "EUR",
        S.PAID,
    )
    assert payout.paid_by == desk and not payout.stripe_transfer_id
    rows = payouts.to_pay_by_hand()
    assert [(r["currency"], r["available"]) for r in rows] == [("USD", D("95.00"))]
    # Pressed twice (a second tab): nothing left, nothing paid twice.
    again = client.post(
        reverse("booking_payout_pay_by_hand"),
        {"consultant": cleo.pk, "currency": "EUR"},
        follow=True,
    )
    assert "below the payout minimum" in again.content.decode()
    assert Payout.objects.count() == 1


def test_paying_by_hand_needs_the_permission(booking_admin, offline, client):
    cleo = consultant_with_login("cleo")
    paid_session(booking_admin, cleo, "80.00")
    client.force_login(cashier("view_payout"))

    listing = client.get(reverse("payouts:index")).content.decode()
    response = client.post(
        reverse("booking_payout_pay_by_hand"),
        {"consultant": cleo.pk, "currency": "EUR"},
    )

    assert "To pay by hand" in listing and "Mark 76.00 EUR paid" not in listing
    assert response.status_code in (302, 403)
    assert not Payout.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"consultant": "x", "currency": "EUR"}, {"consultant": "99999999999"}],
)
def test_paying_by_hand_refuses_bad_input(booking_admin, offline, client, data):
    client.force_login(UserFactory(username="boss", is_superuser=True))

    response = client.post(reverse("booking_payout_pay_by_hand"), data, follow=True)

    assert "Choose a consultant and a currency" in response.content.decode()
    assert not Payout.objects.exists()


def test_without_stripe_the_run_pays_no_one_and_lists_everyone_by_hand(
    booking_admin, offline
):
    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")

    assert "made by hand" in payouts.run_weekly_payouts()

    assert not Payout.objects.exists()
    assert [r["consultant"] for r in payouts.to_pay_by_hand()] == [ana]


def test_the_schedule_follows_the_payout_day_and_hour(settings, offline):
    settings.PAYOUT_WEEKDAY, settings.PAYOUT_HOUR = 3, 7

    payouts.run_weekly_payouts()

    schedule = Schedule.objects.get(func="booking.tasks.run_weekly_payouts")
    assert (schedule.next_run.isoweekday(), schedule.next_run.hour) == (3, 7)
    assert schedule.schedule_type == Schedule.WEEKLY


def test_the_task_entry_point_runs_the_payouts(booking_admin, fake_stripe):
    from booking import tasks

    ana = connected(consultant_with_login("ana"))
    paid_session(booking_admin, ana, "80.00")

    assert tasks.run_weekly_payouts() == "1 payout(s) made, 0 retried, 0 failed"
    assert len(fake_stripe.transfers) == 1
