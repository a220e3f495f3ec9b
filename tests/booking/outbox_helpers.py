"""Bookings in the states the email and job tests start from, made through the
real services."""

import itertools
from datetime import timedelta
from decimal import Decimal

from booking.core.models import Booking
from booking.core.states import BookingStatus
from booking.lifecycle import paying, services
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    next_monday_at,
)

_days = itertools.count()


def free_service(consultant=None, **fields):
    """A free session that needs no approval: verifying the email confirms it."""
    consultant = consultant or ConsultantFactory()
    return ServiceFactory(
        consultants=[consultant],
        price=Decimal("0.00"),
        requires_approval=False,
        **fields,
    )


def confirmed_booking(*, service=None, start=None, **client) -> Booking:
    """A CONFIRMED booking. Without a start, each gets a morning of its own inside
    the booking window, booked as a client would. With one (any hour, any minute,
    as reminder tests need), it is taken by phone with the availability override,
    as the practice does for sessions arranged outside the calendar."""
    service = service or free_service()
    if start is None:
        start = next_monday_at(9) + timedelta(days=next(_days) % 50)
        _, token = make_draft(service=service, start=start, **client)
        return services.verify_email(token=token)
    booking = services.create_admin_booking(
        actor=_phone_desk(),
        consultant=service.consultants.earliest("pk"),
        service=service,
        start=start,
        client_name=client.get("client_name", "Phone Client"),
        client_email=client.get("client_email", f"phone{next(_days)}@example.com"),
        client_time_zone=client.get("client_time_zone", ""),
        override_reason="Arranged outside the calendar.",
    )
    if booking.status == BookingStatus.APPROVED:
        booking = paying.record_offline_payment(
            booking=booking, actor=_phone_desk(), amount=booking.amount, method="Card"
        )
    return booking


def _phone_desk():
    return UserFactory(username="phone-desk", is_superuser=True)
