"""What a production deployment relies on: security headers, a throttled admin
sign-in, validated image uploads, /healthz, and error reports without personal
data."""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from PIL import Image

from config.logging import JsonFormatter, without_personal_data
from tests.factories import UserFactory, build_site, publish_consultant_page

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def test_public_pages_may_run_only_haven_s_own_scripts(client):
    build_site()

    response = client.get("/")

    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_admin_allows_wagtail_s_inline_scripts_but_no_other_origin(client):
    response = client.get("/admin/login/")

    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["default-src"] == ["'self'"]


@override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=True)
def test_the_policy_can_be_tried_in_report_only_mode(client):
    build_site()

    response = client.get("/")

    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


# --- admin sign-in -----------------------------------------------------------------


def sign_in(client, username, password):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, follow=False
    )


def test_admin_sign_in_is_refused_after_ten_attempts_even_with_the_password(client):
    UserFactory(username="frontdesk", is_superuser=True)
    for _ in range(10):
        assert sign_in(client, "frontdesk", "guess").status_code == 200

    refused = sign_in(client, "frontdesk", "correct horse")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 900
    assert b"Too many sign-in attempts" in refused.content
    assert "_auth_user_id" not in client.session


def test_other_accounts_from_the_same_address_can_still_sign_in(client):
    UserFactory(username="frontdesk", is_superuser=True)
    UserFactory(username="editor", is_superuser=True)
    for _ in range(11):
        sign_in(client, "frontdesk", "guess")

    response = sign_in(client, "editor", "correct horse")

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_django_admin_signs_in_through_the_throttled_form(client):
    response = client.get("/django-admin/login/?next=/django-admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/django-admin/"


# --- image uploads -----------------------------------------------------------------


def upload_image(client, name, content):
    return client.post(
        reverse("wagtailimages:add"),
        {"title": "Portrait", "file": SimpleUploadedFile(name, content)},
    )


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_editor_can_upload_a_real_image(admin_client):
    from wagtail.images.models import Image as WagtailImage

    response = upload_image(admin_client, "portrait.png", png_bytes())

    assert response.status_code == 302
    assert WagtailImage.objects.filter(title="Portrait").exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("portrait.png", b"<html><script>alert(1)</script></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ],
)
def test_files_that_are_not_images_browsers_show_are_refused(
    admin_client, name, content
):
    from wagtail.images.models import Image as WagtailImage

    response = upload_image(admin_client, name, content)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not WagtailImage.objects.exists()


@override_settings(WAGTAILIMAGES_MAX_IMAGE_PIXELS=100)
def test_an_image_that_would_decode_too_large_is_refused(admin_client):
    from wagtail.images.models import Image as WagtailImage

    response = upload_image(admin_client, "huge.png", png_bytes((20, 20)))

    assert "pixels" in str(response.context["form"].errors["file"])
    assert not WagtailImage.objects.exists()


# --- /healthz ----------------------------------------------------------------------


def test_healthz_answers_ok_when_everything_works(client):
    # The schedules migrations made are due from when the test database was made.
    Schedule.objects.update(next_run=timezone.now() + timedelta(minutes=1))
    Schedule.objects.create(
        name="sweep", func="math.floor", next_run=timezone.now() + timedelta(minutes=1)
    )

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "cluster"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_fails_when_no_job_cluster_runs_the_schedules(client, caplog):
    Schedule.objects.create(
        name="sweep", func="math.floor", next_run=timezone.now() - timedelta(hours=1)
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["cluster"] == {
        "ok": False,
        "error": "RuntimeError",
        "ms": body["checks"]["cluster"]["ms"],
    }
    assert body["checks"]["database"]["ok"] is True
    assert "'sweep' is overdue" in caplog.text


def test_healthz_fails_when_the_cache_server_is_unreachable(client, settings):
    # A real Redis client pointed at a port nothing listens on.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    from django.core.cache import caches

    caches._settings = None  # re-read CACHES (Django's own override does this too)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_pages_and_rate_limits_work_while_the_cache_server_is_down(client, settings):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    settings.CACHES = {
        name: {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
        for name in settings.CACHES
    }
    from django.core.cache import caches

    caches._settings = None

    assert client.get(page.url).status_code == 200
    assert client.get(page.url).status_code == 200
    # Rate-limited lookups still answer (here: no such booking), never with a 500.
    assert client.get("/book/status/?reference=MS-NOPE").status_code == 404


# --- logs and error reports --------------------------------------------------------


def test_json_logs_are_one_object_per_line():
    record = logging.LogRecord(
        "booking", logging.INFO, __file__, 1, "booking %s confirmed", ("MS-7Q3K",), None
    )

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert entry["message"] == "booking MS-7Q3K confirmed"
    assert entry["level"] == "INFO"
    assert "\n" not in line


def test_error_reports_leave_out_who_and_what_they_typed():
    event = {
        "request": {
            "method": "POST",
            "url": "https://haven.example.org/book/?email=ada@example.org",
            "data": {"client_email": "ada@example.org", "client_notes": "anxiety"},
            "cookies": {"sessionid": "secret"},
            "headers": {"Cookie": "sessionid=secret"},
        },
        "user": {"email": "ada@example.org"},
        "exception": {
            "values": [
                {"stacktrace": {"frames": [{"function": "f", "vars": {"e": "ada"}}]}}
            ]
        },
    }

    cleaned = without_personal_data(event)

    assert "ada" not in json.dumps(cleaned)
    assert cleaned["request"] == {
        "method": "POST",
        "url": "https://haven.example.org/book/",
    }
