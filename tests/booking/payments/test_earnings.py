# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Consultants' earnings and payouts: commission tiers, reversal on refund, the
payout minimum, marking payouts paid (by hand or as a Stripe transfer); earnings
pending until the session is completed and held; money per currency; a payout is
the sum of its lines, however refunds race it."""

import itertools
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from booking.core.errors import NotPermitted
from booking.core.models import Booking
from booking.lifecycle import paying, services
from booking.payments import earnings, refunds
from booking.payments.models import Earning, Payout
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    approved_booking,
    booking_admin,
    fake_stripe,
    fresh_rate_limits,
    offline,
)
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("volume", "rate"),
    [
        ("0.00", "0.05"),
        ("5000.00", "0.05"),
        ("5000.01", "0.04"),
        ("10000.00", "0.04"),
        ("10000.01", "0.03"),
    ],
)
def test_commission_tiers_at_their_boundaries(volume, rate):
    consultant = ConsultantFactory.build(commission_rate=None)

    assert earnings.commission_rate(consultant, D(volume)) == D(rate)


def test_a_consultants_own_rate_wins():
    consultant = ConsultantFactory.build(commission_rate=D("0.0350"))

    assert earnings.commission_rate(consultant, D("20000")) == D("0.0350")
    assert earnings.commission_rate(consultant, D("10")) == D("0.0350")


def pay_offline(admin, price="80.00", *, available=True):
    """A session paid in cash; by default its earning already past the hold (the
    tests of pending earnings complete their sessions for real)."""
    booking, token = approved_booking(admin, price=D(price))
    booking = paying.record_offline_payment(
        booking=booking, actor=admin, amount=D(price), method="Cash"
    )
    if available:
        Earning.objects.filter(booking=booking).update(
            available_at=timezone.now() - timedelta(minutes=1)
        )
    return booking


def balance(consultant, currency="EUR"):
    """(pending, available) in one currency, as the consultant's page shows."""
    for row in earnings.balances(consultant):
        if row["currency"] == currency:
            return row["pending"], row["available"]
    return D("0"), D("0")


def test_confirmation_writes_one_earning_with_commission_and_net(
    offline, booking_admin
):
    booking = pay_offline(booking_admin)

    earning = Earning.objects.get()
    assert earning.booking == booking
    assert earning.consultant == booking.consultant
    assert (earning.gross, earning.commission_rate) == (D("80.00"), D("0.05"))
    assert (earning.commission, earning.net) == (D("4.00"), D("76.00"))


def test_the_booking_that_crosses_a_threshold_earns_at_the_lower_rate(
    offline, booking_admin
):
    first = pay_offline(booking_admin, price="5000.00")
    second, _ = approved_booking(booking_admin, price=D("0.01"))
    # Each booking has its own consultant: count the first in the second's month.
    Earning.objects.filter(booking=first).update(consultant=second.consultant)

    paying.record_offline_payment(
        booking=second, actor=booking_admin, amount=D("0.01"), method="Cash"
    )

    assert Earning.objects.get(booking=first).commission_rate == D("0.05")
    assert Earning.objects.get(booking=second).commission_rate == D("0.04")


def test_a_refund_reverses_the_earning(offline, booking_admin):
    booking = pay_offline(booking_admin)

    services.cancel(booking=booking, reason="Practice closed", actor=booking_admin)

    reversal = Earning.objects.get(kind=Earning.Kind.REVERSAL)
    assert (reversal.gross, reversal.commission, reversal.net) == (
        D("-80.00"),
        D("-4.00"),
        D("-76.00"),
    )
    assert balance(booking.consultant)[1] == 0


def consultant_user(booking):
    user = UserFactory(username=f"c{booking.consultant_id}")
    booking.consultant.user = user
    booking.consultant.save(update_fields=["user"])
    return user


