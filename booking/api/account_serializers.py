"""The shapes of the client-account API (/api/v1/auth/, issue 21): types and
lengths only; the rules are booking.accounts'."""

from rest_framework import serializers

from booking.accounts.models import ClientAccount
from booking.api.serializers import TIME_ZONES


class SignInRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class TokenExchangeSerializer(serializers.Serializer):
    """Either the token of the emailed link, or the address and the code."""

    token = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The token of the emailed sign-in link (the last part of "
        "/account/link/<token>/).",
    )
    email = serializers.EmailField(max_length=254, required=False)
    code = serializers.CharField(
        max_length=20,
        required=False,
        help_text="The 6-digit code from the same email, with `email`.",
    )

    def validate(self, data):
        by_link = "token" in data
        by_code = "email" in data or "code" in data
        if by_link == by_code:
            raise serializers.ValidationError(
                "Send either `token` (from the sign-in link) or `email` and `code`."
            )
        if by_code:
            missing = {
                name: ["This field is required with `email` and `code`."]
                for name in ("email", "code")
                if name not in data
            }
            if missing:
                raise serializers.ValidationError(missing)
        return data


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer …`.")
    refresh = serializers.CharField(help_text="Single use: POST it to refresh/.")
    token_type = serializers.CharField()
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class SignOutSerializer(RefreshSerializer):
    everywhere = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also sign out every other device and browser of the account.",
    )


class AccountSerializer(serializers.ModelSerializer):
    """The signed-in client. PUT changes the fields it is sent."""

    time_zone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="An IANA time zone (Europe/Berlin) times are shown in; empty: "
        "each booking's own time zone.",
    )

    def validate_time_zone(self, value):
        if value and value not in TIME_ZONES:
            raise serializers.ValidationError(
                f"“{value[:64]}” is not a time zone. Use a name like Europe/Berlin."
            )
        return value

    class Meta:
        model = ClientAccount
        fields = ["email", "name", "time_zone", "created_at", "last_signed_in_at"]
        read_only_fields = ["email", "created_at", "last_signed_in_at"]
        extra_kwargs = {"name": {"required": False}}
