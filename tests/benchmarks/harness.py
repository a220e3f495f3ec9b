"""A tiny benchmark harness. Each benchmark times its figure and a baseline in the same
run and reports their ratio, because absolute times on a shared machine drift.

A benchmark is a function registered with `@benchmark("name")` that returns a
`Result`; `timed` measures, `replay` turns the queries a computation ran into its
raw-SQL baseline, `throwaway_database` gives the run a migrated database of its own.
"""

import math
import os
import statistics
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter

BENCHMARKS: dict[str, Callable[[], "Result"]] = {}


def benchmark(name: str):
    def register(function):
        BENCHMARKS[name] = function
        return function

    return register


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float

    def __str__(self) -> str:
        return f"{self.p50 * 1000:.2f} / {self.p95 * 1000:.2f} ms"


@dataclass(frozen=True)
class Result:
    figure: Timing
    baseline: Timing
    queries: int
    budget: float | None = None  # the largest acceptable ratio, if there is one
    memory: tuple[int, int] | None = None  # peak bytes: figure, baseline

    @property
    def ratio(self) -> float:
        return self.figure.p50 / self.baseline.p50


def timed(action: Callable[[], object], *, rounds: int, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(rounds):
        started = perf_counter()
        action()
        samples.append(perf_counter() - started)
    samples.sort()
    return Timing(
        p50=statistics.median(samples),
        p95=samples[max(0, math.ceil(0.95 * len(samples)) - 1)],
    )


def recorded_queries(action: Callable[[], object]) -> list[tuple[str, object]]:
    """The (sql, params) pairs `action` sends to the database, exactly as sent."""
    from django.db import connection

    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        action()
    return queries


def replay(queries: list[tuple[str, object]]) -> Callable[[], None]:
    """The baseline: the same SQL and parameters, fetched raw, with no ORM."""
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for sql, params in queries:
                cursor.execute(sql, params)
                if cursor.description is not None:  # writes return no rows
                    cursor.fetchall()

    return run


@contextmanager
def throwaway_database():
    """A freshly migrated database for this run: a temporary SQLite file, or a new
    PostgreSQL database beside the one DATABASE_URL names. Dropped afterwards."""
    from django.db import connection

    settings_dict = connection.settings_dict
    with tempfile.TemporaryDirectory() as folder:
        if connection.vendor == "sqlite":
            name = os.path.join(folder, "bench.sqlite3")
        else:
            name = f"haven_bench_{os.getpid()}"
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": name}
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def _megabytes(memory: tuple[int, int] | None) -> str:
    if memory is None:
        return ""
    figure, baseline = (size / 2**20 for size in memory)
    return f"{figure:.1f} / {baseline:.1f} MB"


def table(rows: list[tuple[str, Result]]) -> str:
    header = ("benchmark", "figure p50 / p95", "baseline p50 / p95", "ratio", "queries")
    with_memory = any(result.memory for _, result in rows)
    if with_memory:
        header += ("peak memory figure / baseline",)
    lines = [header]
    for name, result in rows:
        verdict = ""
        if result.budget is not None:
            verdict = " ok" if result.ratio <= result.budget else " OVER"
            verdict += f" (budget {result.budget:g}x)"
        lines.append(
            (
                name,
                str(result.figure),
                str(result.baseline),
                f"{result.ratio:.2f}x{verdict}",
                str(result.queries),
            )
            + ((_megabytes(result.memory),) if with_memory else ())
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)
