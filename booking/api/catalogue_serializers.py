"""The catalogue's shapes: consultants, services with their intake questions,
service categories, and free slots (what anyone may read)."""

from rest_framework import serializers

from booking.api.serializers import TIME_ZONES, BoundedDateField
from booking.core.models import Consultant, Service, ServiceCategory
from booking.intake.models import ServiceQuestion

MAX_SLOT_DAYS = 31


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["slug", "name", "description"]


class QuestionSerializer(serializers.ModelSerializer):
    """An intake question; the draft's `intake` answers it under `name`."""

    name = serializers.CharField(source="clean_name")
    type = serializers.CharField(
        source="field_type",
        help_text="singleline, multiline, dropdown, radio, checkboxes (answer with "
        "a list), date (YYYY-MM-DD), email or number.",
    )
    choices = serializers.ListField(
        source="choice_list",
        child=serializers.CharField(),
        help_text="The allowed answers of dropdown, radio and checkboxes.",
    )

    class Meta:
        model = ServiceQuestion
        fields = ["name", "label", "type", "required", "help_text", "choices"]


class ServiceSerializer(serializers.ModelSerializer):
    consultants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    category = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "slug",
            "title",
            "description",
            "duration_minutes",
            "price",
            "currency",
            "mode",
            "capacity",
            "extra_participants",
            "requires_approval",
            "minimum_notice_minutes",
            "booking_window_days",
            "consultants",
            "category",
            "questions",
        ]


class ConsultantSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )

    class Meta:
        model = Consultant
        fields = ["id", "name", "time_zone", "services"]


class SlotQuerySerializer(serializers.Serializer):
    service = serializers.SlugField(
        max_length=120, help_text="The service's slug (see /api/v1/services/)."
    )
    date_from = BoundedDateField(
        required=False, help_text="First day, in `tz` (default: today)."
    )
    date_to = BoundedDateField(
        required=False,
        help_text=f"Last day, included (default: 7 days; at most "
        f"{MAX_SLOT_DAYS} days in all).",
    )
    tz = serializers.ChoiceField(
        choices=TIME_ZONES,
        required=False,
        help_text="The client's IANA time zone for the days and the answer "
        "(default: the consultant's).",
    )


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    seats_left = serializers.IntegerField()


class SlotsSerializer(serializers.Serializer):
    consultant = serializers.IntegerField()
    service = serializers.CharField()
    tz = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    slots = SlotSerializer(many=True)
