"""Inviting a consultant to the admin (issue 18): the email and its link, creating
the login, and links that are used, expired, withdrawn or not ours."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from booking import tasks
from booking.core.models import Consultant
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS
from booking.team import services
from booking.team.models import Invitation
from tests.booking.team.helpers import invitation_link
from tests.factories import ConsultantFactory, make_draft, member

pytestmark = pytest.mark.django_db

PASSWORD = "a quiet harbour at dusk"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin():
    return member(BOOKING_ADMINS, username="frontdesk")


@pytest.fixture
def maya(django_capture_on_commit_callbacks):
    return ConsultantFactory(name="Maya Stone", email="maya@haven.test")


def invite(consultant, admin, capture, email="maya@haven.test"):
    with capture(execute=True):
        return services.invite(consultant=consultant, email=email, actor=admin)


def accept(client, link, username="maya", password=PASSWORD, again=None):
    return client.post(
        link,
        {"username": username, "password1": password, "password2": again or password},
    )


def test_the_invitation_email_links_to_a_page_that_makes_a_login(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = invite(maya, admin, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["maya@haven.test"]
    assert "invites you" in email.body
    link = invitation_link(email)
    page = client.get(link)
    assert page.status_code == 200
    assert "Welcome, Maya Stone" in page.content.decode()

    response = accept(client, link)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    user = get_user_model().objects.get(username="maya")
    assert user.check_password(PASSWORD) and user.email == "maya@haven.test"
    assert list(user.groups.values_list("name", flat=True)) == [CONSULTANTS]
    maya.refresh_from_db()
    assert maya.user == user
    assert maya.status == Consultant.Status.VERIFIED and maya.is_active
    assert maya.status_changed_by == user and maya.status_changed_at is not None
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.user == user
    # Signed in: the admin's dashboard opens without the sign-in form.
    assert client.get("/admin/").status_code == 200


def test_the_secret_is_kept_only_as_a_digest(
    admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = invite(maya, admin, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    raw = invitation_link(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    key, secret = raw.split(".")
    assert invitation.key == key
    assert secret not in invitation.secret_hash and len(invitation.secret_hash) == 64


def test_a_used_link_answers_410_and_changes_nothing(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invite(maya, admin, django_capture_on_commit_callbacks)
    link = invitation_link(mailoutbox[0])
    accept(client, link)
    client.logout()

    again = accept(client, link, username="someone-else")

    assert again.status_code == 410
    assert "used already" in again.content.decode()
    assert not get_user_model().objects.filter(username="someone-else").exists()


def test_an_expired_link_answers_410(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = invite(maya, admin, django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    link = invitation_link(mailoutbox[0])

    assert client.get(link).status_code == 410
    response = accept(client, link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    maya.refresh_from_db()
    assert maya.user is None


@pytest.mark.parametrize(
    "token", ["not-a-token", "abc.def", "x" * 30 + ".y", "a.b.c", "booking's"]
)
def test_a_foreign_or_malformed_link_answers_404(client, token):
    if token == "booking's":  # a client's genuine verification link
        _, token = make_draft()
    response = client.get(f"/join/invitation/{token}/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_a_tampered_secret_answers_404(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invite(maya, admin, django_capture_on_commit_callbacks)
    link = invitation_link(mailoutbox[0])
    assert client.get(link[:-3] + "AAA/").status_code == 404


def test_resending_revokes_the_old_link(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    first = invite(maya, admin, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.resend(invitation=first, actor=admin)
    old, new = (invitation_link(message) for message in mailoutbox)

    assert old != new
    response = client.get(old)
    assert response.status_code == 410
    assert "withdrawn or replaced" in response.content.decode()
    assert accept(client, new).status_code == 302


def test_sending_twice_sends_one_email(
    admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = invite(maya, admin, django_capture_on_commit_callbacks)
    key = Invitation.objects.get(pk=invitation.pk).key

    assert tasks.send_invitation(invitation.pk) == "sent already"
    assert len(mailoutbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).key == key  # link unchanged


def test_a_failed_send_leaves_the_invitation_unsent_for_the_retry(
    admin, maya, mailoutbox, monkeypatch
):
    invitation = services.invite(consultant=maya, email=maya.email, actor=admin)

    def refuse(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(ConnectionError):
        tasks.send_invitation(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.sent_at is None and invitation.key is None
    monkeypatch.undo()
    assert tasks.send_invitation(invitation.pk) == "sent"
    assert len(mailoutbox) == 1


def test_passwords_are_checked_by_djangos_validators(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invite(maya, admin, django_capture_on_commit_callbacks)
    link = invitation_link(mailoutbox[0])

    weak = accept(client, link, password="password")
    differ = accept(client, link, again="another harbour at dawn")

    assert weak.status_code == 400 and "too common" in weak.content.decode()
    assert differ.status_code == 400
    assert "The two passwords differ" in differ.content.decode()
    assert not get_user_model().objects.filter(username="maya").exists()
    assert client.get(link).status_code == 200  # the link still works


def test_a_taken_username_is_refused_and_the_link_still_works(
    client, admin, maya, mailoutbox, django_capture_on_commit_callbacks
):
    invite(maya, admin, django_capture_on_commit_callbacks)
    link = invitation_link(mailoutbox[0])

    response = accept(client, link, username="FrontDesk")

    assert response.status_code == 400
    assert "This username is taken" in response.content.decode()
    assert accept(client, link, username="maya").status_code == 302


def test_a_consultant_with_a_login_is_not_invited(admin, maya):
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    with pytest.raises(Exception, match="already has a login"):
        services.invite(consultant=maya, email=maya.email, actor=admin)
    assert not Invitation.objects.exists()
