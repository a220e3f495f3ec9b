"""The Wagtail admin's screens, one module per screen; `booking.wagtail_hooks`
imports those that register hooks."""
