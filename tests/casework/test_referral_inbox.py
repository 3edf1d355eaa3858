"""The provider's inbox and what a coordinator can reach before accepting; decline and expiry
returning the case to the union; the provider list of a case.

Identity markers are planted in every identity field of every worker of the case; before
acceptance none reaches a coordinator through any page, download or response; after acceptance
the assigned lawyer sees them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from casework import services as s
from casework.choices import CaseState, DeclineReason, ReferralState
from casework.errors import GuardFailed
from casework.models import AuditEvent, Case, Notification, Referral, Worker
from casework.selectors.referrals import providers_for_case
from casework.selectors.staff import case_timeline
from documents.models import GeneratedDocument
from documents.services import evidence_upload
from rights.models import Category
from tests.factories import case_snapshot, drive_to, referral_prepare, run_on_commit
from tests.security.test_case_urls import _urls

S = CaseState
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MARKERS = {
    "name": "MK7QNAMEX",
    "id_number": "MK7QID123456",
    "phone": "1MK7QPHONE9",
    "address": "MK7QADDRESS常州市武进区某路1号",
    "occupation": "MK7QOCCUPATION",
}


def _plant(case) -> None:
    """Every identity field of every worker of the case carries a marker."""
    for worker in Worker.objects.filter(parties__case=case).distinct():
        for field, value in MARKERS.items():
            setattr(worker, field, value)
        worker.id_number_digest = Worker.digest_for(worker.id_number)
        worker.save()


@pytest.fixture
def marked_referral(world):
    case = drive_to(world, S.UNDER_REVIEW, co_claimant_names=["李四"])
    _plant(case)
    referral_prepare(case, provider=world.centre, by=world.worker)
    evidence_upload(
        case=case,
        user=world.caseworker,
        files=[SimpleUploadedFile("MK7Q-paystub.pdf", PDF, "application/pdf")],
    )
    with run_on_commit():
        s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    with run_on_commit():
        s.case_approve_referral(case=case, user=world.supervisor)
    return Case.objects.get(pk=case.pk)


def _no_marker(body: str, url: str) -> None:
    leaked = [v for v in [*MARKERS.values(), "MK7Q"] if v in body]
    assert not leaked, (url, leaked)


def test_nothing_of_the_workers_identity_reaches_the_coordinator(client, world, marked_referral):
    case = marked_referral
    client.force_login(User.objects.get(pk=world.coordinator.pk))
    document = GeneratedDocument.objects.filter(case=case).first()
    urls = [
        reverse("casework:referral_inbox"),
        reverse("casework:queue"),
        *_urls(case, document),
        *[
            reverse("documents:download", args=[d.pk])
            for d in GeneratedDocument.objects.filter(case=case)
        ],
        *[reverse("documents:evidence_download", args=[e.pk]) for e in case.evidence.all()],
    ]
    seen = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404, 405), (url, response.status_code)
        _no_marker(response.content.decode(errors="replace"), url)
        seen += response.status_code == 200
    # The inbox, the queue and the summary were reached, and they carry the claims and employer
    assert seen >= 3
    summary = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert (
        "¥18,600.00" in summary and "常州恒远碳纤维材料有限公司" in summary and "武进区" in summary
    )
    inbox = client.get(reverse("casework:referral_inbox"))
    assert [r.case.reference for r in inbox.context["inbox"].object_list] == [case.reference]
    # Running the conflict check answers with a redirect and no identity either
    run = client.post(reverse("casework:referral_conflict_run", args=[case.reference]))
    assert run.status_code == 303
    _no_marker(client.get(run["Location"]).content.decode(), run["Location"])


def test_after_acceptance_the_assigned_lawyer_sees_the_identity(client, world, marked_referral):
    case = marked_referral
    with run_on_commit():
        s.case_accept_referral(case=case, user=world.coordinator, lawyer_id=world.lawyer.pk)
    client.force_login(User.objects.get(pk=world.lawyer.pk))
    body = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert MARKERS["name"] in body and MARKERS["phone"] in body
    # and the coordinator no longer reaches the case at all
    client.force_login(User.objects.get(pk=world.coordinator.pk))
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404


def test_the_inbox_is_for_coordinators_only(client, world):
    for user in (world.caseworker, world.lawyer, world.worker):
        client.force_login(User.objects.get(pk=user.pk))
        assert client.get(reverse("casework:referral_inbox")).status_code == 404


@pytest.mark.parametrize("who", ["other_coordinator", "other_lawyer"])
def test_another_provider_gets_404_on_every_route_of_the_case(client, world, who):
    case = drive_to(world, S.PROCEEDINGS)
    proceeding = case.proceedings.first()
    client.force_login(User.objects.get(pk=getattr(world, who).pk))
    before = case_snapshot(case)
    urls = [*_urls(case, GeneratedDocument.objects.filter(case=case).first())]
    if proceeding is not None:
        urls.append(reverse("casework:proceeding_update", args=[case.reference, proceeding.pk]))
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, {"note": "x", "forum": "x", "stage": "arbitration"}
            )
            assert response.status_code in (404, 405), (who, method, url, response.status_code)
    assert case_snapshot(case) == before


# --- decline and expiry --------------------------------------------------------------------------


def test_decline_returns_the_case_with_the_reason_in_its_timeline(world):
    case = drive_to(world, S.REFERRED)
    with run_on_commit():
        s.case_decline_referral(
            case=case, user=world.coordinator, reason=DeclineReason.CAPACITY, note="本月已满负荷"
        )
    case.refresh_from_db()
    assert case.state == S.UNDER_REVIEW
    assert Referral.objects.get(case=case).state == ReferralState.DECLINED
    texts = [e.text for e in case_timeline(case, include_internal=True)]
    assert any(
        "no capacity" in t or "无力承办" in t or str(DeclineReason.CAPACITY.label) in t
        for t in texts
    )


def test_expiry_runs_once_even_when_the_sweep_runs_twice(world):
    case = drive_to(world, S.REFERRED)
    referral = Referral.objects.get(case=case)
    due = referral.response_due
    # Not yet: on the last day to answer nothing expires
    assert s.referrals_expire_due(due) == 0
    assert Case.objects.get(pk=case.pk).state == S.REFERRED
    with run_on_commit():
        first = s.referrals_expire_due(due + timedelta(days=1))
    second = s.referrals_expire_due(due + timedelta(days=1))
    assert (first, second) == (1, 0)
    case.refresh_from_db()
    assert case.state == S.UNDER_REVIEW
    assert Referral.objects.get(case=case).state == ReferralState.EXPIRED
    assert AuditEvent.objects.filter(case=case, verb="expire_referral").count() == 1
    texts = [e.text for e in case_timeline(case, include_internal=True)]
    assert any("expired" in t or "超过答复期限" in t for t in texts)
    # The notice: the assignee is told the case is back in the queue
    assert (
        Notification.objects.filter(
            recipient=world.caseworker, case=case, verb="expire_referral"
        ).count()
        == 1
    )


def test_the_expire_referrals_command_calls_the_same_service(world):
    case = drive_to(world, S.REFERRED)
    due = Referral.objects.get(case=case).response_due
    call_command("expire_referrals", "--today", (due + timedelta(days=1)).isoformat())
    call_command("expire_referrals", "--today", (due + timedelta(days=1)).isoformat())
    assert AuditEvent.objects.filter(case=case, verb="expire_referral").count() == 1


def test_the_response_deadline_is_the_providers(world):
    world.centre.referral_response_days = 3
    world.centre.save()
    case = drive_to(world, S.REFERRED)
    referral = Referral.objects.get(case=case)
    assert referral.response_due == timezone.localdate(referral.sent_at) + timedelta(days=3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_expiry_runs_once_when_two_sweeps_run_at_once(world):
    from tests.casework.test_concurrency import race

    case = drive_to(world, S.REFERRED)
    day = Referral.objects.get(case=case).response_due + timedelta(days=1)
    outcomes = race(lambda: s.referrals_expire_due(day), lambda: s.referrals_expire_due(day))
    assert sorted(o[1] for o in outcomes) == [0, 1], outcomes
    assert AuditEvent.objects.filter(case=case, verb="expire_referral").count() == 1


# --- choosing a provider ---------------------------------------------------------------------------


def test_the_provider_list_follows_districts_and_matter_types(world):
    case = drive_to(world, S.UNDER_REVIEW)  # WAGE.ARREARS, employer in 武进区
    world.firm.service_districts = "新北区，天宁区"
    world.firm.save()
    injury = Category.objects.get(code="INJURY.BENEFITS")
    wage = Category.objects.get(code="WAGE.ARREARS")
    world.centre.matter_types.set([wage])
    station_ids = {p.pk for p in providers_for_case(case)}
    assert world.centre.pk in station_ids and world.firm.pk not in station_ids
    world.centre.matter_types.set([injury])
    assert world.centre.pk not in {p.pk for p in providers_for_case(case)}


def test_referring_to_a_provider_that_does_not_take_the_case_is_refused(world):
    case = drive_to(world, S.UNDER_REVIEW)
    world.firm.service_districts = "新北区"
    world.firm.save()
    referral_prepare(case, provider=world.firm, by=world.worker)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed) as refused:
        s.case_refer(case=case, user=world.caseworker, provider_id=world.firm.pk)
    assert "provider" in refused.value.field_errors
    assert case_snapshot(case) == before


def test_a_supervisor_returns_a_waiting_referral_for_changes(client, world):
    case = drive_to(world, S.UNDER_REVIEW)
    referral_prepare(case, provider=world.centre, by=world.worker)
    waiting = s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    assert isinstance(waiting, Referral) and waiting.sent_at is None
    # The caseworker cannot return it: four eyes
    before = case_snapshot(case)
    client.force_login(User.objects.get(pk=world.caseworker.pk))
    url = reverse("casework:referral_return", args=[case.reference])
    assert client.post(url, {"note": "x"}).status_code == 403
    assert case_snapshot(case) == before
    # The supervisor returns it with what should change
    client.force_login(User.objects.get(pk=world.supervisor.pk))
    assert client.post(url, {"note": "请补充工资条。"}).status_code == 303
    waiting.refresh_from_db()
    assert waiting.state == ReferralState.WITHDRAWN
    assert Case.objects.get(pk=case.pk).state == S.UNDER_REVIEW
    assert AuditEvent.objects.filter(case=case, verb="referral_returned").count() == 1
    # and the caseworker may refer again
    again = s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    assert again.pk != waiting.pk and again.state == ReferralState.PENDING
