"""Claims added from a calculator result (issue 3, item 3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..audit import audit_record
from ..errors import GuardFailed
from ..models import Case, Claim
from .records import _locked

MAX_ITEM = 200


@transaction.atomic
def claim_add_from_calculation(
    *,
    case: Case,
    user: User,
    result,
    item_label: str,
    period_start: date | None = None,
    period_end: date | None = None,
    parameter_rows: Iterable[dict] = (),
    extra: dict | None = None,
) -> Claim:
    """A claim carrying its calculation: the amount, the period and the whole breakdown
    (`result.as_dict()`), plus the parameter rows used (`parameter_rows`, see
    rights.parameters.parameter_row) and any `extra` context (reference date, region, inputs).
    Union staff of the case or its lawyer only (the gate's "note" action)."""
    locked, _level = _locked(case.pk, user, "note")
    label = (item_label or "").strip()[:MAX_ITEM]
    if not label:
        message = _("The claim needs a name.")
        raise GuardFailed(message, field_errors={"item_label": [message]})
    calculation = result.as_dict()
    calculation["parameter_rows"] = list(parameter_rows)
    if extra:
        calculation.update(extra)
    claim = Claim.objects.create(
        case=locked,
        item=label,
        amount=result.amount,
        period_start=period_start,
        period_end=period_end,
        calculation=calculation,
    )
    audit_record(
        verb="claim_added",
        actor=user,
        case=locked,
        payload={
            "claim": claim.pk,
            "calculator": result.calculator,
            "parameters": [row["id"] for row in calculation["parameter_rows"]],
        },
    )
    return claim
