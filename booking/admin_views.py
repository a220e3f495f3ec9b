"""Who sees which bookings in the Wagtail admin, and the views that change them: one
transition view for every action on a booking (approve, reject, cancel, …) and the
phone-booking form. Every change goes through `booking.services`, which checks
again under lock; these views only decide what to offer and ask for what an
action needs."""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django import forms
from django.contrib.admin.utils import quote
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput, Button
from wagtail.permission_policies import ModelPermissionPolicy

from booking import availability, services
from booking.errors import BookingError
from booking.models import CONDITION_MESSAGES, Booking, Consultant, Service
from booking.states import MOVABLE, BookingStatus

S = BookingStatus
# Any of these lets a user see the whole list (Wagtail's own rule for listings).
ANY_ACTION = ("add", "change", "delete", "view")
OVERRIDE = "booking.override_availability"
# services.reschedule moves bookings in these states.


# --- who sees what --------------------------------------------------------------


def own_consultant(user) -> Consultant | None:
    """The consultant this login belongs to, if any (Django caches the answer on
    the user, so asking twice costs one query)."""
    if not (user.is_authenticated and user.is_active):
        return None
    return getattr(user, "consultant", None)


class BookingPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions on bookings, plus one rule: a consultant (a user
    linked to a `Consultant`) may view their own bookings. Wagtail's generic views
    ask this policy, and every booking view here fetches through
    `visible_bookings`, so listing, inspect, history, actions, calendar and
    dashboard are scoped alike."""

    def model_permission(self, user, actions) -> bool:
        return any(user.has_perm(self._get_permission_name(a)) for a in actions)

    def user_has_permission(self, user, action):
        return self.model_permission(user, [action]) or (
            action == "view" and own_consultant(user) is not None
        )

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if self.model_permission(user, [action]):
            return True
        consultant = own_consultant(user)
        return bool(
            action == "view" and consultant and instance.consultant_id == consultant.pk
        )

    def instances_user_has_any_permission_for(self, user, actions):
        bookings = self.model._default_manager.all()
        if self.model_permission(user, actions):
            return bookings
        consultant = own_consultant(user)
        if "view" in actions and consultant is not None:
            return bookings.filter(consultant=consultant)
        return bookings.none()


booking_policy = BookingPermissionPolicy(Booking)


def visible_bookings(user):
    """The bookings `user` may see: all of them, their own as a consultant, or
    none."""
    return booking_policy.instances_user_has_any_permission_for(user, ANY_ACTION)


def can_see_intake_notes(user, booking) -> bool:
    """Intake notes are for the people who care for the client: booking admins
    and the booking's own consultant, never Staff or other consultants."""
    if user.has_perm("booking.change_booking"):
        return True
    return booking.consultant.user_id is not None and (
        booking.consultant.user_id == user.pk
    )


def sees_everyone(user) -> bool:
    return booking_policy.model_permission(user, ANY_ACTION)


def forbidden(request, message: str) -> TemplateResponse:
    """A plain 403 inside the admin, as the availability screen answers: Wagtail
    would redirect to the dashboard, but a crafted URL or POST gets a clear
    refusal and changes nothing."""
    return TemplateResponse(
        request,
        "booking/admin/bookings/forbidden.html",
        {"page_title": "Not allowed", "message": message},
        status=403,
    )


# --- what an action asks for --------------------------------------------------------


