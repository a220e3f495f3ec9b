# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Refunds by policy, the refund job, offline mode and the payments admin
(DESIGN §5). Stripe is the fake HTTP client of `stripe_fakes`."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from booking.core.errors import NotPermitted
from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.payments import refunds
from booking.payments.models import Payment, Refund
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    approved_booking,
    booking_admin,
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
    user_with_perms,
)

pytestmark = pytest.mark.django_db


def paid_booking(client, admin, fake, **kwargs):
    """A booking paid through Checkout and confirmed by the webhook."""
    booking, token = approved_booking(admin, **kwargs)
    session = fake.sessions[press_pay(client, token).rsplit("/", 1)[1]]
    fake.pay(session["id"])
    deliver(client, session_event("checkout.session.completed", session))
    booking = Booking.objects.get(pk=booking.pk)
    assert booking.status == S.CONFIRMED
    return booking, token


# --- the refund policy ---------------------------------------------------------------


@pytest.fixture
def policy(practice_settings):
    practice_settings(full_refund_until_hours=48, late_refund_percent=50)


def test_refund_policy_at_both_sides_of_the_cutoff(db, policy):
    start = timezone.now() + timedelta(days=10)
    booking = Booking(start=start)
    cutoff = start - timedelta(hours=48)
    paid = Decimal("80.00")

    assert refunds.refund_due(booking, paid, by_client=True, now=cutoff) == paid
    assert refunds.refund_due(
        booking, paid, by_client=True, now=cutoff + timedelta(seconds=1)
    ) == Decimal("40.00")
    # The practice cancelling refunds everything, late or not.
    assert (
        refunds.refund_due(
            booking, paid, by_client=False, now=cutoff + timedelta(seconds=1)
        )
        == paid
    )


def test_no_refund_after_the_cutoff_when_the_late_percentage_is_zero(
    db, practice_settings
):
    practice_settings(full_refund_until_hours=24, late_refund_percent=0)
    booking = Booking(start=timezone.now() + timedelta(hours=2))

    assert refunds.refund_due(booking, Decimal("80"), by_client=True) == 0


@pytest.mark.parametrize(
    ("full_until_hours", "refunded"),
    [(24, Decimal("80.00")), (24 * 30, Decimal("40.00"))],
    ids=["before the cutoff", "after the cutoff"],
)
def test_client_cancellation_refunds_through_stripe_by_policy(
    client,
    fake_stripe,
    booking_admin,
    practice_settings,
    django_capture_on_commit_callbacks,
    full_until_hours,
    refunded,
):
    practice_settings(full_refund_until_hours=full_until_hours, late_refund_percent=50)
    booking, token = paid_booking(client, booking_admin, fake_stripe)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:manage_cancel", args=[token]), {"reason": "Ill"})

    booking.refresh_from_db()
    refund = booking.refunds.get()
    payment = booking.payments.get()
    assert booking.status == S.CANCELLED
    assert refund.amount == refunded
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.refunded_amount == refunded
    (params,) = fake_stripe.posts("/v1/refunds")
    assert params["amount"] == str(int(refunded * 100))
    assert fake_stripe.keys("/v1/refunds") == [f"haven-refund-{refund.pk}"]
    page = client.get(reverse("booking:manage", args=[token]))
    assert f"{refunded} EUR: Refunded" in page.content.decode()


def test_no_refund_row_when_the_policy_gives_nothing_back(
    client, fake_stripe, booking_admin, practice_settings
):
    practice_settings(full_refund_until_hours=24 * 30, late_refund_percent=0)
    booking, token = paid_booking(client, booking_admin, fake_stripe)

    services.cancel(booking=booking, reason="Late")

    assert not Refund.objects.exists()


def test_the_refund_job_retries_after_a_stripe_error(
    client, fake_stripe, booking_admin, django_capture_on_commit_callbacks
):
    booking, token = paid_booking(client, booking_admin, fake_stripe)
    fake_stripe.failures = 1

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(booking=booking, reason="Practice closed", actor=booking_admin)

    refund = Refund.objects.get()
    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == 1
    assert "Boom" in refund.last_error
    retry = Schedule.objects.get(name=f"Refund {refund.pk}, try 2")
    assert retry.func == "booking.payments.refunds.run_refund"
    assert retry.next_run > timezone.now()

    refunds.run_refund(refund.pk)  # what the schedule runs

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount == Decimal("80.00")
    assert len(fake_stripe.posts("/v1/refunds")) == 2
    assert set(fake_stripe.keys("/v1/refunds")) == {f"haven-refund-{refund.pk}"}
    assert len(fake_stripe.refunds) == 1


