"""Personal information rights (PIPL Arts. 44-47): erasure requests and the record of purges.

What a purge keeps (privacy/purge.py): the Case row, stripped of every personal field and all
free text, so that the reports built from Case rows (counts by category, month, district,
industrial chain, state, outcome, amounts, time to resolution) keep counting it. Everything
else of the case — parties, worker identity, notes, messages, claims, consents, evidence and
generated documents with their files, referrals, deadlines, notifications, permission grants
— is deleted. The audit events stay: they carry codes and ids, never personal data.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ErasureState(models.TextChoices):
    PENDING = "pending", _("waiting for a decision")
    APPROVED = "approved", _("approved: the data was erased")
    DECLINED = "declined", _("not approved")


class PurgeReason(models.TextChoices):
    RETENTION = "retention", _("retention period over")
    ERASURE = "erasure", _("the worker's erasure request")


class ErasureRequest(models.Model):
    """A worker asks for their grievance's personal data to be erased (PIPL Art. 47). A
    supervisor over the case's union approves (the case is purged) or declines with a reason.
    Once approved, the request no longer names the worker."""

    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="erasure_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ErasureState.choices, default=ErasureState.PENDING
    )
    created_at = models.DateTimeField(_("asked on"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="erasure_one_pending_per_case",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "approved", "declined"]),
                name="erasure_state_valid",
            ),
        ]


class PurgedCase(models.Model):
    """The mark that a case was purged, and why (no personal data)."""

    case = models.OneToOneField(
        "casework.Case", on_delete=models.PROTECT, related_name="purge_record"
    )
    reason = models.CharField(max_length=12, choices=PurgeReason.choices)
    purged_at = models.DateTimeField()

    class Meta:
        verbose_name = _("purged case")
        verbose_name_plural = _("purged cases")
