"""The staff pages: the queue, the case page and every action posted from it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from casework.choices import CaseState, ConsentMethod, ConsentScope, ReferralState
from casework.models import AuditEvent, Case, ConsentRecord, Message, Note, Referral
from casework.services import (
    case_accept_for_review,
    case_file,
    case_refer,
    case_request_info,
    consent_grant,
)
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from tests.factories import IntakeDataFactory

CONFLICT_TEXT = "Someone else has just acted on this case"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _file(**overrides) -> Case:
    case, _ = case_file(data=IntakeDataFactory(**overrides))
    return case


def _login(client, user) -> None:
    # The world's users are built with an unsaved password hash (UserFactory skips the save
    # after set_password); a session made from the in-memory object would not validate on the
    # next request, so log in the row as stored.
    client.force_login(User.objects.get(pk=user.pk))


def _queue(client, user, **params):
    _login(client, user)
    return client.get(reverse("casework:queue"), params)


def _refs(response) -> list[str]:
    return [row.case.reference for row in response.context["page"].object_list]


def _detail_url(case) -> str:
    return reverse("casework:case_detail", args=[case.reference])


def _transition(client, case, name, **data):
    data.setdefault("expected_state", case.state)
    return client.post(reverse("casework:case_transition", args=[case.reference, name]), data)


def _snapshot(case) -> tuple:
    """Everything a refused request must leave as it was."""
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.state,
        fresh.assignee_id,
        fresh.version,
        AuditEvent.objects.filter(case=case).count(),
        Note.objects.filter(case=case).count(),
        Message.objects.filter(case=case).count(),
        ConsentRecord.objects.filter(case=case).count(),
        Referral.objects.filter(case=case).count(),
    )


def _ready_packet(case) -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        case=case,
        kind=DocumentKind.REFERRAL_PACKET,
        version=1,
        status=DocumentStatus.READY,
        sha256="0" * 64,
    )


# --- the queue -------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_the_login_page(client, filed_case):
    response = client.get(reverse("casework:queue"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/cases/"


def test_queue_shows_own_unions_cases_and_not_another_unions(client, world, filed_case):
    xinbei_case = _file(district="新北区")
    assert xinbei_case.owning_org == world.xinbei

    response = _queue(client, world.caseworker)

    assert response.status_code == 200
    assert _refs(response) == [filed_case.reference]
    assert xinbei_case.reference not in response.content.decode()


def test_supervisor_sees_the_whole_subtree(client, world, filed_case):
    xinbei_case = _file(district="新北区")
    enterprise_case, _ = case_file(data=IntakeDataFactory(), owning_org=world.enterprise)

    city = _refs(_queue(client, world.supervisor))
    district = _refs(_queue(client, world.district_supervisor))
    caseworker = _refs(_queue(client, world.caseworker))

    assert set(city) == {filed_case.reference, xinbei_case.reference, enterprise_case.reference}
    assert set(district) == {filed_case.reference, enterprise_case.reference}
    assert caseworker == [filed_case.reference]


def test_user_without_a_staff_role_gets_404_on_the_queue(client, world, filed_case):
    response = _queue(client, world.worker)

    assert response.status_code == 404


def test_queue_filters_by_state_assignee_category_urgency_and_text(client, world):
    today = timezone.localdate()
    mine = _file(employer_name="常州纺织品有限公司", credit_code="")
    case_accept_for_review(case=mine, user=world.caseworker)
    theirs = _file(category_codes=["WAGE.OVERTIME"])
    case_accept_for_review(case=theirs, user=world.caseworker2)
    urgent = _file(knew_date=today - timedelta(days=362))  # limitation expires in about 3 days
    quiet = _file()
    assert urgent.next_deadline - today < timedelta(days=7)

    def refs(**params):
        return set(_refs(_queue(client, world.caseworker, **params)))

    assert refs(state=CaseState.UNDER_REVIEW) == {mine.reference, theirs.reference}
    assert refs(state=CaseState.SUBMITTED) == {urgent.reference, quiet.reference}
    assert refs(assignee="me") == {mine.reference}
    assert refs(assignee=str(world.caseworker2.pk)) == {theirs.reference}
    assert refs(assignee="unassigned") == {urgent.reference, quiet.reference}
    assert refs(category="WAGE.OVERTIME") == {theirs.reference}
    assert refs(urgent="on") == {urgent.reference}
    assert refs(q="纺织") == {mine.reference}
    assert refs(q=quiet.reference.lower()) == {quiet.reference}


def test_queue_counts_states_of_the_filtered_set_in_one_aggregate(client, world):
    a, b, _c = _file(), _file(), _file(district="新北区")
    case_accept_for_review(case=a, user=world.caseworker)

    response = _queue(client, world.caseworker, state=CaseState.SUBMITTED)

    counts = response.context["counts"]
    assert counts.total == 1
    assert counts.by_state[CaseState.SUBMITTED] == 1
    assert counts.by_state[CaseState.UNDER_REVIEW] == 1
    assert counts.states_total == 2
    assert _refs(response) == [b.reference]


def test_queue_sorts_newest_oldest_and_by_nearest_deadline(client, world):
    today = timezone.localdate()
    first = _file(knew_date=today - timedelta(days=100))
    second = _file(knew_date=None)
    third = _file(knew_date=today - timedelta(days=300))

    newest = _refs(_queue(client, world.caseworker))
    oldest = _refs(_queue(client, world.caseworker, sort="oldest"))
    deadline = _refs(_queue(client, world.caseworker, sort="deadline"))

    assert newest == [third.reference, second.reference, first.reference]
    assert oldest == [first.reference, second.reference, third.reference]
    assert deadline == [third.reference, first.reference, second.reference]  # no deadline: last


def test_queue_paginates_with_a_stable_order(client, world, settings):
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "QUEUE_PAGE_SIZE": 2}
    cases = [_file() for _ in range(5)]

    pages = [_refs(_queue(client, world.caseworker, sort="deadline", page=n)) for n in (1, 2, 3)]

    assert [ref for page in pages for ref in page] == [
        c.reference for c in cases
    ]  # same deadline: by id
    assert _queue(client, world.caseworker, page=3).context["counts"].total == 5


def test_claim_button_only_on_unassigned_cases(client, world, filed_case):
    taken = _file()
    case_accept_for_review(case=taken, user=world.caseworker2)

    rows = {
        r.case.reference: r for r in _queue(client, world.caseworker).context["page"].object_list
    }

    assert rows[filed_case.reference].can_claim is True
    assert rows[taken.reference].can_claim is False
    assert rows[filed_case.reference].can_assign is False


def test_caseworker_claims_from_the_queue(client, world, filed_case):
    _login(client, world.caseworker)

    response = client.post(
        reverse("casework:case_claim", args=[filed_case.reference]),
        {"version": filed_case.version, "next": "/cases/?state=submitted"},
    )

    assert response.status_code == 303
    assert response["Location"] == "/cases/?state=submitted"
    filed_case.refresh_from_db()
    assert filed_case.assignee == world.caseworker
    assert AuditEvent.objects.filter(case=filed_case, verb="claimed").count() == 1


def test_claim_with_a_stale_version_is_a_conflict_and_changes_nothing(client, world, filed_case):
    stale = filed_case.version
    _login(client, world.caseworker2)
    client.post(reverse("casework:case_claim", args=[filed_case.reference]), {"version": stale})
    before = _snapshot(filed_case)
    _login(client, world.caseworker)

    response = client.post(
        reverse("casework:case_claim", args=[filed_case.reference]), {"version": stale}
    )

    assert response.status_code == 409
    assert _snapshot(filed_case) == before
    assert Case.objects.get(pk=filed_case.pk).assignee == world.caseworker2


def test_supervisor_assigns_from_the_queue(client, world, filed_case):
    rows = _queue(client, world.district_supervisor).context["page"].object_list
    assert rows[0].can_assign is True
    offered = {person.pk for person in rows[0].assignable}
    assert world.caseworker2.pk in offered
    assert world.other_caseworker.pk not in offered

    response = client.post(
        reverse("casework:case_assign", args=[filed_case.reference]),
        {"assignee": world.caseworker2.pk, "version": filed_case.version},
    )

    assert response.status_code == 303
    filed_case.refresh_from_db()
    assert filed_case.assignee == world.caseworker2


def test_caseworker_may_not_assign(client, world, filed_case):
    before = _snapshot(filed_case)
    _login(client, world.caseworker)

    response = client.post(
        reverse("casework:case_assign", args=[filed_case.reference]),
        {"assignee": world.caseworker2.pk, "version": filed_case.version},
    )

    assert response.status_code == 403
    assert _snapshot(filed_case) == before


def test_lawyer_sees_accepted_cases_in_the_queue(client, world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    consent_grant(
        case=case,
        user=world.caseworker,
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=world.centre,
        method=ConsentMethod.PAPER,
    )
    _ready_packet(case)
    referral = case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    assert isinstance(referral, Referral)  # waits for approval
    _login(client, world.district_supervisor)
    assert (
        client.post(
            reverse("casework:case_approve_referral", args=[case.reference]),
            {"expected_state": CaseState.UNDER_REVIEW},
        ).status_code
        == 303
    )
    _login(client, world.coordinator)
    client.post(
        reverse("casework:case_referral_conflict_check", args=[case.reference]), {"result": "clear"}
    )
    response = _transition(
        client, Case.objects.get(pk=case.pk), "accept_referral", lawyer=world.lawyer.pk
    )
    assert response.status_code == 303

    assert _refs(_queue(client, world.lawyer)) == [case.reference]
    assert _refs(_queue(client, world.other_lawyer)) == []


# --- the case page ---------------------------------------------------------------------------


def test_case_page_shows_parties_claims_and_one_form_per_allowed_transition(
    client, world, filed_case
):
    _login(client, world.caseworker)

    response = client.get(_detail_url(filed_case))

    assert response.status_code == 200
    body = response.content.decode()
    assert filed_case.reference in body
    assert "常州恒远碳纤维材料有限公司" in body
    assert "¥18,600.00" in body
    names = [f.name for f in response.context["transition_forms"]]
    assert names == ["accept_for_review", "reject"]
    for name in names:
        assert reverse("casework:case_transition", args=[filed_case.reference, name]) in body
    assert f'name="expected_state" value="{CaseState.SUBMITTED}"' in body


def test_identity_is_masked_for_a_caseworker_who_is_not_the_assignee(client, world, filed_case):
    case_accept_for_review(case=filed_case, user=world.caseworker)
    before = AuditEvent.objects.filter(case=filed_case, verb="identity_viewed").count()
    _login(client, world.caseworker2)

    body = client.get(_detail_url(filed_case)).content.decode()

    assert "138****5678" in body
    assert "13812345678" not in body
    assert AuditEvent.objects.filter(case=filed_case, verb="identity_viewed").count() == before == 0


def test_identity_is_shown_to_the_assignee_and_the_view_is_audited(client, world, filed_case):
    case_accept_for_review(case=filed_case, user=world.caseworker)
    _login(client, world.caseworker)

    body = client.get(_detail_url(filed_case)).content.decode()

    assert "13812345678" in body
    event = AuditEvent.objects.get(case=filed_case, verb="identity_viewed")
    assert event.actor == world.caseworker
    assert event.payload == {"workers": [filed_case.primary_worker_id]}


def test_timeline_merges_events_notes_and_messages_and_labels_internal_notes(
    client, world, filed_case
):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    case_request_info(case=case, user=world.caseworker, question="请上传工资条照片。")
    Note.objects.create(case=case, author=world.caseworker, body="内部：职工曾来电。")
    _login(client, world.caseworker)

    response = client.get(_detail_url(case))

    body = response.content.decode()
    texts = [e.text for e in response.context["detail"].timeline]
    assert "asked the worker for more information" in texts
    assert texts[-1] == "filed the grievance"
    assert "请上传工资条照片。" in body
    assert "内部：职工曾来电。" in body
    assert "Internal note (not shown to the worker)" in body


def test_caseworker_of_another_union_gets_404_everywhere_and_nothing_changes(
    client, world, filed_case
):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    before = _snapshot(case)
    _login(client, world.other_caseworker)
    ref = case.reference
    posts = [
        (
            reverse("casework:case_transition", args=[ref, "request_info"]),
            {"expected_state": case.state, "question": "?"},
        ),
        (
            reverse("casework:case_transition", args=[ref, "reject"]),
            {"expected_state": case.state, "reason": "duplicate", "route": "route_court"},
        ),
        (reverse("casework:case_claim", args=[ref]), {"version": case.version}),
        (
            reverse("casework:case_assign", args=[ref]),
            {"version": case.version, "assignee": world.other_caseworker.pk},
        ),
        (reverse("casework:case_note", args=[ref]), {"body": "x"}),
        (reverse("casework:case_message", args=[ref]), {"body": "x"}),
        (reverse("casework:case_consent", args=[ref]), {"scope": ConsentScope.UNION_MEDIATION}),
        (reverse("casework:case_approve_referral", args=[ref]), {"expected_state": case.state}),
        (reverse("casework:case_referral_conflict_check", args=[ref]), {"result": "clear"}),
    ]

    page = client.get(_detail_url(case))
    statuses = [client.post(url, data).status_code for url, data in posts]

    assert page.status_code == 404
    assert statuses == [404] * len(posts)
    assert _snapshot(case) == before
    assert client.get(reverse("casework:case_detail", args=["CZ-2099-999999"])).status_code == 404


def test_coordinator_without_a_referral_gets_404(client, world, filed_case):
    case_accept_for_review(case=filed_case, user=world.caseworker)
    _login(client, world.coordinator)

    assert client.get(_detail_url(filed_case)).status_code == 404


# --- transitions through the view --------------------------------------------------------------


def test_main_transitions_through_the_view(client, world, filed_case):
    _login(client, world.caseworker)
    case = filed_case

    steps = [
        ("accept_for_review", {}, CaseState.UNDER_REVIEW),
        ("request_info", {"question": "请补充劳动合同。"}, CaseState.AWAITING_WORKER),
        ("resume", {}, CaseState.UNDER_REVIEW),
        ("start_mediation", {"reveals_identity": "on"}, CaseState.MEDIATION),
        (
            "record_agreement",
            {"terms": "公司于12月31日前支付欠薪。", "amount": "18600.00"},
            CaseState.CLOSED,
        ),
    ]
    for name, data, target in steps:
        response = _transition(client, case, name, **data)
        assert response.status_code == 303, (name, response.status_code)
        assert response["Location"] == _detail_url(case)
        case = Case.objects.get(pk=case.pk)
        assert case.state == target, name

    assert case.assignee == world.caseworker
    assert str(case.amount_awarded) == "18600.00"
    assert Message.objects.filter(case=case, is_question=True).count() == 1
    follow = client.get(_detail_url(case))
    assert "The mediation agreement was recorded" in follow.content.decode()


def test_stale_expected_state_is_a_409_and_changes_nothing(client, world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    seen = case.state
    case_request_info(case=case, user=world.caseworker, question="请补充。")
    before = _snapshot(case)
    _login(client, world.caseworker)

    response = client.post(
        reverse("casework:case_transition", args=[case.reference, "start_mediation"]),
        {"expected_state": seen, "reveals_identity": "on"},
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert CONFLICT_TEXT in body
    assert "Waiting for the worker" in body
    assert _snapshot(case) == before


def test_failed_guard_rerenders_the_page_with_the_field_error(client, world):
    case = _file(consent_employer_disclosure=False)
    case = case_accept_for_review(case=case, user=world.caseworker)
    before = _snapshot(case)
    _login(client, world.caseworker)

    response = _transition(client, case, "start_mediation", reveals_identity="on")

    assert response.status_code == 400
    form = next(f for f in response.context["transition_forms"] if f.name == "start_mediation")
    assert "reveals_identity" in form.errors
    assert "needs the worker&#x27;s consent" in response.content.decode()
    assert _snapshot(case) == before


def test_missing_field_is_a_400_and_changes_nothing(client, world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    before = _snapshot(case)
    _login(client, world.caseworker)

    response = _transition(client, case, "request_info", question="")

    assert response.status_code == 400
    assert _snapshot(case) == before


def test_a_caseworker_who_is_not_the_assignee_gets_403_and_nothing_changes(
    client, world, filed_case
):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    before = _snapshot(case)
    _login(client, world.caseworker2)

    response = _transition(client, case, "request_info", question="?")

    assert response.status_code == 403
    assert _snapshot(case) == before


def test_unknown_transition_is_404_and_get_is_405(client, world, filed_case):
    _login(client, world.caseworker)

    unknown = _transition(client, filed_case, "teleport")
    system_only = _transition(client, filed_case, "expire_referral")
    get = client.get(
        reverse("casework:case_transition", args=[filed_case.reference, "accept_for_review"])
    )

    assert unknown.status_code == 404
    assert system_only.status_code == 404
    assert get.status_code == 405
    assert Case.objects.get(pk=filed_case.pk).state == CaseState.SUBMITTED


PDF_SCAN = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_notes_messages_and_paper_consent_from_the_case_page(
    client, world, filed_case, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    _login(client, world.caseworker)

    note = client.post(
        reverse("casework:case_note", args=[case.reference]), {"body": "已核实工资条。"}
    )
    message = client.post(
        reverse("casework:case_message", args=[case.reference]), {"body": "您好，已收到。"}
    )
    consent = client.post(
        reverse("casework:case_consent", args=[case.reference]),
        {
            "scope": ConsentScope.LEGAL_AID_PROVIDER,
            "provider": world.centre.pk,
            # the scan of the signed form is required (tests/casework/test_consent.py)
            "scan": SimpleUploadedFile("consent.pdf", PDF_SCAN, content_type="application/pdf"),
        },
    )

    assert (note.status_code, message.status_code, consent.status_code) == (303, 303, 303)
    assert Note.objects.filter(case=case, body="已核实工资条。").exists()
    assert Message.objects.filter(case=case, body="您好，已收到。", from_worker=False).exists()
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.LEGAL_AID_PROVIDER)
    assert (record.provider, record.method) == (world.centre, ConsentMethod.PAPER)


def test_referral_waits_for_approval_then_the_coordinator_sees_a_summary_and_accepts(
    client, world, filed_case
):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    consent_grant(
        case=case,
        user=world.caseworker,
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=world.centre,
        method=ConsentMethod.PAPER,
    )
    _ready_packet(case)
    _login(client, world.caseworker)

    refer = _transition(client, case, "refer_to_legal_aid", provider=world.centre.pk)

    assert refer.status_code == 303
    assert Case.objects.get(pk=case.pk).state == CaseState.UNDER_REVIEW
    waiting = client.get(_detail_url(case))
    assert "waiting for a supervisor" in waiting.content.decode()
    assert "refer_to_legal_aid" not in [f.name for f in waiting.context["transition_forms"]]

    _login(client, world.district_supervisor)
    page = client.get(_detail_url(case))
    assert page.context["approve_form"] is not None
    approve = client.post(
        reverse("casework:case_approve_referral", args=[case.reference]),
        {"expected_state": CaseState.UNDER_REVIEW},
    )
    assert approve.status_code == 303
    assert Case.objects.get(pk=case.pk).state == CaseState.REFERRED

    _login(client, world.coordinator)
    inbox = client.get(reverse("casework:queue"))
    assert [r.case.reference for r in inbox.context["inbox"].object_list] == [case.reference]
    summary = client.get(_detail_url(case))
    assert summary.status_code == 200
    assert summary.templates[0].name == "staff/case_summary.html"
    text = summary.content.decode()
    for secret in ("王小明", "13812345678", "138****5678", "公司自2026年7月起拖欠工资三个月"):
        assert secret not in text
    assert "¥18,600.00" in text and "常州恒远碳纤维材料有限公司" in text

    # (as if the automatic conflict check at sending had not run)
    Referral.objects.filter(case=case).update(conflict_checked_at=None, conflict_found=None)
    refused = _transition(
        client, Case.objects.get(pk=case.pk), "accept_referral", lawyer=world.lawyer.pk
    )
    assert refused.status_code == 400  # no conflict check yet
    check = client.post(
        reverse("casework:case_referral_conflict_check", args=[case.reference]), {"result": "clear"}
    )
    assert check.status_code == 303
    accept = _transition(
        client, Case.objects.get(pk=case.pk), "accept_referral", lawyer=world.lawyer.pk
    )

    assert accept.status_code == 303
    assert accept["Location"] == reverse(
        "casework:queue"
    )  # the coordinator no longer sees the case
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.LEGAL_AID
    assert Referral.objects.get(case=case).state == ReferralState.ACCEPTED
    _login(client, world.lawyer)
    assert client.get(_detail_url(case)).status_code == 200


def test_coordinator_of_another_provider_gets_404_on_a_pending_referral(client, world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.district_supervisor)
    consent_grant(
        case=case,
        user=world.district_supervisor,
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=world.centre,
        method=ConsentMethod.PAPER,
    )
    _ready_packet(case)
    case = case_refer(case=case, user=world.district_supervisor, provider_id=world.centre.pk)
    assert case.state == CaseState.REFERRED
    before = _snapshot(case)
    _login(client, world.other_coordinator)

    page = client.get(_detail_url(case))
    check = client.post(
        reverse("casework:case_referral_conflict_check", args=[case.reference]), {"result": "clear"}
    )
    decline = _transition(client, case, "decline_referral", reason="capacity")

    assert (page.status_code, check.status_code, decline.status_code) == (404, 404, 404)
    assert _snapshot(case) == before


def test_start_mediation_on_the_page_is_offered_only_to_the_assignee(client, world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    _login(client, world.caseworker2)

    names = [f.name for f in client.get(_detail_url(case)).context["transition_forms"]]

    assert "start_mediation" not in names
    assert "reject" in names


def test_queue_ignores_filters_it_does_not_know(client, world, filed_case):
    response = _queue(
        client,
        world.caseworker,
        state="flying",
        assignee="99999",
        category="NOPE",
        sort="sideways",
        page="abc",
    )

    assert response.status_code == 200
    assert _refs(response) == [filed_case.reference]
