"""The role sweep (issue 27, "Every role sees and changes only what it should").

For each role (an editor, a booking admin, staff, two consultants each linked to
their own Consultant with their own clients, and a signed-in user in no group),
every URL pattern under /admin/ and /api/v1/staff/ is read from the URL resolver,
so a new screen is swept without editing this file. Its arguments are filled with
another consultant's objects (`ARGUMENTS`; for the two consultants, each other's):
their bookings, payments, refund, review, emails, payout, export, availability and
profile page with its draft, and other people's API tokens and imports. Then:

- no response shows that consultant's client names, client emails, booking
  references, intake notes or client's review, their page draft, or anyone else's
  API token, unless the role sees them there by right (`SEES_EVERY_BOOKING` and
  `BOOKING_ADMINS_SEE`, for the roles of booking/admin/permissions.py that see
  every booking; editors read every page);
- a POST changes no booking, payment, email, page, user or token unless the role
  may make that change there (`MAY_CHANGE`), and a consultant's POST never
  changes the other consultant's rows;
- nothing answers with a server error.

The practice (tests/booking/admin/sweep_practice.py) is built once, in a
transaction rolled back when the module ends; each case is a request or two in a
savepoint of its own. Problems not fixed yet are `KNOWN`
(strict xfail, so each case flips to a failure the day it is fixed)."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django_q.models import Failure, Task
from wagtail import hooks
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import (
    APIToken,
    Collection,
    Page,
    Revision,
    Site,
    TaskState,
    Workflow,
    WorkflowState,
)
from wagtail.models import Task as WagtailTask

from booking.admin.actions import ACTIONS
from booking.admin.permissions import can_see_intake_notes, sees_everyone
from booking.core.models import Booking, Consultant, Service
from booking.notifications.models import OutboxEmail
from booking.payments.models import Earning, Payment, Payout, Refund
from booking.reviews.models import Review
from booking.scheduling import hours
from booking.scheduling.models import CalendarFeed, MeetingLink, OutsideCalendar
from booking.spreadsheets.models import ExportJob, SpreadsheetImport
from tests.booking.admin.sweep_practice import ROLES, build_practice
from tests.factories import next_monday_at

SWEPT = ("admin/", "api/v1/staff/")

# URL patterns that cannot be requested meaningfully, and why.
EXCLUDED = {
    "wagtailadmin_logout": "signs the user out, so nothing after it is the role's",
    "wagtailadmin_login": "the sign-in form, for people who are signed out",
    "admin/login/": "Haven's throttled sign-in form (config/admin_login.py), for "
    "people who are signed out",
    "wagtailadmin_error_test": "Wagtail's page that fails on purpose, to show the "
    "error page",
    "admin/^.*/$": "Wagtail's catch-all for addresses that are no screen (a 404)",
}

# Where booking admins and staff see every consultant's bookings and clients
# (booking/admin/permissions.py: `sees_everyone`).
SEES_EVERY_BOOKING = {
    "bookings:index": "the bookings list",
    "bookings:index_results": "the bookings list",
    "bookings:inspect": "a booking's page",
    "bookings:history": "a booking's history",
    "bookings:history_results": "a booking's history",
    "booking_calendar": "the calendar, for everyone or one consultant",
    "wagtailadmin_home": "the dashboard lists waiting requests and today's sessions",
    "booking_desk_panels": "the dashboard's panels, fetched again every minute",
    "api:staff_bookings": "the staff API's bookings",
    "api:staff_booking": "the staff API's booking",
    "wagtailadmin_reports:site_history": (
        "Wagtail's site history lists the history entries of the bookings (by "
        "reference) these roles may see"
    ),
    "wagtailadmin_reports:site_history_results": "as the site history",
}

# Where only booking admins see them (and intake notes), as it is their work.
BOOKING_ADMINS_SEE = {
    **{f"bookings:transition[{name}]": "a booking's action" for name in ACTIONS},
    "booking_calendar_move": "moving a booking from the calendar (its free times)",
    "booking_calendar_undo": "undoing a move in the calendar",
    "booking_client_account": "a client's account, opened from one of their bookings",
    "booking_attendance": "marking who came, from the booking's page",
    "api:staff_transition": "the staff API answers an action with the booking",
    "outbox:index": "Email & jobs",
    "outbox:index_results": "Email & jobs",
    "outbox:inspect": "one email",
    "outbox:history": "one email's history",
    "outbox:history_results": "one email's history",
    "outbox:usage": "one email (its title names the recipient)",
    "payments:index": "Payments",
    "payments:index_results": "Payments",
    "payments:inspect": "one payment",
    "refunds:index": "Refunds",
    "refunds:index_results": "Refunds",
    "refunds:inspect": "one refund",
    "payouts:inspect": "a payout lists the bookings it pays for",
    "wagtailsnippets_booking_review:list": "review moderation",
    "wagtailsnippets_booking_review:list_results": "review moderation",
    "wagtailsnippets_booking_review:edit": "review moderation",
    "wagtailsnippets_booking_review:inspect": "review moderation",
    "booking_review_publish": "review moderation: the review before publishing",
    "booking_review_hide": "review moderation: the review before hiding",
    "wagtailsnippets_booking_review:delete": "review moderation",
    "wagtailsnippets_booking_review:history": "review moderation",
    "wagtailsnippets_booking_review:history_results": "review moderation",
    "wagtailsnippets_booking_review:usage": "review moderation",
    "wagtailsnippetchoosers_booking_review:choose": "review moderation",
    "wagtailsnippetchoosers_booking_review:choose_results": "review moderation",
    "wagtailsnippetchoosers_booking_review:chosen": "review moderation",
    "wagtail_bulk_action[booking,review,delete]": "review moderation",
    "booking_client_data": "clients' data requests",
    "booking_consultant_statement": "a consultant's earnings statement (payouts)",
    "booking_consultant_statement_csv": "a consultant's earnings statement (payouts)",
}

# What a POST may change, by role: case -> reason. A consultant's POST never
# changes the other consultant's rows, even here.
EDITORS_CHANGE = "editors add, change, publish, move, copy and delete pages"
MEDIA = "editors change and delete images and documents"
MAY_CHANGE = {
    "editor": {
        "wagtailadmin_pages:copy": EDITORS_CHANGE,
        "wagtailadmin_pages:delete": EDITORS_CHANGE,
        "wagtailadmin_pages:move_confirm": EDITORS_CHANGE,
        "wagtailadmin_api:pages:action[copy]": EDITORS_CHANGE,
        "wagtailadmin_api:pages:action[delete]": EDITORS_CHANGE,
        "wagtailadmin_api:pages:action[publish]": EDITORS_CHANGE,
        "wagtail_bulk_action[wagtailcore,page,delete]": EDITORS_CHANGE,
        "wagtail_bulk_action[wagtailcore,page,publish]": EDITORS_CHANGE,
        "wagtailimages:edit": MEDIA,
        "wagtailimages:delete": MEDIA,
        "wagtailimages:delete_multiple": MEDIA,
        "wagtail_bulk_action[wagtailimages,image,delete]": MEDIA,
        "wagtaildocs:edit": MEDIA,
        "wagtaildocs:delete": MEDIA,
        "wagtaildocs:delete_multiple": MEDIA,
        "wagtail_bulk_action[wagtaildocs,document,delete]": MEDIA,
    },
    "booking_admin": {
        **{
            f"bookings:transition[{name}]": "booking admins run every booking action"
            for name in ACTIONS
        },
        "outbox:retry": "booking admins send failed emails again",
        "outbox:retry_all": "booking admins send failed emails again",
        "failed_tasks:retry": "booking admins run failed jobs again",
        "failed_tasks:retry_all": "booking admins run failed jobs again",
        "booking_payout_mark_paid": "booking admins mark payouts paid",
        "booking_calendar_feed": "booking admins make or revoke anyone's feed link",
        **{
            f"booking_outside_calendars:{name}": "booking admins keep anyone's "
            "outside calendars"
            for name in ("edit", "delete", "read")
        },
        "wagtailsnippets_booking_review:delete": "booking admins moderate reviews",
        "booking_review_publish": "booking admins moderate reviews",
        "booking_review_hide": "booking admins moderate reviews",
        "wagtail_bulk_action[booking,review,delete]": "booking admins moderate reviews",
        "api:staff_bookings": "booking admins take phone bookings",
        "api:staff_transition": "booking admins run every booking action",
    },
    "staff": {},
    "consultant_a": {
        "booking_calendar_feed": "a consultant makes or revokes their own feed link"
    },
    "consultant_b": {
        "booking_calendar_feed": "a consultant makes or revokes their own feed link"
    },
    "nobody": {},
}

# Problems the sweep finds and that are not fixed yet: (role, case) -> why. Each is
# a strict expected failure, so it flips to a failure when its fix lands. Empty:
# the issue 27 items it found are fixed, and review titles no longer carry the
# booking reference (Wagtail's bulk-action pages list them to anyone in the admin).
CONSULTANT_ROLES = ("consultant_a", "consultant_b")
KNOWN: dict[tuple[str, str], str] = {}


# --- the URL patterns --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One URL pattern, with the arguments it fixes itself (a bulk action's model
    and action, a booking action's name, an import's kind)."""

    id: str
    name: str | None
    route: str
    args: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...]
    view: object

    @property
    def free_args(self) -> list[str]:
        fixed = dict(self.fixed)
        return [arg for arg in self.args if arg not in fixed]


