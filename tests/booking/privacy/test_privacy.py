"""Client privacy (issue 12): consent with the policy's version, the access log,
who sees intake notes, and personal data kept out of logs and URLs."""

import logging
from datetime import timedelta

import pytest
from anymail.exceptions import AnymailRecipientsRefused
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Site

from booking.core.models import Booking
from booking.core.redaction import RedactPersonalData
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, STAFF
from booking.lifecycle import paying, services
from booking.privacy import audit
from booking.privacy.models import AccessLogEntry
from cms.models import PracticeSettings, StandardPage
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    build_site,
    make_draft,
    member,
    next_monday_at,
)

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Zelda Quillfeather", "Zelda.Quillfeather@example.com"
NOTES = "Sleeping badly since the accident."


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def policy():
    """A published privacy policy page, named in the practice settings."""
    home, _, _ = build_site()
    page = home.add_child(
        instance=StandardPage(title="Privacy policy", slug="privacy", intro="v1")
    )
    page.save_revision().publish()
    settings = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
    settings.privacy_policy_page = page
    settings.save()
    page.refresh_from_db()
    return page


def details_form(consultant, service, start, **overrides):
    return {
        "client_name": NAME,
        "client_email": EMAIL,
        "client_phone": "+44 7700 900123",
        "client_notes": NOTES,
        "consent": "on",
        "tz": "Europe/Berlin",
        "start": start.isoformat(),
        "website": "",
        **overrides,
    }


def book_on_the_site(client, service, start=None, **overrides):
    consultant = service.consultants.get()
    url = f"/book/{consultant.pk}/{service.slug}/details/"
    data = details_form(consultant, service, start or next_monday_at(9), **overrides)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Booking.objects.get(client_email=overrides.get("client_email", EMAIL))


# --- consent ------------------------------------------------------------------------


def test_the_form_links_the_policy_and_records_the_version_accepted(client, policy):
    service = ServiceFactory(consultants=[ConsultantFactory()])
    consultant = service.consultants.get()

    form = client.get(f"/book/{consultant.pk}/{service.slug}/details/")
    assert f'href="{policy.url}"' in form.content.decode()

    first = book_on_the_site(client, service)
    assert first.consent_policy == policy.live_revision
    assert timezone.now() - first.consent_at < timedelta(minutes=1)

    policy.intro = "v2: we now also keep payment records for six years."
    policy.save_revision().publish()
    policy.refresh_from_db()
    cache.clear()
    second = book_on_the_site(
        client, service, next_monday_at(13), client_email="other@example.com"
    )

    assert second.consent_policy == policy.live_revision
    first.refresh_from_db()
    assert first.consent_policy != second.consent_policy
    assert first.consent_policy.content["intro"] == "v1"


def test_every_caller_of_the_service_records_consent_with_the_version(policy):
    """The JSON API calls `services.create_draft` as the form does."""
    booking, _ = make_draft()
    assert booking.consent_policy == policy.live_revision
    assert booking.consent_at is not None


def test_without_a_policy_page_consent_keeps_its_time_and_no_version():
    booking, _ = make_draft()
    assert booking.consent_at is not None
    assert booking.consent_policy is None


def test_an_unpublished_policy_is_no_version_anyone_could_have_read(policy):
    policy.unpublish()
    booking, _ = make_draft()
    assert booking.consent_policy is None


def test_a_policy_clients_accepted_is_not_deleted(client, policy):
    make_draft()
    client.force_login(UserFactory(username="root", is_superuser=True))

    response = client.post(f"/admin/pages/{policy.pk}/delete/")

    assert response.status_code == 403
    assert "record of consent" in response.content.decode()
    assert StandardPage.objects.filter(pk=policy.pk).exists()


# --- the access log -----------------------------------------------------------------


def test_opening_a_booking_is_logged_by_reference(client):
    booking, _ = make_draft(client_name=NAME, client_email=EMAIL)
    admin = member(BOOKING_ADMINS, username="bea")
    client.force_login(admin)

    response = client.get(f"/admin/bookings/inspect/{booking.pk}/")

    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.username, entry.action) == (admin, "bea", "viewed")
    assert entry.target == f"booking {booking.reference}"
    assert entry.ip_address == "127.0.0.1"


