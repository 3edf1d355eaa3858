"""Tags for the long lists of the staff case page — the timeline (hundreds of entries on an old
case) and the message thread — and for its dozen action forms, rendered in Python with the
markup the template loops and the included form template had (issue 8: the case page with 200
timeline events in at most 40 ms)."""

from django import template
from django.utils.html import conditional_escape
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


@register.simple_tag(takes_context=True)
def action_form(context, form, action, button_class="primary"):
    """One action form of the case pages (`form`, an ActionForm, posting to `action`): the
    CSRF token, the form's errors, its hidden fields, each visible field in its
    `<div class="field">` (a checkbox before its label) and the submit button. Written here
    rather than as an included template: a case page prints a dozen of these."""
    token = context.get("csrf_token")
    out = [f'<form method="post" action="{escape(action)}" class="action-form">']
    if token:
        out.append(f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">')
    errors = form.non_field_errors()
    if errors:
        items = "".join(f"<p>{conditional_escape(e)}</p>" for e in errors)
        out.append(f'\n  <div class="error" role="alert">{items}</div>')
    out.append("\n  ")
    for hidden in form.hidden_fields():
        out.extend(
            f'<p class="error" role="alert">{conditional_escape(e)}</p>' for e in hidden.errors
        )
        out.append(conditional_escape(hidden))
    for field in form.visible_fields():
        if field.widget_type == "checkbox":
            help_text = (
                f'\n    <span class="helptext" id="{escape(field.auto_id)}_helptext">'
                f"{conditional_escape(field.help_text)}</span>"
                if field.help_text
                else ""
            )
            out.append(
                f'\n  <div class="field field-check">\n    {conditional_escape(field.errors)}'
                f'\n    <div class="check">{conditional_escape(field)} '
                f"{conditional_escape(field.label_tag())}</div>{help_text}\n  </div>"
            )
        else:
            out.append(f'\n  <div class="field">{conditional_escape(field.as_field_group())}</div>')
    out.append(
        f'\n  <button type="submit" class="{escape(button_class or "primary")}">'
        f"{escape(form.button)}</button>\n</form>"
    )
    return mark_safe("".join(out))  # noqa: S308 # nosec B308 B703 - every value escaped
