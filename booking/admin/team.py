"""Wagtail admin for the team (booking.team): Invitations (list with "Resend" and
"Revoke", and "Invite a consultant") and Applications (pending first, inspect,
"Accept" or "Decline" with a reason). Booking admins hold the permissions
(booking/core/roles.py). Registers its own hooks; `booking.wagtail_hooks`
imports it."""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.log_actions import LogFormatter

from booking.admin.applications import ApplicationViewSet
from booking.admin.permissions import forbidden
from booking.admin.readonly import WrittenElsewhere
from booking.admin.team_forms import InviteForm
from booking.core import profiles
from booking.core.errors import BookingError
from booking.team import services
from booking.team.models import Invitation

INVITE = "booking.add_invitation"
CHANGE_INVITATION = "booking.change_invitation"


def post_button(label: str, url: str, icon: str) -> Button:
    attrs = {
        "data-controller": "w-action",
        "data-action": "w-action#post",
        "data-w-action-url-value": url,
    }
    return Button(label, icon_name=icon, attrs=attrs, priority=15)


# --- invitations ----------------------------------------------------------------------


class InviteView(WagtailAdminTemplateMixin, FormView):
    template_name = "booking/admin/team/form.html"
    form_class = InviteForm
    header_icon = "mail"
    page_title = "Invite a consultant"
    submit_label = "Send the invitation"
    intro = (
        "The consultant is emailed a link to choose their username and password. "
        "The link works once and expires; sending a new one withdraws the old."
    )

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(INVITE):
            return forbidden(request, "Only booking admins invite consultants.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        consultant = self.request.GET.get("consultant", "")
        return {"consultant": consultant} if consultant.isdigit() else {}

    def form_valid(self, form):
        data, actor = form.cleaned_data, self.request.user
        try:
            if data["consultant"]:
                invitation = services.invite(
                    consultant=data["consultant"],
                    email=data["email"],
                    actor=actor,
                    make_page=data["make_page"],
                )
            else:
                invitation = services.invite_new(
                    name=data["name"].strip(),
                    email=data["email"],
                    actor=actor,
                    make_page=data["make_page"],
                )
        except BookingError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation sent to {invitation.consultant} at {invitation.email}.",
        )
        return redirect("team_invitations:index")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("team_invitations:index"), "label": "Invitations"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            submit_label=self.submit_label,
            intro=self.intro,
            can_make_pages=profiles.can_make_profile_pages(),
        )
        return context


class InvitationIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.accepted_at is None and self.request.user.has_perm(
            CHANGE_INVITATION
        ):
            buttons.append(
                post_button("Resend", _url("resend", instance), "mail"),
            )
            if instance.revoked_at is None:
                buttons.append(post_button("Revoke", _url("revoke", instance), "bin"))
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(INVITE):
            buttons.append(
                HeaderButton(
                    "Invite a consultant",
                    url=reverse("team_invitations:invite"),
                    icon_name="plus",
                )
            )
        return buttons


def _url(action: str, invitation: Invitation) -> str:
    return reverse(f"team_invitations:{action}", args=[quote(invitation.pk)])


class InvitationViewSet(WrittenElsewhere, ModelViewSet):
    model = Invitation
    name = "team_invitations"
    url_prefix = "team/invitations"
    icon = "mail"
    menu_label = "Invitations"
    index_view_class = InvitationIndexView
    inspect_view_enabled = False
    list_display = [
        "email",
        "consultant",
        "sent_at",
        "expires_at",
        "accepted_at",
        Column("status", label="Status", accessor="status"),
    ]
    search_fields = ["email", "consultant__name"]

    def get_queryset(self, request):
        return Invitation.objects.select_related("consultant")

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("invite/", InviteView.as_view(), name="invite"),
            path("<int:pk>/resend/", self.resend_view, name="resend"),
            path("<int:pk>/revoke/", self.revoke_view, name="revoke"),
        ]

    def get_permissions_to_register(self):
        return (
            super().get_permissions_to_register().exclude(codename="delete_invitation")
        )

    def resend_view(self, request, pk):
        return self._act(request, pk, services.resend, "A new link was sent to")

    def revoke_view(self, request, pk):
        return self._act(request, pk, services.revoke, "The link no longer works for")

    def _act(self, request, pk, action, done: str):
        if request.method != "POST":
            raise PermissionDenied("This action needs a POST request.")
        if not request.user.has_perm(CHANGE_INVITATION):
            return forbidden(request, "Only booking admins manage invitations.")
        invitation = get_object_or_404(Invitation, pk=pk)
        try:
            action(invitation=invitation, actor=request.user)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{done} {invitation.email}.")
        return redirect("team_invitations:index")


class TeamGroup(ViewSetGroup):
    menu_label = "Team"
    menu_icon = "group"
    menu_order = 260
    items = (ApplicationViewSet, InvitationViewSet)


@hooks.register("register_admin_viewset")
def register_team():
    return TeamGroup()


# --- history --------------------------------------------------------------------------

TEAM_ACTIONS = {
    services.INVITED: ("Invite", "Invited to the admin"),
    services.REVOKED: ("Revoke invitation", "An invitation link was withdrawn"),
    services.JOINED: ("Join", "Accepted the invitation and made a login"),
    services.APPLIED: ("Apply", "Applied to join the practice"),
    services.ACCEPTED: ("Accept application", "Application accepted"),
    services.DECLINED: ("Decline application", "Application declined"),
}


class TeamLogFormatter(LogFormatter):
    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


@hooks.register("register_log_actions")
def register_team_log_actions(actions):
    for action, (label, message) in TEAM_ACTIONS.items():
        formatter = type(
            "TeamLogFormatter",
            (TeamLogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)
