"""The Reports section: every figure of `booking.reports.figures` as a chart with
its table beside it, one filter (days, consultant, service) for them all, and
each table as CSV or XLSX through the bookings export's writer.

Booking admins and staff (whoever sees every booking) see the whole practice; a
consultant sees only their own figures, and a query naming another consultant
is refused (403), not narrowed."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from booking.admin.permissions import forbidden, own_consultant, sees_everyone
from booking.reports import charts, figures
from booking.reports.filters import OTHERS_FIGURES, ReportFilterForm, asks_for_others
from booking.reports.tables import Table
from booking.spreadsheets.exports import table_response

TEMPLATE = "booking/admin/reports/index.html"
FORMATS = ("csv", "xlsx")
NOT_ALLOWED = "Reports are for booking admins, staff and consultants."


def _access(request):
    """(allowed, the consultant whose figures alone the user may see)."""
    if sees_everyone(request.user):
        return True, None
    own = own_consultant(request.user)
    return own is not None, own


def _form_or_refusal(request):
    allowed, own = _access(request)
    if not allowed:
        return None, forbidden(request, NOT_ALLOWED)
    if asks_for_others(request.GET, own):
        return None, forbidden(request, OTHERS_FIGURES)
    return ReportFilterForm(request.GET or None, own=own), None


@require_GET
def reports_view(request):
    form, refusal = _form_or_refusal(request)
    if refusal:
        return refusal
    if not form.is_bound:
        form = ReportFilterForm({}, own=form.own)
    context = {"form": form, "page_title": "Reports", "header_title": "Reports"}
    if form.is_valid():
        selection = form.selection()
        query = urlencode(selection.query())
        context["selection"] = selection
        context["reports"] = [
            _shown(report(selection), query) for report in figures.REPORTS.values()
        ]
    status = 200 if form.is_valid() else 400
    return TemplateResponse(request, TEMPLATE, context, status=status)


def _shown(table: Table, query: str) -> dict:
    return {
        "table": table,
        "svgs": [charts.svg(chart) for chart in table.charts],
        "downloads": [
            (
                fmt.upper(),
                f"{reverse('booking_report_download', args=[table.slug, fmt])}?{query}",
            )
            for fmt in FORMATS
        ],
    }


@require_GET
def report_download(request, slug, fmt):
    report = figures.REPORTS.get(slug)
    if report is None or fmt not in FORMATS:
        raise Http404("No such report or format.")
    form, refusal = _form_or_refusal(request)
    if refusal:
        return refusal
    if form is None or not form.is_bound:
        form = ReportFilterForm({}, own=form.own if form else None)
    if not form.is_valid():
        return TemplateResponse(
            request,
            TEMPLATE,
            {"form": form, "page_title": "Reports", "header_title": "Reports"},
            status=400,
        )
    table = report(form.selection())
    return table_response(
        name=f"report-{table.slug}", headers=table.headers, rows=table.rows, format=fmt
    )


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return _access(request)[0]


@hooks.register("register_admin_urls")
def reports_urls():
    return [
        path("reports/", reports_view, name="booking_reports"),
        path(
            "reports/<slug:slug>.<str:fmt>",
            report_download,
            name="booking_report_download",
        ),
    ]


@hooks.register("register_reports_menu_item")
def reports_menu_item():
    """In Wagtail's own Reports menu, which shows for consultants too once they
    may see this item."""
    return ReportsMenuItem(
        "Practice reports", reverse("booking_reports"), icon_name="table", order=10
    )
