"""A client may add, change or remove a password, and sign in with it on a page
of its own: the same answer for every reason it fails, the hasher's work done
either way, rate limited; changing it signs out every other browser."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from booking.accounts import passwords
from booking.accounts.models import ClientAccount
from booking.core.errors import BookingError

pytestmark = pytest.mark.django_db
GOOD = "correct horse battery"


class CountingHasher(MD5PasswordHasher):
    """Fast for tests, and counts the work: one hash per answer, whatever the
    address (what keeps the timing alike)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0


def add(client, password=GOOD, again=None, current=None):
    data = {"password": password, "again": again or password}
    if current is not None:
        data["current"] = current
    return client.post("/account/password/", data)


def with_password(sign_in, email="ada@example.com"):
    client = sign_in(email)
    assert add(client).status_code == 302
    return client


def password_sign_in(client, email, password):
    return client.post(
        "/account/sign-in/password/",
        {"email": email, "password": password, "website": ""},
    )


def test_a_client_adds_a_password_and_signs_in_with_it(sign_in):
    client = with_password(sign_in)
    account = ClientAccount.objects.get()
    assert account.has_password and GOOD not in account.password
    client.post("/account/sign-out/")
    response = password_sign_in(Client(), "ADA@example.com", GOOD)
    assert response.status_code == 302 and response.url == "/account/"


def test_a_weak_or_mismatched_password_is_refused_and_nothing_changes(sign_in):
    client = sign_in("ada@example.com")
    response = add(client, "password")
    assert response.status_code == 400
    assert b"too common" in response.content
    response = add(client, GOOD, again=GOOD + "!")
    assert response.status_code == 400
    assert b"not the same" in response.content
    assert not ClientAccount.objects.get().has_password


def test_changing_needs_the_current_password_and_signs_out_elsewhere(sign_in):
    client = with_password(sign_in)
    other = Client()
    assert password_sign_in(other, "ada@example.com", GOOD).status_code == 302
    assert other.get("/account/").status_code == 200

    wrong = add(client, "another fine phrase", current="nope")
    assert wrong.status_code == 400
    assert b"current password is not right" in wrong.content
    assert other.get("/account/").status_code == 200

    assert add(client, "another fine phrase", current=GOOD).status_code == 302
    assert client.get("/account/").status_code == 200  # this browser stays
    assert other.get("/account/").status_code == 302  # every other is out
    assert password_sign_in(Client(), "ada@example.com", GOOD).status_code == 400


def test_removing_the_password_goes_back_to_links_only(sign_in):
    client = with_password(sign_in)
    refused = client.post("/account/password/remove/", {"current": "nope"})
    assert refused.status_code == 400
    assert ClientAccount.objects.get().has_password
    assert (
        client.post("/account/password/remove/", {"current": GOOD}).status_code == 302
    )
    assert not ClientAccount.objects.get().has_password
    assert password_sign_in(Client(), "ada@example.com", GOOD).status_code == 400


def test_every_failure_gets_the_same_answer_and_the_same_hashing(sign_in):
    with_password(sign_in)
    ClientAccount.objects.create(email="linkonly@example.com")
    answers = []
    for email, password in (
        ("ada@example.com", "wrong one"),
        ("linkonly@example.com", "wrong one"),
        ("stranger@example.com", "wrong one"),
    ):
        CountingHasher.calls = 0
        fresh = Client()
        response = password_sign_in(fresh, email, password)
        assert response.status_code == 400
        answers.append(
            (
                response.content.replace(
                    response.context["csrf_token"].encode(), b""
                ).replace(email.encode(), b""),
                CountingHasher.calls,
            )
        )
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] == 1
    assert b"do not match an account with a password" in answers[0][0]


def test_password_sign_in_is_rate_limited_per_address(sign_in, settings):
    settings.BOOKING_RATE_LIMITS = {"account_password": (2, 900)}
    with_password(sign_in)
    for _ in range(2):
        assert password_sign_in(Client(), "ada@example.com", "x").status_code == 400
    response = password_sign_in(Client(), "ada@example.com", GOOD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"


def test_the_services_refuse_without_the_current_password():
    account = ClientAccount.objects.create(email="ada@example.com")
    with pytest.raises(BookingError):
        passwords.remove_password(account=account, current="")
    account = passwords.set_password(account=account, password=GOOD)
    with pytest.raises(BookingError):
        passwords.set_password(account=account, password="a new phrase here")
