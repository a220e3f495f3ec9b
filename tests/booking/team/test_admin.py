"""The team's admin screens (issue 18): inviting a consultant (an existing one
without a login, or a new one), the invitations list with Resend and Revoke,
and who may use them."""

import pytest
from django.core.cache import cache

from booking.core.models import Consultant
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from booking.team.models import Application, Invitation
from tests.factories import ConsultantFactory, build_site, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


@pytest.fixture
def admin_client(client):
    client.force_login(member(BOOKING_ADMINS, username="frontdesk"))
    return client


def test_a_booking_admin_invites_an_existing_consultant(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    maya = ConsultantFactory(name="Maya Stone")
    form = admin_client.get("/admin/team/invitations/invite/")
    assert form.status_code == 200 and "Maya Stone" in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/team/invitations/invite/",
            {"consultant": maya.pk, "email": "maya@example.org"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.consultant == maya and invitation.sent_at is not None
    assert mailoutbox[0].to == ["maya@example.org"]
    listing = admin_client.get("/admin/team/invitations/").content.decode()
    assert "maya@example.org" in listing and "Sent" in listing


def test_a_booking_admin_invites_a_new_consultant_with_a_draft_page(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    from cms.models import ConsultantPage

    build_site()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/team/invitations/invite/",
            {"name": "Noah Park", "email": "noah@example.org", "make_page": "on"},
        )

    assert response.status_code == 302
    noah = Consultant.objects.get(name="Noah Park")
    assert noah.status == Consultant.Status.APPLIED and noah.user is None
    page = ConsultantPage.objects.get(consultant=noah)
    assert not page.live and page.title == "Noah Park"
    assert len(mailoutbox) == 1


def test_without_the_box_no_page_is_made(
    admin_client, django_capture_on_commit_callbacks
):
    from cms.models import ConsultantPage

    build_site()
    admin_client.post(
        "/admin/team/invitations/invite/",
        {"name": "Noah Park", "email": "noah@example.org"},
    )
    assert Consultant.objects.filter(name="Noah Park").exists()
    assert not ConsultantPage.objects.exists()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"email": "x@example.org"}, "Choose a consultant, or give"),
        ({"name": "N", "email": "not an address"}, "Enter a valid email"),
        ({"name": "N" * 121, "email": "x@example.org"}, "at most 120 characters"),
    ],
)
def test_an_incomplete_invitation_is_refused(admin_client, data, error):
    response = admin_client.post("/admin/team/invitations/invite/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Invitation.objects.exists() and not Consultant.objects.exists()


def test_a_consultant_with_a_login_cannot_be_chosen(admin_client):
    maya = ConsultantFactory(name="Maya Stone")
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    response = admin_client.post(
        "/admin/team/invitations/invite/",
        {"consultant": maya.pk, "email": "maya@example.org"},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_resend_and_revoke_from_the_list(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    maya = ConsultantFactory(name="Maya Stone")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/team/invitations/invite/",
            {"consultant": maya.pk, "email": "maya@example.org"},
        )
    first = Invitation.objects.get()
    listing = admin_client.get("/admin/team/invitations/").content.decode()
    assert f"/admin/team/invitations/{first.pk}/resend/" in listing

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/team/invitations/{first.pk}/resend/")
    first.refresh_from_db()
    second = Invitation.objects.exclude(pk=first.pk).get()
    assert first.revoked_at is not None and len(mailoutbox) == 2

    admin_client.post(f"/admin/team/invitations/{second.pk}/revoke/")
    second.refresh_from_db()
    assert second.revoked_at is not None and second.status == "Revoked"


@pytest.mark.parametrize("role", [EDITORS, STAFF, CONSULTANTS])
def test_other_roles_neither_see_nor_invite(client, role):
    maya = ConsultantFactory(name="Maya Stone")
    application = Application.objects.create(
        name="Noah Park",
        email="noah@example.org",
        qualifications="Q",
        specialisations="S",
        statement="Private statement",
        consent_at="2026-01-01T00:00Z",
    )
    client.force_login(member(role))
    urls = [
        "/admin/team/invitations/",
        "/admin/team/invitations/invite/",
        "/admin/team/applications/",
        f"/admin/team/applications/inspect/{application.pk}/",
        f"/admin/team/applications/{application.pk}/accept/",
        f"/admin/team/applications/{application.pk}/decline/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "Private statement" not in response.content.decode()
    client.post(
        "/admin/team/invitations/invite/",
        {"consultant": maya.pk, "email": "maya@example.org"},
    )
    client.post(f"/admin/team/applications/{application.pk}/decline/", {"reason": "x"})
    assert not Invitation.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_the_lists_offer_inviting_and_deciding(admin_client):
    application = Application.objects.create(
        name="Noah Park",
        email="noah@example.org",
        qualifications="MBACP",
        specialisations="grief",
        statement="Ten years in bereavement care.",
        consent_at="2026-01-01T00:00Z",
    )

    invitations = admin_client.get("/admin/team/invitations/").content.decode()
    inspect = admin_client.get(
        f"/admin/team/applications/inspect/{application.pk}/"
    ).content.decode()
    decline = admin_client.get(f"/admin/team/applications/{application.pk}/decline/")

    assert 'href="/admin/team/invitations/invite/"' in invitations
    assert "Ten years in bereavement care." in inspect
    assert f"/admin/team/applications/{application.pk}/accept/" in inspect
    assert f"/admin/team/applications/{application.pk}/decline/" in inspect
    assert decline.status_code == 200
    assert "The applicant is emailed your reason" in decline.content.decode()
