"""The deadline engine's editable data (issue 3, item 2): the holiday calendar, the deadline
rules of domain.md §6.2 and the union's own response targets per organisation.

Seeded by a data migration from `rights.holidays` and `rights.deadline_rules`; edited in the
admin. `confirmed=False` is shown as "to be confirmed locally".
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .local_copy import LocalCopy

__all__ = [
    "CaseDeadline",
    "CaseDeadlineEvent",
    "DeadlineRule",
    "Holiday",
    "OrganisationDeadlineTarget",
]


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Holiday(models.Model):
    """A day off (放假) or an adjusted working day (调休上班) of the State Council's notice."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"
    KINDS = [(HOLIDAY, _("public holiday")), (WORKDAY, _("adjusted working day"))]

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS, default=HOLIDAY)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    confirmed = models.BooleanField(
        _("confirmed"),
        default=True,
        help_text=_("Untick while the date is to be confirmed locally."),
    )

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    @property
    def name(self) -> str:
        return (self.name_en if _english() else self.name_zh) or self.name_zh


class DeadlineRule(models.Model):
    """One row of domain.md §6.2: what a period runs from, how long it is and how it is counted.
    The fields mirror `rights.deadline_rules.DeadlineRule`, so `rights.deadlines.rule_due_date`
    takes a row as it takes the seed data."""

    DAYS, MONTHS, YEARS = "days", "months", "years"
    UNITS = [(DAYS, _("days")), (MONTHS, _("months")), (YEARS, _("years"))]
    DIRECTIONS = [("after", _("after the trigger")), ("before", _("before the trigger"))]
    KINDS = [("deadline", _("deadline")), ("flag", _("warning threshold"))]

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    trigger = models.CharField(_("trigger"), max_length=60)
    alternative_triggers = models.JSONField(_("alternative triggers"), default=list, blank=True)
    period = models.PositiveIntegerField(_("period"))
    unit = models.CharField(_("unit"), max_length=10, choices=UNITS, default=DAYS)
    working_days = models.BooleanField(_("working days"), default=False)
    roll_to_working_day = models.BooleanField(
        _("a last day on a rest day moves to the next working day"), default=True
    )
    suspension = models.BooleanField(_("suspension applies"), default=False)
    interruption = models.BooleanField(_("interruption applies"), default=False)
    direction = models.CharField(_("direction"), max_length=10, choices=DIRECTIONS, default="after")
    extension = models.PositiveIntegerField(_("extension"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS, default="deadline")
    organisation_configurable = models.BooleanField(_("set per organisation"), default=False)
    group = models.CharField(_("group"), max_length=40, blank=True)
    citation = models.CharField(_("citation"), max_length=300)
    confirmed = models.BooleanField(
        _("confirmed"),
        default=True,
        help_text=_("Untick while the rule is to be confirmed locally."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_zh


class OrganisationDeadlineTarget(models.Model):
    """The union's own response target for an organisation and its subtree (the deepest
    organisation with a target wins)."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="deadline_targets",
    )
    rule = models.ForeignKey(
        DeadlineRule,
        verbose_name=_("deadline rule"),
        on_delete=models.CASCADE,
        related_name="organisation_targets",
        limit_choices_to={"organisation_configurable": True},
    )
    period = models.PositiveIntegerField(_("period"))
    unit = models.CharField(
        _("unit"), max_length=10, choices=DeadlineRule.UNITS, default=DeadlineRule.DAYS
    )
    working_days = models.BooleanField(_("working days"), default=False)

    class Meta:
        verbose_name = _("organisation response target")
        verbose_name_plural = _("organisation response targets")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "rule"], name="rights_org_deadline_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.rule.code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.rule_id and not self.rule.organisation_configurable:
            raise ValidationError({"rule": _("This rule is not set per organisation.")})
        if self.working_days and self.unit != DeadlineRule.DAYS:
            raise ValidationError({"unit": _("Working days are counted in days.")})


class CaseDeadline(models.Model):
    """A deadline of a case, derived from its dates and events by
    `casework.services.deadlines.case_deadlines_recompute` (never edited by hand)."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="deadlines")
    rule = models.ForeignKey(
        DeadlineRule, verbose_name=_("deadline rule"), on_delete=models.PROTECT, related_name="+"
    )
    trigger_date = models.DateField(_("runs from"))
    due_date = models.DateField(_("last day"), db_index=True)
    computed_at = models.DateTimeField(_("computed"))
    met_at = models.DateTimeField(_("met"), null=True, blank=True)

    class Meta:
        verbose_name = _("case deadline")
        verbose_name_plural = _("case deadlines")
        ordering = ["due_date", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "rule"], name="rights_case_deadline_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule_id} {self.due_date}"


class CaseDeadlineEvent(models.Model):
    """Suspension (时效中止: from – to, both days included) or interruption (时效中断: on
    `start`) of one of a case's deadlines, recorded by staff and audited."""

    SUSPENSION = "suspension"
    INTERRUPTION = "interruption"
    KINDS = [(SUSPENSION, _("suspension")), (INTERRUPTION, _("interruption"))]

    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="deadline_events"
    )
    rule = models.ForeignKey(
        DeadlineRule, verbose_name=_("deadline rule"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspension or interruption")
        verbose_name_plural = _("suspensions and interruptions")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["case", "rule"], name="rights_deadline_event_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.start}"


# --- the calendar, loaded from the Holiday table -------------------------------------------
#
# Cached per process; a version token in the shared cache tells every process that a Holiday
# row changed (the signals below set a new token), and the saving process also drops its own
# copy at once.


def _build_calendar():
    from .deadlines import WorkingCalendar

    return WorkingCalendar.from_rows(Holiday.objects.only("date", "kind"))


_calendar = LocalCopy("rights:holiday-calendar-version", _build_calendar)
_calendar.invalidate_on_change(Holiday, "rights_holiday")


def calendar_invalidate() -> None:
    _calendar.invalidate()


def db_calendar():
    """The `WorkingCalendar` of the Holiday table."""
    return _calendar.get()
