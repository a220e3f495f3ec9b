"""What the waitlist endpoints read and answer (`booking.api.waitlist_views`)."""

from rest_framework import serializers

from booking.api.serializers import TIME_ZONES, BoundedDateTimeField
from booking.waitlist.models import WaitlistEntry


class JoinSerializer(serializers.Serializer):
    """The join form's fields. A signed-in client (an access token) sends none
    of the client fields: their account's are used and no confirmation is
    needed."""

    consultant = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    service = serializers.SlugField(max_length=120)
    start = BoundedDateTimeField(
        help_text="The full time's start, with its offset (ISO 8601): a "
        "workshop's or course's meeting, or a taken one-to-one slot."
    )
    client_name = serializers.CharField(max_length=120, required=False, default="")
    client_email = serializers.EmailField(max_length=254, required=False, default="")
    client_time_zone = serializers.ChoiceField(
        choices=TIME_ZONES, required=False, default=""
    )


class AcceptSerializer(serializers.Serializer):
    consent = serializers.BooleanField(
        help_text="The client accepts the privacy policy; must be true."
    )


class EntrySerializer(serializers.ModelSerializer):
    """One place in a waitlist: its state and, while waiting or offered, its
    place in line (1 is next)."""

    id = serializers.IntegerField(read_only=True)
    status_label = serializers.CharField(source="get_status_display")
    position = serializers.IntegerField(allow_null=True, source="place")
    consultant = serializers.IntegerField(source="consultant_id")
    consultant_name = serializers.CharField(source="consultant.name")
    service = serializers.CharField(source="service.slug")
    service_title = serializers.CharField(source="service.title")
    service_kind = serializers.CharField(source="service.kind")
    booking = serializers.CharField(
        source="booking.reference", allow_null=True, read_only=True
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "status",
            "status_label",
            "position",
            "consultant",
            "consultant_name",
            "service",
            "service_title",
            "service_kind",
            "start",
            "offer_expires_at",
            "booking",
        ]
