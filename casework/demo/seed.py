"""`manage.py seed_demo`: the demo, built through the real services.

Organisations and memberships come from accounts.services, every grievance from `case_file`
(or `case_draft_create`), and every later event from the service of that transition or record,
so the audit chains, guardian grants, referrals, generated packets and notifications are
exactly those of real use. The histories of `grievances.py` are played in date order on a
simulated clock (clock.py): references follow the filing dates and years, and each case's
timeline shows the days things happened.

Idempotent: when the demo's marker user (`worker1`) exists, only the demo accounts are
checked (present, active, password `rightsdesk-demo`, memberships).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import Counter
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from accounts.models import Membership, Organisation, User
from accounts.services import membership_grant, organisation_create
from casework import services as cs
from casework.choices import CaseState, Channel, ConsentMethod, ConsentScope, Sex
from casework.models import AuditEvent, Case, Notification
from casework.permissions import ReceiptHolder
from casework.services import intake as intake_module
from casework.services.intake import ClaimItem, IntakeData

from .clock import real_now, simulated_time
from .codes import CHANGZHOU_DIVISIONS, credit_code, id_number, mobile_number
from .grievances import GRIEVANCES, Grievance
from .people import (
    DEFAULT_CASEWORKER,
    DEMO_PASSWORD,
    EMPLOYERS,
    ORGANISATIONS,
    PROVIDER_COORDINATOR,
    SUPERVISOR,
    USERS,
)

MARKER_USERNAME = "worker1"

# Days from the previous step to this one, unless the step says "+N".
GAPS = {
    "accept": 1,
    "assign": 1,
    "note": 1,
    "msg": 1,
    "wmsg": 1,
    "ask": 2,
    "answer": 3,
    "consent": 1,
    "mediate": 5,
    "failed": 14,
    "agree": 12,
    "refer": 3,
    "approve": 1,
    "return": 1,
    "check": 1,
    "take": 1,
    "decline": 4,
    "expire": 9,
    "proceed": 10,
    "award": 40,
    "outcome": 45,
    "reject": 2,
    "withdraw": 5,
    "reopen": 20,
    "calc": 0,  # a calculated claim, added minutes after the previous step
}

CHANNELS = {
    "web": Channel.WEB,
    "anon": Channel.WEB,
    "walk_in": Channel.WALK_IN,
    "phone": Channel.PHONE,
    "hotline": Channel.HOTLINE_12351,
    "injury_centre": Channel.INJURY_CENTRE,
}

# Home divisions of workers who came from elsewhere (南阳宛城, 临泉, 邻水, 宿松, 睢宁, 桃源).
MIGRANT_DIVISIONS = ["411302", "341221", "511623", "340826", "320324", "430725"]


class DemoRefused(Exception):
    pass


@dataclass
class Step:
    verb: str
    actor: str | None
    args: list[str]
    gap: int


def parse_step(text: str) -> Step:
    gap = None
    if text.startswith("+"):
        head, text = text.split(" ", 1)
        gap = int(head[1:])
    head, _, rest = text.partition(":")
    verb, _, actor = head.partition("@")
    assert verb in GAPS, f"unknown demo step {verb!r}"
    return Step(
        verb, actor or None, rest.split("|") if rest else [], gap if gap is not None else GAPS[verb]
    )


@dataclass
class Plan:
    """One grievance with its dates worked out: the filing moment and each step's moment."""

    index: int
    grievance: Grievance
    filed_at: dt.datetime
    knew: dt.date
    steps: list[tuple[dt.datetime, Step]]


@dataclass
class Played:
    """What the driver knows about a case while playing its history."""

    plan: Plan
    case_id: int | None = None
    assignee: str | None = None
    provider: str | None = None
    lawyer: str | None = None
    worker_user: User | None = None
    receipt: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class SeedSummary:
    created: bool
    states: dict[str, int]
    cases: int
    audit_events: int
    notifications: int
    documents: int
    seconds: float
    receipts: list[tuple[str, str]] = field(default_factory=list)
    referrals: dict[str, int] = field(default_factory=dict)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randrange(0, 60, 5)))
    return timezone.make_aware(local, timezone.get_fixed_timezone(480))