def _arg_names(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)


def _walk(resolver, route="", namespace="", args=()):
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        names = args + _arg_names(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, (namespace, entry.namespace)))
            yield from _walk(entry, here, inner, names)
        else:
            name = entry.name and ":".join(filter(None, (namespace, entry.name)))
            yield here, name, names, entry.callback


def _variants(name: str | None, args: tuple[str, ...]):
    """Arguments with a few meaningful values each: every registered bulk action,
    every booking action, every kind of import, every page action."""
    if name == "wagtail_bulk_action":
        for action in hooks.get_hooks("register_bulk_action"):
            for model in action.models:
                meta = model._meta
                yield (
                    ("app_label", meta.app_label),
                    ("model_name", meta.model_name),
                    ("action", action.action_type),
                )
    elif name == "bookings:transition":
        yield from ((("action", action),) for action in ACTIONS)
    elif name == "booking_imports:columns":
        yield from ((("kind", kind),) for kind in SpreadsheetImport.Kind.values)
    elif name == "booking_availability:add":
        yield from ((("kind", kind),) for kind in hours.Kind.values)
    elif name == "wagtailadmin_api:pages:action":
        yield from ((("action_name", a),) for a in PagesAdminAPIViewSet.actions)
    elif "action_name" in args:  # a moderation task's actions
        yield from ((("action_name", a),) for a in ("approve", "reject"))
    elif name in FIXED_ARGUMENTS:
        yield tuple(FIXED_ARGUMENTS[name].items())
    else:
        yield ()


