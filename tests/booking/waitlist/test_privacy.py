"""A client's waitlist entries are in their data bundle and gone with erasure;
another client's stay."""

import io
import json
import zipfile

import pytest

from booking.privacy import erasure, lookup
from booking.waitlist.models import WaitlistEntry
from tests.booking.waitlist.helpers import full_workshop, waiting_client
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db


def test_the_bundle_lists_the_entries_and_erasure_deletes_them():
    service, consultant, start, _, _ = full_workshop()
    waiting_client(service, consultant, start, 1)
    waiting_client(service, consultant, start, 2)
    admin = user_with_perms("view_booking")

    bundle = zipfile.ZipFile(
        io.BytesIO(lookup.export_bundle(email="WAIT1@example.com", user=admin))
    )
    data = json.loads(bundle.read("data.json"))
    assert [row["client_email"] for row in data["waitlist"]] == ["wait1@example.com"]
    assert data["waitlist"][0]["status"] == "Waiting"
    assert "wait1@example.com" in bundle.read("waitlist.csv").decode()

    erasure.erase_client(email="wait1@example.com", user=admin)
    assert list(WaitlistEntry.objects.values_list("client_email", flat=True)) == [
        "wait2@example.com"
    ]
