"""Issue 26's table: for each hot path, today's figure from this run, the goal,
and whether it holds. `bin/bench` prints it under the benchmarks' own table for
the benchmarks that ran. The load test is not a benchmark (it needs gunicorn, a
cluster and two minutes): its row says how to get its figure."""

from collections.abc import Callable
from dataclasses import dataclass

from tests.benchmarks.harness import Result

MB = 2**20
LOAD_TEST = (
    "not run by bin/bench: DATABASE_URL=postgres://… bin/test --slow -s "
    "tests/load/test_load.py prints it (kind 'book', p95 ms)"
)


@dataclass(frozen=True)
class Goal:
    path: str
    benchmark: str  # the start of the benchmark's name
    goal: str
    today: Callable[[Result], str]
    holds: Callable[[Result], bool]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


GOALS = (
    Goal(
        "create_draft",
        "booking creation",
        "≤ 8 queries, ≤ 2× its SQL",
        lambda r: f"{r.queries} queries, {r.ratio:.1f}× its SQL",
        lambda r: r.queries <= 8 and r.ratio <= 2,
    ),
    Goal(
        "CSV export, 100,000 bookings",
        "export: 100,000 bookings to CSV",
        "≤ 3 s, ≤ 8× the bare writer, memory flat",
        lambda r: (
            f"{ms(r.figure.p50)}, {r.ratio:.1f}× the bare writer, "
            f"{r.memory[0] / MB:.1f} MB peak"
        ),
        lambda r: r.figure.p50 <= 3 and r.ratio <= 8 and r.memory[0] <= 32 * MB,
    ),
    Goal(
        "admin bookings list at 1,000,000",
        "admin bookings list",
        "≤ 4× its SQL",
        lambda r: f"{ms(r.figure.p50)}, {r.ratio:.1f}× its SQL",
        lambda r: r.ratio <= 4,
    ),
    Goal(
        "consultant page, uncached",
        "public consultant page, uncached",
        "≤ 10 queries, ≤ 8× a bare view",
        lambda r: f"{r.queries} queries, {ms(r.figure.p50)}, {r.ratio:.1f}× bare",
        lambda r: r.queries <= 10 and r.ratio <= 8,
    ),
    Goal(
        "month of free days (picker), 1 consultant",
        "picker: month of free days",
        "2 queries, ≤ 2× its SQL",
        lambda r: f"{r.queries} queries, {r.ratio:.1f}× its SQL",
        lambda r: r.queries == 2 and r.ratio <= 2,
    ),
    Goal("load test (12 visitors): booking POST p95", "", "≤ 300 ms", None, None),
    Goal(
        "account page, 200 past bookings",
        "account page",
        "constant queries, ≤ 50 ms",
        lambda r: f"{r.queries} queries (same at 20), {ms(r.figure.p50)}",
        lambda r: r.figure.p50 <= 0.050,
    ),
)


def table(rows: list[tuple[str, Result]]) -> str:
    results = dict(rows)
    lines = [("path", "today", "goal", "holds")]
    for goal in GOALS:
        if not goal.benchmark:
            lines.append((goal.path, LOAD_TEST, goal.goal, "—"))
            continue
        found = [r for name, r in results.items() if name.startswith(goal.benchmark)]
        if found:
            result = found[0]
            verdict = "yes" if goal.holds(result) else "NO"
            lines.append((goal.path, goal.today(result), goal.goal, verdict))
    widths = [max(len(line[n]) for line in lines) for n in range(4)]
    text = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
        for line in lines
    ]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)
