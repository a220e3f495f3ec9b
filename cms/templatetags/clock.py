"""`{{ moment|clock:12 }}`: the time of a moment on a 12- or 24-hour clock
("2:30 pm" / "14:30"), in the time zone active where it is rendered (a
`{% timezone %}` block, or the email's zone). A client account's pages and the
emails to its owner use the clock the client chose (booking.core.zones)."""

from datetime import datetime

from django import template
from django.utils import timezone

from booking.core import zones

register = template.Library()


@register.filter
def clock(value, hours=24):
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return zones.clock_time(local, 12 if str(hours) == "12" else 24)
