"""When the report cache is stale.

A cached report is keyed by a change marker read fresh on every request (one query):

- the highest audit event id, and how many audit events there are among the last `WINDOW` ids.
  Every write to a case — a transition, a claim, a referral, an outcome, a deadline recorded —
  appends an audit event in the same transaction (STYLE: each service writes its audit event),
  and bulk loaders such as `seed_bench` write them too. The count matters on PostgreSQL, where
  transactions can commit out of id order: a transaction that took id 100 and commits after
  the one that took 101 leaves the highest id as it was, but not the count;
- the rollup's list of changes in the shared cache (reports.rollup.mark_dirty): its length grows
  whenever a case, a claim, a referral, a case deadline, a case's categories or an employer is
  saved or deleted through the ORM — for changes that write no audit event (an edit in the
  admin). It grows at the save, not after the commit, so that the services' transactions carry
  no commit hook for it (their tests count them): a report read between such a save and its
  commit may be kept until the next change or the TTL. The rollup's signals keep that list;
  a second set of signals bumping a version of its own would cost a filing four more round
  trips to the cache for nothing the list does not already say;
- a version number in the shared cache, raised only by `invalidate()` (the bench's cold
  report);
- today's date, since "missed" depends on it;
- the database, so that two databases sharing one cache directory (the bench) never mix.

Entries also expire after `TTL` seconds, a bound on whatever the above might miss (a change made
by hand in the database, a transaction holding an audit id more than `WINDOW` ids old). The
list grows from signals because invalidating a cache is not business logic: no rule of the
domain depends on it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Subquery
from django.utils import timezone

TTL = 600
WINDOW = 10_000
VERSION_KEY = "reports:version:{db}"


def _db() -> str:
    name = str(settings.DATABASES["default"].get("NAME", ""))
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def invalidate() -> None:
    """Make every cached report stale."""
    key = VERSION_KEY.format(db=_db())
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def change_marker() -> str:
    from casework.models import AuditEvent

    from .rollup import DIRTY_SEQ

    latest = AuditEvent.objects.order_by("-id").values("id")[:1]
    audit = AuditEvent.objects.filter(id__gt=Subquery(latest) - WINDOW).aggregate(
        last=Max("id"), recent=Count("id")
    )
    version_key, changes_key = VERSION_KEY.format(db=_db()), DIRTY_SEQ.format(db=_db())
    found = cache.get_many([version_key, changes_key])
    return (
        f"{_db()}:{audit['last'] or 0}:{audit['recent']}:{found.get(version_key, 0)}:"
        f"{found.get(changes_key, 0)}:{timezone.localdate().isoformat()}"
    )
