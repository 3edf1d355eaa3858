"""The deadline engine wired to cases (issue 3, item 2; domain.md §1.9, §6.2).

`case_deadlines_recompute(case)` computes every deadline that applies to an open case from its
dates, its organisation's own response targets and its suspension / interruption events, upserts
its `CaseDeadline` rows and sets `Case.next_deadline` (which the queue sorts on and flags urgent
under seven days, Legal Aid Law Art. 44). `deadlines_recompute_many` does the same for many cases
in a few queries per batch (the `recompute_deadlines` command, the nightly sweep).

Which dates start which rules (the §6.2 trigger codes):

- `knew_date` → ARB_LIMIT (LDMAL Art. 27: one year from the day the worker knew or should have
  known; with suspension and interruption); `employment_end` → ARB_LIMIT_WAGE, TERM_PAPERS;
  `injury_date` (injury or diagnosis) → INJ_EMPLOYER, INJ_WORKER_UNION;
- the day the case was submitted → FIRST_RESPONSE, with the organisation's own target;
- a pending referral's sending day → REFERRAL_RESPONSE (its recorded response date when the
  referral has one, so the page agrees with the expiry sweep);
- an arbitration filing date (proceedings started at arbitration) → ARB_ACCEPT,
  ARB_DEFECT_NOTICE (the commission's own periods);
- the dates of each proceedings stage (acceptance, award, its receipt, judgment, performance):
  see casework.services.proceedings.

A deadline counts as met when what it waits for has happened: FIRST_RESPONSE once the case is
accepted for review (or later), the limitation periods once arbitration is filed. The nearest
deadline of a case (`Case.next_deadline`) is the nearest unmet last day from today on of the
deadlines that bind the worker (see NOT_IN_QUEUE: the union's own response targets are shown on
the case but do not make every new case urgent); when none is left, the passed limitation date
(so the queue shows it as expired); closed cases have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rights.deadline_models import (
    CaseDeadline,
    CaseDeadlineEvent,
    DeadlineRule,
    OrganisationDeadlineTarget,
    db_calendar,
)
from rights.deadlines import rule_due_date
from rights.local_copy import LocalCopy

from ..audit import audit_record
from ..choices import CaseState, ProceedingsStage, ReferralState
from ..errors import Conflict, GuardFailed
from ..models import Case, Referral
from .records import _locked, _notify_on_commit

LIMITATION = "ARB_LIMIT"
LIMITATION_CODES = ("ARB_LIMIT", "ARB_LIMIT_WAGE")
KEY_DATE_FIELDS = ("knew_date", "employment_start", "employment_end", "injury_date")
BATCH = 2000
# Deadlines that do not set the queue's nearest deadline (which is flagged urgent under seven
# days, Legal Aid Law Art. 44): the union's own response targets (rules set per organisation)
# and the periods that bind the employer or the authority, not the worker.
NOT_IN_QUEUE = frozenset({"TERM_PAPERS", "INJ_EMPLOYER", "ARB_ACCEPT", "ARB_DEFECT_NOTICE"})


@dataclass
class _Context:
    """What every case of a recompute shares: the rules, the targets and the calendar."""

    rules: list
    targets: dict  # (organisation id, rule id) -> target
    calendar: object
    today: date
    now: object
    memo: dict = field(default_factory=dict)
    by_trigger: dict = field(default_factory=dict)

    def __post_init__(self):
        for rule in self.rules:
            for trigger in (rule.trigger, *rule.alternative_triggers):
                self.by_trigger.setdefault(trigger, []).append(rule)

    def rules_for(self, triggers: dict) -> list:
        """The rules some of whose triggers are among `triggers`, each once."""
        seen, out = set(), []
        for trigger in triggers:
            for rule in self.by_trigger.get(trigger, ()):
                if rule.pk not in seen:
                    seen.add(rule.pk)
                    out.append(rule)
        return out

    @classmethod
    def load(cls) -> _Context:
        rules, targets = _rules_and_targets.get()
        return cls(rules, targets, db_calendar(), timezone.localdate(), timezone.now())


def _build_rules_and_targets() -> tuple[list, dict]:
    rules = [
        r for r in DeadlineRule.objects.filter(kind="deadline", direction="after") if r.period > 0
    ]
    targets = {(t.organisation_id, t.rule_id): t for t in OrganisationDeadlineTarget.objects.all()}
    return rules, targets


# Every transition recomputes its case's deadlines: the rules and the organisations' targets
# are a process-local copy, rebuilt after an edit (as the holiday calendar is).
_rules_and_targets = LocalCopy("rights:deadline-targets-version", _build_rules_and_targets)
_rules_and_targets.invalidate_on_change(DeadlineRule, "casework_recompute_rules")
_rules_and_targets.invalidate_on_change(OrganisationDeadlineTarget, "casework_recompute_targets")


def _org_ids(path: str) -> list[int]:
    """Organisation ids from the root down, from a materialised path such as "/1/4/9/"."""
    return [int(part) for part in (path or "").split("/") if part]


def _effective_rule(rule, org_path: str, targets: dict):
    """The rule, with the period of the deepest organisation's own target where it has one."""
    if not rule.organisation_configurable or not targets:
        return rule
    for org_id in reversed(_org_ids(org_path)):
        target = targets.get((org_id, rule.pk))
        if target is not None:
            return SimpleNamespace(
                code=rule.code,
                period=target.period,
                unit=target.unit,
                working_days=target.working_days,
                roll_to_working_day=rule.roll_to_working_day,
                direction=rule.direction,
                suspension=rule.suspension,
                interruption=rule.interruption,
            )
    return rule


