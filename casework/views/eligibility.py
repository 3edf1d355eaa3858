"""The legal-aid eligibility screen of a case (`/cases/<reference>/eligibility/`).

Thin views: fetch the case through the gate (404 for anyone who may not see it in full), parse
the form, call one service, render. The screen shows the latest assessment with one line per
criterion (pass or fail, the reason and the citation), an override form and the history.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rights import eligibility as rules

from ..errors import GuardFailed
from ..forms.eligibility import EligibilityForm, EligibilityOverrideForm
from ..models.eligibility import EligibilityResult
from ..permissions import get_case_or_404
from ..services.eligibility import (
    eligibility_assess,
    eligibility_history,
    eligibility_override,
    eligibility_prefill,
    may_assess,
)
from .staff import SeeOther, staff_view


def _outcome_labels() -> dict[str, str]:
    return {
        rules.PASS: _("pass"),
        rules.FAIL: _("fail"),
        rules.NOT_APPLICABLE: _("not applicable"),
        rules.UNKNOWN: _("unknown"),
    }


def _track_labels() -> dict[str, str]:
    return {
        rules.LEGAL_AID: _("Legal aid (Legal Aid Law)"),
        rules.UNION_LEGAL_AID: _("Union legal aid (Union Legal Aid Measures)"),
    }


def _criterion_labels() -> dict[str, str]:
    return {
        "la_matter": _("Matter covered by legal aid"),
        "la_no_agent": _("No agent"),
        "la_exemption": _("Exemption from verifying economic difficulty"),
        "la_means": _("Economic difficulty (means test)"),
        "union_scope": _("Within the scope of union legal aid"),
        "union_membership": _("Union membership"),
        "union_means": _("Union economic-difficulty condition"),
    }


# Facts a new assessment carries over from the previous one (the rest comes from the case).
CARRIED_OVER = (
    "represented",
    "no_fixed_income_group",
    "assistance_recipient",
    "serious_infringement",
    "household_income",
    "income_standard",
)


def _initial(case, latest) -> dict:
    initial = eligibility_prefill(case)
    if latest is not None:
        initial.update({k: latest.facts[k] for k in CARRIED_OVER if k in latest.facts})
    return initial


def _result_label(code: str) -> str:
    try:
        return str(EligibilityResult(code).label)
    except ValueError:
        return code


def _shown(assessment) -> dict:
    """An assessment as the template shows it, in the current language."""
    english = (get_language() or "").startswith("en")
    outcomes, tracks, names = _outcome_labels(), _track_labels(), _criterion_labels()
    result = assessment.result or {}
    facts = assessment.facts or {}
    lines = [
        {
            "code": c.get("code", ""),
            "name": names.get(c.get("code"), c.get("code", "")),
            "outcome": c.get("outcome", ""),
            "outcome_label": outcomes.get(c.get("outcome"), c.get("outcome", "")),
            "track": tracks.get(c.get("track"), c.get("track", "")),
            "reason": c.get("reason_en" if english else "reason_zh", ""),
            "citation": c.get("citation_en" if english else "citation_zh", ""),
            "confirmed": c.get("confirmed", True),
        }
        for c in result.get("criteria", [])
    ]
    return {
        "row": assessment,
        "lines": lines,
        "tracks": [
            (tracks.get(name, name), _result_label(value))
            for name, value in (result.get("tracks") or {}).items()
        ],
        "income": facts.get("household_income"),
        "standard": facts.get("income_standard"),
        "overall": _result_label(assessment.overall),
        "effective": _result_label(assessment.effective_result),
    }


def _page(request, case, *, form=None, override_form=None, error="", status=200):
    user = request.user
    history = list(eligibility_history(case))
    allowed = may_assess(user, case)
    latest = history[0] if history else None
    if allowed and form is None:
        form = EligibilityForm(initial=_initial(case, latest))
    if allowed and override_form is None and latest is not None and not latest.override:
        override_form = EligibilityOverrideForm(initial={"assessment": latest.pk})
    context = {
        "case": case,
        "form": form if allowed else None,
        "override_form": override_form if allowed else None,
        "latest": _shown(latest) if latest else None,
        "history": [_shown(a) for a in history],
        "error": error,
    }
    return render(request, "staff/eligibility.html", context, status=status)


def _here(reference: str) -> SeeOther:
    return SeeOther(reverse("casework:case_eligibility", args=[reference]))


@staff_view
@require_http_methods(["GET", "POST"])
def case_eligibility(request, reference: str):
    case, _level = get_case_or_404(request.user, reference)
    if request.method == "GET":
        return _page(request, case)
    form = EligibilityForm(request.POST)
    if not form.is_valid():
        error = _("Please correct the marked fields.")
        return _page(request, case, form=form, error=error, status=400)
    eligibility_assess(case=case, user=request.user, facts=form.facts())
    messages.success(request, _("The eligibility assessment was recorded."))
    return _here(reference)


@staff_view
@require_POST
def case_eligibility_override(request, reference: str):
    case, _level = get_case_or_404(request.user, reference)
    form = EligibilityOverrideForm(request.POST)
    if not form.is_valid():
        error = _("Please correct the marked fields.")
        return _page(request, case, override_form=form, error=error, status=400)
    assessment = eligibility_history(case).filter(pk=form.cleaned_data["assessment"]).first()
    if assessment is None:
        error = _("This assessment no longer exists. Reload the page.")
        return _page(request, case, error=error, status=400)
    try:
        eligibility_override(
            assessment=assessment,
            user=request.user,
            result=form.cleaned_data["result"],
            reason=form.cleaned_data["reason"],
        )
    except GuardFailed as exc:
        form.add_domain_errors(exc)
        return _page(request, case, override_form=form, error=str(exc.message), status=400)
    messages.success(request, _("The result was overridden; the override is recorded."))
    return _here(reference)
