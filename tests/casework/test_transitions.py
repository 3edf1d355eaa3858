"""The state machine of DESIGN §2, transition by transition.

For every transition: allowed from each of its source states (by the person who takes it in real
life); refused with Conflict from every other state; refused with NotFound for people who cannot
see the case and with Forbidden for people who see it but may not act; guards enforced. After
every refusal the case, its audit trail, its notifications and its related rows are unchanged
(`case_snapshot`). Cases reach each state through the real services (`drive_to`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone, translation
from django_fsm import has_transition_perm

from accounts.models import Organisation, User
from casework import services as s
from casework.audit import audit_verify
from casework.choices import (
    CaseState,
    ConsentScope,
    DeclineReason,
    OutcomeCode,
    ProceedingsStage,
    ReferralState,
    RejectReason,
    ReopenReason,
    Route,
)
from casework.errors import Conflict, Forbidden, GuardFailed, NotFound
from casework.models import AuditEvent, Case, ConsentRecord, Message, Note, Notification, Referral
from casework.permissions import SYSTEM, Access, ReceiptHolder, access
from casework.services.grants import grant_case_access
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from tests.factories import (
    case_snapshot,
    drive_to,
    referral_packet_make,
    referral_prepare,
    run_on_commit,
)

S = CaseState
ALL_STATES = list(S.values)


def fresh(case: Case) -> Case:
    return Case.objects.select_related("owning_org").get(pk=case.pk)


def owner_of(case: Case):
    return case.filed_by or ReceiptHolder(case.pk)


def refused_with(exc_type, call, case, field: str | None = None):
    """Run `call`; expect `exc_type` (with `field` among its field errors), nothing scheduled on
    commit, and the case and everything around it unchanged."""
    before = case_snapshot(case)
    with TestCase.captureOnCommitCallbacks() as scheduled, pytest.raises(exc_type) as refused:
        call()
    assert scheduled == []
    if field is not None:
        assert field in refused.value.field_errors, refused.value.field_errors
    assert case_snapshot(case) == before
    return refused.value


# --- the transitions, each with valid arguments and the person who takes it --------------------


@dataclass(frozen=True)
class Move:
    name: str  # the transition, also the audit verb
    sources: tuple[str, ...]
    target: str
    run: Callable  # (world, case, user) -> the service call with valid arguments
    actor: Callable  # (world, case) -> the person who takes it in real life
    forbidden: Callable  # (world, case) -> people who see the case but may not take it
    prepare: Callable | None = None  # (world, case) -> None: what the move needs besides state
    verb: str | None = None
    extra_sources_note: str = field(default="", compare=False)

    @property
    def audit_verb(self) -> str:
        return self.verb or self.name


def _assignee(world, case):
    return case.assignee or world.caseworker


def _consent_and_packet(world, case):
    """The worker's consent to share with the centre and — where the documents service can make
    one (an assignee, an open case) — a ready referral packet."""
    s.consent_grant(
        case=case, user=owner_of(case), scope=ConsentScope.LEGAL_AID_PROVIDER, provider=world.centre
    )
    if case.assignee_id and case.is_open:
        referral_packet_make(fresh(case))


def _prepare_direct_referral(world, case):
    """Consent and packet for the centre, and an owning union that sends referrals directly."""
    Organisation.objects.filter(pk=case.owning_org_id).update(requires_referral_approval=False)
    _consent_and_packet(world, case)


def _prepare_approval(world, case):
    """Consent and packet, and — where the state allows it — the assignee's referral request
    waiting for a supervisor's approval."""
    _consent_and_packet(world, case)
    if case.state == S.UNDER_REVIEW:
        result = s.case_refer(case=fresh(case), user=case.assignee, provider_id=world.centre.pk)
        assert isinstance(result, Referral) and result.sent_at is None


def _prepare_acceptance(world, case):
    """A passed conflict check, where a referral is waiting for the centre's reply."""
    if case.state == S.REFERRED:
        s.case_referral_conflict_check(
            case=fresh(case), user=world.coordinator, conflict_found=False
        )


def _later_than_any_deadline():
    return timezone.localdate() + timedelta(days=60)


def _grant_outsider(world, case):
    """A caseworker of another union holding a direct grant: sees the case, is not its union."""
    with transaction.atomic():
        grant_case_access(case=case, user=world.other_caseworker)
    return [world.other_caseworker]


