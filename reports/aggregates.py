"""The report's figures, counted by the database (GROUP BY), never by looping over cases.

`build(scope, filters)` returns the report as a tree of suppression cells
(`reports.suppression`) and the columns that add up to a shown total; `reports.selectors`
suppresses it, caches it and hands it out. A dozen queries whatever the number of cases.

Which grievances: drafts never count. The report's grievances are those submitted within the
period (the month a grievance was submitted is when it was opened); the monthly table also counts
the grievances that ended (closed, rejected or withdrawn) in each month of the period, whenever
they were opened. Times are medians: to the first response (accepted for review or rejected),
to resolution (closed with an outcome), to the provider's answer to a referral.

The fixed lists — states, channels, industrial chains, outcomes, referral states, categories —
are listed in full, zeros included: a zero prints as "<5" like any small count, so that a row's
presence does not tell that such a grievance exists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from casework.choices import CaseState, Channel, IndustrialChain, OutcomeCode, ReferralState
from casework.models import AuditEvent, Case, Claim, Employer, Referral
from rights.deadline_models import CaseDeadline, DeadlineRule
from rights.models import Category

from .filters import ReportFilters
from .sql import HoursBetween, median_days
from .suppression import THRESHOLD, Amount, Median, Partition, Rate
from .suppression import Count as N

FIRST_RESPONSE_VERBS = ("accept_for_review", "reject")
COLLECTIVE_THRESHOLD = 10  # LDMAL Art. 7: ten or more workers make a collective labour dispute
TOP_EMPLOYERS = 10
# The deadlines the union, the worker or their lawyer must meet and whose meeting the deadline
# engine records (casework.services.deadlines, proceedings): the union's first response, the
# limitation periods (met by applying for arbitration), the time to sue after an award, to
# appeal and to apply for enforcement. The periods that bind the employer or an authority are
# left out: missing them is not the union's record.
COMPLIANCE_DEADLINES = (
    "FIRST_RESPONSE",
    "ARB_LIMIT",
    "ARB_LIMIT_WAGE",
    "POST_AWARD_WORKER",
    "APPEAL",
    "ENFORCE",
)


def _column(key: str, label: str, kind: str = "count") -> dict:
    return {"key": key, "label": str(label), "kind": kind}


def _row(key, label, cells: list) -> dict:
    return {"key": str(key), "label": str(label), "cells": cells}


def _table(key: str, title: str, columns: list[dict], rows: list[dict], **extra) -> dict:
    return {"key": key, "title": str(title), "columns": columns, "rows": rows, **extra}


def _not_recorded() -> str:
    return _("not recorded")


def _bounds(filters: ReportFilters) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _months(filters: ReportFilters) -> list[dt.date]:
    months, day = [], filters.date_from.replace(day=1)
    while day <= filters.date_to:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_key(value) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def _month_index(field: str, months: list[dt.date]):
    """The index of the month a datetime falls in (0 for the first month of the period), as a
    CASE expression on bounds computed here in the current time zone: no per-row function call,
    and the same on SQLite and PostgreSQL."""
    tz = timezone.get_current_timezone()
    whens = []
    for i, month in enumerate(months):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        bound = dt.datetime.combine(following, dt.time.min, tzinfo=tz)
        whens.append(When(**{f"{field}__lt": bound}, then=Value(i)))
    return CaseWhen(*whens, default=Value(len(months)), output_field=IntegerField())


def scoped_cases(scope: tuple[str, ...], filters: ReportFilters) -> QuerySet:
    """The non-draft cases of the scope, the organisation, category and chain filters applied."""
    q = Q(pk__in=[])
    for path in scope:
        q |= Q(owning_org__path__startswith=path)
    if filters.organisation_id is not None:
        path = (
            Organisation.objects.filter(pk=filters.organisation_id)
            .values_list("path", flat=True)
            .first()
        )
        if not path or not any(path.startswith(p) for p in scope):
            return Case.objects.none()
        q = Q(owning_org__path__startswith=path)
    # Drafts were never submitted (submitting is the only way out of a draft); this reads the
    # case table straight through where `state != 'draft'` would walk the state index.
    qs = Case.objects.filter(q, submitted_at__isnull=False)
    if filters.category:
        qs = qs.filter(
            pk__in=Case.categories.through.objects.filter(category__code=filters.category).values(
                "case_id"
            )
        )
    if filters.chain:
        qs = qs.filter(primary_employer__industrial_chain=filters.chain)
    return qs


def build(scope: tuple[str, ...], filters: ReportFilters) -> tuple[dict, list[Partition]]:
    start, end = _bounds(filters)
    cases = scoped_cases(scope, filters)
    cohort = cases.filter(submitted_at__gte=start, submitted_at__lt=end)
    partitions: list[Partition] = []
    tables: list[dict] = []

    # --- states, channels, months; districts, chains, outcomes and amounts ------------------
    months = _months(filters)
    # Two scans for the figures of a case's own columns, each with few groups (bounded by the
    # lists: states × channels × months; districts × chains × outcomes), not by the cases.
    cube = list(
        cohort.values("state", "channel", m=_month_index("submitted_at", months)).annotate(
            n=Count("id"),
            collective=Count("id", filter=Q(claimant_count__gt=1)),
            large=Count("id", filter=Q(claimant_count__gte=COLLECTIVE_THRESHOLD)),
            workers=Sum("claimant_count", filter=Q(claimant_count__gt=1)),
        )
    )
    is_closed = Q(state=CaseState.CLOSED)
    places = list(
        cohort.values(
            "primary_employer__district", "primary_employer__industrial_chain", "outcome"
        ).annotate(
            n=Count("id"),
            closed=Count("id", filter=is_closed),
            awarded=Sum("amount_awarded", filter=is_closed),
            recovered=Sum("amount_recovered", filter=is_closed),
        )
    )
    by_state: dict[str, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    opened_by_month: dict[int, int] = defaultdict(int)
    for r in cube:
        by_state[r["state"]] += r["n"]
        by_channel[r["channel"]] += r["n"]
        opened_by_month[r["m"]] += r["n"]
    districts: dict[str, int] = defaultdict(int)
    chains: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    money: dict[str, dict] = defaultdict(
        lambda: {"n": 0, "awarded": Decimal(0), "recovered": Decimal(0)}
    )
    for r in places:
        chain = r["primary_employer__industrial_chain"] or ""
        districts[r["primary_employer__district"] or ""] += r["n"]
        chains[chain] += r["n"]
        if r["closed"]:
            outcomes[r["outcome"] or ""] += r["closed"]
            m = money[chain]
            m["n"] += r["closed"]
            m["awarded"] += r["awarded"] or 0
            m["recovered"] += r["recovered"] or 0
    opened = N(sum(by_state.values()))
    state_rows = [
        _row(state, label, [N(by_state.get(state, 0))])
        for state, label in CaseState.choices
        if state != CaseState.DRAFT
    ]
    partitions.append(Partition(opened, [r["cells"][0] for r in state_rows]))
    closed_count = by_state.get(CaseState.CLOSED, 0)

    # --- opened and ended per month ---------------------------------------------------------
    ended_by_month = dict(
        cases.filter(state__in=CaseState.ended(), closed_at__gte=start, closed_at__lt=end)
        .values(m=_month_index("closed_at", months))
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    month_rows = [
        _row(
            _month_key(month),
            formats.date_format(month, "YEAR_MONTH_FORMAT"),
            [N(opened_by_month.get(i, 0)), N(ended_by_month.get(i, 0))],
        )
        for i, month in enumerate(months)
    ]
    ended_in_period = N(sum(ended_by_month.values()))
    partitions.append(Partition(opened, [r["cells"][0] for r in month_rows]))
    partitions.append(Partition(ended_in_period, [r["cells"][1] for r in month_rows]))
    tables.append(
        _table(
            "by_month",
            _("Grievances opened and ended per month"),
            [_column("opened", _("opened")), _column("ended", _("ended"))],
            month_rows,
            total=_row("total", _("Total"), [opened, ended_in_period]),
        )
    )

    # --- category (a grievance may have several) --------------------------------------------
    through = Case.categories.through.objects.filter(case__in=cohort)
    by_category = dict(
        through.values("category_id").annotate(n=Count("id")).values_list("category_id", "n")
    )
    categories = Category.objects.filter(Q(active=True) | Q(pk__in=by_category)).order_by(
        "sort_order", "code"
    )
    tables.append(
        _table(
            "by_category",
            _("Grievances by category"),
            [_column("cases", _("grievances"))],
            sorted(
                (_row(c.code, c.name, [N(by_category.get(c.pk, 0))]) for c in categories),
                key=lambda r: -r["cells"][0].n,
            ),
            note=_("A grievance may have more than one category."),
        )
    )

    tables.append(
        _table(
            "by_state",
            _("Grievances by state"),
            [_column("cases", _("grievances"))],
            state_rows,
            total=_row("total", _("Total"), [opened]),
        )
    )

    # --- district and industrial chain of the employer (one query) --------------------------
    district_rows = [
        _row(d or "-", d or _not_recorded(), [N(n)])
        for d, n in sorted(districts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    chain_labels = dict(IndustrialChain.choices)
    for chain in IndustrialChain.values:
        chains.setdefault(chain, 0)
    chain_rows = [
        _row(c or "-", chain_labels.get(c, c) if c else _not_recorded(), [N(n)])
        for c, n in sorted(chains.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    for key, title, rows in (
        ("by_district", _("Grievances by district of the employer"), district_rows),
        ("by_chain", _("Grievances by industrial chain"), chain_rows),
    ):
        partitions.append(Partition(opened, [r["cells"][0] for r in rows]))
        tables.append(
            _table(
                key,
                title,
                [_column("cases", _("grievances"))],
                rows,
                total=_row("total", _("Total"), [opened]),
            )
        )

    # --- channel ----------------------------------------------------------------------------
    channel_rows = [
        _row(code, label, [N(by_channel.get(code, 0))]) for code, label in Channel.choices
    ]
    partitions.append(Partition(opened, [r["cells"][0] for r in channel_rows]))
    tables.append(
        _table(
            "by_channel",
            _("Grievances by channel"),
            [_column("cases", _("grievances"))],
            channel_rows,
            total=_row("total", _("Total"), [opened]),
        )
    )

    # --- times: first response, resolution, a provider's answer (medians from histograms) --
    first_at = Subquery(
        AuditEvent.objects.filter(case_id=OuterRef("pk"), verb__in=FIRST_RESPONSE_VERBS)
        .order_by("id")
        .values("occurred_at")[:1]
    )
    first_hist = (
        cohort.annotate(first_at=first_at)
        .filter(first_at__isnull=False)
        .values(h=HoursBetween(F("first_at"), F("submitted_at")))
        .annotate(n=Count("id"))
        .values_list("h", "n")
    )
    first_median = Median(*median_days(list(first_hist)))
    resolution_hist = (
        cohort.filter(state=CaseState.CLOSED, closed_at__isnull=False)
        .values(h=HoursBetween(F("closed_at"), F("submitted_at")))
        .annotate(n=Count("id"))
        .values_list("h", "n")
    )
    resolution_median = Median(*median_days(list(resolution_hist)))

    # Referral states and the time to accept, in one query: the hours are NULL until answered.
    by_referral_state: dict[str, int] = defaultdict(int)
    answer_hist = []
    for state, hours, n in (
        Referral.objects.filter(case__in=cohort, sent_at__isnull=False)
        .values("state", h=HoursBetween(F("responded_at"), F("sent_at")))
        .annotate(n=Count("id"))
        .values_list("state", "h", "n")
    ):
        by_referral_state[state] += n
        if state == ReferralState.ACCEPTED and hours is not None:
            answer_hist.append((hours, n))
    answer_median = Median(*median_days(list(answer_hist)))
    tables.append(
        _table(
            "times",
            _("How fast: median days"),
            [_column("grievances", _("grievances")), _column("median", _("median days"), "days")],
            [
                _row(
                    "first_response",
                    _("to the first response"),
                    [N(first_median.cases), first_median],
                ),
                _row(
                    "resolution",
                    _("to resolution (closed)"),
                    [N(resolution_median.cases), resolution_median],
                ),
                _row(
                    "referral_accepted",
                    _("from referral to acceptance"),
                    [N(answer_median.cases), answer_median],
                ),
            ],
            chart=False,
        )
    )

    # --- referrals ----------------------------------------------------------------------------
    sent = N(sum(by_referral_state.values()))
    referral_rows = [
        _row(code, label, [N(by_referral_state.get(code, 0))])
        for code, label in ReferralState.choices
    ]
    accepted = by_referral_state.get(ReferralState.ACCEPTED, 0)
    answered = accepted + sum(
        by_referral_state.get(s, 0) for s in (ReferralState.DECLINED, ReferralState.EXPIRED)
    )
    acceptance = Rate(accepted, answered)
    partitions.append(Partition(sent, [r["cells"][0] for r in referral_rows]))
    tables.append(
        _table(
            "referrals",
            _("Referrals to legal aid"),
            [_column("referrals", _("referrals"))],
            referral_rows,
            total=_row("total", _("Total"), [sent]),
            note=_(
                "Acceptance rate: referrals accepted out of those accepted, declined or expired."
            ),
        )
    )

    # --- deadlines met and missed -----------------------------------------------------------
    today = timezone.localdate()
    deadline_rows_raw = (
        CaseDeadline.objects.filter(case__in=cohort, rule__code__in=COMPLIANCE_DEADLINES)
        .annotate(met_day=TruncDate("met_at"))
        .values("rule_id")
        .annotate(
            met=Count("id", filter=Q(met_at__isnull=False, met_day__lte=F("due_date"))),
            late=Count("id", filter=Q(met_at__isnull=False, met_day__gt=F("due_date"))),
            missed=Count(
                "id",
                filter=Q(met_at__isnull=True, due_date__lt=today, case__state__in=CaseState.open()),
            ),
        )
        .values_list("rule_id", "met", "late", "missed")
    )
    deadline_counts = {rid: (met, late + missed) for rid, met, late, missed in deadline_rows_raw}
    rules = DeadlineRule.objects.filter(pk__in=deadline_counts).order_by("code")
    deadline_rows = [
        _row(r.code, r.name, [N(deadline_counts[r.pk][0]), N(deadline_counts[r.pk][1])])
        for r in rules
        if any(deadline_counts[r.pk])
    ]
    met_total = N(sum(m for m, _x in deadline_counts.values()))
    missed_total = N(sum(x for _m, x in deadline_counts.values()))
    partitions.append(Partition(met_total, [r["cells"][0] for r in deadline_rows]))
    partitions.append(Partition(missed_total, [r["cells"][1] for r in deadline_rows]))
    tables.append(
        _table(
            "deadlines",
            _("Deadlines met and missed"),
            [_column("met", _("met in time")), _column("missed", _("missed"))],
            deadline_rows,
            total=_row("total", _("Total"), [met_total, missed_total]),
            note=_(
                "The deadlines the union, the worker or their lawyer must meet. Missed: met after "
                "the last day, or passed while the grievance is open. Deadlines of ended "
                "grievances that were no longer needed are not counted."
            ),
        )
    )

    # --- outcomes, and amounts claimed against amounts recovered ------------------------------
    closed = cohort.filter(state=CaseState.CLOSED)
    claimed_by_chain = {
        (r["case__primary_employer__industrial_chain"] or ""): r["s"]
        for r in Claim.objects.filter(case__in=closed)
        .values("case__primary_employer__industrial_chain")
        .annotate(s=Sum("amount"))
    }
    closed_total = N(closed_count)
    outcome_labels = dict(OutcomeCode.choices)
    for code in OutcomeCode.values:
        outcomes.setdefault(code, 0)
    outcome_rows = [
        _row(code or "-", outcome_labels.get(code, _not_recorded()), [N(n)])
        for code, n in sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    partitions.append(Partition(closed_total, [r["cells"][0] for r in outcome_rows]))
    tables.append(
        _table(
            "outcomes",
            _("Outcomes of closed grievances"),
            [_column("cases", _("grievances"))],
            outcome_rows,
            total=_row("total", _("Total"), [closed_total]),
        )
    )
    amount_rows = []
    totals = {"n": 0, "claimed": Decimal(0), "awarded": Decimal(0), "recovered": Decimal(0)}
    for chain, m in sorted(money.items(), key=lambda kv: (-kv[1]["n"], kv[0])):
        claimed = claimed_by_chain.get(chain) or Decimal(0)
        for key in ("awarded", "recovered"):
            totals[key] += m[key]
        totals["n"] += m["n"]
        totals["claimed"] += claimed
        amount_rows.append(
            _row(
                chain or "-",
                chain_labels.get(chain, chain) if chain else _not_recorded(),
                [
                    N(m["n"]),
                    Amount(claimed, m["n"]),
                    Amount(m["awarded"], m["n"]),
                    Amount(m["recovered"], m["n"]),
                ],
            )
        )
    amount_total = [
        N(totals["n"]),
        Amount(totals["claimed"], totals["n"]),
        Amount(totals["awarded"], totals["n"]),
        Amount(totals["recovered"], totals["n"]),
    ]
    for i in range(4):
        partitions.append(Partition(amount_total[i], [r["cells"][i] for r in amount_rows]))
    tables.append(
        _table(
            "amounts",
            _("Amounts claimed, awarded and recovered (closed grievances)"),
            [
                _column("cases", _("grievances")),
                _column("claimed", _("claimed"), "amount"),
                _column("awarded", _("awarded"), "amount"),
                _column("recovered", _("recovered"), "amount"),
            ],
            amount_rows,
            total=_row("total", _("Total"), amount_total),
            chart_columns=["claimed", "recovered"],
        )
    )

    # --- employers with repeated grievances -------------------------------------------------
    top = list(
        cohort.filter(primary_employer__isnull=False)
        .values("primary_employer_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "primary_employer_id")[:TOP_EMPLOYERS]
    )
    employer_names = dict(
        Employer.objects.filter(pk__in=[t["primary_employer_id"] for t in top]).values_list(
            "pk", "name"
        )
    )
    for t in top:
        t["name"] = employer_names.get(t["primary_employer_id"], "")
    employer_categories: dict[int, list[tuple[str, int]]] = defaultdict(list)
    if top:
        names = dict(Category.objects.values_list("pk", "name_en" if _english() else "name_zh"))
        for r in (
            Case.categories.through.objects.filter(
                case__in=cohort.filter(primary_employer_id__in=employer_names)
            )
            .values("case__primary_employer_id", "category_id")
            .annotate(n=Count("id"))
            .order_by("case__primary_employer_id", "-n", "category_id")
        ):
            # A category named beside a named employer is the most telling figure of the
            # report (the employer knows who complained of what): named from five up only.
            if r["n"] >= THRESHOLD:
                employer_categories[r["case__primary_employer_id"]].append(
                    (names.get(r["category_id"], ""), r["n"])
                )
    tables.append(
        _table(
            "employers",
            _("Employers with repeated grievances"),
            [_column("cases", _("grievances"))],
            [
                {
                    **_row(t["primary_employer_id"], t["name"], [N(t["n"])]),
                    "categories": [
                        {"label": name, "cells": [N(n)]}
                        for name, n in employer_categories[t["primary_employer_id"]]
                    ],
                }
                for t in top
            ],
            note=_(
                "The employers with the most grievances in the period (two or more). A category "
                "is named beside an employer only from five grievances up."
            ),
        )
    )

    # --- collective grievances ------------------------------------------------------------------
    collective = N(sum(r["collective"] for r in cube))
    large = N(sum(r["large"] for r in cube))
    workers = N(sum(r["workers"] or 0 for r in cube))
    tables.append(
        _table(
            "collective",
            _("Collective grievances"),
            [_column("count", _("number"))],
            [
                _row("collective", _("grievances of two or more workers"), [collective]),
                _row("collective_dispute", _("of which ten or more workers"), [large]),
                _row("workers", _("workers in them"), [workers]),
            ],
            chart=False,
        )
    )

    summary = [
        {**_row("opened", _("Grievances opened"), [opened]), "kind": "count"},
        {**_row("ended", _("Grievances ended in the period"), [ended_in_period]), "kind": "count"},
        {**_row("collective", _("Collective grievances"), [collective]), "kind": "count"},
        {
            **_row("first_response", _("Median days to the first response"), [first_median]),
            "kind": "days",
        },
        {**_row("resolution", _("Median days to resolution"), [resolution_median]), "kind": "days"},
        {**_row("acceptance", _("Referral acceptance rate"), [acceptance]), "kind": "rate"},
        {**_row("claimed", _("Claimed (closed grievances)"), [amount_total[1]]), "kind": "amount"},
        {**_row("recovered", _("Recovered"), [amount_total[3]]), "kind": "amount"},
        {**_row("deadlines_met", _("Deadlines met in time"), [met_total]), "kind": "count"},
        {**_row("deadlines_missed", _("Deadlines missed"), [missed_total]), "kind": "count"},
    ]
    tree = {
        "summary": summary,
        "tables": tables,
    }
    return tree, partitions


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")