FIXED_ARGUMENTS = {
    # One report's table as CSV: each role gets what the Reports page gives it.
    "booking_report_download": {"slug": "revenue", "fmt": "csv"},
    # One products spreadsheet: the credit ledger names clients.
    "booking_product_export": {"what": "credit-ledger"},
    "wagtailsettings:edit": {"app_name": "cms", "model_name": "practicesettings"},
    "wagtailsettings:preview_on_edit": {
        "app_name": "cms",
        "model_name": "practicesettings",
    },
    "wagtailadmin_tag_model_autocomplete": {"app_name": "taggit", "model_name": "tag"},
    "wagtailadmin_editing_sessions:ping": {
        "app_label": "wagtailcore",
        "model_name": "page",
    },
    "wagtailadmin_workflows:add_task": {
        "app_label": "wagtailcore",
        "model_name": "groupapprovaltask",
    },
    "wagtailadmin_pages:choose_parent": {
        "app_label": "cms",
        "model_name": "consultantpage",
    },
    "wagtailadmin_pages:add": {
        "content_type_app_name": "cms",
        "content_type_model_name": "consultantpage",
    },
    "wagtailadmin_pages:preview_on_add": {
        "content_type_app_name": "cms",
        "content_type_model_name": "consultantpage",
    },
    "wagtailadmin_pages:type_use": {
        "content_type_app_name": "cms",
        "content_type_model_name": "consultantpage",
    },
    "wagtailadmin_pages:type_use_results": {
        "content_type_app_name": "cms",
        "content_type_model_name": "consultantpage",
    },
}