MOVES = {
    m.name: m
    for m in [
        Move(
            "submit",
            (S.DRAFT,),
            S.SUBMITTED,
            run=lambda w, c, u: s.case_submit(case=c, user=u),
            actor=lambda w, c: owner_of(c),
            forbidden=_grant_outsider,
        ),
        Move(
            "accept_for_review",
            (S.SUBMITTED,),
            S.UNDER_REVIEW,
            run=lambda w, c, u: s.case_accept_for_review(case=c, user=u),
            actor=lambda w, c: w.caseworker,
            forbidden=lambda w, c: [w.worker],
        ),
        Move(
            "reject",
            (S.SUBMITTED, S.UNDER_REVIEW),
            S.REJECTED,
            run=lambda w, c, u: s.case_reject(
                case=c, user=u, reason=RejectReason.OTHER_FORUM, route=Route.ARBITRATION
            ),
            actor=lambda w, c: w.caseworker,
            forbidden=lambda w, c: [w.worker],
        ),
        Move(
            "request_info",
            (S.UNDER_REVIEW,),
            S.AWAITING_WORKER,
            run=lambda w, c, u: s.case_request_info(case=c, user=u, question="请提供工资条。"),
            actor=_assignee,
            forbidden=lambda w, c: [w.worker, w.caseworker2],
        ),
        Move(
            "resume",
            (S.AWAITING_WORKER,),
            S.UNDER_REVIEW,
            run=lambda w, c, u: s.case_resume(case=c, user=u, answer="工资条已上传。"),
            actor=lambda w, c: owner_of(c),
            # Resuming is the worker's answer or the assignee's call: not a supervisor's.
            forbidden=lambda w, c: [w.caseworker2, w.district_supervisor, w.supervisor],
        ),
        Move(
            "start_mediation",
            (S.UNDER_REVIEW,),
            S.MEDIATION,
            run=lambda w, c, u: s.case_start_mediation(case=c, user=u),
            actor=_assignee,
            forbidden=lambda w, c: [w.worker, w.caseworker2],
        ),
        Move(
            "mediation_failed",
            (S.MEDIATION,),
            S.UNDER_REVIEW,
            run=lambda w, c, u: s.case_mediation_failed(case=c, user=u, note="用人单位拒绝调解。"),
            actor=_assignee,
            forbidden=lambda w, c: [w.worker, w.caseworker2],
        ),
        Move(
            "record_agreement",
            (S.MEDIATION,),
            S.CLOSED,
            run=lambda w, c, u: s.case_record_agreement(
                case=c, user=u, terms="公司于十日内支付欠薪一万元。", amount="10000"
            ),
            actor=_assignee,
            forbidden=lambda w, c: [w.worker, w.caseworker2],
        ),
        Move(
            "refer_to_legal_aid",
            (S.UNDER_REVIEW,),
            S.REFERRED,
            run=lambda w, c, u: s.case_refer(case=c, user=u, provider_id=w.centre.pk),
            actor=_assignee,
            forbidden=lambda w, c: [w.worker, w.caseworker2],
            prepare=_prepare_direct_referral,
        ),
        Move(
            "approve_referral",
            (S.UNDER_REVIEW,),
            S.REFERRED,
            run=lambda w, c, u: s.case_approve_referral(case=c, user=u),
            actor=lambda w, c: w.supervisor,
            # The assignee who asked cannot approve their own referral (four eyes).
            forbidden=lambda w, c: [w.worker, w.caseworker, w.caseworker2],
            prepare=_prepare_approval,
            verb="refer_to_legal_aid",
        ),
        Move(
            "accept_referral",
            (S.REFERRED,),
            S.LEGAL_AID,
            run=lambda w, c, u: s.case_accept_referral(case=c, user=u, lawyer_id=w.lawyer.pk),
            actor=lambda w, c: w.coordinator,
            forbidden=lambda w, c: [w.worker, w.caseworker, w.caseworker2, w.district_supervisor],
            prepare=_prepare_acceptance,
        ),
        Move(
            "decline_referral",
            (S.REFERRED,),
            S.UNDER_REVIEW,
            run=lambda w, c, u: s.case_decline_referral(
                case=c, user=u, reason=DeclineReason.CAPACITY
            ),
            actor=lambda w, c: w.coordinator,
            forbidden=lambda w, c: [w.worker, w.caseworker, w.caseworker2, w.district_supervisor],
        ),
        Move(
            "expire_referral",
            (S.REFERRED,),
            S.UNDER_REVIEW,
            run=lambda w, c, u: s.case_expire_referral(case=c, today=_later_than_any_deadline()),
            actor=lambda w, c: SYSTEM,
            forbidden=lambda w, c: [],  # the sweep's service takes no user: see its own test
        ),
        Move(
            "start_proceedings",
            (S.LEGAL_AID,),
            S.PROCEEDINGS,
            run=lambda w, c, u: s.case_start_proceedings(
                case=c,
                user=u,
                stage=ProceedingsStage.ARBITRATION,
                forum="常州市劳动人事争议仲裁委员会",
                filing_date=timezone.localdate(),
            ),
            actor=lambda w, c: w.lawyer,
            forbidden=lambda w, c: [w.worker, w.caseworker, w.district_supervisor],
        ),
        Move(
            "record_outcome",
            (S.LEGAL_AID, S.PROCEEDINGS, S.UNDER_REVIEW),
            S.CLOSED,
            run=lambda w, c, u: s.case_record_outcome(
                case=c,
                user=u,
                outcome=OutcomeCode.AWARD_WON,
                amount_awarded="20000.00",
                amount_recovered="15000",
            ),
            actor=lambda w, c: (
                w.lawyer if c.state in (S.LEGAL_AID, S.PROCEEDINGS) else _assignee(w, c)
            ),
            forbidden=lambda w, c: (
                [w.worker, w.caseworker, w.district_supervisor]
                if c.state in (S.LEGAL_AID, S.PROCEEDINGS)
                else [w.worker, w.caseworker2]
            ),
        ),
        Move(
            "withdraw",
            tuple(S.open()),
            S.WITHDRAWN,
            run=lambda w, c, u: s.case_withdraw(
                case=c, user=u, worker_request_note="工人于今日来电要求撤回。"
            ),
            actor=lambda w, c: owner_of(c),
            forbidden=lambda w, c: (
                [w.caseworker2] + ([w.coordinator] if c.state == S.REFERRED else [])
            ),
        ),
        Move(
            "reopen",
            (S.CLOSED,),
            S.UNDER_REVIEW,
            run=lambda w, c, u: s.case_reopen(case=c, user=u, reason=ReopenReason.NON_PERFORMANCE),
            actor=lambda w, c: w.district_supervisor,
            forbidden=lambda w, c: [w.worker, w.caseworker, w.caseworker2],
        ),
    ]
}

