"""Likes, saves and comments on the stream (issue 25), as a client sees them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking.accounts.models import ClientAccount
from booking.streams import services
from booking.streams.models import Comment, PageCounts, Reaction
from tests.booking.streams.conftest import add_post

pytestmark = pytest.mark.django_db


def counts(page):
    row = PageCounts.objects.filter(page_id=page.pk).first()
    return (row.likes, row.saves, row.comments) if row else (0, 0, 0)


def test_a_client_likes_a_post_and_pressing_again_undoes_it(signed_in, post):
    url = f"/stream/{post.pk}/like/toggle/"
    response = signed_in.post(url, {"next": "/stream/"})
    assert response.status_code == 302 and response["Location"] == "/stream/"
    assert counts(post) == (1, 0, 0)
    page = signed_in.get(post.url)
    assert 'aria-pressed="true"' in page.content.decode()
    signed_in.post(url)
    assert counts(post) == (0, 0, 0)
    assert not Reaction.objects.exists()


def test_saved_posts_and_articles_are_listed_on_the_account(signed_in, post, site):
    signed_in.post(f"/stream/{post.pk}/save/toggle/")
    signed_in.post(f"/stream/{site['article'].pk}/save/toggle/")
    page = signed_in.get("/account/saved/").content.decode()
    assert "First light" in page and "On sleep" in page
    assert "/account/saved/" in signed_in.get("/account/").content.decode()
    assert counts(post) == (0, 1, 0)


def test_an_offsite_next_is_not_followed(signed_in, post):
    response = signed_in.post(
        f"/stream/{post.pk}/like/toggle/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == post.url


def test_signed_out_visitors_are_sent_to_sign_in_and_nothing_is_kept(client, post):
    response = client.post(f"/stream/{post.pk}/like/toggle/")
    assert response["Location"] == "/account/sign-in/"
    response = client.post(f"/stream/{post.pk}/comment/", {"body": "Hi"})
    assert response["Location"] == "/account/sign-in/"
    assert not Reaction.objects.exists() and not Comment.objects.exists()
    assert client.get("/account/saved/")["Location"] == "/account/sign-in/"


def test_forms_need_post_and_a_csrf_token(account, post, signed_in):
    assert signed_in.get(f"/stream/{post.pk}/like/toggle/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = signed_in.cookies
    assert strict.post(f"/stream/{post.pk}/like/toggle/").status_code == 403
    assert not Reaction.objects.exists()


def test_only_posts_and_articles_can_be_liked(signed_in, site):
    author = site["author"]
    signed_in.post(f"/stream/{author.pk}/like/toggle/")
    signed_in.post(f"/stream/{site['article'].pk}/bookmark/toggle/")
    signed_in.post(f"/stream/{author.pk}/comment/", {"body": "Hello"})
    assert not Reaction.objects.exists() and not Comment.objects.exists()


def test_a_draft_post_cannot_be_liked(signed_in, post):
    post.unpublish()
    signed_in.post(f"/stream/{post.pk}/like/toggle/")
    assert not Reaction.objects.exists()


def test_comments_wait_for_an_editor_by_default(signed_in, post):
    response = signed_in.post(
        f"/stream/{post.pk}/comment/", {"body": "This helped me.", "next": post.url}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.display_name == "Ada Lovelace"
    assert comment.consultant == post.author.consultant
    assert "This helped me." not in signed_in.get(post.url).content.decode()
    assert counts(post)[2] == 0
    services.decide(comment, approve=True)
    assert "This helped me." in signed_in.get(post.url).content.decode()
    assert counts(post)[2] == 1
    services.decide(comment, approve=False)
    assert counts(post)[2] == 0


def test_without_moderation_a_comment_shows_at_once(signed_in, post, settings):
    settings.STREAM_COMMENTS_MODERATED = False
    signed_in.post(f"/stream/{post.pk}/comment/", {"body": "Straight on."})
    assert "Straight on." in signed_in.get(post.url).content.decode()
    assert counts(post)[2] == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_an_empty_or_long_comment_is_refused(signed_in, post, body):
    response = signed_in.post(
        f"/stream/{post.pk}/comment/", {"body": body}, follow=True
    )
    assert not Comment.objects.exists()
    text = response.content.decode()
    assert "Write your comment first." in text or "at most 2000" in text


def test_comments_are_rate_limited(signed_in, post, settings):
    settings.BOOKING_RATE_LIMITS = {"stream_comment": (2, 3600)}
    for n in range(2):
        signed_in.post(f"/stream/{post.pk}/comment/", {"body": f"Comment {n}"})
    response = signed_in.post(f"/stream/{post.pk}/comment/", {"body": "One more"})
    assert response.status_code == 429
    assert Comment.objects.count() == 2


def test_a_client_reports_an_approved_comment(signed_in, post, account):
    comment = services.comment(account=account, page_id=post.pk, body="Rude")
    response = signed_in.post(f"/stream/comments/{comment.pk}/report/")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.reports == 0  # still pending: nothing on the site to report
    services.decide(comment, approve=True)
    assert "Report" in signed_in.get(post.url).content.decode()
    signed_in.post(f"/stream/comments/{comment.pk}/report/")
    comment.refresh_from_db()
    assert comment.reports == 1


def test_articles_have_likes_and_comments_too(signed_in, site):
    article = site["article"]
    signed_in.post(f"/stream/{article.pk}/like/toggle/")
    page = signed_in.get(article.url).content.decode()
    assert 'aria-pressed="true"' in page and "Your comment" in page


def test_the_consultants_page_shows_their_latest_posts(client, site):
    for n in range(4):
        add_post(site, f"Post {n}")
    page = client.get(site["author"].url).content.decode()
    assert "Latest posts" in page
    assert sum(f"Post {n}" in page for n in range(4)) == 3


def test_a_post_behind_a_view_restriction_is_not_on_the_consultants_page(
    client, site, settings
):
    from wagtail.models import PageViewRestriction

    settings.PAGE_CACHE_SECONDS = 0  # the page is read twice
    add_post(site, "Open post")
    hidden = add_post(site, "Members only")
    PageViewRestriction.objects.create(
        page=hidden, restriction_type=PageViewRestriction.LOGIN
    )
    page = client.get(site["author"].url).content.decode()
    assert "Open post" in page and "Members only" not in page
    PageViewRestriction.objects.create(
        page=site["stream"], restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert "Open post" not in client.get(site["author"].url).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _like_everything(n_accounts: int, pages) -> None:
    """New accounts, each liking every page."""
    start = ClientAccount.objects.count()
    for i in range(start, start + n_accounts):
        someone = ClientAccount.objects.create(email=f"c{i}@example.com")
        for page in pages:
            services.toggle(account=someone, page_id=page.pk, kind="like")


def test_listing_queries_do_not_grow_with_posts_or_likes(signed_in, site):
    posts = [add_post(site, f"Post {n}") for n in range(2)]
    _like_everything(1, posts)
    signed_in.get("/stream/")  # warm Wagtail's site and settings caches
    few = _queries(signed_in, "/stream/")
    api_few = _queries(signed_in, "/api/v1/streams/")
    posts += [add_post(site, f"More {n}") for n in range(4)]
    _like_everything(3, posts)
    page = signed_in.get("/stream/").content.decode()
    assert page.count('class="stream-count">4<') == 2
    assert _queries(signed_in, "/stream/") == few
    assert _queries(signed_in, "/api/v1/streams/") == api_few