def test_a_payout_below_the_minimum_is_refused(offline, booking_admin, settings):
    settings.PAYOUT_MINIMUM = 50
    booking = pay_offline(booking_admin, price="50.00")  # net 47.50
    user = consultant_user(booking)

    with pytest.raises(earnings.PayoutRefused, match="from 50"):
        earnings.request_payout(consultant=booking.consultant, actor=user)

    assert not Payout.objects.exists()


def test_a_payout_at_the_minimum_takes_the_whole_balance(
    offline, booking_admin, settings
):
    settings.PAYOUT_MINIMUM = 50
    booking = pay_offline(booking_admin, price="80.00")  # net 76.00
    user = consultant_user(booking)

    payout = earnings.request_payout(consultant=booking.consultant, actor=user)

    assert payout.amount == D("76.00")
    assert balance(booking.consultant)[1] == 0
    with pytest.raises(earnings.PayoutRefused):
        earnings.request_payout(consultant=booking.consultant, actor=user)


def test_only_the_consultant_asks_for_their_payout(offline, booking_admin):
    booking = pay_offline(booking_admin)

    with pytest.raises(NotPermitted):
        earnings.request_payout(consultant=booking.consultant, actor=booking_admin)


def test_marking_a_payout_paid_needs_the_permission(offline, booking_admin):
    booking = pay_offline(booking_admin)
    payout = earnings.request_payout(
        consultant=booking.consultant, actor=consultant_user(booking)
    )
    cashier = user_with_perms("mark_payout_paid", username="cashier")

    with pytest.raises(NotPermitted):
        earnings.mark_payout_paid(payout=payout, actor=booking_admin)
    payout = earnings.mark_payout_paid(payout=payout, actor=cashier)

    assert payout.status == Payout.Status.PAID
    assert payout.paid_by == cashier
    assert payout.stripe_transfer_id == ""


def test_a_connected_account_is_paid_by_stripe_transfer(
    offline, booking_admin, fake_stripe
):
    booking = pay_offline(booking_admin)
    booking.consultant.stripe_account_id = "acct_test_maya"
    booking.consultant.save(update_fields=["stripe_account_id"])
    payout = earnings.request_payout(
        consultant=booking.consultant, actor=consultant_user(booking)
    )
    cashier = user_with_perms("mark_payout_paid", username="cashier")

    payout = earnings.mark_payout_paid(payout=payout, actor=cashier)

    (params,) = fake_stripe.posts("/v1/transfers")
    assert params["amount"] == "7600"
    assert params["destination"] == "acct_test_maya"
    assert fake_stripe.keys("/v1/transfers") == [f"haven-payout-{payout.pk}"]
    assert payout.stripe_transfer_id.startswith("tr_test_")


def test_the_consultant_sees_their_earnings_and_requests_a_payout(
    client, offline, booking_admin
):
    booking = pay_offline(booking_admin)
    user = consultant_user(booking)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)

    page = client.get(reverse("booking_earnings"))
    assert page.status_code == 200
    assert "76.00" in page.content.decode()
    assert "Request a payout" in page.content.decode()

    response = client.post(reverse("booking_earnings"))

    assert response.status_code == 302
    assert Payout.objects.get().amount == D("76.00")


def test_the_earnings_page_is_for_consultants(client, booking_admin):
    client.force_login(UserFactory(username="boss", is_superuser=True))

    response = client.get(reverse("booking_earnings"))

    assert response.status_code == 302  # Wagtail's answer to PermissionDenied
    assert response["Location"] == reverse("wagtailadmin_home")


def test_a_booking_admin_marks_a_payout_paid_from_the_list(
    client, offline, booking_admin
):
    booking = pay_offline(booking_admin)
    earnings.request_payout(
        consultant=booking.consultant, actor=consultant_user(booking)
    )
    client.force_login(UserFactory(username="boss", is_superuser=True))

    listing = client.get(reverse("payouts:index"))
    payout = Payout.objects.get()
    response = client.post(reverse("booking_payout_mark_paid", args=[payout.pk]))

    assert "Mark paid" in listing.content.decode()
    assert response.status_code == 302
    assert Payout.objects.get().status == Payout.Status.PAID


