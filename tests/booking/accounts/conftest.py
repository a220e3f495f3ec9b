import re

import pytest
from django.core import mail
from django.core.cache import cache

LINK = re.compile(r"https?://\S+/account/link/([A-Za-z0-9_.-]+)/")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def emailed_token(to: str) -> str:
    """The raw token of the latest sign-in link emailed to `to`."""
    to = to.lower()
    sent = [m for m in mail.outbox if to in m.to and "sign-in link" in m.subject]
    assert sent, f"no sign-in email to {to}"
    return LINK.search(sent[-1].body)[1]


@pytest.fixture
def sign_in(client):
    """Sign the test client in as `email` the way a person does: ask, follow the
    emailed link, press the button."""

    def as_client(email: str):
        client.post("/account/sign-in/", {"email": email, "website": ""})
        response = client.post(f"/account/link/{emailed_token(email)}/")
        assert response.status_code == 302, response.content
        return client

    return as_client
