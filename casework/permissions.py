"""The one gate (DESIGN §3): who may see a case, and who may do what to it.

Every view, export, admin page and search asks this module, and nothing else. Two questions:

- *Which cases may this user see, and how much of each?* — `visible_cases(user)` answers for
  lists in the database, `access(user, case)` for one loaded case. Both are built from the same
  rules (`_RULES` below), and a test checks that they agree for every role.
- *May this user take this action on this case now?* — `may(user, action, case)`, in memory,
  from the principal and the loaded case (no query per row).

Denied and missing look the same: the `get_…_or_404` helpers raise `NotFound`.

How access arises (grants follow the case):
- a caseworker sees the cases owned by their union (restricted ones only when assigned);
- a supervisor sees every case owned by their union or any organisation below it;
- the assignee and, after acceptance, the assigned lawyer hold direct guardian grants
  (`view_case`, `work_case`) made by the services that assign them;
- a coordinator of a provider sees a limited summary while a referral to it is pending;
- a worker sees the worker-visible part of the cases filed with their account;
- an analyst and an administrator see no case (reports come from aggregates only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import F, Q, QuerySet
from django.db.models.lookups import In

from accounts.choices import Role

from .choices import CaseState, Confidentiality, ReferralState
from .errors import NotFound
from .models import Case, CaseUserObjectPermission, Referral

VIEW_PERM = "view_case"
WORK_PERM = "work_case"


class Access(StrEnum):
    NONE = "none"
    WORKER = "worker"  # the worker's own case: the worker-visible part
    SUMMARY = "summary"  # a provider's coordinator before acceptance: no identity, no evidence
    FULL = "full"  # staff with the whole file


@dataclass(frozen=True)
class Principal:
    """What the gate needs to know about a user, read once per request."""

    user_id: int | None
    is_active: bool = False
    caseworker_org_ids: frozenset[int] = frozenset()
    supervisor_paths: tuple[str, ...] = ()
    supervisor_org_ids: frozenset[int] = frozenset()
    coordinator_org_ids: frozenset[int] = frozenset()
    lawyer_org_ids: frozenset[int] = frozenset()
    analyst_org_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles)

    @property
    def union_org_ids(self) -> frozenset[int]:
        return self.caseworker_org_ids | self.supervisor_org_ids

    @property
    def works_queue(self) -> bool:
        """Caseworkers, supervisors and lawyers have a case list; coordinators an inbox."""
        return bool(self.roles & {Role.CASEWORKER, Role.SUPERVISOR, Role.LAWYER, Role.COORDINATOR})

    def in_supervised_subtree(self, org_path: str) -> bool:
        return any(org_path.startswith(p) for p in self.supervisor_paths)

    @property
    def sees_reports(self) -> bool:
        """Supervisors and analysts see aggregate reports (`report_scope`), never a case."""
        return bool(self.supervisor_paths or self.analyst_org_ids)


ANONYMOUS = Principal(user_id=None)


@dataclass(frozen=True)
class ReceiptHolder:
    """A worker who filed anonymously and has just proved their receipt code: they act on that
    one case and no other. The tracking view builds one per request from the session."""

    case_id: int
    is_authenticated = False
    is_active = True
    pk = None

    def has_perm(self, perm, obj=None) -> bool:  # django-fsm asks string permissions this way
        return False


@dataclass(frozen=True)
class SystemActor:
    """The system: the daily sweep expires referrals, and a referral is withdrawn when the worker
    withdraws the consent it rests on. Nothing else."""

    is_authenticated = False
    is_active = True
    pk = None

    def has_perm(self, perm, obj=None) -> bool:
        return False


SYSTEM = SystemActor()


def principal_for(user) -> Principal:
    """The user's memberships, cached on the user object for the rest of the request."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not hasattr(user, "memberships")
    ):
        return ANONYMOUS
    cached = getattr(user, "_rightsdesk_principal", None)
    if cached is not None:
        return cached
    by_role: dict[str, set[int]] = {r: set() for r in Role.values}
    supervisor_paths: list[str] = []
    for org_id, role, path in user.memberships.values_list(
        "organisation_id", "role", "organisation__path"
    ):
        by_role[role].add(org_id)
        if role == Role.SUPERVISOR:
            supervisor_paths.append(path)
    principal = Principal(
        user_id=user.pk,
        is_active=user.is_active,
        caseworker_org_ids=frozenset(by_role[Role.CASEWORKER]),
        supervisor_paths=tuple(sorted(supervisor_paths)),
        supervisor_org_ids=frozenset(by_role[Role.SUPERVISOR]),
        coordinator_org_ids=frozenset(by_role[Role.COORDINATOR]),
        lawyer_org_ids=frozenset(by_role[Role.LAWYER]),
        analyst_org_ids=frozenset(by_role[Role.ANALYST]),
        roles=frozenset(r for r, ids in by_role.items() if ids),
    )
    if (principal.roles or user.is_staff or user.is_superuser) and not _second_factor_proved(user):
        # Staff without a verified second factor hold nothing (the middleware also stops them).
        principal = ANONYMOUS
    user._rightsdesk_principal = principal
    return principal


