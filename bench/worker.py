"""Benchmarks of a worker's own pages (the worker's side of issue 8): "my grievances".

Included from bench/pages.py `benchmarks()`, in the same form (`bench.harness.Benchmark`).
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from bench.harness import Benchmark
from bench.pages import page
from casework.models import Case


def _busiest_worker() -> User:
    """The bench worker account (`bench_worker_N`) with the most grievances filed with it."""
    row = (
        Case.objects.filter(
            filed_by__username__startswith="bench",
            filed_by__username__contains="_worker_",
            filed_by__memberships__isnull=True,
        )
        .values("filed_by_id")
        .annotate(n=Count("id"))
        .order_by("-n", "filed_by_id")
        .first()
    )
    return User.objects.get(pk=row["filed_by_id"])


def _newest_reference(user: User) -> str:
    return (
        Case.objects.filter(filed_by=user)
        .order_by("-created_at", "-id")
        .values_list("reference", flat=True)[0]
    )


def benchmarks() -> list[Benchmark]:
    return [
        page(
            "my_cases",
            _busiest_worker,
            lambda _user: reverse("casework:my_cases"),
            _newest_reference,
        ),
    ]
