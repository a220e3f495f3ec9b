"""Booking spreadsheets (DESIGN §7, §11): the bookings list's "Download CSV" and
"Download XLSX" write exactly the rows the list shows (its scope, filters, search
and order) through `BookingExportResource`.

Small exports are answered at once (CSV streamed). Above `BOOKING_EXPORT_ASYNC_ROWS`
rows the export becomes an `ExportJob` that a django-q2 task writes to a file
outside the public media folder, updating its progress every chunk; its page shows
a progress bar and then a download link, for its owner only, until it expires.

Memory stays flat however many rows: bookings are read in chunks with consultant,
service and refunded total joined into the one query, and written row by row (CSV
to the response or file, XLSX through openpyxl's write-only mode)."""

import csv
import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import quote_plus

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django_q.tasks import async_task
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail import hooks

from booking.admin_views import ANY_ACTION, booking_policy
from booking.audit import record_access
from booking.models import ExportJob
from booking.resources import BookingExportResource, BookingResource

logger = logging.getLogger(__name__)
Status = ExportJob.Status
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel reads a CSV file as UTF-8 only when it starts with this mark.
BOM = "\ufeff"


def chunk_size() -> int:
    return settings.BOOKING_EXPORT_CHUNK_ROWS


# --- writing rows -------------------------------------------------------------------


def booking_rows(
    queryset, *, native: bool, progress: Callable[[int], None] | None = None
) -> Iterator[list]:
    """The header, then one list of cells per booking. `native` gives numbers
    and datetimes (XLSX); otherwise every cell is text (CSV). `progress` is called
    with the number of rows written after every chunk."""
    resource = BookingExportResource()
    fields = resource.get_export_fields()
    yield resource.get_export_headers()
    size = chunk_size()
    written = 0
    for written, booking in enumerate(
        BookingResource.prepare(queryset).iterator(chunk_size=size), 1
    ):
        yield resource.export_row(booking, fields, native=native)
        if progress and written % size == 0:
            progress(written)
    if progress:
        progress(written)


class Echo:
    def write(self, value):
        return value


def csv_lines(queryset, progress=None) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield BOM
    for row in booking_rows(queryset, native=False, progress=progress):
        yield writer.writerow(row)


def write_xlsx(queryset, output, progress=None) -> None:
    """A write-only workbook: rows go to a temporary file as they come, so memory
    does not grow with the number of rows. Dates are real dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Bookings")
    for row in booking_rows(queryset, native=True, progress=progress):
        sheet.append([_xlsx_value(value) for value in row])
    workbook.save(output)


def _xlsx_value(value):
    """openpyxl refuses control characters in text; they become U+FFFD."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def filename(extension: str) -> str:
    return f"bookings-{timezone.localtime():%Y-%m-%d-%H%M}.{extension}"


