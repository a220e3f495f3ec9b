"""Run the benchmarks: `python -m tests.benchmarks [name...]` (or `bin/bench`).

With no names every benchmark runs; a name may be any part of a benchmark's name.
The run builds its own database (a temporary SQLite file, or PostgreSQL when
DATABASE_URL is set) and prints one table."""

import argparse
import importlib
import os
import pkgutil
import sys
import traceback


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    names = parser.parse_args(argv).names

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from tests import benchmarks
    from tests.benchmarks import goals, harness

    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name.startswith("bench_"):
            importlib.import_module(f"tests.benchmarks.{module.name}")
    chosen = [
        name
        for name in harness.BENCHMARKS
        if not names or any(wanted in name for wanted in names)
    ]
    if not chosen:
        known = ", ".join(harness.BENCHMARKS)
        parser.error(f"no benchmark matches {' '.join(names)}; known: {known}")

    with harness.throwaway_database():
        rows = []
        for name in chosen:
            print(f"running {name}…", file=sys.stderr, flush=True)
            try:
                rows.append((name, harness.BENCHMARKS[name]()))
            except Exception:  # one broken benchmark must not lose the others
                traceback.print_exc()
                print(f"FAILED {name}", file=sys.stderr, flush=True)
    print(harness.table(rows))
    print("\nIssue 26's goals (tests/benchmarks/goals.py):")
    print(goals.table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
