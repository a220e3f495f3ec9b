"""Streams in the data bundle and erasure, at /api/v1/streams/, and moderated in
the admin (issue 25)."""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission

from booking.privacy import erasure, lookup
from booking.streams import services
from booking.streams.models import Comment, PageCounts, Reaction
from tests.booking.streams.conftest import add_post
from tests.factories import ConsultantFactory, UserFactory

pytestmark = pytest.mark.django_db


def engage(account, post):
    services.toggle(account=account, page_id=post.pk, kind="like")
    services.toggle(account=account, page_id=post.pk, kind="save")
    comment = services.comment(account=account, page_id=post.pk, body="Kind words")
    return services.decide(comment, approve=True)


def test_the_bundle_holds_likes_saves_and_comments(account, post):
    engage(account, post)
    assert lookup.client_data("ada@example.com").counts()["stream_activity"] == 3
    content = lookup.export_bundle(email="ADA@example.com", user=None)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        rows = json.loads(bundle.read("data.json"))["stream_activity"]
        assert "Kind words" in bundle.read("stream_activity.csv").decode()
    assert sorted(row["kind"] for row in rows) == ["Comment", "Like", "Save"]
    assert {row["page"] for row in rows} == {"First light"}


def test_erasure_deletes_them_and_the_counts_follow(account, post):
    engage(account, post)
    assert PageCounts.objects.get(page_id=post.pk).comments == 1
    erasure.erase_client(email="ada@example.com", user=UserFactory())
    assert not Reaction.objects.exists() and not Comment.objects.exists()
    counts = PageCounts.objects.get(page_id=post.pk)
    assert (counts.likes, counts.saves, counts.comments) == (0, 0, 0)


def test_the_api_lists_posts_newest_first_with_counts(client, account, site, post):
    engage(account, post)
    later = add_post(site, "Second light")
    later.save_revision().publish()
    response = client.get("/api/v1/streams/?page_size=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"]
    (first,) = body["results"]
    assert first["title"] == "Second light"
    second = client.get("/api/v1/streams/?page_size=1&page=2").json()["results"][0]
    assert (second["likes"], second["saves"], second["comments"]) == (1, 1, 1)
    assert second["author"] == "Maya Green"
    assert second["consultant_id"] == site["author"].consultant_id
    assert second["article_url"].endswith("/journal/on-sleep/")


def test_the_api_refuses_a_page_past_the_end_with_its_error_body(client, post):
    response = client.get("/api/v1/streams/?page=9")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message"}


def test_an_editor_approves_a_comment_in_the_admin(client, account, post):
    comment = services.comment(account=account, page_id=post.pk, body="Thanks")
    editor = UserFactory(is_superuser=True)
    client.force_login(editor)
    listing = client.get("/admin/snippets/booking/comment/?status=pending")
    assert "Thanks" in listing.content.decode()
    url = f"/admin/snippets/booking/comment/edit/{comment.pk}/"
    response = client.post(url, {"status": "approved", "reply": ""})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert PageCounts.objects.get(page_id=post.pk).comments == 1


def test_a_consultant_replies_on_their_own_posts_only(client, account, site, post):
    comment = services.comment(account=account, page_id=post.pk, body="Thanks")
    author = UserFactory()
    author.user_permissions.add(Permission.objects.get(codename="access_admin"))
    site["author"].consultant.user = author
    site["author"].consultant.save()
    client.force_login(author)
    url = f"/admin/snippets/booking/comment/edit/{comment.pk}/"
    response = client.post(url, {"status": "approved", "reply": "Glad it helped."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.reply == "Glad it helped."
    other = UserFactory()
    other.user_permissions.add(Permission.objects.get(codename="access_admin"))
    ConsultantFactory(user=other)
    client.force_login(other)
    assert client.get(url).status_code in (302, 403)
    listing = client.get("/admin/snippets/booking/comment/")
    assert "Thanks" not in listing.content.decode()
