"""Who may do what to pages (issue 27): a consultant reads and changes their own
profile page and no other, by whatever admin URL (bulk actions, drafts, revisions,
history, previews, the admin's page API); editors delete pages as well as publish
them (booking/core/roles.py)."""

import pytest
from django.urls import reverse
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.models import Page

from booking.core.roles import CONSULTANTS, EDITORS
from cms.models import ArticlePage, ConsultantPage
from tests.factories import (
    ConsultantFactory,
    build_site,
    member,
    publish_consultant_page,
)

pytestmark = pytest.mark.django_db

PRIVATE = "Noah's unpublished words"

# Every bulk action Wagtail offers on pages (delete, move, publish, unpublish).
PAGE_BULK_ACTIONS = sorted(
    action.action_type
    for action in bulk_action_registry.get_bulk_actions_for_model("wagtailcore", "page")
)


def draft_consultant_page(team, name, consultant, bio):
    """A profile page that was never published: its only text is a draft."""
    page = ConsultantPage(
        title=name,
        consultant=consultant,
        role="Counsellor",
        summary=f"{name} helps.",
        bio=f"<p>{bio}</p>",
        live=False,
    )
    team.add_child(instance=page)
    page.save_revision()
    return page


def linked_consultant(name, username):
    consultant = ConsultantFactory(name=name)
    consultant.user = member(CONSULTANTS, username=username)
    consultant.save()
    return consultant


@pytest.fixture
def pages():
    """Maya (a consultant with a live profile page and a draft of it) and Noah's
    unpublished page with two draft revisions."""
    _, team, journal = build_site()
    maya = linked_consultant("Maya Stone", "maya")
    mine = publish_consultant_page(team, "Maya Stone", consultant=maya)
    mine.bio = "<p>Maya's next draft</p>"
    mine.save_revision()
    noah = linked_consultant("Noah Park", "noah")
    theirs = draft_consultant_page(team, "Noah Park", noah, "First draft")
    theirs.bio = f"<p>{PRIVATE}</p>"
    theirs.save_revision()
    return maya.user, team, journal, mine, theirs


def state(page):
    """What a bulk action could change about a page."""
    return (
        Page.objects.filter(pk=page.pk)
        .values(
            "path", "live", "title", "latest_revision_id", "has_unpublished_changes"
        )
        .first()
    )


def bulk(client, action, page, **data):
    return client.post(
        f"/admin/bulk/wagtailcore/page/{action}/?id={page.pk}", data, follow=False
    )


# --- bulk actions ---------------------------------------------------------------------


def test_wagtail_registers_these_bulk_actions_on_pages():
    """If Wagtail adds one, the tests below cover it; this names what they cover."""
    assert PAGE_BULK_ACTIONS == ["delete", "move", "publish", "unpublish"]


@pytest.mark.parametrize("live", [False, True], ids=["unpublished", "live"])
@pytest.mark.parametrize("action", PAGE_BULK_ACTIONS)
def test_a_consultant_cannot_bulk_act_on_another_consultants_page(
    client, pages, action, live
):
    maya, team, _, _, theirs = pages
    if live:
        theirs.get_latest_revision().publish()
    before = state(theirs)
    client.force_login(maya)

    response = bulk(client, action, theirs, chooser=team.pk)

    # Refused: a plain 403, or (moving) Wagtail's form saying they may not move it.
    assert response.status_code in (403, 200)
    assert response.status_code == 403 or action == "move"
    assert state(theirs) == before


def test_a_consultant_bulk_deletes_their_own_unpublished_page(client, pages):
    """The one bulk action Wagtail's own permissions give a consultant (who may
    change, not publish or add pages) on their own page."""
    maya, team, _, _, _ = pages
    own = draft_consultant_page(team, "Maya's second", maya.consultant, "Spare")
    client.force_login(maya)

    response = bulk(client, "delete", own)

    assert response.status_code == 302
    assert not Page.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("action", ["publish", "unpublish", "move"])
def test_a_consultants_own_page_is_left_to_wagtails_permissions(client, pages, action):
    """Not refused as someone else's: Wagtail itself lets a consultant neither
    publish nor move, so nothing changes."""
    maya, team, _, mine, _ = pages
    before = state(mine)
    client.force_login(maya)

    response = bulk(client, action, mine, chooser=team.pk)

    assert response.status_code != 403
    assert state(mine) == before


