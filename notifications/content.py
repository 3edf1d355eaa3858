"""What a notification says: the in-app line, and the email and SMS that point to it.

Mail and SMS say little (glossary §1.2 rule 5): that there is news, of which kind, and where to
look, with a link to the in-app list. They name no employer, category, amount, case reference
or deadline name — phones and mailboxes are shared, and some are issued by the employer. The
in-app list, behind sign-in, says what happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework.models import AuditEvent, Notification

from .channels import Composed
from .choices import NotificationKind, ReminderThreshold

ASSIGNMENT_VERBS = {"claimed", "assigned", "accept_referral"}


def recipient_language(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def kind_of(notification: Notification, event: AuditEvent) -> str:
    payload = event.payload or {}
    if event.verb == "deadline_reminder":
        return NotificationKind.DEADLINE
    if event.verb in ASSIGNMENT_VERBS and notification.recipient_id in (
        payload.get("assignee"),
        payload.get("lawyer"),
    ):
        return NotificationKind.ASSIGNMENT
    if event.worker_visible and notification.recipient_id == event.case.filed_by_id:
        return NotificationKind.CASE_UPDATE
    return NotificationKind.CASE_ACTIVITY


def date_text(value: dt.date) -> str:
    """Glossary §1.4: 2026年11月24日 / 24 Nov 2026."""
    english = (translation.get_language() or "").startswith("en")
    return dateformat.format(value, "j M Y" if english else "Y年n月j日")


def _reminder_days(payload: dict) -> tuple[str, int, dt.date | None]:
    threshold = str(payload.get("threshold") or "")
    due = payload.get("due")
    try:
        due_date = dt.date.fromisoformat(due) if due else None
    except ValueError:
        due_date = None
    days = int(threshold) if threshold.isdigit() else 0
    return threshold, days, due_date


def mail_line(kind: str, event: AuditEvent) -> tuple[str, str]:
    """(subject, the one line of news) for a mail or SMS, in the active language."""
    if kind == NotificationKind.CASE_UPDATE:
        subject = _("There is an update on your grievance")
        if event.verb == "request_info":
            return subject, _("The union needs more information from you. Sign in to see it.")
        if event.verb == "message_sent":
            return subject, _("The union sent you a message. Sign in to read it.")
        return subject, _("There is an update on your grievance. Sign in to see it.")
    if kind == NotificationKind.ASSIGNMENT:
        return (
            _("A case has been assigned to you"),
            _("A case has been assigned to you. Sign in to see it."),
        )
    if kind == NotificationKind.DEADLINE:
        threshold, days, due = _reminder_days(event.payload or {})
        subject = _("Deadline reminder")
        if threshold == ReminderThreshold.MISSED:
            return subject, _(
                "A deadline on a case you are responsible for has passed. Sign in to see it."
            )
        return subject, ngettext(
            "A deadline on a case you are responsible for is %(days)d day away "
            "(last day: %(date)s). Sign in to see it.",
            "A deadline on a case you are responsible for is %(days)d days away "
            "(last day: %(date)s). Sign in to see it.",
            days,
        ) % {"days": days, "date": date_text(due) if due else "—"}
    return (
        _("New activity on a case"),
        _("There is new activity on a case you work on. Sign in to see it."),
    )


def site_url(path: str) -> str:
    return settings.RIGHTSDESK.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def compose(notification: Notification, event: AuditEvent, kind: str) -> Composed:
    """The email (plain text and HTML) and SMS for one notification, in the recipient's
    language."""
    with translation.override(recipient_language(notification.recipient)):
        subject, line = mail_line(kind, event)
        context = {
            "subject": subject,
            "line": line,
            "link": site_url(reverse("notifications:list")),
            "settings_link": site_url(reverse("notifications:preferences")),
            "lang": "en" if translation.get_language().startswith("en") else "zh-CN",
        }
        text = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
        sms = _("[Rightsdesk] %(line)s %(link)s") % {"line": line, "link": context["link"]}
    return Composed(subject=subject, text=text, html=html, sms=sms)


@dataclass(frozen=True)
class NoticeLine:
    """One row of the in-app list."""

    actor: str
    text: str


def notice_line(
    notification: Notification, event: AuditEvent | None, *, rules: dict | None = None
) -> NoticeLine:
    """What the in-app list says about one notification, in the active language."""
    from casework.selectors.staff import _actor_label, _phrase
    from casework.selectors.worker import _describe

    if event is None:
        return NoticeLine("", _("New activity on the case"))
    payload = event.payload or {}
    if event.verb == "deadline_reminder":
        from rights.models import DeadlineRule

        threshold, days, due = _reminder_days(payload)
        rule = (
            rules.get(payload.get("rule"))
            if rules is not None
            else DeadlineRule.objects.filter(code=payload.get("rule")).first()
        )
        name = rule.name if rule else str(payload.get("rule") or "")
        if threshold == ReminderThreshold.MISSED:
            text = _("Deadline passed: %(name)s, last day %(date)s.")
        else:
            text = ngettext(
                "Deadline reminder: %(name)s, last day %(date)s, %(days)d day left.",
                "Deadline reminder: %(name)s, last day %(date)s, %(days)d days left.",
                days,
            )
        return NoticeLine(
            _("System"),
            text % {"name": name, "date": date_text(due) if due else "—", "days": days},
        )
    if notification.recipient_id == event.case.filed_by_id and event.worker_visible:
        entry = _describe(event, {})
        return NoticeLine("", entry.text if entry else _("There is an update on your grievance."))
    users = {notification.recipient_id: notification.recipient}
    return NoticeLine(_actor_label(event, {}), str(_phrase(event, event.case, users, {})))
