from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ..choices import (
    WORKER_STATE_LABELS,
    CaseState,
    Channel,
    Confidentiality,
    OutcomeCode,
    ProceedingsStage,
)
from ..fields import ChoiceLabels

S = CaseState
OPEN_STATES = S.open()


def _may(action: str):
    """Transition permission: asks the one gate (casework.permissions) for this transition."""

    def check(instance, user) -> bool:
        from ..permissions import may

        return may(user, action, instance)

    check.__name__ = f"may_{action}"
    return check


class ReferenceCounter(models.Model):
    """Per-prefix, per-year serial for case references such as CZ-2026-000123."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="refcounter_unique")]


class Case(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """A grievance on file. The state changes only through the transitions below, each run by
    one service in casework.services; the transition methods only change memory."""

    reference = models.CharField(_("Case ref."), max_length=20, unique=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    confidentiality = models.CharField(
        _("confidentiality level"),
        max_length=12,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    owning_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filed_cases",
        help_text="The worker's account, when they filed with one.",
    )
    categories = models.ManyToManyField(
        "rights.Category", verbose_name=_("categories"), related_name="cases"
    )
    facts = models.TextField(_("facts and reasons"))
    employment_start = models.DateField(_("start of employment"), null=True, blank=True)
    employment_end = models.DateField(_("end of employment"), null=True, blank=True)
    knew_date = models.DateField(
        _("date the worker knew or should have known of the infringement"), null=True, blank=True
    )
    injury_date = models.DateField(_("date of injury or diagnosis"), null=True, blank=True)
    hotline_ticket = models.CharField(_("12351 ticket no."), max_length=40, blank=True)

    state = FSMField(_("state"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=ProceedingsStage.choices, blank=True
    )
    forum = models.CharField(_("forum"), max_length=200, blank=True)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=OutcomeCode.choices, blank=True)
    amount_awarded = models.DecimalField(
        _("amount awarded"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_recovered = models.DecimalField(
        _("amount recovered"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reject_reason = models.CharField(max_length=30, blank=True)
    reject_route = models.CharField(max_length=30, blank=True)

    # Denormalised for the queue: kept right by the services that change parties and dates.
    primary_worker = models.ForeignKey(
        "casework.Worker", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    primary_employer = models.ForeignKey(
        "casework.Employer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimant_count = models.PositiveIntegerField(default=1)
    next_deadline = models.DateField(_("nearest deadline"), null=True, blank=True)

    # Anonymous filing: only a keyed hash of the receipt code, never the code itself.
    receipt_digest = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )

    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("work_case", "May work the case as its assignee or lawyer"),
            ("view_referral_summary", "May see the limited referral summary"),
        ]
        indexes = [
            models.Index(fields=["owning_org", "state", "-created_at"], name="case_queue_idx"),
            models.Index(fields=["assignee", "state"], name="case_assignee_idx"),
            # The queue's newest/oldest first within one organisation, and over many
            # organisations (a supervisor's subtree) by walking the dates in order.
            models.Index(fields=["owning_org", "created_at", "id"], name="case_org_created_idx"),
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            # Open cases by nearest deadline (the deadline sort and the urgent filter).
            models.Index(
                fields=["owning_org", "next_deadline", "id"],
                condition=Q(state__in=list(OPEN_STATES)),
                name="case_org_open_deadline_idx",
            ),
            models.Index(
                fields=["next_deadline", "id"],
                condition=Q(state__in=list(OPEN_STATES)),
                name="case_open_deadline_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=S.values), name="case_state_valid"),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- small predicates ---------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def worker_state_label(self):
        return WORKER_STATE_LABELS[self.state]

    @property
    def is_collective(self) -> bool:
        return self.claimant_count > 1

    def days_to_deadline(self, today=None) -> int | None:
        if not self.next_deadline:
            return None
        return (self.next_deadline - (today or timezone.localdate())).days

    @property
    def is_urgent(self) -> bool:
        days = self.days_to_deadline()
        return self.is_open and days is not None and days < settings.RIGHTSDESK["URGENT_DAYS"]

    # --- transitions (memory only; see casework.services.transitions) --------------------
    @transition(field=state, source=S.DRAFT, target=S.SUBMITTED, permission=_may("submit"))
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(
        field=state, source=S.SUBMITTED, target=S.UNDER_REVIEW, permission=_may("accept_for_review")
    )
    def accept_for_review(self, *, by):
        self.assignee = by

    @transition(
        field=state,
        source=[S.SUBMITTED, S.UNDER_REVIEW],
        target=S.REJECTED,
        permission=_may("reject"),
    )
    def reject(self, *, reason: str, route: str):
        self.reject_reason, self.reject_route = reason, route
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=S.UNDER_REVIEW,
        target=S.AWAITING_WORKER,
        permission=_may("request_info"),
    )
    def request_info(self):
        pass

    @transition(
        field=state, source=S.AWAITING_WORKER, target=S.UNDER_REVIEW, permission=_may("resume")
    )
    def resume(self):
        pass

    @transition(
        field=state, source=S.UNDER_REVIEW, target=S.MEDIATION, permission=_may("start_mediation")
    )
    def start_mediation(self):
        pass

    @transition(
        field=state, source=S.MEDIATION, target=S.UNDER_REVIEW, permission=_may("mediation_failed")
    )
    def mediation_failed(self):
        pass

    @transition(
        field=state, source=S.MEDIATION, target=S.CLOSED, permission=_may("record_agreement")
    )
    def record_agreement(self, *, amount=None):
        self.outcome = OutcomeCode.MEDIATION_AGREEMENT
        self.amount_awarded = amount
        self.closed_at = timezone.now()

    @transition(
        field=state, source=S.UNDER_REVIEW, target=S.REFERRED, permission=_may("refer_to_legal_aid")
    )
    def refer_to_legal_aid(self):
        pass

    @transition(
        field=state, source=S.REFERRED, target=S.LEGAL_AID, permission=_may("accept_referral")
    )
    def accept_referral(self):
        pass

    @transition(
        field=state, source=S.REFERRED, target=S.UNDER_REVIEW, permission=_may("decline_referral")
    )
    def decline_referral(self):
        pass

    @transition(
        field=state, source=S.REFERRED, target=S.UNDER_REVIEW, permission=_may("expire_referral")
    )
    def expire_referral(self):
        pass

    @transition(
        field=state, source=S.REFERRED, target=S.UNDER_REVIEW, permission=_may("withdraw_referral")
    )
    def withdraw_referral(self):
        """The worker withdrew consent to share with the provider before it accepted (PIPL
        Art. 15): the referral is withdrawn and the case returns to review (system actor)."""

    @transition(
        field=state, source=S.LEGAL_AID, target=S.PROCEEDINGS, permission=_may("start_proceedings")
    )
    def start_proceedings(self, *, stage: str, forum: str, filing_date):
        self.stage, self.forum, self.filing_date = stage, forum, filing_date

    @transition(
        field=state,
        source=[S.LEGAL_AID, S.PROCEEDINGS, S.UNDER_REVIEW],
        target=S.CLOSED,
        permission=_may("record_outcome"),
    )
    def record_outcome(self, *, outcome: str, amount_awarded=None, amount_recovered=None):
        self.outcome = outcome
        self.amount_awarded, self.amount_recovered = amount_awarded, amount_recovered
        self.closed_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=S.WITHDRAWN, permission=_may("withdraw"))
    def withdraw(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=S.CLOSED, target=S.UNDER_REVIEW, permission=_may("reopen"))
    def reopen(self):
        self.outcome, self.closed_at = "", None


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian grants on cases (fast, cascades with the case)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="caseuserperm_user_idx")]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission"], name="casegroupperm_group_idx")]
