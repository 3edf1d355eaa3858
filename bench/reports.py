"""The reports dashboard (issue 9): `/reports/` as the bench city federation's supervisor, over
every case below it, the last twelve months.

- `reports_dashboard_cold`: every run finds the cache stale — the report version is raised
  before each (untimed), as a change to a case would — so the figures are counted afresh by
  the database;
- `reports_dashboard_warm`: the same request with the cached report (the change marker is
  still read on every request).

Target (issue 9): median 1 s at 1,000,000 cases.
"""

from __future__ import annotations

from django.urls import reverse

from bench.harness import Benchmark
from bench.pages import _bench_supervisor, _client_for, _get

EXPECT = 'id="key-figures"'


def _dashboard(name: str, *, cold: bool) -> Benchmark:
    def setup():
        client = _client_for(_bench_supervisor())
        url = reverse("reports:dashboard")
        return lambda: _get(client, url, EXPECT)

    def stale():
        from reports.cache import invalidate

        invalidate()

    return Benchmark(name, setup, prepare=stale if cold else None)


def benchmarks() -> list[Benchmark]:
    return [
        _dashboard("reports_dashboard_cold", cold=True),
        _dashboard("reports_dashboard_warm", cold=False),
    ]
