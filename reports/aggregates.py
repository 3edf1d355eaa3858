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

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organisation
from casework.models import Case

from . import sections
from .filters import ReportFilters
from .rollup import rollup_source
from .sources import DirectSource
from .suppression import Partition
from .tables import Report, bounds, months_of
from .tables import row as _row


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


def build(
    scope: tuple[str, ...], filters: ReportFilters, *, direct: bool = False
) -> tuple[dict, list[Partition]]:
    """The report over the scope's subtrees as cells (not yet suppressed), with the columns
    that add up to a shown total (reports.suppression). The additive figures come from the
    rollup (reports.rollup) when it can answer these filters, else — or with `direct` — they
    are counted afresh from the cases."""
    start, end = bounds(filters)
    cases = scoped_cases(scope, filters)
    r = Report(
        cases=cases,
        cohort=cases.filter(submitted_at__gte=start, submitted_at__lt=end),
        months=months_of(filters),
        start=start,
        end=end,
    )
    r.source = None if direct else rollup_source(scope, filters, r)
    if r.source is None:
        r.source = DirectSource(r)
    found = sections.per_case_columns(r)
    first_median, resolution_median, acceptance = sections.times_and_referrals(r)
    met_total, missed_total = sections.deadlines(r)
    amount_total = sections.outcomes_and_amounts(r, found)
    sections.employers(r)
    collective = sections.collective_grievances(r, found["cube"])
    opened, ended_in_period = found["opened"], found["ended_in_period"]
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
        "tables": r.tables,
    }
    return tree, r.partitions
