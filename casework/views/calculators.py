"""The calculator screen of a case (`/cases/<reference>/calculators/…`, issue 3 items 3–4).

Thin views: fetch the case through the gate (404 for anyone who may not see it in full), parse
the form, compute, render. "Add as claim" recomputes from the posted inputs on the server (a
posted amount is never read) and calls `claim_add_from_calculation`; only union staff of the
case or its lawyer may add (the gate's "note" action), others get 403 from the service.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rights.parameter_models import ParameterKey

from ..errors import NotFound
from ..forms.calculators import CALCULATORS, Calculation
from ..permissions import get_case_or_404, may
from ..services.claims import claim_add_from_calculation
from .staff import SeeOther, staff_view

LINE_LABELS = {
    "monthly_wage": gettext_lazy("monthly wage"),
    "months_owed": gettext_lazy("months owed"),
    "wage_arrears": gettext_lazy("wage arrears"),
    "unpaid_item": gettext_lazy("unpaid item"),
    "minimum_wage_shortfall_month": gettext_lazy("shortfall for the month"),
    "hourly_wage": gettext_lazy("hourly wage"),
    "overtime_weekday": gettext_lazy("weekday overtime"),
    "overtime_rest_day": gettext_lazy("rest-day work without time off in lieu"),
    "overtime_holiday": gettext_lazy("statutory-holiday work"),
    "service_period": gettext_lazy("years of service"),
    "service_units": gettext_lazy("months of wage for the service"),
    "avg_monthly_wage_12m": gettext_lazy("average monthly wage over the last 12 months"),
    "wage_base": gettext_lazy("wage base"),
    "wage_cap": gettext_lazy("wage cap: 3 × local average monthly wage"),
    "years_cap": gettext_lazy("at most 12 years"),
    "economic_compensation": gettext_lazy("economic compensation (N)"),
    "pre_2008_compensation": gettext_lazy("compensation for service before 2008"),
    "notice_pay": gettext_lazy("pay in lieu of notice (+1)"),
    "compensation_standard": gettext_lazy("compensation standard (N)"),
    "unlawful_termination_damages": gettext_lazy("damages for unlawful termination (2N)"),
    "window_start": gettext_lazy("window from"),
    "window_end": gettext_lazy("window to"),
    "months_in_window": gettext_lazy("months in the window"),
    "double_wage": gettext_lazy("double wage for no written contract"),
    "entitlement_days": gettext_lazy("annual leave entitlement"),
    "unused_days": gettext_lazy("untaken days"),
    "daily_wage": gettext_lazy("daily wage"),
    "annual_leave_pay": gettext_lazy("pay for untaken annual leave"),
}

FLAG_LABELS = {
    "pre_2008_service_manual_review": gettext_lazy(
        "Service before 2008: the part under the old rules must be checked by hand (LCL Art. 97)."
    ),
    "limitation_contested": gettext_lazy(
        "The limitation period for this claim is contested: check it."
    ),
    "open_ended_check": gettext_lazy(
        "Check whether the contract became open-ended after a year without a written contract."
    ),
    "deemed_open_ended": gettext_lazy(
        "A year passed without a written contract: the contract is deemed open-ended (LCL Art. 14)."
    ),
}


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def _value(value, unit: str) -> str:
    """A breakdown value for the screen (glossary §1.3, §1.4)."""
    if isinstance(value, date):
        return value.isoformat()
    if unit == "yuan":
        return _yuan(value)
    if unit == "yuan_per_month":
        return _("%(amount)s/month") % {"amount": _yuan(value)}
    if unit == "yuan_per_day":
        return _("%(amount)s/day") % {"amount": _yuan(value)}
    if unit == "yuan_per_hour":
        return _("%(amount)s/hour") % {"amount": _yuan(value)}
    number = (
        f"{value.normalize():f}" if value == value.quantize(Decimal("0.0001")) else f"{value:.4f}"
    )
    if unit == "months":
        return _("%(number)s months") % {"number": number}
    if unit == "days":
        return _("%(number)s days") % {"number": number}
    if unit == "hours":
        return _("%(number)s hours") % {"number": number}
    if unit == "years":
        return _("%(number)s years") % {"number": number}
    if unit == "percent":
        return f"{number}%"
    return number


def _shown(calculation: Calculation) -> dict:
    """A calculation as the template shows it, in the current language."""
    english = (get_language() or "").startswith("en")
    result = calculation.result
    return {
        "amount": _yuan(result.amount),
        "lines": [
            {
                "key": ln.key,
                "label": LINE_LABELS.get(ln.key, ln.key),
                "value": _value(ln.rounded if ln.unit == "yuan" else ln.value, ln.unit),
                "formula": ln.formula_en if english else ln.formula_zh,
                "is_item": ln.is_item,
            }
            for ln in result.lines
        ],
        "citations": list(result.citations),
        "flags": [FLAG_LABELS.get(f, f) for f in result.flags],
        "rows": [
            {
                "row": row,
                "label": ParameterKey(row.key).label if row.key in ParameterKey.values else row.key,
                "value": _yuan(row.value),
            }
            for row in calculation.rows
        ],
        "reference_date": calculation.reference_date,
        "unconfirmed": calculation.unconfirmed,
        "period_start": calculation.period_start,
        "period_end": calculation.period_end,
    }


@staff_view
@require_GET
def case_calculators(request, reference: str):
    case, _level = get_case_or_404(request.user, reference)
    context = {
        "case": case,
        "calculators": [(name, form.label) for name, form in CALCULATORS.items()],
    }
    return render(request, "staff/calculators.html", context)


@staff_view
@require_http_methods(["GET", "POST"])
def case_calculator(request, reference: str, name: str):
    case, _level = get_case_or_404(request.user, reference)
    form_class = CALCULATORS.get(name)
    if form_class is None:
        raise NotFound()
    may_add = may(request.user, "note", case)
    calculation, status = None, 200
    if request.method == "GET":
        form = form_class(initial=form_class.prefill(case), case=case)
    else:
        form = form_class(request.POST, case=case)
        calculation = form.calculate()
        if calculation is None:
            status = 400
        elif request.POST.get("action") == "add":
            claim_add_from_calculation(
                case=case,
                user=request.user,
                result=calculation.result,
                item_label=form.claim_label,
                period_start=calculation.period_start,
                period_end=calculation.period_end,
                parameter_rows=calculation.parameter_rows,
                extra=calculation.stored_context(form.cleaned_data),
            )
            messages.success(
                request,
                _("Claim added: %(item)s, %(amount)s.")
                % {"item": form.claim_label, "amount": _yuan(calculation.result.amount)},
            )
            return SeeOther(reverse("casework:case_detail", args=[case.reference]))
    context = {
        "case": case,
        "name": name,
        "label": form_class.label,
        "form": form,
        "calculation": _shown(calculation) if calculation else None,
        "may_add": may_add,
        "error": _("Please correct the marked fields.") if status == 400 else "",
    }
    return render(request, "staff/calculator.html", context, status=status)
