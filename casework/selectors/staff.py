"""Reads for staff pages: the queue, the coordinator's inbox, the case page and its timeline.

Every function here costs a fixed number of queries whatever the number of rows or events:
lists are filtered in the database through the gate (`visible_cases`), related rows come with
`select_related`/`prefetch_related`, and what a row may offer ("Claim", "Assign") is decided
in memory from the principal and the row's own data — never by a per-row permission query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import Membership, Organisation, User
from documents.models import DocumentKind, GeneratedDocument
from rights.local_copy import LocalCopy
from rights.models import Category

from ..choices import (
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
from ..datefmt import format_date
from ..models import (
    AuditEvent,
    Case,
    CaseParty,
    CaseTally,
    Claim,
    ConsentRecord,
    Message,
    Referral,
)
from ..permissions import (
    Access,
    case_scope,
    is_supervisor,
    is_union_staff,
    principal_for,
    visible_cases,
)
from .case_rows import HIDDEN_EVENT_VERBS, case_rows
from .search import case_search_q, few_matches  # the search index (references, names, codes)

# --- small formatting helpers (no queries) -----------------------------------------------------


def format_yuan(amount: Decimal | None) -> str:
    """Amounts on screens, both languages (glossary §1.3): ¥12,345.60."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"¥{value:,.2f}"


def is_urgent(case: Case, today: date) -> bool:
    """`Case.is_urgent`, with one `today` for the whole page."""
    if case.state not in CaseState.open() or case.next_deadline is None:
        return False
    return (case.next_deadline - today).days < settings.RIGHTSDESK["URGENT_DAYS"]


@dataclass(frozen=True)
class Deadline:
    """The nearest deadline as a page shows it: the date, days left and the urgent flag."""

    date: date | None
    days_left: int | None
    urgent: bool
    open: bool

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def deadline_of(case: Case, today: date) -> Deadline:
    return Deadline(
        date=case.next_deadline,
        days_left=case.days_to_deadline(today),
        urgent=is_urgent(case, today),
        open=case.state in CaseState.open(),
    )


# The open states written out in the SQL itself, as in the partial indexes' condition
# (migration 0006): SQLite uses a partial index only for a query whose condition is literally
# the index's, which a bound parameter never is. The values are the enum's own constants.
_OPEN_SQL = '"casework_case"."state" IN ({})'.format(
    ", ".join(f"'{state}'" for state in CaseState.open())
)


def open_q() -> Q:
    """Open cases, in the form the open-deadline indexes serve."""
    return Q(RawSQL(_OPEN_SQL, [], output_field=BooleanField()))  # noqa: S611 # nosec B611


def urgent_q(today: date) -> Q:
    """`Case.is_urgent` as a database filter: open, and the nearest deadline is fewer than
    URGENT_DAYS days away (overdue deadlines included)."""
    limit = today + timedelta(days=settings.RIGHTSDESK["URGENT_DAYS"])
    return open_q() & Q(next_deadline__isnull=False, next_deadline__lt=limit)


# --- the queue -----------------------------------------------------------------------------

