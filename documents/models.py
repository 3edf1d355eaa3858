from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.fields import ChoiceLabels


class DocumentKind(models.TextChoices):
    COMPLAINT_RECEIPT = "complaint_receipt", _("acceptance receipt")
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


class GeneratedDocument(ChoiceLabels, models.Model):
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
    pages = models.PositiveIntegerField(_("pages"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the current render started: a document "rendering" for longer than
    # RIGHTSDESK["RENDER_STUCK_MINUTES"] is failed by documents_reap_stuck().
    render_started_at = models.DateTimeField(null=True, blank=True)
    # Renders started for the current request (or retry): a render whose worker dies is
    # delivered again, and one that kills its worker every time is failed after a few.
    render_attempts = models.PositiveSmallIntegerField(default=0)
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


class EvidenceSource(models.TextChoices):
    WORKER = "worker", _("the worker")
    STAFF = "staff", _("union staff")


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("checked for viruses")
    NOT_SCANNED = "not_scanned", _("not checked for viruses")
    # A stored file the virus check later found something in (newer signatures, or its first
    # scan): never served, embedded in a packet or exported (documents.rescan).
    HELD = "held", _("held: the virus check found something harmful")


class Evidence(ChoiceLabels, models.Model):
    """One evidence file of a case (DESIGN §5). Stored under a random name in a non-public
    folder of the default storage; the name the person's device gave it is kept for display
    only. Images are stored cleaned of their metadata; `sha256` is of the stored bytes."""

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="evidence")
    original_name = models.CharField(_("file name"), max_length=120)
    file = models.FileField(max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=500, blank=True)
    evidence_date = models.DateField(_("date of the evidence"), null=True, blank=True)
    source = models.CharField(_("added by"), max_length=10, choices=EvidenceSource.choices)
    source_note = models.CharField(_("where it came from"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_worker = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # documents.scanning: "clean" once a configured scanner passed it; a file stored while no
    # scanner was configured is scanned at its first download once one is, or by the daily
    # sweep, which also scans again files last scanned with older signatures (documents.rescan).
    scan_status = models.CharField(
        max_length=12, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    scanned_at = models.DateTimeField(null=True, blank=True)
    # The scanner's signature version at that scan (clamd's VERSION, e.g.
    # "ClamAV 1.4.6/27510/Mon Dec  1 08:40:01 2026"); "" when unknown.
    scanned_with = models.CharField(max_length=100, blank=True)
    # documents.metadata: the file's own metadata (author, company…) could not be removed (a
    # signed or unreadable PDF): staff are told to check it before sharing it.
    metadata_kept = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case", "created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="evidence_case_created"),
            models.Index(fields=["scanned_at", "id"], name="evidence_scanned_at"),
        ]

    def __str__(self) -> str:
        return self.original_name
