"""One transition view for every action on a booking in the Wagtail admin (approve,
reject, cancel, …) and the buttons that lead to it. Every change goes through
`booking.lifecycle.services`, which checks again under lock; these views only
decide what to offer and ask for what an action needs."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.admin.utils import quote
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button

from booking.admin.forms import (
    MoveForm,
    NoShowForm,
    PaymentForm,
    ReasonForm,
    RescheduleForm,
    override_fields,
)
from booking.admin.permissions import forbidden, local_text, visible_bookings
from booking.core.errors import BookingError
from booking.core.models import CONDITION_MESSAGES, Booking
from booking.core.states import MOVABLE, BookingStatus
from booking.lifecycle import paying, services
from booking.notifications import emails


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
    # Reject, cancel: Wagtail's "serious" button, never the colour of Approve.
    serious: bool = False
    # (booking, reason) -> (email kind, the booking's changed fields): the email
    # the client will get, previewed before the action runs.
    email: Callable | None = None

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


REASON_PLACEHOLDER = "[the reason you give above]"


def approval_email(booking: Booking, reason: str):
    if booking.amount == 0:
        return "confirmed", {"status": BookingStatus.CONFIRMED}
    return "approved", {"status": BookingStatus.APPROVED, "approved_at": timezone.now()}


def rejection_email(booking: Booking, reason: str):
    return "rejected", {
        "status": BookingStatus.REJECTED,
        "reject_reason": reason or REASON_PLACEHOLDER,
    }


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
            email=approval_email,
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
                booking=booking,
                actor=user,
                start=data["start_at"],
                **override_fields(data),
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
            serious=True,
            email=rejection_email,
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
            run=lambda booking, user, data: paying.record_offline_payment(
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
                **override_fields(data),
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
            "no_show",
            "Mark no-show…",
            "mark as a no-show",
            "Marked as a no-show",
            transition="mark_no_show",
            form_class=NoShowForm,
            icon="warning",
            priority=36,
            serious=True,
            run=lambda booking, user, data: paying.mark_no_show(
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
            serious=True,
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
                classname="serious" if action.serious else "",
            )
        )
    return buttons


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
        if "show" in request.POST or "preview" in request.POST:
            # another day's free times, or the email with the reason typed so far
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
            email=self.email_preview(form),
        )
        status = 400 if form is not None and form.errors else 200
        return self.render_to_response(context, status=status)

    def email_preview(self, form) -> dict | None:
        """The email the client will get, as the outbox will write it."""
        if self.action.email is None:
            return None
        reason = ""
        if form is not None and "reason" in form.fields:
            reason = str(form.data.get("reason") or form.initial.get("reason") or "")
        kind, changes = self.action.email(self.booking, reason.strip())
        subject, text = emails.preview(self.booking, kind, **changes)
        return {
            "subject": subject,
            "text": text,
            "to": self.booking.client_email,
            "with_reason": form is not None and "reason" in form.fields,
        }
