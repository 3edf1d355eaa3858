"""The report a user may see: `report_data(user, filters)`.

Plain, JSON-serialisable data with every small figure already suppressed
(`reports.suppression`): the dashboard, its CSV and XLSX exports and the API print exactly
this. The figures come from `reports.aggregates` (GROUP BY in the database) and are cached
until a case changes (`reports.cache`).
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from casework.errors import NotFound
from casework.permissions import report_scope

from .aggregates import build
from .cache import TTL, change_marker
from .filters import ReportFilters
from .suppression import SUPPRESSED, THRESHOLD, suppress

FORMAT_VERSION = 1


def _cache_key(scope: tuple[str, ...], filters: ReportFilters) -> str:
    import hashlib

    scope_digest = hashlib.sha256("|".join(scope).encode()).hexdigest()[:16]
    return (
        f"reports:v{FORMAT_VERSION}:{change_marker()}:{get_language()}:"
        f"{scope_digest}:{filters.digest()}"
    )


def report_data(user, filters: ReportFilters) -> dict:
    """The dashboard's figures for `user` over their report scope, filtered. Raises NotFound
    for anyone who may not see reports (the views turn it into 404)."""
    scope = report_scope(user)
    if not scope:
        raise NotFound()
    key = _cache_key(scope, filters)
    data = cache.get(key)
    if data is None:
        tree, partitions = build(scope, filters)
        data = {
            "filters": filters.as_dict(),
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "suppressed": SUPPRESSED,
            "threshold": THRESHOLD,
            **suppress(tree, partitions),
        }
        cache.set(key, data, TTL)
    return data