ALLOWED = [(name, state) for name, m in MOVES.items() for state in m.sources]
WRONG_STATE = [
    (name, state) for name, m in MOVES.items() for state in ALL_STATES if state not in m.sources
]
WITH_USER = [(name, state) for name, state in ALLOWED if name != "expire_referral"]


def _id(pair):
    return f"{pair[0]}-from-{pair[1]}"


def staged(world, name: str, state: str) -> Case:
    """A case in `state`, with whatever else the move needs, read fresh."""
    case = drive_to(world, state)
    move = MOVES[name]
    if move.prepare is not None:
        move.prepare(world, case)
    return fresh(case)


def test_the_matrix_covers_every_transition_and_every_state():
    assert {m.target for m in MOVES.values()} | {
        s for m in MOVES.values() for s in m.sources
    } == set(ALL_STATES)
    assert len(ALLOWED) + len(WRONG_STATE) == len(MOVES) * len(ALL_STATES)
    declared: dict[str, set[str]] = {}
    for t in Case._meta.get_field("state").get_all_transitions(Case):
        declared.setdefault(t.name, set()).add(t.source)
    # Run by the system when the worker withdraws the provider consent: tests/casework/test_consent.py.
    assert declared.pop("withdraw_referral") == {S.REFERRED}
    assert set(declared) == {m.audit_verb for m in MOVES.values()}
    for move in MOVES.values():  # the table agrees with the model's declared sources
        assert declared[move.audit_verb] == set(move.sources), move.name


# --- allowed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "state"), ALLOWED, ids=map(_id, ALLOWED))
def test_transition_is_allowed_from_its_source_state(world, name, state):
    move = MOVES[name]
    case = staged(world, name, state)
    actor = move.actor(world, case)
    before = case_snapshot(case)

    with run_on_commit() as scheduled:
        move.run(world, case, actor)

    # One notification task, run once the transaction commits; referring also renders the
    # referral packet generated on sending. (The task's own on-commit work, such as forgetting
    # the recipients' cached unread counts, is not a task.)
    tasks = [c for c in scheduled if getattr(getattr(c, "func", None), "__name__", "") == "enqueue"]
    assert len(tasks) == (2 if name == "refer_to_legal_aid" else 1)
    after = fresh(case)
    assert after.state == move.target
    assert after.version == before["case"]["version"] + 1
    event = AuditEvent.objects.filter(case=case, verb=move.audit_verb).order_by("-id").first()
    assert event is not None and event.id > before["audit_last"]["id"]
    assert event.payload["from"] == state and event.payload["to"] == move.target
    assert (
        AuditEvent.objects.filter(
            case=case, id__gt=before["audit_last"]["id"], verb=move.audit_verb
        ).count()
        == 1
    )
    assert audit_verify()[1] is None
    told = Notification.objects.filter(recipient=world.worker, audit_event_id=event.pk).count()
    # The worker hears, once, of every step taken by someone else, and not of their own.
    assert told == (0 if actor == world.worker else 1)
    assert not Notification.objects.filter(
        audit_event_id=event.pk, recipient_id=event.actor_id
    ).exists()


@pytest.mark.parametrize(("name", "state"), ALLOWED, ids=map(_id, ALLOWED))
def test_repeating_a_transition_is_refused_and_changes_nothing(world, name, state):
    move = MOVES[name]
    case = staged(world, name, state)
    actor = move.actor(world, case)
    with run_on_commit():
        move.run(world, case, actor)

    refused_with((Conflict, NotFound), lambda: move.run(world, fresh(case), actor), case)


# --- refused from every other state -----------------------------------------------------------


@pytest.mark.parametrize(("name", "state"), WRONG_STATE, ids=map(_id, WRONG_STATE))
def test_transition_is_refused_from_every_other_state(world, name, state):
    move = MOVES[name]
    case = staged(world, name, state)
    # The person who would take it — or, where they cannot see the case in this state, the city
    # supervisor, who sees every union case: the refusal must come from the state alone.
    actor = move.actor(world, case)
    if actor is not SYSTEM and access(actor, case) == Access.NONE:
        actor = world.supervisor

    refused = refused_with(Conflict, lambda: move.run(world, case, actor), case)

    assert refused.status == 409
    assert refused.case.state == state


def test_conflict_says_what_the_case_is_now(world):
    # Given a caseworker who opened the case while it was awaiting acceptance
    case = drive_to(world, S.SUBMITTED)
    seen = fresh(case)
    # and a colleague who accepted it meanwhile
    s.case_accept_for_review(case=case, user=world.caseworker2)
    # When the first caseworker rejects what they saw
    with translation.override("en"):
        refused = refused_with(
            Conflict,
            lambda: s.case_reject(
                case=seen,
                user=world.caseworker,
                reason=RejectReason.DUPLICATE,
                route=Route.ARBITRATION,
                expected_state=S.SUBMITTED,
            ),
            case,
        )
        message = str(refused.message)
    # Then they are told the case changed and what it is now (and nothing changed)
    assert "Under review" in message and "Reload" in message
    assert refused.status == 409


