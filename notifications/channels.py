"""The ways a notification leaves the system besides the in-app list.

A channel finds the recipient's address and sends a composed message. `send` returns the
status the delivery ends in (sent, or logged for a channel that only logs) and raises
ChannelError, or any exception of the transport, when the message did not go; the caller
records the failure and retries later. Channels are chosen in settings:
RIGHTSDESK["SMS_CHANNEL"] names the SMS implementation (default: LoggingSmsChannel).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from casework.masking import mask_phone

from .choices import Channel, DeliveryStatus

logger = logging.getLogger("notifications.channels")


class ChannelError(Exception):
    """The message was not sent; the delivery is retried."""


@dataclass(frozen=True)
class Composed:
    """What a notification says, in the recipient's language."""

    subject: str
    text: str
    html: str
    sms: str


class BaseChannel:
    name: str = ""

    def address_for(self, user) -> str:
        """The recipient's address on this channel, or "" when they have none."""
        raise NotImplementedError

    def send(self, *, address: str, message: Composed) -> str:
        raise NotImplementedError


class EmailChannel(BaseChannel):
    """Plain text with an HTML alternative, through the default mailer (settings.MAILERS)."""

    name = Channel.EMAIL

    def address_for(self, user) -> str:
        return (user.email or "").strip()

    def send(self, *, address: str, message: Composed) -> str:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        mail.attach_alternative(message.html, "text/html")
        if mail.send() != 1:
            raise ChannelError("the mailer accepted no message")
        return DeliveryStatus.SENT


def worker_phone(user) -> str:
    """The phone on the recipient's own worker record, if any (staff have none here)."""
    from casework.models import Worker

    for worker in Worker.objects.filter(user=user).order_by("-id")[:5]:
        if (worker.phone or "").strip():
            return worker.phone.strip()
    return ""


class LoggingSmsChannel(BaseChannel):
    """No SMS gateway: log that a text would go to the (masked) number, and record the delivery
    as logged, never as sent."""

    name = Channel.SMS

    def address_for(self, user) -> str:
        return worker_phone(user)

    def send(self, *, address: str, message: Composed) -> str:
        logger.info(
            "SMS not sent (no SMS gateway configured); would send %d characters to %s",
            len(message.sms),
            mask_phone(address),
        )
        return DeliveryStatus.LOGGED


def channel_for(name: str) -> BaseChannel:
    if name == Channel.EMAIL:
        return EmailChannel()
    if name == Channel.SMS:
        path = settings.RIGHTSDESK.get("SMS_CHANNEL", "notifications.channels.LoggingSmsChannel")
        return import_string(path)()
    raise ValueError(f"unknown channel {name!r}")
