"""The dates Haven accepts from anyone who writes a time (a booking, a new time,
hours, time off, a filter, an imported row): years 2000 to 2100. Anything else
is a typing mistake, and arithmetic near the calendar's ends (a session's end
after 9999-12-31 23:59, a time zone before year 1) overflows.

Each reader of a time checks it where it reads it, with these: the booking and
reschedule forms, the API's fields, the admin's forms, the spreadsheet import.
The booking services check again, so that no writer can get past it."""

from datetime import date

from django.core.exceptions import ValidationError

FIRST_YEAR = 2000
LAST_YEAR = 2100
OUT_OF_RANGE = f"Give a date between {FIRST_YEAR} and {LAST_YEAR}."


def in_range(value: date) -> bool:
    """Whether a date (or a datetime, in its own time zone) is one Haven takes."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def validate_in_range(value: date | None) -> None:
    """A validator for Django's form and model fields."""
    if value is not None and not in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")