def make_plans(today: dt.date) -> list[Plan]:
    """Work each history out backwards from the day its last step happened."""
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    plans = []
    for index, g in enumerate(GRIEVANCES):
        steps = [parse_step(s) for s in g.steps]
        end = today - dt.timedelta(days=g.ago)
        filed_day = end - dt.timedelta(days=sum(s.gap for s in steps))
        if g.knew_ago is not None:
            knew = today - dt.timedelta(days=g.knew_ago)
        else:
            knew = filed_day - dt.timedelta(days=10 + (index * 7) % 50)
        assert knew <= filed_day, (
            f"grievance {index}: the worker cannot file before knowing ({knew} > {filed_day})"
        )
        moments, day = [], filed_day
        for step in steps:
            if step.verb == "calc" and step.gap == 0:
                # Minutes after the previous step (no random draw: the other moments stay put).
                assert moments, f"grievance {index}: a calculated claim follows another step"
                moments.append((moments[-1][0] + dt.timedelta(minutes=20), step))
                continue
            day += dt.timedelta(days=step.gap)
            moments.append((_at(day, rng), step))
        plans.append(Plan(index, g, _at(filed_day, rng), knew, moments))
    return plans


# --- building ---------------------------------------------------------------------------------


def _create_organisations() -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for o in ORGANISATIONS:
        orgs[o.key] = organisation_create(
            kind=o.kind,
            name_zh=o.name_zh,
            name_en=o.name_en,
            region=o.region,
            parent=orgs[o.parent] if o.parent else None,
        )
    return orgs


def _demo_password_hash() -> str:
    # One hash for all demo accounts: they share the documented password anyway, and hashing
    # it once keeps the seed fast.
    return make_password(DEMO_PASSWORD)


def _create_users(orgs: dict[str, Organisation]) -> dict[str, User]:
    hashed = _demo_password_hash()
    users = {}
    for u in USERS:
        user = User(
            username=u.username,
            display_name=u.display_name,
            password=hashed,
            is_staff=u.superuser,
            is_superuser=u.superuser,
            preferred_language="zh-hans",
        )
        user.save()
        for org_key, role in u.memberships:
            membership_grant(user=user, organisation=orgs[org_key], role=role)
        users[u.username] = user
    return users


def _intake_data(plan: Plan, rng: random.Random) -> IntakeData:
    g, knew = plan.grievance, plan.knew
    employer = EMPLOYERS[g.employer]
    name, sex, born, occupation = g.worker
    start = dt.date.fromisoformat(f"{g.start}-01")
    end = knew if g.end == "knew" else (dt.date.fromisoformat(f"{g.end}-01") if g.end else None)
    injury = knew if g.injury else None
    birth = dt.date(born, rng.randint(1, 12), rng.randint(1, 28))
    division = (
        rng.choice(MIGRANT_DIVISIONS)
        if g.migrant
        else CHANGZHOU_DIVISIONS.get(employer.district, "320412")
    )
    serial = rng.randrange(0, 500) * 2 + (1 if sex == Sex.MALE else 0)  # odd for men
    # Anonymous workers often leave their ID number out; walk-ins show their card.
    with_id = g.by != "anon" or rng.random() < 0.3
    facts = g.facts.format(
        knew_ym=f"{knew.year}年{knew.month}月",
        knew_ymd=f"{knew.year}年{knew.month}月{knew.day}日",
        injury_ymd=f"{knew.year}年{knew.month}月{knew.day}日",
        start_ym=f"{start.year}年{start.month}月",
        end_ymd=f"{end.year}年{end.month}月{end.day}日" if end else "",
    )
    claims = []
    for claim in g.claims:
        item, amount = claim[0], claim[1]
        months = claim[2] if len(claim) > 2 else None
        period_start = knew - dt.timedelta(days=30 * months) if months else None
        claims.append(
            ClaimItem(
                item=item,
                amount=amount or None,
                period_start=period_start,
                period_end=knew if months else None,
            )
        )
    return IntakeData(
        worker_name=name,
        sex=sex,
        date_of_birth=birth,
        id_number=id_number(division, birth, serial) if with_id else "",
        phone=mobile_number(rng),
        occupation=occupation,
        skill_grade=g.grade,
        union_member=g.member,
        migrant_worker=g.migrant,
        co_claimant_names=list(g.co),
        employer_name=employer.name,
        credit_code=credit_code(CHANGZHOU_DIVISIONS[employer.district], employer.code_body),
        employer_address=employer.address,
        legal_representative=employer.legal_representative,
        employer_phone=employer.phone,
        district=employer.district,
        industrial_chain=employer.chain,
        category_codes=list(g.categories),
        facts=facts,
        employment_start=start,
        employment_end=end,
        knew_date=knew,
        injury_date=injury,
        claims=claims,
        consent_union_handling=not g.draft,
        consent_employer_disclosure=g.disclose,
        channel=CHANNELS[g.by],
        hotline_ticket=g.ticket,
    )


