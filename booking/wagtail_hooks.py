from wagtail import hooks
from wagtail.log_actions import LogFormatter

import booking.admin.api_tokens  # noqa: F401  (registers its hooks)
import booking.admin.attendance  # noqa: F401  (registers its hooks)
import booking.admin.availability  # noqa: F401  (registers its hooks)
import booking.admin.bookings  # noqa: F401  (registers its hooks)
import booking.admin.calendar  # noqa: F401  (registers its hooks)
import booking.admin.calendar_feed  # noqa: F401  (registers its hooks)
import booking.admin.client_account  # noqa: F401  (registers its hooks)
import booking.admin.courses  # noqa: F401  (registers its hooks)
import booking.admin.dashboard  # noqa: F401  (registers its hooks)
import booking.admin.exports  # noqa: F401  (registers its hooks)
import booking.admin.feed_panel  # noqa: F401  (registers its hooks)
import booking.admin.imports  # noqa: F401  (registers its hooks)
import booking.admin.intake  # noqa: F401  (registers its hooks)
import booking.admin.memberships  # noqa: F401  (registers its hooks)
import booking.admin.messages  # noqa: F401  (registers its hooks)
import booking.admin.moving  # noqa: F401  (registers its hooks)
import booking.admin.my_practice  # noqa: F401  (registers its hooks)
import booking.admin.outbox  # noqa: F401  (registers its hooks)
import booking.admin.payments  # noqa: F401  (registers its hooks)
import booking.admin.practice  # noqa: F401  (registers its hooks)
import booking.admin.privacy  # noqa: F401  (registers its hooks)
import booking.admin.products  # noqa: F401  (registers its hooks)
import booking.admin.reports  # noqa: F401  (registers its hooks)
import booking.admin.reviews  # noqa: F401  (registers its snippet)
import booking.admin.streams  # noqa: F401  (registers its snippet)
import booking.admin.team  # noqa: F401  (registers its hooks)
import booking.admin.waitlist  # noqa: F401  (registers its hooks)
import booking.signin.views  # noqa: F401  (registers its hooks)
from booking.core.states import BookingStatus
from booking.notifications.consultants import MEETING_LINK_CHANGED

ACTIONS = {
    "booking.create": ("Create booking", "Booking created"),
    "booking.verify_email": ("Verify email", "Client verified their email"),
    "booking.approve": ("Approve booking", "Approved"),
    "booking.request_approval_again": (
        "Back for approval",
        "Moved by the client; back for approval",
    ),
    "booking.reject": ("Reject booking", "Rejected"),
    "booking.start_payment": ("Start payment", "Payment started"),
    "booking.payment_expired": ("Payment expired", "Payment expired or failed"),
    "booking.confirm": ("Confirm payment", "Paid and confirmed"),
    "booking.record_offline_payment": (
        "Record offline payment",
        "Offline payment recorded",
    ),
    "booking.pay_with_package": (
        "Pay with a package session",
        "Paid with a package session and confirmed",
    ),
    "booking.pay_with_credit": ("Pay with credit", "Paid with credit and confirmed"),
    "booking.confirm_free": ("Confirm free session", "Confirmed (free session)"),
    "booking.complete": ("Complete booking", "Marked completed"),
    "booking.mark_no_show": ("Mark no-show", "Marked a no-show"),
    "booking.attendance": ("Mark attendance", "Attendance marked"),
    "booking.cancel": ("Cancel booking", "Cancelled"),
    "booking.reschedule": ("Reschedule booking", "Rescheduled"),
    "booking.waitlist_accept": ("Book from the waitlist", "Booked from the waitlist"),
    "booking.review": ("Review", "Client left a review"),
    "booking.erase": ("Erase client data", "Client's personal data erased"),
    "booking.anonymise": (
        "Anonymise after retention period",
        "Client's personal data removed (retention period ended)",
    ),
    "booking.delete_unverified": (
        "Delete unverified draft",
        "Deleted: the email address was never verified",
    ),
    "booking.import": ("Import booking", "Imported from a spreadsheet"),
}


def _state(value) -> str:
    return BookingStatus(value).label if value else "new"


class BookingLogFormatter(LogFormatter):
    """History lines such as “Approved (Pending approval → Approved …)”, with the
    reason as the comment."""

    def format_message(self, log_entry):
        data = log_entry.data
        if not data.get("from"):
            return self.message
        return f"{self.message} ({_state(data['from'])} → {_state(data.get('to'))})"

    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


@hooks.register("register_log_actions")
def register_booking_log_actions(actions):
    for action, (label, message) in ACTIONS.items():
        formatter = type(
            "BookingLogFormatter",
            (BookingLogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)


class MeetingLinkFormatter(LogFormatter):
    """A consultant's History: “Meeting link changed from … to …”, with where
    the change came from (an import's file name) as the comment."""

    label = "Change meeting link"

    def format_message(self, log_entry):
        data = log_entry.data
        return (
            f"Meeting link changed from {data.get('from') or 'none'} "
            f"to {data.get('to') or 'none'}"
        )

    def format_comment(self, log_entry):
        return log_entry.data.get("source", "")


@hooks.register("register_log_actions")
def register_consultant_log_actions(actions):
    actions.register_action(MEETING_LINK_CHANGED)(MeetingLinkFormatter)
