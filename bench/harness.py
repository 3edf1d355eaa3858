"""Timing one benchmark: warm-up, measured runs, one more run to count queries.

Every benchmark prints exactly one line:

    BENCH <name> median_ms=<x> p95_ms=<y> queries=<n> [key=value ...]

Queries are counted in a separate run (capturing them costs time), so the timed runs measure
what production does.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


class BenchFailed(Exception):
    """A benchmark's request did not do what it should (a wrong status, no case filed)."""


class TooSlow(Exception):
    """The first run already took longer than the limit: measuring 20 more would take the
    whole bench hostage. Reported as such instead of measured."""

    def __init__(self, name: str, first_ms: float, limit_ms: float):
        self.line = f"BENCH-TOO-SLOW {name} first_run_ms={first_ms:.0f} limit_ms={limit_ms:.0f}"
        super().__init__(self.line)


@dataclass
class Benchmark:
    """`setup()` runs once and returns the callable to time; the callable raises BenchFailed
    when a response is not what it should be. `prepare()` (optional, untimed) runs before each
    call, for benchmarks that need fresh state per run."""

    name: str
    setup: Callable[[], Callable[[], None]]
    prepare: Callable[[], None] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    extra: dict[str, str]

    def line(self) -> str:
        extras = "".join(f" {k}={v}" for k, v in self.extra.items())
        return (
            f"BENCH {self.name} median_ms={self.median_ms:.1f} p95_ms={self.p95_ms:.1f} "
            f"queries={self.queries}{extras}"
        )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct% of values at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def measure(bench: Benchmark, *, warmup: int = 3, runs: int = 30, limit_ms: float = 5000) -> Result:
    if runs < 20:
        raise ValueError("at least 20 measured runs")
    call = bench.setup()

    def once() -> float:
        if bench.prepare is not None:
            bench.prepare()
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    first = once()
    if first > limit_ms:
        raise TooSlow(bench.name, first, limit_ms)
    for _ in range(warmup - 1):
        once()
    timings = [once() for _ in range(runs)]
    if bench.prepare is not None:
        bench.prepare()
    with CaptureQueriesContext(connection) as queries:
        call()
    return Result(
        name=bench.name,
        median_ms=statistics.median(timings),
        p95_ms=percentile(timings, 95),
        queries=len(queries.captured_queries),
        extra=bench.extra,
    )
