"""The Import screen of the Wagtail admin (**Import spreadsheets**): choose what to
import, upload a CSV or XLSX file, read the preview (each row new, changed,
unchanged or wrong, and why), then confirm. See `booking.spreadsheets.imports`.

Staff and Booking admins import consultants, services and weekly availability;
historical bookings need "Can import historical bookings" (Booking admins)."""

import csv

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from booking.admin.permissions import forbidden
from booking.core.errors import NotPermitted
from booking.spreadsheets import imports
from booking.spreadsheets.models import SpreadsheetImport

Kind = SpreadsheetImport.Kind
TITLE = "Import spreadsheets"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What to import", widget=forms.RadioSelect)
    file = forms.FileField(
        label="Spreadsheet",
        help_text="A .csv (UTF-8) or .xlsx file whose first row names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.value, kind.label) for kind in imports.kinds_for(user)
        ]


def _columns(kind: Kind) -> list[str]:
    return imports.RESOURCES[kind]().get_export_headers()


def _page(request, template: str, status: int = 200, **context):
    context.setdefault("page_title", TITLE)
    context.setdefault("header_title", TITLE)
    return TemplateResponse(
        request, f"booking/admin/imports/{template}", context, status=status
    )


def import_view(request):
    """The upload form; a valid upload is answered with its preview."""
    kinds = imports.kinds_for(request.user)
    if not kinds:
        return forbidden(request, "You do not have permission to import spreadsheets.")
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record, outcome = imports.preview(
                user=request.user,
                kind=form.cleaned_data["kind"],
                name=upload.name,
                content=upload.read(),
            )
        except imports.ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            return _page(request, "preview.html", record=record, outcome=outcome)
    kind_columns = [(kind, _columns(kind)) for kind in kinds]
    status = 400 if form.errors else 200
    return _page(request, "upload.html", status, form=form, kinds=kind_columns)


def preview_view(request, pk: int):
    """The preview again, e.g. after a reload."""
    record = get_object_or_404(SpreadsheetImport, pk=pk, owner=request.user)
    try:
        outcome = imports.show_preview(record)
    except imports.ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("booking_imports:index")
    return _page(request, "preview.html", record=record, outcome=outcome)


@require_POST
def confirm_view(request, pk: int):
    record = get_object_or_404(SpreadsheetImport, pk=pk, owner=request.user)
    try:
        outcome = imports.confirm(user=request.user, record=record)
    except NotPermitted as exc:
        return forbidden(request, exc.message)
    except imports.ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("booking_imports:index")
    if record.status != record.Status.IMPORTED:
        return _page(request, "preview.html", 409, record=record, outcome=outcome)
    messages.success(
        request,
        f"Imported {record.get_kind_display().lower()} from {record.original_name}: "
        f"{imports.summary(outcome.totals)}.",
    )
    return redirect("booking_imports:index")


def columns_view(request, kind: str):
    """A CSV with the columns this kind of import reads, and (except for
    bookings) the current data, ready to edit and import back."""
    kind = Kind(kind) if kind in Kind.values else None
    if kind is None or kind not in imports.kinds_for(request.user):
        return forbidden(request, "You do not have permission to import that.")
    resource = imports.RESOURCES[kind]()
    dataset = resource.export(queryset=[] if kind == Kind.BOOKINGS else None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind.value}.csv"'
    writer = csv.writer(response)
    writer.writerow(dataset.headers)
    writer.writerows(dataset)
    return response


urlpatterns = [
    path("", import_view, name="index"),
    path("<int:pk>/", preview_view, name="preview"),
    path("<int:pk>/confirm/", confirm_view, name="confirm"),
    path("columns/<slug:kind>.csv", columns_view, name="columns"),
]


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "import/",
            include((urlpatterns, "booking_imports"), namespace="booking_imports"),
        )
    ]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(imports.kinds_for(request.user))


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        TITLE, reverse("booking_imports:index"), icon_name="upload", order=205
    )
