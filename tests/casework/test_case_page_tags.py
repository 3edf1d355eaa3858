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