SORTS = ("newest", "oldest", "deadline")
ME, UNASSIGNED = "me", "unassigned"
OPEN = "open"


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to; every field optional. `state` is a CaseState value or
    "open"; `assignee` a user id, "me" or "unassigned"; `category` a category code."""

    state: str = ""
    category: str = ""
    assignee: str = ""
    urgent: bool = False
    q: str = ""
    sort: str = "newest"
    page: int | str = 1


@dataclass
class QueueRow:
    case: Case
    state_label: str
    categories: list[str]
    deadline: Deadline
    can_claim: bool
    can_assign: bool
    assignable: list[StaffPerson] = field(default_factory=list)
    assign_inline: bool = True  # False: too many people for a select in every row


@dataclass
class QueueCounts:
    total: int
    by_state: dict[str, int]  # every state of the filtered set, ignoring the state filter
    states_total: int  # the sum of by_state (the set before the state filter)


def _narrowed(filters: QueueFilters) -> bool:
    """Whether a filter other than the state narrows the queue (then the counts are counted
    from the cases, not read from the tally)."""
    return bool(filters.category or filters.assignee or filters.urgent or filters.q.strip())


def _queue_base(
    qs: QuerySet, user, filters: QueueFilters, today: date, *, few: bool = False
) -> QuerySet:
    """`qs` (visible cases, or a part of them) narrowed by every filter but the state; `few`:
    the search is known to match few cases (see `case_search_q`)."""
    if filters.category:
        qs = qs.filter(
            Exists(
                Case.categories.through.objects.filter(
                    case_id=OuterRef("pk"), category__code=filters.category
                )
            )
        )
    if filters.assignee == ME:
        qs = qs.filter(assignee_id=user.pk)
    elif filters.assignee == UNASSIGNED:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.urgent:
        qs = qs.filter(urgent_q(today))
    text = filters.q.strip()
    if text:
        qs = qs.filter(case_search_q(text, few=few))
    return qs


def _state_q(state: str) -> Q:
    if state == OPEN:
        return open_q()
    return Q(state=state)


def _states_of(state: str) -> list[str]:
    if state == OPEN:
        return CaseState.open()
    return [state] if state else list(CaseState.values)


def _ordering(sort: str) -> list:
    if sort == "oldest":
        return ["created_at", "id"]
    if sort == "deadline":
        return [F("next_deadline").asc(nulls_last=True), "id"]
    return ["-created_at", "-id"]


def _sort_key(sort: str):
    """The ordering of `_ordering` for loaded cases, in Python."""
    if sort == "oldest":
        return lambda c: (c.created_at, c.pk)
    if sort == "deadline":
        return lambda c: (c.next_deadline is None, c.next_deadline or date.min, c.pk)
    return lambda c: (-c.created_at.timestamp(), -c.pk)


class _MergedRows:
    """The page rows of a queue made of two disjoint parts, each sorted and cut by the
    database: the cases seen through the user's organisations (possibly many) and the few
    granted to the user directly. Slicing merges the two heads in Python and then loads the
    page's categories in one query. Paginator slices this like a queryset."""

    MAX_GRANTED = 2000  # beyond this many granted-only cases the queue asks the database

    def __init__(self, org_qs: QuerySet, granted_qs: QuerySet, sort: str):
        self.org_qs, self.granted_qs, self.sort = org_qs, granted_qs, sort

    def __getitem__(self, window: slice) -> list[Case]:
        top = window.stop
        org_head, granted_head = self.org_qs[:top], self.granted_qs[:top]
        if connection.features.supports_slicing_ordering_in_compound:
            # PostgreSQL: both heads in one query, each part still sorted and cut by its index.
            cases = list(org_head.union(granted_head, all=True))
        else:
            cases = [*org_head, *granted_head]
        cases.sort(key=_sort_key(self.sort))
        page = cases[window.start : top]
        prefetch_related_objects(page, _categories_prefetch())
        return page


def _categories_prefetch() -> Prefetch:
    return Prefetch("categories", queryset=Category.objects.order_by("sort_order", "code"))


WALK_ABOVE = 5000  # cases in a multi-organisation scope above which the queue walks an index


def _page_of(rows, number, count: int) -> Page:
    paginator = Paginator(rows, settings.RIGHTSDESK["QUEUE_PAGE_SIZE"])
    # The count is already known from the aggregate; do not ask the database again.
    paginator.__dict__["count"] = count
    return paginator.get_page(number)


def _queue_counts(scope, org_part, granted_part, filters) -> tuple[dict, dict]:
    """Counts by state of the two parts of the queue, in one query: the organisations' part
    from the tally (casework.models.CaseTally) unless a filter narrows it, the granted part
    always from the cases (a user holds few grants)."""
    granted = granted_part.order_by().values_list("state").annotate(n=Count("pk"), part=Value(2))
    if org_part is None:
        parts = granted
    elif _narrowed(filters):
        parts = (
            org_part.order_by().values_list("state").annotate(n=Count("pk"), part=Value(1))
        ).union(granted, all=True)
    else:
        tally = CaseTally.objects.filter(
            Q(org_id__in=sorted(scope.all_org_ids))
            | Q(org_id__in=sorted(scope.unrestricted_org_ids), restricted=False)
        )
        parts = (tally.order_by().values_list("state").annotate(n=Sum("n"), part=Value(1))).union(
            granted, all=True
        )
    org_counts = dict.fromkeys(CaseState.values, 0)
    granted_counts = dict.fromkeys(CaseState.values, 0)
    for state, n, part in parts:
        target = org_counts if part == 1 else granted_counts
        if state in target:
            target[state] += n
    return org_counts, granted_counts


