"""The deadlines panel of a staff case page (reads only; a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from rights.deadline_models import CaseDeadline, CaseDeadlineEvent, DeadlineRule
from rights.deadlines import URGENT_DAYS
from rights.local_copy import LocalCopy

from ..models import Case
from ..permissions import may
from .case_rows import case_rows


@dataclass
class DeadlineLine:
    row: CaseDeadline
    name: str
    citation: str
    confirmed: bool
    days_left: int
    met: bool
    urgent: bool
    overdue: bool

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.overdue else 0


@dataclass
class DeadlinePanel:
    case: Case
    lines: list[DeadlineLine]
    events: list
    may_edit: bool
    forms: dict = field(default_factory=dict)


def case_deadline_lines(case: Case, today: date | None = None) -> list[DeadlineLine]:
    today = today or timezone.localdate()
    lines = []
    for row in case_rows(
        case,
        "deadlines",
        CaseDeadline.objects.filter(case=case)
        .select_related("rule")
        .order_by("due_date", "rule__code"),
    ):
        days = (row.due_date - today).days
        met = row.met_at is not None
        lines.append(
            DeadlineLine(
                row=row,
                name=row.rule.name,
                citation=row.rule.citation,
                confirmed=row.rule.confirmed,
                days_left=days,
                met=met,
                urgent=not met and 0 <= days < URGENT_DAYS,
                overdue=not met and days < 0,
            )
        )
    return lines


def _build_deadline_rules() -> list[DeadlineRule]:
    return list(DeadlineRule.objects.filter(kind="deadline").order_by("code"))


_deadline_rules = LocalCopy("rights:deadline-rules-version", _build_deadline_rules)
_deadline_rules.invalidate_on_change(DeadlineRule, "rights_deadline_rule")

_rules_by_id = LocalCopy(
    "rights:deadline-rules-by-id-version", lambda: {r.pk: r for r in DeadlineRule.objects.all()}
)
_rules_by_id.invalidate_on_change(DeadlineRule, "rights_deadline_rule_by_id")


def deadline_rules_by_id() -> dict[int, DeadlineRule]:
    """Every rule by id (a process-local copy): the rows of a case's deadlines point to them."""
    return _rules_by_id.get()


def deadline_form_options() -> dict:
    """The rules the deadline forms offer (a process-local copy, rebuilt after an edit)."""
    return {"rules": _deadline_rules.get()}


def case_deadline_panel(case: Case, user, *, bound: dict | None = None) -> DeadlinePanel:
    """Lines, recorded events and (for who may note on an open case) the three forms; `bound`
    puts a failed form in place of its blank one."""
    from ..forms.deadlines import InterruptForm, KeyDatesForm, SuspendForm

    bound = bound or {}
    may_edit = case.is_open and may(user, "note", case)
    events = case_rows(
        case,
        "deadline_events",
        CaseDeadlineEvent.objects.filter(case=case).select_related("rule").order_by("start", "id"),
    )
    panel = DeadlinePanel(
        case=case, lines=case_deadline_lines(case), events=events, may_edit=may_edit
    )
    if may_edit:
        options = deadline_form_options()
        limitation = {"rule": "ARB_LIMIT"}
        panel.forms = {
            "key_dates": bound.get("key_dates")
            or KeyDatesForm(
                initial={
                    "version": case.version,
                    "knew_date": case.knew_date,
                    "employment_start": case.employment_start,
                    "employment_end": case.employment_end,
                    "injury_date": case.injury_date,
                },
                options=options,
            ),
            "suspend": bound.get("suspend") or SuspendForm(initial=limitation, options=options),
            "interrupt": bound.get("interrupt")
            or InterruptForm(initial=limitation, options=options),
        }
    return panel