def _triggers(row: dict, referral: dict | None) -> dict[str, date]:
    out = {}
    for name in ("knew_date", "employment_end", "injury_date"):
        if row[name]:
            out[name] = row[name]
    if row["submitted_at"]:
        out["case_submitted"] = timezone.localdate(row["submitted_at"])
    if referral is not None:
        out["referral_sent"] = timezone.localdate(referral["sent_at"])
    if row["filing_date"] and row["stage"] == ProceedingsStage.ARBITRATION:
        out["arbitration_applied"] = row["filing_date"]
    # The dates of the proceedings stages (casework.services.proceedings).
    out.update(row.get("_proceedings", ({}, set(), set()))[0])
    return out


def _is_met(code: str, row: dict) -> bool:
    if code in row.get("_proceedings", ({}, set(), set()))[1]:
        return True
    if code == "FIRST_RESPONSE":
        return row["state"] not in (CaseState.DRAFT, CaseState.SUBMITTED)
    if code in LIMITATION_CODES:
        return bool(row["filing_date"]) and row["stage"] == ProceedingsStage.ARBITRATION
    return False


def _due(rule, trigger: date, events: list[dict], calendar) -> date:
    suspensions = [
        (e["start"], e["end"]) for e in events if e["kind"] == CaseDeadlineEvent.SUSPENSION
    ]
    interruptions = [
        e["start"]
        for e in events
        if e["kind"] == CaseDeadlineEvent.INTERRUPTION and e["start"] >= trigger
    ]
    kwargs = {"calendar": calendar}
    if rule.suspension and suspensions:
        kwargs["suspensions"] = suspensions
    if rule.interruption and interruptions:
        kwargs["interruption"] = max(interruptions)
    try:
        return rule_due_date(rule, trigger, **kwargs)
    except ValueError:
        return rule_due_date(rule, trigger, calendar=calendar)


