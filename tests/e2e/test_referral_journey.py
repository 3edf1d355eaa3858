"""The legal-aid journey in a real browser: the worker files → the caseworker reviews, records
the worker's consent to share with the legal-aid centre (the staff paper-consent form, with the
signed form's scan) and refers → the supervisor approves → the centre's coordinator sees the
limited summary with the automatic conflict check, accepts and assigns a lawyer → the lawyer
starts arbitration, records the award and the money recovered → the worker's follow-up page
says the case is finished, won, and how much was recovered."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from casework.choices import CaseState, ReferralState
from casework.models import Case, Referral
from rights.deadline_models import CaseDeadline
from tests.e2e.signing_in import sign_in
from tests.e2e.test_journeys import ENGLISH, file_anonymously, follow_up
from tests.factories import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def phone_context_args(phone_context_args):
    return {**phone_context_args, **ENGLISH}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **ENGLISH}


def signed_in(browser, base: str, username: str):
    """A fresh browser context signed in as `username` (one per role, as on separate desks)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **ENGLISH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, username, PASSWORD)
    return page


def open_action(page, name: str) -> None:
    summary = page.locator(f"#action-{name} summary")
    if summary.count() and not summary.first.is_hidden():
        parent_open = page.locator(f"#action-{name}").first.get_attribute("open")
        if parent_open is None:
            summary.first.click()


def test_a_referral_from_filing_to_an_award_recovered(
    live_server, world, browser, phone_page, artifacts_dir
):
    base = live_server.url
    today = timezone.localdate()

    # The worker files on a phone without an account
    code = file_anonymously(phone_page, base, artifacts_dir)
    case = Case.objects.get()

    # The caseworker accepts it for review, records the worker's signed consent to share the
    # case with the legal-aid centre, and refers it there
    cw = signed_in(browser, base, world.caseworker.username)
    cw.goto(f"{base}/cases/{case.reference}/")
    with cw.expect_navigation():
        cw.locator("form[action$='/transitions/accept_for_review/'] button[type=submit]").click()
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW
    cw.goto(f"{base}/cases/{case.reference}/#consents")
    consents = cw.locator("#consents")
    consents.locator("summary").last.click()
    form = consents.locator("form[action$='/consents/']")
    form.locator("select[name=scope]").select_option("legal_aid_provider")
    form.locator("select[name=provider]").select_option(str(world.centre.pk))
    scan = artifacts_dir / "consent-form.pdf"
    scan.write_bytes(PDF)
    form.locator("input[name=scan]").set_input_files(str(scan))
    with cw.expect_navigation():
        form.locator("button[type=submit]").click()
    assert case.consents.filter(scope="legal_aid_provider", provider=world.centre).exists()
    open_action(cw, "refer_to_legal_aid")
    refer = cw.locator("form[action$='/transitions/refer_to_legal_aid/']")
    refer.locator("select[name=provider]").select_option(str(world.centre.pk))
    with cw.expect_navigation():
        refer.locator("button[type=submit]").click()
    referral = Referral.objects.get(case=case)
    assert referral.sent_at is None  # waiting for the supervisor (four eyes)
    assert "waiting for a supervisor" in cw.content()

    # The supervisor approves it; it goes to the centre with the packet, checked for conflicts
    sv = signed_in(browser, base, world.supervisor.username)
    sv.goto(f"{base}/cases/{case.reference}/")
    with sv.expect_navigation():
        sv.locator("form[action$='/referral/approve/'] button[type=submit]").click()
    referral.refresh_from_db()
    case.refresh_from_db()
    assert case.state == CaseState.REFERRED and referral.sent_at is not None
    assert referral.conflict_found is False

    # The coordinator finds it in the inbox, reads the summary (no identity) and accepts it
    co = signed_in(browser, base, world.coordinator.username)
    co.goto(f"{base}/referrals/")
    assert case.reference in co.content() and "王小明" not in co.content()
    with co.expect_navigation():
        co.locator(f"a:has-text('{case.reference}')").first.click()
    summary = co.content()
    assert "No conflict found" in summary and "¥18,600.00" in summary
    assert "王小明" not in summary and "13812345678" not in summary
    co.screenshot(path=str(artifacts_dir / "coordinator-referral-summary.png"), full_page=True)
    open_action(co, "accept_referral")
    accept = co.locator("form[action$='/transitions/accept_referral/']")
    accept.locator("select[name=lawyer]").select_option(str(world.lawyer.pk))
    with co.expect_navigation():
        accept.locator("button[type=submit]").click()
    case.refresh_from_db()
    assert case.state == CaseState.LEGAL_AID
    assert Referral.objects.get(case=case).state == ReferralState.ACCEPTED

    # The lawyer finds it under "My cases", sees the whole file, and starts arbitration
    lw = signed_in(browser, base, world.lawyer.username)
    lw.goto(f"{base}/legal-aid/")
    with lw.expect_navigation():
        lw.locator(f"a:has-text('{case.reference}')").first.click()
    assert "王小明" in lw.content()
    lw.locator("#proceeding-new summary").click()
    start = lw.locator("form[action$='/proceedings/']")
    start.locator("select[name=stage]").select_option("arbitration")
    start.locator("input[name=forum]").fill("常州市武进区劳动人事争议仲裁委员会")
    start.locator("input[name=filed_on]").fill((today - timedelta(days=10)).isoformat())
    with lw.expect_navigation():
        start.locator("button[type=submit]").click()
    case.refresh_from_db()
    assert case.state == CaseState.PROCEEDINGS
    proceeding = case.proceedings.get()

    # ... records the acceptance and the award as they come
    lw.locator("#proceedings details summary").first.click()
    dates = lw.locator(f"#proceeding-{proceeding.pk}")
    dates.locator("input[name=accepted_on]").fill((today - timedelta(days=8)).isoformat())
    dates.locator("input[name=decided_on]").fill((today - timedelta(days=2)).isoformat())
    dates.locator("input[name=served_on]").fill((today - timedelta(days=1)).isoformat())
    with lw.expect_navigation():
        dates.locator("button[type=submit]").click()
    codes = set(CaseDeadline.objects.filter(case=case).values_list("rule__code", flat=True))
    assert {"ARB_AWARD", "POST_AWARD_WORKER"} <= codes

    # ... and records the outcome: the award upheld every claim, and the money was recovered
    open_action(lw, "record_outcome")
    outcome = lw.locator("form[action$='/transitions/record_outcome/']")
    outcome.locator("select[name=outcome]").select_option("award_won")
    outcome.locator("input[name=amount_awarded]").fill("18600")
    outcome.locator("input[name=amount_recovered]").fill("18600")
    with lw.expect_navigation():
        outcome.locator("button[type=submit]").click()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.outcome == "award_won"

    # The caseworker still reads the file and sees the result
    cw.goto(f"{base}/cases/{case.reference}/")
    assert "Closed" in cw.content() and "¥18,600.00" in cw.content()

    # The worker's follow-up page: finished, won, and how much was recovered
    follow_up(phone_page, base, code)
    page = phone_page.content()
    phone_page.screenshot(path=str(artifacts_dir / "worker-case-won.png"), full_page=True)
    assert "Finished" in page
    assert "Arbitration upheld all your claims" in page
    assert re.search(r"¥18,600\.00", page)