def _second_factor_proved(user) -> bool:
    """django-otp's verdict for a request's user; a user that did not come through its
    middleware (services called from code) carries none and is not refused here."""
    check = getattr(user, "is_verified", None)
    return check is None or bool(check())


# --- seeing: the same rules as a queryset filter and as an in-memory check ---------------------


def _granted(user_id: int, codename: str) -> Q:
    # An uncorrelated IN (subquery): the database reads the user's grants once, instead of
    # probing the grant table for every case row of a large queue.
    return Q(
        pk__in=CaseUserObjectPermission.objects.filter(
            user_id=user_id,
            permission__content_type__app_label="casework",
            permission__codename=codename,
        ).values("content_object_id")
    )


def _full_access_q(p: Principal) -> Q:
    q = Q(pk__in=[])
    if p.caseworker_org_ids:
        q |= Q(owning_org_id__in=p.caseworker_org_ids) & ~Q(
            confidentiality=Confidentiality.RESTRICTED
        )
    for path in p.supervisor_paths:
        q |= Q(owning_org__path__startswith=path)
    if p.user_id is not None and p.roles:
        q |= _granted(p.user_id, VIEW_PERM)
    return q


def _summary_q(p: Principal) -> Q:
    if not p.coordinator_org_ids:
        return Q(pk__in=[])
    return Q(
        pk__in=Referral.objects.filter(
            state=ReferralState.PENDING,
            sent_at__isnull=False,
            provider_id__in=p.coordinator_org_ids,
        ).values("case_id")
    )


def visible_cases(user, *, access: Access = Access.FULL, base: QuerySet | None = None) -> QuerySet:
    """Cases the user may see at the given access level, filtered in the database."""
    qs = base if base is not None else Case.objects.all()
    if isinstance(user, ReceiptHolder):
        return qs.filter(pk=user.case_id) if access == Access.WORKER else qs.none()
    p = principal_for(user)
    if not p.is_active:
        return qs.none()
    if access == Access.FULL:
        return qs.filter(_full_access_q(p)) if p.roles else qs.none()
    if access == Access.SUMMARY:
        return qs.filter(_summary_q(p)).exclude(_full_access_q(p))
    if access == Access.WORKER:
        mine = qs.filter(filed_by_id=p.user_id)
        if p.roles:
            # access() answers with the highest level: a staff member's own grievance that they
            # also see as staff is theirs at FULL (or SUMMARY), so it is not in this list.
            mine = mine.exclude(_full_access_q(p)).exclude(_summary_q(p))
        return mine
    return qs.none()


@dataclass(frozen=True)
class CaseScope:
    """`visible_cases(user)` at FULL access split into parts a database can serve from its
    indexes at a million cases (the queue, issue 8): every case of `all_org_ids`, the
    non-restricted cases of `unrestricted_org_ids`, and the cases granted to `grantee_id`.
    The same rules as `_full_access_q`; a test checks that the parts add up to it."""

    all_org_ids: frozenset[int] = frozenset()
    unrestricted_org_ids: frozenset[int] = frozenset()
    grantee_id: int | None = None

    @property
    def has_orgs(self) -> bool:
        return bool(self.all_org_ids or self.unrestricted_org_ids)

    @property
    def org_ids(self) -> frozenset[int]:
        return self.all_org_ids | self.unrestricted_org_ids

    def org_q(self, *, unindexed: bool = False) -> Q:
        """The cases seen through organisation membership. `unindexed` writes the organisation
        test so that no index on the organisation serves it: for a large subtree the database
        should walk an index in the page's order and test each case, not gather every case of
        fifty organisations and sort them."""

        def owned_by(ids) -> Q:
            if unindexed:
                return Q(In(F("owning_org_id") + 0, sorted(ids)))
            return Q(owning_org_id__in=sorted(ids))

        q = Q(pk__in=[])
        if self.all_org_ids:
            q |= owned_by(self.all_org_ids)
        if self.unrestricted_org_ids:
            q |= owned_by(self.unrestricted_org_ids) & ~Q(
                confidentiality=Confidentiality.RESTRICTED
            )
        return q

    def granted_q(self) -> Q:
        """The cases seen only through a direct grant (not already in `org_q`)."""
        if self.grantee_id is None:
            return Q(pk__in=[])
        return _granted(self.grantee_id, VIEW_PERM) & ~self.org_q()


