"""The worker's pages through Django's test client: filing in steps, following up with a
receipt code, my grievances, and what a worker must never see.

Messages are asserted in English (Accept-Language: en) until the Chinese catalogue exists.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import services as s
from casework.choices import CaseState, ConsentScope
from casework.models import (
    AuditEvent,
    Case,
    CaseParty,
    Claim,
    ConsentRecord,
    Employer,
    Message,
    Worker,
)
from casework.services.intake import IntakeInvalid, normalise_receipt_code
from casework.views import filing as filing_views
from casework.views import worker as worker_views
from tests.factories import case_snapshot, drive_to

RECEIPT_PATTERN = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
USER_AGENT = "UniqueTestBrowser/9.9 (worker-views-test)"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and filing nonces live in the cache: start each test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en", "user-agent": USER_AGENT})


def _past(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def _about(**overrides):
    return {
        "worker_name": "王小明",
        "sex": "male",
        "phone": "13812345678",
        "occupation": "碳纤维车间操作工",
        "skill_grade": "intermediate",
        "union_member": "on",
        **overrides,
    }


def _employer(**overrides):
    return {
        "employer_name": "常州恒远碳纤维材料有限公司",
        "credit_code": "91320412MA1WY8K5BP",
        "district": "武进区",
        "industrial_chain": "carbon_fibre",
        **overrides,
    }


def _events(**overrides):
    return {
        "category_codes": ["WAGE.ARREARS"],
        "facts": "公司自今年7月起拖欠工资三个月。",
        "knew_date": _past(100),
        "employment_start": _past(900),
        **overrides,
    }


def _claims(*rows):
    data = {
        "claims-TOTAL_FORMS": str(max(len(rows), 1)),
        "claims-INITIAL_FORMS": "0",
        "claims-MIN_NUM_FORMS": "0",
        "claims-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        data.update({f"claims-{i}-{k}": v for k, v in row.items()})
    return data


def _step_url(slug):
    return (
        reverse("casework:file") if slug == "about" else reverse("casework:file_step", args=[slug])
    )


def _post_step(client, slug, data, action="next"):
    return client.post(_step_url(slug), {**data, "action": action})


def _fill_steps(client, *, about=None, employer=None, events=None, claims=None):
    for slug, data in (
        ("about", about or _about()),
        ("employer", employer or _employer()),
        ("events", events or _events()),
        (
            "claims",
            claims
            or _claims(
                {
                    "item": "拖欠工资",
                    "amount": "18600",
                    "period_start": _past(200),
                    "period_end": _past(100),
                }
            ),
        ),
    ):
        response = _post_step(client, slug, data)
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def _submit(client, **consent):
    review = client.get(_step_url("review"))
    assert review.status_code == 200
    data = {
        "consent_union_handling": "on",
        "nonce": review.context["nonce"],
        "action": "submit",
        **consent,
    }
    return client.post(_step_url("review"), data)


def _database_text() -> str:
    """Every row of every table, as stored (encrypted fields stay encrypted)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def _sessions_text() -> str:
    return "\n".join(
        repr(session.get_decoded()) + session.session_data for session in Session.objects.all()
    )


def _track(client, code):
    return client.post(reverse("casework:track"), {"code": code})


def _counts():
    return (
        Case.objects.count(),
        Worker.objects.count(),
        Employer.objects.count(),
        CaseParty.objects.count(),
    )


# --- home -----------------------------------------------------------------------------------------