def queue(user, filters: QueueFilters) -> tuple[Page, QueueCounts]:
    """The staff queue: one page of `QueueRow`s and the counts of the filtered set.

    The visible cases come in two disjoint parts (`permissions.case_scope`): those of the
    user's organisations, which the database walks in index order however many there are,
    and those granted to the user directly. Queries: one for the counts of both parts, one
    for the page (on SQLite two when both parts have cases in it), one for the page's categories, one
    for a supervisor's subtree, for supervisors one for the people each row can be assigned to,
    and on PostgreSQL, for a search, one first on the search index (`few_matches`)."""
    p = principal_for(user)
    today = timezone.localdate()
    scope = case_scope(user)
    text = filters.q.strip()
    # A search the index shows to be narrow is counted, too, by fetching its cases by key.
    few = bool(text) and few_matches(text, WALK_ABOVE)
    org_part = (
        _queue_base(Case.objects.filter(scope.org_q()), user, filters, today, few=few)
        if scope.has_orgs
        else None
    )
    granted_part = _queue_base(
        Case.objects.filter(scope.granted_q()), user, filters, today, few=few
    )
    org_counts, granted_counts = _queue_counts(scope, org_part, granted_part, filters)
    by_state = {s: org_counts[s] + granted_counts[s] for s in CaseState.values}
    states_total = sum(by_state.values())
    wanted = _states_of(filters.state)
    total = sum(by_state[s] for s in wanted)
    granted_total = sum(granted_counts[s] for s in wanted)
    if text and not few and total <= WALK_ABOVE:
        # A search counted to few cases: the page fetches them by primary key and sorts them
        # (`case_search_q`), rather than walk the date index looking for them.
        if org_part is not None:
            org_part = _queue_base(
                Case.objects.filter(scope.org_q()), user, filters, today, few=True
            )
        granted_part = _queue_base(
            Case.objects.filter(scope.granted_q()), user, filters, today, few=True
        )

    def rows(qs: QuerySet, *, categories: bool = True) -> QuerySet:
        qs = qs.filter(_state_q(filters.state)) if filters.state else qs
        qs = (
            qs.select_related("owning_org", "assignee", "primary_employer")
            .defer("facts", "receipt_digest")
            .order_by(*_ordering(filters.sort))
        )
        return qs.prefetch_related(_categories_prefetch()) if categories else qs

    if org_part is not None and len(scope.org_ids) > 1 and total > WALK_ABOVE:
        # Many organisations with many cases: walk the date (or deadline) index in the page's
        # order and stop after a page, rather than sort every case of the subtree.
        org_part = _queue_base(
            Case.objects.filter(scope.org_q(unindexed=True)), user, filters, today
        )
    if org_part is None:
        listed = rows(granted_part)
    elif granted_total == 0:
        listed = rows(org_part)
    elif granted_total <= _MergedRows.MAX_GRANTED:
        listed = _MergedRows(
            rows(org_part, categories=False), rows(granted_part, categories=False), filters.sort
        )
    else:
        few = total <= WALK_ABOVE
        listed = rows(_queue_base(visible_cases(user), user, filters, today, few=few))
    page = _page_of(listed, filters.page, total)
    cases = list(page.object_list)
    assignable = (
        assignable_by_org({c.owning_org_id for c in cases if is_supervisor(p, c)})
        if p.supervisor_paths
        else {}
    )
    state_labels = dict(CaseState.choices)
    rows_out = []
    for case in cases:
        open_ = case.state in CaseState.open()
        can_assign = open_ and is_supervisor(p, case)
        rows_out.append(
            QueueRow(
                case=case,
                state_label=state_labels[case.state],
                categories=[c.name for c in case.categories.all()],
                deadline=deadline_of(case, today),
                can_claim=open_ and case.assignee_id is None and is_union_staff(p, case),
                can_assign=can_assign,
                assignable=(assignable.get(case.owning_org_id) or []) if can_assign else [],
                assign_inline=can_assign and assignable.get(case.owning_org_id, []) is not None,
            )
        )
    page.object_list = rows_out
    return page, QueueCounts(total=total, by_state=by_state, states_total=states_total)


ASSIGN_INLINE_MAX = 30  # above this many people a queue row links to the case page to assign


@dataclass(frozen=True, slots=True)
class StaffPerson:
    """A caseworker or supervisor as the queue lists them: what a User would show (`pk`,
    `username`, `str()`), without building a model instance per person and request."""

    pk: int
    username: str
    display_name: str

    def __str__(self) -> str:
        return self.display_name or self.username


def _build_staff_people() -> dict[int, list[StaffPerson]]:
    """Every organisation's active caseworkers and supervisors, by username. One query over
    the staff's memberships (a few thousand rows at most)."""
    people: dict[int, dict[int, StaffPerson]] = defaultdict(dict)
    for org_id, user_id, username, display_name in (
        Membership.objects.filter(role__in=[Role.CASEWORKER, Role.SUPERVISOR], user__is_active=True)
        .order_by("user__username", "id")
        .values_list("organisation_id", "user_id", "user__username", "user__display_name")
    ):
        if user_id not in people[org_id]:
            people[org_id][user_id] = StaffPerson(user_id, username, display_name)
    return {org_id: list(found.values()) for org_id, found in people.items()}


# The queue's people (its assignee filter, its rows' assign menus) come from a process-local
# copy, rebuilt when a membership changes or a user's name or activity does: a district
# supervisor's page listed some three hundred people from two queries on every request.
_staff_people = LocalCopy("casework:staff-people-version", _build_staff_people)
_staff_people.invalidate_on_change(Membership, "casework_staff_people_membership")
_PEOPLE_FIELDS = frozenset({"username", "display_name", "is_active"})