def test_record_access_masks_an_address_passed_by_mistake():
    entry = audit.record_access(
        user=None, action="exported", target=f"12 bookings, search “{EMAIL}”"
    )
    assert EMAIL.lower() not in entry.target.lower()
    assert entry.target == "12 bookings, search “[email removed]”"
    assert entry.username == ""


def test_only_superusers_read_the_access_log(client):
    audit.record_access(user=None, action="imported", target="consultants.csv")
    for user in (member(BOOKING_ADMINS), member(STAFF)):
        client.force_login(user)
        assert client.get("/admin/access_log/").status_code == 403

    client.force_login(UserFactory(username="root", is_superuser=True))
    page = client.get("/admin/access_log/")
    assert page.status_code == 200
    assert "consultants.csv" in page.content.decode()


# --- intake notes -------------------------------------------------------------------


@pytest.fixture
def booked_with_maya():
    maya = ConsultantFactory(name="Maya Stone")
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    service = ServiceFactory(consultants=[maya])
    booking, _ = make_draft(
        service=service,
        client_notes=NOTES,
        intake={"medication": "Sertraline"},
    )
    return booking


@pytest.mark.parametrize(
    "who", ["booking admin", "own consultant", "staff", "other consultant"]
)
def test_intake_notes_are_for_booking_admins_and_the_own_consultant(
    client, booked_with_maya, who
):
    other = ConsultantFactory(name="Noah Park")
    other.user = member(CONSULTANTS, username="noah")
    other.save()
    users = {
        "booking admin": member(BOOKING_ADMINS),
        "own consultant": booked_with_maya.consultant.user,
        "staff": member(STAFF),
        "other consultant": other.user,
    }
    client.force_login(users[who])

    response = client.get(f"/admin/bookings/inspect/{booked_with_maya.pk}/")

    page = response.content.decode()
    if who in ("booking admin", "own consultant"):
        assert NOTES in page and "Sertraline" in page
    elif who == "staff":
        assert response.status_code == 200
        assert NOTES not in page and "Sertraline" not in page
        assert "Only booking admins and the booking’s consultant" in page
    else:
        assert response.status_code == 404
        assert NOTES not in page


# --- logs and URLs ------------------------------------------------------------------


def test_a_booking_journey_logs_nothing_personal(
    client, caplog, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    service = ServiceFactory(consultants=[ConsultantFactory()])
    admin = member(BOOKING_ADMINS, username="bea")
    caplog.set_level(logging.DEBUG)

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_on_the_site(client, service)
    token = _raw_verify_token(booking)
    assert client.post(f"/book/verify/{token}/").status_code == 302
    client.force_login(admin)
    client.get(f"/admin/bookings/inspect/{booking.pk}/")
    services.approve(booking=booking, actor=admin)
    with (
        pytest.MonkeyPatch.context() as patch,
        django_capture_on_commit_callbacks(execute=True),
    ):
        refused = AnymailRecipientsRefused(f"Recipient refused: {EMAIL}")
        patch.setattr(
            "anymail.backends.test.EmailBackend.post_to_esp",
            lambda *args: (_ for _ in ()).throw(refused),
        )
        paying.record_offline_payment(
            booking=booking, actor=admin, amount=booking.amount, method="Cash"
        )
    # The refused send was logged, with the address masked.
    assert "attempt 1 failed" in caplog.text

    logged = caplog.text.lower()
    for personal in (NAME, EMAIL, "7700 900123", NOTES):
        assert personal.lower() not in logged


def _raw_verify_token(booking) -> str:
    """The verification link's token, read from the email the client was sent."""
    body = booking.emails.get(kind="verify_email").text_body
    return body.split("/book/verify/")[1].split("/")[0]


def test_the_log_filter_masks_addresses_in_messages_and_tracebacks():
    try:
        raise ValueError(f"refused {EMAIL}")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, "f", 1, "to %s", (EMAIL,), sys.exc_info()
        )
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == "to [email removed]"
    assert EMAIL not in record.exc_text and "[email removed]" in record.exc_text


def test_admin_search_by_address_is_masked_in_the_server_log():
    line = '"GET /admin/bookings/?q=zelda.quillfeather%40example.com HTTP/1.1" 200'
    record = logging.LogRecord("django.server", logging.INFO, "f", 1, line, (), None)
    RedactPersonalData().filter(record)
    assert "quillfeather" not in record.getMessage()
