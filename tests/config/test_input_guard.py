"""Control characters are refused once, at the edge (config/input_guard.py), for
every public input: path, query string, form body, JSON body. PostgreSQL cannot
hold NUL, so before this each page that looked such input up answered 500."""

import json

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, streamfield

from booking.core.models import Booking
from config.input_guard import bad_json_text
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    build_site,
    make_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return build_site()


def refused_as_page(response) -> bool:
    return (
        response.status_code == 400
        and response["Content-Type"].startswith("text/html")
        and "control character" in response.text
    )


def refused_as_api_error(response) -> bool:
    return response.status_code == 400 and response.json() == {
        "code": "invalid_characters",
        "message": response.json()["message"],
    }


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/team/?specialisation=a%00b",
        "/team/?language=a%00b",
        "/team/?q=a%00b",
        "/journal/?tag=a%00b",
        "/book/verify/abc%00def.ghi/",
        "/book/manage/abc%00def.ghi/",
        "/book/manage/abc%00def.ghi/reschedule/",
        "/calendar/a%00.b.ics",
        "/book/status/?reference=MS-%01",
        "/team/?q=a%0Bb",  # a vertical tab is no more a search than NUL
    ],
)
def test_control_characters_in_the_address_are_refused_with_a_page(client, site, url):
    assert refused_as_page(client.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/pages/?search=a%00b",
        "/api/v2/pages/?type=cms.ConsultantPage&fields=a%00",
        "/api/v1/bookings/MS%00X/status/",
        "/api/v1/consultants/?search=%00",
        "/api/v1/services/?consultant=%7F",
    ],
)
def test_under_api_the_refusal_is_the_api_s_error_body(client, site, url):
    assert refused_as_api_error(client.get(url))


@pytest.mark.parametrize("url", ["/book/sent/", "/book/find/"])
def test_a_cookie_that_spells_nul_is_refused(client, url):
    """A quoted cookie value may escape NUL as \\000; the session cookie's value
    is looked up in the database (a DataError on PostgreSQL)."""
    response = client.get(url, HTTP_COOKIE='sessionid="abcdefgh\\000ijkl"')

    assert refused_as_page(response)


def test_a_form_body_with_nul_is_refused_and_changes_nothing(client):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant])
    booking, _ = make_draft(service=service)

    response = client.post(
        f"/book/{consultant.pk}/{service.slug}/details/",
        {
            "client_name": "Ada\x00",
            "client_email": "ada@example.com",
            "consent": "on",
            "tz": "Europe/Berlin",
            "start": booking.start.isoformat(),
        },
    )

    assert refused_as_page(response)
    assert Booking.objects.count() == 1


def test_tab_and_line_breaks_in_a_form_body_are_text(client):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant])
    booking, _ = make_draft(service=service)
    booking.delete()

    response = client.post(
        f"/book/{consultant.pk}/{service.slug}/details/",
        {
            "client_name": "Ada",
            "client_email": "ada@example.com",
            "client_notes": "First line\r\n\tsecond line",
            "consent": "on",
            "tz": "Europe/Berlin",
            "start": booking.start.isoformat(),
        },
    )

    assert response.status_code == 302
    assert Booking.objects.get().client_notes == "First line\r\n\tsecond line"


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "a\\u0000b@example.com"}',
        '{"email": "a\\u001fb@example.com"}',
        '{"email": "a\\bb@example.com"}',
        '{"email": "a\\ud800b@example.com"}',
        '{"email": "a\\udc00b@example.com"}',
        '{"email\\u0000": "a@example.com"}',
    ],
)
def test_a_json_body_with_control_or_broken_characters_is_refused(client, body):
    response = client.post(
        "/api/v1/bookings/find/", body, content_type="application/json"
    )

    assert refused_as_api_error(response)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ('{"a": "plain"}', False),
        ('{"a": "tab\\t, lines\\n\\r, \\u0009\\u000A\\u000d"}', False),
        ('{"a": "a pair \\ud83d\\ude00 is one character"}', False),
        ('{"a": "\\\\u0000 is a backslash and text"}', False),
        ('{"a": "\\\\\\u0000"}', True),
        ('{"a": "\\u0000"}', True),
        ('{"a": "\\u007f \\u0085"}', True),
        ('{"a": "\\f"}', True),
        ('{"a": "\x00"}', True),
        ('{"a": "\\ud83d"}', True),
        ('{"a": "\\ud83d x \\ude00"}', True),
        ('{"a": "\\ude00\\ud83d"}', True),
    ],
)
def test_json_text_is_scanned_for_escapes_without_being_parsed(text, bad):
    assert bad_json_text(text) is bad


def test_wagtail_s_admin_still_signs_in_and_saves_multi_line_text(client, site):
    home, _, _ = site
    UserFactory(username="editor", is_superuser=True)

    signed_in = client.post(
        "/admin/login/", {"username": "editor", "password": "correct horse"}
    )
    saved = client.post(
        f"/admin/pages/{home.pk}/edit/",
        nested_form_data(
            {
                "title": "Home",
                "slug": "home",
                "hero_title": "Hi",
                "hero_text": "First line\r\n\tsecond line",
                "body": streamfield([]),
            }
        ),
    )

    assert signed_in.status_code == 302
    assert saved.status_code == 302
    draft = Page.objects.get(pk=home.pk).specific.get_latest_revision_as_object()
    assert draft.hero_text == "First line\r\n\tsecond line"


def test_wagtail_s_admin_refuses_nul_too(client, site):
    UserFactory(username="editor", is_superuser=True)
    client.login(username="editor", password="correct horse")

    assert refused_as_page(client.get("/admin/pages/search/?q=a%00b"))


def test_json_refusal_never_repeats_what_was_sent(client):
    response = client.post(
        "/api/v1/bookings/find/",
        json.dumps({"email": "<script>x</script>\x00"}),
        content_type="application/json",
    )

    assert refused_as_api_error(response)
    assert "script" not in response.text