def test_refunding_money_that_earned_nothing_leaves_the_earning(offline, booking_admin):
    """A second payment for a paid booking (say a late Checkout after a bank
    transfer) is refunded; the session's earning stays."""
    booking = pay_offline(booking_admin)
    payment = booking.payments.get()

    refunds.request_refund(
        payment, D("80.00"), reason="Paid twice", key=f"unwanted:{payment.pk}"
    )

    assert not Earning.objects.filter(kind=Earning.Kind.REVERSAL).exists()
    assert balance(booking.consultant)[1] == D("76.00")


def test_refunds_never_reverse_more_than_was_earned(offline, booking_admin):
    booking = pay_offline(booking_admin)
    payment = booking.payments.get()

    for key in ("first", "second"):
        refunds.request_refund(payment, D("80.00"), reason="Refund", key=key)

    reversed_gross = sum(
        e.gross for e in Earning.objects.filter(kind=Earning.Kind.REVERSAL)
    )
    assert reversed_gross == D("-80.00")
    assert balance(booking.consultant)[1] == 0


# --- pending, available, paid (issue 17) ------------------------------------------


def test_an_earning_is_pending_until_the_session_is_completed_and_held(
    offline, booking_admin, settings
):
    settings.EARNING_HOLD_DAYS = 7
    booking = pay_offline(booking_admin, available=False)
    user = consultant_user(booking)

    assert balance(booking.consultant) == (D("76.00"), D("0"))
    with pytest.raises(earnings.PayoutRefused, match="available balance is 0"):
        earnings.request_payout(consultant=booking.consultant, actor=user)

    # The session takes place; a booking admin marks it completed.
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=2),
        end=timezone.now() - timedelta(hours=1),
    )
    boss = UserFactory(username="boss", is_superuser=True)
    booking = services.complete(booking=booking, actor=boss)
    a_week_on = booking.completed_at + timedelta(days=7)

    assert balance(booking.consultant) == (D("76.00"), D("0"))
    with pytest.raises(earnings.PayoutRefused):
        earnings.request_payout(
            consultant=booking.consultant,
            actor=user,
            now=a_week_on - timedelta(minutes=1),
        )
    payout = earnings.request_payout(
        consultant=booking.consultant, actor=user, now=a_week_on
    )
    assert (payout.amount, payout.currency) == (D("76.00"), "EUR")
    [(line, state)] = earnings.earnings_summary(booking.consultant)["earnings"]
    assert state == Earning.State.REQUESTED


def test_a_refund_before_completion_leaves_nothing_to_pay(offline, booking_admin):
    booking = pay_offline(booking_admin, available=False)

    services.cancel(booking=booking, reason="Practice closed", actor=booking_admin)

    assert balance(booking.consultant) == (D("0.00"), D("0"))
    assert Earning.objects.get(kind=Earning.Kind.REVERSAL).available_at is None


_hours = itertools.count()


