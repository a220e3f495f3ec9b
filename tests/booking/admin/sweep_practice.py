"""The practice the role sweep (test_role_sweep.py) runs against: two consultants,
each with their own login, clients and bookings in every state, payments, a
refund, a review, emails, a payout, an export, availability, a calendar feed and
a profile page never published, its draft in moderation; an editor, a booking
admin, staff and a signed-in user in no group; other people's API tokens and an
import. Made through the real services where they exist, once per module."""

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from django_q.models import Task
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import APIToken, Page

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from booking.core.states import BookingStatus as S
from booking.courses.models import CourseMeeting
from booking.lifecycle import paying, services
from booking.notifications.models import OutboxEmail
from booking.payments import earnings
from booking.payments.models import Earning, Payment, Refund
from booking.reviews.services import submit_review
from booking.scheduling import calendar_files, hours
from booking.scheduling.models import OutsideCalendar
from booking.spreadsheets import exports
from booking.spreadsheets.models import ExportJob, SpreadsheetImport
from cms.models import ConsultantPage
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    build_site,
    make_draft,
    member,
    next_monday_at,
)

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
ROLES = ("editor", "booking_admin", "staff", "consultant_a", "consultant_b", "nobody")

_days = itertools.count(0, 2)


@dataclass
class Side:
    """One consultant and everything that is theirs or their clients'."""

    letter: str
    consultant: object
    user: object
    bookings: dict = field(default_factory=dict)  # by state: pending, approved, …
    payment: Payment | None = None
    refund: Refund | None = None
    review: object = None
    email: OutboxEmail | None = None
    payout: object = None
    export_job: ExportJob | None = None
    entry_id: int | None = None
    outside_calendar_id: int | None = None
    page: Page | None = None
    draft_revision: object = None
    workflow_state: object = None
    editing_session: object = None
    image: Image | None = None
    document: Document | None = None
    draft_marker: str = ""
    meeting: object = None  # a course's dated meeting (issue 23)

    def client_markers(self) -> dict[str, str]:
        """What identifies this consultant's clients: names, emails, booking
        references (and the review one of them wrote)."""
        found = {}
        for booking in Booking.objects.filter(consultant=self.consultant):
            found[booking.client_name] = f"client name of {booking.reference}"
            found[booking.client_email] = f"client email of {booking.reference}"
            found[booking.reference] = "booking reference"
        found[self.review.comment] = "a client's review"
        return found

    def intake_markers(self) -> dict[str, str]:
        notes = Booking.objects.filter(consultant=self.consultant).exclude(
            client_notes=""
        )
        return {b.client_notes: f"intake note of {b.reference}" for b in notes}

    def rows(self) -> set[tuple[str, object]]:
        """(model label, pk) of the rows that are this consultant's alone."""
        bookings = Booking.objects.filter(consultant=self.consultant)
        calendars = OutsideCalendar.objects.filter(consultant=self.consultant)
        owned = [
            (Booking, bookings),
            (Payment, Payment.objects.filter(booking__in=bookings)),
            (Refund, Refund.objects.filter(booking__in=bookings)),
            (OutboxEmail, OutboxEmail.objects.filter(booking__in=bookings)),
            (type(self.consultant), [self.consultant]),
            (type(self.review), [self.review]),
            (type(self.payout), [self.payout]),
            (ExportJob, [self.export_job]),
            (Page, [self.page]),
            (OutsideCalendar, calendars),
        ]
        return {
            (model._meta.label_lower, row.pk) for model, rows in owned for row in rows
        }


