"""casework/forms/renderer.py writes the inputs and the textarea exactly as Django's templates
do, whatever the value, the attributes and the characters in them."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.forms.renderer import FormRenderer

HOSTILE = ['<script>alert("x")</script>', "a & b", "it's", "", "0", " spaced "]
WIDGETS = [
    forms.TextInput,
    forms.HiddenInput,
    forms.NumberInput,
    forms.EmailInput,
    lambda attrs=None: forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
    forms.PasswordInput,
    forms.Textarea,
    forms.CheckboxInput,  # through the templates: not written in Python
    forms.Select,
]


def _both(widget, name, value, attrs):
    ours = widget.render(name, value, attrs=attrs, renderer=FormRenderer())
    django = widget.render(name, value, attrs=attrs, renderer=DjangoTemplates())
    return ours, django


@pytest.mark.parametrize("make", WIDGETS)
@pytest.mark.parametrize("value", [*HOSTILE, None, 2000, mark_safe("<b>safe</b>")])
def test_every_widget_renders_as_the_templates_do(make, value):
    attrs = {"id": 'id_"x"', "required": True, "disabled": False, "maxlength": 20, "data-x": "<&>"}
    widget = make(attrs={"class": "wide", "placeholder": "<b>"})
    ours, django = _both(widget, 'na"me', value, attrs)
    assert ours == django


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(st.none(), st.text(max_size=30), st.integers()),
    attr=st.text(max_size=10),
    flag=st.booleans(),
)
def test_any_text_renders_as_the_templates_do(value, attr, flag):
    for widget in (forms.TextInput(), forms.HiddenInput(), forms.Textarea()):
        ours, django = _both(widget, "field", value, {"title": attr, "autofocus": flag})
        assert ours == django


def test_the_project_uses_this_renderer(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "casework.forms.renderer.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
