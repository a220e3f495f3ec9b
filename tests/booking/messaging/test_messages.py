"""Secure messages over HTTP: a client reaches the conversation through a
booking's emailed link or their account, the consultant from the admin; bad
messages and files are refused with nothing written; attachments and
conversations are shown to the two parties only; a booking admin reads them
only with the permission, and each reading is in the access log."""

import time

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from booking.core import tokens
from booking.core.models import BookingToken
from booking.messaging import services
from booking.messaging.models import Attachment, Conversation, Message, Side
from booking.privacy.models import AccessLogEntry
from tests.booking.messaging.conftest import PDF, PNG
from tests.factories import ConsultantFactory, member, user_with_perms

pytestmark = pytest.mark.django_db


def open_as_client(client, booking) -> str:
    """Follow the booking's manage link to its messages; the conversation's URL."""
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    response = client.get(f"/book/manage/{token}/messages/")
    assert response.status_code == 302
    return response["Location"]


def upload(name, data, content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_client_and_consultant_exchange_messages_with_read_receipts(client, booking):
    url = open_as_client(client, booking)
    response = client.post(url, {"body": "I feel anxious before Monday."})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "I feel anxious before Monday." in page
    assert "Sent" in page and "Read<" not in page

    consultant = Client()
    consultant.force_login(booking.consultant.user)
    conversation = Conversation.objects.get()
    admin_url = f"/admin/messages/{conversation.pk}/"
    page = consultant.get(admin_url).content.decode()
    assert "I feel anxious before Monday." in page
    assert Message.objects.get().read_at is not None
    consultant.post(admin_url, {"body": "Thank you for telling me."})

    page = client.get(url).content.decode()
    assert "Thank you for telling me." in page
    assert 'class="msg__read">Read<' in page
    # The consultant reading their own conversation is not an access to log.
    assert not AccessLogEntry.objects.exists()


def test_a_signed_in_client_starts_a_conversation_from_their_account(client, booking):
    from booking.accounts.models import ClientAccount
    from booking.accounts.signin import ACCOUNT, EPOCH, EXPIRES

    account = ClientAccount.objects.create(email="ada@example.com")
    session = client.session
    session[ACCOUNT], session[EPOCH] = account.pk, account.session_epoch
    session[EXPIRES] = int(time.time()) + 3600
    session.save()
    page = client.get("/account/messages/").content.decode()
    assert f"Write to {booking.consultant.name}" in page
    response = client.post(f"/account/messages/start/{booking.reference}/")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert client.post("/account/messages/start/MS-NOPE/").status_code == 404


def test_one_conversation_per_client_address_and_consultant(booking):
    first = services.open_conversation(booking=booking)
    assert services.open_conversation(booking=booking) == first
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"body": ""}, "Write a message"),
        ({"body": "x" * 5001}, "at most 5000 characters"),
        (
            {
                "body": "see file",
                "files": [upload("scan.png", b"MZ\x90\x00 not an image")],
            },
            "is not an image",
        ),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_written(
    client, booking, fields, error
):
    url = open_as_client(client, booking)
    response = client.post(url, fields)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_too_large_attachment_is_refused(client, booking, settings):
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 1024
    url = open_as_client(client, booking)
    big = upload("photo.png", PNG + b"\x00" * 2048)
    response = client.post(url, {"body": "", "files": [big]})
    assert response.status_code == 400
    assert "at most 1 KB" in response.content.decode()
    assert not Message.objects.exists()


