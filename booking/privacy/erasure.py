"""Erasure: `erase_client` anonymises everything held about an address, refused
while the client has an open booking.

Anonymising keeps each booking's reference, dates, state and amounts (the
accounts need them) and its payments, with nothing left that points at the
person: see `anonymise`."""

import re

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from booking.accounts.models import ClientAccount, SignInLink
from booking.core.models import Booking, BookingToken
from booking.core.states import OPEN, BookingStatus
from booking.messaging import privacy as messaging
from booking.notifications.models import OutboxEmail
from booking.participants import party
from booking.payments.models import Payment, Refund
from booking.privacy.audit import record_access
from booking.privacy.lookup import PrivacyError, client_data, held_for
from booking.privacy.models import AccessLogEntry
from booking.products import membership_privacy
from booking.products import privacy as products_privacy
from booking.reviews.models import Review
from booking.spreadsheets import exports
from booking.streams import privacy as streams_privacy
from booking.team import services as team
from booking.team.models import Application
from booking.waitlist import privacy as waitlist_privacy

S = BookingStatus
Action = AccessLogEntry.Action

ANONYMOUS_NAME = "Anonymised client"


ANONYMOUS_REVIEWER = "Former client"


REMOVED = "(removed with the client's personal data)"


# Audit-log data that names no one: states, amounts, times and the staff login.
# Every other text (reasons, payment references) may quote the client.
NEUTRAL_LOG_KEYS = {"from", "to", "by", "amount", "method", "moved_from", "moved_to"}


@transaction.atomic
def erase_client(*, email: str, user, request=None, by: str = "") -> list[str]:
    """Anonymise everything held about `email` (see `anonymise`) and return the
    references of the bookings kept. Refused, changing nothing, while any of
    them is still open, or when nothing is held. `by` names who acted when
    `user` is None (the client themself, from their account)."""
    data = client_data(email)
    bookings = list(data.bookings.select_for_update(of=("self",)).order_by("pk"))
    applications = data.applications.select_for_update()
    accounts = ClientAccount.objects.filter(email__iexact=data.email)
    packages = products_privacy.held(data.email)
    held = bookings or packages or data.emails.exists() or applications.exists()
    held = held or waitlist_privacy.held(data.email)
    held = held or membership_privacy.held(data.email)
    if not held and not accounts.exists() and not data.messages.exists():
        raise PrivacyError(
            "Nothing is held for that address: there is nothing to erase."
        )
    if still_open := [b for b in bookings if b.status in OPEN]:
        raise PrivacyError(_open_message(still_open))
    if running := membership_privacy.running(data.email):
        raise PrivacyError(
            f"This client's membership “{running[0].plan}” is still running: "
            "Stripe bills it until it ends. Cancel it (the client from their "
            "account, or in Stripe), then erase the data once it has ended."
        )
    if applications.filter(status=Application.Status.PENDING).exists():
        raise PrivacyError(
            "This address has an application to join that is still pending. "
            "Decline it (Team → Applications), then erase the data."
        )
    # A decided application is deleted whole: nothing in it is for the accounts.
    team.forget(applications)
    target = held_for(data)
    # How staff may have searched the bookings list for this client.
    searched_as = {data.email}
    searched_as |= {text for b in bookings for text in (b.client_name, b.client_phone)}
    _scrub_session_emails(bookings)
    # Conversations hang on the bookings: gone before these are anonymised.
    messaging.forget(data.email)
    for booking in bookings:
        anonymise(booking, actor=user, action="booking.erase", with_review=True, by=by)
    # Emails to the address about someone else's booking, if any.
    _scrub_emails(
        data.emails, client_email=data.email, address="erased@anonymised.invalid"
    )
    exports.forget_searches_for(searched_as)
    products_privacy.anonymise(data.email)
    membership_privacy.anonymise(data.email)
    waitlist_privacy.forget(data.email)
    # Likes, saves and comments (booking.streams), and the pages' counts with them.
    streams_privacy.forget(data.email)
    # The client's account goes too: address, name, preferences, password and the
    # Stripe Customer id (issue 21); and any sign-in link still unused.
    accounts.delete()
    SignInLink.objects.filter(email__iexact=data.email).delete()
    record_access(
        user=user, action=Action.ERASED, target=target, request=request, by=by
    )
    return [booking.reference for booking in bookings]


def _open_message(still_open: list[Booking]) -> str:
    listed = ", ".join(f"{b.reference} ({b.status_label.lower()})" for b in still_open)
    return (
        f"This client still has open bookings: {listed}. Cancel them, or wait until "
        "they are completed, then erase the client's data."
    )


