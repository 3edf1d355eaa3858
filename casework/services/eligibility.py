"""Legal-aid eligibility (issue 3, item 5): screen a case, override a screening with a reason.

The rules are pure (rights.eligibility); these services add the gate, the row (one per
screening, so the history stays) and the audit events. Import from this module: it is not
re-exported by casework.services.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rights import eligibility as rules
from rights.eligibility_rules import matters_for_categories

from ..audit import audit_record
from ..errors import GuardFailed, NotFound
from ..models import Case
from ..models.eligibility import EligibilityAssessment, EligibilityResult
from ..permissions import Access, access, may
from .records import _text, lock_case

# Who screens: union staff of the case (and the assigned lawyer), the people who may write an
# internal note on it, at full access.
ACTION = "note"

OVERRIDE_RESULTS = (EligibilityResult.ELIGIBLE, EligibilityResult.NOT_ELIGIBLE)


def _gate(case_pk: int, user) -> Case:
    """The locked case, if the user may screen it; anyone else finds it missing."""
    locked = lock_case(case_pk)
    if access(user, locked) != Access.FULL or not may(user, ACTION, locked):
        raise NotFound()
    return locked


def may_assess(user, case: Case) -> bool:
    return access(user, case) == Access.FULL and may(user, ACTION, case)


def eligibility_prefill(case: Case) -> dict:
    """Initial facts from the case: matter types from its categories, the primary worker's
    migrant-worker and union-member flags."""
    matters = matters_for_categories(case.categories.values_list("code", flat=True))
    worker = case.primary_worker
    return {
        "matter_types": matters,
        "claims_wages_or_injury": bool({"wages", "work_injury"} & set(matters)),
        "migrant_worker": bool(worker and worker.migrant_worker),
        "union_member": bool(worker and worker.union_member),
        "represented": False,
    }


def eligibility_history(case: Case):
    """Every screening of the case, newest first."""
    return EligibilityAssessment.objects.filter(case=case).select_related(
        "assessed_by", "overridden_by"
    )


@transaction.atomic
def eligibility_assess(*, case: Case, user, facts) -> EligibilityAssessment:
    """Screen the facts (a rights.eligibility.Facts or its JSON form) and keep the result as a
    new row; audited as `eligibility_assessed` with codes only."""
    locked = _gate(case.pk, user)
    if not isinstance(facts, rules.Facts):
        facts = rules.Facts.from_json(facts)
    result = rules.evaluate(facts)
    assessment = EligibilityAssessment.objects.create(
        case=locked,
        facts=facts.to_json(),
        result=result.to_json(),
        overall=result.overall,
        assessed_by=user,
    )
    audit_record(
        verb="eligibility_assessed",
        actor=user,
        case=locked,
        payload={
            "assessment": assessment.pk,
            "overall": result.overall,
            "tracks": dict(result.tracks),
            "failed": [c.code for c in result.criteria if c.outcome == rules.FAIL],
        },
    )
    return assessment


@transaction.atomic
def eligibility_override(
    *, assessment: EligibilityAssessment, user, result: str, reason: str
) -> EligibilityAssessment:
    """Override a screening's result. A written reason is required; the audit event
    `eligibility_overridden` carries the ids and result codes, never the reason text."""
    locked = _gate(assessment.case_id, user)
    row = (
        EligibilityAssessment.objects.select_for_update()
        .filter(pk=assessment.pk, case=locked)
        .first()
    )
    if row is None:
        raise NotFound()
    if row.override:
        message = _("This assessment was already overridden. Assess again to change it.")
        raise GuardFailed(message)
    if result not in OVERRIDE_RESULTS:
        message = _("Please choose eligible or not eligible.")
        raise GuardFailed(message, field_errors={"result": [message]})
    text = _text(reason, "reason", _("Please write the reason for the override."))
    row.override = True
    row.override_result = result
    row.override_reason = text
    row.overridden_by = user
    row.overridden_at = timezone.now()
    row.save(
        update_fields=[
            "override",
            "override_result",
            "override_reason",
            "overridden_by",
            "overridden_at",
        ]
    )
    audit_record(
        verb="eligibility_overridden",
        actor=user,
        case=locked,
        payload={"assessment": row.pk, "from": row.overall, "to": result},
    )
    return row