def csv_response(queryset) -> StreamingHttpResponse:
    lines = (line.encode() for line in csv_lines(queryset))
    response = StreamingHttpResponse(lines, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def xlsx_response(queryset) -> FileResponse:
    output = BytesIO()
    write_xlsx(queryset, output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=filename("xlsx"),
        content_type=CONTENT_TYPES["xlsx"],
    )


# --- large exports as jobs ------------------------------------------------------------


def is_large(queryset) -> bool:
    """Whether the export is for a job: counts at most threshold + 1 rows."""
    threshold = settings.BOOKING_EXPORT_ASYNC_ROWS
    return queryset.order_by()[: threshold + 1].count() > threshold


def start_export(*, owner, format: str, query: str) -> ExportJob:
    """Queue a job writing the bookings `owner` sees with this list query."""
    job = ExportJob.objects.create(
        owner=owner,
        format=format,
        query=query,
        expires_at=timezone.now() + _kept_for(),
    )
    transaction.on_commit(
        lambda: async_task(
            "booking.tasks.write_export",
            job.pk,
            task_name=f"Export bookings #{job.pk}",
            timeout=settings.BOOKING_EXPORT_TIMEOUT_SECONDS,
        )
    )
    return job


def _kept_for() -> timedelta:
    return timedelta(hours=settings.BOOKING_EXPORT_KEEP_HOURS)


def export_root() -> Path:
    return Path(settings.BOOKING_SPREADSHEET_ROOT) / "exports"


def bookings_for(user, query: str):
    """The bookings the list shows `user` for this query string: the list view
    itself builds the queryset, so scope, filters, search and order are the
    ones the person saw."""
    from booking.viewsets import booking_viewset

    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(query)
    request.user = user
    request.path = reverse(booking_viewset.get_url_name("index"))
    index = booking_viewset.index_view  # the list's view, as its URL builds it
    view = index.view_class(**index.view_initkwargs)
    view.setup(request)
    return view.get_queryset()


def write_export(job_id: int) -> str:
    """Write one job's file. The job is claimed first, so a task delivered twice
    writes it once."""
    claimed = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return f"export {job_id} was already taken or is gone"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        _write(job)
    except Exception as exc:
        logger.exception("Export %s failed", job_id)
        _update(job, status=Status.FAILED, error=f"The export failed: {exc}")
        return f"export {job_id} failed"
    return f"export {job_id}: {job.rows_done} rows"


def _write(job: ExportJob) -> None:
    queryset = bookings_for(job.owner, job.query)
    _update(job, rows_total=queryset.count())
    name = f"{job.pk}-{secrets.token_hex(8)}.{job.format}"
    target = export_root() / name
    target.parent.mkdir(parents=True, exist_ok=True)

    def progress(rows: int) -> None:
        _update(job, rows_done=rows)

    if job.format == ExportJob.Format.CSV:
        with target.open("w", encoding="utf-8", newline="") as output:
            output.writelines(csv_lines(queryset, progress))
    else:
        write_xlsx(queryset, target, progress)
    _update(
        job,
        status=Status.DONE,
        file_name=name,
        finished_at=timezone.now(),
        expires_at=timezone.now() + _kept_for(),
    )


def _update(job: ExportJob, **changes) -> None:
    for name, value in changes.items():
        setattr(job, name, value)
    job.save(update_fields=[*changes, "updated_at"])


def delete_expired_exports(now=None) -> int:
    """Delete expired jobs and their files, and fail jobs whose worker died
    (no progress for longer than a job may run); safe to run again any time."""
    now = now or timezone.now()
    stalled = timedelta(seconds=settings.BOOKING_EXPORT_TIMEOUT_SECONDS)
    ExportJob.objects.filter(
        status__in=(Status.QUEUED, Status.RUNNING), updated_at__lt=now - stalled
    ).update(
        status=Status.FAILED,
        error="The export stopped before it finished; please export again.",
        updated_at=now,
    )
    return _delete_jobs(ExportJob.objects.filter(expires_at__lte=now))


def forget_searches_for(texts) -> int:
    """Delete the export jobs (and files) whose list query contains any of `texts`:
    an erased client's email, name or phone typed into the list's search."""
    mentions = Q()
    for text in filter(None, texts):
        mentions |= Q(query__icontains=text) | Q(query__icontains=quote_plus(text))
    return _delete_jobs(ExportJob.objects.filter(mentions)) if mentions else 0


def _delete_jobs(jobs) -> int:
    deleted = 0
    for job in jobs.only("pk", "file_name").iterator():
        if job.file_name:
            (export_root() / job.file_name).unlink(missing_ok=True)
        deleted += 1
    jobs.delete()
    return deleted


# --- views ----------------------------------------------------------------------


def own_job(request, pk: int) -> ExportJob:
    """Someone else's export does not exist, as far as anyone else can tell;
    nor does one whose owner may no longer see bookings at all."""
    if not booking_policy.user_has_any_permission(request.user, ANY_ACTION):
        raise Http404("No such export.")
    return get_object_or_404(
        ExportJob, pk=pk, owner=request.user, expires_at__gt=timezone.now()
    )


def job_state(job: ExportJob) -> dict:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "error": job.error,
        "download_url": (
            reverse("booking_exports:download", args=(job.pk,))
            if job.status == Status.DONE
            else ""
        ),
    }


def job_view(request, pk: int):
    job = own_job(request, pk)
    return TemplateResponse(
        request,
        "booking/admin/exports/job.html",
        {
            "job": job,
            "state": job_state(job),
            "running": job.status in (Status.QUEUED, Status.RUNNING),
            "page_title": "Booking export",
            "header_title": "Booking export",
        },
    )


def job_status_view(request, pk: int):
    response = JsonResponse(job_state(own_job(request, pk)))
    response["Cache-Control"] = "private, no-store"
    return response


def download_view(request, pk: int):
    job = own_job(request, pk)
    if job.status != Status.DONE:
        raise Http404("This export is not ready.")
    try:
        file = (export_root() / job.file_name).open("rb")
    except FileNotFoundError as exc:
        raise Http404("This export's file is gone.") from exc
    record_access(
        user=request.user,
        action="exported",
        target=f"bookings list, {job.format.upper()} (export job #{job.pk})",
        request=request,
    )
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"bookings-{job.created_at:%Y-%m-%d-%H%M}.{job.format}",
        content_type=CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "private, no-store"
    return response


def jobs_view(request):
    jobs = ExportJob.objects.filter(owner=request.user, expires_at__gt=timezone.now())
    return TemplateResponse(
        request,
        "booking/admin/exports/jobs.html",
        {
            "jobs": jobs[:50],
            "threshold": settings.BOOKING_EXPORT_ASYNC_ROWS,
            "page_title": "My exports",
            "header_title": "My exports",
        },
    )


def large_export_redirect(request, *, format: str):
    """Called by the bookings list when an export is too large for one request."""
    params = request.GET.copy()
    params.pop("export", None)
    job = start_export(owner=request.user, format=format, query=params.urlencode())
    return redirect("booking_exports:job", job.pk)


urlpatterns = [
    path("", jobs_view, name="index"),
    path("<int:pk>/", job_view, name="job"),
    path("<int:pk>/status/", job_status_view, name="status"),
    path("<int:pk>/download/", download_view, name="download"),
]


@hooks.register("register_admin_urls")
def register_export_urls():
    return [
        path(
            "exports/",
            include((urlpatterns, "booking_exports"), namespace="booking_exports"),
        )
    ]
