"""Tags for the long lists of the staff case page — the timeline (hundreds of entries on an old
case) and the message thread — rendered in Python, with the markup the template loops had
(issue 8: the case page with 200 timeline events in at most 40 ms)."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ..html import escape

register = template.Library()


@register.simple_tag
def timeline_items(entries):
    """The <li>s of `<ol class="timeline">` (selectors.staff.TimelineEntry, newest first)."""
    if not entries:
        return mark_safe(  # noqa: S308 # nosec B308 B703 - translated text, escaped
            f'<li class="muted">{escape(gettext("Nothing recorded yet."))}</li>'
        )
    internal = escape(gettext("Internal note (not shown to the worker)"))
    out = []
    for e in entries:
        body = ""
        if e.body:
            badge = f'<span class="badge badge-internal">{internal}</span>' if e.internal else ""
            body = f'\n{badge}\n<p class="body">{escape(e.body)}</p>'
        out.append(
            f'<li class="kind-{escape(e.kind)}">\n<time datetime="{escape(e.at_iso)}">'
            f"{escape(e.at_text)}</time>\n<strong>{escape(e.actor)}</strong> "
            f"{escape(e.text)}{body}\n</li>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 # nosec B308 B703 - every value escaped


@register.simple_tag
def thread_items(lines):
    """The <li>s of `<ol class="thread">` (selectors.staff.ThreadLine, oldest first)."""
    question = escape(gettext("Question"))
    out = []
    for m in lines:
        opening = '<li class="from-worker">' if m.from_worker else "<li>"
        badge = f'<span class="badge">{question}</span>' if m.is_question else ""
        out.append(
            f'{opening}\n<span class="muted">{escape(m.at_text)} · {escape(m.author)}</span>'
            f'\n{badge}\n<p class="body">{escape(m.body)}</p>\n</li>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 # nosec B308 B703 - every value escaped
