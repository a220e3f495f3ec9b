"""The bad-input sweep (issue 17): every public URL pattern and every /api/v1/
operation gets malformed input, and

- no answer is a 5xx;
- every error under /api/ is the API's one JSON body ({"code", "message"} and,
  for wrong fields, "fields");
- a refused request (4xx) changes nothing: the row count of every table of the
  booking app, and every booking and link token, are as before;
- no answer but JSON (data, sent with nosniff) carries the markup it was sent:
  `<script>x</script>` never comes back unescaped.

Endpoints are found, not listed, so that a new one is covered without editing
this file:

- URL patterns come from `django.urls.get_resolver()`, except /admin/ and
  /django-admin/ (the admin's tests cover them) and /api/v1/ (covered by its
  schema, below). Path arguments get real objects from one small data set (by
  argument name, else a value of the converter's kind), then each payload. Each
  pattern is fetched once (GET, and POST with an empty form) while the query and
  form names its view looks up are recorded, and its page's HTML forms are read;
  then each of those fields gets each payload once, the others as valid as the
  data set and the page make them. Every pattern also gets bodies it does not
  expect and the methods it may not allow.
- /api/v1/ operations come from the OpenAPI schema drf-spectacular generates
  (/api/schema/, as tests/api/test_schema_fuzz.py reads it): path, query and
  header parameters and the request body's properties, each valid (from the
  data set by name, else from its schema) while one at a time gets each
  payload; also each field missing, an extra field, whole bodies that are not
  what the operation reads, no credentials, and the methods it does not allow.

Payloads: empty, 100,000 characters, NUL and other control characters, a lone
surrogate (as the JSON escape, or as the UTF-8 bytes a raw client could send),
right-to-left and combining characters, markup, huge, negative and fractional
numbers, dates in years 1 and 9999, unknown and 5,000-character time zones, and
where a token goes, malformed, expired and foreign tokens; in JSON bodies also
wrong types and nesting; whole bodies of 100,000 `[`; cookies that spell NUL.

Bounded so that it runs in about a minute on SQLite: one data set for both
tests, each payload once per field and never combinations, and each request in
a savepoint that is rolled back, so that every request meets the same data."""

import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern
from django.utils import timezone
from django_q.models import Schedule
from wagtail.models import APIToken

from booking.accounts import api_tokens
from booking.accounts.models import ClientAccount
from booking.core import ratelimit, tokens
from booking.core.models import Booking, BookingToken
from booking.core.roles import BOOKING_ADMINS
from booking.lifecycle import services
from booking.scheduling.calendar_files import issue_feed
from tests.availability_factories import weekly_hours
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    build_site,
    make_draft,
    member,
    next_monday_at,
    publish_consultant_page,
)

pytestmark = [
    pytest.mark.django_db,
    # Routes of providers anymail has deprecated (SendinBlue, SendGrid) warn.
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailWarning"),
]
Purpose = BookingToken.Purpose

EXCLUDED_PREFIXES = ("/admin/", "/django-admin/", "/api/v1/")
MARKUP = '"><script>x</script>'
REFLECTED = b"<script>x</script>"

