"""Applications to join in the privacy area (issue 18): a data request's export
holds them, erasure deletes them (once decided) with their history."""

import io
import json
import zipfile

import pytest
from wagtail.models import ModelLogEntry

from booking.core.roles import BOOKING_ADMINS
from booking.privacy import erasure, lookup
from booking.privacy.lookup import PrivacyError
from booking.team import services
from booking.team.models import Application
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return member(BOOKING_ADMINS, username="frontdesk")


def application(email="noah@example.org"):
    found, _ = services.apply(
        name="Noah Park",
        email=email,
        qualifications="MBACP",
        specialisations="grief",
        statement="Ten years in bereavement care.",
    )
    return found


def test_the_export_holds_the_addresses_applications_only(admin):
    application()
    application(email="someone@example.org")

    content = lookup.export_bundle(email="NOAH@example.org", user=admin)

    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        data = json.loads(bundle.read("data.json"))
        assert "applications.csv" in bundle.namelist()
    assert [row["email"] for row in data["applications"]] == ["noah@example.org"]
    assert data["applications"][0]["statement"] == "Ten years in bereavement care."


def test_erasure_waits_for_a_pending_application(admin):
    pending = application()

    with pytest.raises(PrivacyError, match="still pending"):
        erasure.erase_client(email=pending.email, user=admin)

    assert Application.objects.filter(pk=pending.pk).exists()


def test_erasure_deletes_a_decided_application_and_its_history(admin):
    declined = application()
    assert ModelLogEntry.objects.filter(object_id=str(declined.pk)).exists()
    services.decline_application(
        application=declined, actor=admin, reason="Noah Park lacks supervision hours"
    )

    erasure.erase_client(email=declined.email, user=admin)

    assert not Application.objects.exists()
    reasons = [entry.data.get("reason", "") for entry in ModelLogEntry.objects.all()]
    assert not [reason for reason in reasons if "Noah Park" in reason]
