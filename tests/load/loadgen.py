"""A small load generator: many simulated visitors, each a thread with its own
cookies and its own address (sent as X-Forwarded-For to a server that trusts one
proxy), browsing pages, looking up free slots and booking contested slots through
the real forms, reading their verification email from the fake provider and
verifying. Bounded by time and by request count; stops by itself.

The standard library only (urllib, threads): at these rates a separate tool such
as locust would measure itself as much as Haven."""

import random
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from tests import fake_esp

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERIFY = re.compile(r"/book/verify/([^/\s]+)/")


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: int | None  # None: no answer at all (refused, reset, timed out)
    seconds: float
    finished: float  # time.monotonic() when the answer (or failure) came


@dataclass
class Plan:
    base_url: str
    browse_paths: list[str]
    slot_paths: list[str]
    booking_path: str  # the details form of the contested service
    contested_starts: list[str]  # ISO datetimes many visitors try to book
    provider_dir: Path
    visitors: int = 12
    seconds: float = 30
    max_requests: int = 2500
    email_wait_seconds: float = 30


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    booked: list[str] = field(default_factory=list)  # emails whose draft was made
    verified: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def errors(self) -> list[Outcome]:
        """Failures a visitor would see as the site being broken."""
        return [o for o in self.outcomes if o.status is None or o.status >= 500]

    def table(self) -> str:
        by_kind = defaultdict(list)
        for outcome in self.outcomes:
            by_kind[outcome.kind].append(outcome)
        lines = [
            f"{'kind':<8} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8}"
        ]
        for kind, outcomes in sorted(by_kind.items()):
            times = sorted(o.seconds * 1000 for o in outcomes)
            errors = sum(1 for o in outcomes if o.status is None or o.status >= 500)
            lines.append(
                f"{kind:<8} {len(outcomes):>8} {errors:>6} {_pct(times, 50):>8.1f} "
                f"{_pct(times, 95):>8.1f} {_pct(times, 99):>8.1f}"
            )
        return "\n".join(lines)


def _pct(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


class Visitor:
    def __init__(self, number: int, plan: Plan, report: Report, budget):
        self.number = number
        self.plan = plan
        self.report = report
        self.budget = budget
        self.address = f"10.{number // 250}.{number % 250}.{random.randint(1, 250)}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar())
        )
        self.bookings = 0

    def request(self, kind: str, path: str, data: dict | None = None):
        if not self.budget():
            raise StopIteration
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.plan.base_url + path,
            data=body,
            headers={"X-Forwarded-For": self.address, "Referer": self.plan.base_url},
        )
        started = time.perf_counter()
        status, text = None, ""
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except (OSError, urllib.error.URLError):
            pass
        elapsed = time.perf_counter() - started
        self.report.add(Outcome(kind, status, elapsed, time.monotonic()))
        return status, text

    def run(self, deadline: float) -> None:
        try:
            while time.monotonic() < deadline:
                roll = random.random()
                if roll < 0.45:
                    self.request("browse", random.choice(self.plan.browse_paths))
                elif roll < 0.8 or self.bookings >= 2:
                    self.request("slots", random.choice(self.plan.slot_paths))
                else:
                    self.book()
        except StopIteration:
            return

    def book(self) -> None:
        self.bookings += 1
        start = random.choice(self.plan.contested_starts)
        query = urllib.parse.urlencode({"start": start})
        status, page = self.request("form", f"{self.plan.booking_path}?{query}")
        token = CSRF.search(page) if status == 200 else None
        if token is None:
            return
        email = f"load-{self.number}-{self.bookings}-{random.randrange(10**9)}@ex.org"
        status, page = self.request(
            "book",
            self.plan.booking_path,
            {
                "csrfmiddlewaretoken": token.group(1),
                "client_name": f"Load Visitor {self.number}",
                "client_email": email,
                "consent": "on",
                "tz": "Europe/Berlin",
                "start": start,
            },
        )
        if status == 200 and "Check your inbox" in page:
            with self.report.lock:
                self.report.booked.append(email)
            self.verify(email)

    def verify(self, email: str) -> None:
        link = self.wait_for_verification(email)
        if link is None:
            return
        status, page = self.request("verify", link)
        token = CSRF.search(page) if status == 200 else None
        if token is None:
            return
        status, _ = self.request(
            "verify", link, {"csrfmiddlewaretoken": token.group(1)}
        )
        if status == 200:
            with self.report.lock:
                self.report.verified.append(email)

    def wait_for_verification(self, email: str) -> str | None:
        deadline = time.monotonic() + self.plan.email_wait_seconds
        while time.monotonic() < deadline:
            for record in fake_esp.accepted(self.plan.provider_dir):
                if email in record["to"] and VERIFY.search(record.get("body", "")):
                    return f"/book/verify/{VERIFY.search(record['body']).group(1)}/"
            time.sleep(0.25)
        return None


def run(plan: Plan) -> Report:
    report = Report()
    sent = iter(range(plan.max_requests))

    def budget() -> bool:
        return next(sent, None) is not None

    deadline = time.monotonic() + plan.seconds
    threads = [
        threading.Thread(target=Visitor(n, plan, report, budget).run, args=(deadline,))
        for n in range(plan.visitors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=plan.seconds + plan.email_wait_seconds + 60)
    return report
