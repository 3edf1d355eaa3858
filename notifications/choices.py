from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a notification goes besides the in-app list (which always has it)."""

    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class NotificationKind(models.TextChoices):
    """What a notification is about; preferences are kept per kind and channel."""

    CASE_UPDATE = "case_update", _("news on my grievance")
    ASSIGNMENT = "assignment", _("a case assigned to me")
    DEADLINE = "deadline", _("deadline reminders")
    CASE_ACTIVITY = "case_activity", _("other activity on cases I work on")


# Without a saved preference: email for what the design says must reach people (DESIGN §6),
# nothing by SMS until the person turns it on.
DEFAULT_CHANNELS = {
    NotificationKind.CASE_UPDATE: {Channel.EMAIL},
    NotificationKind.ASSIGNMENT: {Channel.EMAIL},
    NotificationKind.DEADLINE: {Channel.EMAIL},
    NotificationKind.CASE_ACTIVITY: set(),
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    LOGGED = "logged", _("logged only (no gateway configured)")
    SKIPPED = "skipped", _("not sent: no address")
    FAILED = "failed", _("not sent: gave up after retries")


class ReminderThreshold(models.TextChoices):
    """Days before the last day at which a reminder goes out, and the day after (missed)."""

    DAYS_7 = "7", _("7 days before")
    DAYS_3 = "3", _("3 days before")
    DAYS_1 = "1", _("1 day before")
    MISSED = "missed", _("missed")