@pytest.mark.parametrize(("name", "state"), WITH_USER, ids=map(_id, WITH_USER))
def test_stale_expected_state_is_a_conflict(world, name, state):
    move = MOVES[name]
    case = staged(world, name, state)
    actor = move.actor(world, case)
    other = next(x for x in ALL_STATES if x != state)
    runner = _with_expected_state(name, other)

    refused_with(Conflict, lambda: runner(world, case, actor), case)


def _with_expected_state(name: str, expected: str):
    """The move's service called with expected_state= (what the user's page showed)."""
    calls = {
        "submit": lambda w, c, u: s.case_submit(case=c, user=u, expected_state=expected),
        "accept_for_review": lambda w, c, u: s.case_accept_for_review(
            case=c, user=u, expected_state=expected
        ),
        "reject": lambda w, c, u: s.case_reject(
            case=c,
            user=u,
            reason=RejectReason.OTHER_FORUM,
            route=Route.ARBITRATION,
            expected_state=expected,
        ),
        "request_info": lambda w, c, u: s.case_request_info(
            case=c, user=u, question="?", expected_state=expected
        ),
        "resume": lambda w, c, u: s.case_resume(
            case=c, user=u, answer="好", expected_state=expected
        ),
        "start_mediation": lambda w, c, u: s.case_start_mediation(
            case=c, user=u, expected_state=expected
        ),
        "mediation_failed": lambda w, c, u: s.case_mediation_failed(
            case=c, user=u, note="n", expected_state=expected
        ),
        "record_agreement": lambda w, c, u: s.case_record_agreement(
            case=c, user=u, terms="t", expected_state=expected
        ),
        "refer_to_legal_aid": lambda w, c, u: s.case_refer(
            case=c, user=u, provider_id=w.centre.pk, expected_state=expected
        ),
        "approve_referral": lambda w, c, u: s.case_approve_referral(
            case=c, user=u, expected_state=expected
        ),
        "accept_referral": lambda w, c, u: s.case_accept_referral(
            case=c, user=u, lawyer_id=w.lawyer.pk, expected_state=expected
        ),
        "decline_referral": lambda w, c, u: s.case_decline_referral(
            case=c, user=u, reason=DeclineReason.CAPACITY, expected_state=expected
        ),
        "start_proceedings": lambda w, c, u: s.case_start_proceedings(
            case=c,
            user=u,
            stage=ProceedingsStage.ARBITRATION,
            forum="仲裁委",
            filing_date=timezone.localdate(),
            expected_state=expected,
        ),
        "record_outcome": lambda w, c, u: s.case_record_outcome(
            case=c, user=u, outcome=OutcomeCode.SETTLED, expected_state=expected
        ),
        "withdraw": lambda w, c, u: s.case_withdraw(
            case=c, user=u, worker_request_note="来电", expected_state=expected
        ),
        "reopen": lambda w, c, u: s.case_reopen(
            case=c, user=u, reason=ReopenReason.NEW_FACTS, expected_state=expected
        ),
    }
    return calls[name]


# --- refused without the permission ------------------------------------------------------------


def _non_viewers(world, extra_users, state: str, other_case: Case) -> list:
    people = [
        world.other_worker,
        world.other_caseworker,
        world.other_supervisor,
        world.analyst,
        world.other_coordinator,
        world.other_lawyer,
        extra_users.superuser,
        extra_users.inactive_caseworker,
        extra_users.enterprise_caseworker,
        extra_users.centre_lawyer2,
        ReceiptHolder(other_case.pk),
        AnonymousUser(),
    ]
    if state != S.REFERRED:  # a coordinator sees a summary only while a referral waits for them
        people.append(world.coordinator)
    if state not in (S.LEGAL_AID, S.PROCEEDINGS):  # a lawyer sees nothing before acceptance
        people.append(world.lawyer)
    return people


@pytest.mark.parametrize(("name", "state"), WITH_USER, ids=map(_id, WITH_USER))
def test_people_who_cannot_see_the_case_get_not_found(world, extra_users, name, state):
    move = MOVES[name]
    other_case = drive_to(world, S.SUBMITTED, anonymous=True)
    case = staged(world, name, state)

    for person in _non_viewers(world, extra_users, state, other_case):
        assert access(person, case) == Access.NONE, person
        refused = refused_with(
            NotFound, lambda person=person: move.run(world, fresh(case), person), case
        )
        assert refused.status == 404


@pytest.mark.parametrize(("name", "state"), WITH_USER, ids=map(_id, WITH_USER))
def test_people_who_see_the_case_but_may_not_act_get_forbidden(world, name, state):
    move = MOVES[name]
    case = staged(world, name, state)
    people = move.forbidden(world, case)
    assert people, "every transition taken by a person has someone who sees the case but may not"
    case = fresh(case)

    for person in people:
        assert access(person, case) != Access.NONE, person
        refused = refused_with(
            Forbidden, lambda person=person: move.run(world, fresh(case), person), case
        )
        assert refused.status == 403


def test_only_the_daily_sweep_may_expire_a_referral(world, extra_users):
    # Given a referral waiting for the centre's reply
    case = drive_to(world, S.REFERRED)
    people = [
        world.worker,
        world.caseworker,
        world.caseworker2,
        world.district_supervisor,
        world.supervisor,
        world.coordinator,
        world.lawyer,
        world.analyst,
        extra_users.superuser,
        ReceiptHolder(case.pk),
    ]
    # Then no person holds the expire permission; the sweep does
    for person in people:
        assert not has_transition_perm(fresh(case).expire_referral, person), person
    assert has_transition_perm(fresh(case).expire_referral, SYSTEM)