def local_text(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local:%Z}"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The client reads it in the email about this decision.",
    )

    def __init__(self, *args, booking, user, **kwargs):
        super().__init__(*args, **kwargs)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount received", min_value=Decimal("0.01"), decimal_places=2
    )
    method = forms.CharField(
        label="How it was paid",
        max_length=60,
        help_text="e.g. bank transfer, cash, card in the room",
    )
    reference = forms.CharField(
        label="Payment reference", max_length=100, required=False
    )

    def __init__(self, *args, booking, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = booking.amount - booking.amount_paid
        self.fields["amount"].help_text = f"In {booking.currency}."


class SlotForm(forms.Form):
    """A start time: one of the consultant's free slots on a day, or, for those
    who may override availability, any time on that day with a reason (a slot
    another booking holds is never offered, and services refuse it)."""

    day = forms.DateField(label="Day", widget=AdminDateInput)
    start = forms.ChoiceField(
        label="Free times",
        widget=forms.RadioSelect,
        required=False,
        error_messages={
            "invalid_choice": "That time is no longer free; choose another one."
        },
    )
    override_time = forms.TimeField(
        label="Or another time (outside availability)",
        widget=AdminTimeInput,
        required=False,
        help_text="Working hours, notice and booking window do not apply; another "
        "booking at the same time still does.",
    )
    override_reason = forms.CharField(
        label="Why outside availability", max_length=500, required=False
    )

    def __init__(self, *args, user, consultant=None, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.consultant, self.service = consultant, service
        if not user.has_perm(OVERRIDE):
            del self.fields["override_time"], self.fields["override_reason"]

    def setup_slots(self) -> None:
        """Offer the free slots of the chosen consultant, service and day."""
        consultant, service, day = self.consultant, self.service, self.peek("day")
        self.slots = []
        if consultant and service and day:
            zone = consultant.zone
            self.slots = availability.free_slots(
                consultant=consultant,
                service=service,
                start=availability.local_moment(day, time(0), zone),
                end=availability.local_moment(day + timedelta(days=1), time(0), zone),
            )
        self.fields["start"].choices = [
            (self.local(slot.start).isoformat(), self.slot_label(slot))
            for slot in self.slots
        ]

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.consultant.zone)

    def slot_label(self, slot) -> str:
        label = f"{self.local(slot.start):%H:%M}"
        if self.service.is_group:
            label += f" ({slot.seats_left} of {self.service.capacity} seats free)"
        return label

    def peek(self, name):
        """A field's cleaned value before the whole form is validated (the
        submitted value, or the initial one), or None if it is not valid."""
        field = self.fields[name]
        if self.is_bound:
            raw = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix(name)
            )
        else:
            raw = self.get_initial_for_field(field, name)
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def clean(self):
        data = super().clean()
        day = data.get("day")
        if day is None or self.consultant is None:
            return data
        data["override_reason"] = (data.get("override_reason") or "").strip()
        if data.get("override_time"):
            if not data["override_reason"]:
                self.add_error(
                    "override_reason",
                    "Say why this booking is outside the consultant's availability.",
                )
            data["start_at"] = availability.local_moment(
                day, data["override_time"], self.consultant.zone
            )
        elif data.get("start"):
            data["start_at"] = datetime.fromisoformat(data["start"])
            data["override_reason"] = ""
        elif "start" not in self.errors:
            self.add_error("start", self.no_start_message())
        return data

    def no_start_message(self) -> str:
        if not self.slots:
            message = "There are no free times on that day; choose another day"
        else:
            message = "Choose one of the free times"
        if "override_time" in self.fields:
            message += ", or give another time and the reason"
        return message + "."


class MoveForm(SlotForm):
    """A new time for an existing booking."""

    def __init__(self, *args, booking, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "day", booking.start.astimezone(booking.consultant.zone).date()
        )
        super().__init__(
            *args,
            user=user,
            consultant=booking.consultant,
            service=booking.service,
            **kwargs,
        )
        self.setup_slots()


