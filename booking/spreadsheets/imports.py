"""Spreadsheet imports (DESIGN §7): consultants, services, weekly availability and
historical bookings from CSV or XLSX, previewed before anything is written.

1. `preview` keeps the upload on the server (outside the media folder, under a
   `SpreadsheetImport` that belongs to the uploader) and runs the import as a dry
   run in a transaction that is rolled back: every row is new, changed, unchanged
   or wrong, with the reason.
2. `confirm` re-reads that same file (its checksum must match), runs the import in
   one transaction and keeps it only if no row fails and the outcome is the one the
   preview showed; otherwise nothing is written."""

import hashlib
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import RowResult
from openpyxl.utils.exceptions import InvalidFileException
from tablib import Dataset

from booking.core.errors import NotPermitted
from booking.core.states import BookingStatus
from booking.privacy.audit import record_access
from booking.spreadsheets import consultants, history, resources
from booking.spreadsheets.models import SpreadsheetImport

S = BookingStatus


Kind = SpreadsheetImport.Kind


# What may be imported, and who may import it.
RESOURCES = {
    Kind.CONSULTANTS: consultants.ConsultantResource,
    Kind.SERVICES: resources.ServiceResource,
    Kind.AVAILABILITY: resources.AvailabilityResource,
    Kind.BOOKINGS: history.HistoricalBookingResource,
}


PERMISSIONS = {
    Kind.CONSULTANTS: "booking.import_spreadsheets",
    Kind.SERVICES: "booking.import_spreadsheets",
    Kind.AVAILABILITY: "booking.import_spreadsheets",
    Kind.BOOKINGS: "booking.import_bookings",
}


# A preview can be confirmed for this long.
PREVIEW_VALID = timedelta(hours=2)


ACTION_LABELS = {
    RowResult.IMPORT_TYPE_NEW: "New",
    RowResult.IMPORT_TYPE_UPDATE: "Changed",
    RowResult.IMPORT_TYPE_SKIP: "Unchanged",
    RowResult.IMPORT_TYPE_INVALID: "Error",
    RowResult.IMPORT_TYPE_ERROR: "Error",
}


class ImportRefused(Exception):
    """The whole file is refused; the message says why and what to do."""


def kinds_for(user) -> list[Kind]:
    return [kind for kind in Kind if user.has_perm(PERMISSIONS[kind])]


def read_dataset(content: bytes, name: str) -> Dataset:
    """The rows of a CSV (UTF-8) or XLSX file; the first row names the columns."""
    extension = Path(name).suffix.lower()
    if len(content) > settings.BOOKING_IMPORT_MAX_BYTES:
        limit = settings.BOOKING_IMPORT_MAX_BYTES // (1024 * 1024)
        raise ImportRefused(f"The file is larger than {limit} MB; split it up.")
    if extension == ".csv":
        dataset = _read_csv(content)
    elif extension == ".xlsx":
        dataset = _read_xlsx(content)
    else:
        raise ImportRefused("Upload a .csv or .xlsx file.")
    _drop_trailing_blank_rows(dataset)
    if len(dataset) > settings.BOOKING_IMPORT_MAX_ROWS:
        raise ImportRefused(
            f"The file has {len(dataset):,} rows; import at most "
            f"{settings.BOOKING_IMPORT_MAX_ROWS:,} at a time."
        )
    return dataset


def _read_csv(content: bytes) -> Dataset:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            "The CSV file is not UTF-8 text. Save it as “CSV UTF-8” and upload again."
        ) from None
    return CSV().create_dataset(text)


def _read_xlsx(content: bytes) -> Dataset:
    try:
        return XLSX().create_dataset(content)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, StopIteration):
        raise ImportRefused(
            "The file cannot be read as an Excel workbook (.xlsx)."
        ) from None


def _drop_trailing_blank_rows(dataset: Dataset) -> None:
    while len(dataset) and all(cell in (None, "") for cell in dataset[-1]):
        del dataset[-1]


