"""The sections of the report, each counted by the database (see reports.aggregates)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from casework.choices import CaseState, Channel, IndustrialChain, OutcomeCode, ReferralState
from casework.models import Case, Employer
from rights.deadline_models import DeadlineRule
from rights.models import Category

from .sources import COLLECTIVE_THRESHOLD, FIRST_RESPONSE_VERBS  # noqa: F401
from .sql import median_days
from .suppression import THRESHOLD, Amount, Median, Partition, Rate
from .suppression import Count as N
from .tables import (
    Report,
)
from .tables import (
    column as _column,
)
from .tables import (
    english as _english,
)
from .tables import (
    month_key as _month_key,
)
from .tables import (
    not_recorded as _not_recorded,
)
from .tables import (
    row as _row,
)
from .tables import (
    table as _table,
)

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


def per_case_columns(r: Report) -> dict:
    """Months, categories, states, districts, chains and channels; what later sections need."""
    months = r.months
    partitions, tables = r.partitions, r.tables
    # --- states, channels, months; districts, chains, outcomes and amounts ------------------
    # Two scans for the figures of a case's own columns, each with few groups (bounded by the
    # lists: states × channels × months; districts × chains × outcomes), not by the cases.
    cube = r.source.cube()
    places = r.source.places()
    by_state: dict[str, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    opened_by_month: dict[int, int] = defaultdict(int)
    for row in cube:
        by_state[row["state"]] += row["n"]
        by_channel[row["channel"]] += row["n"]
        opened_by_month[row["m"]] += row["n"]
    districts: dict[str, int] = defaultdict(int)
    chains: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    money: dict[str, dict] = defaultdict(
        lambda: {"n": 0, "awarded": Decimal(0), "recovered": Decimal(0)}
    )
    for row in places:
        chain = row["primary_employer__industrial_chain"] or ""
        districts[row["primary_employer__district"] or ""] += row["n"]
        chains[chain] += row["n"]
        if row["closed"]:
            outcomes[row["outcome"] or ""] += row["closed"]
            m = money[chain]
            m["n"] += row["closed"]
            m["awarded"] += row["awarded"] or 0
            m["recovered"] += row["recovered"] or 0
    opened = N(sum(by_state.values()))
    state_rows = [
        _row(state, label, [N(by_state.get(state, 0))])
        for state, label in CaseState.choices
        if state != CaseState.DRAFT
    ]
    partitions.append(Partition(opened, [r["cells"][0] for r in state_rows]))
    closed_count = by_state.get(CaseState.CLOSED, 0)

    # --- opened and ended per month ---------------------------------------------------------
    ended_by_month = r.source.ended_by_month()
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
    by_category = r.source.by_category()
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

    # --- district and industrial chain of the employer ---------------------------------------
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
    return {
        "cube": cube,
        "opened": opened,
        "ended_in_period": ended_in_period,
        "closed_count": closed_count,
        "outcomes": outcomes,
        "money": money,
    }


def times_and_referrals(r: Report) -> tuple[Median, Median, Rate]:
    """Median days to the first response, to resolution and to a referral's acceptance; the
    referrals by state."""
    partitions, tables = r.partitions, r.tables
    # --- times: first response, resolution, a provider's answer (medians from histograms) --
    first_hist = r.source.first_hist()
    first_median = Median(*median_days(list(first_hist)))
    resolution_hist = r.source.resolution_hist()
    resolution_median = Median(*median_days(list(resolution_hist)))

    # Referral states and the time to accept, in one query: the hours are NULL until answered.
    by_referral_state: dict[str, int] = defaultdict(int)
    answer_hist = []
    for state, hours, n in r.source.referrals():
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
    return first_median, resolution_median, acceptance


def deadlines(r: Report) -> tuple[N, N]:
    """The deadlines of COMPLIANCE_DEADLINES met in time and missed."""
    partitions, tables = r.partitions, r.tables
    # --- deadlines met and missed -----------------------------------------------------------
    today = timezone.localdate()
    deadline_rows_raw = r.source.deadlines(today)
    rules = DeadlineRule.objects.filter(code__in=COMPLIANCE_DEADLINES).order_by("code")
    compliance = {rule.pk for rule in rules}
    deadline_counts = {
        rid: (met, late + missed)
        for rid, met, late, missed in deadline_rows_raw
        if rid in compliance
    }
    deadline_rows = [
        _row(rule.code, rule.name, [N(n) for n in deadline_counts.get(rule.pk, (0, 0))])
        for rule in rules
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
    return met_total, missed_total


def outcomes_and_amounts(r: Report, found: dict) -> list:
    """Outcomes of the closed grievances; amounts claimed, awarded and recovered by chain."""
    partitions, tables = r.partitions, r.tables
    closed_count, outcomes, money = found["closed_count"], found["outcomes"], found["money"]
    chain_labels = dict(IndustrialChain.choices)
    # --- outcomes, and amounts claimed against amounts recovered ------------------------------
    claimed_by_chain = r.source.claimed_by_chain()
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
    return amount_total


def employers(r: Report) -> None:
    """The employers with the most grievances (two or more), with their larger categories."""
    cohort = r.cohort
    tables = r.tables
    # --- employers with repeated grievances -------------------------------------------------
    top = r.source.top_employers(TOP_EMPLOYERS)
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


def collective_grievances(r: Report, cube: list) -> N:
    """Grievances of two or more workers, of ten or more, and the workers in them."""
    tables = r.tables
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
    return collective
