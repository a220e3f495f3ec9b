"""The 6-digit code beside the emailed sign-in link (issue 21): typed with the
address on the "check your inbox" page, for a phone that opens mail elsewhere."""

import re

import pytest
from django.core import mail

from booking.accounts import codes, services
from booking.accounts.models import ClientAccount, SignInLink

pytestmark = pytest.mark.django_db

CODE = re.compile(r"enter this code: (\d{3} \d{3})")


def ask(client, email):
    return client.post("/account/sign-in/", {"email": email, "website": ""})


def emailed_code(to: str) -> str:
    sent = [m for m in mail.outbox if to in m.to]
    return CODE.search(sent[-1].body)[1]


def test_the_inbox_page_takes_the_emailed_code(client):
    page = ask(client, "Ada@Example.com")
    assert b'autocomplete="one-time-code"' in page.content
    assert b'value="Ada@Example.com"' in page.content  # the address typed
    html = mail.outbox[-1].alternatives[0][0]
    code = emailed_code("ada@example.com")
    assert code in html

    response = client.post(
        "/account/code/", {"email": "ada@example.com", "code": code}, follow=True
    )
    assert b"Signed in as <strong>ada@example.com</strong>" in response.content
    assert SignInLink.objects.get().used_at is not None  # the link with it


def test_a_wrong_code_is_refused_on_the_same_page_and_counts(client):
    ask(client, "ada@example.com")
    code = emailed_code("ada@example.com").replace(" ", "")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(
        "/account/code/", {"email": "ada@example.com", "code": wrong}
    )
    assert response.status_code == 400
    assert services.WRONG_CODE.encode() in response.content.replace(b"&#x27;", b"'")
    assert b'aria-invalid="true"' in response.content
    assert SignInLink.objects.get().code_attempts == 1
    assert client.get("/account/").status_code == 302


def test_codes_are_six_digits_and_only_a_keyed_digest_is_kept():
    raw, code = services.issue_link_and_code(email="ada@example.com")
    link = SignInLink.objects.get()
    assert re.fullmatch(r"\d{6}", code)
    assert link.code_hash == codes.digest(link.key, code)
    assert code not in link.code_hash
    assert codes.normalise(" 123-456 ") == "123456"
    for bad in ("12345", "1234567", "12a456", "١٢٣٤٥٦", None, "1" * 100):
        assert codes.normalise(bad) is None


def test_enough_wrong_codes_burn_every_live_link(settings):
    settings.CLIENT_SIGN_IN_CODE_ATTEMPTS = 2
    _, first = services.issue_link_and_code(email="ada@example.com")
    _, second = services.issue_link_and_code(email="ada@example.com")
    wrong = next(c for c in ("000000", "000001", "000002") if c not in (first, second))
    for _ in range(2):
        with pytest.raises(services.TokenError):
            services.sign_in_with_code(email="ada@example.com", code=wrong)
    for code in (first, second):
        with pytest.raises(services.TokenError):
            services.sign_in_with_code(email="ada@example.com", code=code)
    assert not ClientAccount.objects.exists()


def test_code_attempts_share_the_link_page_s_limit(client, settings):
    settings.BOOKING_RATE_LIMITS = {"account_link": (1, 3600)}
    body = {"email": "ada@example.com", "code": "000000"}
    assert client.post("/account/code/", body).status_code == 400
    response = client.post("/account/code/", body)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
