# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""No-show (issue 18): a confirmed session the client did not come to. Only once
the session has ended, only by a booking admin or the session's own consultant;
the practice's no-show fee decides the money: "full" keeps it and the consultant
earns it as for a completed session, "none" refunds it in full (and takes the
earning back). Every movement is a ledger line in the booking's currency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from wagtail.models import ModelLogEntry

from booking.core import tokens
from booking.core.errors import InvalidTransition, NotPermitted
from booking.core.models import Booking, BookingToken
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, STAFF
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.payments import earnings
from booking.payments.models import Earning, Refund
from tests.api.conftest import bearer
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    fake_stripe,
    fresh_rate_limits,
    offline,
    press_pay,
    session_event,
)
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    member,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def desk(db):
    return member(BOOKING_ADMINS, username="desk")


@pytest.fixture
def full_fee(practice_settings):
    practice_settings(no_show_fee="full")


@pytest.fixture
def no_fee(practice_settings):
    practice_settings(no_show_fee="none")


def confirmed(admin, *, consultant=None, price="80.00", currency="EUR", ended=True):
    """A session paid offline (in `currency`) and confirmed; by default it has
    ended."""
    consultant = consultant or ConsultantFactory()
    service = ServiceFactory(
        consultants=[consultant], price=D(price), currency=currency
    )
    booking, verify = make_draft(service=service, consultant=consultant)
    services.verify_email(token=verify)
    booking = services.approve(booking=booking, actor=admin)
    if booking.status == S.APPROVED:
        booking = paying.record_offline_payment(
            booking=booking, actor=admin, amount=D(price), method="Cash"
        )
    if ended:
        end_it(booking)
    return Booking.objects.get(pk=booking.pk)


def end_it(booking):
    """Move the session two hours into the past, an hour before any other of
    its consultant's sessions already there (PostgreSQL refuses overlaps)."""
    now = timezone.now()
    earlier = Booking.objects.filter(
        consultant_id=booking.consultant_id, start__lt=now
    ).count()
    start = now - timedelta(hours=2 + earlier)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(minutes=50)
    )


def ledger(booking):
    return list(
        Earning.objects.filter(booking=booking)
        .order_by("pk")
        .values_list("kind", "gross", "net", "currency")
    )


def client_email(booking):
    return booking.emails.get(kind="no_show", recipient=booking.client_email)


# --- the fee rule ------------------------------------------------------------------


def test_full_fee_keeps_the_money_and_the_consultant_earns_it_per_currency(
    offline, desk, full_fee
):
    consultant = ConsultantFactory()
    eur = confirmed(desk, consultant=consultant, price="80.00", currency="EUR")
    usd = confirmed(desk, consultant=consultant, price="120.00", currency="USD")

    for booking in (eur, usd):
        paying.mark_no_show(booking=booking, actor=desk)

    eur.refresh_from_db()
    assert eur.status == S.NO_SHOW and eur.no_show_at is not None
    assert not Refund.objects.filter(booking__in=[eur, usd]).exists()
    assert ledger(eur) == [("booking", D("80.00"), D("76.00"), "EUR")]
    assert ledger(usd) == [("booking", D("120.00"), D("114.00"), "USD")]
    line = Earning.objects.get(booking=eur)
    assert line.available_at == eur.no_show_at + timedelta(
        days=settings.EARNING_HOLD_DAYS
    )
    later = timezone.now() + timedelta(days=settings.EARNING_HOLD_DAYS + 1)
    assert earnings.balances(consultant, now=later) == [
        {
            "currency": "EUR",
            "pending": D("0.00"),
            "available": D("76.00"),
            "may_request": True,
        },
        {
            "currency": "USD",
            "pending": D("0.00"),
            "available": D("114.00"),
            "may_request": True,
        },
    ]
    email = client_email(eur)
    assert "fee is kept" in email.text_body
    assert "refunded" not in email.text_body.split("fee is kept")[0].lower()