def _placeholder_email(booking: Booking) -> str:
    """An address that cannot receive mail (RFC 2606's .invalid) and is unique per
    booking, so the one-active-booking-per-email rule never sees two alike."""
    return f"{booking.reference.lower()}@anonymised.invalid"


def anonymise(
    booking: Booking, *, actor, action: str, with_review: bool, by: str = ""
) -> None:
    """Remove the person from one finished booking: name, email, phone, notes,
    intake answers, time zone and reasons in the booking; its emails' bodies and
    the client's address; its links (deleted); payment references and notes;
    free text in its audit log; the names of the people they brought (their
    attendance stays); and, `with_review`, the review's words and signature
    (its rating stays). Reference, dates, state and amounts stay."""
    personal = [booking.client_name, booking.client_email, booking.client_phone]
    personal += party.erase(booking)
    placeholder = _placeholder_email(booking)
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        client_name=ANONYMOUS_NAME,
        client_email=placeholder,
        client_phone="",
        client_notes="",
        intake={},
        client_time_zone="UTC",
        reject_reason=REMOVED if booking.reject_reason else "",
        cancel_reason=REMOVED if booking.cancel_reason else "",
        anonymised_at=now,
        updated_at=now,
    )
    BookingToken.objects.filter(booking=booking).delete()
    _scrub_emails(
        booking.emails.all(), client_email=booking.client_email, address=placeholder
    )
    _scrub_money(booking, personal)
    if with_review:
        Review.objects.filter(booking=booking).update(
            comment="", display_name=ANONYMOUS_REVIEWER
        )
    scrub_audit_log(booking)
    log(instance=booking, action=action, user=actor, data={"by": _by(actor, by)})


def _by(actor, by: str = "") -> str:
    """The history's "by": the staff login, else who acted without one (the
    client themself), else the retention job (the only caller with neither)."""
    if actor is not None:
        return actor.get_username()
    return by or "retention period"


def _scrub_emails(emails, *, client_email: str, address: str) -> int:
    """Keep each email's kind, subject (references only), dates and status; drop
    its bodies, attachment and error text, and the client's address (`address`
    instead; staff and consultants' addresses stay). The unique key held the
    address too. An email never sent is not sent any more."""
    queued, failed = OutboxEmail.Status.QUEUED, OutboxEmail.Status.FAILED
    return emails.update(
        key=Concat(Value("anonymised:"), Cast("pk", models.CharField())),
        recipient=Case(
            When(recipient__iexact=client_email, then=Value(address)),
            default=F("recipient"),
            output_field=models.EmailField(),
        ),
        text_body=REMOVED,
        html_body="",
        ics="",
        last_error="",
        status=Case(When(status=queued, then=Value(failed)), default=F("status")),
        next_attempt_at=None,
        claimed_until=None,
    )


def _scrub_session_emails(bookings: list[Booking]) -> None:
    """A group session's emails to its consultant list every participant's name,
    but belong to one seat's booking: scrub those that name this client."""
    for booking in (b for b in bookings if b.service.is_group):
        session_emails = OutboxEmail.objects.filter(
            key__startswith=f"session:{booking.consultant_id}:",
            text_body__icontains=booking.client_name,
        )
        _scrub_emails(session_emails, client_email=booking.client_email, address="")


def _scrub_money(booking: Booking, personal: list[str]) -> None:
    """Payments and refunds keep their amounts, states, dates and provider ids
    (the accounts and Stripe need them); the texts people typed go."""
    Payment.objects.filter(booking=booking).update(reference="", checkout_url="")
    for payment in Payment.objects.filter(booking=booking).exclude(note=""):
        payment.note = _without(payment.note, personal)
        payment.save(update_fields=["note"])
    for refund in Refund.objects.filter(booking=booking):
        refund.reason = _without(refund.reason, personal)
        refund.last_error = _without(refund.last_error, personal)
        refund.save(update_fields=["reason", "last_error"])


def _without(text: str, personal: list[str]) -> str:
    for value in filter(None, personal):
        text = re.sub(re.escape(value), "[removed]", text, flags=re.IGNORECASE)
    return text


def scrub_audit_log(booking: Booking) -> None:
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Booking),
        object_id=str(booking.pk),
    )
    for entry in entries:
        data = entry.data or {}
        scrubbed = {
            key: value
            if key in NEUTRAL_LOG_KEYS or not isinstance(value, str) or not value
            else REMOVED
            for key, value in data.items()
        }
        if scrubbed != data:
            entry.data = scrubbed
            entry.save(update_fields=["data"])
