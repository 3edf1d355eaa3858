"""The list-page tags (casework/templatetags/lists.py) print what the pages printed before."""

from datetime import date

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from casework.selectors.staff import Deadline


def _render(source: str, **context) -> str:
    return Template("{% load lists %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("deadline", "zh", "en"),
    [
        (Deadline(date=None, days_left=None, urgent=False, open=True), ["—"], ["—"]),
        (
            Deadline(date=date(2026, 12, 1), days_left=5, urgent=True, open=True),
            ["2026", "剩余5日", "紧急"],
            ["2026", "5 days left", "Urgent"],
        ),
        (
            Deadline(date=date(2026, 12, 1), days_left=0, urgent=True, open=True),
            ["今日届满"],
            ["last day today"],
        ),
        (
            Deadline(date=date(2026, 12, 1), days_left=-3, urgent=True, open=True),
            ["已届满3日"],
            ["expired 3 days ago"],
        ),
        (
            Deadline(date=date(2026, 12, 1), days_left=-1, urgent=False, open=True),
            ["已届满1日"],
            ["expired 1 day ago"],
        ),
    ],
)
def test_the_deadline_tag_prints_date_days_and_urgency(deadline, zh, en):
    for language, expected in (("zh-hans", zh), ("en", en)):
        with translation.override(language):
            html = _render("{% deadline d %}", d=deadline)
        for text in expected:
            assert text in html, (language, html)
    closed = Deadline(date=date(2026, 12, 1), days_left=5, urgent=False, open=False)
    with translation.override("en"):
        assert "left" not in _render("{% deadline d %}", d=closed)


def test_case_urls_are_the_reversed_urls():
    for name in ("casework:case_detail", "casework:case_claim", "casework:case_assign"):
        assert _render("{{ ref|case_url:name }}", ref="CZ-2026-000123", name=name) == reverse(
            name, args=["CZ-2026-000123"]
        )


def test_assign_options_mark_the_assignee_and_escape_names(django_user_model):
    class Person:
        def __init__(self, pk, name):
            self.pk, self.name = pk, name

        def __str__(self):
            return self.name

    people = [Person(7, "王<b>"), Person(17, "李")]
    html = _render("{% assign_options p 17 %}|{% assign_options p None %}", p=people)
    first, second = html.split("|")
    assert '<option value="17" selected>李</option>' in first
    assert '<option value="7">王&lt;b&gt;</option>' in first
    assert "selected" not in second


def test_queue_rows_escape_every_value_the_people_typed():
    from accounts.models import User
    from casework.models import Case, Employer
    from casework.selectors.staff import QueueRow, StaffPerson

    hostile = '<script>alert("x")</script>'
    case = Case(
        pk=5,
        reference="CZ-2026-000005",
        version=3,
        claimant_count=1,
        primary_employer=Employer(name=f"厂{hostile}"),
        assignee=User(username="u1", display_name=f'张"{hostile}'),
    )
    row = QueueRow(
        case=case,
        state_label="审查中",
        categories=[f"欠薪{hostile}", "工伤"],
        deadline=Deadline(date=date(2026, 12, 1), days_left=2, urgent=True, open=True),
        can_claim=True,
        can_assign=True,
        assignable=[StaffPerson(pk=9, username="u9", display_name=hostile)],
    )
    html = _render(
        "{% queue_rows rows next_url %}",
        rows=[row],
        next_url=f'/cases/?q="{hostile}',
        csrf_token='tok"en',
    )
    assert "<script>" not in html and 'tok"en' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<tr class="is-urgent">' in html
    assert 'value="tok&quot;en"' in html
    assert f'href="{reverse("casework:case_detail", args=[case.reference])}"' in html
    assert f'action="{reverse("casework:case_claim", args=[case.reference])}"' in html
    assert '<option value="9">' in html
    assert "欠薪&lt;script&gt;" in html and "、工伤" in html


def test_select_field_prints_what_format_html_printed_and_escapes_every_value():
    from django import forms
    from django.utils.html import format_html, format_html_join

    hostile = '<script>alert("x")</script>'

    class Filter(forms.Form):
        assignee = forms.ChoiceField(
            choices=[("", "Anyone"), ("me", "我"), ("7", f"王{hostile}"), ('8"x', "李&")]
        )

    def format_html_select(field):
        value = "" if field.value() is None else str(field.value())
        options = format_html_join(
            "",
            "{}",
            (
                (
                    format_html('<option value="{}" selected>{}</option>', key, label)
                    if str(key) == value
                    else format_html('<option value="{}">{}</option>', key, label),
                )
                for key, label in field.field.choices
            ),
        )
        return format_html(
            '<select name="{}" id="{}">{}</select>', field.html_name, field.auto_id, options
        )

    for data in ({"assignee": "7"}, {"assignee": '8"x'}, {"assignee": hostile}, None):
        field = Filter(data, auto_id="id_filter_%s")["assignee"]
        html = _render("{% select_field f %}", f=field)
        assert html == format_html_select(field), data
        assert "<script>" not in html
        assert html.count(" selected>") == (0 if data and data["assignee"] == hostile else 1)
