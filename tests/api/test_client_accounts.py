"""The client-account API (issue 21): sign in by emailed link or code for a JWT
pair, see and cancel my bookings with it, refresh it, sign out; another
client's bookings are out of reach; every role has its hourly limit."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.accounts import api_tokens, services
from booking.accounts.models import ClientAccount, SignInLink
from booking.core import tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus
from booking.lifecycle import services as booking_services
from tests.api.conftest import bearer
from tests.booking.stripe_fakes import fake_stripe  # noqa: F401  (a fixture)
from tests.factories import make_draft, next_monday_at

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://\S+)/account/link/([A-Za-z0-9_.-]+)/")
CODE = re.compile(r"enter this code: (\d{3} \d{3})")


def booked(email: str, hour: int = 9) -> Booking:
    booking, verify = make_draft(client_email=email, start=next_monday_at(hour))
    booking_services.verify_email(token=verify)
    booking.refresh_from_db()
    return booking


def ask(api, email):
    return api.post("/api/v1/auth/sign-in/", {"email": email}, format="json")


def emailed(email: str) -> tuple[str, str, str]:
    """(site, link token, code) of the latest sign-in email to `email`."""
    sent = [m for m in mail.outbox if email in m.to and "sign-in" in m.subject]
    assert sent, f"no sign-in email to {email}"
    site, token = LINK.search(sent[-1].body).groups()
    return site, token, CODE.search(sent[-1].body)[1]


def signed_in(api, email: str) -> dict:
    """A JWT pair for `email`, as a frontend gets one."""
    assert ask(api, email).status_code == 202
    _, token, _ = emailed(email)
    response = api.post("/api/v1/auth/token/", {"token": token}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def auth(pair: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {pair['access']}"}


def references(response) -> list[str]:
    return [row["reference"] for row in response.json()["results"]]


def test_sign_in_then_cancel_refresh_and_sign_out(api, settings):
    settings.FRONTEND_URL = "https://app.example.org"
    booking = booked("ada@example.com")

    assert ask(api, "Ada@Example.com").status_code == 202
    site, token, code = emailed("ada@example.com")
    assert site == "https://app.example.org"  # the frontend's own page
    response = api.post("/api/v1/auth/token/", {"token": token}, format="json")
    assert response.status_code == 200
    pair = response.json()
    assert pair["token_type"] == "Bearer"
    lifetime = timezone.now() + timedelta(minutes=60)
    expires = pair["access_expires_at"]
    assert (
        abs(api_tokens.ClientAccess(pair["access"])["exp"] - lifetime.timestamp()) < 5
    )
    assert expires

    upcoming = api.get("/api/v1/bookings/upcoming/", **auth(pair))
    assert upcoming.status_code == 200
    assert references(upcoming) == [booking.reference]
    assert upcoming.json()["results"][0]["can_cancel"] is True
    assert upcoming["Cache-Control"].startswith("max-age=0")

    url = f"/api/v1/bookings/{booking.reference}/cancel/"
    quote = api.get(url, **auth(pair))
    assert quote.json()["reference"] == booking.reference
    cancelled = api.post(url, {"reason": "Plans changed."}, format="json", **auth(pair))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == BookingStatus.CANCELLED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert references(api.get("/api/v1/bookings/upcoming/", **auth(pair))) == []
    history = api.get("/api/v1/bookings/history/", **auth(pair))
    assert references(history) == [booking.reference]

    refreshed = api.post(
        "/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh"] != pair["refresh"]
    # Rotation: the old refresh token worked once.
    again = api.post(
        "/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["code"] == "token_used"
    assert api.get("/api/v1/auth/user/", **auth(new)).status_code == 200

    out = api.post("/api/v1/auth/sign-out/", {"refresh": new["refresh"]}, format="json")
    assert out.status_code == 200
    after = api.post(
        "/api/v1/auth/refresh/", {"refresh": new["refresh"]}, format="json"
    )
    assert after.status_code == 400
    assert set(after.json()) == {"code", "message"}
    # The sign-in link worked once too.
    reused = api.post("/api/v1/auth/token/", {"token": token}, format="json")
    assert reused.status_code == 400
    assert reused.json()["code"] == "token_used"


def test_signing_out_everywhere_ends_every_token_at_once(api):
    first, second = signed_in(api, "ada@example.com"), signed_in(api, "ada@example.com")
    out = api.post(
        "/api/v1/auth/sign-out/",
        {"refresh": first["refresh"], "everywhere": True},
        format="json",
    )
    assert out.status_code == 200
    for pair in (first, second):
        refused = api.get("/api/v1/auth/user/", **auth(pair))
        assert refused.status_code == 401
        assert refused.json()["code"] == "authentication_failed"
        refresh = api.post(
            "/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json"
        )
        assert refresh.status_code == 400


def test_the_web_s_sign_out_everywhere_ends_api_tokens_too(api):
    pair = signed_in(api, "ada@example.com")
    services.sign_out_everywhere(account=ClientAccount.objects.get())
    assert api.get("/api/v1/bookings/upcoming/", **auth(pair)).status_code == 401


def test_another_client_s_booking_is_not_found(api):
    adas = booked("ada@example.com")
    bob = signed_in(api, "bob@example.com")
    links_before = BookingToken.objects.filter(booking=adas).count()
    for method, suffix in [
        ("get", ""),
        ("get", "cancel/"),
        ("post", "cancel/"),
        ("post", "pay/"),
        ("post", "reschedule/"),
        ("post", "review/"),
    ]:
        url = f"/api/v1/bookings/{adas.reference}/{suffix}"
        response = getattr(api, method)(url, {}, format="json", **auth(bob))
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert references(api.get("/api/v1/bookings/upcoming/", **auth(bob))) == []
    adas.refresh_from_db()
    assert adas.status != BookingStatus.CANCELLED
    assert BookingToken.objects.filter(booking=adas).count() == links_before


def test_my_booking_is_reached_by_reference_in_any_case(api):
    booking = booked("ada@example.com")
    pair = signed_in(api, "ada@example.com")
    response = api.get(f"/api/v1/bookings/{booking.reference.lower()}/", **auth(pair))
    assert response.status_code == 200
    assert response.json()["client_email"] == "ada@example.com"


def test_without_a_valid_access_token_nothing_personal_answers(api):
    booking = booked("ada@example.com")
    pair = signed_in(api, "ada@example.com")
    forged = pair["access"][:-4] + "AAAA"
    wrong_kind = {"access": pair["refresh"]}  # a refresh token is not an access one
    for headers in (
        {},
        auth({"access": forged}),
        auth(wrong_kind),
        auth({"access": "x"}),
    ):
        for url in ("/api/v1/auth/user/", f"/api/v1/bookings/{booking.reference}/"):
            response = api.get(url, **headers)
            assert response.status_code == 401, (url, headers)
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
            assert set(response.json()) == {"code", "message"}


def test_a_staff_token_or_a_plain_simplejwt_token_is_not_a_client(api, booking_admin):
    from rest_framework_simplejwt.tokens import AccessToken

    booked("ada@example.com")
    signed_in(api, "ada@example.com")
    plain = AccessToken()
    plain["client_account"] = ClientAccount.objects.get().pk
    plain["epoch"] = 0
    for headers in (bearer(booking_admin), auth({"access": str(plain)})):
        assert api.get("/api/v1/bookings/upcoming/", **headers).status_code == 401


def test_my_details_change_and_bad_ones_are_refused(api):
    pair = signed_in(api, "ada@example.com")
    changed = api.put(
        "/api/v1/auth/user/",
        {"name": " Ada L ", "time_zone": "Asia/Tokyo"},
        format="json",
        **auth(pair),
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "Ada L"
    bad = api.put(
        "/api/v1/auth/user/",
        {"time_zone": "Mars/Olympus_Mons", "email": "eve@example.com"},
        format="json",
        **auth(pair),
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"time_zone"}
    account = ClientAccount.objects.get()
    assert (account.email, account.time_zone) == ("ada@example.com", "Asia/Tokyo")


# --- the code beside the link ---------------------------------------------------------


def test_the_emailed_code_signs_in_once(api):
    booking = booked("ada@example.com")
    ask(api, "ada@example.com")
    _, _, code = emailed("ada@example.com")
    body = {"email": "ADA@example.com", "code": code}
    response = api.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200
    pair = response.json()
    assert references(api.get("/api/v1/bookings/upcoming/", **auth(pair))) == [
        booking.reference
    ]
    again = api.post("/api/v1/auth/token/", body, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "token_invalid"


def test_the_code_and_the_link_are_used_up_together(api):
    ask(api, "ada@example.com")
    _, token, code = emailed("ada@example.com")
    api.post("/api/v1/auth/token/", {"token": token}, format="json")
    refused = api.post(
        "/api/v1/auth/token/", {"email": "ada@example.com", "code": code}, format="json"
    )
    assert refused.status_code == 400


def test_wrong_codes_burn_the_link(api, settings):
    settings.CLIENT_SIGN_IN_CODE_ATTEMPTS = 3
    raw, code = services.issue_link_and_code(email="ada@example.com")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        refused = api.post(
            "/api/v1/auth/token/",
            {"email": "ada@example.com", "code": wrong},
            format="json",
        )
        assert refused.status_code == 400
    assert SignInLink.objects.get().code_attempts == 3
    right = api.post(
        "/api/v1/auth/token/", {"email": "ada@example.com", "code": code}, format="json"
    )
    assert right.status_code == 400
    assert not ClientAccount.objects.exists()


def test_an_expired_code_or_link_is_refused(api):
    raw, code = services.issue_link_and_code(email="ada@example.com")
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    by_code = api.post(
        "/api/v1/auth/token/", {"email": "ada@example.com", "code": code}, format="json"
    )
    by_link = api.post("/api/v1/auth/token/", {"token": raw}, format="json")
    assert by_code.status_code == by_link.status_code == 400
    assert by_link.json()["code"] == "token_expired"
    assert not ClientAccount.objects.exists()


def test_a_booking_s_link_cannot_sign_in_nor_a_sign_in_link_manage(api):
    booking = booked("ada@example.com")
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    refused = api.post("/api/v1/auth/token/", {"token": manage}, format="json")
    assert refused.status_code == 400
    raw = services.issue_link(email="ada@example.com")
    as_manage = api.get("/api/v1/manage/", HTTP_X_MANAGE_TOKEN=raw)
    assert as_manage.status_code == 400
    assert services.check_link(raw)  # still unused
    assert not ClientAccount.objects.exists()


def test_link_or_code_but_not_both_nor_neither(api):
    for body in ({}, {"token": "a.b", "code": "123456"}, {"email": "a@example.com"}):
        response = api.post("/api/v1/auth/token/", body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"


def test_known_and_unknown_addresses_get_the_same_answers(
    api, django_assert_max_num_queries
):
    booked("known@example.com")
    mail.outbox.clear()
    answers = [ask(api, email) for email in ("known@example.com", "nobody@example.com")]
    assert answers[0].status_code == answers[1].status_code == 202
    assert answers[0].json() == answers[1].json()
    assert len(mail.outbox) == 2  # both get a link: following it proves the address

    # A wrong code: the same answer, and the same work, for an address with live
    # links and for one without.
    counts, bodies = [], []
    for email in ("known@example.com", "stranger@example.com"):
        with django_assert_max_num_queries(20) as done:
            response = api.post(
                "/api/v1/auth/token/", {"email": email, "code": "000000"}, format="json"
            )
        counts.append(len(done.captured_queries))
        bodies.append((response.status_code, response.json()))
    assert bodies[0] == bodies[1]
    assert counts[0] == counts[1]


# --- limits ---------------------------------------------------------------------------


def rates(settings, **changed):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **changed,
        },
    }


def test_each_role_has_its_own_hourly_limit(api, settings, booking_admin):
    pair = signed_in(api, "ada@example.com")
    rates(settings, role_anon="2/hour", role_client="3/hour", role_staff="4/hour")
    from django.core.cache import cache

    cache.clear()
    staff = bearer(booking_admin)
    callers = [
        ("anonymous", {}, "/api/v1/services/", 2),
        ("client", auth(pair), "/api/v1/auth/user/", 3),
        ("staff", staff, "/api/v1/staff/bookings/", 4),
    ]
    for name, headers, url, allowed in callers:
        for _ in range(allowed):
            assert api.get(url, **headers).status_code == 200, name
        refused = api.get(url, **headers)
        assert refused.status_code == 429, name
        assert 0 < int(refused["Retry-After"]) <= 3600
        assert refused.json()["code"] == "rate_limited"
    # A signed-in client is counted as one on public endpoints too.
    assert api.get("/api/v1/services/", **auth(pair)).status_code == 429


def test_asking_for_links_shares_the_sign_in_page_s_limit(api, settings):
    settings.BOOKING_RATE_LIMITS = {"account_sign_in": (2, 3600)}
    assert [ask(api, "ada@example.com").status_code for _ in range(3)] == [
        202,
        202,
        429,
    ]
    assert len(mail.outbox) == 2


def test_paying_with_the_access_token_starts_a_checkout(
    api,
    booking_admin,
    fake_stripe,  # noqa: F811
):
    booking = booked("ada@example.com")
    booking_services.approve(booking=booking, actor=booking_admin)
    pair = signed_in(api, "ada@example.com")
    [row] = api.get("/api/v1/bookings/upcoming/", **auth(pair)).json()["results"]
    assert row["needs_payment"] is True
    paying = api.post(f"/api/v1/bookings/{booking.reference}/pay/", **auth(pair))
    assert paying.status_code == 200, paying.json()
    session = next(iter(fake_stripe.sessions.values()))
    assert paying.json()["checkout_url"] == session["url"]
    assert paying.json()["status"] == BookingStatus.PAYMENT_PENDING
