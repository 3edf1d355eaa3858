"""When the report cache is stale.

A cached report is keyed by a change marker read fresh on every request (one query):

- the highest audit event id, and how many audit events there are among the last `WINDOW` ids.
  Every write to a case — a transition, a claim, a referral, an outcome, a deadline recorded —
  appends an audit event in the same transaction (STYLE: each service writes its audit event),
  and bulk loaders such as `seed_bench` write them too. The count matters on PostgreSQL, where
  transactions can commit out of id order: a transaction that took id 100 and commits after
  the one that took 101 leaves the highest id as it was, but not the count;
- a version number in the shared cache, raised whenever a case, a claim, a referral, a case
  deadline or an audit event is saved or deleted through the ORM — for changes that write no
  audit event (an edit in the admin). It is raised at the save, not after the commit: a hook on
  the commit would add a callback to every transaction of the services, whose side effects are
  counted by their tests. A report read between such a save and its commit may be kept until
  the next change or the TTL;
- today's date, since "missed" depends on it;
- the database, so that two databases sharing one cache directory (the bench) never mix.

Entries also expire after `TTL` seconds, a bound on whatever the above might miss (a change made
by hand in the database, a transaction holding an audit id more than `WINDOW` ids old). The
version is raised from signals because invalidating a cache is not business logic: no rule of
the domain depends on it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

TTL = 600
WINDOW = 10_000
VERSION_KEY = "reports:version:{db}"


def _db() -> str:
    name = str(settings.DATABASES["default"].get("NAME", ""))
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def version_bump() -> None:
    key = VERSION_KEY.format(db=_db())
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def change_marker() -> str:
    from casework.models import AuditEvent

    latest = AuditEvent.objects.order_by("-id").values("id")[:1]
    audit = AuditEvent.objects.filter(id__gt=Subquery(latest) - WINDOW).aggregate(
        last=Max("id"), recent=Count("id")
    )
    version = cache.get(VERSION_KEY.format(db=_db()), 0)
    return (
        f"{_db()}:{audit['last'] or 0}:{audit['recent']}:{version}:"
        f"{timezone.localdate().isoformat()}"
    )


def _changed(sender, **kwargs) -> None:
    version_bump()


def connect_invalidation() -> None:
    from casework.models import AuditEvent, Case, Claim, Referral
    from rights.deadline_models import CaseDeadline

    for model in (AuditEvent, Case, Claim, Referral, CaseDeadline):
        post_save.connect(_changed, sender=model, dispatch_uid=f"reports_{model.__name__}_saved")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"reports_{model.__name__}_deleted"
        )
