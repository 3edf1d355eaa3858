"""A generated filing in a real browser: a caseworker generates the labour arbitration
application from the case page's documents panel and downloads the PDF, whose text is Chinese
(with the English beside it)."""

import io
import re

import pypdf
import pytest

from casework.choices import CaseState
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from tests.e2e.signing_in import sign_in as sign_in_with_code
from tests.factories import PASSWORD, drive_to

ENGLISH = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **ENGLISH, "accept_downloads": True}


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


def sign_in(page, base_url: str, username: str) -> None:
    sign_in_with_code(page, base_url, username, PASSWORD)


def test_caseworker_generates_the_arbitration_application_and_downloads_it(
    live_server, world, page, artifacts_dir
):
    # Given a case under review, worked by the caseworker,
    case = drive_to(world, CaseState.UNDER_REVIEW, occupation="碳纤维操作工")
    base = live_server.url
    sign_in(page, base, world.caseworker.username)
    page.goto(f"{base}/cases/{case.reference}/")
    panel = page.locator("section#documents")
    # the panel offers the filings of this state, the arbitration application among them;
    offered = panel.locator("form button[type=submit]")
    assert offered.count() >= 2
    button = panel.locator("button[data-kind=arbitration_application]")
    assert button.inner_text().strip() == "Generate labour arbitration application"
    # when the caseworker generates it (rendered once the request commits),
    button.click()
    page.wait_for_load_state()
    doc = GeneratedDocument.objects.get(case=case, kind=DocumentKind.ARBITRATION_APPLICATION)
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    row = page.locator("li.document[data-kind=arbitration_application]")
    page.screenshot(path=str(artifacts_dir / "caseworker-filing-generated.png"), full_page=True)
    # and downloads it from the panel,
    with page.expect_download() as info:
        row.locator("a.document-download").click()
    download = info.value
    assert download.suggested_filename == f"arbitration-application-{case.reference}-v1.pdf"
    with open(download.path(), "rb") as handle:
        data = handle.read()
    # then it is the PDF that was stored, and its text is Chinese, with the English beside it.
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    for needle in ("劳动仲裁申请书", "仲裁请求", "事实与理由", "王小明", "碳纤维操作工"):
        assert needle in text, needle
    assert "Labourarbitrationapplication" in text
    assert re.search(r"[\u4e00-\u9fff]{20}", text)