def test_attachments_are_stored_outside_media_and_served_to_the_two_parties_only(
    client, booking, settings
):
    url = open_as_client(client, booking)
    client.post(
        url,
        {
            "body": "My letter",
            "files": [
                upload("letter.pdf", PDF, "application/pdf"),
                upload("a.png", PNG),
            ],
        },
    )
    pdf = Attachment.objects.get(content_type="application/pdf")
    assert str(settings.MESSAGING_ATTACHMENT_ROOT) in pdf.file.path
    assert str(settings.MEDIA_ROOT) not in pdf.file.path
    assert "letter" not in pdf.file.name  # stored under a random name
    response = client.get(f"/messages/attachments/{pdf.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"

    consultant = Client()
    consultant.force_login(booking.consultant.user)
    assert consultant.get(f"/admin/messages/attachments/{pdf.pk}/").status_code == 200

    # Third parties: another browser, another consultant, staff without the
    # permission.
    client.logout()
    client.cookies.clear()
    assert client.get(f"/messages/attachments/{pdf.pk}/").status_code == 404
    assert client.get(url).status_code == 404
    other = ConsultantFactory()
    other.user = member("Consultants", username="dr-other")
    other.save()
    client.force_login(other.user)
    assert client.get(f"/admin/messages/attachments/{pdf.pk}/").status_code == 404
    assert client.get(url.replace("/messages/", "/admin/messages/")).status_code == 404
    client.force_login(member("Booking admins", username="desk"))
    assert client.get(f"/admin/messages/attachments/{pdf.pk}/").status_code == 403


def test_a_client_with_another_link_cannot_open_this_conversation(client, booking):
    url = open_as_client(client, booking)
    client.cookies.clear()
    other_booking_consultant = ConsultantFactory()
    from tests.factories import ServiceFactory, make_draft

    service = ServiceFactory(consultants=[other_booking_consultant])
    other, _ = make_draft(
        consultant=other_booking_consultant,
        service=service,
        client_email="bob@example.com",
    )
    open_as_client(client, other)
    assert client.get(url).status_code == 404


def test_reading_with_the_permission_is_logged_and_cannot_write(client, booking):
    conversation = services.open_conversation(booking=booking)
    services.post_message(conversation=conversation, sender=Side.CLIENT, body="hi")
    reader = user_with_perms("read_any_conversation")
    reader.user_permissions.add(Permission.objects.get(codename="access_admin"))
    reader = type(reader).objects.get(pk=reader.pk)
    client.force_login(reader)
    page = client.get(f"/admin/messages/{conversation.pk}/").content.decode()
    assert "recorded in the access log" in page
    entry = AccessLogEntry.objects.get(action="viewed", user=reader)
    assert booking.reference in entry.target
    # Reading does not mark the consultant's messages read, nor may the reader write.
    assert Message.objects.get().read_at is None
    response = client.post(f"/admin/messages/{conversation.pk}/", {"body": "x"})
    assert response.status_code == 403
    assert Message.objects.count() == 1


def test_message_times_are_to_the_minute_in_the_viewer_s_zone_and_clock(
    client, booking
):
    from datetime import UTC, datetime

    from booking.accounts.models import ClientAccount
    from booking.accounts.signin import ACCOUNT, EPOCH, EXPIRES

    url = open_as_client(client, booking)
    client.post(url, {"body": "Hello"})
    sent = datetime(2026, 12, 2, 13, 5, 42, tzinfo=UTC)
    Message.objects.update(created_at=sent)
    # By link: the zone the booking was made in (Europe/Berlin), 24 hours.
    page = client.get(url).content.decode()
    assert "Times in Europe/Berlin." in page
    assert ">2 Dec 2026, 14:05</time>" in page and "14:05:42" not in page
    assert 'data-zone="Europe/Berlin" data-clock="24"' in page

    # Signed in: the account's own zone and clock.
    account = ClientAccount.objects.create(
        email="ada@example.com", time_zone="America/New_York", clock=12
    )
    session = client.session
    session[ACCOUNT], session[EPOCH] = account.pk, account.session_epoch
    session[EXPIRES] = int(time.time()) + 3600
    session.save()
    page = client.get(url).content.decode()
    assert ">2 Dec 2026, 8:05 am</time>" in page
    assert 'data-zone="America/New_York" data-clock="12"' in page

    # The consultant: their admin zone (the practice's unless they chose one).
    consultant = Client()
    consultant.force_login(booking.consultant.user)
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(booking.consultant.user)
    profile.current_time_zone = "Asia/Tokyo"
    profile.save()
    page = consultant.get(f"/admin/messages/{Conversation.objects.get().pk}/").text
    assert ">2 Dec 2026, 22:05</time>" in page and "Times in Asia/Tokyo." in page
