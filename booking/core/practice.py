"""The practice's own rules, as the booking domain reads them: its cancellation and
refund policy, what a no-show costs, how to pay in offline mode, and whether a
client's move of an approved booking needs approval again.

The practice sets them in the Wagtail admin (Settings → Practice settings), which
`cms` owns; `booking` never imports `cms`, so `cms` registers where they are read
(`set_policy_source`, called from its AppConfig). Every promise and every refund
is computed from this one policy: the text a client reads is generated from the
same numbers that `booking.payments.refunds` uses."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import strip_tags

# What a client who does not come to a confirmed session pays: nothing (the
# payment is refunded in full) or the full fee (the consultant earns it as for a
# session held).
NO_SHOW_FEES = (
    ("none", "No fee: refund the client in full"),
    ("full", "Full fee: keep the payment"),
)


@dataclass(frozen=True)
class PracticePolicy:
    full_refund_until_hours: int = 48
    late_refund_percent: int = 0
    # The practice's text (HTML from a rich-text field), or "" for none.
    payment_instructions: str = ""
    client_moves_need_approval: bool = True
    no_show_fee: str = "full"

    @property
    def keeps_no_show_fee(self) -> bool:
        return self.no_show_fee == "full"

    @property
    def payment_instructions_text(self) -> str:
        """The instructions as plain text (emails, the API)."""
        text = " ".join(strip_tags(self.payment_instructions).split())
        return text or "The practice will tell you how to pay."

    @property
    def cancellation_terms(self) -> str:
        """The promise a client reads, generated from the numbers refunds use."""
        hours, late = self.full_refund_until_hours, self.late_refund_percent
        if hours == 0 or late >= 100:
            return "Cancel any time before your session for a full refund."
        unit = "hour" if hours == 1 else "hours"
        full = f"Cancel up to {hours} {unit} before your session for a full refund."
        if late:
            return f"{full} Later, {late}% is refunded."
        return f"{full} Later cancellations are not refunded."

    @property
    def no_show_terms(self) -> str:
        """What a client who misses a session without cancelling is told."""
        if self.keeps_no_show_fee:
            return "If you miss a session without cancelling, the full fee is kept."
        return "If you miss a session without cancelling, you are refunded in full."


_source: Callable[[], PracticePolicy | None] | None = None


def set_policy_source(source: Callable[[], PracticePolicy | None]) -> None:
    """`source()` returns the practice's policy, or None before it is set up."""
    global _source
    _source = source


def policy() -> PracticePolicy:
    return (_source() if _source else None) or PracticePolicy()