# --- guards ----------------------------------------------------------------------------------


def _break_consent(world, case):
    consent = ConsentRecord.objects.get(case=case, scope=ConsentScope.UNION_HANDLING)
    s.consent_withdraw(consent=consent, user=world.worker)


@pytest.mark.parametrize(
    ("breaker", "field"),
    [
        (_break_consent, "consent_union_handling"),
        (lambda w, c: c.categories.clear(), "category_codes"),
        (lambda w, c: Case.objects.filter(pk=c.pk).update(primary_employer=None), "employer_name"),
        (lambda w, c: Case.objects.filter(pk=c.pk).update(facts="   "), "facts"),
    ],
    ids=["no-consent", "no-category", "no-employer", "no-facts"],
)
def test_submit_needs_category_employer_facts_and_consent(world, breaker, field):
    case = drive_to(world, S.DRAFT)
    breaker(world, case)
    case = fresh(case)

    refused_with(GuardFailed, lambda: s.case_submit(case=case, user=world.worker), case, field)
    refused_with(GuardFailed, lambda: s.case_submit(case=case, user=world.caseworker), case, field)


def test_an_anonymous_worker_submits_their_draft_with_the_receipt(world):
    case = drive_to(world, S.DRAFT, anonymous=True)
    s.case_submit(case=case, user=ReceiptHolder(case.pk))
    assert fresh(case).state == S.SUBMITTED


@pytest.mark.parametrize("question", ["", "   ", None, "问" * 20_001])
def test_request_info_needs_a_question(world, question):
    case = drive_to(world, S.UNDER_REVIEW)
    refused_with(
        GuardFailed,
        lambda: s.case_request_info(case=case, user=world.caseworker, question=question),
        case,
        "question",
    )


def test_request_info_puts_the_question_in_the_workers_thread(world):
    case = drive_to(world, S.UNDER_REVIEW)
    s.case_request_info(case=case, user=world.caseworker, question="请提供劳动合同。")
    message = Message.objects.get(case=case)
    assert (
        message.is_question
        and message.body == "请提供劳动合同。"
        and message.author == world.caseworker
    )


def test_the_worker_must_write_an_answer_to_resume(world):
    case = drive_to(world, S.AWAITING_WORKER)
    refused_with(
        GuardFailed,
        lambda: s.case_resume(case=case, user=world.worker, answer="  "),
        case,
        "answer",
    )


def test_the_assignee_may_resume_without_an_answer(world):
    case = drive_to(world, S.AWAITING_WORKER)
    s.case_resume(case=case, user=world.caseworker)
    assert fresh(case).state == S.UNDER_REVIEW
    assert not Message.objects.filter(case=case, from_worker=True).exists()


def test_mediation_revealing_identity_needs_the_disclosure_consent(world):
    # Given a case whose worker withdrew consent to disclose their identity to the employer
    case = drive_to(world, S.UNDER_REVIEW)
    consent = ConsentRecord.objects.get(case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE)
    s.consent_withdraw(consent=consent, user=world.worker)
    # Then mediation that reveals them is refused, and changes nothing
    refused_with(
        GuardFailed,
        lambda: s.case_start_mediation(case=case, user=world.caseworker),
        case,
        "reveals_identity",
    )
    # but mediation that keeps them anonymous may start
    s.case_start_mediation(case=case, user=world.caseworker, reveals_identity=False)
    assert fresh(case).state == S.MEDIATION


def test_mediation_failed_needs_a_note_and_keeps_it_internal(world):
    case = drive_to(world, S.MEDIATION)
    refused_with(
        GuardFailed,
        lambda: s.case_mediation_failed(case=case, user=world.caseworker, note=""),
        case,
        "note",
    )
    s.case_mediation_failed(case=case, user=world.caseworker, note="单位不同意。")
    assert Note.objects.filter(case=case, body="单位不同意。").exists()
    assert not Message.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"terms": ""}, "terms"),
        ({"terms": "支付", "amount": "-1"}, "amount"),
        ({"terms": "支付", "amount": "一万"}, "amount"),
        ({"terms": "支付", "amount": "10.001"}, "amount"),
        ({"terms": "支付", "amount": "NaN"}, "amount"),
    ],
)
def test_record_agreement_needs_terms_and_a_sane_amount(world, kwargs, field):
    case = drive_to(world, S.MEDIATION)
    refused_with(
        GuardFailed,
        lambda: s.case_record_agreement(case=case, user=world.caseworker, **kwargs),
        case,
        field,
    )


def test_record_agreement_closes_with_the_mediation_outcome(world):
    case = drive_to(world, S.MEDIATION)
    s.case_record_agreement(case=case, user=world.caseworker, terms="支付一万元", amount="10000")
    case = fresh(case)
    assert (
        case.outcome == OutcomeCode.MEDIATION_AGREEMENT and str(case.amount_awarded) == "10000.00"
    )
    assert case.closed_at is not None


@pytest.mark.parametrize(
    ("reason", "route", "field"),
    [
        ("", Route.ARBITRATION, "reason"),
        ("because", Route.ARBITRATION, "reason"),
        (RejectReason.DUPLICATE, "", "route"),
    ],
)
def test_reject_needs_a_reason_code_and_where_to_go(world, reason, route, field):
    case = drive_to(world, S.SUBMITTED)
    refused_with(
        GuardFailed,
        lambda: s.case_reject(case=case, user=world.caseworker, reason=reason, route=route),
        case,
        field,
    )