TEXT_PAYLOADS = {
    "empty": "",
    "100,000 characters": "x" * 100_000,
    "NUL": "a\x00b",
    "control characters": "a\x01\x08\x0b\x1b\x7f\x9fb",
    "lone surrogate": "a\ud800b",
    "right-to-left and combining": "\u202eevil\u202c مرحبا Z" + "\u0351\u0300" * 30,
    "markup": MARKUP,
    "huge number": "9" * 30,
    "negative number": "-1",
    "fraction": "1e308",
    "year 1": "0001-01-01T00:00:00Z",
    "year 9999": "9999-12-31T23:59:59Z",
    "day in year 1": "0001-01-01",
    "day in year 9999": "9999-12-31",
    "unknown time zone": "Mars/Olympus_Mons",
    "5,000-character time zone": "Europe/" + "x" * 5000,
    "malformed token": "not.a-token.at/all",
}
JSON_PAYLOADS = {
    "huge integer": 10**30,
    "huge negative integer": -(10**30),
    "fraction": 1.5,
    "true": True,
    "null": None,
    "list": ["x"],
    "object": {"x": "y"},
    "nested 50 deep": json.loads("[" * 50 + "]" * 50),
}
WRONG_BODIES = {
    "100,000 [": ("[" * 100_000, "application/json"),
    "not JSON": ("{not json", "application/json"),
    "a JSON list": ("[]", "application/json"),
    "JSON null": ("null", "application/json"),
    "escaped NUL": ('{"x": "\\u0000"}', "application/json"),
    "a form": ("x=" + quote(MARKUP), "application/x-www-form-urlencoded"),
}
# A quoted cookie may spell NUL as \000; the session cookie is looked up.
BAD_COOKIES = {"HTTP_COOKIE": 'sessionid="abcdefgh\\000ijkl"; csrftoken="\\001"'}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FORM = "application/x-www-form-urlencoded"


# --- the data set -------------------------------------------------------------------


@dataclass
class DataSet:
    manage: str
    verify: str
    expired: str
    feed: str
    bearer: str
    slot: str
    page_id: int
    page_paths: list[str]
    valid: dict = field(default_factory=dict)
    client_access: str = ""  # a signed-in client's JWT (the client API, issue 21)

    def payloads(self, valid_value) -> dict:
        """The text payloads; where a token goes also real tokens that are
        foreign there (a manage link's token where a verify token goes, and the
        other way round, a calendar feed's) and an expired one."""
        if valid_value not in (self.manage, self.verify, self.feed):
            return TEXT_PAYLOADS
        return {
            **TEXT_PAYLOADS,
            "manage token": self.manage,
            "verify token": self.verify,
            "expired token": self.expired,
            "calendar feed token": self.feed,
        }


@pytest.fixture(scope="module")
def data_set(django_db_setup, django_db_blocker):
    """One small data set for both tests, made once and rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_data_set()
        transaction.set_rollback(True)


def make_data_set() -> DataSet:
    from cms.models import ArticlePage

    home, team, journal = build_site()
    # A running cluster keeps every schedule's next run ahead: without one, /healthz
    # rightly answers 503 once the suite has run longer than the allowed lateness.
    Schedule.objects.update(next_run=timezone.now() + timedelta(hours=6))
    # Mondays only: the weeks of slots that pages compute and show stay short.
    consultant = ConsultantFactory(name="Sweep Consultant", open_hours=False)
    weekly_hours(consultant, weekdays=[0], start="09:00", end="19:00")
    service = ServiceFactory(consultants=[consultant], slug="sweep")
    profile = publish_consultant_page(
        team, "Sweep Consultant", consultant=consultant, tags=["Grief"]
    )
    article = ArticlePage(title="On sleep", intro="Sleep.", body=[], author=profile)
    journal.add_child(instance=article)
    article.tags.add("Sleep")
    article.save_revision().publish()

    booking, verify = make_draft(service=service, client_email="sweep@example.com")
    services.verify_email(token=verify)
    booking.refresh_from_db()
    _, other_verify = make_draft(service=service, start=next_monday_at(15))
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)
    expired = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)
    BookingToken.objects.filter(key=expired.partition(".")[0]).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    admin = member(BOOKING_ADMINS, username="sweep-admin")
    _, bearer = APIToken.create_token(user=admin, name="sweep")
    pair = api_tokens.issue_pair(
        ClientAccount.objects.create(email=booking.client_email)
    )
    today = timezone.localdate()
    data = DataSet(
        manage=manage,
        verify=other_verify,
        expired=expired,
        feed=issue_feed(consultant),
        bearer=bearer,
        slot=next_monday_at(12).isoformat(),
        page_id=home.pk,
        page_paths=[page.url.lstrip("/") for page in (home, team, journal)]
        + [profile.url.lstrip("/"), article.url.lstrip("/")],
        client_access=pair["access"],
    )
    data.valid = {
        # Form and body fields.
        "consultant": consultant.pk,
        "service": service.slug,
        "start": data.slot,
        "client_name": "Ada Sweep",
        "client_email": "ada.sweep@example.com",
        "client_time_zone": "Europe/Berlin",
        "consent": True,
        "email": booking.client_email,
        "token": other_verify,
        "reason": "Plans changed.",
        "rating": 5,
        "comment": "Helpful.",
        "action": "approve",
        "amount": "10.00",
        "method": "cash",
        # Path, query and header parameters.
        "consultant_id": consultant.pk,
        "service_slug": service.slug,
        "id": consultant.pk,
        "pk": consultant.pk,
        "slug": service.slug,
        "reference": booking.reference,
        "tz": "Europe/Berlin",
        "date_from": today.isoformat(),
        "date_to": (today + timedelta(days=6)).isoformat(),
        "search": "Sweep",
        "page": 1,
        "page_size": 10,
        "status": "pending",
        "X-Manage-Token": manage,
        "refresh": pair["refresh"],
        "code": "123456",
        "name": "Ada Sweep",
        "time_zone": "Europe/Berlin",
    }
    return data


def path_value(data: DataSet, url_name: str, argument) -> str | None:
    """A real value for a URL pattern's argument, if the data set has one."""
    if argument == "token":
        by_view = {"booking:verify": data.verify, "booking:calendar_feed": data.feed}
        return by_view.get(url_name, data.manage)
    if argument == "pk" and url_name.startswith("wagtailapi:pages:"):
        return str(data.page_id)
    value = data.valid.get(argument)
    return None if value is None else str(value)