def test_no_fee_refunds_in_full_and_takes_the_earning_back_per_currency(
    offline, desk, no_fee
):
    consultant = ConsultantFactory()
    eur = confirmed(desk, consultant=consultant, price="80.00", currency="EUR")
    usd = confirmed(desk, consultant=consultant, price="120.00", currency="USD")

    for booking in (eur, usd):
        paying.mark_no_show(booking=booking, actor=desk)

    refunds = {r.currency: r for r in Refund.objects.filter(booking__in=[eur, usd])}
    assert {c: (r.amount, r.status) for c, r in refunds.items()} == {
        "EUR": (D("80.00"), Refund.Status.MANUAL),
        "USD": (D("120.00"), Refund.Status.MANUAL),
    }
    assert refunds["EUR"].reason == "No-show: refunded in full"
    assert ledger(eur) == [
        ("booking", D("80.00"), D("76.00"), "EUR"),
        ("reversal", D("-80.00"), D("-76.00"), "EUR"),
    ]
    assert ledger(usd) == [
        ("booking", D("120.00"), D("114.00"), "USD"),
        ("reversal", D("-120.00"), D("-114.00"), "USD"),
    ]
    later = timezone.now() + timedelta(days=365)
    assert all(
        row["available"] == 0 and row["pending"] == 0
        for row in earnings.balances(consultant, now=later)
    )
    email = client_email(eur)
    assert "80.00 EUR is refunded: the practice pays it back to you" in (
        email.text_body
    )


def test_no_fee_refunds_a_card_payment_through_stripe(
    client, fake_stripe, desk, no_fee, django_capture_on_commit_callbacks
):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], price=D("80.00"))
    booking, verify = make_draft(service=service, consultant=consultant)
    services.verify_email(token=verify)
    booking = services.approve(booking=booking, actor=desk)
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    session = fake_stripe.sessions[press_pay(client, token).rsplit("/", 1)[1]]
    fake_stripe.pay(session["id"])
    deliver(client, session_event("checkout.session.completed", session))
    end_it(booking)

    with django_capture_on_commit_callbacks(execute=True):
        paying.mark_no_show(booking=booking, actor=desk)

    refund = Refund.objects.get(booking=booking)
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount == D("80.00")
    (params,) = fake_stripe.posts("/v1/refunds")
    assert params["amount"] == "8000"
    assert booking.payments.get().refunded_amount == D("80.00")
    assert "80.00 EUR is refunded the way you paid" in client_email(booking).text_body


def test_a_free_session_moves_no_money(offline, desk, no_fee):
    booking = confirmed(desk, price="0.00")
    assert booking.status == S.CONFIRMED

    paying.mark_no_show(booking=booking, actor=desk)

    assert not Refund.objects.filter(booking=booking).exists()
    assert ledger(booking) == []
    assert "You paid" not in client_email(booking).text_body


def test_the_history_says_which_rule_applied(offline, desk, no_fee):
    booking = confirmed(desk)

    paying.mark_no_show(booking=booking, actor=desk)

    entry = ModelLogEntry.objects.get(
        object_id=str(booking.pk), action="booking.mark_no_show"
    )
    assert entry.user == desk
    assert entry.data["fee"] == "none"
    assert entry.message == "Marked a no-show (Confirmed → No-show)"


# --- refusals ------------------------------------------------------------------------


def test_refused_before_the_session_has_ended(offline, desk, full_fee):
    booking = confirmed(desk, ended=False)

    with pytest.raises(InvalidTransition, match="the session has not ended yet"):
        paying.mark_no_show(booking=booking, actor=desk)

    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED
    assert not booking.emails.filter(kind="no_show").exists()
    assert Earning.objects.get(booking=booking).available_at is None


def test_refused_without_the_permission(offline, desk, no_fee):
    booking = confirmed(desk)
    clerk = user_with_perms("complete_booking", "cancel_booking", username="clerk")

    with pytest.raises(NotPermitted, match="permission to mark no-show"):
        paying.mark_no_show(booking=booking, actor=clerk)

    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED
    assert not Refund.objects.filter(booking=booking).exists()