def _user_changed(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is None or _PEOPLE_FIELDS & set(update_fields):
        _staff_people.invalidate()


post_save.connect(_user_changed, sender=User, dispatch_uid="casework_staff_people_user_saved")
post_delete.connect(_user_changed, sender=User, dispatch_uid="casework_staff_people_user_gone")


def assignable_by_org(org_ids) -> dict[int, list[StaffPerson] | None]:
    """`casework.services.records.assignable_users` for many organisations, without a query:
    active caseworkers and supervisors of each, by username — or None for an organisation
    with more than ASSIGN_INLINE_MAX of them (its rows send the supervisor to the case page,
    whose form lists them all)."""
    people = _staff_people.get()
    return {
        org_id: None if len(people[org_id]) > ASSIGN_INLINE_MAX else people[org_id]
        for org_id in set(org_ids)
        if people.get(org_id)
    }


def queue_people(user) -> list[StaffPerson]:
    """The people the assignee filter offers: union staff of the user's own organisations
    (a supervisor's subtree may hold thousands; its other people are filtered by their own
    organisation's supervisors, or through "Me" and "Unassigned"), by username."""
    p = principal_for(user)
    if not p.union_org_ids:
        return []
    people = _staff_people.get()
    found = {person.pk: person for org_id in p.union_org_ids for person in people.get(org_id, ())}
    return sorted(found.values(), key=lambda person: person.username)


def queue_categories() -> list[Category]:
    from rights.selectors import active_categories

    return active_categories()


# --- the coordinator's inbox -----------------------------------------------------------------


@dataclass
class InboxRow:
    """A pending referral as its provider's coordinator sees it: no worker identity."""

    case: Case
    categories: list[str]
    claims: list[tuple[str, str]]
    claims_total: str
    referral: Referral | None
    deadline: Deadline


def coordinator_inbox(user, *, page_number=1) -> Page | None:
    """Referrals waiting for the user's provider(s), at SUMMARY access. None for users who
    coordinate no provider. Queries: a count, the page, categories, claims, referrals."""
    p = principal_for(user)
    if not p.coordinator_org_ids:
        return None
    today = timezone.localdate()
    pending = Referral.objects.filter(
        state=ReferralState.PENDING, sent_at__isnull=False, provider_id__in=p.coordinator_org_ids
    ).select_related("provider")
    qs = (
        visible_cases(user, access=Access.SUMMARY)
        .select_related("primary_employer")
        .only(
            "id",
            "reference",
            "state",
            "next_deadline",
            "claimant_count",
            "primary_employer__name",
            "primary_employer__district",
        )
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("sort_order", "code")),
            Prefetch(
                "claims",
                queryset=Claim.objects.only("id", "case_id", "item", "amount").order_by("id"),
            ),
            Prefetch("referrals", queryset=pending, to_attr="pending_referrals"),
        )
        .order_by(F("next_deadline").asc(nulls_last=True), "id")
    )
    page = Paginator(qs, settings.RIGHTSDESK["QUEUE_PAGE_SIZE"]).get_page(page_number)
    rows = []
    for case in page.object_list:
        claims = list(case.claims.all())
        amounts = [c.amount for c in claims if c.amount is not None]
        rows.append(
            InboxRow(
                case=case,
                categories=[c.name for c in case.categories.all()],
                claims=[(c.item, format_yuan(c.amount)) for c in claims],
                claims_total=format_yuan(sum(amounts, Decimal("0"))),
                referral=case.pending_referrals[0] if case.pending_referrals else None,
                deadline=deadline_of(case, today),
            )
        )
    page.object_list = rows
    return page


# --- the case page ---------------------------------------------------------------------------


def case_queryset() -> QuerySet:
    """What `get_case_or_404` loads for the case page: the header's joins and the ids of the
    case's categories ("1,4"), no worker."""
    category_ids = (
        Case.categories.through.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(ids=StringAgg(Cast("category_id", CharField()), delimiter=Value(",")))
        .values("ids")
    )
    return Case.objects.select_related("owning_org", "assignee", "primary_employer").annotate(
        category_ids_csv=Subquery(category_ids)
    )


@dataclass
class ClaimLine:
    claim: Claim
    amount: str


@dataclass
class CaseSummary:
    """What a provider's coordinator sees before accepting: no identity, no facts, no
    evidence, no notes or messages."""

    case: Case
    categories: list[Category]
    claims: list[ClaimLine]
    claims_total: str
    employer_name: str
    employer_district: str
    referral: Referral | None
    deadline: Deadline
    lawyers: list[User]


def _claim_lines(claims: list[Claim]) -> tuple[list[ClaimLine], str]:
    lines = [ClaimLine(claim=c, amount=format_yuan(c.amount)) for c in claims]
    total = sum((c.amount for c in claims if c.amount is not None), Decimal("0"))
    return lines, format_yuan(total)


def provider_lawyers(provider_id: int | None) -> list[User]:
    if provider_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, memberships__organisation_id=provider_id, memberships__role=Role.LAWYER
        )
        .distinct()
        .order_by("username")
    )