NO_SCOPE = CaseScope()


def case_scope(user) -> CaseScope:
    """The parts of the user's FULL-access cases (one query on organisations for supervisors,
    whose subtrees are resolved to organisation ids)."""
    if isinstance(user, ReceiptHolder | SystemActor):
        return NO_SCOPE
    p = principal_for(user)
    if not p.is_active or not p.roles:
        return NO_SCOPE
    subtree: frozenset[int] = frozenset()
    if p.supervisor_paths:
        from accounts.models import Organisation

        paths = Q()
        for path in p.supervisor_paths:
            paths |= Q(path__startswith=path)
        subtree = frozenset(Organisation.objects.filter(paths).values_list("pk", flat=True))
    return CaseScope(
        all_org_ids=subtree,
        unrestricted_org_ids=p.caseworker_org_ids - subtree,
        grantee_id=p.user_id,
    )


def _has_grant(user, case: Case, codename: str) -> bool:
    """Guardian grant check, read once per (user, case) and cached on the case."""
    cache = case.__dict__.setdefault("_grant_cache", {})
    key = (user.pk, codename)
    if key not in cache:
        cache[key] = CaseUserObjectPermission.objects.filter(
            content_object_id=case.pk, user_id=user.pk, permission__codename=codename
        ).exists()
    return cache[key]


def access(user, case: Case) -> Access:
    """How much of this case the user may see (the single-object form of `visible_cases`)."""
    if isinstance(user, ReceiptHolder):
        return Access.WORKER if case.pk is not None and case.pk == user.case_id else Access.NONE
    if isinstance(user, SystemActor):
        return Access.NONE
    p = principal_for(user)
    if not p.is_active or case.pk is None:
        return Access.NONE
    if p.roles:
        if (
            case.owning_org_id in p.caseworker_org_ids
            and case.confidentiality != Confidentiality.RESTRICTED
        ):
            return Access.FULL
        if p.supervisor_paths and p.in_supervised_subtree(case.owning_org.path):
            return Access.FULL
        if _has_grant(user, case, VIEW_PERM):
            return Access.FULL
        if p.coordinator_org_ids and _is_coordinator_of_pending(p, case):
            # (the live referral, read once per case object: one live referral at a time)
            return Access.SUMMARY
    if case.filed_by_id is not None and case.filed_by_id == p.user_id:
        return Access.WORKER
    return Access.NONE


def report_scope(user) -> tuple[str, ...]:
    """The organisation subtrees (materialised paths) whose aggregate reports the user may see:
    a supervisor's supervised subtrees and an analyst's organisation subtrees; () for anyone
    else. Reports are aggregates only: this opens no case (DESIGN §1)."""
    p = principal_for(user)
    if not p.is_active or not p.sees_reports:
        return ()
    paths = set(p.supervisor_paths)
    if p.analyst_org_ids:
        from accounts.models import Organisation

        paths |= set(
            Organisation.objects.filter(pk__in=p.analyst_org_ids).values_list("path", flat=True)
        )
    # A subtree inside another one adds nothing.
    return tuple(sorted(a for a in paths if not any(a != b and a.startswith(b) for b in paths)))


# --- doing -----------------------------------------------------------------------------------

# Actions a worker may take on their own case (account or receipt code).
WORKER_ACTIONS = {
    "view_worker",
    "submit",
    "resume",
    "withdraw",
    "message_worker",
    "consent",
    "request_erasure",  # PIPL Art. 47 (privacy app); the service also requires an account
}


def _is_assignee(p: Principal, case: Case) -> bool:
    return p.user_id is not None and case.assignee_id == p.user_id


def is_union_staff(p: Principal, case: Case) -> bool:
    """A caseworker or supervisor of the owning organisation (or a supervisor above it)."""
    return case.owning_org_id in p.union_org_ids or (
        bool(p.supervisor_paths) and p.in_supervised_subtree(case.owning_org.path)
    )


