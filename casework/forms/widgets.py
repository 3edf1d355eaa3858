"""Widgets and the error list of the case page's forms: the same markup as Django's, in fewer
template renders (a case page shows some twenty forms with thirty fields)."""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.utils import ErrorList as DjangoErrorList
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString


def _attr(name: str, value) -> SafeString:
    if value is True:
        return format_html(" {}", name)
    return format_html(' {}="{}"', name, str(value))


def _attrs(attrs: dict) -> SafeString:
    """What django/forms/widgets/attrs.html prints."""
    return format_html_join(
        "", "{}", ((_attr(name, value),) for name, value in attrs.items() if value is not False)
    )


class Select(forms.Select):
    """Django's select with the same markup as django/forms/widgets/select.html, written
    without its two template includes per option: the case page offers a few hundred options
    (providers, deadline rules, reasons) and the includes cost more than the rest of its forms."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, group_choices, _index in widget["optgroups"]:
            options = format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>\n',
                ((str(o["value"]), _attrs(o["attrs"]), o["label"]) for o in group_choices),
            )
            if group_name:
                options = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, options
                )
            groups.append((options,))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            format_html_join("", "{}", groups),
        )


class ErrorList(DjangoErrorList):
    """Django's error list; an empty one prints nothing, as Django's templates do, without
    rendering two templates to find that out (every field of every form asks)."""

    def render(self, template_name=None, context=None, renderer=None):
        if not self:
            return SafeString("")
        return super().render(template_name, context, renderer)

    __str__ = render
    __html__ = render


def label_html(context: dict) -> SafeString:
    """What django/forms/label.html prints for `BoundField.label_tag`'s context."""
    if not context["use_tag"]:
        return format_html("{}", context["label"])
    tag = context["tag"]
    return format_html("<{}{}>{}</{}>", tag, _attrs(context["attrs"] or {}), context["label"], tag)


FIELD_TEMPLATE = "django/forms/field.html"


class FieldGroup(BoundField):
    """A bound field whose `as_field_group` prints what Django's field.html prints (label,
    help text, errors, widget, with the same whitespace) without rendering that template;
    fieldsets and fields with a template of their own still go through the template."""

    def as_field_group(self):
        if self.use_fieldset or self.template_name != FIELD_TEMPLATE:
            return super().as_field_group()
        label = conditional_escape(self.label_tag()) if self.label else ""
        help_text = ""
        if self.help_text:
            help_id = format_html(' id="{}_helptext"', self.auto_id) if self.auto_id else ""
            # field.html prints help text with |safe: it is the form's own text, not input.
            help_text = format_html(
                '<div class="helptext"{}>{}</div>',
                help_id,
                SafeString(self.help_text),  # nosec B703 - the form's own text, as field.html
            )
        errors = conditional_escape(self.errors)
        widget = conditional_escape(self)
        # Each part is escaped or built with format_html above.
        return SafeString(f"\n  {label}\n\n{help_text}\n{errors}\n{widget}\n".strip())  # nosec B703
