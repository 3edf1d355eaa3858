"""The read-access log of one case (security.md G1): who opened it, who saw identities, who
downloaded its files — for an operator looking into a leak (`manage.py access_log`)."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import AuditEvent, Case
from .case_rows import HIDDEN_EVENT_VERBS


def case_access_events(case: Case) -> QuerySet[AuditEvent]:
    """The case's access records, oldest first: views, identity views and downloads."""
    return (
        AuditEvent.objects.filter(case=case, verb__in=HIDDEN_EVENT_VERBS)
        .select_related("actor")
        .only("occurred_at", "verb", "payload", "actor_kind", "actor__username")
        .order_by("id")
    )