@dataclass
class Practice:
    users: dict
    sides: dict
    index: Page
    tokens: dict  # role -> APIToken
    imports: dict  # role -> SpreadsheetImport
    failure: Task
    redirect: Redirect

    def other(self, role: str) -> Side:
        """The consultant whose clients this role is checked against: the other
        one for a consultant, consultant B for everyone else."""
        return self.sides["a" if role == "consultant_b" else "b"]

    def others_token(self, role: str) -> APIToken:
        return self.tokens["staff" if role == "booking_admin" else "booking_admin"]

    def others_import(self, role: str) -> SpreadsheetImport:
        return self.imports["staff" if role == "booking_admin" else "booking_admin"]

    def token_markers(self, role: str) -> dict[str, str]:
        user = self.users[role]
        return {
            token.name: f"API token of {token.user.username}"
            for token in APIToken.objects.exclude(user=user)
        }


def build_practice() -> Practice:
    with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):  # logins are forced
        return _build()


def _build() -> Practice:
    admin = member(BOOKING_ADMINS, username="sweep-admin")
    users = {
        "editor": member(EDITORS, username="sweep-editor"),
        "booking_admin": admin,
        "staff": member(STAFF, username="sweep-staff"),
        "consultant_a": member(CONSULTANTS, username="sweep-consultant-a"),
        "consultant_b": member(CONSULTANTS, username="sweep-consultant-b"),
        "nobody": UserFactory(username="sweep-nobody"),
    }
    _, index, _ = build_site()
    sides = {
        letter: _side(letter, users[f"consultant_{letter}"], admin, index)
        for letter in ("a", "b")
    }
    tokens = {
        role: APIToken.create_token(
            user=users[role], name=f"Token-{secrets.token_hex(4)} of {role}"
        )[0]
        for role in ("booking_admin", "staff")
    }
    imports = {
        role: SpreadsheetImport.objects.create(
            owner=users[role],
            kind=SpreadsheetImport.Kind.CONSULTANTS,
            original_name=f"{role}-team.csv",
            file_name=f"{secrets.token_hex(16)}.csv",
            sha256="0" * 64,
        )
        for role in ("booking_admin", "staff")
    }
    return Practice(
        users=users,
        sides=sides,
        index=index,
        tokens=tokens,
        imports=imports,
        failure=_failed_task(sides["b"].email),
        redirect=Redirect.objects.create(
            old_path="/sweep-old", redirect_link="https://example.org"
        ),
    )


def _side(letter: str, user, admin, index) -> Side:
    tag = f"{letter.upper()}{secrets.token_hex(3)}"
    consultant = ConsultantFactory(
        name=f"Consultant {letter.upper()}", email=f"consultant-{letter}@haven.test"
    )
    consultant.user = user
    consultant.save(update_fields=["user"])
    service = ServiceFactory(
        consultants=[consultant], booking_window_days=3650, minimum_notice_minutes=0
    )
    side = Side(letter=letter, consultant=consultant, user=user)

    def client(state: str) -> dict:
        return {
            "client_name": f"Client-{state}-{tag}",
            "client_email": f"client-{state}-{tag.lower()}@clients.test",
            "client_notes": f"Intake-{state}-{tag}: sleeps badly",
        }

    def by_phone(state: str) -> Booking:
        return services.create_admin_booking(
            actor=admin,
            consultant=consultant,
            service=service,
            start=_next_slot(),
            override_reason="Role sweep",
            **client(state),
        )

    def paid(state: str) -> Booking:
        return paying.record_offline_payment(
            booking=by_phone(state), actor=admin, amount=service.price, method="Cash"
        )

    _, token = make_draft(
        consultant=consultant, service=service, start=_next_slot(), **client("pending")
    )
    side.bookings["pending"] = services.verify_email(token=token)
    side.bookings["approved"] = by_phone("approved")
    side.bookings["confirmed"] = paid("confirmed")
    side.bookings["cancelled"] = services.cancel(
        booking=paid("cancelled"), actor=admin, reason="Role sweep"
    )
    side.bookings["ended"] = _in_the_past(paid("ended"))
    done = _in_the_past(paid("completed"), days=8)
    side.bookings["completed"] = services.complete(booking=done, actor=admin)
    course = ServiceFactory(consultants=[consultant], kind="course", capacity=4)
    meets = _next_slot()
    side.meeting = CourseMeeting.objects.create(
        service=course, start=meets, end=meets + timedelta(hours=1)
    )
    side.review = submit_review(
        booking=side.bookings["completed"], rating=2, comment=f"Review-{tag}: cold room"
    )
    confirmed = side.bookings["confirmed"]
    side.payment = Payment.objects.filter(booking=confirmed).get()
    side.refund = Refund.objects.get(booking=side.bookings["cancelled"])
    side.email = OutboxEmail.objects.filter(booking=confirmed).earliest("pk")
    # The sessions' earnings, past their hold, are available for a payout.
    Earning.objects.filter(consultant=consultant).update(
        available_at=timezone.now() - timedelta(days=1)
    )
    side.payout = earnings.request_payout(consultant=consultant, actor=user)
    side.export_job = _export_job(user, confirmed)
    side.entry_id = hours.availability_entries(consultant=consultant)[0].id
    # An outside calendar whose address is on a test network: reading it is
    # refused before any connection, so the sweep never reaches the network.
    side.outside_calendar_id = OutsideCalendar.objects.create(
        consultant=consultant, label="Private", url="https://192.0.2.10/secret.ics"
    ).pk
    calendar_files.issue_feed(consultant)
    _profile_page(side, index, tag)
    side.image = Image.objects.create(
        title=f"Photo of {consultant.name}",
        file=get_test_image_file(),
        uploaded_by_user=user,
    )
    side.document = Document.objects.create(
        title=f"Notes of {consultant.name}",
        file=ContentFile(b"notes", name=f"notes-{letter}.txt"),
        uploaded_by_user=user,
    )
    return side