class RescheduleForm(MoveForm):
    reason = forms.CharField(
        label="Note for the history",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _override(data: dict) -> dict:
    """The services' override argument, only when availability is overridden."""
    reason = data.get("override_reason")
    return {"override_reason": reason} if reason else {}


# --- the actions ----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """Something an admin does to a booking. `transition` names the Booking
    transition behind it (its permission, source states and conditions decide who
    is offered it and when); `run(booking, user, data)` calls the service. For a
    payment the conditions hold only once the amount entered is added, so it is
    offered while something is due and the service checks them."""

    name: str
    label: str
    verb: str
    done: str
    run: Callable
    transition: str | None = None
    form_class: type[forms.Form] | None = None
    icon: str = "arrow-right"
    priority: int = 50
    is_payment: bool = False
    permission: str = ""

    def permitted(self, booking: Booking, user) -> bool:
        """Whether `user` may do this at all (whatever the state)."""
        if self.transition is None:
            return user.has_perm(self.permission)
        meta = getattr(Booking, self.transition)._django_fsm
        return next(iter(meta.transitions.values())).has_perm(booking, user)

    def problem(self, booking: Booking) -> str:
        """Why the booking's state or the transition's conditions refuse this
        action now, or ""."""
        refused = f"Cannot {self.verb} booking {booking.reference}: "
        if self.transition is None:
            if booking.status in MOVABLE:
                return ""
            return refused + f"it is {booking.status_label.lower()}."
        meta = getattr(Booking, self.transition)._django_fsm
        if not meta.has_transition(booking.status):
            return refused + f"it is {booking.status_label.lower()}."
        if self.is_payment:
            due = booking.amount_paid < booking.amount
            return "" if due else refused + "nothing is due."
        for condition in meta.get_transition(booking.status).conditions:
            if not condition(booking):
                return refused + f"{CONDITION_MESSAGES[condition]}."
        return ""

    def allowed(self, booking: Booking, user) -> bool:
        return self.permitted(booking, user) and not self.problem(booking)


ACTIONS = {
    action.name: action
    for action in (
        Action(
            "approve",
            "Approve",
            "approve",
            "Approved",
            transition="approve",
            icon="check",
            priority=30,
            run=lambda booking, user, data: services.approve(
                booking=booking, actor=user
            ),
        ),
        Action(
            "approve_at",
            "Approve at another time…",
            "approve",
            "Approved",
            transition="approve",
            form_class=MoveForm,
            icon="calendar",
            priority=32,
            run=lambda booking, user, data: services.approve(
                booking=booking, actor=user, start=data["start_at"], **_override(data)
            ),
        ),
        Action(
            "reject",
            "Reject…",
            "reject",
            "Rejected",
            transition="reject",
            form_class=ReasonForm,
            icon="cross",
            priority=31,
            run=lambda booking, user, data: services.reject(
                booking=booking, actor=user, reason=data["reason"]
            ),
        ),
        Action(
            "record_offline_payment",
            "Record payment…",
            "record a payment for",
            "Recorded the payment for",
            transition="record_offline_payment",
            form_class=PaymentForm,
            is_payment=True,
            icon="tick-inverse",
            priority=33,
            run=lambda booking, user, data: services.record_offline_payment(
                booking=booking,
                actor=user,
                amount=data["amount"],
                method=data["method"],
                reference=data["reference"],
            ),
        ),
        Action(
            "reschedule",
            "Reschedule…",
            "reschedule",
            "Rescheduled",
            permission="booking.reschedule_booking",
            form_class=RescheduleForm,
            icon="calendar-alt",
            priority=34,
            run=lambda booking, user, data: services.reschedule(
                booking=booking,
                actor=user,
                start=data["start_at"],
                reason=data["reason"],
                **_override(data),
            ),
        ),
        Action(
            "complete",
            "Mark completed",
            "mark completed",
            "Marked completed",
            transition="complete",
            icon="success",
            priority=35,
            run=lambda booking, user, data: services.complete(
                booking=booking, actor=user
            ),
        ),
        Action(
            "cancel",
            "Cancel booking…",
            "cancel",
            "Cancelled",
            transition="cancel",
            form_class=ReasonForm,
            icon="bin",
            priority=39,
            run=lambda booking, user, data: services.cancel(
                booking=booking, actor=user, reason=data["reason"]
            ),
        ),
    )
}


def available_actions(booking: Booking, user) -> list[Action]:
    """The actions `user` may run on `booking` in its current state. Costs no
    query once the user's permissions are cached (booking.consultant must be
    loaded)."""
    return [action for action in ACTIONS.values() if action.allowed(booking, user)]


def action_url(booking: Booking, action: Action) -> str:
    return reverse("bookings:transition", args=(quote(booking.pk), action.name))


def action_buttons(booking: Booking, user, *, back: str = "") -> list[Button]:
    """A button per available action. One that needs nothing more POSTs straight
    away (Wagtail's w-action controller sends the page's address as `next`;
    without JavaScript the link opens a confirmation); the others open their
    small form, which returns to `back`."""
    buttons = []
    for action in available_actions(booking, user):
        url = action_url(booking, action)
        attrs = {}
        if action.form_class is None:
            attrs = {
                "data-controller": "w-action",
                "data-action": "w-action#post",
                "data-w-action-url-value": url,
            }
        elif back:
            url = f"{url}?{urlencode({'next': back})}"
        buttons.append(
            Button(
                action.label,
                url=url,
                icon_name=action.icon,
                attrs=attrs,
                priority=action.priority,
            )
        )
    return buttons


# --- the transition view --------------------------------------------------------------


class TransitionView(WagtailAdminTemplateMixin, View):
    """Runs one action on one booking. It refuses a booking the user may not see
    (404), an action they may not run (403) and one the state or conditions do
    not allow (an error naming the state); asks for what the action needs; then
    calls the service, which checks all of it again under lock."""

    template_name = "booking/admin/bookings/action.html"
    header_icon = "calendar-alt"
    index_url_name = None
    inspect_url_name = None

    def dispatch(self, request, pk, action):
        self.action = ACTIONS.get(action)
        if self.action is None:
            raise Http404("No such action on bookings.")
        self.booking = get_object_or_404(
            visible_bookings(request.user).select_related("consultant", "service"),
            pk=pk,
        )
        if not self.action.permitted(self.booking, request.user):
            return forbidden(
                request, f"You do not have permission to {self.action.verb} bookings."
            )
        if problem := self.action.problem(self.booking):
            messages.error(request, problem)
            return redirect(self.next_url)
        return super().dispatch(request, pk, action)

    @cached_property
    def next_url(self) -> str:
        return get_valid_next_url_from_request(self.request) or reverse(
            self.inspect_url_name, args=(quote(self.booking.pk),)
        )

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        if self.action.form_class is None:
            return self.run({})
        if "confirm" not in request.POST:  # the row button: ask first
            return self.render(self.get_form())
        if "show" in request.POST:  # another day's free times
            return self.render(self.get_form(initial=request.POST.dict()))
        form = self.get_form(data=request.POST)
        if not form.is_valid():
            return self.render(form)
        return self.run(form.cleaned_data, form)

    def get_form(self, **kwargs):
        if self.action.form_class is None:
            return None
        return self.action.form_class(
            booking=self.booking, user=self.request.user, **kwargs
        )

    def run(self, data: dict, form=None):
        try:
            booking = self.action.run(self.booking, self.request.user, data)
        except BookingError as exc:
            if form is None:
                messages.error(self.request, exc.message)
                return redirect(self.next_url)
            form.add_error(None, exc.message)
            return self.render(form)
        messages.success(
            self.request,
            f"{self.action.done} booking {booking.reference}: it is now "
            f"{booking.status_label.lower()}.",
        )
        return redirect(self.next_url)

    def get_page_title(self):
        return f"{self.action.label.rstrip('…')}: {self.booking.reference}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": "Bookings"},
            {
                "url": reverse(self.inspect_url_name, args=(quote(self.booking.pk),)),
                "label": self.booking.reference,
            },
            {"url": "", "label": self.action.label.rstrip("…")},
        ]

    def render(self, form):
        context = self.get_context_data(
            form=form,
            action=self.action,
            booking=self.booking,
            when=local_text(self.booking.start, self.booking.consultant.zone),
            next_url=self.next_url,
            action_url=self.request.path,
            media=form.media if form else forms.Media(),
        )
        status = 400 if form is not None and form.errors else 200
        return self.render_to_response(context, status=status)


# --- phone bookings -------------------------------------------------------------------


def time_zone_choices():
    return [("", "Same as the consultant")] + [
        (name, name) for name in sorted(zoneinfo.available_timezones())
    ]


class PhoneBookingForm(SlotForm):
    """A booking taken by phone: consultant, service and time, then the client."""

    field_order = ["consultant", "service", "day", "start"]

    consultant = forms.ModelChoiceField(queryset=Consultant.objects.none())
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    client_name = forms.CharField(label="Client's name", max_length=200)
    client_email = forms.EmailField(label="Client's email")
    client_phone = forms.CharField(
        label="Client's phone", max_length=40, required=False
    )
    client_time_zone = forms.ChoiceField(
        label="Client's time zone", choices=time_zone_choices, required=False
    )
    client_notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["consultant"].queryset = Consultant.objects.filter(is_active=True)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.consultant = self.peek("consultant")
        self.service = self.peek("service")
        self.setup_slots()

    def clean(self):
        data = super().clean()
        consultant, service = data.get("consultant"), data.get("service")
        if (
            consultant
            and service
            and not service.consultants.filter(pk=consultant.pk).exists()
        ):
            self.add_error("service", f"{consultant} does not offer “{service}”.")
        return data


CLIENT_FIELDS = (
    "client_name",
    "client_email",
    "client_phone",
    "client_time_zone",
    "client_notes",
)


class CreateBookingView(WagtailAdminTemplateMixin, FormView):
    """Phone bookings: the service layer gives the booking its reference and
    decides whether it starts pending or approved."""

    template_name = "booking/admin/bookings/create.html"
    form_class = PhoneBookingForm
    header_icon = "calendar-alt"
    page_title = "New phone booking"
    index_url_name = None
    inspect_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not booking_policy.user_has_permission(request.user, "add"):
            return forbidden(request, "You do not have permission to create bookings.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        if self.request.method == "GET":
            kwargs["initial"] = {
                "day": timezone.localdate(),
                **self.request.GET.dict(),
            }
        return kwargs

    def post(self, request, *args, **kwargs):
        if "show" in request.POST:
            form = self.form_class(user=request.user, initial=request.POST.dict())
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            booking = services.create_admin_booking(
                actor=self.request.user,
                consultant=data["consultant"],
                service=data["service"],
                start=data["start_at"],
                **{name: data[name] for name in CLIENT_FIELDS},
                **_override(data),
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Booking {booking.reference} created for {booking.client_name}: it is "
            f"{booking.status_label.lower()}.",
        )
        return redirect(self.inspect_url_name, quote(booking.pk))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": "Bookings"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(action_url=self.request.path, media=form.media)
        if form.consultant:
            context["zone"] = form.consultant.time_zone
        return context
