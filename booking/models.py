"""Every model of the `booking` app, so that Django finds them: each area keeps its
own models beside its services (see `booking/__init__.py` for the map). Import a
model from the area that owns it, not from here."""

from booking.accounts.models import (  # noqa: F401
    ClientAccount,
    ClientRefreshToken,
    SignInLink,
)
from booking.core.models import (  # noqa: F401
    CONDITION_MESSAGES,
    Booking,
    BookingToken,
    Consultant,
    Service,
    ServiceCategory,
    validate_time_zone,
)
from booking.courses.models import CourseMeeting  # noqa: F401
from booking.intake.models import ServiceQuestion  # noqa: F401
from booking.messaging.models import Attachment, Conversation, Message  # noqa: F401
from booking.notifications.models import OutboxEmail  # noqa: F401
from booking.participants.models import BookingParticipant  # noqa: F401
from booking.payments.models import (  # noqa: F401
    Earning,
    Payment,
    Payout,
    ProcessedStripeEvent,
    Refund,
)
from booking.privacy.models import AccessLogEntry  # noqa: F401
from booking.products.catalogue import Bundle, CreditProduct  # noqa: F401
from booking.products.credit_models import (  # noqa: F401
    CreditGrant,
    MoneyLine,
    PackageRefund,
)
from booking.products.membership_models import (  # noqa: F401
    Membership,
    MembershipEmail,
    MembershipPeriod,
    MembershipPlan,
)
from booking.products.models import (  # noqa: F401
    ClientLock,
    CreditLine,
    Entitlement,
    Package,
    ProductEmail,
    Purchase,
)
from booking.reviews.models import Review  # noqa: F401
from booking.scheduling.models import (  # noqa: F401
    BusyBlock,
    CalendarFeed,
    MeetingLink,
    OutsideCalendar,
)
from booking.spreadsheets.models import ExportJob, SpreadsheetImport  # noqa: F401
from booking.streams.models import Comment, PageCounts, Reaction  # noqa: F401
from booking.team.models import Application, Invitation  # noqa: F401
from booking.video.models import VideoRoom  # noqa: F401
from booking.waitlist.models import WaitlistEntry  # noqa: F401
