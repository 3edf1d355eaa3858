"""Purging a case of its personal data (PIPL Art. 47; DESIGN §3 retention).

The Case row stays, stripped (see privacy/models.py for why and what the reports keep); every
row hanging off the case is deleted — found through the model graph, so that tables other
apps add later are purged too without editing this file — and so are their files. The files
are deleted once the transaction has committed: a rolled-back purge leaves every file, a
committed one none.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from casework.audit import audit_record
from casework.models import AuditEvent, Case, CaseParty, CaseSearchTerm, Worker
from casework.services.search import case_search_index

from .models import ErasureRequest, PurgedCase, PurgeReason

# Rows of the case that a purge keeps: the audit chain (codes and ids only), the purge mark,
# and the erasure requests (which stop naming the worker). The search terms are written afresh
# from the stripped case (casework.services.search), so that no worker's name stays in them.
_KEPT = {AuditEvent, PurgedCase, ErasureRequest, CaseSearchTerm}

# What a stripped case keeps, for anonymous statistics: reference, channel, confidentiality,
# owning organisation, categories, state, stage, outcome, amounts, reject reason and route
# codes, claimant count, the employer (an organisation, not a person) and the dates filed,
# submitted and closed. Everything below is set to empty.
_STRIPPED = {
    "facts": "",
    "employment_start": None,
    "employment_end": None,
    "knew_date": None,
    "injury_date": None,
    "hotline_ticket": "",
    "forum": "",
    "filing_date": None,
    "assignee": None,
    "filed_by": None,
    "primary_worker": None,
    "next_deadline": None,
    "receipt_digest": None,
}


def _case_relations() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every table with a foreign key to Case, kept ones aside."""
    found = []
    for rel in Case._meta.related_objects:
        if rel.many_to_many or rel.related_model in _KEPT:
            continue
        found.append((rel.related_model, rel.field.name))
    return found


def _file_names(querysets) -> list[tuple[object, str]]:
    names = []
    for qs in querysets:
        file_fields = [f for f in qs.model._meta.fields if isinstance(f, models.FileField)]
        for row in qs:
            for field in file_fields:
                value = getattr(row, field.name)
                if value and value.name:
                    names.append((value.storage, value.name))
    return names


def _delete_all(querysets) -> Counter:
    """Delete each queryset; one protected by another's rows waits for the next round."""
    counts: Counter = Counter()
    pending = list(querysets)
    for _round in range(len(pending) + 1):
        if not pending:
            return counts
        blocked = []
        for qs in pending:
            try:
                with transaction.atomic():
                    _total, per_model = qs.delete()
            except (ProtectedError, RestrictedError):
                blocked.append(qs)
                continue
            for label, n in per_model.items():
                counts[label] += n
        pending = blocked
    raise ProtectedError("rows of the case are still protected after every round", set())


@transaction.atomic
def case_purge(*, case: Case, reason: str, actor=None) -> PurgedCase:
    """Erase the personal data of one ended case (see the module docstring). Audited, with
    counts only. `actor` is the supervisor who approved an erasure, or None for the sweep."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_open:
        raise ValueError("an open case is not purged")
    existing = PurgedCase.objects.filter(case=case).first()
    if existing is not None:
        return existing
    worker_ids = set(
        CaseParty.objects.filter(case=case, worker__isnull=False).values_list(
            "worker_id", flat=True
        )
    )
    if case.primary_worker_id:
        worker_ids.add(case.primary_worker_id)
    querysets = [
        model._default_manager.filter(**{field: case}) for model, field in _case_relations()
    ]
    files = _file_names(querysets)
    counts = _delete_all(querysets)
    # Guardian's generic permission tables, should anything have granted on a case through them.
    from guardian.models import GroupObjectPermission, UserObjectPermission

    ct = ContentType.objects.get_for_model(Case)
    for model in (UserObjectPermission, GroupObjectPermission):
        n, _ = model.objects.filter(content_type=ct, object_pk=str(case.pk)).delete()
        counts[model._meta.label] += n
    # The worker's identity, unless another case still names the same person.
    orphans = Worker.objects.filter(pk__in=worker_ids).exclude(parties__isnull=False)
    counts += _delete_all([orphans])
    ErasureRequest.objects.filter(case=case).update(requested_by=None, decline_reason="")
    for name, value in _STRIPPED.items():
        setattr(case, name, value)
    case.save(update_fields=[*_STRIPPED, "updated_at"])
    # The stripped case is still found by what it keeps (reference, employer), never again by
    # a worker's name.
    case_search_index([case.pk])
    record = PurgedCase.objects.create(case=case, reason=reason, purged_at=timezone.now())
    audit_record(
        verb="case_purged",
        actor=actor,
        actor_kind="staff" if actor is not None else "system",
        case=case,
        payload={
            "reason": reason,
            "rows": {label: n for label, n in sorted(counts.items()) if n},
            "files": len(files),
        },
    )
    transaction.on_commit(lambda: _delete_files(files))
    return record


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)


def purge_due_cases(*, now=None, days: int | None = None, limit: int | None = None) -> list[str]:
    """The retention sweep: purge every ended case whose end lies more than the retention
    period back (RIGHTSDESK["RETENTION_DAYS_AFTER_CLOSE"]). Returns the references purged.
    Callable from the daily sweep as well as from `manage.py purge_closed_cases`."""
    from django.conf import settings

    from casework.choices import CaseState

    days = settings.RIGHTSDESK["RETENTION_DAYS_AFTER_CLOSE"] if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = (
        Case.objects.filter(
            state__in=CaseState.ended(),
            closed_at__lt=cutoff,
        )
        .exclude(purge_record__isnull=False)
        .order_by("closed_at", "pk")
    )
    if limit is not None:
        due = due[:limit]
    purged = []
    for case in due:
        case_purge(case=case, reason=PurgeReason.RETENTION)
        purged.append(case.reference)
    return purged
