"""Delivery of the in-app notifications (casework.Notification) by email and SMS, the
preferences that choose the channels, the record that makes each deadline reminder go out
once, and what an anonymous worker has already seen on the follow-up page."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Channel, DeliveryStatus, NotificationKind, ReminderThreshold


class NotificationPreference(models.Model):
    """Which channels one user wants for one kind of notification. No row: the defaults of
    choices.DEFAULT_CHANNELS. The in-app list always has every notification."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    email = models.BooleanField(_("email"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notify_pref_once_per_kind")
        ]


class Delivery(models.Model):
    """One notification on one channel. Created with the notification, in the background, and
    sent by a task; a failed send is retried with backoff by the task and the daily sweep, so a
    mail server that is down delays a notice but loses none."""

    notification = models.ForeignKey(
        "casework.Notification", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Why the last attempt failed: an exception class and a short reason, never an address.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notify_delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notify_delivery_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class DeadlineReminder(models.Model):
    """A deadline reminder that went out: one per case, deadline (rule and last day) and
    threshold. The unique constraint is what makes a second or concurrent sweep send nothing
    more; a deadline whose last day moves (an interruption restarts it) is reminded again."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey("rights.DeadlineRule", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("last day"))
    threshold = models.CharField(_("threshold"), max_length=10, choices=ReminderThreshold.choices)
    audit_event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule", "due_date", "threshold"], name="notify_reminder_once"
            )
        ]


class TrackReadMark(models.Model):
    """How far the worker of an anonymous grievance has read its notifications on the
    follow-up page (the newest audit event they marked read)."""

    case = models.OneToOneField("casework.Case", on_delete=models.CASCADE, related_name="+")
    seen_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class RenderRetry(models.Model):
    """An automatic retry of a stuck render by the sweep: a document left queued with no worker
    taking it, or failed by the reaper for rendering too long. Numbered per document under a
    unique constraint, so concurrent sweeps retry it once, and at most
    sweep.MAX_RENDER_RETRIES times in all; after that it waits for a person."""

    document = models.ForeignKey(
        "documents.GeneratedDocument", on_delete=models.CASCADE, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "attempt"], name="notify_render_retry_once")
        ]
