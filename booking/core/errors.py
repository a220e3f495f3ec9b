"""The booking domain's one error family. Each carries a machine-readable `code`
and a sentence that tells the person what happened and what to do next; callers
turn them into a 409, a form error or an admin message."""


class BookingError(Exception):
    code = "booking_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(BookingError):
    """The booking's current state (or a condition) does not allow the action."""

    code = "invalid_transition"


class NotPermitted(BookingError):
    code = "permission_denied"


class SlotTaken(BookingError):
    code = "slot_taken"


class ActiveBookingExists(BookingError):
    code = "active_booking_exists"


class InvalidBookingData(BookingError):
    code = "validation_error"


class TokenError(BookingError):
    code = "token_invalid"


class TokenExpired(TokenError):
    code = "token_expired"


class TokenUsed(TokenError):
    code = "token_used"
