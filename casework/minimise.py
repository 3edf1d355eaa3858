"""Timestamp minimisation for anonymous filers (security.md matrix G6, the SecureDrop model).

A worker who filed with a receipt code (no account: `Case.receipt_digest` is set) is someone
whose exact times of activity could identify them — the minute a message was written matches a
factory shift, a break, a Wi-Fi log. Rightsdesk therefore stores what such a worker does *after*
filing to the day only:

- their messages (`Message.created_at`), evidence uploads (`Evidence.created_at`), consent
  withdrawals (`ConsentRecord.withdrawn_at`) and the audit events of their actions
  (`AuditEvent.occurred_at`, actor_kind "worker") get `coarse_time()`: the start of the local
  day, moved forward only as far as the latest time already stored on the same record (the
  case's thread, its evidence, its audit chain), so that ordering by time stays the order
  things happened and reveals nothing the order does not;
- the filing itself keeps its exact time: `Case.created_at` and `submitted_at`, and the intake
  events ("filed", "submit"). The deadline engine counts from the submission
  (casework.services.deadlines, trigger "case_submitted"), the queue orders by it, and the
  union's response targets run from it; the worker's receipt shows it;
- staff actions keep their exact times (staff are accountable for them), and so do workers with
  an account, who are identified anyway.

Not covered: the worker's page shows their own messages with the stored (coarse) time; staff
notifications are created and sent when the worker acts (a notification a caseworker receives
says "now" by arriving); the database's row ids still give the order of all writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

# The intake's own events: their times are the filing's, kept exact.
FILING_VERBS = frozenset({"filed", "submit"})


def is_receipt_case(case) -> bool:
    """Filed with a receipt code, without an account."""
    return bool(getattr(case, "receipt_digest", None))


def coarse_time(*, after: datetime | None = None, now: datetime | None = None) -> datetime:
    """The start of today (local time), or `after` when that is later — never later than now.
    In UTC, as the database gives times back (the audit chain hashes the stored value)."""
    now = now or timezone.now()
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day = day.astimezone(UTC)
    if after is not None and after > day:
        return min(after, now)
    return day


def worker_time(case, *, after: datetime | None = None) -> datetime:
    """When to record an action of the case's own worker: coarse for a receipt filing, exact
    otherwise."""
    return coarse_time(after=after) if is_receipt_case(case) else timezone.now()
