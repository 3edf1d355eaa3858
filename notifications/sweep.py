"""The daily sweep (`manage.py sweep`, or the `notifications.tasks.sweep` task): deadline
reminders, expired referrals, stuck renders, deliveries that are due or failed, and the
housekeeping of the retention policy (ended cases past the retention period are purged,
privacy.purge), of the API (stored Idempotency-Key answers forgotten, api.idempotency) and of
the file storage (files no row names, left by a process killed mid-upload, deleted:
documents.orphans) and of the virus scanning (stored evidence scanned again once the signatures
have changed: documents.rescan).

Every step is idempotent on its own — unique rows, locked and re-read cases, conditional
UPDATEs — so running the sweep twice, or twice at once on PostgreSQL, changes nothing more than
running it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.audit import audit_record
from casework.tasks import enqueue_on_commit

from .models import RenderRetry
from .services import (
    deliveries_due,
    deliveries_plan,
    deliveries_release_stale,
    delivery_send_now,
    notifications_unplanned,
    reminders_send_due,
)

logger = logging.getLogger("notifications.sweep")

MAX_RENDER_RETRIES = 2
STUCK_REAPED_PREFIX = "the render did not finish"


@dataclass
class SweepReport:
    reminders: int = 0
    referrals_expired: int = 0
    renders_failed_stuck: int = 0
    renders_requeued: int = 0
    deliveries_planned: int = 0
    deliveries_released: int = 0
    deliveries_attempted: int = 0
    deliveries_sent: int = 0
    cases_purged: int = 0
    idempotency_records_purged: int = 0
    tally_rows: int = 0
    orphan_files_deleted: int = 0
    evidence_rescanned: int = 0
    evidence_held: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def renders_requeue_stuck(*, now: dt.datetime) -> int:
    """Queue again a render whose worker died (failed by documents_reap_stuck for taking too
    long) or whose task never ran (still queued long after it was asked for), at most
    MAX_RENDER_RETRIES times per document. The status change is conditional and the retry row
    unique, so a concurrent sweep queues it once; the render task itself renders a document
    once however often it is enqueued."""
    from documents.models import DocumentStatus, GeneratedDocument
    from documents.services import render_stuck_after
    from documents.tasks import document_render

    cutoff = now - render_stuck_after()
    candidates = (
        GeneratedDocument.objects.filter(created_at__lt=cutoff)
        .filter(
            status__in=[DocumentStatus.QUEUED, DocumentStatus.FAILED],
        )
        .select_related("case")
        .defer("snapshot")
        .order_by("id")
    )
    requeued = 0
    for doc in candidates:
        if doc.status == DocumentStatus.FAILED and not doc.failure_reason.startswith(
            STUCK_REAPED_PREFIX
        ):
            continue  # a real render error waits for a person (document_retry)
        last = RenderRetry.objects.filter(document=doc).order_by("-attempt").first()
        if last is not None and (last.attempt >= MAX_RENDER_RETRIES or last.created_at >= cutoff):
            continue
        reason = "queued" if doc.status == DocumentStatus.QUEUED else "stuck"
        try:
            with transaction.atomic():
                RenderRetry.objects.create(
                    document=doc, attempt=(last.attempt if last else 0) + 1, reason=reason
                )
                if doc.status == DocumentStatus.FAILED:
                    changed = GeneratedDocument.objects.filter(
                        pk=doc.pk, status=DocumentStatus.FAILED
                    ).update(
                        status=DocumentStatus.QUEUED, failure_reason="", render_started_at=None
                    )
                    if not changed:
                        raise IntegrityError("retried meanwhile")
                    audit_record(
                        verb="document_retried",
                        actor=None,
                        actor_kind="system",
                        case=doc.case,
                        payload={
                            "document": doc.pk,
                            "kind": doc.kind,
                            "version": doc.version,
                            "reason": doc.failure_reason,
                        },
                    )
                enqueue_on_commit(document_render, doc.pk)
        except IntegrityError:
            continue
        requeued += 1
    return requeued


def sweep_run(*, today: dt.date | None = None, now: dt.datetime | None = None) -> SweepReport:
    """Run every step of the daily sweep once; each step's failure is logged and the others
    still run."""
    from api.idempotency import idempotency_records_purge
    from casework.services.referrals import referrals_expire_due
    from casework.services.tally import tally_compact
    from documents.orphans import files_sweep_orphans
    from documents.rescan import evidence_rescan_due
    from documents.services import documents_reap_stuck
    from privacy.purge import purge_due_cases

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = SweepReport()

    def step(name, fn):
        try:
            return fn()
        except Exception:  # noqa: BLE001 - one broken step must not stop the others
            logger.exception("sweep step %s failed", name)
            return 0

    report.reminders = step("reminders", lambda: reminders_send_due(today=today))
    report.referrals_expired = step("referrals", lambda: referrals_expire_due(today))
    report.renders_failed_stuck = step("reap", lambda: documents_reap_stuck(now=now))
    report.renders_requeued = step("renders", lambda: renders_requeue_stuck(now=now))
    report.deliveries_planned = step(
        "plan", lambda: len(deliveries_plan(notifications_unplanned(now=now), enqueue=False))
    )
    report.deliveries_released = step("release", lambda: deliveries_release_stale(now=now))

    def send_due():
        for pk in list(
            deliveries_due(now=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:5000]
        ):
            report.deliveries_attempted += 1
            if delivery_send_now(pk, now=now) in ("sent", "logged"):
                report.deliveries_sent += 1
        return report.deliveries_attempted

    step("deliveries", send_due)
    report.cases_purged = step("retention", lambda: len(purge_due_cases(now=now)))
    report.idempotency_records_purged = step("idempotency", idempotency_records_purge)
    report.tally_rows = step("tally", tally_compact)
    report.orphan_files_deleted = step("orphan files", lambda: files_sweep_orphans(now=now).deleted)

    def rescan():
        result = evidence_rescan_due(now=now)
        report.evidence_rescanned, report.evidence_held = result.scanned, result.held
        return result.scanned

    step("virus rescan", rescan)
    step("statistics", database_statistics_refresh)
    return report


def database_statistics_refresh() -> int:
    """SQLite gathers no query-planner statistics by itself; without them a queue over a large
    organisation subtree walks the wrong index. `ANALYZE` with an analysis limit samples each
    index (seconds at a million cases). PostgreSQL's autovacuum does this itself, but may come
    late to the case tally, which the "tally" step has just emptied of its delta rows: until a
    vacuum, its index still points at every dead row (at a million cases, a queue's counts took
    275 ms instead of 1). So the tally is vacuumed here (a few thousand rows: milliseconds);
    VACUUM cannot run inside a transaction, which only the tests' runs are."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")
        elif not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE) casework_casetally")
    return 0
