from wagtail import hooks
from wagtail.log_actions import LogFormatter

from booking.states import BookingStatus

ACTIONS = {
    "booking.create": ("Create booking", "Booking created"),
    "booking.verify_email": ("Verify email", "Client verified their email"),
    "booking.approve": ("Approve booking", "Approved"),
    "booking.reject": ("Reject booking", "Rejected"),
    "booking.start_payment": ("Start payment", "Payment started"),
    "booking.payment_expired": ("Payment expired", "Payment expired or failed"),
    "booking.confirm": ("Confirm payment", "Paid and confirmed"),
    "booking.record_offline_payment": (
        "Record offline payment",
        "Offline payment recorded",
    ),
    "booking.confirm_free": ("Confirm free session", "Confirmed (free session)"),
    "booking.complete": ("Complete booking", "Marked completed"),
    "booking.cancel": ("Cancel booking", "Cancelled"),
    "booking.reschedule": ("Reschedule booking", "Rescheduled"),
}


def _state(value) -> str:
    return BookingStatus(value).label if value else "new"


@hooks.register("register_log_actions")
def register_booking_log_actions(actions):
    for action, (label, message) in ACTIONS.items():

        @actions.register_action(action)
        class BookingActionFormatter(LogFormatter):
            def format_message(self, log_entry, message=message):
                data = log_entry.data
                moves = f" ({_state(data.get('from'))} → {_state(data.get('to'))})"
                return message + (moves if data.get("from") else "")

            def format_comment(self, log_entry):
                return log_entry.data.get("reason", "")

        BookingActionFormatter.label = label
