"""The outbox: which emails each change writes, what they say, how they are sent
(once), and what the provider's tracking webhook does to them."""

import base64
import json
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from booking.core.models import BookingToken
from booking.lifecycle import paying, services
from booking.notifications import emails, outbox
from booking.notifications.models import OutboxEmail
from booking.scheduling.models import MeetingLink
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
Kind = OutboxEmail.Kind
Status = OutboxEmail.Status


@pytest.fixture
def esp(settings):
    """anymail's test backend: it records tags, metadata and attachments."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


@pytest.fixture
def consultant():
    return ConsultantFactory(name="Maya Stone", email="maya@haven.test")


@pytest.fixture
def service(consultant):
    return ServiceFactory(title="Counselling", consultants=[consultant])


def sent(kind):
    return [message for message in mail.outbox if message.tags == [kind]]


def test_each_email_is_a_row_written_with_the_change_and_sent_after_commit(
    service, esp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        booking, token = make_draft(service=service, client_email="ada@example.com")
        email = OutboxEmail.objects.get()
        assert email.status == Status.QUEUED and mail.outbox == []

    assert len(callbacks) == 1
    callbacks[0]()

    email.refresh_from_db()
    assert (email.booking, email.kind, email.recipient) == (
        booking,
        Kind.VERIFY_EMAIL,
        "ada@example.com",
    )
    assert email.status == Status.SENT and email.attempts == 1
    assert email.sent_at is not None and email.esp_message_id
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert f"/book/verify/{token}/" in message.body
    assert f"/book/verify/{token}/" in message.alternatives[0].content
    assert message.tags == ["verify_email"]
    assert message.metadata == {
        "outbox_id": str(email.pk),
        "booking": booking.reference,
    }


def test_a_change_that_is_rolled_back_writes_and_sends_nothing(
    service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make_draft(service=service)
        transaction.set_rollback(True)

    assert not OutboxEmail.objects.exists()
    assert not OrmQ.objects.exists()
    assert mail.outbox == []


def test_emails_are_branded_and_show_times_in_the_readers_zone(
    service, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_PRACTICE_NAME = "Quiet Harbour Counselling"
    settings.BOOKING_EMAIL_ACCENT = "#123456"
    start = next_monday_at(9)
    with django_capture_on_commit_callbacks(execute=True):
        make_draft(service=service, start=start, client_time_zone="America/New_York")

    [message] = mail.outbox
    html = message.alternatives[0].content
    assert "Quiet Harbour Counselling" in html and "#123456" in html
    local = f"{start.astimezone(ZoneInfo('America/New_York')):%H:%M}"
    assert local != f"{start:%H:%M}"
    assert f"{local}–" in message.body and "(America/New_York)" in message.body
    assert f"{local}–" in html


def test_confirmation_goes_to_client_and_consultant_with_calendar_file(
    esp, consultant, django_capture_on_commit_callbacks
):
    service = free_service(consultant, title="Check-in")
    with django_capture_on_commit_callbacks(execute=True):
        booking = confirmed_booking(service=service, client_email="ada@example.com")

    [client] = sent("confirmed")
    [for_consultant] = sent("consultant_confirmed")
    assert client.to == ["ada@example.com"]
    assert for_consultant.to == ["maya@haven.test"]
    assert client.metadata["booking"] == booking.reference
    for message in (client, for_consultant):
        [(name, content, mimetype)] = message.attachments
        assert name == f"{booking.reference}.ics"
        assert mimetype == "text/calendar"
        assert "BEGIN:VCALENDAR" in content
        [params_attachment] = message.anymail_test_params["attachments"]
        assert params_attachment.name == name
    assert "/book/manage/" in client.body
    manage = BookingToken.objects.filter(
        booking=booking, purpose=BookingToken.Purpose.MANAGE
    )
    assert manage.count() == 1


def test_online_sessions_get_a_generated_unguessable_room(
    settings, consultant, django_capture_on_commit_callbacks
):
    settings.BOOKING_MEETING_BASE_URL = "https://video.example.org/"
    service = free_service(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        first = confirmed_booking(service=service)
        second = confirmed_booking(service=service)

    rooms = {first: MeetingLink.objects.get(slot_key=first.slot_key).url}
    rooms[second] = MeetingLink.objects.get(slot_key=second.slot_key).url
    assert rooms[first] != rooms[second]
    for url in rooms.values():
        assert url.startswith("https://video.example.org/haven-")
        assert len(url.rsplit("-", 1)[1]) == 32  # 128 random bits
    [client_email] = first.emails.filter(kind=Kind.CONFIRMED)
    assert rooms[first] in client_email.text_body
    assert rooms[first] in client_email.ics.replace("\r\n ", "")


def test_a_consultants_own_room_is_used_when_set(consultant):
    consultant.meeting_url = "https://zoom.example.com/j/123"
    consultant.save()

    booking = confirmed_booking(service=free_service(consultant))

    assert (
        "https://zoom.example.com/j/123"
        in booking.emails.get(kind=Kind.CONFIRMED).text_body
    )


def test_in_person_sessions_get_no_meeting_link(consultant, settings):
    settings.BOOKING_PRACTICE_ADDRESS = "1 Harbour Street"
    service = free_service(consultant, mode="in_person")

    booking = confirmed_booking(service=service)

    assert not MeetingLink.objects.exists()
    assert (
        "In person: 1 Harbour Street"
        in booking.emails.get(kind=Kind.CONFIRMED).text_body
    )


def test_group_seats_share_one_room(consultant):
    service = free_service(consultant, capacity=3)
    start = next_monday_at(10)

    seats = [confirmed_booking(service=service, start=start) for _ in range(2)]

    assert MeetingLink.objects.count() == 1
    link = MeetingLink.objects.get().url
    for seat in seats:
        assert link in seat.emails.get(kind=Kind.CONFIRMED).text_body


def test_new_requests_go_to_whoever_may_approve(service):
    user_with_perms("approve_booking", email="approver@haven.test")
    UserFactory(username="boss", email="boss@haven.test", is_superuser=True)
    user_with_perms("cancel_booking", email="other@haven.test")
    _, token = make_draft(service=service)

    booking = services.verify_email(token=token)

    staff = booking.emails.filter(kind=Kind.STAFF_NEW_REQUEST)
    assert sorted(staff.values_list("recipient", flat=True)) == [
        "approver@haven.test",
        "boss@haven.test",
    ]


def test_new_requests_go_to_the_staff_addresses_when_set(service, settings):
    settings.BOOKING_STAFF_EMAILS = ["desk@haven.test"]
    _, token = make_draft(service=service)

    booking = services.verify_email(token=token)

    [staff] = booking.emails.filter(kind=Kind.STAFF_NEW_REQUEST)
    assert staff.recipient == "desk@haven.test"
    assert booking.client_name in staff.text_body


@pytest.mark.parametrize("stripe_key", ["", "sk_test_123"])
def test_approval_carries_the_payment_link_or_instructions(
    service, settings, practice_settings, stripe_key
):
    settings.STRIPE_SECRET_KEY = stripe_key
    practice_settings(payment_instructions="<p>Pay to <b>IBAN DE00 1234</b>.</p>")
    admin = user_with_perms("approve_booking")
    _, token = make_draft(service=service)
    booking = services.verify_email(token=token)

    services.approve(booking=booking, actor=admin)

    email = booking.emails.get(kind=Kind.APPROVED)
    assert "80.00 EUR" in email.text_body
    assert "/book/manage/" in email.text_body
    assert ("Pay to IBAN DE00 1234." in email.text_body) is (not stripe_key)
    assert "<b>" not in email.text_body
    assert ("Pay online" in email.text_body) is bool(stripe_key)


def test_rejection_carries_the_reason(service):
    admin = user_with_perms("reject_booking")
    _, token = make_draft(service=service)
    booking = services.verify_email(token=token)

    services.reject(booking=booking, actor=admin, reason="Fully booked that week.")

    email = booking.emails.get(kind=Kind.REJECTED)
    assert "Reason: Fully booked that week." in email.text_body
    assert not email.ics


def test_cancelling_a_paid_session_tells_client_refund_and_consultant(consultant):
    service = ServiceFactory(consultants=[consultant], requires_approval=False)
    _, token = make_draft(service=service)
    booking = services.verify_email(token=token)
    admin = user_with_perms("record_offline_payment", "cancel_booking")
    paying.record_offline_payment(
        booking=booking, actor=admin, amount=Decimal("80.00"), method="card"
    )

    services.cancel(booking=booking, actor=admin, reason="Consultant is ill.")

    client = booking.emails.get(kind=Kind.CANCELLED)
    assert "Reason: Consultant is ill." in client.text_body
    assert "You paid 80.00 EUR" in client.text_body and "refund" in client.text_body
    assert "STATUS:CANCELLED" in client.ics
    assert booking.emails.filter(kind=Kind.CONSULTANT_CANCELLED).count() == 1


def test_an_unverified_address_gets_only_the_verification(service):
    booking, _ = make_draft(service=service)

    services.cancel(booking=booking, reason="Expired.")

    assert list(booking.emails.values_list("kind", flat=True)) == [Kind.VERIFY_EMAIL]


def test_cancelling_a_request_never_confirmed_spares_the_consultant(service):
    _, token = make_draft(service=service)
    booking = services.verify_email(token=token)

    services.cancel(booking=booking, reason="Changed my mind.")

    assert booking.emails.filter(kind=Kind.CANCELLED).exists()
    assert not booking.emails.filter(kind=Kind.CONSULTANT_CANCELLED).exists()


def test_each_reschedule_is_its_own_email_with_a_revised_calendar_file(consultant):
    booking = confirmed_booking(service=free_service(consultant))

    for days in (1, 2):
        services.reschedule(booking=booking, start=booking.start + timedelta(days=days))

    moved = booking.emails.filter(kind=Kind.RESCHEDULED).order_by("pk")
    assert list(moved.values_list("occurrence", flat=True)) == ["1", "2"]
    assert "SEQUENCE:2" in moved.last().ics
    assert booking.emails.filter(kind=Kind.CONSULTANT_RESCHEDULED).count() == 2


def test_the_same_send_task_twice_sends_one_email(service, esp):
    booking, _ = make_draft(service=service)
    email = booking.emails.get()

    assert outbox.send(email.pk) == "sent"
    assert outbox.send(email.pk) == "nothing to send"

    assert len(mail.outbox) == 1


def test_an_email_held_by_another_sender_is_left_alone(service):
    booking, _ = make_draft(service=service)
    email = booking.emails.get()
    now = timezone.now()
    OutboxEmail.objects.filter(pk=email.pk).update(
        claimed_until=now + timedelta(minutes=2), next_attempt_at=now
    )

    assert outbox.send(email.pk) == "nothing to send"
    assert outbox.retry_unsent(now=now) == 0
    assert mail.outbox == []


@contextmanager
def failing_provider(error):
    def post_to_esp(*args):
        raise error

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("anymail.backends.test.EmailBackend.post_to_esp", post_to_esp)
        yield


def test_a_failing_provider_is_retried_later_and_the_email_sent_once(
    service, esp, settings
):
    settings.OUTBOX_RETRY_DELAY_SECONDS = 60
    booking, _ = make_draft(service=service)
    email = booking.emails.get()

    with failing_provider(AnymailAPIError("503 from provider")):
        assert outbox.send(email.pk) == "will retry"

    email.refresh_from_db()
    assert email.status == Status.QUEUED and email.attempts == 1
    assert "503 from provider" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert outbox.retry_unsent() == 0  # not due yet
    assert outbox.retry_unsent(now=email.next_attempt_at) == 1

    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 2
    assert email.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_an_email_is_marked_failed(service, esp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    booking, _ = make_draft(service=service)
    email = booking.emails.get()

    with failing_provider(AnymailAPIError("provider down")):
        results = [outbox.send(email.pk) for _ in range(2)]

    assert results == ["will retry", "failed"]
    email.refresh_from_db()
    assert email.status == Status.FAILED and email.attempts == 2
    assert email.next_attempt_at is None
    assert outbox.retry_unsent(now=timezone.now() + timedelta(days=1)) == 0


def test_a_refused_recipient_fails_at_once(service, esp):
    booking, _ = make_draft(service=service)
    email = booking.emails.get()

    with failing_provider(AnymailRecipientsRefused()):
        assert outbox.send(email.pk) == "failed"

    assert OutboxEmail.objects.get(pk=email.pk).status == Status.FAILED


def test_retry_queues_a_failed_email_again(service, esp):
    booking, _ = make_draft(service=service)
    email = booking.emails.get()
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=8, last_error="gave up"
    )

    assert outbox.retry(email) is True
    outbox.send(email.pk)

    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 1
    assert outbox.retry(email) is False


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_renders_text_and_html(kind, consultant):
    service = free_service(consultant, capacity=2)
    booking = confirmed_booking(service=service)
    booking.cancel_reason = booking.reject_reason = "A reason."
    context = emails.email_context(
        booking, kind, token="key.secret", participants=[booking]
    )

    subject, text, html = emails.render(kind, context)

    assert subject and "\n" not in subject and "{" not in subject
    assert text.strip() and "{{" not in text and "{%" not in text
    assert html.startswith("<!DOCTYPE html>") and booking.reference in html


# --- the tracking webhook ------------------------------------------------------------


def postmark_bounce(email, event_id="42"):
    return {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": event_id,
        "MessageID": email.esp_message_id,
        "Email": email.recipient,
        "BouncedAt": "2026-11-21T10:00:00Z",
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 no such user",
        "Metadata": {"outbox_id": str(email.pk)},
    }


def basic_auth(secret):
    return "Basic " + base64.b64encode(secret.encode()).decode()


@pytest.fixture
def sent_email(service, esp):
    booking, _ = make_draft(service=service)
    email = booking.emails.get()
    outbox.send(email.pk)
    email.refresh_from_db()
    return email


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "haven:s3cret"}
    return "haven:s3cret"


def test_tracking_webhook_refuses_a_request_without_credentials(
    client, sent_email, webhook_secret
):
    response = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(postmark_bounce(sent_email)),
        content_type="application/json",
    )

    assert response.status_code == 400
    sent_email.refresh_from_db()
    assert sent_email.status == Status.SENT


def test_tracking_webhook_refuses_everyone_when_no_secret_is_configured(
    client, sent_email
):
    """settings.py gives anymail an unknowable secret when none is set."""
    response = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(postmark_bounce(sent_email)),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth("haven:guess"),
    )

    assert response.status_code == 400


def test_tracking_webhook_marks_a_bounce_once(client, sent_email, webhook_secret):
    def post(payload):
        return client.post(
            "/anymail/postmark/tracking/",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=basic_auth(webhook_secret),
        )

    assert post(postmark_bounce(sent_email)).status_code == 200

    sent_email.refresh_from_db()
    assert sent_email.status == Status.BOUNCED
    assert "550 5.1.1" in sent_email.last_error or "unable to deliver" in (
        sent_email.last_error
    )
    first = (sent_email.tracked_at, sent_email.updated_at)

    # The same event again, and a late "delivered": nothing changes.
    assert post(postmark_bounce(sent_email)).status_code == 200
    delivered = {
        "RecordType": "Delivery",
        "MessageID": sent_email.esp_message_id,
        "Recipient": sent_email.recipient,
        "DeliveredAt": "2026-11-21T09:59:00Z",
        "Metadata": {"outbox_id": str(sent_email.pk)},
    }
    assert post(delivered).status_code == 200

    sent_email.refresh_from_db()
    assert sent_email.status == Status.BOUNCED
    assert (sent_email.tracked_at, sent_email.updated_at) == first


def test_tracking_finds_the_email_by_provider_id_without_metadata(
    client, sent_email, webhook_secret
):
    payload = postmark_bounce(sent_email)
    payload["Metadata"] = {}
    payload["RecordType"], payload["Type"] = "SpamComplaint", "SpamComplaint"

    client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(webhook_secret),
    )

    sent_email.refresh_from_db()
    assert sent_email.status == Status.COMPLAINED


def test_an_asked_for_manage_link_is_emailed_as_given(service):
    booking, _ = make_draft(service=service)

    services.send_manage_links(email=booking.client_email.upper())

    email = booking.emails.get(kind=Kind.MANAGE_LINK)
    assert "/book/manage/" in email.text_body
    assert email.occurrence and email.occurrence in email.text_body