def paid_session(admin, consultant, price, currency):
    """A session of `consultant` paid in cash, its earning past the hold; each at
    its own time, so that one consultant's sessions never overlap."""
    service = ServiceFactory(
        consultants=[consultant], price=D(price), currency=currency
    )
    hour = next(_hours)
    start = next_monday_at(6 + 2 * (hour % 7), weeks=1 + hour // 7)
    booking, verify = make_draft(service=service, start=start)
    services.verify_email(token=verify)
    booking = services.approve(booking=booking, actor=admin)
    booking = paying.record_offline_payment(
        booking=booking, actor=admin, amount=D(price), method="Cash"
    )
    Earning.objects.filter(booking=booking).update(
        available_at=timezone.now() - timedelta(minutes=1)
    )
    return booking


def test_money_is_summed_per_currency_and_a_payout_is_in_one(
    offline, booking_admin, settings
):
    settings.PAYOUT_MINIMUM = 50
    consultant = ConsultantFactory()
    user = UserFactory(username="maya")
    consultant.user = user
    consultant.save(update_fields=["user"])
    paid_session(booking_admin, consultant, "80.00", "EUR")
    paid_session(booking_admin, consultant, "100.00", "USD")

    assert [(r["currency"], r["available"]) for r in earnings.balances(consultant)] == [
        ("EUR", D("76.00")),
        ("USD", D("95.00")),
    ]
    with pytest.raises(earnings.PayoutRefused, match="EUR and USD"):
        earnings.request_payout(consultant=consultant, actor=user)
    payout = earnings.request_payout(consultant=consultant, actor=user, currency="EUR")

    assert (payout.amount, payout.currency) == (D("76.00"), "EUR")
    assert {line.currency for line in payout.earnings.all()} == {"EUR"}
    assert balance(consultant, "USD") == (D("0"), D("95.00"))


def test_the_commission_tier_counts_the_months_volume_in_the_bookings_currency(
    offline, booking_admin
):
    consultant = ConsultantFactory(commission_rate=None)
    paid_session(booking_admin, consultant, "6000.00", "USD")

    eur = paid_session(booking_admin, consultant, "80.00", "EUR")

    assert Earning.objects.get(booking=eur).commission_rate == D("0.05")


def test_a_refund_after_a_payout_is_netted_off_by_the_next_payout(
    offline, booking_admin, settings, client
):
    settings.PAYOUT_MINIMUM = 10
    first = pay_offline(booking_admin)
    consultant = first.consultant
    user = consultant_user(first)
    paid = earnings.request_payout(consultant=consultant, actor=user)
    boss = UserFactory(username="boss", is_superuser=True)
    earnings.mark_payout_paid(payout=paid, actor=boss)

    services.cancel(booking=first, reason="Practice closed", actor=booking_admin)
    assert balance(consultant) == (D("0"), D("-76.00"))
    paid_session(booking_admin, consultant, "100.00", "EUR")

    payout = earnings.request_payout(consultant=consultant, actor=user)

    assert payout.amount == D("19.00")  # 95.00 earned less the 76.00 refunded
    assert sum(line.net for line in payout.earnings.all()) == payout.amount
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    statement = client.get(reverse("booking_earnings")).content.decode()
    assert "Refund reversal" in statement and "-76.00 EUR" in statement


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refund_committed_while_a_payout_is_made_is_never_taken_uncounted(
    settings, monkeypatch
):
    """A refund arrives from another request at the worst moment: after the payout
    has summed the available lines, before it takes them. It must wait for the
    payout (the same lock), and its line is left for the next payout."""
    settings.PAYOUT_MINIMUM = 1
    admin = UserFactory(username="boss", is_superuser=True)
    consultant = ConsultantFactory()
    user = UserFactory(username="maya")
    consultant.user = user
    consultant.save(update_fields=["user"])
    first = paid_session(admin, consultant, "40.00", "EUR")
    paid_session(admin, consultant, "60.00", "EUR")
    payment = first.payments.get()
    make_payout = Payout.objects.create
    refund_outcomes = []

    def refund_now():
        try:
            with transaction.atomic():
                refunds.request_refund(payment, D("40.00"), reason="Late", key="k")
            refund_outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            refund_outcomes.append(repr(exc))
        finally:
            connection.close()

    def payout_with_a_refund_racing(**fields):
        racer = threading.Thread(target=refund_now)
        racer.start()
        racer.join(timeout=2)  # blocked by the payout's lock: go on without it
        return make_payout(**fields)

    monkeypatch.setattr(Payout.objects, "create", payout_with_a_refund_racing)
    payout = earnings.request_payout(consultant=consultant, actor=user)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon is False:
            thread.join(timeout=10)

    assert refund_outcomes == ["ok"]
    assert payout.amount == D("95.00")  # 38.00 + 57.00, as summed
    assert sum(line.net for line in payout.earnings.all()) == payout.amount
    reversal = Earning.objects.get(kind=Earning.Kind.REVERSAL)
    assert reversal.payout is None and reversal.net == D("-38.00")
