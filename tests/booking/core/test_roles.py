"""The back office's roles: the groups the migration makes, what each role sees in
the menu and on the dashboard, and a consultant's page rights (their own profile
page only, whatever URL they type)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupCollectionPermission, GroupPagePermission, Page

from booking.core.roles import (
    BOOKING_ADMINS,
    CONSULTANTS,
    EDITORS,
    ROLES,
    STAFF,
    ensure_roles,
)
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from cms.models import ConsultantIndexPage
from tests.availability_factories import bulk_bookings
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    build_site,
    make_draft,
    next_monday_at,
    publish_consultant_page,
)

pytestmark = pytest.mark.django_db


def member(group: str, **fields):
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=group))
    return type(user).objects.get(pk=user.pk)


def codenames(group: str) -> set[str]:
    return set(
        Group.objects.get(name=group).permissions.values_list("codename", flat=True)
    )


# --- the groups ----------------------------------------------------------------------


def test_the_migration_made_the_four_roles():
    """No `ensure_roles()` here: what the test database has, migrate made."""
    assert {role.name for role in ROLES} <= set(
        Group.objects.values_list("name", flat=True)
    )
    assert codenames(STAFF) == {
        "access_admin",
        "view_booking",
        "import_spreadsheets",
        "add_apitoken",
        "view_apitoken",
        "delete_apitoken",
    }
    assert {
        "approve_booking",
        "reject_booking",
        "cancel_booking",
        "complete_booking",
        "mark_no_show",
        "reschedule_booking",
        "record_offline_payment",
        "override_availability",
        "add_booking",
        "view_booking",
        "change_consultant",
        "change_outboxemail",
        "add_apitoken",
        "add_invitation",
        "change_invitation",
        "view_application",
        "decide_application",
    } <= codenames(BOOKING_ADMINS)
    assert {
        "add_consultant",
        "add_service",
        "change_service",
        "view_service",
        "add_servicecategory",
        "change_servicecategory",
        "delete_servicecategory",
    } <= codenames(BOOKING_ADMINS)
    assert "delete_booking" not in codenames(BOOKING_ADMINS)
    assert not {"delete_consultant", "delete_service"} & codenames(BOOKING_ADMINS)
    assert codenames(CONSULTANTS) == {"access_admin"}
    root = Page.objects.get(depth=1)
    editor_pages = GroupPagePermission.objects.filter(group__name=EDITORS, page=root)
    assert {"add_page", "change_page", "publish_page"} <= set(
        editor_pages.values_list("permission__codename", flat=True)
    )
    assert {"add_image", "choose_image", "add_document", "change_document"} <= set(
        GroupCollectionPermission.objects.filter(group__name=EDITORS).values_list(
            "permission__codename", flat=True
        )
    )


def test_ensuring_the_roles_again_changes_nothing_and_keeps_hand_made_grants():
    extra = Permission.objects.get(codename="view_consultant")
    Group.objects.get(name=STAFF).permissions.add(extra)
    before = {role.name: codenames(role.name) for role in ROLES}

    ensure_roles()
    ensure_roles()

    assert {role.name: codenames(role.name) for role in ROLES} == before
    assert "view_consultant" in codenames(STAFF)
    assert Group.objects.filter(name=STAFF).count() == 1


def test_a_new_consultant_index_lets_consultants_change_pages_below_it():
    _, team, _ = build_site()

    grant = GroupPagePermission.objects.get(group__name=CONSULTANTS)

    assert (grant.page_id, grant.permission.codename) == (team.pk, "change_page")


# --- menus and dashboard -------------------------------------------------------------


MENU = {
    "bookings": "/admin/bookings/",
    "calendar": "/admin/calendar/",
    "availability": "/admin/availability/",
    "emails": "/admin/emails/",
    "import": "/admin/import/",
    "pages": "/admin/pages/",
    "images": "/admin/images/",
    "documents": "/admin/documents/",
    "own page": "My profile page",
}


def menu_of(client, user) -> set[str]:
    """The names of the sidebar's menu items (Wagtail renders the sidebar from a
    JSON script)."""
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    sidebar = re.search(
        r'<script id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S
    ).group(1)
    return {name for name, marker in MENU.items() if f'"{marker}' in sidebar}


@pytest.fixture
def site_with_maya():
    _, team, _ = build_site()
    maya = ConsultantFactory(name="Maya Stone")
    publish_consultant_page(team, "Maya Stone", consultant=maya)
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    return maya


def test_each_role_sees_its_own_menu(client, site_with_maya):
    assert menu_of(client, member(EDITORS)) == {"pages", "images", "documents"}
    assert menu_of(client, member(BOOKING_ADMINS)) == {
        "bookings",
        "calendar",
        "availability",
        "emails",
        "import",
    }
    assert menu_of(client, member(STAFF)) == {"bookings", "calendar", "import"}
    assert menu_of(client, site_with_maya.user) == {
        "bookings",
        "calendar",
        "availability",
        "pages",
        "images",
        "own page",
    }


def test_the_dashboard_shows_each_role_its_panels(client):
    maya = ConsultantFactory(name="Maya Stone")
    service = ServiceFactory(consultants=[maya])
    admin = member(BOOKING_ADMINS)
    _, token = make_draft(service=service, start=next_monday_at(9))
    waiting = services.verify_email(token=token)
    soon = timezone.now() + timedelta(minutes=5)  # today (the admin's day)
    bulk_bookings(consultant=maya, service=service, starts=[soon], status=S.CONFIRMED)
    today = maya.bookings.latest("pk")
    bulk_bookings(
        consultant=maya,
        service=service,
        starts=[soon + timedelta(days=3)],
        status=S.APPROVED,
    )
    unpaid = maya.bookings.latest("pk")
    unpaid.approved_at = timezone.now() - timedelta(hours=40)
    unpaid.save(update_fields=["approved_at"])

    client.force_login(admin)
    html = client.get("/admin/").content.decode()

    assert "Needs you now" in html and waiting.reference in html
    assert "<td>0\xa0minutes</td>" in html or "<td>1\xa0minute</td>" in html
    assert "Today’s sessions" in html and today.reference in html
    assert "Unpaid approvals about to expire" in html and unpaid.reference in html
    assert "expires in 8" in html or "expires in 7" in html
    assert "Email and jobs" in html

    client.force_login(member(STAFF))
    staff = client.get("/admin/").content.decode()
    assert "Today’s sessions" in staff and today.reference in staff
    assert "Needs you now" not in staff
    assert "Unpaid approvals" not in staff

    other = ConsultantFactory(name="Noah Park")
    other.user = member(CONSULTANTS)
    other.save()
    client.force_login(other.user)
    theirs = client.get("/admin/").content.decode()
    assert "Today’s sessions" in theirs and today.reference not in theirs

    client.force_login(member(EDITORS))
    editor = client.get("/admin/").content.decode()
    assert "Today’s sessions" not in editor and "Needs you now" not in editor


# --- a consultant's own page ---------------------------------------------------------


@pytest.fixture
def two_profiles(site_with_maya):
    team = ConsultantIndexPage.objects.get()
    mine = site_with_maya.profile_pages.get()
    theirs = publish_consultant_page(team, "Noah Park")
    return team, mine, theirs


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def test_a_consultant_edits_their_own_page_and_no_other(
    client, site_with_maya, two_profiles
):
    team, mine, theirs = two_profiles
    client.force_login(site_with_maya.user)

    assert client.get(edit_url(mine)).status_code == 200
    refused = client.get(edit_url(theirs))
    assert refused.status_code == 403
    assert "You may only edit your own profile page" in refused.content.decode()
    crafted = client.post(
        edit_url(theirs), {"title": "Hacked", "slug": theirs.slug, "action-submit": "1"}
    )
    assert crafted.status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Noah Park" and not theirs.has_unpublished_changes
    assert client.get(edit_url(team)).status_code == 403
    for name in ("delete", "copy", "move"):
        url = reverse(f"wagtailadmin_pages:{name}", args=(theirs.pk,))
        assert client.get(url).status_code in (302, 403)
        assert client.post(url).status_code in (302, 403)
    assert Page.objects.filter(pk=theirs.pk).exists()
    add = reverse("wagtailadmin_pages:add", args=("cms", "consultantpage", team.pk))
    assert client.get(add).status_code in (302, 403)


def test_the_explorer_lists_only_the_consultants_own_page(
    client, site_with_maya, two_profiles
):
    team, mine, theirs = two_profiles
    client.force_login(site_with_maya.user)

    html = client.get(reverse("wagtailadmin_explore", args=(team.pk,))).content.decode()

    assert edit_url(mine) in html
    assert edit_url(theirs) not in html


def test_editors_edit_every_page(client, two_profiles):
    _, mine, theirs = two_profiles
    client.force_login(member(EDITORS))

    assert client.get(edit_url(mine)).status_code == 200
    assert client.get(edit_url(theirs)).status_code == 200