# refer_to_legal_aid ------------------------------------------------------------------------------


def _under_review_for_direct_referral(world):
    case = drive_to(world, S.UNDER_REVIEW)
    Organisation.objects.filter(pk=world.wujin.pk).update(requires_referral_approval=False)
    return fresh(case)


def test_refer_needs_consent_to_share_with_that_provider(world):
    # Given a packet, and consent to share with the law firm only
    case = _under_review_for_direct_referral(world)
    referral_prepare(case, provider=world.firm, by=world.worker)
    # Then referring to the centre is refused
    refused_with(
        GuardFailed,
        lambda: s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk),
        case,
        "provider",
    )


def test_refer_needs_consent_in_force(world):
    case = _under_review_for_direct_referral(world)
    referral_prepare(case, provider=world.centre, by=world.worker)
    consent = ConsentRecord.objects.get(case=case, scope=ConsentScope.LEGAL_AID_PROVIDER)
    s.consent_withdraw(consent=consent, user=world.worker)
    refused_with(
        GuardFailed,
        lambda: s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk),
        case,
        "provider",
    )


@pytest.mark.parametrize(
    "packet", [None, DocumentStatus.QUEUED, DocumentStatus.FAILED, "other_kind"]
)
def test_refer_needs_a_ready_referral_packet(world, packet):
    # The packet is generated on sending (issue 5): whatever packet the case had before, the
    # referral requests a new version as the referring user, with this moment's snapshot.
    case = _under_review_for_direct_referral(world)
    s.consent_grant(
        case=case, user=world.worker, scope=ConsentScope.LEGAL_AID_PROVIDER, provider=world.centre
    )
    if packet == "other_kind":
        GeneratedDocument.objects.create(
            case=case,
            kind=DocumentKind.COMPLAINT_RECEIPT,
            version=1,
            status=DocumentStatus.READY,
            sha256="1" * 64,
        )
    elif packet is not None:
        GeneratedDocument.objects.create(
            case=case, kind=DocumentKind.REFERRAL_PACKET, version=1, status=packet
        )
    before = GeneratedDocument.objects.filter(case=case, kind=DocumentKind.REFERRAL_PACKET)
    versions = set(before.values_list("version", flat=True))
    s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    new = GeneratedDocument.objects.filter(case=case, kind=DocumentKind.REFERRAL_PACKET).exclude(
        version__in=versions
    )
    assert [(d.version, d.requested_by_id) for d in new] == [
        (max(versions, default=0) + 1, world.caseworker.pk)
    ]
    assert fresh(case).state == S.REFERRED


@pytest.mark.parametrize("provider", ["union", "missing", "none"])
def test_refer_needs_a_legal_aid_provider(world, provider):
    case = _under_review_for_direct_referral(world)
    referral_prepare(case, provider=world.centre, by=world.worker)
    provider_id = {"union": world.xinbei.pk, "missing": 987654, "none": None}[provider]
    refused_with(
        GuardFailed,
        lambda: s.case_refer(case=case, user=world.caseworker, provider_id=provider_id),
        case,
        "provider",
    )


def test_refer_directly_when_the_union_needs_no_approval(world):
    case = _under_review_for_direct_referral(world)
    referral_prepare(case, provider=world.centre, by=world.worker)

    s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)

    case = fresh(case)
    referral = Referral.objects.get(case=case)
    assert case.state == S.REFERRED
    assert referral.state == ReferralState.PENDING and referral.sent_at is not None
    assert referral.approved_by is None
    assert referral.response_due == timezone.localdate() + timedelta(
        days=world.centre.referral_response_days
    )
    assert access(world.coordinator, case) == Access.SUMMARY


def test_refer_waits_for_a_supervisors_approval_where_the_union_requires_it(world):
    # Given a union that wants referrals approved, and a ready case
    case = drive_to(world, S.UNDER_REVIEW)
    assert case.owning_org.requires_referral_approval
    referral_prepare(case, provider=world.centre, by=world.worker)
    # When the assignee refers
    result = s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    # Then the referral waits, unsent; the case stays under review; the provider sees nothing
    assert isinstance(result, Referral) and result.sent_at is None
    case = fresh(case)
    assert case.state == S.UNDER_REVIEW
    assert AuditEvent.objects.filter(case=case).last().verb == "referral_requested"
    assert access(world.coordinator, case) == Access.NONE
    # and the assignee cannot approve their own referral
    refused_with(Forbidden, lambda: s.case_approve_referral(case=case, user=world.caseworker), case)
    # When a supervisor approves it
    s.case_approve_referral(case=case, user=world.district_supervisor)
    # Then it is sent
    case = fresh(case)
    referral = Referral.objects.get(case=case)
    assert case.state == S.REFERRED
    assert referral.sent_at is not None and referral.approved_by == world.district_supervisor
    assert AuditEvent.objects.filter(case=case).last().payload["approved"] is True
    assert access(world.coordinator, case) == Access.SUMMARY


def test_refer_with_a_packet_rendered_by_weasyprint(world):
    # Given a case whose referral packet the documents service renders for real
    case = _under_review_for_direct_referral(world)
    s.consent_grant(
        case=case, user=world.worker, scope=ConsentScope.LEGAL_AID_PROVIDER, provider=world.centre
    )
    packet = referral_packet_make(case, world.caseworker, real_pdf=True)
    assert packet.size > 1000 and len(packet.sha256) == 64
    # When the assignee refers
    s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    # Then the case is referred, and the chain holds the packet's render and the referral
    assert fresh(case).state == S.REFERRED
    verbs = list(AuditEvent.objects.filter(case=case).values_list("verb", flat=True))
    # (the packet is generated again on sending, and the conflict check runs automatically)
    assert verbs.index("document_requested") < verbs.index("document_rendered")
    assert verbs.count("document_requested") == 2
    assert verbs.index("conflict_checked") < verbs.index("refer_to_legal_aid")


