"""Demo consultants, services and bookings for people trying Haven. Bookings are
made through the real services, relative to today, so every state is on show and
the dates never go stale."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from booking.core.models import Booking, Consultant, Service
from booking.core.states import BookingStatus as S
from booking.demo.availability import load_demo_availability
from booking.lifecycle import paying, services

CONSULTANTS = [
    ("Dr. Maya Lindqvist", "maya@haven.localhost", "Europe/Berlin"),
    ("Samuel Okafor", "samuel@haven.localhost", "Europe/London"),
    ("Inés Navarro", "ines@haven.localhost", "Europe/Madrid"),
    ("Jonah Whitfield", "jonah@haven.localhost", "America/New_York"),
]

SERVICES = [
    {
        "title": "Individual counselling",
        "slug": "individual-counselling",
        "description": "A confidential one-to-one session to talk things through.",
        "duration_minutes": 50,
        "price": Decimal("85.00"),
        "mode": Service.Mode.ONLINE,
    },
    {
        "title": "Couples session",
        "slug": "couples-session",
        "description": "A longer session for two, in the practice rooms.",
        "duration_minutes": 80,
        "price": Decimal("130.00"),
        "mode": Service.Mode.IN_PERSON,
        "buffer_after_minutes": 20,
    },
    {
        "title": "Free introductory call",
        "slug": "introductory-call",
        "description": "Twenty minutes to see whether we are a good fit.",
        "duration_minutes": 20,
        "price": Decimal("0.00"),
        "requires_approval": False,
        "buffer_after_minutes": 10,
    },
    {
        "title": "Mindfulness circle",
        "slug": "mindfulness-circle",
        "description": "A small weekly group practising mindfulness together.",
        "duration_minutes": 60,
        "price": Decimal("25.00"),
        "capacity": 8,
    },
]

CLIENTS = [
    ("Ava Bennett", S.DRAFT),
    ("Liam Novak", S.PENDING),
    ("Zoe Martin", S.PENDING),
    ("Noah Fischer", S.APPROVED),
    ("Mia Rossi", S.PAYMENT_PENDING),
    ("Ethan Clarke", S.CONFIRMED),
    ("Chloe Dubois", S.CONFIRMED),
    ("Lucas Silva", S.REJECTED),
    ("Emma Johansson", S.CANCELLED),
]


def load_demo_bookings() -> list[Consultant]:
    consultants = [
        Consultant.objects.create(name=name, email=email, time_zone=zone)
        for name, email, zone in CONSULTANTS
    ]
    load_demo_availability(consultants)
    catalogue = [Service.objects.create(**fields) for fields in SERVICES]
    for service in catalogue:
        service.consultants.set(consultants)
    admin = _demo_booking_admin()
    counselling = catalogue[0]
    for day, (client, state) in enumerate(CLIENTS, start=2):
        consultant = consultants[day % len(consultants)]
        start = _weekday_at(consultant, days_ahead=day, hour=10)
        _booking_in_state(admin, consultant, counselling, start, client, state)
    _completed_session(admin, consultants[0], counselling)
    _no_show_session(admin, consultants[1], counselling)
    return consultants


def _completed_session(admin, consultant, service) -> Booking:
    """A session from last week, taken by phone, paid and done."""
    booking = _past_paid_session(
        admin, consultant, service, days_ago=7, client="Olivia Brown"
    )
    return services.complete(booking=booking, actor=admin)


def _no_show_session(admin, consultant, service) -> Booking:
    """A paid session from a few days ago that the client did not come to."""
    booking = _past_paid_session(
        admin, consultant, service, days_ago=4, client="Oscar Grant"
    )
    return paying.mark_no_show(booking=booking, actor=admin)


def _past_paid_session(admin, consultant, service, *, days_ago, client) -> Booking:
    start = _weekday_at(consultant, days_ahead=-days_ago, hour=11)
    booking = services.create_admin_booking(
        actor=admin,
        consultant=consultant,
        service=service,
        start=start,
        client_name=client,
        client_email=f"{client.lower().replace(' ', '.')}@example.com",
        override_reason="Recorded after the session, which was arranged by phone.",
    )
    return paying.record_offline_payment(
        booking=booking, actor=admin, amount=booking.amount, method="Card"
    )


def _demo_booking_admin():
    """Who the demo bookings' history names. It holds every permission but has no
    usable password and no admin access, so nobody can sign in as it."""
    user, created = get_user_model().objects.get_or_create(
        username="demo-bookings",
        defaults={"is_superuser": True, "is_staff": False, "first_name": "Demo"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _weekday_at(consultant, *, days_ahead: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=consultant.zone)


def _booking_in_state(admin, consultant, service, start, client, state) -> Booking:
    email = client.lower().replace(" ", ".") + "@example.com"
    booking, token = services.create_draft(
        consultant=consultant,
        service=service,
        start=start,
        client_name=client,
        client_email=email,
        client_time_zone=consultant.time_zone,
        consent=True,
    )
    steps = {
        S.DRAFT: [],
        S.PENDING: ["verify"],
        S.APPROVED: ["verify", "approve"],
        S.PAYMENT_PENDING: ["verify", "approve", "pay"],
        S.CONFIRMED: ["verify", "approve", "paid"],
        S.REJECTED: ["verify", "reject"],
        S.CANCELLED: ["verify", "cancel"],
    }[state]
    for step in steps:
        if step == "verify":
            booking = services.verify_email(token=token)
        elif step == "approve":
            booking = services.approve(booking=booking, actor=admin)
        elif step == "pay":
            booking = paying.start_payment(booking=booking)
        elif step == "paid":
            booking = paying.record_offline_payment(
                booking=booking, actor=admin, amount=booking.amount, method="Card"
            )
        elif step == "reject":
            booking = services.reject(
                booking=booking,
                actor=admin,
                reason="The consultant is away that week; please choose another.",
            )
        elif step == "cancel":
            booking = services.cancel(booking=booking, reason="Client is unwell.")
    return booking
