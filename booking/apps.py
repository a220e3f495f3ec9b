from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Bookings"
    default_auto_field = "django.db.models.BigAutoField"
