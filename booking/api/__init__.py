"""Haven's JSON API (`/api/v1/`): the public booking flow and the staff's bookings,
over the same services, availability and permission rules as the pages and the
Wagtail admin. See the README's "API" section."""
