from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    COMPLAINT_RECEIPT = "complaint_receipt", _("complaint receipt")
    ARBITRATION_APPLICATION = "arbitration_application", _("labour arbitration application")
    LEGAL_AID_APPLICATION = "legal_aid_application", _("legal-aid application")
    MEDIATION_AGREEMENT = "mediation_agreement", _("mediation agreement")
    REFERRAL_PACKET = "referral_packet", _("referral packet")
    CLOSING_REPORT = "closing_report", _("closing report")


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RENDERING = "rendering", _("rendering")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class GeneratedDocument(models.Model):
    """A filing rendered to PDF from a snapshot of the case. Immutable once ready: a new render
    is a new version."""

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    failure_reason = models.CharField(max_length=300, blank=True)
    snapshot = models.JSONField(default=dict)
    file = models.FileField(upload_to="generated/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["case", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "version"], name="gendoc_unique_version"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(sha256=""), name="gendoc_ready_has_hash"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"
