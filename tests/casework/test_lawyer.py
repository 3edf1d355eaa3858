"""The lawyer's workspace: my cases, proceedings whose dates drive the deadline rules, the
outcome that closes the case, and what the caseworker and the worker then see."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from casework import services as s
from casework.choices import CaseState, OutcomeCode, ProceedingsStage
from casework.errors import Conflict, GuardFailed, NotFound
from casework.models import Case, Proceeding
from casework.services.proceedings import proceeding_start, proceeding_update
from rights.deadline_models import CaseDeadline
from tests.factories import case_snapshot, drive_to, run_on_commit

S = CaseState
P = ProceedingsStage
AC = "常州市武进区劳动人事争议仲裁委员会"


def _deadlines(case) -> dict[str, tuple[date, date, bool]]:
    """rule code -> (runs from, last day, met)."""
    return {
        d.rule.code: (d.trigger_date, d.due_date, d.met_at is not None)
        for d in CaseDeadline.objects.filter(case=case).select_related("rule")
    }


@pytest.fixture
def at_arbitration(world):
    case = drive_to(world, S.LEGAL_AID)
    with run_on_commit():
        proceeding = proceeding_start(
            case=case,
            user=world.lawyer,
            stage=P.ARBITRATION,
            forum=AC,
            filed_on=date(2026, 10, 9),
            case_number="常武劳人仲案字〔2026〕第123号",
        )
    return Case.objects.get(pk=case.pk), proceeding


def test_filing_starts_the_commissions_acceptance_period(at_arbitration):
    case, proceeding = at_arbitration
    assert case.state == S.PROCEEDINGS and case.stage == P.ARBITRATION
    d = _deadlines(case)
    # LDMAL Art. 29: the commission decides within 5 days of receiving the application
    assert d["ARB_ACCEPT"] == (date(2026, 10, 9), date(2026, 10, 14), False)
    # Filing meets the limitation period (LDMAL Art. 27)
    assert d["ARB_LIMIT"][2] is True


def test_acceptance_starts_the_award_period_and_an_extension_adds_15_days(world, at_arbitration):
    case, proceeding = at_arbitration
    proceeding_update(
        case=case, user=world.lawyer, proceeding_id=proceeding.pk, accepted_on=date(2026, 10, 12)
    )
    d = _deadlines(case)
    # LDMAL Art. 43: the award within 45 days of acceptance (Thu 26 Nov 2026)
    assert d["ARB_AWARD"] == (date(2026, 10, 12), date(2026, 11, 26), False)
    assert d["ARB_SERVE"][:2] == (date(2026, 10, 12), date(2026, 10, 17 + 2))  # Sat → Mon 19 Oct
    assert d["ARB_ACCEPT"][2] is True  # accepted: the acceptance period is met
    proceeding_update(
        case=case, user=world.lawyer, proceeding_id=proceeding.pk, award_extended=True
    )
    # ... at most 15 more days when the chair extends it (Fri 11 Dec 2026)
    assert _deadlines(case)["ARB_AWARD"][1] == date(2026, 12, 11)


def test_the_award_received_starts_the_15_days_to_sue(world, at_arbitration):
    case, proceeding = at_arbitration
    proceeding_update(
        case=case,
        user=world.lawyer,
        proceeding_id=proceeding.pk,
        accepted_on=date(2026, 10, 12),
        decided_on=date(2026, 10, 30),
        served_on=date(2026, 11, 2),
        final_award=True,
        performance_due=date(2026, 11, 20),
    )
    d = _deadlines(case)
    assert d["ARB_AWARD"][2] is True  # the award was given
    # LDMAL Art. 48/50: 15 days from receiving the award to sue (Tue 17 Nov 2026)
    assert d["POST_AWARD_WORKER"][:2] == (date(2026, 11, 2), date(2026, 11, 17))
    # Art. 49: a final award, the employer's 30 days to apply to set it aside
    assert d["POST_AWARD_EMPLOYER_FINAL"][0] == date(2026, 11, 2)
    # CPL Art. 250: two years to apply for enforcement from the last day of performance
    assert d["ENFORCE"][0] == date(2026, 11, 20) and d["ENFORCE"][1].year == 2028


def test_a_judgment_served_starts_the_appeal_period(world, at_arbitration):
    case, proceeding = at_arbitration
    proceeding_update(
        case=case,
        user=world.lawyer,
        proceeding_id=proceeding.pk,
        accepted_on=date(2026, 10, 12),
        decided_on=date(2026, 10, 20),
        served_on=date(2026, 10, 21),
    )
    suit = proceeding_start(
        case=case,
        user=world.lawyer,
        stage=P.LITIGATION,
        forum="常州市武进区人民法院",
        filed_on=date(2026, 10, 30),
    )
    d = _deadlines(case)
    assert d["POST_AWARD_WORKER"][2] is True  # the suit was filed in time
    proceeding_update(
        case=case,
        user=world.lawyer,
        proceeding_id=suit.pk,
        decided_on=date(2026, 11, 2),
        served_on=date(2026, 11, 3),
    )
    # CPL Art. 171: 15 days to appeal a first-instance judgment (Wed 18 Nov 2026)
    assert _deadlines(case)["APPEAL"][:3] == (date(2026, 11, 3), date(2026, 11, 18), False)
    assert Case.objects.get(pk=case.pk).stage == P.LITIGATION


def test_bad_dates_are_refused_and_change_nothing(world, at_arbitration):
    case, proceeding = at_arbitration
    before = case_snapshot(case)
    for values in (
        {"accepted_on": date(2026, 10, 1)},  # before the filing
        {"served_on": date(2026, 11, 2)},  # received, but no award given
        {"decided_on": date(2026, 11, 3), "served_on": date(2026, 11, 2)},
        {"accepted_on": date(2099, 1, 1)},  # in the future
    ):
        with pytest.raises(GuardFailed):
            proceeding_update(case=case, user=world.lawyer, proceeding_id=proceeding.pk, **values)
    assert case_snapshot(case) == before
    assert Proceeding.objects.get(pk=proceeding.pk).accepted_on is None


def test_only_the_assigned_lawyer_records_proceedings(world, at_arbitration):
    case, proceeding = at_arbitration
    before = case_snapshot(case)
    with pytest.raises(NotFound):
        proceeding_update(
            case=case,
            user=world.other_lawyer,
            proceeding_id=proceeding.pk,
            accepted_on=date(2026, 10, 12),
        )
    with pytest.raises(NotFound):
        proceeding_start(
            case=case,
            user=world.other_lawyer,
            stage=P.LITIGATION,
            forum="x",
            filed_on=date(2026, 10, 20),
        )
    assert case_snapshot(case) == before


def test_a_stale_page_cannot_start_proceedings_twice(world, at_arbitration):
    case, _proceeding = at_arbitration
    with pytest.raises(Conflict):
        proceeding_start(
            case=case,
            user=world.lawyer,
            stage=P.ARBITRATION,
            forum=AC,
            filed_on=date(2026, 10, 9),
            expected_state=S.LEGAL_AID,
        )
    assert Proceeding.objects.filter(case=case).count() == 1


def test_my_cases_lists_the_lawyers_accepted_cases_with_the_next_deadline(
    client, world, at_arbitration
):
    case, _proceeding = at_arbitration
    other = drive_to(
        world,
        S.LEGAL_AID,
        provider=world.firm,
        coordinator=world.other_coordinator,
        lawyer=world.other_lawyer,
    )
    client.force_login(User.objects.get(pk=world.lawyer.pk))
    response = client.get(reverse("casework:lawyer_cases"))
    assert response.status_code == 200
    assert [r.case.reference for r in response.context["rows"]] == [case.reference]
    assert response.context["rows"][0].deadline.date == case.next_deadline
    assert other.reference not in response.content.decode()
    client.force_login(User.objects.get(pk=world.caseworker.pk))
    assert client.get(reverse("casework:lawyer_cases")).status_code == 404


def test_the_outcome_closes_the_case_and_everyone_sees_it(client, world, at_arbitration):
    case, proceeding = at_arbitration
    # The lawyer records the award through the page
    client.force_login(User.objects.get(pk=world.lawyer.pk))
    page = client.post(
        reverse("casework:proceeding_update", args=[case.reference, proceeding.pk]),
        {"accepted_on": "2026-10-12", "decided_on": "2026-11-10", "served_on": "2026-11-12"},
    )
    assert page.status_code == 303
    with run_on_commit():
        s.case_record_outcome(
            case=case,
            user=world.lawyer,
            outcome=OutcomeCode.AWARD_WON,
            amount_awarded="68000.00",
            amount_recovered="68000.00",
        )
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.amount_recovered == Decimal("68000.00")
    assert case.next_deadline is None  # a closed case has no deadline in the queue
    # The union caseworker keeps read access and sees the progress
    client.force_login(User.objects.get(pk=world.caseworker.pk))
    staff_page = client.get(reverse("casework:case_detail", args=[case.reference]))
    assert staff_page.status_code == 200
    assert "常武劳人仲案字〔2026〕第123号" in staff_page.content.decode()
    # The worker reads it in plain words: finished, won, and how much was recovered
    client.force_login(User.objects.get(pk=world.worker.pk))
    mine = client.get(reverse("casework:my_case", args=[case.reference]), HTTP_ACCEPT_LANGUAGE="en")
    body = mine.content.decode()
    assert "Finished" in body
    assert "Arbitration upheld all your claims" in body
    assert "¥68,000.00" in body


def test_the_case_pages_start_proceedings_form_records_the_proceeding(client, world):
    # given an accepted referral
    case = drive_to(world, S.LEGAL_AID)
    client.force_login(User.objects.get(pk=world.lawyer.pk))
    # when the lawyer uses the generic "Start proceedings" form of the case page
    with run_on_commit():
        response = client.post(
            reverse("casework:case_transition", args=[case.reference, "start_proceedings"]),
            {
                "expected_state": S.LEGAL_AID,
                "stage": P.ARBITRATION,
                "forum": AC,
                "filing_date": "2026-11-02",
            },
        )
    # then the stage is a proceeding like the panel's, and its filing date starts a period
    assert response.status_code == 303
    case.refresh_from_db()
    assert case.state == S.PROCEEDINGS
    proceeding = Proceeding.objects.get(case=case)
    assert (proceeding.stage, proceeding.forum, proceeding.filed_on) == (
        P.ARBITRATION,
        AC,
        date(2026, 11, 2),
    )
    assert _deadlines(case)["ARB_ACCEPT"][0] == date(2026, 11, 2)