@pytest.mark.parametrize("state", [S.COMPLETED, S.CANCELLED])
def test_refused_once_the_booking_is_final(offline, desk, state):
    booking = confirmed(desk)
    if state == S.COMPLETED:
        services.complete(booking=booking, actor=desk)
    else:
        services.cancel(booking=booking, actor=desk, reason="Ill")

    with pytest.raises(InvalidTransition, match=f"it is {S(state).label.lower()}"):
        paying.mark_no_show(booking=booking, actor=desk)


def test_a_consultant_may_mark_their_own_session_only(offline, desk, full_fee):
    own_login, other_login = UserFactory(), UserFactory()
    mine = ConsultantFactory(user=own_login)
    ConsultantFactory(user=other_login)
    booking = confirmed(desk, consultant=mine)

    with pytest.raises(NotPermitted):
        paying.mark_no_show(booking=booking, actor=other_login)
    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED

    paying.mark_no_show(booking=booking, actor=own_login)
    assert Booking.objects.get(pk=booking.pk).status == S.NO_SHOW


# --- the admin and the API -----------------------------------------------------------


def test_the_admin_asks_first_and_says_what_the_fee_does(
    client, offline, desk, full_fee
):
    booking = confirmed(desk)
    url = reverse("bookings:transition", args=[booking.pk, "no_show"])
    client.force_login(desk)

    inspect = client.get(reverse("bookings:inspect", args=[booking.pk]))
    asked = client.get(url)
    done = client.post(url, {"confirm": "1"})

    assert "Mark no-show" in inspect.content.decode()
    page = asked.content.decode()
    assert "The practice keeps the fee: the 80.00 EUR paid stays" in page
    assert 'class="button serious"' in page
    assert done.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == S.NO_SHOW


def test_the_admin_refuses_before_the_session_with_the_reason(
    client, offline, desk, full_fee
):
    booking = confirmed(desk, ended=False)
    client.force_login(desk)

    response = client.post(
        reverse("bookings:transition", args=[booking.pk, "no_show"]),
        {"confirm": "1"},
        follow=True,
    )

    assert "the session has not ended yet" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED


def test_the_staff_api_offers_and_runs_the_no_show(offline, desk, no_fee):
    api = APIClient()
    booking = confirmed(desk)
    target = f"/api/v1/staff/bookings/{booking.reference}/"
    headers = bearer(desk)

    offered = api.get(target, **headers).json()["actions"]
    done = api.post(
        target + "transitions/", {"action": "no_show"}, format="json", **headers
    )

    assert "no_show" in offered and "complete" in offered
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "no_show"
    assert Refund.objects.get(booking=booking).amount == D("80.00")
    again = api.post(
        target + "transitions/", {"action": "no_show"}, format="json", **headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_the_api_refuses_staff_and_other_consultants(offline, desk, full_fee):
    api = APIClient()
    booking = confirmed(desk)
    target = f"/api/v1/staff/bookings/{booking.reference}/transitions/"
    office = member(STAFF, username="office")
    stranger = member(CONSULTANTS, username="dr-other")
    ConsultantFactory(user=stranger)

    staff = api.post(target, {"action": "no_show"}, format="json", **bearer(office))
    other = api.post(target, {"action": "no_show"}, format="json", **bearer(stranger))

    assert staff.status_code == 403
    assert other.status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED


@pytest.mark.parametrize(
    ("fee", "promise"),
    [
        ("full", "If you miss a session without cancelling, the full fee is kept."),
        ("none", "If you miss a session without cancelling, you are refunded in full."),
    ],
)
def test_the_client_reads_the_no_show_rule_before_the_session(
    client, offline, desk, practice_settings, fee, promise
):
    practice_settings(no_show_fee=fee)
    booking = confirmed(desk, ended=False)
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)

    page = client.get(reverse("booking:manage", args=[token]))

    assert promise in page.content.decode()
