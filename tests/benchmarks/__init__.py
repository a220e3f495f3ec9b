"""Benchmarks (DESIGN §11), run with `bin/bench [name...]`; not collected by pytest.
Each `bench_*.py` module registers its benchmarks with `harness.benchmark`."""
