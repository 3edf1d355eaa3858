"""The legal-aid application form (法律援助申请表), after the Legal Aid Law (domain.md §2.1,
§6.4): the applicant's particulars (Art. 40 for an agent), the matter mapped to the item of
Art. 31 that covers it, the forum and place that decide which agency receives it (Art. 38), the
economic situation — the exemption from verifying economic difficulty that applies (Art. 42) or
the means statement (Art. 41) — as the case's latest eligibility assessment recorded it, the
urgency before a limitation date (Art. 44), the provider applied to (from the referral, if there
is one) and the applicant's declaration and signature.

The assessment is rights.eligibility's result as stored on casework's EligibilityAssessment; a
caseworker's override is printed with its written reason. With no assessment on file the economic
situation is left for the applicant to state by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from casework.models import Case, EligibilityAssessment
from rights import eligibility_rules as rules

from .. import labels
from ..snapshot import _amount, _categories, _claims, _deadlines, _limitation, _org
from .common import (
    applicants,
    event_time_of,
    forum,
    header,
    latest_referral,
    party_rows,
    person,
    respondents,
)

URGENT_DAYS = 7  # Legal Aid Law Art. 44 item 1: fewer than 7 days before a limitation date


def _matters(codes: list[str]) -> list[dict]:
    names = {code: (en, zh) for code, en, zh in rules.MATTER_TYPES}
    out = []
    for code in codes:
        en, zh = names.get(code, (code, code))
        item = rules.ART31_ITEMS.get(code)
        citation = rules.law(31, item) if item else None
        out.append(
            {
                "code": code,
                "zh": zh,
                "en": en,
                "citation": {"zh": citation.zh, "en": citation.en} if citation else None,
            }
        )
    return out


def _assessment(row: EligibilityAssessment | None) -> dict | None:
    if row is None:
        return None
    facts = row.facts or {}
    result = row.result or {}
    effective = labels.ELIGIBILITY_RESULTS.get(row.effective_result)
    criteria = []
    for line in result.get("criteria") or []:
        outcome = labels.CRITERION_OUTCOMES.get(line.get("outcome"))
        criteria.append(
            {
                "code": line.get("code", ""),
                "track": line.get("track", ""),
                "outcome": outcome.as_dict() if outcome else {"zh": "", "en": ""},
                "passed": line.get("passed"),
                "reason": {"zh": line.get("reason_zh", ""), "en": line.get("reason_en", "")},
                "citation": {"zh": line.get("citation_zh", ""), "en": line.get("citation_en", "")},
            }
        )
    exemption = next(
        (c for c in criteria if c["code"] == "la_exemption" and c["passed"] is True), None
    )
    means = next((c for c in criteria if c["code"] == "la_means"), None)
    return {
        "assessed_at": event_time_of(row.assessed_at),
        "assessed_by": person(row.assessed_by),
        "result": effective.as_dict() if effective else {"zh": "", "en": ""},
        "overridden": row.override,
        "override_reason": row.override_reason if row.override else "",
        "matter_types": list(facts.get("matter_types") or []),
        "household_income": _amount_of(facts.get("household_income")),
        "income_standard": _amount_of(facts.get("income_standard")),
        "represented": facts.get("represented"),
        "exemption": exemption,
        "means": means,
        "legal_aid": [c for c in criteria if c["track"] == "legal_aid"],
    }


def _amount_of(value) -> str | None:
    if value in (None, ""):
        return None
    try:
        return _amount(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def legal_aid_application_snapshot(case: Case) -> dict:
    """Everything the legal-aid application form prints; see the module docstring."""
    rows = party_rows(case)
    respondent_rows = respondents(case, rows)
    claims, total = _claims(case)
    deadlines = _deadlines(case)
    limit = _limitation(deadlines)
    assessment = _assessment(
        EligibilityAssessment.objects.filter(case=case)
        .select_related("assessed_by")
        .order_by("-assessed_at", "-id")
        .first()
    )
    categories = _categories(case)
    matter_codes = (assessment or {}).get("matter_types") or rules.matters_for_categories(
        c["code"] for c in categories
    )
    ref = latest_referral(case)
    days_left = None
    if limit:
        days_left = (date.fromisoformat(limit["last_day"]) - timezone.localdate()).days
    return {
        **header(case, "legal_aid_application"),
        "applicants": applicants(case, rows),
        "respondents": respondent_rows,
        "categories": categories,
        "matters": _matters(matter_codes),
        "claims": claims,
        "claims_total": total,
        "facts": case.facts,
        "forum": forum(case, respondent_rows),
        "stage": case.stage,
        "assessment": assessment,
        "provider": _org(ref.provider) if ref else None,
        "limitation": limit,
        "days_left": days_left,
        "urgent": days_left is not None and 0 <= days_left < URGENT_DAYS,
    }
