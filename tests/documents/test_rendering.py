import io
from datetime import date

import pypdf
import pytest
from django.template import Context, Template

from casework.services.intake import ClaimItem
from documents.rendering import (
    STYLESHEET,
    RefusedURL,
    lean_html_class,
    render_html,
    render_pdf,
    static_only_fetcher,
)
from documents.services import render_context
from documents.snapshot import referral_packet_snapshot, unseal
from tests.factories import IntakeDataFactory

PLANTED = (
    '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/hostname">'
    " <style>@import url(http://127.0.0.1:9/x.css);</style>"
)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{STYLESHEET.parent}/../../manage.py",
        "http://127.0.0.1:8000/static/documents/print.css",
        "https://example.com/font.woff2",
        "data:text/css,body{}",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_everything_outside_the_stylesheet_folder(url):
    with pytest.raises(RefusedURL):
        static_only_fetcher().fetch(url)


def test_fetcher_serves_the_print_stylesheet():
    response = static_only_fetcher().fetch(STYLESHEET.as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_planted_markup_in_free_text_prints_as_text_and_fetches_nothing(world, monkeypatch):
    # Given a filing whose every free-text field carries markup that would fetch local files,
    from casework.services import case_accept_for_review, case_file

    data = IntakeDataFactory(
        worker_name="王小明" + PLANTED[:40],
        address=PLANTED[:300],
        occupation=PLANTED[:100],
        employer_name="常州恒远" + PLANTED[:150],
        employer_address=PLANTED[:300],
        legal_representative=PLANTED[:100],
        facts="拖欠工资。" + PLANTED,
        claims=[ClaimItem(item=PLANTED[:200], amount="100.00")],
    )
    case, _ = case_file(data=data, filed_by=world.worker)
    case = case_accept_for_review(case=case, user=world.caseworker)
    snapshot = unseal(referral_packet_snapshot(case))
    # when it is rendered with a fetcher that records every URL it is asked for,
    asked = []
    original = static_only_fetcher

    def recording_fetcher():
        fetcher = original()
        fetch = fetcher.fetch

        def spy(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr("documents.rendering.static_only_fetcher", recording_fetcher)
    html = render_html(
        template="documents/referral_packet.html", context={"s": snapshot, "version": 1}
    )
    pdf, pages = render_pdf(
        template="documents/referral_packet.html", context={"s": snapshot, "version": 1}
    )
    # then the markup is escaped text, nothing outside the stylesheet folder was asked for,
    assert "<img" not in html and "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "<link rel" not in html and "<style>" not in html
    assert all(url.startswith(STYLESHEET.parent.as_uri()) for url in asked)
    # and the PDF prints the characters and embeds no file.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert 'src="file:///etc/passwd"' in text.replace("\n", "")
    assert not reader.attachments
    assert pages == len(reader.pages) >= 2


def test_snapshot_is_plain_json_with_both_languages(world, filed_case):
    import json

    snapshot = referral_packet_snapshot(filed_case)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["categories"] == [
        {"code": "WAGE.ARREARS", "zh": "拖欠、克扣工资", "en": "wage arrears or deductions"}
    ]
    # the phone, encrypted at rest in the case, is sealed in the stored snapshot too.
    sealed = snapshot["parties"]["claimants"][0]["phone"]
    assert "13812345678" not in json.dumps(snapshot)
    assert unseal(sealed) == unseal(snapshot)["parties"]["claimants"][0]["phone"] == "13812345678"
    assert snapshot["parties"]["respondents"][0]["credit_code"] == "91320412MA1WY8K5BP"
    assert snapshot["claims"] == [
        {
            "item": "拖欠工资",
            "amount": "18600.00",
            "period_start": None,
            "period_end": None,
            "calculation": {"formula": "", "citation": ""},
        }
    ]
    assert snapshot["claims_total"] == "18600.00"
    assert (
        # knew 2026-08-15 + 1 year = Sunday 2027-08-15, moved to Monday (Civil Code Art. 203)
        snapshot["deadlines"][0]["last_day"] == filed_case.next_deadline.isoformat() == "2027-08-16"
    )
    assert snapshot["deadlines"][0]["id"] == "ARB_LIMIT"
    assert "劳动争议调解仲裁法第27条" in snapshot["deadlines"][0]["citation"]
    assert snapshot["limitation"] == snapshot["deadlines"][0]
    # The union's own response targets are not the lawyer's deadlines.
    assert "FIRST_RESPONSE" not in {d["id"] for d in snapshot["deadlines"]}
    assert {c["scope"] for c in snapshot["consents"]} == {"union_handling", "employer_disclosure"}
    assert [e["verb"] for e in snapshot["timeline"]] == ["filed", "submit"]
    assert snapshot["timeline"][0]["label"] == {"zh": "登记了诉求", "en": "filed the grievance"}


def test_withdrawn_consents_are_not_in_the_scope(world, filed_case):
    from casework.services import consent_withdraw

    consent = filed_case.consents.get(scope="employer_disclosure")
    consent_withdraw(consent=consent, user=world.worker)
    snapshot = referral_packet_snapshot(filed_case)
    assert {c["scope"] for c in snapshot["consents"]} == {"union_handling"}


def test_render_context_holds_the_snapshot_and_version_only():
    class Doc:
        snapshot = {"reference": "CZ-2026-000001"}
        version = 3

    assert render_context(Doc()) == {"s": {"reference": "CZ-2026-000001"}, "version": 3}


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("zh_date", "2026-11-24", "2026年11月24日"),
        ("zh_date", "2026-01-05", "2026年1月5日"),
        ("en_date", "2026-11-24", "24 November 2026"),
        ("zh_datetime", "2026-11-24T14:05:00+08:00", "2026年11月24日 14:05"),
        ("en_datetime", "2026-11-24T14:05:00+08:00", "24 November 2026, 14:05"),
        ("num_datetime", "2026-11-24T14:05:00+08:00", "2026-11-24 14:05"),
        ("num_datetime", "2026-01-05", "2026-01-05"),
        ("num_datetime", "not a date", ""),
        ("zh_rmb", "12345.6", "人民币12,345.60元"),
        ("zh_amount", "12345.60", "12,345.60元"),
        ("en_amount", "12345.6", "CNY 12,345.60"),
        ("en_amount", "0", "CNY 0.00"),
        ("zh_amount", None, ""),
        ("zh_date", "not a date", ""),
    ],
)
def test_filing_formats(expression, value, expected):
    rendered = Template("{% load filing %}{{ v|" + expression + " }}").render(Context({"v": value}))
    assert rendered == expected


