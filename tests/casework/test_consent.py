"""Consent records and their withdrawal (issue 5, part 1; glossary §2.10; PIPL Art. 15 and 23)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from casework import services as s
from casework.choices import CaseState as S
from casework.choices import ConsentMethod, ConsentScope, ReferralState
from casework.errors import GuardFailed, NotFound
from casework.models import AuditEvent, ConsentRecord, Notification, Referral
from casework.permissions import ReceiptHolder
from casework.selectors.staff import case_timeline
from casework.selectors.worker import worker_timeline
from documents.models import Evidence
from tests.factories import case_snapshot, drive_to, referral_prepare, run_on_commit

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def scan(name="consent.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fresh(case):
    return type(case).objects.get(pk=case.pk)


def events(case, verb):
    return list(AuditEvent.objects.filter(case=case, verb=verb).order_by("id"))


# --- granting and withdrawing ------------------------------------------------------------------


def test_scopes_are_the_glossary_ones():
    assert set(ConsentScope.values) == {
        "union_handling",
        "union_mediation",
        "employer_disclosure",
        "legal_aid_provider",
        "labour_inspectorate",
    }


def test_worker_with_an_account_grants_and_withdraws_online(world):
    case = drive_to(world, S.UNDER_REVIEW)
    record = s.consent_grant(case=case, user=world.worker, scope=ConsentScope.UNION_MEDIATION)
    assert (record.method, record.granted_by, record.granted_by_worker) == (
        ConsentMethod.ONLINE,
        world.worker,
        True,
    )
    (granted,) = events(case, "consent_granted")
    assert granted.actor_kind == "worker" and granted.worker_visible
    assert granted.payload["scope"] == ConsentScope.UNION_MEDIATION

    s.consent_withdraw(consent=record, user=world.worker, reason="不想调解了")
    record.refresh_from_db()
    assert not record.in_force and record.withdrawn_by == world.worker
    assert record.withdrawn_by_worker and record.withdrawal_reason == "不想调解了"
    assert record.withdrawal_method == ConsentMethod.ONLINE
    (withdrawn,) = events(case, "consent_withdrawn")
    assert withdrawn.worker_visible and "不想" not in str(withdrawn.payload)
    texts = [e.text for e in worker_timeline(case)]
    assert "You withdrew consent: the union may mediate with your employer." in texts
    # a second withdrawal records nothing
    s.consent_withdraw(consent=record, user=world.worker)
    assert len(events(case, "consent_withdrawn")) == 1


def test_receipt_holder_grants_and_withdraws(world):
    case = drive_to(world, S.UNDER_REVIEW, anonymous=True)
    holder = ReceiptHolder(case.pk)
    record = s.consent_grant(case=case, user=holder, scope=ConsentScope.LABOUR_INSPECTORATE)
    assert record.granted_by is None and record.granted_by_worker
    s.consent_withdraw(consent=record, user=holder)
    record.refresh_from_db()
    assert record.withdrawn_at is not None and record.withdrawn_by_worker
    assert [e.actor_kind for e in events(case, "consent_withdrawn")] == ["worker"]


def test_staff_record_paper_consent_with_its_scan(world):
    case = drive_to(world, S.UNDER_REVIEW)
    record = s.consent_grant(
        case=case,
        user=world.caseworker,
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=world.centre,
        scan=scan(),
    )
    assert record.method == ConsentMethod.PAPER and not record.granted_by_worker
    assert record.granted_by == world.caseworker
    evidence = Evidence.objects.get(pk=record.evidence_id)
    assert evidence.case_id == case.pk and len(evidence.sha256) == 64
    (granted,) = events(case, "consent_granted")
    assert granted.payload["evidence"] == evidence.pk and granted.actor_kind == "staff"
    texts = [e.text for e in worker_timeline(case)]
    assert any(t.startswith("The union recorded your consent") for t in texts)


def test_staff_record_a_withdrawal_with_how_and_when(world):
    case = drive_to(world, S.UNDER_REVIEW)
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed) as refused:
        s.consent_withdraw(consent=record, user=world.caseworker, reason="  ")
    assert "reason" in refused.value.field_errors
    assert case_snapshot(case) == before
    s.consent_withdraw(
        consent=record, user=world.caseworker, reason="职工来电撤回。", scan=scan("w.pdf")
    )
    record.refresh_from_db()
    assert record.withdrawn_by == world.caseworker and not record.withdrawn_by_worker
    assert record.withdrawal_method == ConsentMethod.PAPER and record.withdrawal_evidence_id


def test_a_refused_scan_stores_nothing(world):
    case = drive_to(world, S.UNDER_REVIEW)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed):
        s.consent_grant(
            case=case,
            user=world.caseworker,
            scope=ConsentScope.UNION_MEDIATION,
            scan=scan("x.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert case_snapshot(case) == before
    assert not Evidence.objects.filter(case=case).exists()


def test_a_worker_cannot_withdraw_another_cases_consent(world, client):
    mine = drive_to(world, S.UNDER_REVIEW)
    theirs = drive_to(world, S.UNDER_REVIEW, filed_by=world.other_worker)
    other = ConsentRecord.objects.get(case=theirs, scope=ConsentScope.EMPLOYER_DISCLOSURE)
    before = case_snapshot(theirs)
    with pytest.raises(NotFound):
        s.consent_withdraw(consent=other, user=world.worker)
    client.force_login(world.worker)
    url = reverse("casework:my_consent_withdraw", args=[mine.reference])
    assert client.get(url, {"consent": other.pk}).status_code == 404
    assert client.post(url, {"consent_id": other.pk}).status_code == 404
    assert case_snapshot(theirs) == before


# --- the worker's page -------------------------------------------------------------------------


def test_worker_withdraws_after_confirming_on_my_page(world, client):
    case = drive_to(world, S.UNDER_REVIEW)
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE)
    client.force_login(world.worker)
    page = client.get(reverse("casework:my_case", args=[case.reference]))
    confirm_url = reverse("casework:my_consent_withdraw", args=[case.reference])
    assert f"{confirm_url}?consent={record.pk}" in page.content.decode()
    confirm = client.get(confirm_url, {"consent": record.pk})
    assert confirm.status_code == 200
    record.refresh_from_db()
    assert record.in_force  # showing the confirmation changes nothing
    done = client.post(confirm_url, {"consent_id": record.pk})
    assert done.status_code == 302
    record.refresh_from_db()
    assert not record.in_force and record.withdrawn_by_worker


def test_receipt_holder_withdraws_on_the_follow_up_page(world, client):
    case = drive_to(world, S.UNDER_REVIEW, anonymous=True)
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE)
    session = client.session
    session["rightsdesk_track_case"] = case.pk
    session.save()
    url = reverse("casework:track_consent_withdraw")
    assert client.get(url, {"consent": record.pk}).status_code == 200
    assert client.post(url, {"consent_id": record.pk}).status_code == 302
    record.refresh_from_db()
    assert not record.in_force


def test_staff_paper_consent_from_the_case_page_needs_the_scan(world, client):
    case = drive_to(world, S.UNDER_REVIEW)
    client.force_login(world.caseworker)
    url = reverse("casework:case_consent", args=[case.reference])
    before = case_snapshot(case)
    refused = client.post(url, {"scope": ConsentScope.UNION_MEDIATION})
    assert refused.status_code == 400
    assert case_snapshot(case) == before
    done = client.post(url, {"scope": ConsentScope.UNION_MEDIATION, "scan": scan()})
    assert done.status_code == 303
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.UNION_MEDIATION)
    assert record.method == ConsentMethod.PAPER and record.evidence is not None
    withdraw = client.post(
        reverse("casework:case_consent_withdraw", args=[case.reference]),
        {"consent_id": record.pk, "reason": "职工书面撤回。"},
    )
    assert withdraw.status_code == 303
    record.refresh_from_db()
    assert not record.in_force


# --- effects on the referral -------------------------------------------------------------------


def test_no_consent_no_referral(world):
    case = drive_to(world, S.UNDER_REVIEW)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed) as refused:
        s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    assert "provider" in refused.value.field_errors
    assert case_snapshot(case) == before


def test_withdrawing_before_acceptance_withdraws_the_referral(world):
    case = drive_to(world, S.REFERRED)
    record = ConsentRecord.objects.get(
        case=case, scope=ConsentScope.LEGAL_AID_PROVIDER, withdrawn_at__isnull=True
    )
    with run_on_commit():
        s.consent_withdraw(consent=record, user=world.worker)
    case = fresh(case)
    assert case.state == S.UNDER_REVIEW
    referral = Referral.objects.get(case=case)
    assert referral.state == ReferralState.WITHDRAWN and referral.withdrawn_at
    assert referral.withdrawal_reason == "consent_withdrawn"
    (event,) = events(case, "withdraw_referral")
    assert event.actor_kind == "system" and event.payload["reason"] == "consent_withdrawn"
    assert event.payload["from"] == S.REFERRED and event.payload["to"] == S.UNDER_REVIEW
    worker_texts = [e.text for e in worker_timeline(case)]
    assert any("will not go to the legal-aid provider" in t for t in worker_texts)
    staff = [e.text for e in case_timeline(case, include_internal=True)]
    assert any("withdrew consent; the case is back with the union" in t for t in staff)
    # the coordinator no longer sees it
    from casework.permissions import Access, access

    assert access(world.coordinator, case) == Access.NONE


def test_withdrawing_while_awaiting_approval_withdraws_the_waiting_referral(world):
    case = drive_to(world, S.UNDER_REVIEW)
    referral_prepare(case, provider=world.centre, by=world.worker)
    waiting = s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    assert isinstance(waiting, Referral) and waiting.sent_at is None
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.LEGAL_AID_PROVIDER)
    s.consent_withdraw(consent=record, user=world.worker)
    waiting.refresh_from_db()
    assert waiting.state == ReferralState.WITHDRAWN
    assert fresh(case).state == S.UNDER_REVIEW
    assert len(events(case, "referral_withdrawn")) == 1
    with pytest.raises(GuardFailed):
        s.case_approve_referral(case=case, user=world.supervisor)


def test_withdrawing_after_acceptance_ends_representation_and_tells_lawyer_and_caseworker(world):
    case = drive_to(world, S.LEGAL_AID)
    record = ConsentRecord.objects.get(
        case=case, scope=ConsentScope.LEGAL_AID_PROVIDER, withdrawn_at__isnull=True
    )
    Notification.objects.all().delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        s.consent_withdraw(consent=record, user=world.worker)
    case = fresh(case)
    assert case.state == S.LEGAL_AID  # staff decide what comes next
    referral = Referral.objects.get(case=case, state=ReferralState.ACCEPTED)
    assert referral.representation_ended_at is not None
    (ended,) = events(case, "representation_ended")
    assert ended.worker_visible and ended.payload["lawyer"] == world.lawyer.pk
    told = set(
        Notification.objects.filter(case=case, verb="representation_ended").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {world.lawyer.pk, world.caseworker.pk}
    worker_texts = [e.text for e in worker_timeline(case)]
    assert any("no longer want the lawyer to act for you" in t for t in worker_texts)


# --- mediation that reveals the worker ---------------------------------------------------------


def test_mediation_that_reveals_the_worker_needs_disclosure(world):
    case = drive_to(world, S.UNDER_REVIEW)
    record = ConsentRecord.objects.get(case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE)
    s.consent_withdraw(consent=record, user=world.worker)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed) as refused:
        s.case_start_mediation(case=case, user=world.caseworker, reveals_identity=True)
    assert "disclose their identity" in str(refused.value.message)
    assert case_snapshot(case) == before
    # anonymous mediation may go on, but an agreement names the worker
    s.case_start_mediation(case=case, user=world.caseworker, reveals_identity=False)
    case = fresh(case)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed) as refused:
        s.case_record_agreement(case=case, user=world.caseworker, terms="支付欠薪", amount="100")
    assert "names the worker" in str(refused.value.message)
    assert case_snapshot(case) == before