# --- sending and checking -------------------------------------------------------


def snapshot() -> tuple:
    """Row counts of every table of the booking app, and every booking and token."""
    models = apps.get_app_config("booking").get_models()
    tables = sorted({model._meta.db_table for model in models})
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row_counts = dict(zip(tables, cursor.fetchone(), strict=True))
    bookings = Booking.objects.order_by("pk").values_list(
        "pk", "status", "start", "end", "cancel_reason", "updated_at"
    )
    link_tokens = BookingToken.objects.order_by("pk").values_list("pk", "used_at")
    return row_counts, list(bookings), list(link_tokens)


def encoded(value, safe: str = "") -> str:
    """As a raw client puts text in a URL or a form: UTF-8, percent-encoded, a
    lone surrogate as the bytes it would be."""
    return quote(str(value).encode("utf-8", "surrogatepass"), safe=safe)


def form_body(fields: dict) -> str:
    return "&".join(
        f"{encoded(name)}={encoded(value)}" for name, value in fields.items()
    )


def header_value(value) -> str:
    """A header as a WSGI server hands it over: its bytes read as Latin-1."""
    return str(value).encode("utf-8", "surrogatepass").decode("latin-1")


class LeanClient(Client):
    """Django's test client without keeping a copy of every template's context,
    which costs more than rendering a page with a select of 600 time zones.
    Exceptions are the sweep's to record (got_request_exception)."""

    def request(self, **request):
        return self.handler(self._base_environ(**request))


class Sweep:
    def __init__(self, data: DataSet):
        self.data = data
        self.client = LeanClient()
        self.baseline = snapshot()
        self.failures: list[str] = []
        self.requests = 0
        self.seconds: dict[str, float] = {}  # by the address's first two parts
        self.exception = None

    def record_exception(self, **kwargs):
        self.exception = sys.exc_info()[1]

    def send(self, method, url, *, body=None, content_type=FORM, headers=None, what=""):
        """One request in a savepoint, checked, then rolled back."""
        self.exception = None
        self.requests += 1
        data = {} if body is None else {"data": body, "content_type": content_type}
        started = time.monotonic()
        with transaction.atomic():
            response = self.client.generic(method, url, **data, **(headers or {}))
            problems = self.problems(response, url)
            transaction.set_rollback(True)
        where = "/".join(urlsplit(url).path.split("/")[:3])[:30]
        self.seconds[where] = self.seconds.get(where, 0) + time.monotonic() - started
        if problems:
            shown = url if len(url) < 120 else url[:120] + "…"
            self.failures.append(f"{method} {shown} [{what}]: {'; '.join(problems)}")
        return response

    def problems(self, response, url) -> list[str]:
        status = response.status_code
        if status >= 500:
            return [f"{status} {type(self.exception).__name__}: {self.exception}"[:300]]
        problems = []
        if urlsplit(url).path.startswith("/api/") and status >= 400:
            problems += api_error_problems(response.content)
        content_type = response.get("Content-Type", "")
        content = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        if "json" not in content_type and REFLECTED in content:
            problems.append(f"{status} {content_type} repeats the markup it was sent")
        if status >= 400 and snapshot() != self.baseline:
            problems.append(f"refused with {status} but changed the data")
        return problems