def cases() -> list[Case]:
    found = [
        (route, name, args, view)
        for route, name, args, view in _walk(get_resolver())
        if route.startswith(SWEPT)
    ]
    names = [name for _, name, _, _ in found]
    swept = []
    for route, name, args, view in found:
        base = name or route
        if base in EXCLUDED:
            continue
        if names.count(name) > 1:  # one name, several argument lists
            base = f"{name}({','.join(args)})"
        for fixed in _variants(name, args):
            label = f"[{','.join(value for _, value in fixed)}]" if fixed else ""
            swept.append(Case(base + label, name, route, args, fixed, view))
    return swept


CASES = cases()


# --- the arguments: the other consultant's objects ---------------------------------


def _view_model(view):
    """The model a view is about, when it says (Wagtail's generic views and
    viewsets, DRF views)."""
    found = None
    for kwargs in (
        getattr(view, "view_initkwargs", None),
        getattr(view, "initkwargs", None),
    ):
        found = found or (kwargs or {}).get("model")
    for cls in (getattr(view, "view_class", None), getattr(view, "cls", None)):
        found = found or getattr(cls, "model", None)
    if isinstance(found, str):
        return apps.get_model(found)
    return found if isinstance(found, type) else None  # not a property


# Views that take a pk without saying of what (function views, viewset
# methods, views whose model is a property): the URL name, or its namespace.
PK_MODELS = {
    "bookings:transition": Booking,
    "outbox:retry": OutboxEmail,
    "failed_tasks:retry": Failure,
    "booking_exports": ExportJob,
    "booking_imports": SpreadsheetImport,
    "booking_payout_mark_paid": Payout,
    "booking_review_publish": Review,
    "booking_review_hide": Review,
    "wagtailadmin_pages:revisions_compare": Page,
    "wagtailadmin_workflows:enable": Workflow,
    "wagtailadmin_workflows:edit_task": WagtailTask,
    "wagtailadmin_workflows:enable_task": WagtailTask,
    "wagtailsettings": Site,
}


# A booking in the state each booking action applies to.
ACTION_BOOKINGS = {
    "approve": "pending",
    "approve_at": "pending",
    "reject": "pending",
    "record_offline_payment": "approved",
    "reschedule": "confirmed",
    "complete": "ended",
    "no_show": "ended",
    "cancel": "confirmed",
}


def _owned_pk(practice, role, model, case):
    """The other consultant's (or another person's) row of `model`, or None."""
    other = practice.other(role)
    if model is Booking:
        action = dict(case.fixed).get("action")
        return other.bookings[ACTION_BOOKINGS.get(action, "confirmed")].pk
    owned = {
        Consultant: other.consultant,
        Payment: other.payment,
        Refund: other.refund,
        Review: other.review,
        OutboxEmail: other.email,
        Payout: other.payout,
        ExportJob: other.export_job,
        SpreadsheetImport: practice.others_import(role),
        APIToken: practice.others_token(role),
        get_user_model(): other.user,
        Image: other.image,
        Document: other.document,
        Failure: practice.failure,
        Task: practice.failure,
    }
    if model in owned:
        return owned[model].pk
    if issubclass(model, Page):
        return other.page.pk
    return None


