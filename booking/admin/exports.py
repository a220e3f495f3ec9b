"""The export jobs' screens in the admin: "My exports", a job's progress page and
its download, for the job's owner only (`booking.spreadsheets.exports` writes
them)."""

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import hooks

from booking.admin.bookings import booking_viewset
from booking.admin.permissions import ANY_ACTION, booking_policy
from booking.privacy.audit import record_access
from booking.spreadsheets import exports
from booking.spreadsheets.models import ExportJob

Status = ExportJob.Status


def bookings_for(user, query: str):
    """The bookings the list shows `user` for this query string: the list view
    itself builds the queryset, so scope, filters, search and order are the
    ones the person saw."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(query)
    request.user = user
    request.path = reverse(booking_viewset.get_url_name("index"))
    index = booking_viewset.index_view  # the list's view, as its URL builds it
    view = index.view_class(**index.view_initkwargs)
    view.setup(request)
    return view.get_queryset()


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
        file = exports.export_storage().open(job.file_name, "rb")
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
        content_type=exports.CONTENT_TYPES[job.format],
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
