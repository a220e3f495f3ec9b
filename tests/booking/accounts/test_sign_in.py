"""Signing in with an emailed link: single-use, short-lived, hashed, bound to
signing in, rate limited, and the same answer for every address."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.accounts import services
from booking.accounts.models import ClientAccount, SignInLink
from booking.core import tokens
from booking.core.errors import TokenError, TokenExpired, TokenUsed
from tests.booking.accounts.conftest import emailed_token
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


def ask(client, email):
    return client.post("/account/sign-in/", {"email": email, "website": ""})


def test_the_emailed_link_signs_in_once_and_shows_my_sessions(client):
    response = ask(client, "Ada@Example.com")
    assert b"Check your inbox" in response.content
    token = emailed_token("ada@example.com")
    # Opening the link (as mail scanners do) does not use it up.
    assert client.get(f"/account/link/{token}/").status_code == 200
    response = client.post(f"/account/link/{token}/", follow=True)
    assert b"Signed in as <strong>ada@example.com</strong>" in response.content
    assert ClientAccount.objects.get().email == "ada@example.com"

    client.post("/account/sign-out/")
    again = client.post(f"/account/link/{token}/")
    assert again.status_code == 400
    assert b"used already" in again.content
    assert client.get("/account/").url == "/account/sign-in/"


def test_only_a_digest_of_the_secret_is_kept(client):
    ask(client, "ada@example.com")
    key, secret = emailed_token("ada@example.com").split(".")
    link = SignInLink.objects.get(key=key)
    assert link.secret_hash == tokens.digest(secret)
    assert secret not in link.secret_hash


def test_an_expired_link_is_refused_and_says_so(client):
    raw = services.issue_link(email="ada@example.com")
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(TokenExpired):
        services.sign_in_with_link(raw=raw)
    response = client.post(f"/account/link/{raw}/")
    assert response.status_code == 400
    assert b"expired" in response.content
    assert not ClientAccount.objects.exists()


def test_a_booking_link_cannot_sign_in_and_a_sign_in_link_cannot_verify(client):
    _, verify = make_draft(client_email="ada@example.com")
    with pytest.raises(TokenError):
        services.sign_in_with_link(raw=verify)
    raw = services.issue_link(email="ada@example.com")
    response = client.post(f"/book/verify/{raw}/")
    assert response.status_code == 400
    assert services.check_link(raw)  # still unused


def test_a_forged_or_malformed_link_is_refused(client):
    raw = services.issue_link(email="ada@example.com")
    key = raw.split(".")[0]
    for bad in (f"{key}.wrong", "nonsense", "a\x00b", ""):
        with pytest.raises(TokenError):
            services.check_link(bad)
    assert client.post("/account/link/x.y/").status_code == 400


def test_known_and_unknown_addresses_get_the_same_answer(client):
    make_draft(client_email="known@example.com")
    mail.outbox.clear()
    known = ask(client, "known@example.com")
    unknown = ask(client, "stranger@example.com")
    assert known.status_code == unknown.status_code == 200
    # The same page, but for the address typed (kept in the code form).
    assert known.content.replace(known.context["csrf_token"].encode(), b"").replace(
        b"known@", b"@"
    ) == unknown.content.replace(unknown.context["csrf_token"].encode(), b"").replace(
        b"stranger@", b"@"
    )
    # Both get a link: following it is what proves an address.
    assert {m.to[0] for m in mail.outbox} == {
        "known@example.com",
        "stranger@example.com",
    }


def test_asking_is_rate_limited_per_address(client, settings):
    settings.BOOKING_RATE_LIMITS = {"account_sign_in": (2, 3600)}
    assert ask(client, "ada@example.com").status_code == 200
    assert ask(client, "ada@example.com").status_code == 200
    response = ask(client, "ada@example.com")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert len(mail.outbox) == 2


def test_a_bad_address_is_a_clear_error_and_sends_nothing(client):
    response = ask(client, "not an address")
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert not mail.outbox
    assert not SignInLink.objects.exists()


def test_signing_out_everywhere_ends_other_sessions(client, django_user_model, sign_in):
    from django.test import Client

    other = Client()
    other.post("/account/sign-in/", {"email": "ada@example.com", "website": ""})
    other.post(f"/account/link/{emailed_token('ada@example.com')}/")
    assert other.get("/account/").status_code == 200

    sign_in("ada@example.com")
    client.post("/account/sign-out-everywhere/")
    assert other.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 302


def test_the_client_session_expires_on_its_own(sign_in, settings, monkeypatch):
    settings.CLIENT_SESSION_HOURS = 2
    client = sign_in("ada@example.com")
    assert client.get("/account/").status_code == 200
    later = time.time() + 2 * 3600 + 1
    monkeypatch.setattr("booking.accounts.signin.time.time", lambda: later)
    assert client.get("/account/").url == "/account/sign-in/"


def test_a_client_signing_in_leaves_a_staff_login_and_its_expiry_alone(
    client, django_user_model, settings
):
    """Staff signed in to the admin in the same browser: the client's session
    lives in the same Django session, but its expiry is the client's own."""
    settings.CLIENT_SESSION_HOURS = 1
    staff = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(staff)
    before = client.session.get_expiry_age()
    client.post("/account/sign-in/", {"email": "ada@example.com", "website": ""})
    client.post(f"/account/link/{emailed_token('ada@example.com')}/")
    assert client.get("/account/").status_code == 200
    session = client.session
    assert session.get_expiry_age() == before == settings.SESSION_COOKIE_AGE
    assert "_session_expiry" not in session
    assert session["_auth_user_id"] == str(staff.pk)
    client.post("/account/sign-out/")
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_signing_in_twice_keeps_one_account_per_address(client, sign_in):
    sign_in("ada@example.com")
    client.post("/account/sign-out/")
    sign_in("ADA@example.com")
    assert ClientAccount.objects.count() == 1
    with pytest.raises(TokenUsed):
        services.sign_in_with_link(raw=emailed_token("ada@example.com"))


def test_the_request_does_the_same_work_for_known_and_unknown_addresses(
    client, monkeypatch, django_assert_max_num_queries
):
    """Equal timing by construction: the request only queues a job, with the
    same queries and the same call whether or not the address has bookings or
    an account (the job, later, emails either one)."""
    make_draft(client_email="known@example.com")
    ClientAccount.objects.create(email="known@example.com")
    queued = []
    monkeypatch.setattr(
        "booking.accounts.services.async_task",
        lambda *args, **kwargs: queued.append((args[0], kwargs)),
    )
    client.get("/account/sign-in/")  # the site's settings are cached from now on
    counts = []
    for email in ("known@example.com", "stranger@example.com"):
        with django_assert_max_num_queries(50) as done:
            ask(client, email)
        counts.append(len(done.captured_queries))
    assert counts[0] == counts[1]
    assert queued[0] == queued[1]
    assert queued[0][0] == "booking.accounts.emails.send_sign_in_link"
