"""Applications to join in the Wagtail admin (booking.team): the list (pending
first), one application's page, and "Accept" (the applicant is invited) or
"Decline" (with a reason, emailed). Registered in the Team menu by
booking/admin/team.py."""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button, HeaderButton

from booking.admin.permissions import forbidden
from booking.admin.readonly import ReadOnlyViewSet
from booking.admin.team_forms import AcceptForm, DeclineForm
from booking.core import profiles
from booking.core.errors import BookingError
from booking.team import services
from booking.team.models import Application

DECIDE = "booking.decide_application"


class DecisionView(WagtailAdminTemplateMixin, FormView):
    """Accept or decline one application (a form: the page checkbox or the
    reason)."""

    template_name = "booking/admin/team/form.html"
    header_icon = "user"
    decision = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(DECIDE):
            return forbidden(request, "Only booking admins decide applications.")
        self.application = get_object_or_404(Application, pk=kwargs["pk"])
        if self.application.status != Application.Status.PENDING:
            messages.error(
                request,
                f"This application was "
                f"{self.application.get_status_display().lower()} already.",
            )
            return redirect("team_applications:inspect", quote(self.application.pk))
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"{self.decision} the application of {self.application.name}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("team_applications:index"), "label": "Applications"},
            {"url": "", "label": self.get_page_title()},
        ]

    def form_valid(self, form):
        try:
            self.decide(form.cleaned_data)
        except BookingError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        return redirect("team_applications:index")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=self.request.path,
            submit_label=self.decision,
            intro=self.intro,
            can_make_pages=profiles.can_make_profile_pages(),
            **kwargs,
        )


class AcceptView(DecisionView):
    form_class = AcceptForm
    decision = "Accept"

    @property
    def intro(self):
        return (
            f"{self.application.name} is emailed an invitation to the admin at "
            f"{self.application.email}, and becomes a verified consultant on "
            "accepting it."
        )

    def decide(self, data):
        invitation = services.accept_application(
            application=self.application,
            actor=self.request.user,
            make_page=data["make_page"],
        )
        messages.success(
            self.request, f"Accepted: an invitation was sent to {invitation.email}."
        )


class DeclineView(DecisionView):
    form_class = DeclineForm
    decision = "Decline"
    intro = (
        "The applicant is emailed your reason. Their consultant record is "
        "deleted; the application is kept until the retention period ends."
    )

    def decide(self, data):
        services.decline_application(
            application=self.application,
            actor=self.request.user,
            reason=data["reason"],
        )
        messages.success(self.request, f"Declined: {self.application.name} is told.")


def _decision_buttons(user, application, *, kind=Button) -> list[Button]:
    if application.status != Application.Status.PENDING or not user.has_perm(DECIDE):
        return []
    pk = quote(application.pk)
    return [
        kind(
            "Accept",
            reverse("team_applications:accept", args=[pk]),
            icon_name="success",
            priority=15,
        ),
        kind(
            "Decline",
            reverse("team_applications:decline", args=[pk]),
            icon_name="cross",
            priority=16,
        ),
    ]


class ApplicationIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *_decision_buttons(self.request.user, instance),
        ]


class ApplicationInspectView(generic.InspectView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            *_decision_buttons(self.request.user, self.object, kind=HeaderButton),
        ]


class ApplicationViewSet(ReadOnlyViewSet):
    model = Application
    name = "team_applications"
    url_prefix = "team/applications"
    icon = "user"
    menu_label = "Applications"
    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView
    list_display = ["name", "email", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["name", "email", "specialisations"]
    inspect_view_fields = [
        "name",
        "email",
        "status",
        "qualifications",
        "specialisations",
        "statement",
        "consent_at",
        "created_at",
        "decided_at",
        "decided_by",
        "decline_reason",
        "decline_sent_at",
        "consultant",
        "invitation",
    ]

    def get_queryset(self, request):
        pending_first = Case(
            When(status=Application.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return Application.objects.order_by(pending_first, "-created_at")

    def get_urlpatterns(self):
        pk = f"<{self.pk_path_converter}:pk>"
        return [
            *super().get_urlpatterns(),
            path(f"history/{pk}/", self.history_view, name="history"),
            path(
                f"history-results/{pk}/",
                self.history_results_view,
                name="history_results",
            ),
            path("<int:pk>/accept/", AcceptView.as_view(), name="accept"),
            path("<int:pk>/decline/", DeclineView.as_view(), name="decline"),
        ]

    def get_permissions_to_register(self):
        return self.model_permissions().filter(
            Q(codename__startswith="view_") | Q(codename="decide_application")
        )
