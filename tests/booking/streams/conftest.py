import time

import pytest
from django.core.cache import cache

from booking.accounts import signin
from booking.accounts.models import ClientAccount
from cms.models import ArticlePage, StreamIndexPage, StreamPost
from tests.factories import build_site, publish_consultant_page


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db):
    home, team, articles = build_site()
    stream = home.add_child(instance=StreamIndexPage(title="Stream", slug="stream"))
    author = publish_consultant_page(team, "Maya Green")
    article = articles.add_child(
        instance=ArticlePage(title="On sleep", slug="on-sleep", intro="Sleep.", body=[])
    )
    return {"stream": stream, "author": author, "article": article}


@pytest.fixture
def post(site):
    return add_post(site, "First light")


def add_post(site, title, **fields):
    return site["stream"].add_child(
        instance=StreamPost(
            title=title,
            text=f"{title}: a few words.",
            author=site["author"],
            article=site["article"],
            **fields,
        )
    )


@pytest.fixture
def account(db):
    return ClientAccount.objects.create(email="ada@example.com", name="Ada Lovelace")


@pytest.fixture
def signed_in(client, account):
    """The test client signed in as `account` (the session keys signin sets)."""
    session = client.session
    session[signin.ACCOUNT] = account.pk
    session[signin.EPOCH] = account.session_epoch
    session[signin.EXPIRES] = int(time.time()) + 3600
    session.save()
    return client
