"""The shapes the API reads and writes. They check types and lengths only; every
booking rule is the services' and availability's (whose errors the views turn into
the one error body)."""

import zoneinfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking.admin.actions import ACTIONS
from booking.core import dates
from booking.core.models import Booking
from booking.core.states import Attendance, BookingStatus
from booking.payments.models import Refund

ACTION_NAMES = list(ACTIONS)
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


class BoundedDateTimeField(serializers.DateTimeField):
    """A moment in the years Haven accepts (`booking.core.dates`)."""

    default_error_messages = {"out_of_range": dates.OUT_OF_RANGE}

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not dates.in_range(moment):
            self.fail("out_of_range")
        return moment


class BoundedDateField(serializers.DateField):
    default_error_messages = BoundedDateTimeField.default_error_messages

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not dates.in_range(day):
            self.fail("out_of_range")
        return day


class ErrorSerializer(serializers.Serializer):
    """Every failure: a machine-readable code, a sentence, and per-field problems
    when the input was wrong."""

    code = serializers.CharField(help_text="e.g. slot_taken, invalid_transition")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


# --- the client's booking ---------------------------------------------------------


class DraftSerializer(serializers.Serializer):
    """What the public booking form asks for."""

    consultant = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    service = serializers.SlugField(max_length=120)
    start = BoundedDateTimeField(
        help_text="One of the slots' `start`, with its offset (ISO 8601)."
    )
    client_name = serializers.CharField(max_length=200)
    client_email = serializers.EmailField(max_length=254)
    client_phone = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )
    client_notes = serializers.CharField(
        max_length=Booking._meta.get_field("client_notes").max_length,
        required=False,
        default="",
        allow_blank=True,
    )
    client_time_zone = serializers.ChoiceField(choices=TIME_ZONES)
    consent = serializers.BooleanField(
        help_text="The client accepts the privacy policy; must be true."
    )
    participants = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        default=list,
        max_length=20,
        help_text="Names of the people coming with the client (at most the "
        "service's `extra_participants`); at a group session each takes a seat.",
    )
    intake = serializers.DictField(
        required=False,
        default=dict,
        child=serializers.JSONField(),
        help_text="Answers to the service's intake questions, keyed by each "
        "question's `name` (see the service's `questions`): text, or a list of "
        "choices for checkboxes. Errors name the field `intake.<name>`.",
    )

    def validate_consent(self, value):
        if value is not True:
            raise serializers.ValidationError(
                "Please accept the privacy policy to book."
            )
        return value


class BookingStateSerializer(serializers.ModelSerializer):
    """A booking's state, and nothing personal."""

    status_label = serializers.CharField()

    class Meta:
        model = Booking
        fields = ["reference", "status", "status_label"]


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=200, help_text="The token from the emailed verification link."
    )


class LookupSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


def attendance_field():
    """Present, absent or "" (not marked yet). Declared, not derived from the
    model: a read-only choice field derived from it would leave "" out of the
    schema's enum."""
    return serializers.ChoiceField(
        choices=Attendance.choices,
        allow_blank=True,
        read_only=True,
        help_text="Marked after the meeting began; empty until then.",
    )


class ParticipantSerializer(serializers.Serializer):
    name = serializers.CharField()
    attendance = attendance_field()


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["amount", "status", "created_at"]


class ManagedBookingSerializer(serializers.ModelSerializer):
    """What the manage page shows the client, and what they may do now."""

    status_label = serializers.CharField()
    consultant = serializers.IntegerField(source="consultant_id")
    consultant_name = serializers.CharField(source="consultant.name")
    service = serializers.CharField(source="service.slug")
    service_kind = serializers.CharField(source="service.kind")
    series = serializers.CharField(
        source="parent.reference", allow_null=True, read_only=True
    )
    service_title = serializers.CharField(source="service.title")
    refunds = RefundSerializer(many=True)
    can_cancel = serializers.BooleanField()
    can_reschedule = serializers.BooleanField()
    needs_payment = serializers.BooleanField()
    can_review = serializers.BooleanField()

    participants = ParticipantSerializer(many=True, read_only=True)
    attendance = attendance_field()

    class Meta:
        model = Booking
        fields = [
            "reference",
            "status",
            "status_label",
            "consultant",
            "consultant_name",
            "service",
            "service_kind",
            "series",
            "service_title",
            "start",
            "end",
            "client_name",
            "client_email",
            "client_phone",
            "seats",
            "attendance",
            "participants",
            "client_time_zone",
            "amount",
            "amount_paid",
            "currency",
            "refunds",
            "can_cancel",
            "can_reschedule",
            "needs_payment",
            "can_review",
        ]


class PaymentStartSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=["stripe", "offline"],
        help_text="stripe: send the client to checkout_url; offline: show "
        "instructions.",
    )
    status = serializers.ChoiceField(choices=BookingStatus.choices)
    checkout_url = serializers.URLField(required=False)
    instructions = serializers.CharField(required=False)
    amount_due = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()


class CancellationQuoteSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=BookingStatus.choices)
    amount_paid = serializers.DecimalField(max_digits=10, decimal_places=2)
    refund_amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="What cancelling now gives back, by the cancellation policy.",
    )
    credit_back = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="What cancelling now gives back to the client's credit balance "
        "(for a booking paid, wholly or partly, by credit; null otherwise), "
        "besides `refund_amount`.",
    )
    currency = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )


class RescheduleSerializer(serializers.Serializer):
    start = BoundedDateTimeField(
        help_text="A free slot's `start` (see the consultant's slots)."
    )


class ReviewSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    display_name = serializers.CharField(
        max_length=60, required=False, default="", allow_blank=True
    )


class ReviewCreatedSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    display_name = serializers.CharField()
    is_published = serializers.BooleanField()


# --- staff ----------------------------------------------------------------------------


class StaffBookingSerializer(serializers.ModelSerializer):
    """A booking as the staff see it. `client_notes` only for those who care for
    the client (`can_see_intake_notes`); `actions`, what this user may run now."""

    status_label = serializers.CharField()
    consultant_name = serializers.CharField(source="consultant.name")
    service = serializers.CharField(source="service.slug")
    service_kind = serializers.CharField(source="service.kind")
    series = serializers.CharField(
        source="parent.reference", allow_null=True, read_only=True
    )
    client_notes = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    participants = ParticipantSerializer(many=True, read_only=True)
    attendance = attendance_field()

    class Meta:
        model = Booking
        fields = [
            "reference",
            "status",
            "status_label",
            "consultant",
            "consultant_name",
            "service",
            "service_kind",
            "series",
            "start",
            "end",
            "client_name",
            "client_email",
            "client_phone",
            "seats",
            "attendance",
            "participants",
            "client_time_zone",
            "client_notes",
            "amount",
            "amount_paid",
            "currency",
            "source",
            "reject_reason",
            "cancel_reason",
            "created_at",
            "actions",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_client_notes(self, booking):
        return booking.client_notes if self.context["notes"](booking) else None

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=ACTION_NAMES))
    )
    def get_actions(self, booking):
        return self.context["actions"](booking)


# Which fields each action needs (the services check their content).
ACTION_FIELDS = {
    "approve_at": ["start"],
    "reject": ["reason"],
    "record_offline_payment": ["amount", "method"],
    "reschedule": ["start"],
    "cancel": ["reason"],
}


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTION_NAMES)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    start = BoundedDateTimeField(
        required=False, help_text="approve_at, reschedule: the new start."
    )
    override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="approve_at, reschedule: why the time may be outside availability.",
    )
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, min_value=0
    )
    method = serializers.CharField(max_length=60, required=False, allow_blank=True)
    payment_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )

    def validate(self, data):
        missing = {
            name: "This field is required for this action."
            for name in ACTION_FIELDS.get(data["action"], [])
            if data.get(name) in (None, "")
        }
        if missing:
            raise serializers.ValidationError(missing)
        return data

    def action_data(self) -> dict:
        """The data the admin's action runners read (`booking.admin.actions`)."""
        data = self.validated_data
        return {
            "start_at": data.get("start"),
            "override_reason": (data.get("override_reason") or "").strip(),
            "reason": data.get("reason", ""),
            "amount": data.get("amount"),
            "method": data.get("method", ""),
            "reference": data.get("payment_reference", ""),
        }


class StaffCreateSerializer(serializers.Serializer):
    consultant = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    service = serializers.SlugField(max_length=120)
    start = BoundedDateTimeField()
    client_name = serializers.CharField(max_length=200)
    client_email = serializers.EmailField(max_length=254)
    client_phone = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )
    client_time_zone = serializers.ChoiceField(
        choices=TIME_ZONES, required=False, default="", allow_blank=True
    )
    client_notes = serializers.CharField(
        max_length=Booking._meta.get_field("client_notes").max_length,
        required=False,
        default="",
        allow_blank=True,
    )
    override_reason = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True
    )
    participants = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        default=list,
        max_length=20,
        help_text="Names of the people coming with the client (at most the "
        "service's `extra_participants`); at a group session each takes a seat.",
    )
