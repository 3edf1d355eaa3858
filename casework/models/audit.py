import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AuditEvent(models.Model):
    """Append-only, hash-chained record of what happened (DESIGN §3).

    UPDATE and DELETE are refused by database triggers (migration 0002). Each case has its own
    chain (chain_key = case id; 0 for events without a case), so that writers to different cases
    do not queue behind one global lock; `manage.py verify_audit` walks every chain.
    The payload carries codes and ids, never personal data or free text.
    """

    chain_key = models.BigIntegerField(editable=False)
    occurred_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=12, default="staff", help_text="staff, worker, system")
    case = models.ForeignKey(
        "casework.Case",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    verb = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    worker_visible = models.BooleanField(default=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [models.Index(fields=["chain_key", "-id"], name="audit_chain_idx")]

    def compute_hash(self) -> str:
        body = {
            "chain": self.chain_key,
            "at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_kind": self.actor_kind,
            "case": self.case_id,
            "verb": self.verb,
            "payload": self.payload,
            "worker_visible": self.worker_visible,
            "prev": self.prev_hash,
        }
        canonical = json.dumps(
            body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
        # Keyed: someone who can write to the database but lacks the key cannot forge a link.
        return hmac.new(
            settings.AUDIT_CHAIN_KEY.encode(), canonical.encode(), hashlib.sha256
        ).hexdigest()