class DemoBuilder:
    def __init__(self, orgs: dict[str, Organisation], users: dict[str, User]):
        self.orgs, self.users = orgs, users
        self.rng = random.Random(1980)  # noqa: S311 - demo data, not secrets
        self.receipts: list[tuple[str, str]] = []

    # --- filing ---
    def file(self, played: Played) -> None:
        g = played.plan.grievance
        data = _intake_data(played.plan, self.rng)
        org = self.orgs[g.org]
        if g.draft:
            case = cs.case_draft_create(data=data, staff=self.users[g.staff], owning_org=org)
        elif g.by in ("web", "anon"):
            if g.receipt:
                # A fixed receipt code, so the demo's tracking page can be tried (README).
                with mock.patch.object(intake_module, "new_receipt_code", lambda: g.receipt):
                    case, receipt = cs.case_file(data=data, anonymous=True)
            else:
                case, receipt = cs.case_file(
                    data=data,
                    filed_by=self.users["worker1"] if g.by == "web" else None,
                    anonymous=g.by == "anon",
                )
            assert case.owning_org_id == org.pk, (
                f"{g.facts[:20]}: routed to {case.owning_org}, expected {org}"
            )
            played.receipt = receipt
            if g.receipt:
                self.receipts.append((case.reference, g.receipt))
        else:
            case, _ = cs.case_file(data=data, staff=self.users[g.staff], owning_org=org)
        played.case_id = case.pk
        played.worker_user = self.users["worker1"] if g.by == "web" else None

    # --- actors ---
    def worker_actor(self, played: Played):
        if played.worker_user is not None:
            return played.worker_user
        if played.receipt is not None:
            return ReceiptHolder(played.case_id)
        return None

    def assignee(self, played: Played) -> User:
        return self.users[played.assignee or DEFAULT_CASEWORKER[played.plan.grievance.org]]

    def who(self, step: Step, default: User) -> User:
        return self.users[step.actor] if step.actor else default

    def case(self, played: Played) -> Case:
        return Case.objects.select_related("owning_org").get(pk=played.case_id)

    # --- steps ---
    def play(self, played: Played, step: Step) -> None:
        getattr(self, f"step_{step.verb}")(played, step, self.case(played))

    def step_accept(self, played, step, case):
        g = played.plan.grievance
        # Whoever recorded a walk-in takes it on, if they work that union's queue.
        recorder = g.staff if g.staff in _caseworkers_of(g.org) else None
        user = self.users[step.actor or recorder or DEFAULT_CASEWORKER[g.org]]
        cs.case_accept_for_review(case=case, user=user)
        played.assignee = user.username

    def step_assign(self, played, step, case):
        cs.case_assign(
            case=case, user=self.users[SUPERVISOR], assignee_id=self.users[step.args[0]].pk
        )
        played.assignee = step.args[0]

    def step_note(self, played, step, case):
        cs.note_add(case=case, user=self.who(step, self.assignee(played)), body=step.args[0])

    def step_msg(self, played, step, case):
        cs.message_post(case=case, user=self.who(step, self.assignee(played)), body=step.args[0])

    def step_wmsg(self, played, step, case):
        worker = self.worker_actor(played)
        assert worker is not None, "only a worker with an account or a receipt code writes messages"
        cs.message_post(case=case, user=worker, body=step.args[0])

    def step_ask(self, played, step, case):
        cs.case_request_info(case=case, user=self.assignee(played), question=step.args[0])

    def step_answer(self, played, step, case):
        cs.case_resume(
            case=case, user=self.worker_actor(played) or self.assignee(played), answer=step.args[0]
        )

    def step_consent(self, played, step, case):
        worker = self.worker_actor(played)
        cs.consent_grant(
            case=case,
            user=worker or self.assignee(played),
            scope=step.args[0],
            method=ConsentMethod.ONLINE if worker else ConsentMethod.PAPER,
        )

    def step_mediate(self, played, step, case):
        cs.case_start_mediation(case=case, user=self.assignee(played))

    def step_failed(self, played, step, case):
        cs.case_mediation_failed(case=case, user=self.assignee(played), note=step.args[0])

    def step_agree(self, played, step, case):
        cs.case_record_agreement(
            case=case, user=self.assignee(played), terms=step.args[0], amount=step.args[1]
        )

    def step_refer(self, played, step, case):
        """The worker's consent to share with the provider, then refer: the service generates
        the referral packet as the referrer and, where no approval is needed, sends it."""
        provider = self.orgs[step.args[0]]
        referrer = self.assignee(played)
        worker = self.worker_actor(played)
        cs.consent_grant(
            case=case,
            user=worker or referrer,
            scope=ConsentScope.LEGAL_AID_PROVIDER,
            provider=provider,
            method=ConsentMethod.ONLINE if worker else ConsentMethod.PAPER,
        )
        cs.case_refer(case=self.case(played), user=referrer, provider_id=provider.pk)
        played.provider = step.args[0]
        # Render the packet now, so the demo is complete inside one transaction (the render
        # task scheduled on commit then finds it ready and leaves it).
        from documents.models import DocumentKind
        from documents.services import document_render_now

        packet = case.documents.filter(kind=DocumentKind.REFERRAL_PACKET).order_by("-version")
        status = document_render_now(packet.first().pk)
        assert status == "ready", f"the referral packet of {case.reference} did not render"

    def step_approve(self, played, step, case):
        cs.case_approve_referral(case=case, user=self.users[SUPERVISOR])

    def step_return(self, played, step, case):
        from casework.services.referrals import referral_return_for_changes

        referral_return_for_changes(case=case, user=self.users[SUPERVISOR], note=step.args[0])

    def step_check(self, played, step, case):
        """The coordinator runs the check again; matches in the demo are other workers of the
        same employer, which the coordinator clears with the reason."""
        from casework.services.referrals import referral_conflict_clear

        coordinator = self.users[PROVIDER_COORDINATOR[played.provider]]
        referral = cs.case_referral_conflict_check(case=case, user=coordinator)
        if referral.conflict_found:
            referral_conflict_clear(
                case=case,
                user=coordinator,
                note="匹配的是同一用人单位的其他职工，与本案职工立场一致，不构成利益冲突。",
            )

    def step_take(self, played, step, case):
        coordinator = self.users[PROVIDER_COORDINATOR[played.provider]]
        cs.case_accept_referral(case=case, user=coordinator, lawyer_id=self.users[step.args[0]].pk)
        played.lawyer = step.args[0]

    def step_decline(self, played, step, case):
        coordinator = self.users[PROVIDER_COORDINATOR[played.provider]]
        cs.case_decline_referral(
            case=case, user=coordinator, reason=step.args[0], note=step.args[1]
        )

    def step_expire(self, played, step, case):
        cs.case_expire_referral(case=case, today=timezone.localdate())

    def step_proceed(self, played, step, case):
        from casework.services.proceedings import proceeding_start

        proceeding_start(
            case=case,
            user=self.users[played.lawyer],
            stage=step.args[0],
            forum=step.args[1],
            filed_on=timezone.localdate(),
        )

    def step_award(self, played, step, case):
        """The commission accepted five days after the filing; the award was given two days
        ago and received today (its 15 days to sue run from today, LDMAL Art. 48)."""
        from casework.services.proceedings import proceeding_update

        proceeding = case.proceedings.order_by("-filed_on", "-id").first()
        today = timezone.localdate()
        proceeding_update(
            case=case,
            user=self.users[played.lawyer],
            proceeding_id=proceeding.pk,
            case_number=step.args[0],
            accepted_on=proceeding.filed_on + dt.timedelta(days=5),
            decided_on=today - dt.timedelta(days=2),
            served_on=today,
        )

    def step_outcome(self, played, step, case):
        user = (
            self.assignee(played)
            if case.state == CaseState.UNDER_REVIEW
            else self.users[played.lawyer]
        )
        args = step.args + ["", ""]
        cs.case_record_outcome(
            case=case,
            user=user,
            outcome=args[0],
            amount_awarded=args[1] or None,
            amount_recovered=args[2] or None,
        )

    def step_reject(self, played, step, case):
        reason, route = step.args
        cs.case_reject(
            case=case, user=self.who(step, self.assignee(played)), reason=reason, route=route
        )

    def step_withdraw(self, played, step, case):
        if step.args:
            cs.case_withdraw(
                case=case, user=self.assignee(played), worker_request_note=step.args[0]
            )
        else:
            worker = self.worker_actor(played)
            assert worker is not None, (
                "a worker without an account or receipt withdraws through staff"
            )
            cs.case_withdraw(case=case, user=worker)

    def step_calc(self, played, step, case):
        """A calculated claim, as the calculator screen adds it: the form prefilled from the
        case (employer's region, parameters in force on the end of employment or knew date),
        the figures of the step, then `claim_add_from_calculation`."""
        from casework.forms.calculators import CALCULATORS
        from casework.services.claims import claim_add_from_calculation

        name, *pairs = step.args
        form_class = CALCULATORS[name]
        with translation.override(settings.LANGUAGE_CODE):
            data = form_class.prefill(case)
            data.update(pair.split("=", 1) for pair in pairs)
            form = form_class(data, case=case)
            calculation = form.calculate()
            assert calculation is not None, f"{case.reference} {name}: {form.errors.as_text()}"
            claim_add_from_calculation(
                case=case,
                user=self.who(step, self.assignee(played)),
                result=calculation.result,
                item_label=form.claim_label,
                period_start=calculation.period_start,
                period_end=calculation.period_end,
                parameter_rows=calculation.parameter_rows,
                extra=calculation.stored_context(form.cleaned_data),
            )

    def step_reopen(self, played, step, case):
        cs.case_reopen(
            case=case, user=self.users[SUPERVISOR], reason=step.args[0], note=step.args[1]
        )


