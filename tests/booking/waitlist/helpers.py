"""A full workshop, its waiting clients, and the links their emails carry."""

import re
from datetime import timedelta

from django.core import mail

from booking.core.models import Service
from booking.lifecycle import courses, services
from booking.lifecycle import waitlist as waitlist_services
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    next_monday_at,
    user_with_perms,
)

LINK = re.compile(r"/book/waitlist/([A-Za-z0-9_.-]+)/")


def full_workshop(capacity=2):
    """A workshop whose `capacity` seats are all booked; returns it, its
    consultant, its start and the seats."""
    desk = user_with_perms(
        "add_booking",
        "approve_booking",
        "change_service",
        "cancel_booking",
        "change_booking",
        "view_booking",
    )
    consultant = ConsultantFactory()
    workshop = ServiceFactory(
        consultants=[consultant], kind=Service.Kind.WORKSHOP, capacity=capacity
    )
    start = next_monday_at(19)
    courses.set_meetings(
        service=workshop, actor=desk, dates=[(start, start + timedelta(hours=2))]
    )
    seats = [
        services.create_admin_booking(
            actor=desk,
            consultant=consultant,
            service=workshop,
            start=start,
            client_name=f"Seat {n}",
            client_email=f"seat{n}@example.com",
        )
        for n in range(capacity)
    ]
    return workshop, consultant, start, seats, desk


def last_link(email_address: str) -> str:
    """The raw token of the latest waitlist email to this address."""
    for message in reversed(mail.outbox):
        if email_address in message.to:
            found = LINK.search(message.body)
            if found:
                return found[1]
    raise AssertionError(f"no waitlist email to {email_address}")


def waiting_client(workshop, consultant, start, n):
    """A client who joined and confirmed their address; returns the entry."""
    email = f"wait{n}@example.com"
    waitlist_services.join(
        service=workshop,
        consultant=consultant,
        start=start,
        client_name=f"Waiting {n}",
        client_email=email,
        client_time_zone="Europe/Berlin",
    )
    return waitlist_services.confirm(token=last_link(email))
