"""The form renderer (settings.FORM_RENDERER): Django's, except that the plain input widgets
and the textarea are written in Python rather than by rendering two templates each (an <input>
is input.html including attrs.html). A case page prints some thirty fields; rendering their
templates was a seventh of the page. The markup is the templates' own, byte for byte:
tests/casework/test_form_renderer.py renders the same widgets both ways."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

_INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "hidden",
        "date",
        "datetime",
        "time",
        "number",
        "email",
        "url",
        "password",
        "search",
        "tel",
        "color",
    )
}
_TEXTAREA = "django/forms/widgets/textarea.html"


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    shown = f' value="{conditional_escape(value)}"' if value is not None else ""
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html."""
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES and "widget" in context:
            return _input(context["widget"])
        if template_name == _TEXTAREA and "widget" in context:
            return _textarea(context["widget"])
        return super().render(template_name, context, request)
