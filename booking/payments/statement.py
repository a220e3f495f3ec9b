"""A consultant's earnings statement: every ledger line, per currency, with the
state a consultant understands (pending, available, in a payout on its way, paid)
and totals per currency that are never added across currencies. A refund taken
back after its earning was paid out is a negative line carried into the next
payout; the statement says so."""

from django.utils import timezone

from booking.core.models import Consultant
from booking.payments.earnings import ZERO
from booking.payments.models import Earning

State = Earning.State


def statement(consultant: Consultant, *, now=None) -> list[dict]:
    """Per currency, in currency order: its lines, newest first, and totals."""
    now = now or timezone.now()
    lines = list(
        consultant.earnings.select_related("booking", "payout").order_by(
            "currency", "-created_at", "-pk"
        )
    )
    paid_out = {
        line.booking_id: line.payout_id
        for line in lines
        if line.kind == Earning.Kind.BOOKING and line.payout_id
    }
    currencies = {}
    for line in lines:
        group = currencies.setdefault(
            line.currency,
            {
                "currency": line.currency,
                "lines": [],
                "totals": {state: ZERO for state in State.values},
            },
        )
        state = line.state(now)
        group["totals"][state] += line.net
        group["lines"].append(
            {
                "line": line,
                "state": state,
                "label": State(state).label,
                "note": _note(line, state, paid_out),
            }
        )
    return [currencies[currency] for currency in sorted(currencies)]


def _note(line: Earning, state: str, paid_out: dict) -> str:
    carried = line.kind == Earning.Kind.REVERSAL and paid_out.get(
        line.booking_id
    ) not in (None, line.payout_id)
    if carried:
        return (
            "Refund after payout: taken off this payout"
            if line.payout_id
            else "Refund after payout: taken off your next payout"
        )
    if state == State.PAID and line.payout.paid_at:
        return f"Paid {timezone.localtime(line.payout.paid_at):%d %b %Y}"
    if state == State.PENDING:
        if line.available_at:
            return f"Available from {timezone.localtime(line.available_at):%d %b %Y}"
        return "Available once the session is completed"
    return ""


HEADER = [
    "Currency",
    "Date",
    "Booking",
    "Kind",
    "Gross",
    "Commission",
    "Net",
    "State",
    "Note",
]


def rows(consultant: Consultant, *, now=None):
    """The statement as spreadsheet rows (text cells; the caller makes them safe
    for spreadsheets), each currency followed by its totals."""
    yield HEADER
    for group in statement(consultant, now=now):
        currency = group["currency"]
        for entry in group["lines"]:
            line = entry["line"]
            yield [
                currency,
                f"{timezone.localtime(line.created_at):%Y-%m-%d}",
                line.booking.reference,
                line.get_kind_display(),
                str(line.gross),
                str(line.commission),
                str(line.net),
                entry["label"],
                entry["note"],
            ]
        for state, total in group["totals"].items():
            yield [currency, "", "", f"Total {State(state).label.lower()}"] + [
                "",
                "",
                str(total),
                "",
                "",
            ]
