"""The admin's emails and failed-task lists, their "Retry" actions, the dashboard
panel, and the consultant's calendar-feed page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_q.models import Failure, Task

from booking.admin.outbox import emails_url
from booking.notifications.models import OutboxEmail
from booking.scheduling import calendar_files
from booking.scheduling.models import CalendarFeed
from tests.factories import ConsultantFactory, UserFactory, make_draft

pytestmark = pytest.mark.django_db
Status = OutboxEmail.Status


def admin_user(*perms: str, **fields):
    """A user who may use the Wagtail admin, with these `app.codename` perms."""
    user = UserFactory(**fields)
    codes = ["wagtailadmin.access_admin", *perms]
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in={code.split(".")[0] for code in codes},
            codename__in=[code.split(".")[1] for code in codes],
        )
    )
    return user


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def failed_email():
    booking, _ = make_draft(client_email="ada@example.com")
    email = booking.emails.get()
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=8, last_error="AnymailAPIError: 503"
    )
    email.refresh_from_db()
    return email


def retry_url(email):
    return f"/admin/emails/retry/{email.pk}/"


def test_emails_list_filters_failed_and_offers_retry(client, superuser, failed_email):
    other, _ = make_draft(client_email="grace@example.com")
    OutboxEmail.objects.filter(booking=other).update(status=Status.SENT)

    response = client.get("/admin/emails/", {"status": "failed"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "ada@example.com" in content and "grace@example.com" not in content
    assert f'data-w-action-url-value="{retry_url(failed_email)}"' in content
    assert "AnymailAPIError: 503" in content
    assert "/admin/emails/retry-all/" in content


def test_retry_sends_a_failed_email_again(
    client, superuser, failed_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(failed_email), HTTP_REFERER="/admin/emails/")

    assert response.status_code == 302
    failed_email.refresh_from_db()
    assert failed_email.status == Status.SENT and failed_email.attempts == 1


def test_retry_all_sends_every_failed_email(
    client, superuser, failed_email, django_capture_on_commit_callbacks
):
    second, _ = make_draft()
    second.emails.update(status=Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/emails/retry-all/")

    assert not OutboxEmail.objects.exclude(status=Status.SENT).exists()


def denied(response) -> bool:
    """Wagtail answers a PermissionDenied with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == "/admin/"


def test_retry_needs_a_post(client, superuser, failed_email):
    assert denied(client.get(retry_url(failed_email)))
    failed_email.refresh_from_db()
    assert failed_email.status == Status.FAILED


def test_a_sent_email_is_not_retried(client, superuser, failed_email):
    OutboxEmail.objects.filter(pk=failed_email.pk).update(status=Status.DELIVERED)

    client.post(retry_url(failed_email))

    failed_email.refresh_from_db()
    assert failed_email.status == Status.DELIVERED


def test_viewers_see_emails_but_may_not_retry(client, failed_email):
    client.force_login(admin_user("booking.view_outboxemail"))

    response = client.get("/admin/emails/")

    assert response.status_code == 200
    assert retry_url(failed_email) not in response.content.decode()
    assert denied(client.post(retry_url(failed_email)))


def test_others_and_visitors_see_nothing(client, failed_email):
    assert client.get("/admin/emails/").status_code == 302  # to the login page
    client.force_login(admin_user())
    assert client.get("/admin/emails/").status_code == 302  # permission denied
    assert denied(client.post(retry_url(failed_email)))
    failed_email.refresh_from_db()
    assert failed_email.status == Status.FAILED


def test_emails_cannot_be_added_edited_or_deleted(client, superuser, failed_email):
    for url in ("/admin/emails/new/", f"/admin/emails/edit/{failed_email.pk}/"):
        assert client.get(url).status_code == 404
    assert client.get(f"/admin/emails/delete/{failed_email.pk}/").status_code == 404


def test_inspecting_an_email_shows_its_error_and_body(client, superuser, failed_email):
    response = client.get(f"/admin/emails/inspect/{failed_email.pk}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "AnymailAPIError: 503" in content
    assert "/book/verify/" in content
    assert retry_url(failed_email) in content


def test_a_bookings_emails_are_one_filter_away(client, superuser, failed_email):
    other, _ = make_draft(client_email="grace@example.com")

    response = client.get(emails_url(failed_email.booking))

    content = response.content.decode()
    assert "ada@example.com" in content and "grace@example.com" not in content


# --- failed tasks ---------------------------------------------------------------------


@pytest.fixture
def failed_task():
    now = timezone.now()
    return Task.objects.create(
        id="a" * 32,
        name="sweep-that-failed",
        func="booking.tasks.retry_emails",
        args=(),
        kwargs={},
        started=now - timedelta(seconds=2),
        stopped=now,
        success=False,
        result="OperationalError('database is locked') : Traceback ...",
    )


def test_failed_tasks_are_listed_with_their_error(client, superuser, failed_task):
    response = client.get("/admin/failed-tasks/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "sweep-that-failed" in content
    assert "database is locked" in content
    assert f"/admin/failed-tasks/retry/{failed_task.pk}/" in content


def test_retrying_a_failed_task_runs_it_again(client, superuser, failed_task):
    booking, _ = make_draft()
    booking.emails.update(next_attempt_at=timezone.now() - timedelta(minutes=1))

    client.post(f"/admin/failed-tasks/retry/{failed_task.pk}/")

    assert not Failure.objects.exists()
    assert not booking.emails.exclude(status=Status.SENT).exists()


# --- dashboard ------------------------------------------------------------------------


def test_dashboard_counts_failed_emails_and_tasks(
    client, superuser, failed_email, failed_task
):
    response = client.get("/admin/")

    content = response.content.decode()
    assert "1 failed email" in content and "1 failed task" in content
    assert "/admin/emails/?status=failed" in content


def test_dashboard_panel_is_hidden_from_those_who_cannot_see_emails(client):
    client.force_login(admin_user())

    assert "failed email" not in client.get("/admin/").content.decode()


# --- the calendar feed page -----------------------------------------------------------


def test_a_consultant_makes_and_revokes_their_calendar_link(client):
    user = admin_user()
    consultant = ConsultantFactory(user=user)
    client.force_login(user)

    assert client.get("/admin/calendar-feed/").status_code == 200
    response = client.post("/admin/calendar-feed/", {"action": "new"})

    url = response.context["new_url"]
    assert url in response.content.decode()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert calendar_files.consultant_for_feed(token) == consultant

    client.post("/admin/calendar-feed/", {"action": "revoke"})

    assert not CalendarFeed.objects.exists()
    assert calendar_files.consultant_for_feed(token) is None


def test_someone_who_is_not_a_consultant_has_no_calendar_link(client):
    client.force_login(admin_user())

    assert denied(client.get("/admin/calendar-feed/"))


def test_consultant_managers_may_handle_anyones_link(client):
    consultant = ConsultantFactory()
    client.force_login(admin_user("booking.change_consultant"))

    response = client.post(
        "/admin/calendar-feed/", {"action": "new", "consultant": consultant.pk}
    )

    assert response.status_code == 200
    assert CalendarFeed.objects.get().consultant == consultant
