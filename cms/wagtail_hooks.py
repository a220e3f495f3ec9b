"""Consultants edit their own profile page, and only that (DESIGN §7).

How. Wagtail page permissions are given to groups on a page and everything below
it, so the Consultants group (made by `booking.core.roles`) may change pages under each
consultant index: without that, Wagtail would not let them open an editor at all.
Which of those pages is theirs is a fact of the data (`ConsultantPage.consultant`
→ `Consultant.user`), so Haven's page permission policy (`cms.permissions`) narrows
the grant to their own page wherever Wagtail checks page rights. Here: the grant;
a plain 403 when a consultant is refused a consultant page (any admin view of it,
or a bulk action naming it); the consultant's way to their page's editor.

The grant is made when a consultant index is created (any way: the admin, the demo
data, a test), when the Consultants group is created after the index, and, for one
created before this code, after `migrate`. Consultants
may change, not publish: their changes go to Wagtail's moderation workflow."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import GroupPagePermission, Page

from booking.admin.permissions import forbidden
from booking.core.models import Booking
from booking.core.roles import CONSULTANTS
from cms.models import ConsultantIndexPage, ConsultantPage
from cms.page_cache import mark_cacheable
from cms.permissions import only_own_page, own_pages

REFUSAL = "You may only edit your own profile page."


def grant_consultant_pages(index: ConsultantIndexPage | None = None) -> None:
    """Let the Consultants group change pages under `index` (or every consultant
    index). Running it again changes nothing."""
    group = Group.objects.filter(name=CONSULTANTS).first()
    if group is None:
        return
    permission = Permission.objects.get(
        content_type__app_label="wagtailcore", codename="change_page"
    )
    indexes = [index] if index else ConsultantIndexPage.objects.all()
    for page in indexes:
        GroupPagePermission.objects.get_or_create(
            group=group, page_id=page.pk, permission=permission
        )


@receiver(post_save, sender=ConsultantIndexPage, dispatch_uid="consultant_pages")
def consultant_index_created(sender, instance, created, **kwargs):
    if created:
        grant_consultant_pages(instance)


@receiver(post_save, sender=Group, dispatch_uid="consultant_pages_for_new_group")
def consultants_group_created(sender, instance, created, **kwargs):
    """An index made before the Consultants group (a database whose roles were
    set up after its pages) gets the grant when the group appears."""
    if created and instance.name == CONSULTANTS:
        grant_consultant_pages()


@receiver(post_migrate, dispatch_uid="consultant_pages_after_migrate")
def consultant_indexes_after_migrate(sender, **kwargs):
    if sender.label == "cms":
        grant_consultant_pages()


# --- own page only -------------------------------------------------------------------

# The page arguments of Wagtail's page URLs (the page itself, or the parent a page is
# added to).
PAGE_ID_KWARGS = ("page_id", "pk", "page_to_move_id", "parent_page_id")


def names_others_page(user, url_kwargs) -> bool:
    """Whether a consultant asks for a page that is not their own."""
    page_id = next((url_kwargs[k] for k in PAGE_ID_KWARGS if k in url_kwargs), None)
    return only_own_page(user) and not own_pages(user).filter(pk=page_id).exists()


class ConsultantPagesViewSet(PageViewSet):
    """Every admin view of one page (edit, drafts, previews, revisions, history,
    copy, move, delete, …) for a consultant index or a consultant page. What a user
    may do is the page permission policy's answer (`cms.permissions`); Wagtail
    answers a refusal with a redirect to the dashboard, so a consultant refused
    someone else's page gets a plain 403 that says why instead."""

    parent_models = ()  # the explorer lists the index's pages as before

    def get_view_by_name(self, name):
        view = super().get_view_by_name(name)

        def refusing_plainly(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied:
                if names_others_page(request.user, kwargs):
                    return forbidden(request, REFUSAL)
                raise

        return refusing_plainly


@hooks.register("register_admin_viewset")
def consultant_pages_viewsets():
    return [
        ConsultantPagesViewSet(model=ConsultantIndexPage),
        ConsultantPagesViewSet(model=ConsultantPage),
    ]


@hooks.register("before_bulk_action")
def refuse_bulk_on_others(request, action_type, objects, action_class_instance):
    """Wagtail passes the action's name ("delete", "move", "publish", …) as
    `action_type`; what it acts on is the action's `model`. Every page the request
    names counts, also those Wagtail would skip as not permitted, so that naming
    someone else's page is refused outright."""
    action = action_class_instance
    if not issubclass(action.model, Page) or not only_own_page(request.user):
        return None
    _, refused = action.get_actionable_objects()
    named = [*objects, *refused.get("items_with_no_access", ())]
    own = set(own_pages(request.user).values_list("pk", flat=True))
    if any(page.pk not in own for page in named):
        return forbidden(request, REFUSAL)
    return None


class OwnPageMenuItem(MenuItem):
    """A consultant's way straight to their profile page's editor."""

    def is_shown(self, request):
        return own_pages(request.user).exists()

    def render_component(self, request):
        page = own_pages(request.user).first()
        return LinkMenuItemComponent(
            self.name,
            self.label,
            reverse("wagtailadmin_pages:edit", args=(page.pk,)),
            icon_name=self.icon_name,
        )


@hooks.register("register_admin_menu_item")
def own_page_menu_item():
    return OwnPageMenuItem(
        "My profile page", reverse("wagtailadmin_home"), icon_name="user", order=150
    )


@hooks.register("before_serve_page")
def remember_page_is_public(page, request, serve_args, serve_kwargs):
    """Lets the anonymous page cache store this response (cms/page_cache.py)."""
    mark_cacheable(request, page)


@hooks.register("before_delete_page")
def keep_accepted_privacy_policies(request, page):
    """Bookings keep the privacy policy revision their client accepted (PROTECT):
    deleting that page would fail, so say why instead."""
    pages = page.get_descendants(inclusive=True).values_list("pk", flat=True)
    if Booking.objects.filter(
        consent_policy__base_content_type__model="page",
        consent_policy__base_content_type__app_label="wagtailcore",
        consent_policy__object_id__in=[str(pk) for pk in pages],
    ).exists():
        return forbidden(
            request,
            f"“{page.title}” (or a page below it) is a privacy policy that clients "
            "accepted when booking; it is kept as their record of consent. "
            "Unpublish it, or choose another policy page in the practice settings.",
        )
    return None
