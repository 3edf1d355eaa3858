"""The automatic conflict check (利益冲突审查) against the provider's own past and current cases:
by credit code, by party name, by the worker's ID number digest; nothing when there is nothing;
only the provider's own cases count; a match blocks acceptance until cleared with a reason."""

import pytest

from casework import services as s
from casework.choices import CaseState, ReferralState
from casework.demo.codes import credit_code
from casework.errors import GuardFailed, NotFound
from casework.models import AuditEvent, Referral
from casework.services.referrals import referral_conflict_clear
from tests.factories import case_snapshot, drive_to

S = CaseState
OTHER_CODE = credit_code("320411", "MA2ABC7X")  # a valid code (GB 32100-2015) of another firm


def _referral(case) -> Referral:
    return Referral.objects.get(case=case, state=ReferralState.PENDING)


def _matches(case) -> set[tuple[str, str]]:
    return {(m["reference"], m["match"]) for m in _referral(case).conflict_matches}


@pytest.fixture
def represented(world):
    """A case the legal-aid centre accepted: 王小明 against 常州恒远碳纤维材料有限公司."""
    return drive_to(world, S.LEGAL_AID, worker_name="王小明")


def test_a_match_by_credit_code(world, represented):
    # Given a new referral against the same employer, under another name, by another worker
    case = drive_to(
        world, S.REFERRED, worker_name="赵六", employer_name="恒远新材料（常州）有限公司"
    )
    # Then the check run at sending found the centre's own case by the credit code (the intake
    # may file both under one employer record, which then matches by name as well)
    assert (represented.reference, "credit_code") in _matches(case)
    assert {ref for ref, _kind in _matches(case)} == {represented.reference}
    referral = _referral(case)
    assert referral.conflict_found is True and referral.conflict_checked_at is not None


def test_a_match_by_party_name(world, represented):
    # Given a new referral by a worker with the same name as the centre's client, against a
    # different employer with a different credit code
    case = drive_to(
        world,
        S.REFERRED,
        worker_name="王小明",
        employer_name="常州某某机械有限公司",
        credit_code=OTHER_CODE,
    )
    assert _matches(case) == {(represented.reference, "name")}


def test_a_match_by_the_employer_name_without_a_credit_code(world, represented):
    case = drive_to(world, S.REFERRED, worker_name="赵六", credit_code=OTHER_CODE)
    assert _matches(case) == {(represented.reference, "name")}


def test_no_match_when_no_party_is_shared(world, represented):
    case = drive_to(
        world,
        S.REFERRED,
        worker_name="赵六",
        employer_name="常州某某机械有限公司",
        credit_code=OTHER_CODE,
    )
    referral = _referral(case)
    assert referral.conflict_matches == [] and referral.conflict_found is False
    assert referral.conflict_passed


def test_only_the_providers_own_cases_count(world):
    # Given a case the law firm represents, and a referral of the same parties to the centre
    other = drive_to(
        world,
        S.LEGAL_AID,
        provider=world.firm,
        coordinator=world.other_coordinator,
        lawyer=world.other_lawyer,
    )
    case = drive_to(world, S.REFERRED)
    # Then the centre's check knows nothing of the firm's case
    assert _referral(case).conflict_matches == []
    assert other.reference not in str(_referral(case).conflict_matches)


def test_a_match_blocks_acceptance_until_cleared_with_a_reason(world, represented):
    case = drive_to(world, S.REFERRED, worker_name="赵六")
    assert _referral(case).conflict_found is True
    before = case_snapshot(case)
    with pytest.raises(GuardFailed):
        s.case_accept_referral(case=case, user=world.coordinator, lawyer_id=world.lawyer.pk)
    with pytest.raises(GuardFailed):
        referral_conflict_clear(case=case, user=world.coordinator, note="  ")
    assert case_snapshot(case) == before
    # Another provider's coordinator cannot clear it: the case does not exist for them
    with pytest.raises(NotFound):
        referral_conflict_clear(case=case, user=world.other_coordinator, note="x")
    assert case_snapshot(case) == before

    referral_conflict_clear(
        case=case, user=world.coordinator, note="同一用人单位的其他职工，立场一致，不构成利益冲突。"
    )
    s.case_accept_referral(case=case, user=world.coordinator, lawyer_id=world.lawyer.pk)
    case.refresh_from_db()
    assert case.state == S.LEGAL_AID
    assert AuditEvent.objects.filter(case=case, verb="conflict_cleared").count() == 1


def test_the_coordinator_runs_it_again_and_it_sees_new_cases(world):
    case = drive_to(world, S.REFERRED, worker_name="赵六")
    assert _referral(case).conflict_found is False
    # A case with the same employer is accepted meanwhile
    later = drive_to(world, S.LEGAL_AID, worker_name="钱七")
    s.case_referral_conflict_check(case=case, user=world.coordinator)
    assert _matches(case) == {(later.reference, "credit_code"), (later.reference, "name")}
    # Saying "no conflict" over matches needs a reason
    with pytest.raises(GuardFailed):
        s.case_referral_conflict_check(case=case, user=world.coordinator, conflict_found=False)
    assert _referral(case).conflict_cleared_at is None