def test_dates_accept_date_objects():
    rendered = Template("{% load filing %}{{ v|zh_date }} / {{ v|en_date }}").render(
        Context({"v": date(2027, 3, 1)})
    )
    assert rendered == "2027年3月1日 / 1 March 2027"


def _marker_texts(page_box) -> list[str]:
    found, stack = [], [page_box]
    while stack:
        box = stack.pop()
        if box.element_tag == "li::marker" and getattr(box, "text", None):
            found.append(box.text)
        stack.extend(reversed(getattr(box, "children", None) or []))
    return found


def test_the_lean_user_agent_sheet_applies_to_the_installed_weasyprint_and_keeps_list_markers():
    from weasyprint import HTML

    # The six universal pseudo-element rules were found and rewritten (a WeasyPrint upgrade
    # that changes them makes this fail instead of quietly rendering slower),
    lean = lean_html_class()
    assert lean is not HTML
    (sheet,) = lean(string="<p>x</p>")._ua_stylesheets()
    (stock,) = HTML(string="<p>x</p>")._ua_stylesheets()
    assert sheet is not stock
    # and lists still get the markers the stock sheet gives them.
    html = "<ul><li>a</li><li>b</li></ul><ol><li>c</li></ol>"
    markers = _marker_texts(lean(string=html).render().pages[0]._page_box)
    assert markers == _marker_texts(HTML(string=html).render().pages[0]._page_box)
    assert markers == ["• ", "• ", "1. "]