def test_a_supervisor_who_refers_needs_no_second_approval(world):
    case = drive_to(world, S.UNDER_REVIEW)
    referral_prepare(case, provider=world.centre, by=world.worker)
    s.case_refer(case=case, user=world.district_supervisor, provider_id=world.centre.pk)
    assert fresh(case).state == S.REFERRED


def test_approval_without_a_waiting_referral_is_refused(world):
    case = drive_to(world, S.UNDER_REVIEW)
    refused_with(
        GuardFailed, lambda: s.case_approve_referral(case=case, user=world.supervisor), case
    )


def test_approval_checks_the_guard_again(world):
    # Given a referral waiting for approval, after which the worker withdrew their consent
    case = drive_to(world, S.UNDER_REVIEW)
    referral_prepare(case, provider=world.centre, by=world.worker)
    s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    # (its record marked withdrawn directly: the service would also withdraw the waiting
    # referral, tests/casework/test_consent.py; the guard is checked again all the same)
    ConsentRecord.objects.filter(case=case, scope=ConsentScope.LEGAL_AID_PROVIDER).update(
        withdrawn_at=timezone.now()
    )
    # Then the supervisor cannot send it
    refused_with(
        GuardFailed,
        lambda: s.case_approve_referral(case=case, user=world.supervisor),
        case,
        "provider",
    )


def test_a_second_referral_while_one_is_live_is_refused(world):
    case = drive_to(world, S.UNDER_REVIEW)
    referral_prepare(case, provider=world.centre, by=world.worker)
    s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    refused_with(
        GuardFailed,
        lambda: s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk),
        case,
    )


# accept / decline / expire -----------------------------------------------------------------------


def test_accept_referral_needs_a_conflict_check(world):
    case = drive_to(world, S.REFERRED)
    # (as if the automatic check at sending had not run)
    Referral.objects.filter(case=case).update(conflict_checked_at=None, conflict_found=None)
    refused_with(
        GuardFailed,
        lambda: s.case_accept_referral(
            case=case, user=world.coordinator, lawyer_id=world.lawyer.pk
        ),
        case,
        "conflict",
    )


def test_accept_referral_is_refused_when_the_check_found_a_conflict(world):
    case = drive_to(world, S.REFERRED)
    s.case_referral_conflict_check(case=case, user=world.coordinator, conflict_found=True)
    refused_with(
        GuardFailed,
        lambda: s.case_accept_referral(
            case=case, user=world.coordinator, lawyer_id=world.lawyer.pk
        ),
        case,
        "conflict",
    )


@pytest.mark.parametrize(
    "who", ["other_lawyer", "coordinator", "caseworker", "missing", "inactive"]
)
def test_accept_referral_needs_an_active_lawyer_of_this_provider(world, extra_users, who):
    case = drive_to(world, S.REFERRED)
    s.case_referral_conflict_check(case=case, user=world.coordinator, conflict_found=False)
    if who == "inactive":
        User.objects.filter(pk=extra_users.centre_lawyer2.pk).update(is_active=False)
        lawyer_id = extra_users.centre_lawyer2.pk
    else:
        lawyer_id = {
            "other_lawyer": world.other_lawyer.pk,
            "coordinator": world.coordinator.pk,
            "caseworker": world.caseworker.pk,
            "missing": 987654,
        }[who]
    refused_with(
        GuardFailed,
        lambda: s.case_accept_referral(case=case, user=world.coordinator, lawyer_id=lawyer_id),
        case,
        "lawyer",
    )


def test_accepting_gives_the_lawyer_the_full_file_and_the_coordinator_nothing_more(
    world, extra_users
):
    case = drive_to(world, S.REFERRED)
    assert access(world.lawyer, case) == Access.NONE
    s.case_referral_conflict_check(case=case, user=world.coordinator, conflict_found=False)
    s.case_accept_referral(case=case, user=world.coordinator, lawyer_id=world.lawyer.pk)
    case = fresh(case)
    assert case.state == S.LEGAL_AID
    assert Referral.objects.get(case=case).state == ReferralState.ACCEPTED
    assert access(world.lawyer, case) == Access.FULL
    assert access(extra_users.centre_lawyer2, case) == Access.NONE
    assert access(world.coordinator, case) == Access.NONE


@pytest.mark.parametrize("reason", ["", "busy"])
def test_decline_needs_a_reason_code(world, reason):
    case = drive_to(world, S.REFERRED)
    refused_with(
        GuardFailed,
        lambda: s.case_decline_referral(case=case, user=world.coordinator, reason=reason),
        case,
        "reason",
    )


def test_declining_returns_the_case_to_the_union_queue(world):
    case = drive_to(world, S.REFERRED)
    s.case_decline_referral(
        case=case, user=world.coordinator, reason=DeclineReason.CONFLICT, note="曾代理对方"
    )
    case = fresh(case)
    referral = Referral.objects.get(case=case)
    assert case.state == S.UNDER_REVIEW and referral.state == ReferralState.DECLINED
    assert referral.decline_reason == DeclineReason.CONFLICT
    assert access(world.coordinator, case) == Access.NONE