def is_supervisor(p: Principal, case: Case) -> bool:
    return bool(p.supervisor_paths) and p.in_supervised_subtree(case.owning_org.path)


def _live_referral(case: Case):
    """The pending or accepted referral, read once per case object."""
    if "_live_referral" not in case.__dict__:
        case._live_referral = (
            case.referrals.filter(state__in=[ReferralState.PENDING, ReferralState.ACCEPTED])
            .select_related("provider")
            .first()
        )
    return case._live_referral


def _is_coordinator_of_pending(p: Principal, case: Case) -> bool:
    ref = _live_referral(case)
    return (
        ref is not None
        and ref.state == ReferralState.PENDING
        and ref.sent_at is not None
        and ref.provider_id in p.coordinator_org_ids
    )


def _is_assigned_lawyer(p: Principal, case: Case) -> bool:
    ref = _live_referral(case)
    return (
        ref is not None
        and ref.state == ReferralState.ACCEPTED
        and ref.lawyer_id == p.user_id
        and ref.provider_id in p.lawyer_org_ids
    )


def _is_purged(case: Case) -> bool:
    """Purged of its personal data (privacy app): the case stays closed for good."""
    if "_is_purged" not in case.__dict__:
        case._is_purged = hasattr(case, "purge_record")
    return case._is_purged


def may(user, action: str, case: Case) -> bool:
    """May `user` take `action` on `case`? Source states are checked by the state machine;
    this answers who. Unknown actions are refused."""
    if isinstance(user, SystemActor):
        return action in {"expire_referral", "withdraw_referral"}
    level = access(user, case)
    if level == Access.NONE:
        return False
    if level == Access.WORKER:
        return action in WORKER_ACTIONS
    p = principal_for(user)
    if level == Access.SUMMARY:
        return action in {
            "view_summary",
            "accept_referral",
            "decline_referral",
            "conflict_check",
        } and (_is_coordinator_of_pending(p, case))
    # Full access from here on.
    union_staff = is_union_staff(p, case)
    assignee = _is_assignee(p, case)
    lawyer = _is_assigned_lawyer(p, case)
    match action:
        case "view":
            return True
        case "view_identity":
            # Phone and ID number unmasked: the people who must contact or represent the worker.
            return assignee or lawyer or is_supervisor(p, case)
        case "note":
            return union_staff or lawyer
        case "message":
            return assignee or lawyer or is_supervisor(p, case)
        case "submit":
            return union_staff
        case "accept_for_review" | "reject":
            return union_staff
        case "claim":
            return union_staff and case.assignee_id is None
        case "assign":
            return is_supervisor(p, case)
        case "request_info" | "start_mediation" | "mediation_failed" | "record_agreement":
            return assignee or (is_supervisor(p, case) and case.assignee_id is not None)
        case "refer_to_legal_aid":
            return assignee or (is_supervisor(p, case) and case.assignee_id is not None)
        case "approve_referral":
            return is_supervisor(p, case) and not assignee
        case "resume":
            return assignee
        case "start_proceedings":
            return lawyer
        case "record_outcome":
            if case.state == CaseState.UNDER_REVIEW:
                return assignee or is_supervisor(p, case)
            return lawyer
        case "withdraw":
            # Staff withdraw only on the worker's recorded request (the service requires it).
            return assignee or lawyer or is_supervisor(p, case)
        case "reopen":
            return is_supervisor(p, case) and not _is_purged(case)
        case "decide_erasure":
            # A worker's erasure request (privacy app): a supervisor over the case's union.
            return is_supervisor(p, case)
        case "accept_referral" | "decline_referral" | "conflict_check":
            return _is_coordinator_of_pending(p, case)
    return False


def allowed_transitions(user, case: Case) -> list[str]:
    """The transitions this user may take on this case now (source state and permission)."""
    return [t.name for t in case.get_available_user_state_transitions(user)]


# --- fetching through the gate ----------------------------------------------------------------


def get_case_or_404(
    user, reference: str, *, levels=(Access.FULL,), queryset=None
) -> tuple[Case, Access]:
    """The case and how much of it the user sees. NotFound when the user may not see it at one
    of the given levels: denied and missing look the same."""
    qs = (
        queryset
        if queryset is not None
        else Case.objects.select_related(
            "owning_org", "assignee", "primary_worker", "primary_employer"
        )
    )
    case = qs.filter(reference=reference).first()
    if case is None:
        raise NotFound()
    level = access(user, case)
    if level not in levels:
        raise NotFound()
    return case, level
