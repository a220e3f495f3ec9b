"""A fixed practice for the report tests: two consultants, a EUR and a GBP
service, bookings at every step of March 2026, payments, refunds (one failed),
and a booking in February that makes one March client a returning one. Each
figure the tests expect is counted by hand from this list."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from booking.core.models import Booking, Consultant, Service
from booking.core.states import BookingStatus as S
from booking.payments.models import Payment, Refund
from tests.availability_factories import weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory

_numbers = itertools.count(1)


@dataclass
class Practice:
    ada: Consultant
    ben: Consultant
    eur: Service
    gbp: Service


def march(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def book(consultant, service, start, status, email, *, lead, steps=()) -> Booking:
    """A booking as the services would have left it: `steps` names the moments
    it reached (verified, approved, confirmed)."""
    number = next(_numbers)
    created = start - lead
    booking = Booking.objects.create(
        reference=f"RP-{number:06d}",
        consultant=consultant,
        service=service,
        status=status,
        start=start,
        end=start + timedelta(minutes=50),
        slot_key=f"own:report{number}",
        client_name="Report Client",
        client_email=email,
        amount=service.price,
        currency=service.currency,
        counts_toward_limit=False,
        **{f"{step}_at": created + timedelta(hours=1) for step in steps},
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=created)
    return booking


def pay(booking, amount, paid_at) -> Payment:
    return Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.OFFLINE,
        status=Payment.Status.PAID,
        attempt=Payment.objects.filter(booking=booking).count() + 1,
        amount=Decimal(amount),
        currency=booking.currency,
        paid_amount=Decimal(amount),
        paid_at=paid_at,
    )


def refund(payment, amount, status, made_at) -> Refund:
    made = Refund.objects.create(
        key=f"report-refund-{next(_numbers)}",
        payment=payment,
        booking=payment.booking,
        amount=Decimal(amount),
        currency=payment.currency,
        status=status,
        reason="Cancelled",
    )
    Refund.objects.filter(pk=made.pk).update(created_at=made_at)
    return made


def practice() -> Practice:
    ada = ConsultantFactory(name="Ada Report", time_zone="UTC", open_hours=False)
    ben = ConsultantFactory(name="Ben Report", time_zone="UTC", open_hours=False)
    # Weekdays 09:00–13:00: March 2026 has 22 weekdays, so 88 open hours.
    weekly_hours(ada, weekdays=range(5), start="09:00", end="13:00")
    eur = ServiceFactory(consultants=[ada], price=Decimal("80.00"), currency="EUR")
    gbp = ServiceFactory(consultants=[ben], price=Decimal("60.00"), currency="GBP")
    done = ("verified", "approved", "confirmed")
    day = timedelta(days=1)

    february = book(
        ada, eur, march(1) - 20 * day, S.COMPLETED, "Ann@x.test", lead=day, steps=done
    )
    pay(february, "80.00", march(1) - 21 * day)
    completed = book(
        ada, eur, march(2), S.COMPLETED, "ann@x.test", lead=10 * day, steps=done
    )
    cancelled = book(
        ada, eur, march(3), S.CANCELLED, "bob@x.test", lead=3 * day, steps=done
    )
    no_show = book(
        ada,
        eur,
        march(4),
        S.NO_SHOW,
        "ann@x.test",
        lead=timedelta(hours=12),
        steps=done,
    )
    book(ada, eur, march(5), S.DRAFT, "xan@x.test", lead=day)
    book(
        ada, eur, march(6), S.PENDING, "cat@x.test", lead=30 * day, steps=("verified",)
    )
    gbp_done = book(
        ben, gbp, march(9), S.COMPLETED, "dan@x.test", lead=20 * day, steps=done
    )
    book(
        ben,
        gbp,
        march(10),
        S.CANCELLED,
        "eve@x.test",
        lead=3 * day,
        steps=("verified", "approved"),
    )
    book(
        ben,
        gbp,
        march(11),
        S.REJECTED,
        "fay@x.test",
        lead=timedelta(hours=2),
        steps=("verified",),
    )

    pay(completed, "80.00", march(1))
    paid_then_cancelled = pay(cancelled, "80.00", march(1))
    pay(no_show, "80.00", march(2))
    refund(paid_then_cancelled, "30.00", Refund.Status.SUCCEEDED, march(3))
    refund(paid_then_cancelled, "20.00", Refund.Status.FAILED, march(3))
    gbp_payment = pay(gbp_done, "60.00", march(8))
    refund(gbp_payment, "10.00", Refund.Status.MANUAL, march(12))
    # Paid in April: outside the range.
    pay(gbp_done, "5.00", march(1) + 40 * day)
    return Practice(ada=ada, ben=ben, eur=eur, gbp=gbp)
