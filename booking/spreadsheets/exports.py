"""Booking spreadsheets (DESIGN §7, §11): the bookings list's "Download CSV" and
"Download XLSX" write exactly the rows the list shows (its scope, filters, search
and order) through `BookingExportResource`.

Small exports are answered at once (CSV streamed). Above `BOOKING_EXPORT_ASYNC_ROWS`
rows the export becomes an `ExportJob` that a django-q2 task writes to a file
outside the public media folder, updating its progress every chunk; its page
(`booking.admin.exports`) shows a progress bar and then a download link, for its
owner only, until it expires.

Memory stays flat: bookings are read in chunks, consultant, service and refunds
joined into one query, and written row by row (CSV, or openpyxl's write-only XLSX)."""

import csv
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import BytesIO, StringIO, TextIOWrapper
from pathlib import Path
from urllib.parse import quote_plus

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.db.models import Q
from django.http import (
    FileResponse,
    StreamingHttpResponse,
)
from django.utils import timezone
from django_q.tasks import async_task
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from booking.core.models import Booking
from booking.spreadsheets.fast_csv import csv_rows
from booking.spreadsheets.models import ExportJob
from booking.spreadsheets.resources import BookingExportResource, BookingResource
from booking.spreadsheets.widgets import spreadsheet_safe

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
    queryset,
    *,
    native: bool,
    progress: Callable[[int], None] | None = None,
    intake: Callable[[Booking], bool] | None = None,
) -> Iterator[list]:
    """The header, then one list of cells per booking. `native` gives numbers
    and datetimes (XLSX); otherwise every cell is text (CSV). `progress` is called
    with the number of rows written after every chunk. With `intake` (which
    bookings' intake answers the reader may see) a last column, Intake, holds
    those answers, one "question: answer" a line; without it there is none."""
    resource = BookingExportResource()
    fields = resource.get_export_fields()
    headers = resource.get_export_headers()
    yield [*headers, "Intake"] if intake else headers
    size = chunk_size()
    written = 0
    rows = BookingResource.prepare(queryset)
    if intake:
        rows = rows.only(*BookingResource.loaded_fields, "intake")
    for written, booking in enumerate(rows.iterator(chunk_size=size), 1):
        row = resource.export_row(booking, fields, native=native)
        if intake:
            row.append(
                spreadsheet_safe(intake_text(booking) if intake(booking) else "")
            )
        yield row
        if progress and written % size == 0:
            progress(written)
    if progress:
        progress(written)


def intake_text(booking: Booking) -> str:
    return "\n".join(
        f"{question}: {answer}" for question, answer in booking.intake.items()
    )


class Echo:
    def write(self, value):
        return value


def csv_lines(queryset, progress=None, intake=None) -> Iterator[str]:
    """The CSV text, a chunk of rows at a time. Without intake answers the cells
    come from `csv_rows` (tuples, no model instances); with them, from the
    resource."""
    yield BOM
    if intake is not None:
        writer = csv.writer(Echo())
        rows = booking_rows(queryset, native=False, progress=progress, intake=intake)
        for row in rows:
            yield writer.writerow(row)
        return
    buffer = StringIO()
    writer = csv.writer(buffer)
    for chunk in csv_rows(queryset, progress=progress):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_xlsx(queryset, output, progress=None, intake=None) -> None:
    """A write-only workbook: rows go to a temporary file as they come, so memory
    does not grow with the number of rows. Dates are real dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Bookings")
    for row in booking_rows(queryset, native=True, progress=progress, intake=intake):
        sheet.append([_xlsx_value(value) for value in row])
    workbook.save(output)


def _xlsx_value(value):
    """openpyxl refuses control characters in text; they become U+FFFD."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def filename(extension: str) -> str:
    return f"bookings-{timezone.localtime():%Y-%m-%d-%H%M}.{extension}"


