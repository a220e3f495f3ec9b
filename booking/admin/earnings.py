"""A consultant's "My earnings" page (balances, their bank account through Stripe
Connect, this month, payouts, the statement and its CSV), and a booking admin's
view of any consultant's statement. `booking.admin.payments` routes them."""

import csv

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from booking.core.errors import BookingError
from booking.core.models import Consultant
from booking.payments import connect, earnings, statement
from booking.payments.provider import stripe_enabled
from booking.spreadsheets.exports import BOM, CONTENT_TYPES
from booking.spreadsheets.widgets import spreadsheet_safe

TEMPLATE = "booking/admin/payments/earnings.html"
VIEW_STATEMENTS = "booking.view_payout"


def _own_consultant(request) -> Consultant:
    consultant = getattr(request.user, "consultant", None)
    if consultant is None:
        raise PermissionDenied
    return consultant


def earnings_view(request):
    """The consultant's own earnings: this month, the pending and available
    balances per currency, their bank account, their statement, and a button
    asking for a payout of a currency's available balance once it reaches the
    minimum."""
    consultant = _own_consultant(request)
    if request.method == "POST":
        try:
            payout = earnings.request_payout(
                consultant=consultant,
                actor=request.user,
                currency=request.POST.get("currency", "")[:3],
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{payout} requested.")
        return redirect("booking_earnings")
    if request.GET.get("connect") == "return":
        connect.refresh(consultant)
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **earnings.earnings_summary(consultant),
            "statement": statement.statement(consultant),
            "csv_url": reverse("booking_earnings_csv"),
            "bank": connect.account_state(consultant) if stripe_enabled() else None,
            "weekday": _weekday_name(),
            "payout_hour": settings.PAYOUT_HOUR,
            "hold_days": settings.EARNING_HOLD_DAYS,
            "consultant": consultant,
            "own": True,
            "header_title": "My earnings",
            "page_title": "My earnings",
        },
    )


@require_POST
def connect_view(request):
    """ "Connect your bank account" / "Continue onboarding": off to Stripe."""
    consultant = _own_consultant(request)
    back = request.build_absolute_uri(reverse("booking_earnings")) + "?connect=return"
    try:
        url = connect.onboarding_url(consultant=consultant, return_url=back)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("booking_earnings")
    return redirect(url)


@require_GET
def own_statement_csv(request):
    return _csv(_own_consultant(request))


def _may_view_statements(request) -> None:
    if not request.user.has_perm(VIEW_STATEMENTS):
        raise PermissionDenied


@require_GET
def consultant_statement_view(request, consultant_id):
    """A booking admin's view of one consultant's balances and statement."""
    _may_view_statements(request)
    consultant = get_object_or_404(Consultant, pk=consultant_id)
    title = f"Earnings of {consultant}"
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **earnings.earnings_summary(consultant),
            "statement": statement.statement(consultant),
            "csv_url": reverse(
                "booking_consultant_statement_csv", args=[consultant.pk]
            ),
            "bank": connect.account_state(consultant) if stripe_enabled() else None,
            "hold_days": settings.EARNING_HOLD_DAYS,
            "consultant": consultant,
            "own": False,
            "header_title": title,
            "page_title": title,
        },
    )


@require_GET
def consultant_statement_csv(request, consultant_id):
    _may_view_statements(request)
    return _csv(get_object_or_404(Consultant, pk=consultant_id))


def _csv(consultant: Consultant) -> HttpResponse:
    response = HttpResponse(content_type=CONTENT_TYPES["csv"])
    response.write(BOM)
    writer = csv.writer(response)
    for row in statement.rows(consultant):
        # Amounts stay numbers: "-76.00" is a refund, not a formula.
        writer.writerow(
            [cell if _is_amount(cell) else spreadsheet_safe(cell) for cell in row]
        )
    day = f"{timezone.localtime():%Y-%m-%d}"
    response["Content-Disposition"] = (
        f'attachment; filename="earnings-{consultant.pk}-{day}.csv"'
    )
    return response


def _is_amount(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _weekday_name() -> str:
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    return (*days, "Sunday")[settings.PAYOUT_WEEKDAY - 1]
