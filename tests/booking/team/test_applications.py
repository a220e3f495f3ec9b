"""Applying to join the practice (issue 18): the public /join/ page, its
honeypot, consent and rate limit, a second application while one is pending,
and the booking admin's decision (accept: an invitation; decline: an email with
the reason)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from booking import tasks
from booking.core.models import Consultant
from booking.core.roles import BOOKING_ADMINS
from booking.team import services
from booking.team.models import Application, Invitation
from tests.booking.team.helpers import invitation_link
from tests.factories import member

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Noah Park",
    "email": "noah@example.org",
    "qualifications": "MBACP (Accred)\nPG Dip Counselling",
    "specialisations": "grief, anxiety",
    "statement": "I have worked in bereavement services for ten years.",
    "consent": "on",
}


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin():
    return member(BOOKING_ADMINS, username="frontdesk")


def apply(client, **changes):
    return client.post("/join/", {**FORM, **changes})


def test_the_join_page_is_linked_from_the_footer(client):
    home = client.get("/join/")
    assert home.status_code == 200
    assert 'href="/join/"' in home.content.decode()


def test_applying_records_an_applicant_without_a_login(client):
    response = apply(client)

    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert "We have your application" in thanks.content.decode()
    application = Application.objects.get()
    assert application.status == Application.Status.PENDING
    assert application.consent_at is not None
    assert application.specialisations == "grief, anxiety"
    consultant = application.consultant
    assert consultant.status == Consultant.Status.APPLIED
    assert consultant.user is None and not consultant.is_active


def test_a_second_application_while_one_is_pending_is_answered_politely(client):
    apply(client)
    response = apply(client, email="NOAH@example.org", statement="Again")

    thanks = client.get(response["Location"]).content.decode()
    assert "already have an application from this email address" in thanks
    assert Application.objects.count() == 1
    assert Consultant.objects.count() == 1


def test_without_consent_nothing_is_stored(client):
    response = apply(client, consent="")
    assert response.status_code == 400
    assert "Please accept the privacy policy" in response.content.decode()
    assert not Application.objects.exists()


def test_the_honeypot_refuses_bots(client):
    response = apply(client, website="https://spam.example")
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_too_long_answers_are_refused_with_the_field_named(client):
    response = apply(client, statement="x" * 2001)
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert not Application.objects.exists()


def test_applying_is_rate_limited(client, settings):
    settings.BOOKING_RATE_LIMITS = {"apply": (2, 3600)}
    for n in range(2):
        assert apply(client, email=f"person{n}@example.org").status_code == 302

    refused = apply(client, email="third@example.org")

    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert Application.objects.count() == 2


def test_accepting_sends_an_invitation_that_verifies_the_applicant(
    client, admin, mailoutbox, django_capture_on_commit_callbacks
):
    apply(client)
    application = Application.objects.get()
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/team/applications/{application.pk}/accept/", {})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert application.decided_by == admin and application.invitation is not None
    assert mailoutbox[-1].to == ["noah@example.org"]
    client.logout()
    link = invitation_link(mailoutbox[-1])
    client.post(
        link,
        {
            "username": "noah",
            "password1": "quiet harbour 42",
            "password2": "quiet harbour 42",
        },
    )
    consultant = Consultant.objects.get(email="noah@example.org")
    assert consultant.status == Consultant.Status.VERIFIED
    assert consultant.user.username == "noah"


def test_declining_needs_a_reason(client, admin):
    apply(client)
    application = Application.objects.get()
    client.force_login(admin)

    response = client.post(
        f"/admin/team/applications/{application.pk}/decline/", {"reason": " "}
    )

    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_declining_emails_the_reason_and_deletes_the_applicant(
    client, admin, mailoutbox, django_capture_on_commit_callbacks
):
    apply(client)
    application = Application.objects.get()
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/team/applications/{application.pk}/decline/",
            {"reason": "We are not taking on grief specialists this year."},
        )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.decided_by == admin and application.consultant is None
    assert not Consultant.objects.exists()
    (email,) = mailoutbox
    assert email.to == ["noah@example.org"]
    assert "not taking on grief specialists this year" in email.body
    assert tasks.send_application_declined(application.pk) == "sent already"
    assert len(mailoutbox) == 1


def test_a_decided_application_is_not_decided_again(client, admin):
    apply(client)
    application = Application.objects.get()
    services.decline_application(application=application, actor=admin, reason="No")
    client.force_login(admin)

    response = client.post(f"/admin/team/applications/{application.pk}/accept/", {})

    assert response.status_code == 302
    assert not Invitation.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED


def test_after_a_decline_the_same_address_may_apply_again(client, admin):
    apply(client)
    services.decline_application(
        application=Application.objects.get(), actor=admin, reason="Not now"
    )
    apply(client)
    assert Application.objects.filter(status="pending").count() == 1


def test_decided_applications_are_deleted_after_the_retention_period(
    client, admin, settings
):
    settings.TEAM_APPLICATION_RETENTION_DAYS = 30
    apply(client)
    apply(client, email="other@example.org")
    old, recent = Application.objects.order_by("pk")
    services.decline_application(application=old, actor=admin, reason="Not now")
    Application.objects.filter(pk=old.pk).update(
        decided_at=timezone.now() - timedelta(days=31)
    )

    assert tasks.apply_retention().startswith("1 application(s) deleted")
    assert list(Application.objects.all()) == [recent]


def test_applications_list_pending_first(client, admin):
    apply(client, name="Decided Person", email="decided@example.org")
    services.decline_application(
        application=Application.objects.get(), actor=admin, reason="No"
    )
    apply(client, name="Waiting Person")
    client.force_login(admin)

    page = client.get("/admin/team/applications/").content.decode()

    assert page.index("Waiting Person") < page.index("Decided Person")


def test_the_database_holds_one_pending_application_per_address(client):
    from django.db import IntegrityError, transaction

    apply(client)
    first = Application.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            name="Noah Again",
            email="Noah@Example.org",
            qualifications="Q",
            specialisations="S",
            statement="S",
            consent_at=first.consent_at,
        )
