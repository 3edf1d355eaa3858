"""Reads for the notification pages: a fixed number of queries each."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from casework.models import AuditEvent, Case, Notification

from .content import NoticeLine, notice_line
from .models import TrackReadMark

PAGE_SIZE = 50
logger = logging.getLogger(__name__)


# The unread count is on every page of a signed-in user: kept in the shared cache, forgotten
# whenever the user's notifications change (unread_count_forget), and at most UNREAD_TTL old
# when a change bypassed the services (a purge's cascade).
UNREAD_KEY = "notifications:unread:{}"
UNREAD_TTL = 300


def unread_count(user) -> int:
    key = UNREAD_KEY.format(user.pk)
    try:
        n = cache.get(key)
    except Exception:  # noqa: BLE001 - without the cache, count every time
        n = None
    if n is None:
        n = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        try:
            cache.set(key, n, UNREAD_TTL)
        except Exception:  # noqa: BLE001 - nothing kept: counted again next time
            logger.warning("the unread count could not be kept in the cache")
    return n


def unread_count_forget(user_ids) -> None:
    """Forget the users' counts now (this transaction's readers) and again after commit (so
    that no reader in between keeps the count from before the change)."""
    keys = [UNREAD_KEY.format(pk) for pk in user_ids]
    if not keys:
        return

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except Exception:  # noqa: BLE001 - the count ages out within UNREAD_TTL
            logger.warning("unread counts could not be forgotten")

    forget()
    transaction.on_commit(forget)


@dataclass(frozen=True)
class NoticeRow:
    id: int
    at: datetime
    unread: bool
    line: NoticeLine
    case_reference: str
    case_url: str


def user_notices(user, *, limit: int = PAGE_SIZE) -> list[NoticeRow]:
    """The user's newest notifications with what each says and where it leads: three queries
    (notifications with their cases, their events, deadline names) whatever the length."""
    from django.urls import reverse

    from rights.models import DeadlineRule

    notes = list(
        Notification.objects.filter(recipient=user)
        .select_related("case", "recipient")
        .order_by("-created_at", "-id")[:limit]
    )
    events = {
        e.pk: e
        for e in AuditEvent.objects.filter(pk__in=[n.audit_event_id for n in notes]).select_related(
            "actor"
        )
    }
    rule_codes = {
        (e.payload or {}).get("rule") for e in events.values() if e.verb == "deadline_reminder"
    }
    rules = {r.code: r for r in DeadlineRule.objects.filter(code__in=rule_codes)}
    rows = []
    for n in notes:
        event = events.get(n.audit_event_id)
        if event is not None:
            event.case = n.case
        worker = n.case.filed_by_id == user.pk
        rows.append(
            NoticeRow(
                id=n.pk,
                at=n.created_at,
                unread=n.read_at is None,
                line=notice_line(n, event, rules=rules),
                case_reference=n.case.reference,
                case_url=reverse(
                    "casework:my_case" if worker else "casework:case_detail",
                    args=[n.case.reference],
                ),
            )
        )
    return rows


# --- the worker's page of one grievance (by receipt code or account) ------------------------


def worker_notice_events(case: Case) -> QuerySet[AuditEvent]:
    """What the worker is notified of: worker-visible events they did not cause themselves."""
    return AuditEvent.objects.filter(case=case, worker_visible=True).exclude(actor_kind="worker")


@dataclass(frozen=True)
class WorkerNotices:
    rows: list[dict]
    unread: int


def worker_notices(case: Case, actor=None, *, limit: int = 20) -> WorkerNotices:
    """The notifications shown on the worker's page of a grievance, newest first, marked new
    until the worker marks them read — here, or (with an account) in the notification list
    (two queries)."""
    from casework.selectors.worker import _describe

    if getattr(actor, "is_authenticated", False):
        unread_ids = set(
            Notification.objects.filter(
                recipient=actor, case=case, read_at__isnull=True
            ).values_list("audit_event_id", flat=True)
        )

        def is_unread(event_id: int) -> bool:
            return event_id in unread_ids

    else:
        seen = (
            TrackReadMark.objects.filter(case=case).values_list("seen_event_id", flat=True).first()
        ) or 0

        def is_unread(event_id: int) -> bool:
            return event_id > seen

    rows = []
    for event in (
        worker_notice_events(case)
        .only("id", "occurred_at", "verb", "payload", "actor_kind")
        .order_by("-id")[:limit]
    ):
        entry = _describe(event, {})
        if entry is None:
            continue
        rows.append({"at": event.occurred_at, "text": entry.text, "unread": is_unread(event.pk)})
    return WorkerNotices(rows=rows, unread=sum(1 for r in rows if r["unread"]))
