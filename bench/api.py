"""Benchmarks of the REST API (issue 6): whole requests through the full stack with an API
token, on the bench data of `seed_bench`.

| benchmark | request |
| --- | --- |
| `api_cases_list` | GET /api/v1/cases/ with a caseworker's token: 50 rows (target at 1M cases: median <= 40 ms, a fixed number of queries) |
| `api_cases_list_supervisor` | the same with the city federation supervisor's token (every case below it) |
"""

from __future__ import annotations

from django.test import Client

from bench.harness import BenchFailed, Benchmark


def _token_client(user) -> Client:
    from api.tokens import token_create

    membership = user.memberships.order_by("pk").first()
    _row, raw = token_create(user=user, membership_id=membership.pk, name="bench")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def api_list(name: str, user_of, url: str = "/api/v1/cases/") -> Benchmark:
    def setup():
        client = _token_client(user_of())

        def run():
            response = client.get(url)
            if response.status_code != 200:
                raise BenchFailed(f"GET {url} answered {response.status_code}")
            rows = len(response.json()["results"])
            if rows != 50:
                raise BenchFailed(f"GET {url} gave {rows} rows, not 50")

        return run

    return Benchmark(name, setup)


def api_benchmarks() -> list[Benchmark]:
    from bench.pages import _bench_caseworker, _bench_supervisor

    return [
        api_list("api_cases_list", _bench_caseworker),
        api_list("api_cases_list_supervisor", _bench_supervisor),
    ]