def case_summary(user, case: Case) -> CaseSummary:
    """The limited summary of a referred case for its provider's coordinator."""
    p = principal_for(user)
    today = timezone.localdate()
    lines, total = _claim_lines(list(case.claims.order_by("id")))
    referral = (
        case.referrals.filter(
            state=ReferralState.PENDING,
            sent_at__isnull=False,
            provider_id__in=p.coordinator_org_ids,
        )
        .select_related("provider")
        .first()
    )
    employer = case.primary_employer
    return CaseSummary(
        case=case,
        categories=list(case.categories.order_by("sort_order", "code")),
        claims=lines,
        claims_total=total,
        employer_name=employer.name if employer else "",
        employer_district=employer.district if employer else "",
        referral=referral,
        deadline=deadline_of(case, today),
        lawyers=provider_lawyers(referral.provider_id if referral else None),
    )


@dataclass
class TimelineEntry:
    at: datetime
    actor: str
    text: str
    body: str = ""
    internal: bool = False  # an internal note: never shown to the worker
    kind: str = "event"  # event, note, message
    # `at` as the page prints it, formatted once here rather than by two filters per row:
    # ISO 8601 for <time datetime> and DATETIME_FORMAT in the reader's language, local time.
    at_iso: str = ""
    at_text: str = ""


@dataclass(frozen=True)
class ThreadLine:
    """A message of the thread as the case page prints it: time and sender already worded."""

    at_text: str
    author: str
    from_worker: bool
    is_question: bool
    body: str


def _thread(messages: list[Message]) -> list[ThreadLine]:
    fmt = get_format("DATETIME_FORMAT")
    return [
        ThreadLine(
            at_text=_datetime_text(m.created_at, fmt),
            author=_("The worker") if m.from_worker else str(m.author or _("Staff")),
            from_worker=m.from_worker,
            is_question=m.is_question,
            body=m.body,
        )
        for m in messages
    ]


@dataclass
class CaseDetail:
    case: Case
    workers: list[CaseParty]
    employers: list[CaseParty]
    categories: list[Category]
    claims: list[ClaimLine]
    claims_total: str
    consents: list[ConsentRecord]
    referrals: list[Referral]
    live_referral: Referral | None
    awaiting_approval: Referral | None
    messages: list[Message]
    thread: list[ThreadLine]
    timeline: list[TimelineEntry]
    deadline: Deadline
    providers: list[Organisation]
    lawyers: list[User]
    assignable: list[User]
    packet: GeneratedDocument | None
    documents: list[GeneratedDocument]
    reject_reason: str
    reject_route: str
    amount_awarded: str
    amount_recovered: str


def case_referrals(case: Case) -> list[Referral]:
    """The case's referrals, newest first, read once per case object. The live one (pending or
    accepted: one at a time) is handed to the gate's per-case cache, so `may()` does not read
    it again (`permissions._live_referral`)."""
    if "_case_page_referrals" not in case.__dict__:
        referrals = list(
            case.referrals.select_related("provider", "lawyer", "created_by").order_by(
                "-created_at", "-id"
            )
        )
        case.__dict__["_case_page_referrals"] = referrals
        case.__dict__.setdefault(
            "_live_referral",
            next(
                (
                    r
                    for r in referrals
                    if r.state in (ReferralState.PENDING, ReferralState.ACCEPTED)
                ),
                None,
            ),
        )
    return case.__dict__["_case_page_referrals"]


def case_categories(case: Case) -> list[Category]:
    """The case's categories in taxonomy order with their evidence checklists, read once per
    case object: the claims panel, the providers' matter types and the categories panel share
    them. One query (the case's category ids; the taxonomy is a process-local copy)."""
    if "_case_page_categories" not in case.__dict__:
        from rights.selectors import categories_with_checklists

        if hasattr(case, "category_ids_csv"):  # loaded by case_queryset()
            ids = [int(pk) for pk in (case.category_ids_csv or "").split(",") if pk]
        else:
            ids = list(
                Case.categories.through.objects.filter(case_id=case.pk).values_list(
                    "category_id", flat=True
                )
            )
        case.__dict__["_case_page_categories"] = categories_with_checklists(ids)
    return case.__dict__["_case_page_categories"]


