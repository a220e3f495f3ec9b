"""Every (state, transition) pair of DESIGN §2, driven through the service layer:
allowed pairs move and are written to the audit log with their actor; every other
pair is refused with the domain error and leaves the row as it was."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from wagtail.models import ModelLogEntry

from booking.core import tokens
from booking.core.errors import InvalidTransition
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from tests.factories import make_draft, user_with_perms

ALL_PERMS = (
    "approve_booking",
    "reject_booking",
    "cancel_booking",
    "complete_booking",
    "mark_no_show",
    "record_offline_payment",
)

# transition -> (the states it may start from, the state it leads to)
ALLOWED = {
    "verify_email": ({S.DRAFT}, S.PENDING),
    "approve": ({S.PENDING}, S.APPROVED),
    "reject": ({S.PENDING}, S.REJECTED),
    "start_payment": ({S.APPROVED}, S.PAYMENT_PENDING),
    "payment_expired": ({S.PAYMENT_PENDING}, S.APPROVED),
    "confirm": ({S.PAYMENT_PENDING}, S.CONFIRMED),
    "record_offline_payment": ({S.APPROVED, S.PAYMENT_PENDING}, S.CONFIRMED),
    "complete": ({S.CONFIRMED}, S.COMPLETED),
    "mark_no_show": ({S.CONFIRMED}, S.NO_SHOW),
    "cancel": (
        {S.DRAFT, S.PENDING, S.APPROVED, S.PAYMENT_PENDING, S.CONFIRMED},
        S.CANCELLED,
    ),
}
# Who the audit log names: the admin for staff actions, nobody for client/system.
BY_ADMIN = {
    "approve",
    "reject",
    "record_offline_payment",
    "complete",
    "mark_no_show",
    "cancel",
}


@pytest.fixture
def admin(db):
    return user_with_perms(*ALL_PERMS, username="booking-admin")


def move_into_the_past(booking):
    """Sessions can only be completed once they are over."""
    start = timezone.now() - timedelta(hours=3)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(hours=1)
    )


def booking_in(state, admin) -> Booking:
    booking, _ = make_draft()
    path = {
        S.DRAFT: [],
        S.PENDING: ["verify"],
        S.APPROVED: ["verify", "approve"],
        S.REJECTED: ["verify", "reject"],
        S.PAYMENT_PENDING: ["verify", "approve", "pay"],
        S.CONFIRMED: ["verify", "approve", "pay", "paid"],
        S.COMPLETED: ["verify", "approve", "pay", "paid", "complete"],
        S.NO_SHOW: ["verify", "approve", "pay", "paid", "no_show"],
        S.CANCELLED: ["cancel"],
    }[state]
    for step in path:
        booking = {
            "verify": lambda b: services.verify_email(token=verify_token(b)),
            "approve": lambda b: services.approve(booking=b, actor=admin),
            "reject": lambda b: services.reject(booking=b, actor=admin, reason="Full"),
            "pay": lambda b: paying.start_payment(booking=b),
            "paid": lambda b: paying.confirm_payment(booking=b, amount=b.amount),
            "complete": lambda b: (
                move_into_the_past(b) or services.complete(booking=b, actor=admin)
            ),
            "no_show": lambda b: (
                move_into_the_past(b) or paying.mark_no_show(booking=b, actor=admin)
            ),
            "cancel": lambda b: services.cancel(booking=b, actor=admin, reason="Ill"),
        }[step](booking)
    assert booking.status == state
    return booking


def verify_token(booking) -> str:
    return tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.VERIFY)


def run(name, booking, admin):
    calls = {
        "verify_email": lambda: services.verify_email(token=verify_token(booking)),
        "approve": lambda: services.approve(booking=booking, actor=admin),
        "reject": lambda: services.reject(booking=booking, actor=admin, reason="No"),
        "start_payment": lambda: paying.start_payment(booking=booking),
        "payment_expired": lambda: paying.payment_expired(booking=booking),
        "confirm": lambda: paying.confirm_payment(
            booking=booking, amount=booking.amount
        ),
        "record_offline_payment": lambda: paying.record_offline_payment(
            booking=booking, actor=admin, amount=booking.amount, method="Cash"
        ),
        "complete": lambda: services.complete(booking=booking, actor=admin),
        "mark_no_show": lambda: paying.mark_no_show(booking=booking, actor=admin),
        "cancel": lambda: services.cancel(booking=booking, actor=admin, reason="Moved"),
    }
    return calls[name]()


def snapshot(booking):
    row = Booking.objects.get(pk=booking.pk)
    log_count = ModelLogEntry.objects.filter(object_id=str(booking.pk)).count()
    return model_to_dict(row), row.start, row.end, log_count


PAIRS = [(state, name) for state in S for name in ALLOWED]


@pytest.mark.parametrize(("state", "name"), PAIRS, ids=[f"{s}-{n}" for s, n in PAIRS])
def test_every_state_and_transition(db, admin, state, name):
    booking = booking_in(state, admin)
    if name in ("complete", "mark_no_show"):
        move_into_the_past(booking)
    sources, target = ALLOWED[name]

    if state in sources:
        result = run(name, booking, admin)

        assert Booking.objects.get(pk=booking.pk).status == target == result.status
        entry = ModelLogEntry.objects.filter(
            object_id=str(booking.pk), action=f"booking.{name}"
        ).latest("timestamp")
        assert entry.data["from"] == state and entry.data["to"] == target
        assert entry.user == (admin if name in BY_ADMIN else None)
        assert entry.label == booking.reference
    else:
        before = snapshot(booking)

        with pytest.raises(InvalidTransition) as refused:
            run(name, booking, admin)

        assert booking.reference in refused.value.message
        assert S(state).label.lower() in refused.value.message
        assert snapshot(booking) == before


def test_confirm_free_only_for_free_sessions(db, admin):
    paid = booking_in(S.APPROVED, admin)

    with pytest.raises(InvalidTransition, match="has a price"):
        services.confirm_free(booking=paid)

    assert Booking.objects.get(pk=paid.pk).status == S.APPROVED


def test_free_session_is_confirmed_on_approval_and_logged(db, admin):
    booking, token = make_draft()
    booking.service.price = Decimal("0")
    booking.service.save()
    booking, _ = make_draft(
        service=booking.service, start=booking.start + timedelta(hours=2)
    )
    services.verify_email(token=verify_token(booking))

    approved = services.approve(booking=booking, actor=admin)

    assert approved.status == S.CONFIRMED
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(booking.pk))
        .order_by("timestamp", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "booking.create",
        "booking.verify_email",
        "booking.approve",
        "booking.confirm_free",
    ]


def test_confirm_needs_the_full_amount(db, admin):
    booking = booking_in(S.PAYMENT_PENDING, admin)

    with pytest.raises(InvalidTransition, match="no payment covering the full amount"):
        paying.confirm_payment(booking=booking, amount=booking.amount - 1)

    row = Booking.objects.get(pk=booking.pk)
    assert row.status == S.PAYMENT_PENDING
    assert row.amount_paid == 0


def test_complete_refused_before_the_session_ends(db, admin):
    booking = booking_in(S.CONFIRMED, admin)

    with pytest.raises(InvalidTransition, match="has not ended yet"):
        services.complete(booking=booking, actor=admin)

    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED


def test_no_show_refused_before_the_session_ends(db, admin):
    booking = booking_in(S.CONFIRMED, admin)

    with pytest.raises(InvalidTransition, match="has not ended yet"):
        paying.mark_no_show(booking=booking, actor=admin)

    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED


def test_status_cannot_be_assigned_directly(db, admin):
    booking = booking_in(S.PENDING, admin)

    with pytest.raises(AttributeError, match="Direct status modification"):
        booking.status = S.CONFIRMED


def test_history_message_names_both_states(db, admin):
    booking = booking_in(S.APPROVED, admin)
    entry = ModelLogEntry.objects.get(
        object_id=str(booking.pk), action="booking.approve"
    )

    assert entry.message == "Approved (Pending approval → Approved (awaiting payment))"