def api_error_problems(content: bytes) -> list[str]:
    try:
        body = json.loads(content)
    except ValueError:
        return [f"an /api/ error that is not JSON: {content[:80]!r}"]
    keys = set(body) if isinstance(body, dict) else set()
    if not {"code", "message"} <= keys <= {"code", "message", "fields"}:
        return [f"not the API's error body: {str(body)[:120]}"]
    fields = body.get("fields", {})
    if not (
        isinstance(body["code"], str)
        and isinstance(body["message"], str)
        and isinstance(fields, dict)
        and all(
            isinstance(messages, list) and all(isinstance(m, str) for m in messages)
            for messages in fields.values()
        )
    ):
        return [f"the API's error body with the wrong types: {str(body)[:120]}"]
    return []


@pytest.fixture
def sweep(data_set, settings):
    """Rate limits out of the way (one client sends thousands of requests), pages
    rendered every time, and Django's error logging quiet: the sweep reports what
    it finds itself."""
    settings.BOOKING_RATE_LIMITS = {
        action: (10**9, 60) for action in ratelimit.DEFAULT_LIMITS
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            scope: "1000000000/minute"
            for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        },
    }
    settings.PAGE_CACHE_SECONDS = 0
    sweep = Sweep(data_set)
    got_request_exception.connect(sweep.record_exception)
    logs = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL)
    started = time.monotonic()
    yield sweep
    for log, level in zip(logs, levels, strict=True):
        log.setLevel(level)
    got_request_exception.disconnect(sweep.record_exception)
    print(f"\n{sweep.requests} requests in {time.monotonic() - started:.1f}s; slowest:")
    for where, seconds in sorted(sweep.seconds.items(), key=lambda i: -i[1])[:8]:
        print(f"{seconds:6.1f}s {where}")


def report(sweep: Sweep) -> str:
    shown = "\n".join(sweep.failures[:50])
    more = len(sweep.failures) - 50
    return f"{len(sweep.failures)} problems:\n{shown}" + (
        f"\n… and {more} more" if more > 0 else ""
    )


def fuzz_fields(sweep, method, url, base: dict, names, *, as_query: bool, what: str):
    """Each payload once in each named field, with the fields of `base`."""
    for name in sorted(names):
        valid = base.get(name, sweep.data.valid.get(name))
        for payload_name, payload in sweep.data.payloads(valid).items():
            fields = {**base, name: payload}
            label = f"{what} {name}={payload_name}"
            if as_query:
                sweep.send(method, f"{url}?{form_body(fields)}", what=label)
            else:
                sweep.send(method, url, body=form_body(fields), what=label)


# --- URL patterns ---------------------------------------------------------------------


@dataclass
class Argument:
    key: str | int  # a keyword argument's name, or a regex group's position
    kind: str  # the converter's class name, or "regex"


@dataclass
class Route:
    name: str
    parts: list  # literal text and Arguments

    def url(self, values: dict) -> str:
        return "/" + "".join(
            encoded(values[part.key], safe="/" if part.kind == "regex" else "")
            if isinstance(part, Argument)
            else part
            for part in self.parts
        )

    @property
    def arguments(self) -> list[Argument]:
        return [part for part in self.parts if isinstance(part, Argument)]

    @property
    def prefix(self) -> str:
        return "/" + "".join(part for part in self.parts if isinstance(part, str))


