"""A consultant's page rights cover their own profile page and no other (DESIGN §7).

Wagtail gives page permissions to groups, on a page and everything below it: the
Consultants group may change pages under each consultant index
(`cms/wagtail_hooks.py` grants it), or Wagtail would not open an editor for them.
Which page below the index is a consultant's own is a fact of the data
(`ConsultantPage.consultant` → `Consultant.user`), so Haven's page permission
policy narrows the grant where Wagtail reads it: for a user whose page rights come
only from the Consultants group, each of the group's grants applies to their own
profile page instead of the whole index. Every page check Wagtail makes (the
editor, drafts, previews, revisions, history, copy, move, delete, bulk actions, the
admin's page API, the explorer, search, reports) asks this policy, so none of them
can show or change another consultant's page. They still explore from the
consultant index, where only their own page is listed.

Whoever also holds page rights through another group (an editor) is left alone."""

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from wagtail.models import GroupPagePermission, Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from booking.core.roles import CONSULTANTS
from cms.models import ConsultantPage


def only_own_page(user) -> bool:
    """Whether the user's page rights all come from the Consultants group."""
    if user.is_superuser or not user.is_authenticated:
        return False
    if not hasattr(user, "_haven_only_own_page"):
        grants = GroupPagePermission.objects.filter(group__user=user)
        user._haven_only_own_page = (
            grants.filter(group__name=CONSULTANTS).exists()
            and not grants.exclude(group__name=CONSULTANTS).exists()
        )
    return user._haven_only_own_page


def own_pages(user):
    return ConsultantPage.objects.filter(consultant__user=user)


def is_own_page(user, page) -> bool:
    return own_pages(user).filter(pk=page.pk).exists()


@dataclass(frozen=True)
class OwnPageGrant:
    """A Consultants group grant as it applies to one consultant: `permission` on
    their own `page`, though the group was given it on `index`. Has what Wagtail
    reads of a `GroupPagePermission`."""

    page: Page
    permission: Permission
    index: Page

    @property
    def page_id(self) -> int:
        return self.page.pk


class ConsultantPagesPolicy(PagePermissionPolicy):
    """Wagtail's page permission policy, with consultants' grants narrowed to their
    own page (see the module's docstring)."""

    def get_all_permissions_for_user(self, user):
        grants = super().get_all_permissions_for_user(user)
        if not only_own_page(user):
            return grants
        own = list(own_pages(user))
        return [
            OwnPageGrant(page=page, permission=grant.permission, index=grant.page)
            for grant in grants
            for page in own
            if page.path.startswith(grant.page.path)
        ]

    def instances_with_direct_explore_permission(self, user):
        """Consultants explore from the consultant index, as Wagtail would have
        them do with the group's grant."""
        if not only_own_page(user):
            return super().instances_with_direct_explore_permission(user)
        return [grant.index for grant in self.get_cached_permissions_for_user(user)]

    def explorable_instances(self, user):
        """Their own page and the pages on the way to it from the index."""
        pages = super().explorable_instances(user)
        if only_own_page(user):
            for grant in self.get_cached_permissions_for_user(user):
                pages |= Page.objects.ancestor_of(grant.page).descendant_of(
                    grant.index, inclusive=True
                )
        return pages