def _caseworkers_of(org_key: str) -> set[str]:
    return {u.username for u in USERS if (org_key, "caseworker") in u.memberships}


def _immediate_tasks() -> dict:
    # Notifications and renders run in-process as the seed commits, so the demo is complete
    # without a worker (the same task functions the worker would run).
    queues = settings.TASKS.get("default", {}).get("QUEUES", [])
    return {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": queues}
    }


def build_demo() -> list[tuple[str, str]]:
    """Create the whole demo in one transaction; returns the fixed receipt codes."""
    today = timezone.localdate()
    plans = make_plans(today)
    events: list[tuple[dt.datetime, int, int]] = []
    for plan in plans:
        events.append((plan.filed_at, plan.index, -1))
        events.extend((moment, plan.index, n) for n, (moment, _step) in enumerate(plan.steps))
    heapq.heapify(events)
    start = min(e[0] for e in events) - dt.timedelta(days=30)

    with override_settings(TASKS=_immediate_tasks()), simulated_time(start) as clock:
        with transaction.atomic():
            orgs = _create_organisations()
            users = _create_users(orgs)
            builder = DemoBuilder(orgs, users)
            played = {plan.index: Played(plan) for plan in plans}
            while events:
                moment, index, n = heapq.heappop(events)
                clock.set(moment)
                if n < 0:
                    builder.file(played[index])
                else:
                    builder.play(played[index], plans[index].steps[n][1])
            # Side effects (notifications, the render tasks' no-op reruns) run as of now.
            clock.set(real_now())
    return builder.receipts


