"""What every API answer shares: the error body for malformed requests, throttling
with Retry-After, CORS for the configured frontend only, the OpenAPI schema and
its docs served without a CDN, and Wagtail's content API for published pages."""

from unittest.mock import ANY

import pytest
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from wagtail.models import PageViewRestriction

from booking.api import throttles
from booking.core import tokens
from booking.core.models import BookingToken
from booking.lifecycle import services
from tests.api.conftest import bearer, manage_header
from tests.factories import build_site, make_draft, publish_consultant_page

pytestmark = pytest.mark.django_db


def rates(**changed):
    from django.conf import settings

    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **changed,
        },
    }


# --- malformed requests ---------------------------------------------------------


def test_malformed_json_is_a_parse_error(api, offer):
    response = api.post(
        "/api/v1/bookings/", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# Every POST that reads a body (paying takes none).
JSON_POSTS = [
    "/api/v1/bookings/",
    "/api/v1/bookings/verify/",
    "/api/v1/bookings/find/",
    "/api/v1/manage/cancel/",
    "/api/v1/manage/reschedule/",
    "/api/v1/manage/review/",
    "/api/v1/staff/bookings/",
    "/api/v1/staff/bookings/{reference}/transitions/",
]


@pytest.mark.parametrize("url", JSON_POSTS)
def test_deeply_nested_json_is_a_parse_error_everywhere(api, offer, booking_admin, url):
    """Python's JSON parser gives up past a few hundred levels with a
    RecursionError, which the throttles met first (they read the body for the
    email address) and which was a 500."""
    _, service = offer
    booking, verify = make_draft(service=service)
    services.verify_email(token=verify)
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)

    response = api.post(
        url.format(reference=booking.reference),
        "[" * 100_000,
        content_type="application/json",
        **manage_header(manage),
        **bearer(booking_admin),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_email_with_a_lone_surrogate_is_refused_not_500(api, offer):
    response = api.post(
        "/api/v1/bookings/find/",
        '{"email": "a\\ud800b@example.com"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message"}


def test_the_email_throttle_keys_any_text_it_is_given():
    """The address is not validated when the throttle reads it: a lone surrogate
    (which UTF-8 cannot encode) still makes a key."""
    request = Request(APIRequestFactory().post("/api/v1/bookings/find/"))
    request._full_data = {"email": " A\ud800b@example.com "}

    key = throttles.LookupEmailThrottle().get_cache_key(request, view=None)

    assert key.startswith("throttle_lookup-email_")


def test_a_form_post_is_unsupported_media_type(api, offer):
    response = api.post("/api/v1/bookings/", {"consent": "true"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_json_array_body_is_a_validation_error(api, offer):
    response = api.post("/api/v1/bookings/", [1, 2], format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_wrong_method(api, db):
    response = api.delete("/api/v1/consultants/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- throttling -------------------------------------------------------------------


def test_creating_drafts_is_throttled_per_address(api, offer, settings):
    settings.REST_FRAMEWORK = rates(booking_create="2/hour")
    consultant, service = offer
    body = {"consultant": consultant.pk, "service": service.slug}

    answers = [api.post("/api/v1/bookings/", body, format="json") for _ in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert answers[2].json()["code"] == "rate_limited"
    assert 0 < int(answers[2]["Retry-After"]) <= 3600
    other_client = api.post(
        "/api/v1/bookings/", body, format="json", REMOTE_ADDR="10.0.0.9"
    )
    assert other_client.status_code == 400


def test_lookups_are_throttled_per_email_across_addresses(api, db, settings):
    settings.REST_FRAMEWORK = rates(lookup="2/hour")

    answers = [
        api.post(
            "/api/v1/bookings/find/",
            {"email": "target@example.com"},
            format="json",
            REMOTE_ADDR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]

    assert answers == [202, 202, 429]


def test_a_forged_forwarded_for_does_not_escape_the_limit(api, db, settings):
    settings.REST_FRAMEWORK = rates(verify="1/hour")

    answers = [
        api.post(
            "/api/v1/bookings/verify/",
            {"token": "x.y"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(2)
    ]

    assert answers == [400, 429]


def test_anonymous_and_authenticated_rates(api, booking_admin, settings):
    settings.REST_FRAMEWORK = rates(anon="1/minute", user="2/minute")
    headers = bearer(booking_admin)

    assert api.get("/api/v1/consultants/").status_code == 200
    assert api.get("/api/v1/consultants/").status_code == 429
    staff = [api.get("/api/v1/staff/bookings/", **headers).status_code for _ in "abc"]
    assert staff == [200, 200, 429]


# --- CORS ------------------------------------------------------------------------


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.haven.example"])
def test_cors_only_for_the_configured_frontend(api, db):
    allowed = api.get("/api/v1/consultants/", HTTP_ORIGIN="https://app.haven.example")
    other = api.get("/api/v1/consultants/", HTTP_ORIGIN="https://evil.example")
    preflight = api.options(
        "/api/v1/manage/",
        HTTP_ORIGIN="https://app.haven.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-manage-token",
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.haven.example"
    assert "Access-Control-Allow-Origin" not in other
    assert "x-manage-token" in preflight["Access-Control-Allow-Headers"]


# --- schema and docs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/schema/?format=nonsense", 404),
        ("post", "/api/schema/", 405),
        ("get", "/api/docs/?format=nonsense", 404),
        ("delete", "/api/docs/", 405),
        ("put", "/api/redoc/", 405),
    ],
)
def test_the_schema_and_docs_answer_errors_in_the_api_s_body(
    api, db, method, url, status
):
    """They answered errors in YAML or HTML, their renderers when they work."""
    response = getattr(api, method)(url)

    assert response.status_code == status
    assert set(response.json()) == {"code", "message"}


def test_the_schema_does_not_repeat_a_version_it_was_given(api, db):
    response = api.get("/api/schema/?version=%3Cscript%3Ex%3C/script%3E")

    assert response.status_code == 200
    assert b"<script>" not in response.content


def test_the_schema_documents_every_endpoint_and_the_error_body(api, db):
    response = api.get("/api/schema/?format=json")

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/bookings/" in schema["paths"]
    assert "/api/v1/staff/bookings/{reference}/transitions/" in schema["paths"]
    assert not any(path.startswith("/api/v2/") for path in schema["paths"])
    create = schema["paths"]["/api/v1/bookings/"]["post"]["responses"]
    assert {"201", "400", "409", "429"} <= set(create)
    assert "Retry-After" in create["429"]["headers"]
    assert "Error" in schema["components"]["schemas"]


def test_docs_are_served_from_local_files(client, db):
    page = client.get("/api/docs/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    asset = client.get(
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    )
    assert asset.status_code == 200
    # No inline script: the site's Content-Security-Policy allows 'self' only.
    assert "<script>" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    init = client.get("/api/docs/?script=")
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


# --- Wagtail's content API ------------------------------------------------------


def test_content_api_lists_published_public_pages_only(api, db):
    from cms.models import ArticlePage

    home, team, journal = build_site()
    live = publish_consultant_page(team, "Dr Live")
    hidden = publish_consultant_page(team, "Dr Private")
    PageViewRestriction.objects.create(
        page=hidden, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    draft = publish_consultant_page(team, "Dr Draft")
    draft.unpublish()
    article = ArticlePage(title="Sleep well", intro="On sleep.", body=[], author=live)
    journal.add_child(instance=article)
    article.save_revision().publish()

    pages = api.get("/api/v2/pages/?type=cms.ConsultantPage&fields=*").json()
    articles = api.get("/api/v2/pages/?type=cms.ArticlePage&fields=intro").json()

    assert [page["title"] for page in pages["items"]] == ["Dr Live"]
    assert pages["items"][0]["consultant_id"] == live.consultant_id
    assert pages["items"][0]["summary"] == "Dr Live helps."
    assert [page["title"] for page in articles["items"]] == ["Sleep well"]
    assert articles["items"][0]["intro"] == "On sleep."
    assert api.get(f"/api/v2/pages/{draft.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("offset=999999999999999999999999999999", "offset cannot be higher"),
        ("offset=+9223372036854775808", "offset cannot be higher"),
        ("offset=1_000_000_000_000_000_000_000", "offset cannot be higher"),
        ("offset=" + "9" * 5000, "offset must be a positive integer"),
        ("offset=-1", "offset must be a positive integer"),
        ("limit=999999999999999999999999999999", "limit cannot be higher"),
        ("limit=" + "9" * 5000, "limit must be a positive integer"),
        ("limit=-5", "limit must be a positive integer"),
    ],
)
@pytest.mark.parametrize("endpoint", ["pages", "images"])
def test_content_api_refuses_offsets_and_limits_past_any_site(
    api, db, endpoint, query, message
):
    """A 30-digit offset went to the database: bigint out of range, a 500."""
    response = api.get(f"/api/v2/{endpoint}/?{query}")

    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "message": ANY}
    assert message in response.json()["message"]


@pytest.mark.parametrize("endpoint", ["pages", "images"])
@pytest.mark.parametrize(
    ("found", "status"), [("x", 400), ("", 400), ("1e3", 400), ("9" * 30, 404)]
)
def test_content_api_find_refuses_ids_that_are_no_number(
    api, db, endpoint, found, status
):
    """Wagtail passed find/?id= to the query unread: a ValueError, a 500."""
    response = api.get(f"/api/v2/{endpoint}/find/?id={found}")

    assert response.status_code == status
    assert set(response.json()) == {"code", "message"}


def test_content_api_errors_have_the_api_s_one_body(api, db):
    build_site()

    missing = api.get("/api/v2/pages/999999/")
    unknown = api.get("/api/v2/pages/?nonsense=1")

    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "message": ANY}
    assert unknown.status_code == 400
    assert unknown.json() == {"code": "bad_request", "message": ANY}
    assert api.get("/api/v2/pages/?offset=1000000").status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/v1/consultants/", "/api/v1/services/", "/api/v1/staff/bookings/"]
)
def test_a_search_of_100_000_characters_is_refused_not_500(api, booking_admin, url):
    """SQLite refuses a LIKE pattern past 50,000 bytes: "pattern too complex"."""
    response = api.get(f"{url}?search={'x' * 100_000}", **bearer(booking_admin))
    longest = api.get(f"{url}?search={'x' * 100}", **bearer(booking_admin))

    assert response.status_code == 400
    assert "search" in response.json()["fields"]
    assert longest.status_code == 200


def test_nul_characters_are_refused_not_500(api, booking_admin):
    """PostgreSQL cannot hold NUL in text: such input must be a clean 4xx."""
    headers = bearer(booking_admin)

    answers = [
        api.get("/api/v1/bookings/MS%00X/status/"),
        api.get("/api/v1/consultants/?search=%00"),
        api.get("/api/v1/services/?search=a%00b"),
        api.get("/api/v1/staff/bookings/?search=%00", **headers),
        api.get("/api/v1/staff/bookings/MS%00X/", **headers),
        api.get("/api/v1/services/?consultant=%00"),
        api.get("/api/v1/manage/", HTTP_X_MANAGE_TOKEN="a\x00b.c"),
    ]

    # The edge refuses NUL in paths and query strings (config/input_guard.py); the
    # manage token's header is checked as a token.
    assert [a.status_code for a in answers] == [400] * 7
    assert [a.json()["code"] for a in answers] == [
        *["invalid_characters"] * 6,
        "token_invalid",
    ]
