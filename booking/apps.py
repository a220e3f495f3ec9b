from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Bookings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from booking.core import ratelimit

        # A freed seat reaches the waitlist through booking.waitlist.holds' signal.
        from booking.lifecycle import waitlist  # noqa: F401

        # Booking state changes reach the live sockets through django-fsm's signal.
        from booking.messaging import live  # noqa: F401

        # The ESPs' delivery webhooks reach the outbox through anymail's signal.
        from booking.notifications import outbox  # noqa: F401

        checks.register(ratelimit.check_limits)
