"""Random walks through the case workflow (security.md §7 B7): a Hypothesis
RuleBasedStateMachine in which random people take random actions on a grievance.

Staff actions go through the real HTTP endpoints (POST /cases/<ref>/transitions/<name>/ and the
referral approval), sometimes with a stale expected state; the worker's through the services;
the preparations a referral needs (consent, packet, conflict check) through the services too.
Anyone may try anything: a worker POSTing a staff transition, another union's caseworker, a
lawyer before acceptance. After every step the invariants hold:

- no request answers 5xx;
- the state is one of the graph's, and every transition the audit trail records is an edge of
  the graph declared on the model;
- every state change has exactly one new transition audit row, naming the person who acted and
  the states it went from and to, and a step that changed no state wrote none;
- nobody ever gets the case outside their permitted set: for every person, `access()` and the
  list queries (`visible_cases` at each level) agree with a model computed here from what the
  walk did (which union owns the case, whether a lawyer was ever accepted, whether it waits for
  the centre), and the case page answers 404 to everyone that model says may not see it.

Bounded and deterministic: derandomize=True, a fixed number of walks and steps.
"""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Organisation, User
from casework import services as s
from casework.choices import (
    CaseState,
    ConsentScope,
    DeclineReason,
    OutcomeCode,
    ProceedingsStage,
    RejectReason,
    ReopenReason,
    Route,
)
from casework.errors import Conflict, Forbidden, GuardFailed, NotFound
from casework.models import AuditEvent, Case
from casework.permissions import Access, access, visible_cases
from tests.factories import IntakeDataFactory, referral_packet_make, run_on_commit

S = CaseState
TRANSITIONS = list(Case._meta.get_field("state").get_all_transitions(Case))
EDGES = {(t.source, t.target) for t in TRANSITIONS}
VERBS = {t.name for t in TRANSITIONS}
DOMAIN_ERRORS = (Conflict, Forbidden, GuardFailed, NotFound)

# Who acts: the filer, everyone around the Wujin union, its supervisors, the legal-aid centre,
# and people of other unions and providers who must never see the case.
PEOPLE = [
    "worker",
    "other_worker",
    "caseworker",
    "caseworker2",
    "other_caseworker",
    "district_supervisor",
    "supervisor",
    "other_supervisor",
    "coordinator",
    "lawyer",
    "other_coordinator",
    "other_lawyer",
    "analyst",
]
STAFF_MOVES = [
    "accept_for_review",
    "reject",
    "request_info",
    "resume",
    "start_mediation",
    "mediation_failed",
    "record_agreement",
    "refer_to_legal_aid",
    "approve_referral",
    "accept_referral",
    "decline_referral",
    "start_proceedings",
    "record_outcome",
    "withdraw",
    "reopen",
]


FORWARD_FIRST = [
    "accept_for_review",
    "approve_referral",
    "accept_referral",
    "start_proceedings",
    "record_outcome",
    "reopen",
    "refer_to_legal_aid",
    "start_mediation",
    "request_info",
    "resume",
    "mediation_failed",
    "record_agreement",
    "decline_referral",
]
RIGHT_PERSON = {
    "approve_referral": "supervisor",
    "accept_referral": "coordinator",
    "decline_referral": "coordinator",
    "start_proceedings": "lawyer",
    "reopen": "district_supervisor",
}


def _post_data(name: str, world) -> dict:
    return {
        "reject": {"reason": RejectReason.OTHER_FORUM, "route": Route.ARBITRATION},
        "request_info": {"question": "请提供工资条。"},
        "resume": {"answer": "已上传。"},
        "mediation_failed": {"note": "用人单位拒绝调解。"},
        "record_agreement": {"terms": "十日内支付欠薪。", "amount": "10000"},
        "refer_to_legal_aid": {"provider": str(world.centre.pk)},
        "accept_referral": {"lawyer": str(world.lawyer.pk)},
        "decline_referral": {"reason": DeclineReason.CAPACITY},
        "start_proceedings": {
            "stage": ProceedingsStage.ARBITRATION,
            "forum": "常州市劳动人事争议仲裁委员会",
            "filing_date": date(2026, 9, 1).isoformat(),
        },
        "record_outcome": {
            "outcome": OutcomeCode.AWARD_WON,
            "amount_awarded": "20000.00",
            "amount_recovered": "15000",
        },
        "withdraw": {"worker_request_note": "工人来电要求撤回。"},
        "reopen": {"reason": ReopenReason.NON_PERFORMANCE},
    }.get(name, {})


