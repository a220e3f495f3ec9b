"""Privacy in the Wagtail admin (issue 12): clients' data requests (look up, export,
erase) for booking admins, and the access log for superusers. Every change goes
through `booking.privacy.lookup` and `booking.privacy.erasure`; an email address
only ever travels in a POST body, never in a URL. `booking.wagtail_hooks` imports
this module for its hooks."""

from django import forms
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from booking.admin.permissions import forbidden
from booking.privacy import erasure, lookup
from booking.privacy.models import AccessLogEntry

HANDLE_REQUESTS = "booking.handle_data_requests"
TEMPLATE = "booking/admin/privacy/client_data.html"


# --- clients' data requests ---------------------------------------------------------


class ClientDataForm(forms.Form):
    email = forms.EmailField(
        label="The client's email address",
        max_length=254,
        help_text="The address the client booked with (any capitalisation).",
    )
    confirm = forms.BooleanField(
        required=False,
        label="I understand that the client's personal data will be removed for "
        "good; bookings and payments stay, anonymised, for the accounts.",
    )


@never_cache
@sensitive_post_parameters("email")
def client_data_view(request):
    """GET asks for an address. POST `action` = look_up (counts of what is held),
    export (the .zip), confirm_erase (the confirmation step) or erase."""
    if not request.user.has_perm(HANDLE_REQUESTS):
        return forbidden(request, "Only booking admins answer clients' data requests.")
    form = ClientDataForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, form)
    action = request.POST.get("action", "look_up")
    step = STEPS.get(action)
    if step is None:
        form.add_error(None, "Choose what to do: look up, download or erase.")
        return _page(request, form)
    try:
        return step(request, form)
    except lookup.PrivacyError as error:
        form.add_error(None, error.message)
        return _page(request, form, data=lookup.client_data(form.cleaned_data["email"]))


def _look_up(request, form):
    data = lookup.look_up(
        email=form.cleaned_data["email"], user=request.user, request=request
    )
    return _page(request, form, data=data)


def _export(request, form):
    bundle = lookup.export_bundle(
        email=form.cleaned_data["email"], user=request.user, request=request
    )
    response = HttpResponse(bundle, content_type="application/zip")
    # The file name says when, never whose.
    name = f"client-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _confirm_erase(request, form):
    data = lookup.client_data(form.cleaned_data["email"])
    return _page(request, form, data=data, confirming=True)


def _erase(request, form):
    if not form.cleaned_data["confirm"]:
        form.add_error("confirm", "Tick the box to confirm the erasure.")
        return _confirm_erase(request, form)
    references = erasure.erase_client(
        email=form.cleaned_data["email"], user=request.user, request=request
    )
    messages.success(
        request,
        f"The client's personal data is erased. {len(references)} booking(s) kept "
        f"anonymised for the accounts: {', '.join(references) or 'none'}.",
    )
    return redirect("booking_client_data")


STEPS = {
    "look_up": _look_up,
    "export": _export,
    "confirm_erase": _confirm_erase,
    "erase": _erase,
}


def _page(request, form, *, data=None, confirming=False):
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            "form": form,
            "data": data,
            "counts": data.counts() if data else None,
            "open_bookings": data.open_bookings() if data else (),
            "confirming": confirming,
            "page_title": "Client data requests",
            "header_title": "Client data requests",
            "header_icon": "lock",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


class ClientDataMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(HANDLE_REQUESTS)


@hooks.register("register_admin_urls")
def client_data_urls():
    return [path("client-data/", client_data_view, name="booking_client_data")]


@hooks.register("register_admin_menu_item")
def client_data_menu_item():
    return ClientDataMenuItem(
        "Client data", reverse("booking_client_data"), icon_name="lock", order=297
    )


# --- the access log (superusers only) -----------------------------------------------


class SuperusersOnlyPolicy(ModelPermissionPolicy):
    """Who looked at whose data is itself sensitive: superusers only, read only."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.is_superuser


register_permission_policy(AccessLogEntry, SuperusersOnlyPolicy(AccessLogEntry))


class SuperusersOnlyMixin:
    """Others get a plain 403 rather than Wagtail's redirect to the dashboard."""

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_superuser):
            return forbidden(request, "Only superusers may read the access log.")
        return super().dispatch(request, *args, **kwargs)


class AccessLogIndexView(SuperusersOnlyMixin, generic.IndexView):
    pass


class AccessLogViewSet(ModelViewSet):
    model = AccessLogEntry
    icon = "list-ul"
    menu_label = "Access log"
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = AccessLogIndexView
    list_filter = ["action", "timestamp"]
    search_fields = ["username", "target"]
    search_backend_name = None
    list_per_page = 50

    @property
    def list_display(self):
        return [
            DateColumn("timestamp", label="When"),
            Column("username", label="Who"),
            Column("action", label="What", accessor="get_action_display"),
            Column("target", label="Which data"),
            Column("ip_address", label="From"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{"add_url_name": None, "edit_url_name": None, **kwargs}
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.none()


@hooks.register("register_admin_viewset")
def register_access_log():
    return AccessLogViewSet("access_log")