def _compute(row: dict, referral: dict | None, events: list[dict], ctx: _Context) -> dict:
    """rule id -> (trigger date, last day, met) for one open case."""
    triggers = _triggers(row, referral)
    out = {}
    for rule in ctx.rules_for(triggers):
        trigger = triggers.get(rule.trigger)
        if trigger is None:
            trigger = next((triggers[t] for t in rule.alternative_triggers if t in triggers), None)
        if rule.code == "REFERRAL_RESPONSE" and referral["response_due"]:
            due = referral["response_due"]
        else:
            effective = _effective_rule(rule, row["owning_org__path"], ctx.targets)
            if rule.extension and rule.code in row.get("_proceedings", ({}, set(), set()))[2]:
                # The authority extended the period (ARB_AWARD: 45 + 15 days, LDMAL Art. 43).
                effective = SimpleNamespace(
                    **{
                        k: getattr(effective, k)
                        for k in (
                            "code",
                            "unit",
                            "working_days",
                            "roll_to_working_day",
                            "direction",
                            "suspension",
                            "interruption",
                        )
                    },
                    period=effective.period + rule.extension,
                )
            own = [e for e in events if e["rule_id"] == rule.pk]
            if own:
                due = _due(effective, trigger, own, ctx.calendar)
            else:
                # Many cases share a trigger date: the plain last day is computed once.
                key = (rule.pk, effective.period, effective.unit, effective.working_days, trigger)
                due = ctx.memo.get(key)
                if due is None:
                    due = ctx.memo[key] = _due(effective, trigger, (), ctx.calendar)
        out[rule.pk] = (trigger, due, _is_met(rule.code, row))
    return out


def _nearest(computed: dict, codes: dict, today: date, skip: set) -> date | None:
    unmet = [
        (due, rid)
        for rid, (_t, due, met) in computed.items()
        if not met and codes.get(rid) not in skip
    ]
    ahead = [due for due, _rid in unmet if due >= today]
    if ahead:
        return min(ahead)
    passed = [due for due, rid in unmet if codes.get(rid) in LIMITATION_CODES]
    return min(passed) if passed else None


ROW_FIELDS = (
    "id",
    "state",
    "knew_date",
    "employment_end",
    "injury_date",
    "submitted_at",
    "filing_date",
    "stage",
    "next_deadline",
)


def _recompute_batch(case_ids: list[int], ctx: _Context) -> int:
    """Recompute the given cases; returns how many cases' nearest deadline changed."""
    rows = list(Case.objects.filter(pk__in=case_ids).values(*ROW_FIELDS, "owning_org__path"))
    nearest = _recompute_rows(rows, ctx)
    return sum(1 for row in rows if row["next_deadline"] != nearest[row["id"]])


def _recompute_rows(rows: list[dict], ctx: _Context, *, new: bool = False) -> dict:
    """Recompute the cases of these rows (`ROW_FIELDS` and the owning organisation's path);
    returns each one's nearest deadline, also written to the case where it changed. `new`: the
    cases were inserted by the still open transaction, which wrote no referral, deadline event,
    proceedings or deadline of theirs: nothing to read, and the caller writes the nearest
    deadline with its own UPDATE of the case."""
    open_states = set(CaseState.open())
    open_ids = [r["id"] for r in rows if r["state"] in open_states]
    referrals, events, existing, proceedings = {}, {}, {}, {}
    if open_ids and not new:
        for ref in Referral.objects.filter(
            case_id__in=open_ids, state=ReferralState.PENDING, sent_at__isnull=False
        ).values("case_id", "sent_at", "response_due"):
            referrals[ref["case_id"]] = ref
        for ev in CaseDeadlineEvent.objects.filter(case_id__in=open_ids).values(
            "case_id", "rule_id", "kind", "start", "end"
        ):
            events.setdefault(ev["case_id"], []).append(ev)
        from .proceedings import proceeding_triggers

        for case_id, found in proceeding_triggers(open_ids).items():
            proceedings[case_id] = found
        for d in CaseDeadline.objects.filter(case_id__in=open_ids).values(
            "id", "case_id", "rule_id", "trigger_date", "due_date", "met_at"
        ):
            existing.setdefault(d["case_id"], {})[d["rule_id"]] = d
    codes = {r.pk: r.code for r in ctx.rules}
    not_in_queue = NOT_IN_QUEUE | {r.code for r in ctx.rules if r.organisation_configurable}
    upserts, stale, nearest = [], [], {}
    for row in rows:
        case_id = row["id"]
        if row["state"] not in open_states:
            nearest[case_id] = None
            continue
        if case_id in proceedings:
            row["_proceedings"] = proceedings[case_id]
        computed = _compute(row, referrals.get(case_id), events.get(case_id, []), ctx)
        before = existing.get(case_id, {})
        for rule_id, (trigger, due, met) in computed.items():
            old = before.get(rule_id)
            met_at = (old["met_at"] if old and old["met_at"] else ctx.now) if met else None
            if (
                old is None
                or old["trigger_date"] != trigger
                or old["due_date"] != due
                or (old["met_at"] is None) != (met_at is None)
            ):
                upserts.append((case_id, rule_id, trigger, due, met_at))
        stale += [
            d["id"] for rule_id, d in before.items() if rule_id in codes and rule_id not in computed
        ]
        nearest[case_id] = _nearest(computed, codes, ctx.today, not_in_queue)
    if stale:
        CaseDeadline.objects.filter(pk__in=stale).delete()
    if upserts:
        _upsert(upserts, ctx.now)
    changed = [
        (nearest[row["id"]], row["id"])
        for row in rows
        if row["next_deadline"] != nearest[row["id"]]
    ]
    if changed and not new:
        # Straight to the column: the case's version and updated_at stay as they are (the
        # nearest deadline is derived, not an edit). One statement, many parameter rows.
        table = connection.ops.quote_name(Case._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET next_deadline = %s WHERE id = %s",  # noqa: S608
                changed,
            )
    return nearest