def _expected_access(name: str, state: str, lawyer_accepted: bool) -> Access:
    """Who sees a Wujin case filed by `worker`, from DESIGN §3 and the walk's facts alone."""
    if name in ("caseworker", "caseworker2", "district_supervisor", "supervisor"):
        return Access.FULL
    if name == "lawyer":
        return Access.FULL if lawyer_accepted else Access.NONE
    if name == "coordinator":
        return Access.SUMMARY if state == S.REFERRED else Access.NONE
    if name == "worker":
        return Access.WORKER
    return Access.NONE


def make_machine(world, clients: dict):
    people = {name: User.objects.get(username=name) for name in PEOPLE}

    class CaseWalk(RuleBasedStateMachine):
        @initialize()
        def file(self):
            self.case, _ = s.case_file(data=IntakeDataFactory(), filed_by=world.worker)
            self.lawyer_accepted = False
            self._seen = self._transition_rows()

        @precondition(lambda self: self.fresh().state in (S.REJECTED, S.WITHDRAWN))
        @rule()
        def file_another(self):
            """Once a grievance has ended for good, the walk goes on with a new one."""
            self.file()

        # --- helpers ------------------------------------------------------------------------

        def fresh(self) -> Case:
            return Case.objects.select_related("owning_org").get(pk=self.case.pk)

        def _transition_rows(self) -> list[dict]:
            return list(
                AuditEvent.objects.filter(case_id=self.case.pk, verb__in=VERBS)
                .order_by("id")
                .values("id", "verb", "actor_id", "payload")
            )

        def _after(self, before: str, actor_id: int | None):
            """Check the step's audit rows against the state change it made."""
            rows = self._transition_rows()
            new = rows[len(self._seen) :]
            assert rows[: len(self._seen)] == self._seen  # nothing rewritten
            after = self.fresh().state
            if after == before:
                assert new == [], new
            else:
                assert len(new) == 1, new
                (row,) = new
                assert (row["payload"]["from"], row["payload"]["to"]) == (before, after)
                assert row["actor_id"] == actor_id
                if after == S.LEGAL_AID:
                    self.lawyer_accepted = True
            self._seen = rows

        # --- rules ---------------------------------------------------------------------------

        def staff_posts(self, name, who, stale, stale_state):
            """`who` POSTs the staff endpoint of move `name`, with the case's state or a stale
            one as the expected state."""
            case = self.fresh()
            expected_state = stale_state if stale else case.state
            if name == "approve_referral":
                url = reverse("casework:case_approve_referral", args=[case.reference])
            else:
                url = reverse("casework:case_transition", args=[case.reference, name])
            with run_on_commit():
                response = clients[who].post(
                    url, {"expected_state": expected_state, **_post_data(name, world)}
                )
            assert response.status_code < 500, (name, who, response.status_code)
            if _expected_access(who, case.state, self.lawyer_accepted) == Access.NONE:
                # Nobody outside the permitted set learns the case exists.
                assert response.status_code == 404, (name, who, response.status_code)
            self._after(case.state, getattr(world, who).pk)

        @rule(data=st.data())
        def someone_posts(self, data):
            """Three times in four, a move the graph allows from the current state (ending the
            case aside) by the person who takes it in real life, so that walks get deep; else
            any move by anyone, with the current or a random expected state."""
            state = self.fresh().state
            if data.draw(st.integers(0, 3), label="anyone") == 3:
                self.staff_posts(
                    name=data.draw(st.sampled_from(STAFF_MOVES), label="move"),
                    who=data.draw(st.sampled_from(PEOPLE), label="who"),
                    stale=data.draw(st.booleans(), label="stale"),
                    stale_state=data.draw(st.sampled_from(S.values), label="expected"),
                )
                return
            allowed = {t.name for t in TRANSITIONS if t.source == state} | (
                {"approve_referral"} if state == S.UNDER_REVIEW else set()
            )
            # Forward moves first: Hypothesis's simplest draws walk the long way through.
            possible = [m for m in FORWARD_FIRST if m in allowed]
            if not possible:
                return
            name = data.draw(st.sampled_from(possible), label="move")
            # What the person would see to first, as in real life.
            if name in ("refer_to_legal_aid", "approve_referral"):
                self.prepare(step="consent")
                self.prepare(step="packet")
            if name == "refer_to_legal_aid" and data.draw(st.booleans(), label="direct"):
                self.prepare(step="direct")
            if name == "approve_referral":
                self.staff_posts(
                    name="refer_to_legal_aid", who="caseworker", stale=False, stale_state=state
                )
            if name == "accept_referral":
                self.prepare(step="conflict_check")
            who = RIGHT_PERSON.get(name, "caseworker")
            if name == "record_outcome" and state in (S.LEGAL_AID, S.PROCEEDINGS):
                who = "lawyer"
            self.staff_posts(name=name, who=who, stale=False, stale_state=state)

        @rule(name=st.sampled_from(["resume", "resume", "resume", "withdraw"]))
        def worker_acts(self, name):
            case = self.fresh()
            before = case.state  # the services change the instance they are given
            service = {
                "resume": lambda: s.case_resume(case=case, user=world.worker, answer="已上传。"),
                "withdraw": lambda: s.case_withdraw(
                    case=case, user=world.worker, worker_request_note=""
                ),
            }[name]
            try:
                with run_on_commit():
                    service()
            except DOMAIN_ERRORS:
                pass
            self._after(before, world.worker.pk)

        @rule(step=st.sampled_from(["consent", "packet", "direct", "conflict_check"]))
        def prepare(self, step):
            """What a referral needs besides the state; refused where the state does not fit."""
            case = self.fresh()
            before = case.state
            try:
                with run_on_commit():
                    if step == "consent":
                        s.consent_grant(
                            case=case,
                            user=world.worker,
                            scope=ConsentScope.LEGAL_AID_PROVIDER,
                            provider=world.centre,
                        )
                    elif step == "packet" and case.assignee_id and case.is_open:
                        referral_packet_make(case)
                    elif step == "direct":
                        Organisation.objects.filter(pk=case.owning_org_id).update(
                            requires_referral_approval=False
                        )
                    elif step == "conflict_check" and case.state == S.REFERRED:
                        s.case_referral_conflict_check(
                            case=case, user=world.coordinator, conflict_found=False
                        )
            except DOMAIN_ERRORS:
                pass
            self._after(before, None)

        @rule(who=st.sampled_from(PEOPLE))
        def look(self, who):
            case = self.fresh()
            expected = _expected_access(who, case.state, self.lawyer_accepted)
            staff_page = clients[who].get(reverse("casework:case_detail", args=[case.reference]))
            worker_page = clients[who].get(reverse("casework:my_case", args=[case.reference]))
            assert staff_page.status_code < 500 and worker_page.status_code < 500
            assert staff_page.status_code == (200 if expected == Access.FULL else 404), (
                who,
                case.state,
                staff_page.status_code,
            )
            if expected != Access.WORKER:
                assert worker_page.status_code == 404, (who, worker_page.status_code)

        # --- invariants ---------------------------------------------------------------------

        @invariant()
        def state_is_in_the_graph(self):
            if not hasattr(self, "case"):
                return
            assert self.fresh().state in S.values
            for row in self._transition_rows():
                assert (row["payload"]["from"], row["payload"]["to"]) in EDGES, row

        @invariant()
        def everyone_gets_exactly_their_permitted_set(self):
            if not hasattr(self, "case"):
                return
            case = self.fresh()
            for name, person in people.items():
                expected = _expected_access(name, case.state, self.lawyer_accepted)
                assert access(person, case) == expected, (name, case.state)
                for level in (Access.FULL, Access.SUMMARY, Access.WORKER):
                    listed = visible_cases(person, access=level).filter(pk=case.pk).exists()
                    assert listed == (level == expected), (name, level, case.state)

    return CaseWalk


@pytest.fixture
def clients(world):
    """One signed-in browser per person (their second factor proved)."""
    out = {}
    for name in PEOPLE:
        client = Client()
        client.force_login(User.objects.get(username=name))
        out[name] = client
    return out


def test_random_walks_keep_the_workflow_invariants(world, clients):
    reached: set[str] = set()

    class Recording(make_machine(world, clients)):
        @invariant()
        def record(self):
            if hasattr(self, "case"):
                reached.add(self.fresh().state)

    run_state_machine_as_test(
        Recording,
        settings=settings(
            max_examples=3,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The invariants are only worth something if the walks get past the first steps: they
    # reached the centre, the lawyer's proceedings and a closed case.
    assert {S.SUBMITTED, S.UNDER_REVIEW} <= reached, reached
    assert {S.REFERRED, S.LEGAL_AID, S.PROCEEDINGS, S.CLOSED} <= reached, reached