def case_detail(case: Case, *, with_assignable: bool = False) -> CaseDetail:
    """Everything the full case page shows, in a fixed number of queries. The people a case
    can be assigned to are read only for who may assign (`with_assignable`)."""
    today = timezone.localdate()
    parties = list(case.parties.select_related("worker", "employer").order_by("id"))
    referrals = case_referrals(case)
    live = next(
        (r for r in referrals if r.state in (ReferralState.PENDING, ReferralState.ACCEPTED)), None
    )
    awaiting = (
        live
        if live is not None and live.state == ReferralState.PENDING and live.sent_at is None
        else None
    )
    lines, total = _claim_lines(case_rows(case, "claims", case.claims.order_by("id")))
    messages = case_rows(case, "messages", case.messages.order_by("created_at", "id"))
    consents = list(
        case.consents.select_related("provider", "granted_by", "withdrawn_by").order_by(
            "granted_at", "id"
        )
    )
    providers = {r.provider_id: r.provider for r in referrals}
    providers.update((c.provider_id, c.provider) for c in consents if c.provider_id)
    timeline = case_timeline(case, include_internal=True, messages=messages, known_orgs=providers)
    latest: dict[str, GeneratedDocument] = {}
    for doc in case_rows(
        case,
        "documents",
        GeneratedDocument.objects.filter(case=case).defer("snapshot").order_by("kind", "-version"),
    ):
        latest.setdefault(doc.kind, doc)
    from ..services.records import assignable_users

    categories = case_categories(case)
    return CaseDetail(
        case=case,
        workers=[pt for pt in parties if pt.worker_id is not None],
        employers=[pt for pt in parties if pt.employer_id is not None],
        categories=categories,
        claims=lines,
        claims_total=total,
        consents=consents,
        referrals=referrals,
        live_referral=live,
        awaiting_approval=awaiting,
        messages=messages,
        thread=_thread(messages),
        timeline=timeline,
        deadline=deadline_of(case, today),
        providers=providers_for_case(case),
        lawyers=provider_lawyers(
            live.provider_id
            if live is not None and live.state == ReferralState.PENDING and live.sent_at
            else None
        ),
        assignable=list(assignable_users(case)) if with_assignable else [],
        packet=latest.get(DocumentKind.REFERRAL_PACKET),
        documents=list(latest.values()),
        reject_reason=_label(RejectReason, case.reject_reason) if case.reject_reason else "",
        reject_route=_label(Route, case.reject_route) if case.reject_route else "",
        amount_awarded=format_yuan(case.amount_awarded),
        amount_recovered=format_yuan(case.amount_recovered),
    )


def providers_for_case(case: Case) -> list[Organisation]:
    """The legal-aid providers that take this case (districts served, matter types)."""
    from .referrals import providers_for_case as fitting

    cached = case.__dict__.get("_case_page_categories")
    return fitting(case, category_ids=[c.pk for c in cached] if cached is not None else None)


def action_options(case: Case) -> dict:
    """The choices the case page's forms offer, to validate a POST against."""
    from ..services.records import assignable_users

    provider_id = (
        case.referrals.filter(state=ReferralState.PENDING, sent_at__isnull=False)
        .values_list("provider_id", flat=True)
        .first()
    )
    return {
        "providers": providers_for_case(case),
        "lawyers": provider_lawyers(provider_id),
        "assignable": list(assignable_users(case)),
    }


# --- the timeline ----------------------------------------------------------------------------

