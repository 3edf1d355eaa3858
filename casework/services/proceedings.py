"""Proceedings: the stages the lawyer runs after accepting (arbitration, litigation,
enforcement), each a `Proceeding` with the dates the statutory periods run from.

Dates → deadline triggers (rights/deadline_rules.py, domain.md §1.6–1.7, §6.2):

- arbitration filed → `arbitration_applied`: ARB_ACCEPT, the commission decides within 5 days
  (LDMAL Art. 29); ARB_DEFECT_NOTICE (2017 Rules Art. 29);
- arbitration accepted → `arbitration_accepted`: ARB_AWARD, the award within 45 days, 60 when
  the chair extends it by 15 (LDMAL Art. 43); ARB_SERVE and ARB_PANEL_NOTICE, 5 days
  (Art. 30, 32);
- award received → `award_served`: POST_AWARD_WORKER, 15 days to sue (Art. 48, 50); a final
  award also → `final_award_served`: POST_AWARD_EMPLOYER_FINAL, the employer's 30 days to apply
  to set it aside (Art. 49);
- judgment received (litigation) → `judgment_served`: APPEAL, 15 days (CPL Art. 171);
- last day set for performance → `performance_period_end`: ENFORCE, 2 years (CPL Art. 250).

A deadline counts as met once what it waits for is recorded: ARB_ACCEPT and ARB_DEFECT_NOTICE
by the acceptance, ARB_AWARD by the award, POST_AWARD_WORKER and APPEAL by a later stage filed,
ENFORCE by an enforcement application; the arbitration limitation (ARB_LIMIT…) by the filing.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..audit import audit_record
from ..choices import CaseState, ProceedingsStage
from ..errors import Conflict, GuardFailed
from ..models import Case, Proceeding
from .deadlines import case_deadlines_recompute
from .records import _locked, _notify_on_commit

P = ProceedingsStage
DATE_FIELDS = (
    "filed_on",
    "accepted_on",
    "hearing_on",
    "decided_on",
    "served_on",
    "performance_due",
)
# The hearing and the last day of performance may lie ahead; the rest has happened.
FUTURE_ALLOWED = {"hearing_on", "performance_due"}


def proceeding_triggers(case_ids) -> dict[int, tuple[dict[str, date], set[str], set[str]]]:
    """case id -> (trigger -> date, codes met, codes extended), for the deadline engine. One
    query. The latest stage of each kind counts."""
    out: dict[int, tuple[dict, set, set]] = {}
    rows = Proceeding.objects.filter(case_id__in=list(case_ids)).order_by("filed_on", "id")
    for p in rows.values(
        "case_id",
        "stage",
        "filed_on",
        "accepted_on",
        "decided_on",
        "served_on",
        "final_award",
        "award_extended",
        "performance_due",
    ):
        triggers, met, extended = out.setdefault(p["case_id"], ({}, set(), set()))
        if p["stage"] == P.ARBITRATION:
            triggers["arbitration_applied"] = p["filed_on"]
            met.update({"ARB_LIMIT", "ARB_LIMIT_WAGE"})
            if p["accepted_on"]:
                triggers["arbitration_accepted"] = p["accepted_on"]
                met.update({"ARB_ACCEPT", "ARB_DEFECT_NOTICE"})
            if p["award_extended"]:
                extended.add("ARB_AWARD")
            if p["decided_on"]:
                met.add("ARB_AWARD")
            if p["served_on"]:
                triggers["award_served"] = p["served_on"]
                if p["final_award"]:
                    triggers["final_award_served"] = p["served_on"]
        else:
            # A suit or an enforcement application answers the award's and judgment's periods.
            if "award_served" in triggers:
                met.add("POST_AWARD_WORKER")
            if p["stage"] == P.ENFORCEMENT:
                met.update({"APPEAL", "ENFORCE"})
            if p["stage"] == P.LITIGATION and "judgment_served" in triggers:
                met.add("APPEAL")  # an appeal filed: a second-instance stage
            if p["stage"] == P.LITIGATION and p["served_on"]:
                triggers["judgment_served"] = p["served_on"]
                met.discard("APPEAL")
        if p["performance_due"]:
            triggers["performance_period_end"] = p["performance_due"]
    return out


def _check_dates(values: dict, today: date) -> None:
    errors = {}
    for name in DATE_FIELDS:
        value = values.get(name)
        if value is not None and name not in FUTURE_ALLOWED and value > today:
            errors[name] = [_("This date cannot be in the future.")]
    filed, accepted = values.get("filed_on"), values.get("accepted_on")
    decided, served = values.get("decided_on"), values.get("served_on")
    if filed is None:
        errors["filed_on"] = [_("Please give the filing date.")]
    if filed and accepted and accepted < filed:
        errors["accepted_on"] = [_("Acceptance cannot come before the filing.")]
    if served and not decided:
        errors["decided_on"] = [_("Give the date of the award or judgment first.")]
    if served and decided and served < decided:
        errors["served_on"] = [_("It cannot be received before it was given.")]
    if decided and (accepted or filed) and decided < (accepted or filed):
        errors["decided_on"] = [_("The award or judgment cannot come before the filing.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise GuardFailed(first, field_errors=errors)


def _clean_text(value: str, field: str, *, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        message = _("Please name the forum.")
        raise GuardFailed(message, field_errors={field: [message]})
    return text[:limit]


def proceeding_start(
    *,
    case: Case,
    user,
    stage: str,
    forum: str,
    filed_on: date | None,
    case_number: str = "",
    expected_state: str | None = None,
) -> Proceeding:
    """Start proceedings (启动法律程序) from legal aid, or a further stage (更新程序阶段) while
    in proceedings: the forum, the filing date, the commission's or court's number."""
    from .transitions import case_start_proceedings

    if stage not in ProceedingsStage.values:
        message = _("Please choose from the list.")
        raise GuardFailed(message, field_errors={"stage": [message]})
    forum_text = _clean_text(forum, "forum", required=True, limit=200)
    _check_dates({"filed_on": filed_on}, timezone.localdate())
    with transaction.atomic():
        locked, _level = _locked(case.pk, user, "start_proceedings")
        if expected_state is not None and locked.state != expected_state:
            raise Conflict(locked)
        if locked.state == CaseState.LEGAL_AID:
            locked = case_start_proceedings(
                case=locked, user=user, stage=stage, forum=forum_text, filing_date=filed_on
            )
        elif locked.state == CaseState.PROCEEDINGS:
            locked.stage, locked.forum, locked.filing_date = stage, forum_text, filed_on
            locked.version += 1
            locked.save(update_fields=["stage", "forum", "filing_date", "version", "updated_at"])
            event = audit_record(
                verb="stage_updated",
                actor=user,
                case=locked,
                payload={"stage": stage, "filing_date": filed_on.isoformat()},
                worker_visible=True,
            )
            _notify_on_commit(event.pk)
        else:
            raise Conflict(locked)
        proceeding = Proceeding.objects.create(
            case=locked,
            stage=stage,
            forum=forum_text,
            case_number=(case_number or "").strip()[:60],
            filed_on=filed_on,
            created_by=user,
        )
        case_deadlines_recompute(locked)
    return proceeding


def proceeding_update(*, case: Case, user, proceeding_id: int, **values) -> Proceeding:
    """Record the dates of a stage as they happen (acceptance, hearing, award or judgment, its
    receipt, final award, extension, performance). The deadlines are recomputed."""
    allowed = set(DATE_FIELDS) | {"case_number", "final_award", "award_extended"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        locked, _level = _locked(case.pk, user, "start_proceedings")
        if locked.state != CaseState.PROCEEDINGS:
            raise Conflict(locked)
        proceeding = (
            Proceeding.objects.select_for_update().filter(pk=proceeding_id, case=locked).first()
        )
        if proceeding is None:
            raise GuardFailed(_("This stage of proceedings does not exist."))
        merged = {name: getattr(proceeding, name) for name in DATE_FIELDS}
        merged.update({k: v for k, v in values.items() if k in DATE_FIELDS})
        _check_dates(merged, timezone.localdate())
        if "case_number" in values:
            values["case_number"] = (values["case_number"] or "").strip()[:60]
        changed = [k for k, v in values.items() if getattr(proceeding, k) != v]
        if not changed:
            return proceeding
        for name in changed:
            setattr(proceeding, name, values[name])
        proceeding.save(update_fields=[*changed, "updated_at"])
        audit_record(
            verb="proceeding_updated",
            actor=user,
            case=locked,
            payload={"proceeding": proceeding.pk, "fields": sorted(changed)},
        )
        case_deadlines_recompute(locked)
    return proceeding