def ensure_demo_accounts() -> list[str]:
    """The demo is there: make sure its accounts are too. Returns what was changed."""
    changed = []
    hashed = None
    checked: dict[str, bool] = {}
    orgs = {
        o.key: Organisation.objects.filter(kind=o.kind, name_zh=o.name_zh).order_by("pk").first()
        for o in ORGANISATIONS
    }
    for u in USERS:
        user = User.objects.filter(username=u.username).first()
        if user is None:
            hashed = hashed or _demo_password_hash()
            user = User.objects.create(
                username=u.username,
                display_name=u.display_name,
                password=hashed,
                is_staff=u.superuser,
                is_superuser=u.superuser,
            )
            changed.append(f"created {u.username}")
        if user.password not in checked:
            checked[user.password] = user.check_password(DEMO_PASSWORD)
        if not checked[user.password] or not user.is_active:
            hashed = hashed or _demo_password_hash()
            user.password, user.is_active = hashed, True
            user.save(update_fields=["password", "is_active"])
            changed.append(f"reset {u.username}")
        for org_key, role in u.memberships:
            org = orgs.get(org_key)
            if (
                org is not None
                and not Membership.objects.filter(user=user, organisation=org, role=role).exists()
            ):
                membership_grant(user=user, organisation=org, role=role)
                changed.append(f"membership {u.username} {role}")
    return changed