def _pk_candidates(practice, role, case) -> list:
    model = _view_model(case.view)
    if model is None:
        name = case.name or ""
        model = PK_MODELS.get(name) or PK_MODELS.get(name.partition(":")[0])
    if model is not None:
        pk = _owned_pk(practice, role, model, case)
        if pk is None:  # not anyone's in particular: any row will do
            pk = (
                model._default_manager.order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
        return [pk if pk is not None else 0]
    # Not known: the other consultant's booking and the rows about it.
    other = practice.other(role)
    rows = (
        other.bookings["confirmed"],
        other.payment,
        other.refund,
        other.email,
        other.review,
        other.payout,
        other.export_job,
    )
    return sorted({row.pk for row in rows})


ARGUMENTS = {
    "consultant_id": lambda p, o: o.consultant.pk,
    # No screen takes these yet; one that does is swept with the other's row.
    "booking_id": lambda p, o: o.bookings["confirmed"].pk,
    "payment_id": lambda p, o: o.payment.pk,
    "refund_id": lambda p, o: o.refund.pk,
    "review_id": lambda p, o: o.review.pk,
    "email_id": lambda p, o: o.email.pk,
    "payout_id": lambda p, o: o.payout.pk,
    "meeting_id": lambda p, o: o.meeting.pk,
    "job_id": lambda p, o: o.export_job.pk,
    "entry_id": lambda p, o: o.entry_id,
    "calendar_id": lambda p, o: o.outside_calendar_id,
    "page_id": lambda p, o: o.page.pk,
    "parent_page_id": lambda p, o: o.page.pk,
    "page_to_move_id": lambda p, o: o.page.pk,
    "page_pk": lambda p, o: o.page.pk,
    "object_id": lambda p, o: str(o.page.pk),
    "destination_id": lambda p, o: p.index.pk,
    "revision_id": lambda p, o: o.draft_revision.pk,
    "revision_id_a": lambda p, o: "earliest",
    "revision_id_b": lambda p, o: "latest",
    "workflow_state_id": lambda p, o: o.workflow_state.pk,
    "workflow_pk": lambda p, o: o.workflow_state.workflow_id,
    "task_state_id": lambda p, o: o.workflow_state.current_task_state.pk,
    "task_id": lambda p, o: o.workflow_state.current_task_state.task_id,
    "session_id": lambda p, o: o.editing_session.pk,
    "image_id": lambda p, o: o.image.pk,
    "doc_id": lambda p, o: o.document.pk,
    "document_id": lambda p, o: o.document.pk,
    "collection_id": lambda p, o: Collection.get_first_root_node().pk,
    "redirect_id": lambda p, o: p.redirect.pk,
    "filter_spec": lambda p, o: "original",
    # Uploads in progress in the multiple-upload screens: none is anyone's.
    "uploaded_file_id": lambda p, o: 1,
    "uidb64": lambda p, o: "MQ",
    "token": lambda p, o: "set-password",
    "reference": lambda p, o: o.bookings["confirmed"].reference,
}


def argument_sets(practice, role, case) -> list[dict]:
    other = practice.other(role)
    values = dict(case.fixed)
    for arg in case.free_args:
        if arg != "pk":
            assert arg in ARGUMENTS, (
                f"{case.id}: no value for the argument “{arg}”; add one to ARGUMENTS "
                "(or the URL to EXCLUDED, saying why)"
            )
            values[arg] = ARGUMENTS[arg](practice, other)
    if "pk" not in case.free_args:
        return [values]
    return [{**values, "pk": pk} for pk in _pk_candidates(practice, role, case)]


def url_for(case: Case, kwargs: dict) -> str:
    if case.name:
        return reverse(case.name, kwargs=kwargs)
    assert not kwargs, f"{case.id}: an unnamed pattern with arguments"
    return "/" + case.route.lstrip("^").rstrip("$")


def query_for(practice, role, case: Case) -> str:
    """Filters asking for the other consultant (the calendar, lists, the feed),
    and for a bulk action, the other consultant's object of its model."""
    other = practice.other(role)
    query = {"consultant": other.consultant.pk}
    fixed = dict(case.fixed)
    if case.name == "wagtail_bulk_action":
        model = apps.get_model(fixed["app_label"], fixed["model_name"])
        pk = _owned_pk(practice, role, model, case)
        query = {"id": pk if pk is not None else 0, "next": "/admin/"}
    return urlencode(query)


# Fields a few of Wagtail's views read before checking anything (they fail
# without them): case -> fields.
POST_FIELDS = {
    "wagtailadmin_pages:copy": lambda p, o: {
        "new_parent_page": p.index.pk,
        "new_title": "Copy",
        "new_slug": "copy",
    },
    "wagtailadmin_choose_page_external_link": lambda p, o: {
        "external-link-chooser-url": "https://example.org/"
    },
    "wagtail_bulk_action[wagtailcore,page,move]": lambda p, o: {"chooser": p.index.pk},
    # The staff API: a valid phone booking with the other consultant, and
    # cancelling their client's booking.
    "api:staff_bookings": lambda p, o: {
        "service": o.bookings["confirmed"].service.slug,
        "start": (next_monday_at(13) + timedelta(days=40)).isoformat(),
        "client_name": "Sweep Phone Client",
        "client_email": "sweep-phone@clients.test",
        "override_reason": "Role sweep",
    },
    "api:staff_transition": lambda p, o: {"action": "cancel"},
}


def post_data(practice, role: str, case: Case) -> dict:
    """The other consultant and their client, a confirmation and a reason (what
    the booking screens' forms ask for), and what a few views need besides."""
    other = practice.other(role)
    extra = POST_FIELDS.get(case.id, lambda practice, other: {})(practice, other)
    return {
        "consultant": other.consultant.pk,
        "email": other.bookings["confirmed"].client_email,
        "action": "revoke",
        "confirm": "on",
        "reason": "Role sweep",
        "next": "/admin/",
        **extra,
    }


def accepts_post(view) -> bool:
    """False only for class-based views without a POST handler, which answer 405
    before anything runs."""
    for cls in (getattr(view, "view_class", None), getattr(view, "cls", None)):
        if cls is not None:
            actions = getattr(view, "actions", None)
            if actions is not None:
                return "post" in actions
            return hasattr(cls, "post")
    return True


# --- what must not change ----------------------------------------------------------

TRACKED = (
    Booking,
    Payment,
    Refund,
    Earning,
    Payout,
    Review,
    OutboxEmail,
    Consultant,
    Service,
    CalendarFeed,
    MeetingLink,
    OutsideCalendar,
    ExportJob,
    SpreadsheetImport,
    Page,
    Revision,
    WorkflowState,
    TaskState,
    APIToken,
    Image,
    Document,
    get_user_model(),
    get_user_model().groups.through,
    Group,
)
# Written by reading or signing in, not by changing anything.
VOLATILE = {"updated_at", "last_used_at", "last_login", "claimed_until"}


def digest() -> dict:
    """(model, pk) -> the row's values, for every tracked row."""
    rows = {}
    for model in TRACKED:
        fields = [
            f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE
        ]
        for values in model._default_manager.order_by("pk").values_list(*fields):
            key = (
                model._meta.label_lower,
                values[fields.index(model._meta.pk.attname)],
            )
            rows[key] = values
    return rows


def changes(before: dict, after: dict) -> set:
    return {
        key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
    }


# --- the sweep ---------------------------------------------------------------------


def rows_written() -> int | None:
    """How many rows this connection has written so far, where the database says
    (SQLite): a case that wrote nothing needs no digest. None elsewhere."""
    return getattr(connection.connection, "total_changes", None)


@pytest.fixture(scope="module")
def practice(django_db_setup, django_db_blocker, tmp_path_factory):
    """The practice, signed-in clients for every role, what each must not read,
    and the rows as they are before any case."""
    root = tmp_path_factory.mktemp("sweep")
    folders = {
        "MEDIA_ROOT": root / "media",
        "BOOKING_SPREADSHEET_ROOT": root / "private",
    }
    unblocked = django_db_blocker.unblock()
    with unblocked, override_settings(**folders), transaction.atomic():
        built = build_practice()
        built.folders = folders
        built.clients = {role: Client() for role in ROLES}
        for role, user in built.users.items():
            built.clients[role].force_login(user)
        built.secrets = {role: secrets_of(built, role) for role in ROLES}
        built.baseline = digest()
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def uploaded_files_in_a_temporary_folder(request, settings):
    """The practice's images and exports stay in the module's folders."""
    if "practice" in request.fixturenames:
        for name, folder in request.getfixturevalue("practice").folders.items():
            setattr(settings, name, folder)


def secrets_of(practice, role: str) -> dict:
    """What this role may not read (marker -> what it is), by kind, and what
    booking/admin/permissions.py lets it see."""
    other, user = practice.other(role), practice.users[role]
    return {
        "client": other.client_markers(),
        "intake": other.intake_markers(),
        "draft": {other.draft_marker: "the other consultant's profile page draft"},
        "token": practice.token_markers(role),
        "rows": other.rows(),
        "sees_everyone": sees_everyone(user),
        "reads_intake": can_see_intake_notes(user, other.bookings["confirmed"]),
    }


def forbidden_text(practice, role: str, case: Case) -> dict[str, str]:
    """What this role must not read at this URL: marker -> what it is."""
    kinds = practice.secrets[role]
    allowed_here = case.id in SEES_EVERY_BOOKING or (
        role == "booking_admin" and case.id in BOOKING_ADMINS_SEE
    )
    sees_bookings = kinds["sees_everyone"] and allowed_here
    found = dict(kinds["token"])
    if not sees_bookings:
        found.update(kinds["client"])
    if not (sees_bookings and kinds["reads_intake"]):
        found.update(kinds["intake"])
    if role != "editor":  # editors read and change every page
        found.update(kinds["draft"])
    return found


def body(response) -> str:
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode(errors="replace")


def _params():
    for role in ROLES:
        for case in CASES:
            marks = []
            if (role, case.id) in KNOWN:
                reason = KNOWN[role, case.id]
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(role, case, marks=marks, id=f"{role}-{case.id}")


@pytest.mark.django_db
@pytest.mark.parametrize("role,case", list(_params()))
def test_role_sees_and_changes_only_what_it_should(practice, role, case):
    client = practice.clients[role]
    client.cookies.pop("messages", None)  # an earlier case's "Deleted …"
    forbidden = forbidden_text(practice, role, case)
    sent = post_data(practice, role, case)
    written = rows_written()
    problems = []
    for kwargs in argument_sets(practice, role, case):
        url = f"{url_for(case, kwargs)}?{query_for(practice, role, case)}"
        for method in ("GET", "POST") if accepts_post(case.view) else ("GET",):
            response = send(client, method, url, sent, case)
            if response.status_code >= 500:
                problems.append(f"{method} {url}: {response.status_code}")
            text = body(response)
            echoed = sent.values() if method == "POST" else ()
            problems += [
                f"{method} {url} ({response.status_code}) shows {what}: {marker!r}"
                for marker, what in forbidden.items()
                if marker in text and marker not in echoed
            ]
    if written is None or rows_written() != written:
        problems += changed_rows(practice, role, case)
    assert not problems, f"{role} at {case.id}:\n" + "\n".join(problems)


def send(client, method: str, url: str, data: dict, case: Case):
    if method == "GET":
        return client.get(url)
    if case.route.startswith("api/"):
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


def changed_rows(practice, role: str, case: Case) -> list[str]:
    """The rows the case changed that this role may not change there; a
    consultant never changes the other consultant's."""
    changed = changes(practice.baseline, digest())
    if case.id in MAY_CHANGE[role]:
        consultant = role.startswith("consultant")
        changed &= practice.secrets[role]["rows"] if consultant else set()
    return [f"changed {label} #{pk}" for label, pk in sorted(changed)]


def test_the_sweep_covers_every_screen_and_its_lists_name_real_ones():
    """A screen the sweep could not reach would pass unseen, and an allow-list
    entry for a screen that was renamed would allow nothing."""
    swept = {case.id for case in CASES}
    assert {"bookings:inspect", "api:staff_booking", "outbox:retry"} <= swept
    assert len(CASES) > 250
    assert set(MAY_CHANGE) == set(ROLES)
    listed = {*SEES_EVERY_BOOKING, *BOOKING_ADMINS_SEE, *POST_FIELDS}
    listed |= {case for cases in MAY_CHANGE.values() for case in cases}
    listed |= {case for _, case in KNOWN}
    assert not listed - swept
