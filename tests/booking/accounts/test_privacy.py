"""Download my data and delete my account, through the privacy services the
practice already uses (the same bundle, the same erasure, the access log)."""

import io
import json
import zipfile

import pytest
from wagtail.models import ModelLogEntry

from booking.accounts.models import ClientAccount, SignInLink
from booking.core.models import Booking
from booking.lifecycle import services
from booking.privacy.models import AccessLogEntry
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


def verified(email):
    booking, token = make_draft(client_email=email, client_name="Ada Lovelace")
    return services.verify_email(token=token)


def test_download_my_data_is_the_practices_bundle_and_is_logged(sign_in):
    booking = verified("ada@example.com")
    client = sign_in("ada@example.com")
    response = client.post("/account/data/")
    assert response["Content-Type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(bundle.read("data.json"))
    assert [b["reference"] for b in data["bookings"]] == [booking.reference]
    assert "bookings.csv" in bundle.namelist()
    [entry] = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DATA_EXPORTED)
    assert entry.username == "the client themself"
    assert entry.user is None


def test_delete_is_refused_while_a_booking_is_open_naming_it(sign_in):
    booking = verified("ada@example.com")
    client = sign_in("ada@example.com")
    response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 400
    assert booking.reference in response.content.decode()
    assert ClientAccount.objects.exists()
    booking.refresh_from_db()
    assert booking.client_name == "Ada Lovelace"


def test_delete_needs_the_box_ticked(sign_in):
    client = sign_in("ada@example.com")
    response = client.post("/account/delete/", {})
    assert response.status_code == 400
    assert b"Tick the box" in response.content
    assert ClientAccount.objects.exists()


def test_delete_erases_the_person_from_finished_bookings_and_signs_out(sign_in):
    booking = verified("ada@example.com")
    client = sign_in("ada@example.com")
    services.cancel(booking=booking, reason="Changed my mind")
    response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 302
    assert not ClientAccount.objects.exists()
    assert not SignInLink.objects.filter(email="ada@example.com").exists()
    kept = Booking.objects.get(pk=booking.pk)
    assert kept.reference == booking.reference
    assert kept.client_name != "Ada Lovelace"
    assert "ada@example.com" not in kept.client_email
    [entry] = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.ERASED)
    assert entry.username == "the client themself"
    [history] = ModelLogEntry.objects.filter(
        object_id=str(booking.pk), action="booking.erase"
    )
    assert history.data["by"] == "the client themself"
    assert client.get("/account/").url == "/account/sign-in/"


def test_an_account_with_no_bookings_is_simply_deleted(sign_in):
    client = sign_in("ada@example.com")
    assert client.post("/account/delete/", {"confirm": "on"}).status_code == 302
    assert not ClientAccount.objects.exists()
