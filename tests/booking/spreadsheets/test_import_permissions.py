"""Who may change what through the consultants import (issue 27, item 5): a
consultant's email, active flag and meeting link change only for someone who may
edit consultants (booking admins). Staff get each such row refused with the
reason, and nothing is written. Every change to a meeting link is in the
consultant's History, and the consultant is emailed once."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from booking.core.models import Consultant
from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.notifications.consultants import MEETING_LINK_CHANGED
from booking.spreadsheets.models import SpreadsheetImport
from tests.factories import ConsultantFactory, member

pytestmark = pytest.mark.django_db

INDEX = "/admin/import/"
OLD_LINK = "https://meet.example.org/maya"
NEW_LINK = "https://meet.example.org/maya-new"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.BOOKING_SPREADSHEET_ROOT = tmp_path / "private"


@pytest.fixture
def maya():
    return ConsultantFactory(
        name="Maya Stone", email="maya@haven.test", meeting_url=OLD_LINK
    )


@pytest.fixture
def noah():
    return ConsultantFactory(name="Noah Park", email="noah@haven.test")


def sign_in(client, group: str):
    user = member(group)
    client.force_login(user)
    return user


def upload(client, text: str) -> str:
    file = SimpleUploadedFile("team.csv", text.encode(), content_type="text/csv")
    response = client.post(INDEX, {"kind": "consultants", "file": file})
    assert response.status_code == 200
    return response.content.decode()


def confirm(client):
    record = SpreadsheetImport.objects.latest("pk")
    return client.post(reverse("booking_imports:confirm", args=(record.pk,)))


def snapshot():
    return list(
        Consultant.objects.order_by("pk").values(
            "name", "email", "is_active", "meeting_url"
        )
    )


def test_staff_may_not_change_an_active_flag_or_a_meeting_link(
    client, maya, noah, django_capture_on_commit_callbacks
):
    sign_in(client, STAFF)
    before = snapshot()
    text = (
        "Name,Email,Active,Meeting URL\n"
        f"Maya Stone,maya@haven.test,yes,{NEW_LINK}\n"
        "Noah Park,noah@haven.test,no,\n"
        "Ida Bell,ida@haven.test,yes,https://evil.example.com/room\n"
    )

    html = upload(client, text)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client)

    assert "0 new, 0 changed, 0 unchanged, 3 with errors" in html
    assert (
        "Meeting URL: Only booking admins may change a consultant&#x27;s meeting "
        f"link, where clients go for their sessions; it is {OLD_LINK} now." in html
    )
    assert "Active: Only booking admins may change whether a consultant is active" in (
        html
    )
    assert "Only booking admins may give a consultant a meeting link" in html
    assert response.status_code == 409
    assert SpreadsheetImport.objects.get().status == "refused"
    assert snapshot() == before
    assert not ModelLogEntry.objects.filter(action=MEETING_LINK_CHANGED).exists()
    assert mail.outbox == []


def test_staff_may_still_change_the_other_columns_and_add_consultants(client, maya):
    sign_in(client, STAFF)
    text = (
        "Name,Email,Time zone,Active,Meeting URL\n"
        f"Maya R. Stone,MAYA@haven.test,Europe/Paris,yes,{OLD_LINK}\n"
        "Ida Bell,ida@haven.test,Europe/London,no,\n"
    )

    html = upload(client, text)
    response = confirm(client)

    assert "1 new, 1 changed, 0 unchanged, 0 with errors" in html
    assert response.status_code == 302
    maya.refresh_from_db()
    assert (maya.name, maya.time_zone) == ("Maya R. Stone", "Europe/Paris")
    # The file's address matched Maya's; it is the same address, kept as it was.
    assert maya.email == "maya@haven.test"
    assert maya.meeting_url == OLD_LINK
    assert Consultant.objects.get(email="ida@haven.test").is_active is False


def test_a_booking_admin_changes_them_and_the_consultant_hears_of_the_new_link(
    client, maya, noah, django_capture_on_commit_callbacks
):
    admin = sign_in(client, BOOKING_ADMINS)
    text = (
        "Name,Email,Active,Meeting URL\n"
        f"Maya Stone,Maya@Haven.test,yes,{NEW_LINK}\n"
        "Noah Park,noah@haven.test,no,\n"
    )

    html = upload(client, text)
    assert not ModelLogEntry.objects.filter(action=MEETING_LINK_CHANGED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client)

    assert "0 new, 2 changed, 0 unchanged, 0 with errors" in html
    assert response.status_code == 302
    maya.refresh_from_db()
    noah.refresh_from_db()
    assert (maya.email, maya.meeting_url) == ("Maya@Haven.test", NEW_LINK)
    assert noah.is_active is False
    entry = ModelLogEntry.objects.get(action=MEETING_LINK_CHANGED)
    assert entry.object_id == str(maya.pk)
    assert entry.user == admin
    assert entry.data["from"] == OLD_LINK
    assert entry.data["to"] == NEW_LINK
    assert entry.message == f"Meeting link changed from {OLD_LINK} to {NEW_LINK}"
    assert entry.comment == "Imported from team.csv"
    [email] = mail.outbox
    assert email.to == ["maya@haven.test"]  # the same address, told once
    assert email.subject == "Your meeting link at Haven was changed"
    assert OLD_LINK in email.body and NEW_LINK in email.body
    assert "If you did not ask for this change" in email.body


def test_a_link_given_to_a_new_consultant_is_logged_and_told_too(
    client, django_capture_on_commit_callbacks
):
    sign_in(client, BOOKING_ADMINS)
    text = f"Name,Email,Meeting URL\nIda Bell,ida@haven.test,{NEW_LINK}\n"

    upload(client, text)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client)

    ida = Consultant.objects.get(email="ida@haven.test")
    entry = ModelLogEntry.objects.get(action=MEETING_LINK_CHANGED)
    assert (entry.object_id, entry.data["from"]) == (str(ida.pk), "")
    [email] = mail.outbox
    assert email.to == ["ida@haven.test"]