@dataclass
class PreviewRow:
    line: int  # the spreadsheet's row number; the header is row 1
    action: str
    cells: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What an import did (or, as a preview, would do)."""

    totals: dict
    rows: list[PreviewRow]
    headers: list[str]
    file_errors: list[str]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.error_count


def import_root() -> Path:
    return Path(settings.BOOKING_SPREADSHEET_ROOT) / "imports"


def preview(*, user, kind: str, name: str, content: bytes):
    """Keep the upload, dry-run it; returns (the import record, the outcome)."""
    _check_permission(user, kind)
    read_dataset(content, name)  # refuse unreadable files before keeping them
    file_name = f"{secrets.token_hex(16)}{Path(name).suffix.lower()}"
    import_root().mkdir(parents=True, exist_ok=True)
    (import_root() / file_name).write_bytes(content)
    record = SpreadsheetImport(
        owner=user,
        kind=kind,
        original_name=Path(name).name[:255],
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    outcome = _run(record, dry_run=True)
    record.totals = outcome.totals
    record.save()
    return record, outcome


def show_preview(record: SpreadsheetImport) -> Outcome:
    """The preview again (e.g. after reloading the page)."""
    return _run(record, dry_run=True)


class StaleImport(Exception):
    pass


def confirm(*, user, record: SpreadsheetImport) -> Outcome:
    """Import the previewed file in one transaction: everything or nothing."""
    _check_permission(user, record.kind)
    if record.owner_id != user.pk or record.status != record.Status.PREVIEWED:
        raise ImportRefused("This import was already confirmed or refused.")
    if record.created_at < timezone.now() - PREVIEW_VALID:
        raise ImportRefused("The preview is too old; upload the file again.")
    try:
        with transaction.atomic():
            outcome = _run(record, dry_run=False)
            if not outcome.ok:
                raise StaleImport
            if outcome.totals != record.totals:
                outcome.file_errors.append(
                    "The data changed since the preview (it would now do "
                    f"{summary(outcome.totals)} instead of "
                    f"{summary(record.totals)}); preview the file again."
                )
                raise StaleImport
            _finish(record, record.Status.IMPORTED)
            record_access(
                user=user,
                action="imported",
                target=f"{record.get_kind_display()}: {summary(outcome.totals)}",
            )
    except StaleImport:
        _finish(record, record.Status.REFUSED)
    return outcome


def _finish(record: SpreadsheetImport, status: str) -> None:
    record.status = status
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "finished_at"])
    (import_root() / record.file_name).unlink(missing_ok=True)


def summary(totals: dict) -> str:
    return ", ".join(
        f"{totals.get(key, 0)} {label.lower()}"
        for key, label in (
            (RowResult.IMPORT_TYPE_NEW, "New"),
            (RowResult.IMPORT_TYPE_UPDATE, "Changed"),
            (RowResult.IMPORT_TYPE_SKIP, "Unchanged"),
        )
    )


def _check_permission(user, kind: str) -> None:
    if not user.has_perm(PERMISSIONS[Kind(kind)]):
        raise NotPermitted(
            f"You do not have permission to import {Kind(kind).label.lower()}."
        )


def _read_kept(record: SpreadsheetImport) -> Dataset:
    """The kept upload, refused if it is not byte for byte what was previewed."""
    try:
        content = (import_root() / record.file_name).read_bytes()
    except FileNotFoundError:
        raise ImportRefused("The uploaded file is gone; upload it again.") from None
    if hashlib.sha256(content).hexdigest() != record.sha256:
        raise ImportRefused("The uploaded file changed; upload it again.")
    return read_dataset(content, record.original_name)


def _run(record: SpreadsheetImport, *, dry_run: bool) -> Outcome:
    resource = RESOURCES[Kind(record.kind)](
        actor=record.owner, source_name=record.original_name
    )
    result = resource.import_data(
        _read_kept(record),
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    return _outcome(resource, result)


def _outcome(resource, result) -> Outcome:
    errors = {row.number: _messages(row.error_dict) for row in result.invalid_rows}
    for row in result.error_rows:
        errors[row.number] = [str(error.error) for error in row.errors]
    rows = [
        PreviewRow(
            line=number + 1,
            action=ACTION_LABELS.get(row.import_type, row.import_type),
            cells=row.diff or [],
            errors=errors.get(number, []),
        )
        for number, row in enumerate(result.rows, 1)
    ]
    totals = {key: value for key, value in result.totals.items() if value}
    return Outcome(
        totals=totals,
        rows=rows,
        headers=result.diff_headers,
        file_errors=[str(error.error) for error in result.base_errors],
    )


def _messages(error_dict: dict) -> list[str]:
    return [
        message if column == "__all__" else f"{column}: {message}"
        for column, messages in error_dict.items()
        for message in messages
    ]


def delete_stale_uploads(now=None) -> int:
    """Uploads never confirmed are deleted once their preview has expired."""
    stale = SpreadsheetImport.objects.filter(
        status=SpreadsheetImport.Status.PREVIEWED,
        created_at__lt=(now or timezone.now()) - PREVIEW_VALID,
    )
    count = 0
    for record in stale.iterator():
        (import_root() / record.file_name).unlink(missing_ok=True)
        record.status = record.Status.REFUSED
        record.save(update_fields=["status"])
        count += 1
    return count
