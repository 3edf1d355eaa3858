from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ConsentMethod, ConsentScope, DeclineReason, ReferralState
from ..fields import ChoiceLabels


class Claim(models.Model):
    """An itemised claim: amount, period and the calculation that produced it."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="claims")
    item = models.CharField(_("claim"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    calculation = models.JSONField(_("calculation"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="claim_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.item


class Note(models.Model):
    """An internal note (内部备注): never shown to the worker."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("internal note"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]


class Message(models.Model):
    """The thread with the worker. `from_worker` messages have no staff author."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_worker = models.BooleanField(default=False)
    is_question = models.BooleanField(default=False, help_text="Sent with 'Ask the worker'.")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]


class ConsentRecord(ChoiceLabels, models.Model):
    """A worker's consent for one scope (glossary §2.10). In force while not withdrawn."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(_("scope"), max_length=30, choices=ConsentScope.choices)
    provider = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For the legal-aid provider scope: the named recipient (PIPL Art. 23).",
    )
    method = models.CharField(
        _("how"), max_length=10, choices=ConsentMethod.choices, default=ConsentMethod.ONLINE
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_by_worker = models.BooleanField(
        default=False, help_text="Granted by the worker (account or receipt code), not by staff."
    )
    evidence = models.ForeignKey(
        "documents.Evidence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The scan of the signed consent form (paper consent).",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_by_worker = models.BooleanField(default=False)
    withdrawal_method = models.CharField(
        _("how"), max_length=10, choices=ConsentMethod.choices, blank=True
    )
    withdrawal_evidence = models.ForeignKey(
        "documents.Evidence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The scan of the signed withdrawal, when the worker withdrew on paper.",
    )
    withdrawal_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["case", "scope"], name="consent_case_scope_idx")]

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class Referral(ChoiceLabels, models.Model):
    """A referral of a case to a legal-aid provider, with its own small life."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="referrals")
    provider = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ReferralState.choices, default=ReferralState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    response_due = models.DateField(
        _("referral response deadline"), null=True, blank=True, db_index=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True)
    conflict_checked_at = models.DateTimeField(null=True, blank=True)
    conflict_found = models.BooleanField(null=True)
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_aid_referrals",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(
        max_length=30,
        blank=True,
        help_text="Why it was withdrawn, e.g. consent_withdrawn: the worker withdrew consent.",
    )
    representation_ended_at = models.DateTimeField(
        _("representation ended"),
        null=True,
        blank=True,
        help_text="After acceptance: the worker withdrew consent, ending the representation.",
    )
    # The automatic conflict check (casework.services.referrals): the provider's own cases
    # that share a party with this one, as [{"reference", "match"}], and a coordinator's
    # reasoned clearance when the matches are not a conflict (e.g. workers on the same side).
    conflict_matches = models.JSONField(default=list, blank=True)
    conflict_cleared_at = models.DateTimeField(null=True, blank=True)
    conflict_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conflict_clear_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            # At most one live referral per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=["pending", "accepted"]),
                name="referral_one_live_per_case",
            ),
        ]

    @property
    def conflict_passed(self) -> bool:
        """Accepting needs this (DESIGN §2): checked, and clear or cleared after review."""
        return self.conflict_checked_at is not None and (
            self.conflict_found is False or self.conflict_cleared_at is not None
        )


class Notification(models.Model):
    """An in-app notice to a user. It says little: the event and where to look (glossary §1.2.5)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=40)
    audit_event_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A retried task never notifies twice.
            models.UniqueConstraint(
                fields=["recipient", "audit_event_id"], name="notification_once_per_event"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
