"""The foundation's journeys in a real browser (Debian's chromium driven by Playwright).

A worker files anonymously on a phone and follows up by receipt code; a caseworker accepts the
case, asks a question, the worker answers, the caseworker mediates and closes it.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from casework.choices import CaseState
from casework.models import AuditEvent, Case
from documents.models import Evidence
from tests.e2e.signing_in import sign_in as sign_in_with_code
from tests.factories import PASSWORD, jpeg_with_gps

ENGLISH = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}}


@pytest.fixture
def phone_context_args(phone_context_args):
    return {**phone_context_args, **ENGLISH}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **ENGLISH}


def gps_of(data: bytes) -> dict:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825))


def _click_next(page):
    page.locator("button[name=action][value=next]").click()


def file_anonymously(page, base_url: str, artifacts_dir) -> str:
    """Walk the five steps of /file/ and return the receipt code shown at the end."""
    page.goto(f"{base_url}/file/")
    page.fill("input[name=worker_name]", "王小明")
    page.fill("input[name=phone]", "13812345678")
    page.screenshot(path=str(artifacts_dir / "worker-file-about-phone.png"), full_page=True)
    _click_next(page)

    page.fill("input[name=employer_name]", "常州恒远碳纤维材料有限公司")
    page.select_option("select[name=district]", value="武进区")
    _click_next(page)

    wages = "input[name=category_codes][value='WAGE.ARREARS']"
    group = page.locator(f"details:has({wages})")
    if group.count() and not group.first.get_attribute("open"):
        group.first.locator("summary").click()  # the categories are grouped under headings
    page.check(wages)
    page.fill("textarea[name=facts]", "公司自2026年7月起拖欠我三个月工资，共18,600元。")
    page.fill("input[name=knew_date]", (timezone.localdate() - timedelta(days=40)).isoformat())
    _click_next(page)

    page.fill("input[name='claims-0-item']", "拖欠工资")
    page.fill("input[name='claims-0-amount']", "18600")
    _click_next(page)

    page.check("input[name=consent_union_handling]")
    page.check("input[name=consent_employer_disclosure]")
    page.screenshot(path=str(artifacts_dir / "worker-file-review-phone.png"), full_page=True)
    page.locator("button[name=action][value=submit]").click()

    code = page.locator("#receipt-code").inner_text().strip()
    page.screenshot(path=str(artifacts_dir / "worker-receipt-phone.png"), full_page=True)
    return code


def follow_up(page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/track/")
    # Typed the way a worker might: lower case, no hyphens.
    page.fill("input[name=code]", code.replace("-", "").lower())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/track/case/"))


def sign_in(page, base_url: str, username: str) -> None:
    sign_in_with_code(page, base_url, username, PASSWORD)


def run_transition(page, name: str, fields: dict | None = None, checks: tuple = ()) -> None:
    """Open the transition's form on the case page, fill it and send it."""
    summary = page.locator(f"#action-{name} summary")
    if summary.count():
        summary.click()
    form = page.locator(f"form[action$='/transitions/{name}/']")
    for selector, value in (fields or {}).items():
        form.locator(selector).fill(value)
    for selector in checks:
        form.locator(selector).check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_worker_files_anonymously_and_a_caseworker_mediates_to_a_close(
    live_server, world, phone_page, page, artifacts_dir
):
    base = live_server.url

    # Given a worker on a phone who files without an account,
    code = file_anonymously(phone_page, base, artifacts_dir)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    case = Case.objects.get()
    assert case.state == CaseState.SUBMITTED and case.owning_org == world.wujin
    assert case.receipt_digest != code.replace("-", "")

    # and follows it up with the receipt code, adding a photo of a pay slip taken with GPS on,
    follow_up(phone_page, base, code)
    assert "Received" in phone_page.content()
    photo = artifacts_dir / "pay-slip.jpg"
    photo.write_bytes(jpeg_with_gps())
    assert gps_of(photo.read_bytes())
    phone_page.set_input_files("#id_evidence_files", str(photo))
    phone_page.fill("#id_evidence_description", "2026年8月工资条")
    phone_page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    phone_page.wait_for_load_state()
    evidence = Evidence.objects.get(case=case)
    with default_storage.open(evidence.file.name) as stored:
        assert gps_of(stored.read()) == {} and evidence.sha256

    # when a caseworker of the district union opens the queue,
    sign_in(page, base, world.caseworker.username)
    page.goto(f"{base}/cases/")
    assert case.reference in page.content()
    page.screenshot(path=str(artifacts_dir / "caseworker-queue.png"), full_page=True)

    # accepts the case for review and asks the worker a question,
    page.goto(f"{base}/cases/{case.reference}/")
    run_transition(page, "accept_for_review")
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW and case.assignee == world.caseworker
    run_transition(
        page, "request_info", {"textarea[name=question]": "请上传最近三个月的工资条照片。"}
    )
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_WORKER

    # then the worker sees the question and answers it,
    phone_page.goto(f"{base}/track/case/")
    assert "请上传最近三个月的工资条照片。" in phone_page.content()
    phone_page.fill("#question textarea[name=body]", "工资条在我手机里，下周一送到工会。")
    phone_page.locator("#question button[type=submit]").click()
    phone_page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW

    # and the caseworker mediates and records the agreement.
    page.goto(f"{base}/cases/{case.reference}/")
    assert "工资条在我手机里" in page.content()
    run_transition(page, "start_mediation", checks=("input[name=reveals_identity]",))
    case.refresh_from_db()
    assert case.state == CaseState.MEDIATION
    run_transition(
        page,
        "record_agreement",
        {
            "textarea[name=terms]": "用人单位于2026年12月10日前一次性支付拖欠工资18,600元。",
            "input[name=amount]": "18600",
        },
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.outcome == "mediation_agreement"
    page.screenshot(path=str(artifacts_dir / "caseworker-case-closed.png"), full_page=True)

    # The worker's page says it is finished, and every step is in the audit chain.
    phone_page.goto(f"{base}/track/case/")
    assert "Finished" in phone_page.content()
    verbs = list(AuditEvent.objects.filter(case=case).values_list("verb", flat=True))
    for verb in (
        "filed",
        "submit",
        "accept_for_review",
        "request_info",
        "resume",
        "start_mediation",
        "record_agreement",
    ):
        assert verb in verbs