def test_editors_bulk_publish_any_consultants_page(client, pages):
    _, _, _, _, theirs = pages
    client.force_login(member(EDITORS))

    response = bulk(client, "publish", theirs)

    assert response.status_code == 302
    assert Page.objects.get(pk=theirs.pk).live


# --- drafts, revisions, history, previews and the admin's page API --------------------


def page_urls(page):
    """Every admin URL that shows a page's unpublished text or its history."""
    first, latest = page.revisions.order_by("pk")[:2]
    return {
        "view draft": reverse("wagtailadmin_pages:view_draft", args=(page.pk,)),
        "revision": reverse(
            "wagtailadmin_pages:revisions_view", args=(page.pk, latest.pk)
        ),
        "compare": reverse(
            "wagtailadmin_pages:revisions_compare", args=(page.pk, first.pk, latest.pk)
        ),
        "history": reverse("wagtailadmin_pages:history", args=(page.pk,)),
        "history results": reverse(
            "wagtailadmin_pages:history_results", args=(page.pk,)
        ),
        "preview": reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,)),
        "page API": f"/admin/api/main/pages/{page.pk}/",
    }


VIEWS = [
    "view draft",
    "revision",
    "compare",
    "history",
    "history results",
    "preview",
    "page API",
]


@pytest.mark.parametrize("view", VIEWS)
def test_a_consultant_cannot_read_another_consultants_drafts(client, pages, view):
    maya, _, _, _, theirs = pages
    client.force_login(maya)

    response = client.get(page_urls(theirs)[view])

    assert response.status_code in (403, 404)
    assert PRIVATE not in response.content.decode()


@pytest.mark.parametrize("view", VIEWS)
def test_a_consultant_reads_their_own_drafts(client, pages, view):
    maya, _, _, mine, _ = pages
    client.force_login(maya)

    response = client.get(page_urls(mine)[view])

    assert response.status_code == 200


def test_the_page_api_lists_only_the_consultants_own_page(client, pages):
    maya, team, _, mine, theirs = pages
    client.force_login(maya)

    listed = client.get(
        f"/admin/api/main/pages/?child_of={team.pk}&for_explorer=1"
    ).json()

    assert [item["id"] for item in listed["items"]] == [mine.pk]
    action = client.post(
        f"/admin/api/main/pages/{theirs.pk}/action/delete/",
        content_type="application/json",
    )
    assert action.status_code in (403, 404)
    assert Page.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("view", VIEWS)
def test_editors_read_every_consultants_drafts(client, pages, view):
    _, _, _, _, theirs = pages
    client.force_login(member(EDITORS))

    assert client.get(page_urls(theirs)[view]).status_code == 200


# --- editors delete pages -------------------------------------------------------------


def test_editors_delete_pages_they_may_edit_but_not_whole_sections(client):
    """booking/core/roles.py: deleting is part of Wagtail's "change" permission;
    Editors have no "bulk_delete", so a page with pages below it stays."""
    _, _, journal = build_site()
    article = journal.add_child(
        instance=ArticlePage(title="Spring", slug="spring", intro="Hello")
    )
    article.save_revision().publish()
    client.force_login(member(EDITORS))

    deleted = client.post(reverse("wagtailadmin_pages:delete", args=(article.pk,)))
    assert deleted.status_code == 302
    assert not Page.objects.filter(pk=article.pk).exists()

    journal.add_child(instance=ArticlePage(title="Autumn", slug="autumn", intro="Hi"))
    client.post(reverse("wagtailadmin_pages:delete", args=(journal.pk,)))
    assert Page.objects.filter(pk=journal.pk).exists()


def test_a_consultant_edits_their_page_when_the_roles_came_after_the_site(client):
    """A database whose pages exist before its roles (a practice that set up the site
    first, or a flushed test database): when the Consultants group appears, it gets
    the right to edit consultant pages, so a consultant's editor opens."""
    from django.contrib.auth.models import Group

    Group.objects.all().delete()
    _, team, _ = build_site()
    maya = linked_consultant("Maya Stone", "maya")  # creates the roles' groups
    page = draft_consultant_page(team, "Maya Stone", maya, "Hello")
    client.force_login(maya.user)
    response = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert response.status_code == 200
    assert b'id="id_summary"' in response.content
