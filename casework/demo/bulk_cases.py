"""Bench cases and everything that hangs off them (`seed_bench`, see bulk.py).

Each case gets a planned history — a path through the state machine with a moment for each
step — and then the rows those steps would have written: the case, categories, parties, claims,
consents, referrals, notes, messages, guardian grants and the audit events, with the verbs,
actors and payloads of casework.services.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from casework.choices import (
    CaseState,
    Channel,
    Confidentiality,
    ConsentMethod,
    ConsentScope,
    OutcomeCode,
    PartyRole,
    ProceedingsStage,
    ReferralState,
    RejectReason,
    Route,
)
from casework.models import (
    AuditEvent,
    Case,
    CaseParty,
    CaseUserObjectPermission,
    Claim,
    ConsentRecord,
    Message,
    Note,
    ReferenceCounter,
    Referral,
    Worker,
)
from casework.services.grants import case_permissions
from casework.services.intake import RECEIPT_ALPHABET, receipt_digest
from documents.models import Evidence, EvidenceSource
from rights.deadlines import arbitration_limitation_date
from rights.models import Category

from .bulk_evidence import EvidenceFiles
from .bulk_people import Staff, person_name
from .bulk_rows import Batch, Chain, Ids, Rec, Table, event_table, insert_objects, write_events

ISSUES = {
    "WAGE": ("拖欠工资", "拖欠工资"),
    "CONTRACT": ("未与职工签订书面劳动合同", "二倍工资差额"),
    "TERM": ("单方解除劳动合同且未支付经济补偿", "经济补偿"),
    "SI": ("未为职工足额缴纳社会保险费", "补缴社会保险费"),
    "INJURY": ("对职工工伤待遇不予支付", "工伤保险待遇"),
    "HOURS": ("安排职工长期超时加班", "加班工资"),
    "LEAVE": ("不安排带薪年休假", "未休年休假工资"),
    "REL": ("否认与职工存在劳动关系", "确认劳动关系"),
    "SAFETY": ("作业场所安全防护不到位", "劳动保护"),
    "SKILL": ("未兑现技能等级对应待遇", "技能津贴"),
    "UNION": ("因职工参加工会活动将其辞退", "违法解除赔偿金"),
    "COLLECTIVE": ("不履行集体合同约定", "集体合同待遇"),
    "OTHER": ("侵害职工合法权益", "其他"),
}
CHANNELS = [
    (Channel.WEB, 55),
    (Channel.WALK_IN, 20),
    (Channel.PHONE, 10),
    (Channel.HOTLINE_12351, 10),
    (Channel.INJURY_CENTRE, 3),
    (Channel.API, 2),
]
S = CaseState
# State mix by the age of the case (days since filing). Most grievances end early — settled
# after the union's call to the employer, rejected, withdrawn — and few go all the way to a
# lawyer and proceedings: about 4.5 audit events per history, plus the evidence upload.
STATE_MIX = [
    (
        30,
        [
            (S.DRAFT, 2),
            (S.SUBMITTED, 33),
            (S.UNDER_REVIEW, 30),
            (S.AWAITING_WORKER, 10),
            (S.MEDIATION, 8),
            (S.REFERRED, 7),
            (S.REJECTED, 5),
            (S.WITHDRAWN, 5),
        ],
    ),
    (
        180,
        [
            (S.SUBMITTED, 3),
            (S.UNDER_REVIEW, 20),
            (S.AWAITING_WORKER, 5),
            (S.MEDIATION, 10),
            (S.LEGAL_AID, 4),
            (S.PROCEEDINGS, 5),
            (S.CLOSED, 33),
            (S.REJECTED, 10),
            (S.WITHDRAWN, 10),
        ],
    ),
    (
        10_000,
        [
            (S.UNDER_REVIEW, 1),
            (S.LEGAL_AID, 2),
            (S.PROCEEDINGS, 3),
            (S.CLOSED, 52),
            (S.REJECTED, 21),
            (S.WITHDRAWN, 21),
        ],
    ),
]
# Which way each end state was reached: a list of (path, weight).
PATHS = {
    S.DRAFT: [("draft", 1)],
    S.SUBMITTED: [("file", 1)],
    S.UNDER_REVIEW: [("file accept", 6), ("file accept note", 3), ("file accept ask answer", 1)],
    S.AWAITING_WORKER: [("file accept ask", 1)],
    S.MEDIATION: [("file accept mediate", 1)],
    S.REFERRED: [("file accept refer", 1)],
    S.LEGAL_AID: [("file accept refer check take", 1)],
    S.PROCEEDINGS: [("file accept refer check take proceed", 1)],
    S.CLOSED: [
        ("file accept settle", 6),
        ("file accept mediate agree", 3),
        ("file accept refer check take proceed outcome", 1),
    ],
    S.REJECTED: [("file reject", 8), ("file accept reject", 2)],
    S.WITHDRAWN: [("file withdraw", 8), ("file accept withdraw", 2)],
}
LAWYER_OUTCOMES = [
    (OutcomeCode.AWARD_WON, 30),
    (OutcomeCode.AWARD_PARTLY_WON, 30),
    (OutcomeCode.AWARD_LOST, 10),
    (OutcomeCode.ARBITRAL_MEDIATION, 15),
    (OutcomeCode.JUDGMENT, 10),
    (OutcomeCode.ENFORCED, 5),
]


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


@dataclass(slots=True)
class CasePlan:
    case: Rec  # a Case row
    steps: list[str]
    times: list[dt.datetime]
    filer: int | None  # user id of whoever filed: the worker's account or the recording staff
    filer_kind: str
    assignee: int | None
    provider: int | None = None
    coordinator: int | None = None
    lawyer: int | None = None
    categories: list[str] = field(default_factory=list)
    claim_item: str = ""
    notes: dict[int, Rec] = field(default_factory=dict)
    messages: dict[int, Rec] = field(default_factory=dict)
    referral: Rec | None = None
    consent: Rec | None = None
    evidence: list[Rec] = field(default_factory=list)


class CaseWriter:
    """Plans and writes one chunk of cases at a time, with everything that hangs off them."""

    def __init__(
        self,
        staff: Staff,
        workers: list[int],
        employers: list[int],
        rng: random.Random,
        now: dt.datetime,
        ids: Ids,
        files: EvidenceFiles,
    ):
        self.staff, self.workers, self.employers, self.rng, self.now = (
            staff,
            workers,
            employers,
            rng,
            now,
        )
        self.ids, self.files = ids, files
        self.t_case = Table(Case)
        self.t_categories = Table(Case.categories.through, ["case_id", "category_id"])
        self.t_party = Table(CaseParty, ["case_id", "role", "worker_id", "employer_id"])
        self.t_claim = Table(Claim, ["case_id", "item", "amount", "calculation", "created_at"])
        self.t_consent = Table(ConsentRecord)
        self.t_referral = Table(Referral)
        self.t_note = Table(Note)
        self.t_message = Table(Message)
        self.t_evidence = Table(Evidence)
        self.t_worker = Table(Worker)
        self.t_grant = Table(
            CaseUserObjectPermission, ["content_object_id", "user_id", "permission_id"]
        )
        self.t_event = event_table()
        self.categories = list(Category.objects.filter(active=True).values_list("code", "pk"))
        self.category_ids = dict(self.categories)
        self.perms = [p.pk for p in case_permissions()]
        self.counters: dict[int, int] = {}
        self.prefix = settings.RIGHTSDESK["REFERENCE_PREFIX"]
        for year, last in ReferenceCounter.objects.filter(prefix=self.prefix).values_list(
            "year", "last"
        ):
            self.counters[year] = last
        self.events = 0
        self.grants = 0
        self.evidence = 0
        ids.prime(Case, Worker, ConsentRecord, Referral, Note, Message, Evidence)

    # --- planning ---
    def plan(self, created: dt.datetime) -> CasePlan:
        rng, st = self.rng, self.staff
        age = (self.now - created).days
        state = _pick(rng, next(mix for limit, mix in STATE_MIX if age <= limit))
        steps = _pick(rng, PATHS[state]).split()
        org = rng.choices(st.unions, weights=st.weights)[0]
        queue = st.caseworkers[org.pk]
        # Drafts are walk-in intakes saved by staff (case_draft_create).
        channel = Channel.WALK_IN if state == S.DRAFT else _pick(rng, CHANNELS)
        if steps == ["file", "withdraw"] and channel != Channel.WEB:
            steps = [
                "file",
                "accept",
                "withdraw",
            ]  # without an account or receipt, staff withdraw for them
        account = None
        if channel == Channel.WEB and rng.random() < 0.05:
            account = rng.randrange(len(st.worker_users))
        anonymous = channel == Channel.WEB and account is None
        if account is not None:
            filer, filer_kind, worker = st.worker_users[account], "worker", self.workers[account]
        elif anonymous:
            filer, filer_kind, worker = None, "worker", rng.choice(self.workers)
        else:
            filer, filer_kind, worker = rng.choice(queue), "staff", rng.choice(self.workers)
        assignee = rng.choice(queue) if "accept" in steps else None

        # Moments: filing, then each later step, spread over the time since filing.
        span = max(60.0, (self.now - created).total_seconds() * 0.95)
        offsets = sorted(rng.uniform(60, span) for _ in steps[1:])
        times = [created] + [created + dt.timedelta(seconds=o) for o in offsets]
        if "refer" in steps and state == S.REFERRED:
            # A referral still waiting was sent within its response window.
            i = steps.index("refer")
            times[i] = max(
                times[i - 1] + dt.timedelta(minutes=5),
                self.now - dt.timedelta(days=rng.uniform(0.1, 6)),
            )

        knew = (created - dt.timedelta(days=rng.randint(3, 330))).date()
        codes = rng.sample(self.categories, rng.choice([1, 1, 1, 2]))
        issue, claim_item = ISSUES[codes[0][0].split(".")[0]]
        year = timezone.localtime(created).year
        self.counters[year] = self.counters.get(year, 0) + 1
        claimants = 1 if rng.random() > 0.03 else rng.randint(2, 20)
        end_state_time = times[-1]
        case = self.t_case.new(
            reference=f"{self.prefix}-{year}-{self.counters[year]:06d}",
            channel=channel,
            confidentiality=Confidentiality.RESTRICTED
            if rng.random() < 0.01
            else Confidentiality.NORMAL,
            owning_org_id=org.pk,
            assignee_id=assignee,
            filed_by_id=filer if account is not None else None,
            facts=(
                f"用人单位自{knew.year}年{knew.month}月起{issue}，职工多次向单位主张未果，现请求工会协助维权。"
                f"职工称其所在车间另有多名同事遇到同样情况。"
            ),
            employment_start=knew - dt.timedelta(days=rng.randint(200, 4000)),
            knew_date=knew,
            hotline_ticket=f"12351-{year}-{rng.randrange(100000, 999999)}"
            if channel == Channel.HOTLINE_12351
            else "",
            state=state,
            primary_worker_id=worker,
            primary_employer_id=rng.choice(self.employers),
            claimant_count=claimants,
            next_deadline=arbitration_limitation_date(knew),
            receipt_digest=receipt_digest("".join(rng.choice(RECEIPT_ALPHABET) for _ in range(16)))
            if anonymous
            else None,
            version=sum(1 for s in steps if s not in ("note", "file"))
            + (1 if "file" in steps else 0),
            created_at=created,
            updated_at=end_state_time,
            submitted_at=created + dt.timedelta(seconds=1) if state != S.DRAFT else None,
            closed_at=end_state_time if state in S.ended() else None,
        )
        plan = CasePlan(
            case=case,
            steps=steps,
            times=times,
            filer=filer,
            filer_kind=filer_kind,
            assignee=assignee,
            categories=[c for c, _ in codes],
        )
        if "refer" in steps:
            plan.provider = rng.choice(st.providers).pk
            plan.coordinator = st.coordinators[plan.provider]
            if "take" in steps:
                plan.lawyer = rng.choice(st.lawyers[plan.provider])
        if "proceed" in steps:
            case.stage = rng.choice(
                [ProceedingsStage.ARBITRATION] * 6
                + [ProceedingsStage.LITIGATION] * 3
                + [ProceedingsStage.ENFORCEMENT]
            )
            case.forum = (
                "常州市劳动人事争议仲裁委员会"
                if case.stage == ProceedingsStage.ARBITRATION
                else "常州市中级人民法院"
            )
            case.filing_date = timezone.localtime(times[steps.index("proceed")]).date()
        if state == S.CLOSED:
            claimed = Decimal(rng.randrange(2000, 200000))
            if "agree" in steps:
                case.outcome, case.amount_awarded = OutcomeCode.MEDIATION_AGREEMENT, claimed
            elif "settle" in steps:
                case.outcome, case.amount_awarded = OutcomeCode.SETTLED, claimed
                case.amount_recovered = claimed
            else:
                case.outcome = _pick(rng, LAWYER_OUTCOMES)
                if case.outcome != OutcomeCode.AWARD_LOST:
                    case.amount_awarded = claimed
                    case.amount_recovered = (
                        claimed * Decimal(rng.choice([1, 1, 0.8, 0.5]))
                    ).quantize(Decimal("0.01"))
        if state == S.REJECTED:
            case.reject_reason = rng.choice(RejectReason.values)
            case.reject_route = rng.choice(Route.values)
        plan.claim_item = claim_item
        return plan

    # --- writing ---
    def build(self, created_times: list[dt.datetime]) -> Batch:
        """One chunk of cases and everything that hangs off them, as rows to write. Touches no
        database (the keys' starting points were read in __init__), so seed_bench builds the
        next chunk on a thread of its own while this one is written."""
        batch = Batch()
        plans = [self.plan(t) for t in created_times]
        batch.add_objects(self.ids, self.t_case, [p.case for p in plans])
        self._children(plans, batch)
        self._events_and_grants(plans, batch)
        return batch

    def _evidence(self, p: CasePlan) -> None:
        """Two cases in five come with five files, uploaded together by whoever filed
        (documents.services.evidence_upload): two per case on average."""
        c, rng = p.case, self.rng
        if c.state == S.DRAFT or rng.random() >= 0.4:
            return
        by_worker = p.filer_kind == "worker"
        at = p.times[0] + dt.timedelta(seconds=2)
        for stored in self.files.pick(rng, 5):
            p.evidence.append(
                self.t_evidence.new(
                    case_id=c.pk,
                    original_name=stored.original_name,
                    file=stored.name,
                    content_type=stored.content_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    source=EvidenceSource.WORKER.value if by_worker else EvidenceSource.STAFF.value,
                    uploaded_by_id=p.filer,
                    uploaded_by_worker=by_worker,
                    created_at=at,
                )
            )

    def _children(self, plans: list[CasePlan], batch: Batch) -> None:
        rng = self.rng
        m2m, parties, claims, consents, referrals, extra_workers = [], [], [], [], [], []
        claimant, respondent = PartyRole.CLAIMANT.value, PartyRole.RESPONDENT.value
        staff_paper = {"staff": ConsentMethod.PAPER.value, "worker": ConsentMethod.ONLINE.value}
        for p in plans:
            c = p.case
            case_id, created_at = c["id"], c["created_at"]
            m2m.extend((case_id, self.category_ids[code]) for code in p.categories)
            parties.append((case_id, claimant, c["primary_worker_id"], None))
            parties.append((case_id, respondent, None, c["primary_employer_id"]))
            for _ in range(c["claimant_count"] - 1):
                extra_workers.append(
                    (case_id, self.t_worker.new(name=person_name(rng), created_at=created_at))
                )
            for k in range(rng.randint(1, 3)):
                item = (
                    p.claim_item
                    if k == 0
                    else rng.choice(["经济补偿", "加班工资", "拖欠工资", "社会保险待遇损失"])
                )
                claims.append((case_id, item, Decimal(rng.randrange(1000, 120000)), {}, created_at))
            method = staff_paper[p.filer_kind]
            if c["state"] != S.DRAFT:
                consents.append(
                    self.t_consent.new(
                        case_id=case_id,
                        scope=ConsentScope.UNION_HANDLING.value,
                        method=method,
                        granted_at=created_at,
                        granted_by_id=p.filer,
                    )
                )
            if "mediate" in p.steps:
                consents.append(
                    self.t_consent.new(
                        case_id=case_id,
                        scope=ConsentScope.EMPLOYER_DISCLOSURE.value,
                        method=method,
                        granted_at=created_at,
                        granted_by_id=p.filer,
                    )
                )
            self._evidence(p)
            for i, step in enumerate(p.steps):
                at = p.times[i]
                if step == "note":
                    p.notes[i] = self.t_note.new(
                        case_id=case_id,
                        author_id=p.assignee,
                        created_at=at,
                        body="已电话联系职工核实情况，用人单位人事部门表示将于本周内答复。",
                    )
                elif step == "agree":
                    p.notes[i] = self.t_note.new(
                        case_id=case_id,
                        author_id=p.assignee,
                        created_at=at,
                        body=f"双方达成调解协议：用人单位于十五日内一次性支付{c.amount_awarded}元。",
                    )
                elif step == "withdraw" and p.assignee is not None:
                    p.notes[i] = self.t_note.new(
                        case_id=case_id,
                        author_id=p.assignee,
                        created_at=at,
                        body="职工来电要求撤回，通话记录已存档。",
                    )
                elif step == "ask":
                    p.messages[i] = self.t_message.new(
                        case_id=case_id,
                        author_id=p.assignee,
                        is_question=True,
                        created_at=at,
                        body="请补充提供劳动合同、工资流水及考勤记录。",
                    )
                elif step == "answer":
                    by_worker = p.filer_kind == "worker"
                    p.messages[i] = self.t_message.new(
                        case_id=case_id,
                        from_worker=by_worker,
                        created_at=at,
                        author_id=None if by_worker else p.assignee,
                        body="已补充提交工资流水，考勤记录在公司手里拿不到。",
                    )
                elif step == "refer":
                    p.consent = self.t_consent.new(
                        case_id=case_id,
                        scope=ConsentScope.LEGAL_AID_PROVIDER.value,
                        provider_id=p.provider,
                        method=ConsentMethod.PAPER.value,
                        granted_at=at,
                        granted_by_id=p.assignee,
                    )
                    consents.append(p.consent)
                    due = timezone.localtime(at).date() + dt.timedelta(days=7)
                    accepted = "take" in p.steps
                    p.referral = self.t_referral.new(
                        case_id=case_id,
                        provider_id=p.provider,
                        created_by_id=p.assignee,
                        sent_at=at,
                        response_due=due,
                        created_at=at,
                        state=ReferralState.ACCEPTED.value
                        if accepted
                        else (
                            ReferralState.PENDING.value
                            if c["state"] == S.REFERRED
                            else ReferralState.WITHDRAWN.value
                        ),
                        conflict_checked_at=p.times[i + 1] if accepted else None,
                        conflict_found=False if accepted else None,
                        responded_at=p.times[i + 2] if accepted else None,
                        lawyer_id=p.lawyer,
                    )
                    referrals.append(p.referral)
        batch.add(self.t_categories, m2m)
        if extra_workers:
            batch.add_objects(self.ids, self.t_worker, [w for _, w in extra_workers])
            parties.extend((case_id, claimant, w["id"], None) for case_id, w in extra_workers)
        batch.add(self.t_party, parties)
        batch.add(self.t_claim, claims)
        batch.add_objects(self.ids, self.t_consent, consents)
        batch.add_objects(self.ids, self.t_referral, referrals)
        batch.add_objects(self.ids, self.t_note, [n for p in plans for n in p.notes.values()])
        batch.add_objects(self.ids, self.t_message, [m for p in plans for m in p.messages.values()])
        evidence = [e for p in plans for e in p.evidence]
        batch.add_objects(self.ids, self.t_evidence, evidence)
        self.evidence += len(evidence)

    def _events_and_grants(self, plans: list[CasePlan], batch: Batch) -> None:
        events: list[tuple] = []
        grants: list[tuple[int, int, int]] = []
        for p in plans:
            chain = Chain(p.case["id"], events)
            self._history(p, chain, grants)
        batch.add(self.t_event, events)  # in list order: ids ascend along each chain
        batch.add(self.t_grant, grants)
        self.events += len(events)
        self.grants += len(grants)

    def _history(self, p: CasePlan, chain: Chain, grants: list) -> None:
        """The audit events casework.services would have written for this history."""
        c = p.case
        state = S.DRAFT
        staff_kind = "staff"

        def move(i: int, verb: str, to: str, actor, kind: str = staff_kind, **payload) -> None:
            nonlocal state
            chain.add(p.times[i], verb, actor, kind, {"from": state, "to": to, **payload}, True)
            state = to

        def grant(i: int, user_id: int) -> None:
            grants.extend((c.pk, user_id, perm) for perm in self.perms)
            chain.add(p.times[i], "access_granted", None, "system", {"user": user_id}, False)

        for i, step in enumerate(p.steps):
            match step:
                case "draft":
                    chain.add(
                        p.times[i],
                        "draft_saved",
                        p.filer,
                        "staff",
                        {
                            "channel": c.channel,
                            "claimants": c.claimant_count,
                            "categories": sorted(p.categories),
                        },
                        False,
                    )
                case "file":
                    chain.add(
                        p.times[i],
                        "filed",
                        p.filer,
                        p.filer_kind,
                        {
                            "channel": c.channel,
                            "anonymous": c.receipt_digest is not None,
                            "claimants": c.claimant_count,
                            "categories": sorted(p.categories),
                        },
                        True,
                    )
                    move(i, "submit", S.SUBMITTED, p.filer, p.filer_kind)
                    if p.evidence:
                        chain.add(
                            p.evidence[0]["created_at"],
                            "evidence_uploaded",
                            p.filer,
                            p.filer_kind,
                            {"evidence": [e["id"] for e in p.evidence], "count": len(p.evidence)},
                            False,
                        )
                case "accept":
                    grant(i, p.assignee)
                    move(i, "accept_for_review", S.UNDER_REVIEW, p.assignee, assignee=p.assignee)
                case "note":
                    chain.add(
                        p.times[i],
                        "note_added",
                        p.assignee,
                        "staff",
                        {"note": p.notes[i].pk},
                        False,
                    )
                case "ask":
                    move(i, "request_info", S.AWAITING_WORKER, p.assignee, message=p.messages[i].pk)
                case "answer":
                    actor, kind = (
                        (p.filer, "worker") if p.filer_kind == "worker" else (p.assignee, "staff")
                    )
                    move(i, "resume", S.UNDER_REVIEW, actor, kind, message=p.messages[i].pk)
                case "mediate":
                    move(i, "start_mediation", S.MEDIATION, p.assignee, reveals_identity=True)
                case "agree":
                    move(
                        i,
                        "record_agreement",
                        S.CLOSED,
                        p.assignee,
                        note=p.notes[i].pk,
                        amount=str(c.amount_awarded),
                    )
                case "refer":
                    chain.add(
                        p.times[i],
                        "consent_granted",
                        p.assignee,
                        "staff",
                        {
                            "consent": p.consent.pk,
                            "scope": ConsentScope.LEGAL_AID_PROVIDER.value,
                            "provider": p.provider,
                        },
                        True,
                    )
                    move(
                        i,
                        "refer_to_legal_aid",
                        S.REFERRED,
                        p.assignee,
                        referral=p.referral.pk,
                        provider=p.provider,
                        response_due=p.referral.response_due.isoformat(),
                    )
                case "check":
                    chain.add(
                        p.times[i],
                        "conflict_checked",
                        p.coordinator,
                        "staff",
                        {"referral": p.referral.pk, "conflict_found": False},
                        False,
                    )
                case "take":
                    grant(i, p.lawyer)
                    move(
                        i,
                        "accept_referral",
                        S.LEGAL_AID,
                        p.coordinator,
                        referral=p.referral.pk,
                        lawyer=p.lawyer,
                    )
                case "proceed":
                    move(
                        i,
                        "start_proceedings",
                        S.PROCEEDINGS,
                        p.lawyer,
                        stage=c.stage,
                        filing_date=c.filing_date.isoformat(),
                    )
                case "outcome":
                    move(i, "record_outcome", S.CLOSED, p.lawyer, outcome=c.outcome)
                case "settle":
                    move(i, "record_outcome", S.CLOSED, p.assignee, outcome=c.outcome)
                case "reject":
                    move(
                        i,
                        "reject",
                        S.REJECTED,
                        p.assignee or self.staff.caseworkers[c.owning_org_id][0],
                        reason=c.reject_reason,
                        route=c.reject_route,
                    )
                case "withdraw":
                    if p.assignee is None:  # the worker, with their account or receipt code
                        move(i, "withdraw", S.WITHDRAWN, p.filer, "worker", by_worker=True)
                    else:  # staff, on the worker's recorded request
                        move(
                            i,
                            "withdraw",
                            S.WITHDRAWN,
                            p.assignee,
                            by_worker=False,
                            note=p.notes[i].pk,
                        )
        assert state == c.state, (c.reference, state, c.state)

    def save_counters(self) -> None:
        for year, last in self.counters.items():
            ReferenceCounter.objects.update_or_create(
                prefix=self.prefix, year=year, defaults={"last": last}
            )


def add_long_timeline(writer: CaseWriter, staff: Staff, extra: int, files: int = 20) -> str | None:
    """One case with a long history (notes and messages back and forth) and `files` evidence
    files, for the case page benchmark: the most recent open case assigned to the bench
    caseworker."""
    caseworker = staff.caseworkers[staff.unions[1].pk][0]
    case = (
        Case.objects.filter(assignee_id=caseworker, state=S.UNDER_REVIEW)
        .order_by("-created_at")
        .first()
    )
    if case is None:
        return None
    head = AuditEvent.objects.filter(chain_key=case.pk).order_by("-id").first()
    start = head.occurred_at
    notes, messages = [], []
    for k in range(extra):
        at = start + dt.timedelta(minutes=10 * (k + 1))
        if k % 2:
            notes.append(
                writer.t_note.new(
                    case_id=case.pk,
                    author_id=caseworker,
                    created_at=at,
                    body=f"第{k + 1}次跟进：已与单位人事沟通。",
                )
            )
        else:
            messages.append(
                writer.t_message.new(
                    case_id=case.pk,
                    author_id=caseworker,
                    created_at=at,
                    body=f"第{k + 1}次沟通：请问您这周是否方便来工会面谈？",
                )
            )
    insert_objects(writer.ids, writer.t_note, notes)
    insert_objects(writer.ids, writer.t_message, messages)
    events: list[tuple] = []
    chain = Chain(case.pk, events)
    chain.prev, chain.last = head.hash, head.occurred_at
    for obj in sorted(notes + messages, key=lambda o: o["created_at"]):
        if "is_question" in obj:
            chain.add(
                obj["created_at"],
                "message_sent",
                caseworker,
                "staff",
                {"message": obj["id"], "from_worker": False},
                True,
            )
        else:
            chain.add(
                obj["created_at"], "note_added", caseworker, "staff", {"note": obj["id"]}, False
            )
    # The caseworker adds the rest of the file: `files` evidence files on the case in all.
    missing = files - Evidence.objects.filter(case_id=case.pk).count()
    if missing > 0:
        at = chain.last + dt.timedelta(minutes=10)
        evidence = [
            writer.t_evidence.new(
                case_id=case.pk,
                original_name=stored.original_name,
                file=stored.name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                source=EvidenceSource.STAFF.value,
                uploaded_by_id=caseworker,
                created_at=at,
            )
            for stored in writer.files.pick(writer.rng, missing)
        ]
        insert_objects(writer.ids, writer.t_evidence, evidence)
        writer.evidence += len(evidence)
        chain.add(
            at,
            "evidence_uploaded",
            caseworker,
            "staff",
            {"evidence": [e["id"] for e in evidence], "count": len(evidence)},
            False,
        )
    write_events(writer.t_event, events)
    writer.events += len(events)
    return case.reference