# Access records, not events of the case: they stay in the audit log.
TIMELINE_HIDDEN_VERBS = set(HIDDEN_EVENT_VERBS)


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _phrase(
    event: AuditEvent, case: Case, users: dict[int, User], orgs: dict[int, Organisation]
) -> str:
    """Past-tense predicates of glossary §2.6 that follow the actor's name."""
    pl = event.payload or {}

    def user_name(key: str) -> str:
        u = users.get(pl.get(key))
        return str(u) if u else _("someone")

    def org_name(key: str) -> str:
        o = orgs.get(pl.get(key))
        return o.name if o else _("a legal-aid provider")

    match event.verb:
        case "draft_saved":
            return _("saved the grievance as a draft")
        case "filed":
            if event.actor_kind == "staff":
                return _("registered the grievance on the worker's behalf")
            return _("filed the grievance")
        case "submit":
            return _("submitted the grievance")
        case "accept_for_review":
            return _("accepted the case for review; %(assignee)s is handling it") % {
                "assignee": user_name("assignee")
            }
        case "reject":
            return _("rejected the case (%(reason)s); suggested: %(route)s") % {
                "reason": _label(RejectReason, pl.get("reason")),
                "route": _label(Route, pl.get("route")),
            }
        case "request_info":
            return _("asked the worker for more information")
        case "resume":
            if event.actor_kind == "worker":
                return _("the worker answered; review resumed")
            return _("resumed the review")
        case "start_mediation":
            return _("started mediation")
        case "mediation_failed":
            return _("mediation ended without agreement; back under review")
        case "record_agreement":
            return _("reached a mediation agreement; case closed")
        case "referral_requested":
            return _("sent the referral for approval")
        case "refer_to_legal_aid":
            if pl.get("approved"):
                return _("approved the referral and referred the case to %(provider)s") % {
                    "provider": org_name("provider")
                }
            return _("referred the case to %(provider)s") % {"provider": org_name("provider")}
        case "conflict_checked":
            if pl.get("conflict_found"):
                return _("ran the conflict check: possible conflict")
            return _("ran the conflict check: no conflict found")
        case "accept_referral":
            return _("accepted the referral and assigned %(lawyer)s") % {
                "lawyer": user_name("lawyer")
            }
        case "decline_referral":
            return _("declined the referral (%(reason)s); the case is back with the union") % {
                "reason": _label(DeclineReason, pl.get("reason")),
            }
        case "expire_referral":
            return _("the referral expired without a reply; the case is back with the union")
        case "referral_returned":
            return _("returned the referral for changes")
        case "conflict_cleared":
            return _("reviewed the conflict check: the matches are not a conflict")
        case "stage_updated":
            return _("stage changed to %(stage)s") % {
                "stage": _label(ProceedingsStage, pl.get("stage"))
            }
        case "proceeding_updated":
            return _("recorded dates of the proceedings")
        case "start_proceedings":
            params = {"forum": case.forum or "—", "date": pl.get("filing_date", "")}
            if pl.get("stage") == ProceedingsStage.LITIGATION:
                return _("filed suit in %(forum)s on %(date)s") % params
            if pl.get("stage") == ProceedingsStage.ENFORCEMENT:
                return _("applied to %(forum)s for enforcement on %(date)s") % params
            return _("applied to %(forum)s for arbitration on %(date)s") % params
        case "record_outcome":
            return _("closed: %(outcome)s") % {"outcome": _label(OutcomeCode, pl.get("outcome"))}
        case "withdraw":
            if pl.get("by_worker"):
                return _("withdrew the grievance")
            return _("withdrawn at the worker's recorded request")
        case "reopen":
            return _("reopened the case (%(reason)s)") % {
                "reason": _label(ReopenReason, pl.get("reason"))
            }
        case "claimed":
            return _("claimed the case")
        case "assigned":
            if pl.get("previous"):
                return _("reassigned the case to %(name)s") % {"name": user_name("assignee")}
            return _("assigned the case to %(name)s") % {"name": user_name("assignee")}
        case "note_added":
            return _("added an internal note")
        case "message_sent":
            return _("sent a message")
        case "consent_granted":
            return _("recorded consent: %(scope)s") % {
                "scope": _label(ConsentScope, pl.get("scope"))
            }
        case "consent_withdrawn":
            if event.actor_kind == "staff":
                return _("recorded that the worker withdrew consent: %(scope)s") % {
                    "scope": _label(ConsentScope, pl.get("scope"))
                }
            return _("withdrew consent: %(scope)s") % {
                "scope": _label(ConsentScope, pl.get("scope"))
            }
        case "withdraw_referral":
            return _(
                "the referral was withdrawn because the worker withdrew consent; the case is back with the union"
            )
        case "referral_withdrawn":
            return _(
                "the referral waiting for approval was withdrawn because the worker withdrew consent"
            )
        case "representation_ended":
            return _(
                "the worker withdrew consent to share with %(provider)s: representation ended; "
                "the lawyer and the assignee were told"
            ) % {"provider": org_name("provider")}
        case "document_requested" | "document_rendered":
            params = {
                "document": _label(DocumentKind, pl.get("kind")),
                "version": pl.get("version", ""),
            }
            if event.verb == "document_rendered":
                return _("generated %(document)s (version %(version)s)") % params
            return _("asked for %(document)s (version %(version)s)") % params
        case "access_granted":
            return _("gave %(name)s access to the case") % {"name": user_name("user")}
        case "access_revoked":
            return _("removed %(name)s's access to the case") % {"name": user_name("user")}
        case "evidence_uploaded":
            count = pl.get("count") or 0
            return ngettext(
                "uploaded evidence: %(n)s file", "uploaded evidence: %(n)s files", count
            ) % {"n": count}
        case "claim_added":
            return _("added a calculated claim")
        case "key_dates_changed":
            return _("changed the key dates; the deadlines were recomputed")
        case "deadline_suspended":
            return _("recorded a suspension of the limitation period")
        case "deadline_interrupted":
            return _("recorded an interruption of the limitation period")
        case "eligibility_assessed":
            return _("assessed legal-aid eligibility")
        case "eligibility_overridden":
            return _("overrode the legal-aid eligibility result")
        case "deadline_reminder":
            return _("sent a deadline reminder")
    return _("recorded: %(event)s") % {"event": event.verb.replace("_", " ")}


def _actor_label(
    event: AuditEvent, org_of: dict[int, str], people: dict[int, User] | None = None
) -> str:
    """Staff see the person and their organisation; the worker and the system by role.
    `people`: the actors by id when the caller read them (else `event.actor`)."""
    if event.actor_kind == "system":
        return _("System")
    if event.actor_kind == "worker":
        return _("The worker")
    actor = event.actor if people is None else people.get(event.actor_id)
    if actor is None:
        return _("Staff")
    org = org_of.get(event.actor_id)
    return f"{actor} ({org})" if org else str(actor)