def seed_demo(*, force: bool = False) -> SeedSummary:
    started = real_now()
    if User.objects.filter(username=MARKER_USERNAME).exists():
        ensure_demo_accounts()
        created, receipts = False, []
    else:
        if not force and (Organisation.objects.exists() or Case.objects.exists()):
            raise DemoRefused(
                "This database already holds organisations or cases but no demo; refusing to mix the "
                "demo into it (use --force to add it anyway)."
            )
        receipts = build_demo()
        created = True
    states = Counter(Case.objects.values_list("state", flat=True))
    from documents.models import GeneratedDocument

    return SeedSummary(
        created=created,
        states={s: states.get(s, 0) for s in CaseState.values},
        cases=sum(states.values()),
        audit_events=AuditEvent.objects.count(),
        notifications=Notification.objects.count(),
        documents=GeneratedDocument.objects.count(),
        seconds=(real_now() - started).total_seconds(),
        receipts=receipts,
        referrals=_referral_counts(),
    )


def _referral_counts() -> dict[str, int]:
    """Referrals by state, with the ones waiting for a supervisor's approval apart."""
    from casework.choices import ReferralState
    from casework.models import Referral

    counts = Counter(
        "awaiting_approval" if state == ReferralState.PENDING and sent is None else state
        for state, sent in Referral.objects.values_list("state", "sent_at")
    )
    return {key: counts.get(key, 0) for key in ["awaiting_approval", *ReferralState.values]}
