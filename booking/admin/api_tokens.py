"""Settings → API tokens, where staff make and revoke their tokens for the staff
API (`booking.api.authentication`): Wagtail's screen, with every view scoped like
its list.

Wagtail's own screen looks tokens up among those its user may manage (their own;
anyone's but a superuser's with the permission to change users) in the list, edit
and revoke views, but not in history and usage, which showed any token's name and
prefix, a superuser's too, to whoever may make tokens. Haven registers this screen
in its place: Wagtail registers its own only when `wagtail.api.v3` is installed,
and Haven serves no v3 API (config/settings.py). `booking.wagtail_hooks` imports
this module."""

from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.users.utils import get_manageable_token_owners
from wagtail.users.views import api_tokens


class ManageableTokensOnly:
    """Finds the token among those the user may manage: any other is a 404."""

    def get_base_object_queryset(self):
        owners = get_manageable_token_owners(self.request.user)
        return super().get_base_object_queryset().filter(user__in=owners)


class HistoryView(ManageableTokensOnly, generic.HistoryView):
    pass


class UsageView(ManageableTokensOnly, generic.UsageView):
    pass


class APITokenViewSet(api_tokens.APITokenViewSet):
    history_view_class = HistoryView
    usage_view_class = UsageView


@hooks.register("register_admin_viewset")
def register_api_tokens():
    # Wagtail's name and URL prefix: its templates link to them.
    return APITokenViewSet("wagtailusers_api_tokens", url_prefix="api-tokens")
