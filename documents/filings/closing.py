"""The closing report (结案报告): the case from filing to outcome. For a legal-aid case it serves
as the report on the handling of the matter the lawyer files with the provider after it ends
(Legal Aid Law Art. 50; glossary §2.12).

It prints a summary, the proceedings stages, the claims beside what was awarded and what was
recovered, the outcome code (glossary §2.8), how each deadline of the case stood when it closed
(met, passed without being met, or not yet due), the timeline, and who closed the case: the
person who recorded the outcome or the agreement, or the worker who withdrew.
Generated for closed and withdrawn cases.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from casework.models import Case, Proceeding
from rights.models import CaseDeadline

from .. import labels
from ..snapshot import _amount, _categories, _claims, _iso, _timeline
from .common import (
    CLOSING_VERBS,
    event_time,
    event_time_of,
    header,
    latest_event,
    latest_referral,
    party_rows,
    person,
    referral_summary,
)


def _standing(row: CaseDeadline, closed_on: date) -> str:
    if row.met_at is not None:
        return "met"
    return "missed" if row.due_date < closed_on else "not_reached"


def _deadline_record(case: Case, closed_on: date) -> list[dict]:
    """Every deadline the engine computed for the case, with how it stood at closing."""
    out = []
    rows = CaseDeadline.objects.filter(case=case).select_related("rule").order_by("due_date")
    for row in rows:
        standing = _standing(row, closed_on)
        out.append(
            {
                "id": row.rule.code,
                "name": {"zh": row.rule.name_zh, "en": row.rule.name_en},
                "last_day": row.due_date.isoformat(),
                "met_at": event_time_of(row.met_at),
                "standing": {"code": standing, **labels.DEADLINE_STANDING[standing].as_dict()},
                "citation": row.rule.citation,
                "union_target": row.rule.organisation_configurable,
            }
        )
    return out


def _proceedings(case: Case) -> list[dict]:
    out = []
    for p in Proceeding.objects.filter(case=case).order_by("filed_on", "id"):
        stage = labels.PROCEEDINGS_STAGES.get(p.stage)
        out.append(
            {
                "stage": stage.as_dict() if stage else {"zh": p.stage, "en": p.stage},
                "forum": p.forum,
                "case_number": p.case_number,
                "filed_on": _iso(p.filed_on),
                "decided_on": _iso(p.decided_on),
            }
        )
    if not out and case.stage:
        stage = labels.PROCEEDINGS_STAGES.get(case.stage)
        out.append(
            {
                "stage": stage.as_dict() if stage else {"zh": case.stage, "en": case.stage},
                "forum": case.forum,
                "case_number": "",
                "filed_on": _iso(case.filing_date),
                "decided_on": None,
            }
        )
    return out


def _share(recovered, total: str) -> str | None:
    """What was recovered as a whole percentage of what was claimed (half up), if both are known."""
    claimed = Decimal(total)
    if recovered is None or claimed <= 0:
        return None
    return str((recovered * 100 / claimed).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _closed_by(event) -> dict:
    if event is None:
        return {"verb": "", "name": "", "actor": None}
    actor = labels.ACTOR_KINDS.get(event.actor_kind, labels.ACTOR_KINDS["staff"]).as_dict()
    return {
        "verb": event.verb,
        "name": person(event.actor) if event.actor_kind == "staff" else "",
        "actor": actor,
    }


def closing_report_snapshot(case: Case) -> dict:
    """Everything the closing report prints; see the module docstring."""
    rows = party_rows(case)
    claims, total = _claims(case)
    closing = latest_event(case, CLOSING_VERBS)
    closed_at = case.closed_at or (closing.occurred_at if closing else timezone.now())
    closed_on = timezone.localtime(closed_at).date()
    filed_at = case.submitted_at or case.created_at
    outcome = labels.OUTCOMES.get(case.outcome)
    return {
        **header(case, "closing_report"),
        "workers": [p.worker.name for p in rows if p.worker_id],
        "employers": [p.employer.name for p in rows if p.employer_id],
        "claimant_count": case.claimant_count,
        "categories": _categories(case),
        "facts": case.facts,
        "filed_at": event_time_of(filed_at),
        "accepted_at": event_time(latest_event(case, "accept_for_review")),
        "closed_at": event_time_of(closed_at),
        "days_open": (closed_on - timezone.localtime(filed_at).date()).days,
        "outcome": {"code": case.outcome, **outcome.as_dict()} if outcome else None,
        "claims": claims,
        "claims_total": total,
        "amount_awarded": _amount(case.amount_awarded),
        "amount_recovered": _amount(case.amount_recovered),
        "recovered_share": _share(case.amount_recovered, total),
        "proceedings": _proceedings(case),
        "referral": referral_summary(latest_referral(case)),
        "assignee": person(case.assignee),
        "closed_by": _closed_by(closing),
        "deadlines": _deadline_record(case, closed_on),
        "timeline": _timeline(case),
    }
