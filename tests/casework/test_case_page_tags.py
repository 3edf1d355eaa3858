"""The case page's timeline and thread tags (casework/templatetags/case_page.py) print what the
template loops they replaced printed, escaping included, in both languages."""

import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from casework.selectors.staff import ThreadLine, TimelineEntry

# The loops as the case page had them (templates/staff/case_detail.html before the tags).
TIMELINE_LOOP = """{% load i18n %}{% translate "Internal note (not shown to the worker)" as internal_label %}
    {% for e in entries %}
    <li class="kind-{{ e.kind }}">
      <time datetime="{{ e.at_iso }}">{{ e.at_text }}</time>
      <strong>{{ e.actor }}</strong> {{ e.text }}
      {% if e.body %}
      {% if e.internal %}<span class="badge badge-internal">{{ internal_label }}</span>{% endif %}
      <p class="body">{{ e.body }}</p>
      {% endif %}
    </li>
    {% empty %}<li class="muted">{% translate "Nothing recorded yet." %}</li>
    {% endfor %}"""
THREAD_LOOP = """{% load i18n %}{% translate "Question" as question_label %}
    {% for m in lines %}
    <li{% if m.from_worker %} class="from-worker"{% endif %}>
      <span class="muted">{{ m.at_text }} · {{ m.author }}</span>
      {% if m.is_question %}<span class="badge">{{ question_label }}</span>{% endif %}
      <p class="body">{{ m.body }}</p>
    </li>
    {% endfor %}"""

NASTY = "<script>alert('x')</script> & \"引号\"\n第二行"
AT = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def _entries():
    return [
        TimelineEntry(AT, "张三 (武进区总工会)", "added an internal note", NASTY, True, "note"),
        TimelineEntry(AT, "The worker", "sent a message", "您好 <b>", False, "message"),
        TimelineEntry(AT, "System", f"recorded: {NASTY}", "", False, "event"),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("entries", [_entries, list], ids=["entries", "empty"])
def test_the_timeline_tag_prints_what_the_loop_printed(language, entries):
    items = entries()
    for e in items:
        e.at_iso, e.at_text = AT.isoformat(), "2026年11月26日 16:30"
    with translation.override(language):
        loop = Template(TIMELINE_LOOP).render(Context({"entries": items}))
        tag = Template("{% load case_page %}{% timeline_items entries %}").render(
            Context({"entries": items})
        )
    assert "<script>" not in tag
    assert _squash(tag) == _squash(loop)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_thread_tag_prints_what_the_loop_printed(language):
    lines = [
        ThreadLine("2026年11月26日 16:30", "The worker", True, False, NASTY),
        ThreadLine("2026年11月26日 16:31", "李四 <staff>", False, True, "请补充材料？"),
    ]
    with translation.override(language):
        loop = Template(THREAD_LOOP).render(Context({"lines": lines}))
        tag = Template("{% load case_page %}{% thread_items lines %}").render(
            Context({"lines": lines})
        )
    assert "<script>" not in tag
    assert _squash(tag) == _squash(loop)


# The action form as templates/staff/_form.html printed it, before the `action_form` tag.
FORM_TEMPLATE = """<form method="post" action="{{ action }}" class="action-form">{% csrf_token %}
  {% if form.non_field_errors %}<div class="error" role="alert">{% for e in form.non_field_errors %}<p>{{ e }}</p>{% endfor %}</div>{% endif %}
  {% for h in form.hidden_fields %}{% for e in h.errors %}<p class="error" role="alert">{{ e }}</p>{% endfor %}{{ h }}{% endfor %}
  {% for f in form.visible_fields %}
  {% if f.widget_type == "checkbox" %}
  <div class="field field-check">
    {{ f.errors }}
    <div class="check">{{ f }} {{ f.label_tag }}</div>
    {% if f.help_text %}<span class="helptext" id="{{ f.auto_id }}_helptext">{{ f.help_text }}</span>{% endif %}
  </div>
  {% else %}
  <div class="field">{{ f.as_field_group }}</div>
  {% endif %}
  {% endfor %}
  <button type="submit" class="{{ button_class|default:'primary' }}">{{ form.button }}</button>
</form>"""


def _action_forms():
    """Forms of the case pages, blank and bound to bad input: hidden fields, checkboxes with
    help text, selects, dates, text areas, field and form errors."""
    from casework.forms import staff
    from casework.forms.deadlines import FORMS as DEADLINE_FORMS
    from casework.forms.eligibility import EligibilityForm

    options = {"providers": [], "lawyers": [], "assignable": [], "rules": []}
    bad = {"expected_state": "nonsense", "version": "x", "household_income": "-1", "on": "x"}
    out = []
    for cls in [*staff.TRANSITION_FORMS.values(), *DEADLINE_FORMS.values(), EligibilityForm]:
        out.append(cls(initial={"expected_state": "under_review"}, options=options))
        bound = cls(bad, options=options)
        bound.is_valid()
        bound.add_error(None, NASTY)
        out.append(bound)
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("button_class", ["", "secondary"])
def test_the_action_form_tag_prints_what_the_template_printed(language, button_class):
    context = {"action": "/cases/CZ-2026-000001/act?x=1&y=<2>", "csrf_token": "tok<en>"}
    with translation.override(language):
        for form in _action_forms():
            ctx = {**context, "form": form, "button_class": button_class}
            template = Template(FORM_TEMPLATE).render(Context(ctx))
            tag = Template("{% load case_page %}{% action_form form action button_class %}").render(
                Context(ctx)
            )
            assert "<script>" not in tag
            assert 'name="csrfmiddlewaretoken" value="tok&lt;en&gt;"' in tag
            assert _squash(tag) == _squash(template), form.name
