"""The booking states (DESIGN §2) and the groups of them the rules talk about."""

from django.db import models


class BookingStatus(models.TextChoices):
    DRAFT = "draft", "Draft (email not verified)"
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved (awaiting payment)"
    PAYMENT_PENDING = "payment_pending", "Payment in progress"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


S = BookingStatus

# A slot-holding booking keeps its time for itself: no other booking may overlap it.
# The same states make a booking "active" for the one-active-booking-per-email rule.
SLOT_HOLDING = (S.PENDING, S.APPROVED, S.PAYMENT_PENDING, S.CONFIRMED)
ACTIVE = SLOT_HOLDING
# Open bookings can still be cancelled.
OPEN = (S.DRAFT, *SLOT_HOLDING)
# States from which a booking may be moved to another time.
MOVABLE = (S.PENDING, S.APPROVED, S.CONFIRMED)
FINAL = (S.COMPLETED, S.NO_SHOW, S.CANCELLED, S.REJECTED)
# Sessions whose time was used (held, or kept for a client who did not come).
HELD = (S.COMPLETED, S.NO_SHOW)


class BookingSource(models.TextChoices):
    CLIENT = "client", "Client (public site)"
    ADMIN = "admin", "Admin"
    API = "api", "API"
    IMPORT = "import", "Imported"


class Attendance(models.TextChoices):
    """Who came to a meeting, marked by the consultant or a booking admin once it
    has begun; empty until marked. It does not change the booking's state (a
    no-show stays its own action, with its fee rule)."""

    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