def case_timeline(
    case: Case,
    *,
    include_internal: bool,
    messages: list[Message] | None = None,
    known_orgs: dict[int, Organisation] | None = None,
) -> list[TimelineEntry]:
    """Audit events, notes and messages merged by time, newest first.

    An event that wrote a note or message carries its text; notes and messages no event points
    to appear on their own. Without `include_internal` (the worker's view) only worker-visible
    events and the message thread are kept, and no note. Fixed queries: events, notes,
    messages (unless given), the providers the events name, and one for every person named —
    actors, authors, the people in the events — with their first organisation. The messages'
    authors are set on them, so the page's thread reads no more. `known_orgs`: providers the
    caller has loaded already (those of the case's referrals and consents), not read again."""
    events_qs = case.audit_events.exclude(verb__in=TIMELINE_HIDDEN_VERBS).only(
        "id", "occurred_at", "actor_id", "actor_kind", "verb", "payload", "worker_visible"
    )
    if not include_internal:
        events_qs = events_qs.filter(worker_visible=True)
    events = case_rows(case, "events", events_qs.order_by("occurred_at", "id"))
    if not include_internal:  # a preloaded list holds every event
        events = [e for e in events if e.worker_visible]
    if messages is None:
        messages = case_rows(case, "messages", case.messages.order_by("created_at", "id"))
    notes = (
        case_rows(case, "notes", case.notes.order_by("created_at", "id"))
        if include_internal
        else []
    )
    notes_by_id = {n.pk: n for n in notes}
    messages_by_id = {m.pk: m for m in messages}

    user_ids, org_ids = set(), set()
    for e in events:
        pl = e.payload or {}
        for key in ("assignee", "lawyer", "user"):
            if isinstance(pl.get(key), int):
                user_ids.add(pl[key])
        if isinstance(pl.get("provider"), int):
            org_ids.add(pl["provider"])
        if e.actor_id:
            user_ids.add(e.actor_id)
    user_ids.update(n.author_id for n in notes if n.author_id)
    user_ids.update(m.author_id for m in messages if m.author_id)
    orgs = {pk: o for pk, o in (known_orgs or {}).items() if pk in org_ids}
    if org_ids - orgs.keys():
        orgs.update((o.pk, o) for o in Organisation.objects.filter(pk__in=org_ids - orgs.keys()))
    # Everyone named, with their first organisation (as Organisation.name picks it), at once.
    users: dict[int, User] = {}
    org_of: dict[int, str] = {}
    if user_ids:
        first_org = Membership.objects.filter(user_id=OuterRef("pk")).order_by("id")
        english = (get_language() or "").startswith("en")
        for u in User.objects.filter(pk__in=user_ids).annotate(
            first_org_zh=Subquery(first_org.values("organisation__name_zh")[:1]),
            first_org_en=Subquery(first_org.values("organisation__name_en")[:1]),
        ):
            users[u.pk] = u
            if u.first_org_zh is not None:
                org_of[u.pk] = u.first_org_en if english else u.first_org_zh
    author = Message.author.field
    for m in messages:
        if m.author_id and not author.is_cached(m):
            author.set_cached_value(m, users.get(m.author_id))

    def author_of(obj) -> str:
        person = users.get(obj.author_id) if obj.author_id else None
        return str(person or _("Staff"))

    entries: list[TimelineEntry] = []
    used_notes, used_messages = set(), set()
    for e in events:
        pl = e.payload or {}
        entry = TimelineEntry(
            at=e.occurred_at,
            actor=_actor_label(e, org_of, users),
            text=_phrase(e, case, users, orgs),
        )
        note = notes_by_id.get(pl.get("note")) if isinstance(pl.get("note"), int) else None
        message = (
            messages_by_id.get(pl.get("message")) if isinstance(pl.get("message"), int) else None
        )
        if note is not None:
            entry.body, entry.internal, entry.kind = note.body, True, "note"
            used_notes.add(note.pk)
        elif message is not None:
            entry.body, entry.kind = message.body, "message"
            used_messages.add(message.pk)
        entries.append(entry)
    for n in notes:
        if n.pk not in used_notes:
            entries.append(
                TimelineEntry(
                    at=n.created_at,
                    actor=author_of(n),
                    text=_("added an internal note"),
                    body=n.body,
                    internal=True,
                    kind="note",
                )
            )
    for m in messages:
        if m.pk not in used_messages:
            actor = _("The worker") if m.from_worker else author_of(m)
            entries.append(
                TimelineEntry(
                    at=m.created_at,
                    actor=actor,
                    text=_("sent a message"),
                    body=m.body,
                    kind="message",
                )
            )
    # Oldest first by time (stable, so same-instant entries keep the order they were written),
    # then reversed: newest first.
    entries.sort(key=lambda x: x.at)
    entries.reverse()
    _format_times(entries)
    return entries


def _format_times(entries: list[TimelineEntry]) -> None:
    """What `{{ at|date:'c' }}` and `{{ at|date:"DATETIME_FORMAT" }}` print, once per entry."""
    fmt = get_format("DATETIME_FORMAT")
    for entry in entries:
        local = timezone.localtime(entry.at) if timezone.is_aware(entry.at) else entry.at
        entry.at_iso = local.isoformat()
        entry.at_text = format_date(local, fmt)


def _datetime_text(value: datetime, fmt: str) -> str:
    """`{{ value|date:"DATETIME_FORMAT" }}` in Python (the template shows local time)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_date(local, fmt)