def csv_response(queryset, *, intake=None) -> StreamingHttpResponse:
    lines = (line.encode() for line in csv_lines(queryset, intake=intake))
    response = StreamingHttpResponse(lines, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def xlsx_response(queryset, *, intake=None) -> FileResponse:
    output = BytesIO()
    write_xlsx(queryset, output, intake=intake)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=filename("xlsx"),
        content_type=CONTENT_TYPES["xlsx"],
    )


def table_response(*, name: str, headers: list, rows: list, format: str):
    """A small table (a report's) as a CSV or XLSX download: the same escaping,
    byte-order mark and workbook as the bookings export. Numbers stay numbers."""
    day = f"{timezone.localtime():%Y-%m-%d}"
    if format == "csv":
        writer = csv.writer(Echo())
        lines = [BOM, writer.writerow(headers)]
        lines += [writer.writerow([_csv_cell(cell) for cell in row]) for row in rows]
        response = StreamingHttpResponse(
            (line.encode() for line in lines), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}-{day}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name[:31])
    for row in [headers, *rows]:
        sheet.append([_xlsx_value(spreadsheet_safe(cell)) for cell in row])
    output = BytesIO()
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{name}-{day}.xlsx",
        content_type=CONTENT_TYPES["xlsx"],
    )


def _csv_cell(cell):
    return spreadsheet_safe(cell) if isinstance(cell, str) else cell


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
        expires_at=timezone.now() + kept_for(),
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


def kept_for() -> timedelta:
    return timedelta(hours=settings.BOOKING_EXPORT_KEEP_HOURS)


def export_root() -> Path:
    return Path(settings.BOOKING_SPREADSHEET_ROOT) / "exports"


def export_storage() -> Storage:
    """Where finished export files are kept: the private bucket's `exports/` when
    media is on S3-compatible storage (STORAGES["exports"], README "Scaling
    out"), so that any app server can hand out a file any worker wrote; else
    `export_root()` on this machine's disk, never under MEDIA_ROOT."""
    if "exports" in settings.STORAGES:
        return storages["exports"]
    return FileSystemStorage(location=export_root())


def write_export(
    job_id: int, *, bookings_for: Callable, intake_for: Callable | None = None
) -> str:
    """Write one job's file with the rows `bookings_for(owner, query)` returns (the
    bookings list's own queryset, handed in by the job), and the Intake column
    `intake_for(owner)` allows (see `booking_rows`). The job is claimed first, so
    a task delivered twice writes it once."""
    claimed = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return f"export {job_id} was already taken or is gone"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        intake = intake_for(job.owner) if intake_for else None
        _write(job, bookings_for, intake)
    except Exception as exc:
        logger.exception("Export %s failed", job_id)
        update_job(job, status=Status.FAILED, error=f"The export failed: {exc}")
        return f"export {job_id} failed"
    return f"export {job_id}: {job.rows_done} rows"


def _write(job: ExportJob, bookings_for: Callable, intake) -> None:
    queryset = bookings_for(job.owner, job.query)
    update_job(job, rows_total=queryset.count())
    name = f"{job.pk}-{secrets.token_hex(8)}.{job.format}"

    def progress(rows: int) -> None:
        update_job(job, rows_done=rows)

    # Written to a temporary file first, then handed to the storage whole.
    with tempfile.TemporaryFile() as target:
        if job.format == ExportJob.Format.CSV:
            text = TextIOWrapper(target, encoding="utf-8", newline="")
            text.writelines(csv_lines(queryset, progress, intake))
            text.flush()
            text.detach()
        else:
            write_xlsx(queryset, target, progress, intake)
        target.seek(0)
        name = export_storage().save(name, File(target))
    update_job(
        job,
        status=Status.DONE,
        file_name=name,
        finished_at=timezone.now(),
        expires_at=timezone.now() + kept_for(),
    )


def update_job(job: ExportJob, **changes) -> None:
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
            export_storage().delete(job.file_name)
        deleted += 1
    jobs.delete()
    return deleted