def test_home_explains_and_offers_the_three_ways_in(world, client):
    response = client.get(reverse("casework:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Help with a problem at work" in page
    for url in (reverse("casework:file"), reverse("casework:track"), reverse("accounts:login")):
        assert f'href="{url}"' in page
    assert reverse("casework:queue") not in page


def test_home_shows_staff_their_queue(world, client):
    client.force_login(world.caseworker)
    page = client.get(reverse("casework:home")).content.decode()
    assert f'href="{reverse("casework:queue")}"' in page


# --- filing ---------------------------------------------------------------------------------------


def test_anonymous_filing_shows_the_receipt_once_and_stores_it_nowhere(world, client):
    _fill_steps(client)
    response = _submit(client)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    code = RECEIPT_PATTERN.search(page).group(1)
    assert 'class="receipt-code mono"' in page
    assert (
        "Write it down or take a screenshot. It is shown only once and the union cannot recover it."
        in page
    )

    case = Case.objects.get()
    assert case.state == CaseState.SUBMITTED
    assert case.filed_by is None
    assert case.owning_org == world.wujin
    assert case.receipt_digest and code not in case.receipt_digest
    assert s.receipt_lookup(code) == case
    assert list(case.claims.values_list("item", "amount")) == [("拖欠工资", 18600)]
    assert set(case.consents.values_list("scope", flat=True)) == {ConsentScope.UNION_HANDLING}

    stored = _database_text() + _sessions_text()
    assert code not in stored and normalise_receipt_code(code) not in stored
    assert code.replace("-", "").lower() not in stored.lower()
    # nor who sent it: no address, no browser string
    assert "127.0.0.1" not in stored and USER_AGENT not in stored
    assert filing_views.SESSION_INTAKE not in client.session


def _stored_session(client) -> dict:
    return Session.objects.get(session_key=client.session.session_key).get_decoded()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_draft_leaves_the_session_in_the_filings_own_commit(world, client, signed_in):
    """The final POST writes the session once, inside the filing's transaction (the service's
    savepoint here, the test's transaction standing for the request's), and not again after
    it."""
    if signed_in:
        client.force_login(world.worker)
    _fill_steps(client)
    review = client.get(_step_url("review"))
    data = {"consent_union_handling": "on", "nonce": review.context["nonce"], "action": "submit"}
    with CaptureQueriesContext(connection) as ctx:
        client.post(_step_url("review"), data)
    sqls = [q["sql"] for q in ctx.captured_queries]
    writes = [i for i, sql in enumerate(sqls) if sql.startswith('UPDATE "django_session"')]
    released = [i for i, sql in enumerate(sqls) if sql.startswith("RELEASE SAVEPOINT")]
    assert len(writes) == 1 and released and writes[0] < released[-1]
    assert Case.objects.count() == 1
    assert filing_views.SESSION_INTAKE not in _stored_session(client)


def test_a_filing_that_fails_at_its_commit_keeps_the_draft(world, client, monkeypatch):
    """The draft and the grievance go together: a filing rolled back after the draft was
    deleted from the session leaves the draft where it was, and no case."""
    _fill_steps(client)
    review = client.get(_step_url("review"))
    real = filing_views._clear_intake_saved

    def then_fail(request):
        real(request)
        raise RuntimeError("the commit failed")

    monkeypatch.setattr(filing_views, "_clear_intake_saved", then_fail)
    client.raise_request_exception = False
    data = {"consent_union_handling": "on", "nonce": review.context["nonce"], "action": "submit"}
    response = client.post(_step_url("review"), data)
    assert response.status_code == 500
    assert Case.objects.count() == 0
    assert filing_views.SESSION_INTAKE in _stored_session(client)


def test_resubmitting_the_last_step_does_not_file_twice(world, client):
    _fill_steps(client)
    review = client.get(_step_url("review"))
    data = {"consent_union_handling": "on", "nonce": review.context["nonce"], "action": "submit"}
    first = client.post(_step_url("review"), data)
    assert first.status_code == 200 and RECEIPT_PATTERN.search(first.content.decode())

    again = client.post(_step_url("review"), data)  # the browser's "resend" after the receipt

    assert again.status_code == 302
    assert Case.objects.count() == 1


def test_account_filing_leads_to_the_case_page(world, client):
    client.force_login(world.worker)
    _fill_steps(client)
    response = _submit(client, consent_employer_disclosure="on")

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:my_case", args=[case.reference])
    assert case.filed_by == world.worker and case.receipt_digest is None
    assert set(case.consents.values_list("scope", flat=True)) == {
        ConsentScope.UNION_HANDLING,
        ConsentScope.EMPLOYER_DISCLOSURE,
    }
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and "Submitted. The union has received your grievance." in page
    assert "Received" in page  # the worker's label for submitted


def test_signed_in_worker_may_still_file_anonymously(world, client):
    client.force_login(world.worker)
    _fill_steps(client)
    response = _submit(client, anonymous="on")

    case = Case.objects.get()
    assert response.status_code == 200
    assert RECEIPT_PATTERN.search(response.content.decode())
    assert case.filed_by is None and case.receipt_digest


def test_steps_cannot_be_skipped(world, client):
    response = client.get(_step_url("events"))
    assert response.status_code == 302 and response["Location"] == _step_url("about")


def test_back_keeps_what_was_typed(world, client):
    _post_step(client, "about", _about())
    _post_step(client, "employer", _employer(employer_name="常州某纺织有限公司"), action="back")

    page = client.get(_step_url("employer")).content.decode()
    assert "常州某纺织有限公司" in page


def test_a_collective_grievance_lists_the_co_workers(world, client):
    _fill_steps(client, about=_about(co_workers="李四\n张三\n"))
    _submit(client)
    case = Case.objects.get()
    assert case.claimant_count == 3
    assert set(Worker.objects.values_list("name", flat=True)) == {"王小明", "李四", "张三"}


# --- bad intake: a clear message and nothing created -----------------------------------------------


def test_missing_required_fields_are_named_and_nothing_is_created(world, client):
    about = client.post(
        _step_url("about"), {"worker_name": "", "sex": "unstated", "action": "next"}
    )
    assert about.status_code == 200
    assert "Please give your name." in about.content.decode()

    _post_step(client, "about", _about())
    employer = _post_step(client, "employer", _employer(employer_name=""))
    assert "Please give the employer&#x27;s name." in employer.content.decode()

    _post_step(client, "employer", _employer())
    events = _post_step(client, "events", {"facts": "", "category_codes": []})
    page = events.content.decode()
    assert "Please choose at least one kind of problem." in page
    assert "Please tell us what happened." in page

    review = client.post(_step_url("review"), {"action": "submit"})
    assert review.status_code == 302 and review["Location"] == _step_url("events")
    assert _counts() == (0, 0, 0, 0)


def test_consent_to_union_handling_is_required(world, client):
    _fill_steps(client)
    review = client.get(_step_url("review"))
    response = client.post(
        _step_url("review"), {"nonce": review.context["nonce"], "action": "submit"}
    )
    assert response.status_code == 200
    assert (
        "The union can only take up your grievance with your consent." in response.content.decode()
    )
    assert _counts() == (0, 0, 0, 0)


def test_malformed_credit_code_is_refused(world, client):
    _post_step(client, "about", _about())
    response = _post_step(client, "employer", _employer(credit_code="91320412MA1WY8K5BX"))
    assert response.status_code == 200
    assert "must match the check digit" in response.content.decode()
    assert client.get(_step_url("events"))["Location"] == _step_url("employer")
    assert _counts() == (0, 0, 0, 0)


def test_knew_date_in_the_future_is_refused(world, client):
    _post_step(client, "about", _about())
    _post_step(client, "employer", _employer())
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _post_step(client, "events", _events(knew_date=tomorrow))
    assert response.status_code == 200
    assert "This date cannot be in the future." in response.content.decode()
    assert _counts() == (0, 0, 0, 0)


def test_facts_over_the_limit_are_refused(world, client):
    _post_step(client, "about", _about())
    _post_step(client, "employer", _employer())
    response = _post_step(client, "events", _events(facts="拖" * 20_001))
    assert response.status_code == 200
    assert "At most 20000 characters." in response.content.decode()


def test_a_10_mb_text_field_gets_a_clear_page_and_creates_nothing(world, client):
    _post_step(client, "about", _about())
    _post_step(client, "employer", _employer())

    response = _post_step(client, "events", _events(facts="x" * (10 * 1024 * 1024)))

    assert response.status_code == 413
    page = response.content.decode()
    assert "The text is too long" in page and "20,000" in page
    assert _counts() == (0, 0, 0, 0)


def test_a_10_mb_body_gets_the_same_page_when_the_csrf_check_reads_it_first(world):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    page = client.get(_step_url("about"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    response = client.post(
        _step_url("about"), {"csrfmiddlewaretoken": token, "worker_name": "x" * (10 * 1024 * 1024)}
    )

    assert response.status_code == 413
    assert "The text is too long" in response.content.decode()
    assert _counts() == (0, 0, 0, 0)


def test_the_service_refusal_goes_back_to_the_step_that_owns_the_field(world, client, monkeypatch):
    def refuse(**kwargs):
        raise IntakeInvalid({"employer_name": ["Please give the employer's name."]})

    monkeypatch.setattr(filing_views, "case_file", refuse)
    _fill_steps(client)
    response = _submit(client)

    assert response.status_code == 200
    assert response.context["step"].slug == "employer"
    assert "Please give the employer&#x27;s name." in response.content.decode()
    assert _counts() == (0, 0, 0, 0)


# --- following up with the receipt code --------------------------------------------------------------


def test_tracking_accepts_lower_case_without_hyphens(anonymous_case, client):
    case, code = anonymous_case
    response = _track(client, code.replace("-", "").lower())

    assert response.status_code == 302 and response["Location"] == reverse("casework:track_case")
    assert client.session[worker_views.SESSION_TRACK] == case.pk
    assert code not in _sessions_text() and normalise_receipt_code(code) not in _sessions_text()
    page = client.get(reverse("casework:track_case"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert case.reference in page.content.decode() and "Received" in page.content.decode()


def test_a_wrong_code_gets_a_neutral_answer(anonymous_case, client):
    response = _track(client, "AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 200
    assert "No grievance was found for this receipt code." in response.content.decode()
    assert worker_views.SESSION_TRACK not in client.session
    assert client.get(reverse("casework:track_case")).status_code == 302


def test_guesses_of_one_code_are_rate_limited(anonymous_case, client):
    for _ in range(worker_views.TRACK_LIMIT_PER_CODE):
        assert _track(client, "AAAA-BBBB-CCCC-DDDD").status_code == 200

    response = _track(client, "aaaabbbbccccdddd")  # the same code written differently

    assert response.status_code == 429
    assert "Too many tries with this receipt code." in response.content.decode()
    assert worker_views.SESSION_TRACK not in client.session


def test_guesses_are_rate_limited_for_the_whole_site(anonymous_case, client, monkeypatch):
    case, code = anonymous_case
    monkeypatch.setattr(worker_views, "TRACK_LIMIT_GLOBAL", 3)
    for guess in ("AAAA-BBBB-CCCC-DDD1", "AAAA-BBBB-CCCC-DDD2", "AAAA-BBBB-CCCC-DDD3"):
        assert _track(client, guess).status_code == 200

    response = _track(client, code)  # even the right code waits

    assert response.status_code == 429
    assert "Please try again in a minute." in response.content.decode()
    assert worker_views.SESSION_TRACK not in client.session


def test_tracking_cycles_the_session_key(anonymous_case, client):
    case, code = anonymous_case
    client.get(reverse("casework:track"))
    client.session.save()
    before = client.session.session_key
    _track(client, code)
    assert client.session.session_key != before


def test_leave_forgets_the_case_on_this_device(anonymous_case, client):
    case, code = anonymous_case
    _track(client, code)
    response = client.post(reverse("casework:track_leave"))
    assert response.status_code == 302
    assert worker_views.SESSION_TRACK not in client.session
    assert client.get(reverse("casework:track_case"))["Location"] == reverse("casework:track")


def test_answering_the_question_moves_the_case_back_to_review(world, client):
    case = drive_to(world, CaseState.AWAITING_WORKER, anonymous=True)
    code = "ABCD-EFGH-JKMN-PQRS"
    Case.objects.filter(pk=case.pk).update(receipt_digest=s.intake.receipt_digest(code))
    _track(client, code)
    page = client.get(reverse("casework:track_case")).content.decode()
    assert "请提供劳动合同的照片。" in page and "We need more from you" in page

    response = client.post(
        reverse("casework:track_action", args=["answer"]), {"body": "照片已经拍好，明天送到工会。"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW
    assert Message.objects.filter(
        case=case, from_worker=True, body="照片已经拍好，明天送到工会。"
    ).exists()
    assert AuditEvent.objects.filter(case=case, verb="resume", actor_kind="worker").count() == 1


def test_an_empty_answer_is_refused_and_changes_nothing(world, client):
    case = drive_to(world, CaseState.AWAITING_WORKER)
    client.force_login(world.worker)
    before = case_snapshot(case)

    response = client.post(
        reverse("casework:my_case_action", args=[case.reference, "answer"]), {"body": "  "}
    )

    assert response.status_code == 200
    assert "Please write your answer." in response.content.decode()
    assert case_snapshot(case) == before


def test_withdrawing_asks_for_confirmation_then_withdraws(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client.force_login(world.worker)
    url = reverse("casework:my_case_action", args=[case.reference, "withdraw"])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert (
        "The union will stop working on it. You can file again later." in confirm.content.decode()
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.UNDER_REVIEW

    response = client.post(url, {"state": CaseState.UNDER_REVIEW})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.WITHDRAWN
    assert "You withdrew it" in client.get(response["Location"]).content.decode()


def test_withdrawing_a_case_that_changed_meanwhile_says_so(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    s.case_start_mediation(case=case, user=world.caseworker)
    client.force_login(world.worker)
    before = case_snapshot(case)

    response = client.post(
        reverse("casework:my_case_action", args=[case.reference, "withdraw"]),
        {"state": CaseState.UNDER_REVIEW},
        follow=True,
    )

    assert (
        "Your grievance has just changed; it is now: Mediation under way."
        in response.content.decode()
    )
    assert case_snapshot(case) == before


def test_the_worker_messages_the_union_from_the_tracking_page(anonymous_case, client):
    case, code = anonymous_case
    _track(client, code)
    response = client.post(
        reverse("casework:track_action", args=["message"]), {"body": "我什么时候能拿到回复？"}
    )
    assert response.status_code == 302
    message = Message.objects.get(case=case)
    assert message.from_worker and message.author is None
    assert "我什么时候能拿到回复？" in client.get(reverse("casework:track_case")).content.decode()


def test_the_worker_withdraws_and_grants_consent(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client.force_login(world.worker)
    disclosure = ConsentRecord.objects.get(case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE)

    client.post(
        reverse("casework:my_case_action", args=[case.reference, "consent-withdraw"]),
        {"consent_id": disclosure.pk},
    )
    disclosure.refresh_from_db()
    assert disclosure.withdrawn_at is not None

    url = reverse("casework:my_case_action", args=[case.reference, "consent"])
    missing = client.post(url, {"scope": ConsentScope.LEGAL_AID_PROVIDER})
    assert "Please choose a legal-aid provider." in missing.content.decode()
    client.post(url, {"scope": ConsentScope.LEGAL_AID_PROVIDER, "provider": world.centre.pk})
    client.post(url, {"scope": ConsentScope.UNION_MEDIATION})

    in_force = set(
        ConsentRecord.objects.filter(case=case, withdrawn_at__isnull=True).values_list(
            "scope", "provider"
        )
    )
    assert in_force == {
        (ConsentScope.UNION_HANDLING, None),
        (ConsentScope.LEGAL_AID_PROVIDER, world.centre.pk),
        (ConsentScope.UNION_MEDIATION, None),
    }


def test_a_consent_of_another_case_cannot_be_withdrawn(world, client):
    mine = drive_to(world, CaseState.UNDER_REVIEW)
    theirs = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.other_worker)
    other_consent = ConsentRecord.objects.filter(case=theirs).first()
    client.force_login(world.worker)
    before = case_snapshot(theirs)

    response = client.post(
        reverse("casework:my_case_action", args=[mine.reference, "consent-withdraw"]),
        {"consent_id": other_consent.pk},
    )

    assert response.status_code == 404
    assert case_snapshot(theirs) == before


# --- my grievances -----------------------------------------------------------------------------------


def test_my_grievances_lists_my_cases_newest_first(world, client):
    older = drive_to(world, CaseState.SUBMITTED)
    newer = drive_to(world, CaseState.AWAITING_WORKER)
    drive_to(world, CaseState.SUBMITTED, filed_by=world.other_worker)
    client.force_login(world.worker)

    response = client.get(reverse("casework:my_cases"))

    assert [c.pk for c in response.context["cases"]] == [newer.pk, older.pk]
    assert "Needs your answer" in response.content.decode()


def test_my_grievances_needs_an_account(world, client):
    response = client.get(reverse("casework:my_cases"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_workers_case_is_not_found(world, client, filed_case):
    client.force_login(world.other_worker)
    before = case_snapshot(filed_case)

    assert client.get(reverse("casework:my_case", args=[filed_case.reference])).status_code == 404
    response = client.post(
        reverse("casework:my_case_action", args=[filed_case.reference, "withdraw"]),
        {"state": CaseState.SUBMITTED},
    )
    assert response.status_code == 404
    assert client.get(reverse("casework:my_case", args=["CZ-2099-999999"])).status_code == 404
    assert case_snapshot(filed_case) == before


def test_internal_notes_and_staff_names_never_reach_the_worker(world, client):
    world.caseworker.display_name = "Zhang Weiyi-Staffname"
    world.caseworker.save()
    case = drive_to(world, CaseState.MEDIATION, anonymous=True)
    s.note_add(case=case, user=world.caseworker, body="INTERNAL-NOTE: the worker seems unsure.")
    s.case_mediation_failed(
        case=case, user=world.caseworker, note="MEDIATION-NOTE: employer refused."
    )
    s.message_post(case=case, user=world.caseworker, body="请您下周一来工会一趟。")
    code = "ABCD-EFGH-JKMN-PQRS"
    Case.objects.filter(pk=case.pk).update(receipt_digest=s.intake.receipt_digest(code))

    _track(client, code)
    page = client.get(reverse("casework:track_case")).content.decode()

    assert "请您下周一来工会一趟。" in page
    assert "Mediation ended without agreement" in page
    for secret in (
        "INTERNAL-NOTE",
        "MEDIATION-NOTE",
        "Zhang Weiyi-Staffname",
        "Under review",
        "In mediation",
    ):
        assert secret not in page


def test_internal_notes_never_reach_the_account_holder(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    s.note_add(case=case, user=world.caseworker, body="INTERNAL-NOTE: call the employer first.")
    client.force_login(world.worker)
    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert "The union has taken on your grievance." in page
    assert "INTERNAL-NOTE" not in page


def test_the_worker_page_costs_the_same_queries_however_long_the_case(world, client):
    short = drive_to(world, CaseState.UNDER_REVIEW)
    long = drive_to(world, CaseState.UNDER_REVIEW)
    for i in range(8):
        s.message_post(case=long, user=world.caseworker, body=f"消息{i}")
        s.message_post(case=long, user=world.worker, body=f"回复{i}")
    client.force_login(world.worker)

    def queries(case):
        client.get(reverse("casework:my_case", args=[case.reference]))  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("casework:my_case", args=[case.reference])).status_code == 200
        return len(ctx.captured_queries)

    assert queries(short) == queries(long)


def test_claims_are_shown_with_amounts_in_yuan(world, client):
    case = drive_to(world, CaseState.SUBMITTED)
    Claim.objects.filter(case=case).update(amount="12345.6")
    client.force_login(world.worker)
    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert "¥12,345.60" in page


@pytest.mark.parametrize(
    ("state", "worker_words", "staff_words"),
    [
        (
            CaseState.SUBMITTED,
            ["Received", "You submitted the grievance."],
            ["Awaiting acceptance"],
        ),
        (
            CaseState.REJECTED,
            ["The union cannot take this on", "it is free."],
            ["Rejected", "belongs to another authority"],
        ),
        (
            CaseState.MEDIATION,
            ["Mediation under way", "The union started mediation with your employer."],
            ["In mediation"],
        ),
        (
            CaseState.REFERRED,
            [
                "Passed to legal aid, waiting for a reply",
                "The union passed your case to Changzhou Legal Aid Centre for legal aid.",
            ],
            ["Referred, awaiting reply"],
        ),
        (CaseState.LEGAL_AID, ["A legal-aid lawyer has taken on your case."], ["With legal aid"]),
        (
            CaseState.PROCEEDINGS,
            ["At arbitration", "Your lawyer started proceedings."],
            ["In proceedings"],
        ),
        (
            CaseState.CLOSED,
            ["Finished", "Mediation succeeded. Your grievance is finished.", "¥18,600.00"],
            ["Closed"],
        ),
        (CaseState.WITHDRAWN, ["You withdrew it", "You withdrew the grievance."], ["Withdrawn<"]),
    ],
)
def test_each_state_reads_in_plain_words(world, client, state, worker_words, staff_words):
    for person in (world.caseworker, world.coordinator, world.lawyer, world.supervisor):
        person.display_name = f"Staffname-{person.username}"
        person.save(update_fields=["display_name"])
    case = drive_to(world, state)
    if state == CaseState.CLOSED:
        Case.objects.filter(pk=case.pk).update(amount_recovered="18600")
    client.force_login(world.worker)

    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()

    for words in worker_words:
        assert words in page
    for words in staff_words:
        assert words not in page
    assert "Staffname-" not in page


def test_an_ended_grievance_cannot_be_withdrawn_or_messaged(world, client):
    case = drive_to(world, CaseState.CLOSED)
    client.force_login(world.worker)
    before = case_snapshot(case)

    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert reverse("casework:my_case_action", args=[case.reference, "withdraw"]) not in page
    assert reverse("casework:my_case_action", args=[case.reference, "message"]) not in page
    withdraw = client.post(
        reverse("casework:my_case_action", args=[case.reference, "withdraw"]),
        {"state": CaseState.CLOSED},
        follow=True,
    )
    message = client.post(
        reverse("casework:my_case_action", args=[case.reference, "message"]),
        {"body": "还在吗？"},
        follow=True,
    )

    assert "it is now: Finished" in withdraw.content.decode()
    assert "messages can no longer be sent" in message.content.decode()
    assert case_snapshot(case) == before


def test_the_check_before_submitting_shows_the_answers_with_the_id_number_masked(world, client):
    _fill_steps(client, about=_about(id_number="320412199001011231"))
    page = client.get(_step_url("review")).content.decode()
    for words in (
        "王小明",
        "碳纤维车间操作工",
        "intermediate worker",
        "常州恒远碳纤维材料有限公司",
        "Wujin District",
        "My employer owes me wages or makes deductions",
        "拖欠工资",
        "¥18,600.00",
    ):
        assert words in page
    assert "3204**********1231" in page and "320412199001011231" not in page


def test_another_claim_row_can_be_added_without_javascript(world, client):
    _post_step(client, "about", _about())
    _post_step(client, "employer", _employer())
    _post_step(client, "events", _events())
    rows = _claims({"item": "拖欠工资"}, {}, {})

    response = _post_step(client, "claims", rows, action="add")

    assert response.status_code == 302 and response["Location"].endswith("#claims-row-4")
    page = client.get(_step_url("claims")).content.decode()
    assert 'name="claims-3-item"' in page and 'value="拖欠工资"' in page


def test_bad_intake_pages_speak_chinese_by_default(world):
    # Given a phone that asks for Chinese (the default language),
    client = Client(headers={"accept-language": "zh-CN"})
    _post_step(client, "about", _about())
    _post_step(client, "employer", _employer())
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    # a future date and a 10 MB text are each explained in Chinese, and nothing is created.
    response = _post_step(client, "events", _events(knew_date=tomorrow))
    assert "日期不能晚于今天。" in response.content.decode()
    response = _post_step(client, "events", _events(facts="x" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    assert "内容太长" in response.content.decode()
    assert _counts() == (0, 0, 0, 0)


# --- the final POST uses what each step's form made of the input (issue 8) ------------------------


def test_the_final_post_files_what_each_step_made_of_the_input(world, client):
    """Dates, amounts, categories and co-workers kept with each step reach the case intact."""
    _fill_steps(
        client,
        about=_about(co_workers="李四\n张三"),
        events=_events(category_codes=["WAGE.ARREARS", "WAGE.OVERTIME"]),
        claims=_claims(
            {"item": "拖欠工资", "amount": "18600.50", "period_start": _past(200)},
            {"item": "加班费", "amount": "", "period_end": _past(50)},
        ),
    )
    assert _submit(client).status_code == 200
    case = Case.objects.get()
    assert case.knew_date == timezone.localdate() - timedelta(days=100)
    assert case.employment_start == timezone.localdate() - timedelta(days=900)
    assert sorted(case.categories.values_list("code", flat=True)) == [
        "WAGE.ARREARS",
        "WAGE.OVERTIME",
    ]
    claims = sorted(Claim.objects.filter(case=case).values_list("item", "amount", "period_start"))
    assert [(item, str(amount) if amount is not None else None) for item, amount, _ in claims] == [
        ("加班费", None),
        ("拖欠工资", "18600.50"),
    ]
    assert claims[1][2] == timezone.localdate() - timedelta(days=200)
    assert case.claimant_count == 3


def test_a_category_no_longer_offered_sends_the_worker_back_to_that_step(world, client):
    """A category taken off the workers' list after the step was saved is not filed: the final
    POST validates that step again and shows it with the error."""
    from rights.models import Category

    _fill_steps(client, events=_events(category_codes=["WAGE.OVERTIME"]))
    category = Category.objects.get(code="WAGE.OVERTIME")
    category.worker_selectable = False
    category.save()  # as the admin does: the process-local copy is rebuilt
    response = _submit(client)

    assert response.status_code == 200
    assert response.context["step"].slug == "events"
    assert _counts() == (0, 0, 0, 0)