def _next_slot():
    return next_monday_at(9) + timedelta(days=next(_days))


def _in_the_past(booking: Booking, days: int = 7) -> Booking:
    """The session took place `days` ago (a fact to arrange, not a flow to test);
    sessions moved back never overlap, which PostgreSQL's constraint refuses."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=days)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + (booking.end - booking.start)
    )
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    return booking


def _export_job(user, booking: Booking) -> ExportJob:
    name = f"{secrets.token_hex(16)}.csv"
    exports.export_root().mkdir(parents=True, exist_ok=True)
    (exports.export_root() / name).write_text(
        f"Reference,Client,Email\n{booking.reference},{booking.client_name},"
        f"{booking.client_email}\n"
    )
    return ExportJob.objects.create(
        owner=user,
        format=ExportJob.Format.CSV,
        status=ExportJob.Status.DONE,
        rows_done=1,
        rows_total=1,
        file_name=name,
        expires_at=timezone.now() + timedelta(days=1),
    )


def _profile_page(side: Side, index: Page, tag: str) -> None:
    """A new consultant's profile page, never published yet: a draft waiting in
    moderation whose text only its consultant (and editors) may read."""
    side.draft_marker = f"Draft-{tag}: moving practice soon"
    page = ConsultantPage(
        title=side.consultant.name,
        consultant=side.consultant,
        role="Counsellor",
        summary="Helps.",
        bio=f"<p>{side.draft_marker}</p>",
        live=False,
        owner=side.user,
    )
    index.add_child(instance=page)
    side.draft_revision = page.save_revision(user=side.user)
    side.workflow_state = page.get_workflow().start(page, side.user)
    side.page = page
    side.editing_session = EditingSession.objects.create(
        user=side.user,
        content_type=ContentType.objects.get_for_model(Page),
        object_id=str(page.pk),
        last_seen_at=timezone.now(),
    )


def _failed_task(email: OutboxEmail) -> Task:
    now = timezone.now()
    return Task.objects.create(
        id=secrets.token_hex(16),
        name=f"send email {email.pk}",
        func="booking.tasks.send_email",
        args=(email.pk,),
        kwargs={},
        result="ConnectionError: the provider is down",
        started=now,
        stopped=now,
        success=False,
        attempt_count=1,
    )
