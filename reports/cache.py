"""When the report cache is stale.

A cached report is keyed by a change marker read fresh on every request:

- the highest audit event id: every write to a case — a transition, a claim, a referral, an
  outcome, a deadline recorded — appends an audit event in the same transaction (STYLE: each
  service writes its audit event), and bulk loaders such as `seed_bench` write them too; reading
  it is one primary-key lookup;
- a version number in the shared cache, raised after the commit of any transaction that saved a
  case or an audit event. It covers what the highest id cannot: on PostgreSQL, transactions can
  commit out of id order, so a report read between two such commits would otherwise be kept;
- today's date, since "missed" depends on it;
- the database, so that two databases sharing one cache directory (the bench) never mix.

Entries also expire after `TTL` seconds, a bound on whatever the above might miss (a change made
by hand in the database). The version is raised from signals because invalidating a cache is not
business logic: no rule of the domain depends on it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

TTL = 600
VERSION_KEY = "reports:version:{db}"


def _db() -> str:
    import hashlib

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

    last = AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0
    version = cache.get(VERSION_KEY.format(db=_db()), 0)
    return f"{_db()}:{last}:{version}:{timezone.localdate().isoformat()}"


def _changed(sender, **kwargs) -> None:
    transaction.on_commit(version_bump)


def connect_invalidation() -> None:
    from casework.models import AuditEvent, Case, Claim, Referral
    from rights.deadline_models import CaseDeadline

    for model in (AuditEvent, Case, Claim, Referral, CaseDeadline):
        post_save.connect(_changed, sender=model, dispatch_uid=f"reports_{model.__name__}_saved")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"reports_{model.__name__}_deleted"
        )