def test_expire_referral_before_the_deadline_is_refused(world):
    case = drive_to(world, S.REFERRED)
    due = Referral.objects.get(case=case).response_due
    for today in (timezone.localdate(), due - timedelta(days=1), due):
        refused_with(
            GuardFailed, lambda today=today: s.case_expire_referral(case=case, today=today), case
        )


def test_expire_referral_the_day_after_the_deadline(world):
    case = drive_to(world, S.REFERRED)
    referral = Referral.objects.get(case=case)
    s.case_expire_referral(case=case, today=referral.response_due + timedelta(days=1))
    referral.refresh_from_db()
    assert fresh(case).state == S.UNDER_REVIEW and referral.state == ReferralState.EXPIRED
    event = AuditEvent.objects.filter(case=case).last()
    assert (
        event.verb == "expire_referral" and event.actor_kind == "system" and event.actor_id is None
    )


# proceedings and outcome ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"filing_date": "tomorrow"}, "filing_date"),
        ({"filing_date": None}, "filing_date"),
        ({"stage": "appeal"}, "stage"),
        ({"forum": "  "}, "forum"),
    ],
)
def test_start_proceedings_needs_a_stage_a_forum_and_a_past_filing_date(world, kwargs, field):
    case = drive_to(world, S.LEGAL_AID)
    args = {
        "stage": ProceedingsStage.ARBITRATION,
        "forum": "常州市劳动人事争议仲裁委员会",
        "filing_date": timezone.localdate(),
    }
    args.update(kwargs)
    if args["filing_date"] == "tomorrow":
        args["filing_date"] = timezone.localdate() + timedelta(days=1)
    refused_with(
        GuardFailed,
        lambda: s.case_start_proceedings(case=case, user=world.lawyer, **args),
        case,
        field,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "won"}, "outcome"),
        ({"outcome": ""}, "outcome"),
        ({"outcome": OutcomeCode.AWARD_WON, "amount_awarded": "-5"}, "amount_awarded"),
        ({"outcome": OutcomeCode.AWARD_WON, "amount_awarded": "abc"}, "amount_awarded"),
        ({"outcome": OutcomeCode.AWARD_WON, "amount_recovered": "1e20"}, "amount_recovered"),
        ({"outcome": OutcomeCode.AWARD_WON, "amount_recovered": "NaN"}, "amount_recovered"),
        ({"outcome": OutcomeCode.AWARD_WON, "amount_recovered": "Infinity"}, "amount_recovered"),
    ],
)
def test_record_outcome_needs_an_outcome_code_and_sane_amounts(world, kwargs, field):
    case = drive_to(world, S.PROCEEDINGS)
    refused_with(
        GuardFailed,
        lambda: s.case_record_outcome(case=case, user=world.lawyer, **kwargs),
        case,
        field,
    )


def test_staff_withdraw_only_on_the_workers_recorded_request(world):
    case = drive_to(world, S.UNDER_REVIEW)
    refused_with(
        GuardFailed,
        lambda: s.case_withdraw(case=case, user=world.caseworker),
        case,
        "worker_request_note",
    )
    s.case_withdraw(case=case, user=world.caseworker, worker_request_note="工人当面要求撤回。")
    assert fresh(case).state == S.WITHDRAWN
    assert Note.objects.filter(case=case, body="工人当面要求撤回。").exists()
    assert AuditEvent.objects.filter(case=case).last().payload["by_worker"] is False


def test_withdrawing_a_referred_case_withdraws_its_referral(world):
    case = drive_to(world, S.REFERRED)
    s.case_withdraw(case=case, user=world.worker)
    assert Referral.objects.get(case=case).state == ReferralState.WITHDRAWN
    assert access(world.coordinator, fresh(case)) == Access.NONE


@pytest.mark.parametrize("reason", ["", "changed my mind"])
def test_reopen_needs_a_reason_code(world, reason):
    case = drive_to(world, S.CLOSED)
    refused_with(
        GuardFailed,
        lambda: s.case_reopen(case=case, user=world.district_supervisor, reason=reason),
        case,
        "reason",
    )


def test_reopening_clears_the_outcome(world):
    case = drive_to(world, S.CLOSED)
    s.case_reopen(
        case=case, user=world.supervisor, reason=ReopenReason.RETALIATION, note="复工后被调岗。"
    )
    case = fresh(case)
    assert case.state == S.UNDER_REVIEW and case.outcome == "" and case.closed_at is None


# --- the state field itself ----------------------------------------------------------------


def test_the_state_cannot_be_assigned_directly(world):
    case = drive_to(world, S.SUBMITTED)
    with pytest.raises(AttributeError):
        case.state = S.CLOSED
    assert fresh(case).state == S.SUBMITTED


def test_the_database_refuses_an_unknown_state(world):
    case = drive_to(world, S.SUBMITTED)
    before = case_snapshot(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(state="archived")
    assert case_snapshot(case) == before


def test_the_snapshot_sees_a_change(world):
    # The helper every refusal test relies on must be able to fail.
    case = drive_to(world, S.SUBMITTED)
    before = case_snapshot(case)
    with run_on_commit():
        s.case_accept_for_review(case=case, user=world.caseworker)
    after = case_snapshot(case)
    changed = {key for key in before if before[key] != after[key]}
    assert {
        "case",
        "audit_count",
        "audit_last",
        "audit_total",
        "notifications",
        "grants",
    } <= changed
