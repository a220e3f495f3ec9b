"""Wagtail admin for email and jobs (DESIGN §6, §7): the email outbox (every email,
filterable by booking, kind and status, with "Retry" for what failed), django-q2's
failed tasks (with "Retry"), a dashboard panel counting what failed, and each
consultant's private calendar-feed link. It registers its own hooks;
`booking.wagtail_hooks` imports it."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django_q.models import Failure
from django_q.tasks import async_task
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permissions import policy_registry

from booking.admin.buttons import post_button
from booking.core.models import Booking
from booking.notifications import outbox
from booking.notifications.models import OutboxEmail

Status = OutboxEmail.Status


# "Retry all" takes at most this many at a time.
RETRY_BATCH = 200


def _back(request, fallback: str):
    """Back to the listing the action came from, its filters kept."""
    target = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


class RetryButtons:
    """Buttons for users with the "change" permission: "Retry" on each row that
    may be retried, and "Retry all" in the listing's header."""

    retry_url_name = None
    retry_all_url_name = None
    retry_all_label = "Retry all"
    retryable = None  # set by the viewset: instance -> bool

    def may_retry(self, instance=None) -> bool:
        if not self.user_has_permission("change"):
            return False
        return instance is None or self.retryable(instance)

    def retry_button(self, instance) -> Button:
        url = reverse(self.retry_url_name, args=(quote(instance.pk),))
        return post_button("Retry", url, priority=15)


class RetryIndexView(RetryButtons, generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.may_retry(instance):
            buttons.append(self.retry_button(instance))
        return buttons

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.may_retry():
            url = reverse(self.retry_all_url_name)
            buttons.append(post_button(self.retry_all_label, url))
        return buttons


class RetryInspectView(RetryButtons, generic.InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.may_retry(self.object):
            buttons.append(self.retry_button(self.object))
        return buttons


class SystemRowsViewSet(ModelViewSet):
    """Lists and inspects rows only the system writes (no add, edit, copy or
    delete), with a "Retry" action. Retrying needs the "change" permission."""

    index_view_class = RetryIndexView
    inspect_view_class = RetryInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    retry_all_label = "Retry all"

    def retryable(self, instance) -> bool:
        return True

    def failed(self):
        """What "Retry all" retries."""
        raise NotImplementedError

    def retry(self, instance) -> tuple[bool, str]:
        """Retry one row: whether it was queued again, and what to tell the
        person."""
        raise NotImplementedError

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "retry_url_name": self.get_url_name("retry"),
                "retry_all_url_name": self.get_url_name("retry_all"),
                "retry_all_label": self.retry_all_label,
                "retryable": self.retryable,
                **kwargs,
            }
        )

    def get_urlpatterns(self):
        pk = f"<{self.pk_path_converter}:pk>"
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/{pk}/", self.inspect_view, name="inspect"),
            path(f"history/{pk}/", self.history_view, name="history"),
            path(
                f"history-results/{pk}/",
                self.history_results_view,
                name="history_results",
            ),
            path(f"usage/{pk}/", self.usage_view, name="usage"),
            path(f"retry/{pk}/", self.retry_view, name="retry"),
            path("retry-all/", self.retry_all_view, name="retry_all"),
        ]

    @property
    def url_finder_class(self):
        finder = super().url_finder_class
        finder.edit_url_name = self.get_url_name("inspect")
        return finder

    def get_permissions_to_register(self):
        view_or_change = Q(codename__startswith="view_") | Q(
            codename__startswith="change_"
        )
        return super().get_permissions_to_register().filter(view_or_change)

    def retry_view(self, request, pk):
        self._check_retry(request)
        instance = get_object_or_404(self.model, pk=pk)
        if not self.retryable(instance):
            messages.warning(request, f"“{instance}” cannot be retried.")
        else:
            retried, message = self.retry(instance)
            (messages.success if retried else messages.warning)(request, message)
        return _back(request, reverse(self.get_url_name("index")))

    def retry_all_view(self, request):
        self._check_retry(request)
        count = sum(self.retry(row)[0] for row in self.failed()[:RETRY_BATCH])
        messages.success(request, f"{count} queued again.")
        return _back(request, reverse(self.get_url_name("index")))

    def _check_retry(self, request):
        if request.method != "POST":
            raise PermissionDenied("Retrying needs a POST request.")
        policy = policy_registry.get_by_type(self.model)
        if not policy.user_has_permission(request.user, "change"):
            raise PermissionDenied


class EmailFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    kind = django_filters.ChoiceFilter(choices=OutboxEmail.Kind.choices)
    booking = django_filters.CharFilter(
        field_name="booking__reference", lookup_expr="iexact", label="Booking"
    )
    created_at = django_filters.DateFromToRangeFilter(
        label="Written", widget=DateRangePickerWidget
    )

    class Meta:
        model = OutboxEmail
        fields = []


class EmailIndexView(RetryIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("booking")


class EmailViewSet(SystemRowsViewSet):
    model = OutboxEmail
    name = "outbox"
    url_prefix = "emails"
    icon = "mail"
    menu_label = "Emails"
    index_view_class = EmailIndexView
    retry_all_label = "Retry all failed emails"
    list_display = [
        "subject",
        "recipient",
        "kind",
        "status",
        "attempts",
        Column("booking", label="Booking", accessor="booking.reference"),
        "created_at",
        "last_error",
    ]
    filterset_class = EmailFilterSet
    search_fields = ["recipient", "subject", "booking__reference"]
    inspect_view_fields = [
        "booking",
        "kind",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
        "esp_message_id",
        "created_at",
        "sent_at",
        "tracked_at",
        "next_attempt_at",
        "text_body",
    ]

    def retryable(self, email: OutboxEmail) -> bool:
        return email.status in (Status.FAILED, Status.QUEUED)

    def failed(self):
        return OutboxEmail.objects.filter(status=Status.FAILED).order_by("pk")

    def retry(self, email: OutboxEmail) -> tuple[bool, str]:
        if outbox.retry(email):
            return True, f"“{email}” will be sent again."
        return False, f"“{email}” is being sent, or was sent already."


def emails_url(booking: Booking) -> str:
    """The admin's list of one booking's emails."""
    return f"{reverse('outbox:index')}?booking={booking.reference}"


def _error_line(task: Failure) -> str:
    return str(task.result or "").split(" : ", 1)[0][:200]


class FailedTaskViewSet(SystemRowsViewSet):
    model = Failure
    name = "failed_tasks"
    url_prefix = "failed-tasks"
    icon = "warning"
    menu_label = "Failed tasks"
    retry_all_label = "Retry all failed tasks"
    list_display = [
        "name",
        "func",
        "started",
        "stopped",
        "attempt_count",
        Column("error", label="Error", accessor=_error_line),
    ]
    search_fields = ["name", "func", "group"]
    inspect_view_fields = [
        "name",
        "func",
        "args",
        "kwargs",
        "group",
        "started",
        "stopped",
        "attempt_count",
        "result",
    ]

    def failed(self):
        return Failure.objects.order_by("started")

    def retry(self, task: Failure) -> tuple[bool, str]:
        """Queue the task again, as django-q2's own admin does, and drop the
        failure: the new run records its own result."""
        async_task(
            task.func,
            *(task.args or ()),
            hook=task.hook,
            group=task.group,
            **(task.kwargs or {}),
        )
        task.delete()
        return True, f"Task “{task.name}” was queued again."


class EmailAndJobsGroup(ViewSetGroup):
    menu_label = "Email & jobs"
    menu_icon = "mail"
    menu_order = 290
    items = (EmailViewSet, FailedTaskViewSet)


@hooks.register("register_admin_viewset")
def register_email_and_jobs():
    return EmailAndJobsGroup()


class FailuresPanel(Component):
    """Failed emails and tasks on the dashboard, for whoever can retry them."""

    name = "email_and_jobs"
    order = 150
    template_name = "booking/admin/failures_panel.html"

    def __init__(self, *, failed_emails: int | None, failed_tasks: int | None):
        self.failed_emails = failed_emails
        self.failed_tasks = failed_tasks

    def get_context_data(self, parent_context=None):
        return {
            "failed_emails": self.failed_emails,
            "failed_tasks": self.failed_tasks,
            "emails_url": f"{reverse('outbox:index')}?status={Status.FAILED}",
            "tasks_url": reverse("failed_tasks:index"),
        }


def _may_view(user, model) -> bool:
    return policy_registry.get_by_type(model).user_has_any_permission(
        user, ["view", "change"]
    )


@hooks.register("construct_homepage_panels")
def add_failures_panel(request, panels):
    user = request.user
    emails = _may_view(user, OutboxEmail)
    tasks = _may_view(user, Failure)
    if emails or tasks:
        panels.append(
            FailuresPanel(
                failed_emails=(
                    OutboxEmail.objects.filter(status=Status.FAILED).count()
                    if emails
                    else None
                ),
                failed_tasks=Failure.objects.count() if tasks else None,
            )
        )