def _upsert(rows: list[tuple], now) -> None:
    """Insert or update (case, rule, trigger date, last day, met at) rows with one
    parameterised statement run for every row (INSERT … ON CONFLICT … DO UPDATE: SQLite and
    PostgreSQL alike), much cheaper than the ORM's bulk_create for tens of thousands of rows."""
    ops = connection.ops
    q = ops.quote_name
    table = q(CaseDeadline._meta.db_table)
    columns = ["case_id", "rule_id", "trigger_date", "due_date", "computed_at", "met_at"]
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in columns[2:])
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({q('case_id')}, {q('rule_id')}) DO UPDATE SET {updates}"
    )
    at = ops.adapt_datetimefield_value(now)
    day = ops.adapt_datefield_value
    params = [
        (
            case_id,
            rule_id,
            day(trigger),
            day(due),
            at,
            None if met_at is None else ops.adapt_datetimefield_value(met_at),
        )
        for case_id, rule_id, trigger, due, met_at in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def case_deadlines_recompute(case: Case, *, new: bool = False) -> date | None:
    """Recompute one case's deadlines and its nearest deadline (also set on `case`). `new`:
    the case was inserted by the caller's still open transaction and `case` is the instance as
    written (intake's submit): it is not read again, nothing else of it needs reading, and the
    nearest deadline is only set on `case`, for the caller's UPDATE of it to write."""
    if new:
        row = {name: getattr(case, name) for name in ROW_FIELDS}
        row["owning_org__path"] = case.owning_org.path
        case.next_deadline = _recompute_rows([row], _Context.load(), new=True)[case.pk]
        return case.next_deadline
    with transaction.atomic():
        _recompute_batch([case.pk], _Context.load())
    case.next_deadline = (
        Case.objects.filter(pk=case.pk).values_list("next_deadline", flat=True).first()
    )
    return case.next_deadline


def deadlines_recompute_many(case_ids=None, *, batch: int = BATCH, only_open: bool = True) -> dict:
    """Recompute many cases (all open ones by default, plus closed ones that still carry a
    nearest deadline) in batches; returns counts."""
    if case_ids is None:
        qs = Case.objects.all()
        if only_open:
            from django.db.models import Q

            qs = qs.filter(Q(state__in=CaseState.open()) | Q(next_deadline__isnull=False))
        case_ids = qs.order_by("pk").values_list("pk", flat=True)
    ids = list(case_ids)
    ctx = _Context.load()
    changed = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            changed += _recompute_batch(ids[start : start + batch], ctx)
    return {"cases": len(ids), "changed": changed}


# --- staff writes: key dates, suspension, interruption --------------------------------------


def _not_future(value: date | None, field: str, today: date) -> None:
    if value is not None and value > today:
        message = _("This date cannot be in the future.")
        raise GuardFailed(message, field_errors={field: [message]})


_UNSET = object()


@transaction.atomic
def case_key_dates_update(
    *,
    case: Case,
    user,
    expected_version: int | None = None,
    knew_date=_UNSET,
    employment_start=_UNSET,
    employment_end=_UNSET,
    injury_date=_UNSET,
) -> Case:
    """Change the dates the deadlines run from (a date left out stays; None clears it), then
    recompute. Audited as `key_dates_changed` with the names of the changed fields only."""
    locked, _level = _locked(case.pk, user, "note", expected_version)
    given = {
        "knew_date": knew_date,
        "employment_start": employment_start,
        "employment_end": employment_end,
        "injury_date": injury_date,
    }
    given = {k: v for k, v in given.items() if v is not _UNSET}
    today = timezone.localdate()
    for name, value in given.items():
        _not_future(value, name, today)
    start = given.get("employment_start", locked.employment_start)
    end = given.get("employment_end", locked.employment_end)
    if start and end and end < start:
        message = _("The end of employment cannot come before its start.")
        raise GuardFailed(message, field_errors={"employment_end": [message]})
    changed = [f for f, v in given.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, given[name])
    locked.version += 1
    locked.save(update_fields=[*changed, "version", "updated_at"])
    event = audit_record(
        verb="key_dates_changed", actor=user, case=locked, payload={"fields": sorted(changed)}
    )
    _notify_on_commit(event.pk)
    case_deadlines_recompute(locked)
    return locked


def _rule_for_event(code: str | None, flag: str) -> DeadlineRule:
    rule = DeadlineRule.objects.filter(code=code or LIMITATION).first()
    if rule is None or not getattr(rule, flag):
        message = (
            _("A suspension does not apply to this deadline.")
            if flag == "suspension"
            else _("An interruption does not apply to this deadline.")
        )
        raise GuardFailed(message, field_errors={"rule": [message]})
    return rule


def _open_case(case: Case, user) -> Case:
    locked, _level = _locked(case.pk, user, "note")
    if not locked.is_open:
        raise Conflict(locked)
    return locked


@transaction.atomic
def deadline_suspend(
    *, case: Case, user, start: date, end: date, rule_code: str | None = None, note: str = ""
) -> CaseDeadlineEvent:
    """Record a suspension (时效中止, LDMAL Art. 27 para 3) from `start` to `end`, both days
    included, of the limitation period (or of the given rule), then recompute."""
    locked = _open_case(case, user)
    rule = _rule_for_event(rule_code, "suspension")
    today = timezone.localdate()
    if start is None or end is None:
        message = _("Please give the first and the last day of the suspension.")
        raise GuardFailed(message, field_errors={"start": [message]})
    _not_future(start, "start", today)
    _not_future(end, "end", today)
    if end < start:
        message = _("The suspension cannot end before it starts.")
        raise GuardFailed(message, field_errors={"end": [message]})
    event = CaseDeadlineEvent.objects.create(
        case=locked,
        rule=rule,
        kind=CaseDeadlineEvent.SUSPENSION,
        start=start,
        end=end,
        note=(note or "").strip()[:20_000],
        created_by=user,
    )
    audit_record(
        verb="deadline_suspended",
        actor=user,
        case=locked,
        payload={"event": event.pk, "rule": rule.code},
    )
    case_deadlines_recompute(locked)
    return event


@transaction.atomic
def deadline_interrupt(
    *, case: Case, user, on: date, rule_code: str | None = None, note: str = ""
) -> CaseDeadlineEvent:
    """Record an interruption (时效中断, LDMAL Art. 27 para 2) on `on`: the limitation period
    (or the given rule's) runs again in full from that day. Then recompute."""
    locked = _open_case(case, user)
    rule = _rule_for_event(rule_code, "interruption")
    if on is None:
        message = _("Please give the day of the interruption.")
        raise GuardFailed(message, field_errors={"on": [message]})
    _not_future(on, "on", timezone.localdate())
    event = CaseDeadlineEvent.objects.create(
        case=locked,
        rule=rule,
        kind=CaseDeadlineEvent.INTERRUPTION,
        start=on,
        note=(note or "").strip()[:20_000],
        created_by=user,
    )
    audit_record(
        verb="deadline_interrupted",
        actor=user,
        case=locked,
        payload={"event": event.pk, "rule": rule.code},
    )
    case_deadlines_recompute(locked)
    return event