def test_a_refund_that_keeps_failing_is_left_for_a_person(
    client, fake_stripe, booking_admin, settings
):
    settings.REFUND_MAX_ATTEMPTS = 2
    booking, token = paid_booking(client, booking_admin, fake_stripe)
    services.cancel(booking=booking, reason="Closed", actor=booking_admin)
    refund = Refund.objects.get()
    fake_stripe.failures = 2

    for _ in range(2):
        assert "failed" in refunds.run_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert refunds.run_refund(refund.pk) == f"refund {refund.pk} is failed"


def test_the_sweep_requeues_stale_pending_refunds(client, fake_stripe, booking_admin):
    booking, token = paid_booking(client, booking_admin, fake_stripe)
    services.cancel(booking=booking, reason="Closed", actor=booking_admin)
    Refund.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    assert refunds.retry_refunds() == 1

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


# --- offline mode --------------------------------------------------------------------


def test_without_a_stripe_key_the_journey_completes_through_offline_payment(
    client, offline, booking_admin
):
    booking, token = approved_booking(booking_admin)

    page = client.get(reverse("booking:manage", args=[token])).content.decode()
    assert "Pay for your session" in page
    assert "Pay now" not in page
    response = client.post(reverse("booking:pay", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:manage", args=[token])

    booking = paying.record_offline_payment(
        booking=booking,
        actor=booking_admin,
        amount=Decimal("80.00"),
        method="Bank transfer",
        reference="HAVEN-123",
    )

    assert booking.status == S.CONFIRMED
    payment = booking.payments.get()
    assert payment.provider == Payment.Provider.OFFLINE
    assert payment.status == Payment.Status.PAID
    assert (payment.paid_amount, payment.method, payment.reference) == (
        Decimal("80.00"),
        "Bank transfer",
        "HAVEN-123",
    )
    assert payment.recorded_by == booking_admin
    page = client.get(reverse("booking:manage", args=[token])).content.decode()
    assert "Pay for your session" not in page


def test_recording_an_offline_payment_needs_the_permission(offline, booking_admin):
    booking, token = approved_booking(booking_admin)
    clerk = user_with_perms("approve_booking", username="clerk")

    with pytest.raises(NotPermitted):
        paying.record_offline_payment(
            booking=booking, actor=clerk, amount=Decimal("80.00"), method="Cash"
        )

    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED
    assert not Payment.objects.exists()


def test_cancelling_an_offline_payment_leaves_a_refund_to_pay_by_hand(
    offline, booking_admin
):
    booking, token = approved_booking(booking_admin)
    booking = paying.record_offline_payment(
        booking=booking, actor=booking_admin, amount=Decimal("80.00"), method="Cash"
    )

    services.cancel(booking=booking, reason="Practice closed", actor=booking_admin)

    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (Decimal("80.00"), Refund.Status.MANUAL)


def test_a_free_session_confirms_without_payment(fake_stripe, booking_admin):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], price=Decimal("0"))
    booking, verify = make_draft(service=service)
    services.verify_email(token=verify)

    booking = services.approve(booking=booking, actor=booking_admin)

    assert booking.status == S.CONFIRMED
    assert not Payment.objects.exists()
    assert not fake_stripe.calls


def test_a_provider_confirmation_always_leaves_a_payment_row(offline, booking_admin):
    booking, token = approved_booking(booking_admin)
    booking = paying.start_payment(booking=booking)

    booking = paying.confirm_payment(booking=booking, amount=booking.amount)

    assert booking.status == S.CONFIRMED
    assert booking.payments.get().paid_amount == Decimal("80.00")


# --- the admin list ---------------------------------------------------------------


def test_payments_admin_lists_payments_read_only(client, fake_stripe, booking_admin):
    booking, token = paid_booking(client, booking_admin, fake_stripe)
    superuser = UserFactory(username="boss", is_superuser=True)
    client.force_login(superuser)

    listing = client.get(reverse("payments:index"))
    inspect = client.get(reverse("payments:inspect", args=[booking.payments.get().pk]))

    assert listing.status_code == 200
    assert booking.reference in listing.content.decode()
    assert inspect.status_code == 200
    assert b"payments/add" not in listing.content
    assert client.get("/admin/payments/add/").status_code == 404


def test_payments_admin_needs_a_login(client):
    response = client.get(reverse("payments:index"))

    assert response.status_code == 302
