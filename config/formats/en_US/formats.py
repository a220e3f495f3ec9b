"""US English writes 12-hour times. An admin user who picks "English (US)" as
their language (Account → Preferences) sees 12-hour times on every admin
screen, Wagtail's own columns included; everyone else keeps 24-hour ones."""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