def routes() -> list[Route]:
    found = []

    def walk(patterns, parts, namespace):
        for pattern in patterns:
            pieces = parts + route_parts(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else ""
                walk(pattern.url_patterns, pieces, inner or namespace)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else ""
                found.append(Route(name or "".join(map(str, pieces)), pieces))

    walk(get_resolver().url_patterns, [], "")
    return [route for route in found if not route.prefix.startswith(EXCLUDED_PREFIXES)]


def route_parts(pattern) -> list:
    """A pattern as literal text and arguments. In a regex each top-level
    capturing group is an argument (its quantifier dropped)."""
    if not isinstance(pattern, RegexPattern):
        text, parts, position = str(pattern), [], 0
        for name, converter in pattern.converters.items():
            start = text.index("<", position)
            parts += [text[position:start], Argument(name, type(converter).__name__)]
            position = text.index(">", start) + 1
        return [*parts, text[position:]]
    regex = str(pattern).removeprefix("^").removesuffix("$")
    parts, literal, depth, index, group = [], "", 0, 0, 0
    while index < len(regex):
        char = regex[index]
        if char == "\\" and depth == 0:
            literal += regex[index + 1]
            index += 1
        elif char == "(":
            if depth == 0:
                parts.append(literal)
                literal = ""
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                parts.append(Argument(group, "regex"))
                group += 1
                if regex[index + 1 : index + 2] in ("?", "*", "+"):
                    index += 1
        elif depth == 0:
            literal += char
        index += 1
    return [*parts, literal]


REGEX_SAMPLES = ("", "1", "x.txt", "x/")
KIND_SAMPLES = {"IntConverter": "1", "SlugConverter": "x", "StringConverter": "x"}


def valid_values(route: Route, data: DataSet) -> list[dict]:
    """Real values for the route's arguments (Wagtail's pages: the path of each
    page of the data set), checked by resolving the URL they make."""
    if route.name == "wagtail_serve":
        return [{0: path} for path in data.page_paths]
    values = {}
    for argument in route.arguments:
        real = path_value(data, route.name, argument.key)
        values[argument.key] = real or KIND_SAMPLES.get(argument.kind, "x")
    regex_keys = [a.key for a in route.arguments if a.kind == "regex"]
    for samples in itertools.product(REGEX_SAMPLES, repeat=len(regex_keys)):
        candidate = {**values, **dict(zip(regex_keys, samples, strict=True))}
        if resolves_to(route, route.url(candidate)):
            return [candidate]
    raise AssertionError(f"no URL resolves to {route.name}: give it a real value")


def resolves_to(route: Route, url: str) -> bool:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return route.name in (match.view_name, match.route)


class Forms(HTMLParser):
    """A page's forms: method, action and each field's value as the page would
    submit it (a checkbox ticked, the first radio button and option)."""

    def __init__(self):
        super().__init__()
        self.forms, self.form, self.textarea, self.select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.form = {
                "method": (attrs.get("method") or "get").upper(),
                "action": attrs.get("action") or "",
                "fields": {},
            }
            self.forms.append(self.form)
        elif self.form is None or not name or name == "csrfmiddlewaretoken":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind not in ("submit", "button", "image", "reset"):
                value = attrs.get("value") or ("on" if kind == "checkbox" else "")
                self.form["fields"].setdefault(name, value)
        elif tag == "textarea":
            self.textarea = name
            self.form["fields"][name] = ""
        elif tag == "select":
            self.select = name
        if tag == "option" and self.form is not None and self.select:
            self.form["fields"].setdefault(self.select, attrs.get("value", ""))

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form["fields"][self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


class NamesLookedUp:
    """The query and form names a view looks up (QueryDict get, [], getlist, in),
    told apart by which QueryDict was asked: the request's GET, or another."""

    def __init__(self, monkeypatch):
        self.asked: list[tuple[int, str]] | None = None  # None: not listening
        for method in ("get", "__getitem__", "getlist", "__contains__"):
            original = getattr(QueryDict, method, None) or dict.__contains__
            monkeypatch.setattr(QueryDict, method, self.recording(original))

    def recording(self, original):
        def method(query, key, *args):
            if self.asked is not None:
                self.asked.append((id(query), key))
            return original(query, key, *args)

        return method

    def during(self, send):
        """The response of `send()`, and the query and form names looked up
        while it ran."""
        self.asked = []
        response = send()
        asked, self.asked = self.asked, None
        request = response.wsgi_request
        query_id = id(request.__dict__.get("GET"))
        names = {
            (i, key)
            for i, key in asked
            if isinstance(key, str) and key != "csrfmiddlewaretoken"
        }
        query = {key for i, key in names if i == query_id}
        form = {key for i, key in names if i != query_id}
        return response, query, form if request.method == "POST" else set()


def test_no_public_url_fails_on_bad_input(sweep, monkeypatch):
    data = sweep.data
    looked_up = NamesLookedUp(monkeypatch)
    queries: dict[str, set[str]] = {}
    forms: dict[str, dict] = {}
    found = routes()
    assert len(found) > 40

    for route in found:
        for values in valid_values(route, data):
            url = route.url(values)
            page, query, _ = looked_up.during(
                lambda url=url: sweep.send("GET", url, what="valid")
            )
            queries.setdefault(url, set()).update(query)
            read_forms(page, url, queries, forms)
            _, _, form = looked_up.during(
                lambda url=url: sweep.send("POST", url, body="", what="empty form")
            )
            for name in form:
                forms.setdefault(url, {}).setdefault(name, "")

            for argument in route.arguments:
                valid = values[argument.key]
                for payload_name, payload in data.payloads(valid).items():
                    sweep.send(
                        "GET",
                        route.url({**values, argument.key: payload}),
                        what=f"path {argument.key}={payload_name}",
                    )
            for body_name, (body, content_type) in WRONG_BODIES.items():
                sweep.send(
                    "POST", url, body=body, content_type=content_type, what=body_name
                )
            for method in ("PUT", "PATCH", "DELETE"):
                sweep.send(method, url, body="{}", what=method)
            sweep.send("GET", url, headers=BAD_COOKIES, what="cookies with NUL")

    # Query names are optional: each is sent alone. Form fields go as the page
    # sends them, one of them changed.
    for url, names in queries.items():
        fuzz_fields(sweep, "GET", url, {}, names, as_query=True, what="query")
    for url, defaults in forms.items():
        base = {
            name: value or form_value(data.valid.get(name, ""))
            for name, value in defaults.items()
        }
        sweep.send("POST", url, body=form_body(base), what="form as the page sends it")
        fuzz_fields(sweep, "POST", url, base, base, as_query=False, what="form")
        extra = form_body({**base, "unexpected": MARKUP})
        sweep.send("POST", url, body=extra, what="form with an extra field")

    assert not sweep.failures, report(sweep)


def read_forms(page, url, queries, forms):
    """The page's HTML forms: a GET form's fields join its action's query names,
    a POST form's its action's form fields."""
    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
        return
    parser = Forms()
    parser.feed(page.content.decode("utf-8", "replace"))
    for form in parser.forms:
        action = urlsplit(urljoin(url, form["action"])).path
        if form["method"] == "GET":
            queries.setdefault(action, set()).update(form["fields"])
        else:
            fields = forms.setdefault(action, {})
            for name, value in form["fields"].items():
                fields[name] = fields.get(name) or value


def form_value(value) -> str:
    return "on" if value is True else str(value)


# --- the API's operations ------------------------------------------------------------


@dataclass
class Parameter:
    name: str
    where: str  # path, query, header or body
    schema: dict


@dataclass
class Operation:
    method: str
    path: str
    parameters: list[Parameter]
    has_body: bool
    client: bool = False  # for a signed-in client, with their access token

    @property
    def staff(self) -> bool:
        return "/staff/" in self.path


def operations(schema: dict) -> list[Operation]:
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = [
                Parameter(p["name"], p["in"], p["schema"])
                for p in operation.get("parameters", [])
            ]
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema", {})
            properties = resolved(body, schema).get("properties", {})
            parameters += [
                Parameter(name, "body", resolved(node, schema))
                for name, node in properties.items()
            ]
            client = any("clientJWT" in way for way in operation.get("security", []))
            found.append(
                Operation(method.upper(), path, parameters, bool(content), client)
            )
    return found


def resolved(node: dict, schema: dict) -> dict:
    for combinator in ("allOf", "oneOf", "anyOf"):
        if node.get(combinator):
            node = node[combinator][0]
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return resolved(schema["components"]["schemas"][name], schema)
    return node


def schema_value(node: dict, data: DataSet):
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind in ("number", "boolean", "array", "object"):
        return {"number": 1, "boolean": True, "array": [], "object": {}}[kind]
    formats = {"date-time": data.slot, "date": data.valid["date_from"]}
    return formats.get(node.get("format"), "x")


def send_operation(
    sweep, operation, values, *, body=None, auth=True, headers=None, what=""
):
    path, query, fields = operation.path, {}, {}
    headers = dict(headers or {})
    where = {parameter.name: parameter.where for parameter in operation.parameters}
    for name, value in values.items():
        if where.get(name) == "path":
            path = path.replace("{" + name + "}", encoded(value))
        elif where.get(name) == "query":
            query[name] = value
        elif where.get(name) == "header":
            headers["HTTP_" + name.upper().replace("-", "_")] = header_value(value)
        else:
            fields[name] = value  # a body field, or an extra one
    if auth and operation.staff:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {sweep.data.bearer}"
    if auth and operation.client:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {sweep.data.client_access}"
    if body is None and operation.has_body:
        body = (json.dumps(fields), "application/json")
    content, content_type = body or (None, None)
    return sweep.send(
        operation.method,
        path + (f"?{form_body(query)}" if query else ""),
        body=content,
        content_type=content_type,
        headers=headers,
        what=what,
    )


def test_no_api_operation_fails_on_bad_input(sweep, client):
    data = sweep.data
    schema = client.get("/api/schema/?format=json").json()
    found = operations(schema)
    assert len(found) >= 19

    for operation in found:
        valid = {
            parameter.name: data.valid.get(
                parameter.name, schema_value(parameter.schema, data)
            )
            for parameter in operation.parameters
        }
        send_operation(sweep, operation, valid, what="valid")
        for parameter in operation.parameters:
            payloads = data.payloads(valid[parameter.name])
            if parameter.where == "body":
                payloads = {**payloads, **JSON_PAYLOADS}
            for payload_name, payload in payloads.items():
                send_operation(
                    sweep,
                    operation,
                    {**valid, parameter.name: payload},
                    what=f"{parameter.where} {parameter.name}={payload_name}",
                )
            if parameter.where != "path":
                missing = {k: v for k, v in valid.items() if k != parameter.name}
                send_operation(sweep, operation, missing, what=f"no {parameter.name}")
        extra = {**valid, "unexpected": MARKUP}
        send_operation(sweep, operation, extra, what="an extra field")
        if operation.has_body:
            for body_name, body in WRONG_BODIES.items():
                send_operation(sweep, operation, valid, body=body, what=body_name)
        if operation.staff or operation.client:
            send_operation(sweep, operation, valid, auth=False, what="no credentials")
            send_operation(
                sweep,
                operation,
                valid,
                auth=False,
                headers=BAD_COOKIES,
                what="cookies with NUL",
            )
        allowed = {o.method for o in found if o.path == operation.path}
        for method in sorted(set(METHODS) - allowed):
            wrong = Operation(
                method, operation.path, operation.parameters, False, operation.client
            )
            send_operation(sweep, wrong, valid, what=f"method {method}")

    assert not sweep.failures, report(sweep)
