"""Planted markup in every free-text field the five filings print, and the case page's
documents panel (which kinds it offers to whom, status, failure reason, new versions)."""

import io
import re

import pypdf
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from casework.choices import CaseState
from casework.models import Case
from documents.kinds import FILINGS
from documents.models import DocumentStatus, GeneratedDocument
from documents.services import document_request
from tests.factories import drive_to, run_on_commit

from .filing_support import K, add_evidence, generate, pdf_text

# --- planted markup in every free-text field ---------------------------------------------------

IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel="attachment" href="file:///etc/passwd">'
IMPORT = "<style>@import url(file:///etc/passwd);</style>"
PLANTED = IMG + LINK + IMPORT


def planted_case(world, state):
    """A case whose every free-text field a filing prints carries markup that would fetch or
    embed a local file, got to `state` by the real services."""
    from casework.services import case_record_agreement
    from casework.services.eligibility import eligibility_assess, eligibility_override
    from casework.services.intake import ClaimItem

    intake = {
        "worker_name": "王小明" + IMG,
        "address": PLANTED,
        "occupation": LINK,
        "employer_name": "常州恒远" + PLANTED,
        "employer_address": PLANTED,
        "legal_representative": LINK,
        "facts": "拖欠工资。" + PLANTED,
        "claims": [ClaimItem(item=PLANTED, amount="100.00")],
        "migrant_worker": True,
    }
    case = drive_to(world, CaseState.MEDIATION if state == CaseState.CLOSED else state, **intake)
    add_evidence(case, world.caseworker, description=PLANTED, source_note=PLANTED[:200])
    assessment = eligibility_assess(
        case=case, user=world.caseworker, facts={"matter_types": ["wages"], "represented": False}
    )
    eligibility_override(
        assessment=assessment, user=world.caseworker, result="eligible", reason=PLANTED
    )
    if state == CaseState.CLOSED:
        with run_on_commit():
            case_record_agreement(case=case, user=world.caseworker, terms=PLANTED, amount="100")
    return Case.objects.select_related("owning_org").get(pk=case.pk)


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        (K.COMPLAINT_RECEIPT, CaseState.UNDER_REVIEW),
        (K.ARBITRATION_APPLICATION, CaseState.UNDER_REVIEW),
        (K.LEGAL_AID_APPLICATION, CaseState.UNDER_REVIEW),
        (K.MEDIATION_AGREEMENT, CaseState.CLOSED),
        (K.CLOSING_REPORT, CaseState.CLOSED),
    ],
)
def test_planted_markup_prints_as_text_and_nothing_is_fetched_or_embedded(
    world, monkeypatch, kind, state
):
    from documents import rendering
    from documents.services import render_context

    case = planted_case(world, state)
    asked = []
    original = rendering.static_only_fetcher

    def recording_fetcher(*args, **kwargs):
        fetcher = original(*args, **kwargs)
        fetch = fetcher.fetch

        def spy(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr(rendering, "static_only_fetcher", recording_fetcher)
    doc = generate(case, kind, world.caseworker)
    text = pdf_text(doc)  # ready: the render was not stopped by a refused URL
    # The characters are printed...
    assert 'src="file:///etc/passwd"' in text
    assert 'rel="attachment"href="file:///etc/passwd"' in text
    assert "@importurl(file:///etc/passwd);" in text and "<style>" in text
    # ...as escaped text in the HTML, never as markup,
    html = rendering.render_html(template=FILINGS[kind].template, context=render_context(doc))
    assert "<img" not in html and '<link rel="attachment"' not in html and "<style>" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    # nothing outside static/documents was asked for (filings.css was, from there),
    assert asked and all(url.startswith(rendering.STYLE_DIR.as_uri() + "/") for url in asked)
    assert any(url.endswith("/filings.css") for url in asked)
    # and the PDF embeds no file.
    with doc.file.open("rb") as handle:
        assert not pypdf.PdfReader(io.BytesIO(handle.read())).attachments


# --- the case page's documents panel -----------------------------------------------------------


def offered_kinds(html: str, case) -> list[str]:
    prefix = re.escape(f"/cases/{case.reference}/documents/")
    return re.findall(rf'action="{prefix}([a-z_]+)/"', html)


@pytest.mark.parametrize(
    ("state", "who", "expected"),
    [
        (
            CaseState.UNDER_REVIEW,
            "caseworker",  # the assignee
            [
                K.COMPLAINT_RECEIPT,
                K.ARBITRATION_APPLICATION,
                K.LEGAL_AID_APPLICATION,
                K.REFERRAL_PACKET,
            ],
        ),
        (CaseState.UNDER_REVIEW, "caseworker2", [K.COMPLAINT_RECEIPT]),
        (
            CaseState.UNDER_REVIEW,
            "district_supervisor",
            [
                K.COMPLAINT_RECEIPT,
                K.ARBITRATION_APPLICATION,
                K.LEGAL_AID_APPLICATION,
                K.REFERRAL_PACKET,
            ],
        ),
        (
            CaseState.MEDIATION,
            "caseworker",
            [
                K.COMPLAINT_RECEIPT,
                K.ARBITRATION_APPLICATION,
                K.LEGAL_AID_APPLICATION,
                K.MEDIATION_AGREEMENT,
                K.REFERRAL_PACKET,
            ],
        ),
        (CaseState.CLOSED, "caseworker", [K.MEDIATION_AGREEMENT, K.CLOSING_REPORT]),
        (CaseState.CLOSED, "caseworker2", []),
        (CaseState.SUBMITTED, "caseworker", []),
    ],
)
def test_case_page_offers_exactly_the_filings_the_user_may_generate_now(
    client, sign_in, world, state, who, expected
):
    case = drive_to(world, state)
    sign_in(getattr(world, who))
    response = client.get(reverse("casework:case_detail", args=[case.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert offered_kinds(html, case) == expected
    # and what it offers, the service accepts (the panel and the gate agree)
    for kind in expected:
        assert generate(case, kind, getattr(world, who)).version == 1


def test_panel_shows_status_failure_reason_and_offers_a_new_version(
    world, django_assert_num_queries
):
    from documents.selectors import case_documents

    case = drive_to(world, CaseState.UNDER_REVIEW)
    ready = generate(case, K.COMPLAINT_RECEIPT, world.caseworker)
    failed = document_request(case=case, kind=K.ARBITRATION_APPLICATION, user=world.caseworker)
    GeneratedDocument.objects.filter(pk=failed.pk).update(
        status=DocumentStatus.FAILED, failure_reason="render error: <b>MemoryError</b>"
    )
    request = RequestFactory().get("/")
    request.user = world.caseworker
    documents = case_documents(case)
    with translation.override("en"):
        html = render_to_string(
            "documents/_case_documents.html",
            {"case": case, "documents": documents},
            request=request,
        )
    assert reverse("documents:download", args=[ready.pk]) in html
    assert "Reason: render error: &lt;b&gt;MemoryError&lt;/b&gt;" in html
    # the failed one can be tried again (same version, same snapshot), the ready one cannot
    assert reverse("documents:retry", args=[failed.pk]) in html
    assert reverse("documents:retry", args=[ready.pk]) not in html
    assert "Generate labour arbitration application" in html
    assert html.count("Makes version 2; earlier versions are kept.") == 2
    assert offered_kinds(html, case) == [
        K.COMPLAINT_RECEIPT,
        K.ARBITRATION_APPLICATION,
        K.LEGAL_AID_APPLICATION,
        K.REFERRAL_PACKET,
    ]

    # A colleague who may not ask for the arbitration application sees it failed, without the retry.
    request.user = type(world.caseworker2).objects.get(pk=world.caseworker2.pk)
    with translation.override("en"):
        html = render_to_string(
            "documents/_case_documents.html",
            {"case": case, "documents": documents},
            request=request,
        )
    assert "Reason: render error" in html
    assert reverse("documents:retry", args=[failed.pk]) not in html
    assert offered_kinds(html, case) == [K.COMPLAINT_RECEIPT]

    # A fixed number of queries, however many kinds are listed or offered.
    def panel_queries(user) -> int:
        fresh = Case.objects.select_related("owning_org").get(pk=case.pk)
        request.user = type(user).objects.get(pk=user.pk)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            render_to_string(
                "documents/_case_documents.html",
                {"case": fresh, "documents": documents},
                request=request,
            )
        return len(queries)

    assert panel_queries(world.caseworker) == panel_queries(world.caseworker2) <= 2
