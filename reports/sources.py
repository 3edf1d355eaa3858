"""Where the report's additive figures come from: `DirectSource` counts them from the cases in the
database (GROUP BY); `reports.rollup.RollupSource` adds up the rollup cells. `reports.sections`
turns either into the same tables."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate

from casework.choices import CaseState
from casework.models import AuditEvent, Case, Claim, Referral
from rights.deadline_models import CaseDeadline

from .sql import HoursBetween
from .tables import month_index

FIRST_RESPONSE_VERBS = ("accept_for_review", "reject")
COLLECTIVE_THRESHOLD = 10  # LDMAL Art. 7: ten or more workers make a collective labour dispute


def first_response_at(case_ref: str = "pk"):
    """The moment of a case's first response (accepted for review or rejected)."""
    return Subquery(
        AuditEvent.objects.filter(case_id=OuterRef(case_ref), verb__in=FIRST_RESPONSE_VERBS)
        .order_by("id")
        .values("occurred_at")[:1]
    )


class DirectSource:
    """The figures of `r.cohort` (and, for the ended per month, `r.cases`) counted afresh."""

    def __init__(self, r):
        self.r = r

    def cube(self) -> list[dict]:
        return list(
            self.r.cohort.values(
                "state", "channel", m=month_index("submitted_at", self.r.months)
            ).annotate(
                n=Count("id"),
                collective=Count("id", filter=Q(claimant_count__gt=1)),
                large=Count("id", filter=Q(claimant_count__gte=COLLECTIVE_THRESHOLD)),
                workers=Sum("claimant_count", filter=Q(claimant_count__gt=1)),
            )
        )

    def places(self) -> list[dict]:
        is_closed = Q(state=CaseState.CLOSED)
        return list(
            self.r.cohort.values(
                "primary_employer__district", "primary_employer__industrial_chain", "outcome"
            ).annotate(
                n=Count("id"),
                closed=Count("id", filter=is_closed),
                awarded=Sum("amount_awarded", filter=is_closed),
                recovered=Sum("amount_recovered", filter=is_closed),
            )
        )

    def ended_by_month(self) -> dict[int, int]:
        r = self.r
        return dict(
            r.cases.filter(state__in=CaseState.ended(), closed_at__gte=r.start, closed_at__lt=r.end)
            .values(m=month_index("closed_at", r.months))
            .annotate(n=Count("id"))
            .values_list("m", "n")
        )

    def by_category(self) -> dict[int, int]:
        through = Case.categories.through.objects.filter(case__in=self.r.cohort)
        return dict(
            through.values("category_id").annotate(n=Count("id")).values_list("category_id", "n")
        )

    def first_hist(self) -> list[tuple[int, int]]:
        return list(
            self.r.cohort.annotate(first_at=first_response_at())
            .filter(first_at__isnull=False)
            .values(h=HoursBetween(F("first_at"), F("submitted_at")))
            .annotate(n=Count("id"))
            .values_list("h", "n")
        )

    def resolution_hist(self) -> list[tuple[int, int]]:
        return list(
            self.r.cohort.filter(state=CaseState.CLOSED, closed_at__isnull=False)
            .values(h=HoursBetween(F("closed_at"), F("submitted_at")))
            .annotate(n=Count("id"))
            .values_list("h", "n")
        )

    def referrals(self) -> list[tuple[str, int | None, int]]:
        return list(
            Referral.objects.filter(case__in=self.r.cohort, sent_at__isnull=False)
            .values("state", h=HoursBetween(F("responded_at"), F("sent_at")))
            .annotate(n=Count("id"))
            .values_list("state", "h", "n")
        )

    def deadlines(self, today: dt.date) -> list[tuple[int, int, int, int]]:
        """(rule id, met in time, met late, missed while open) for every rule."""
        return list(
            CaseDeadline.objects.filter(case__in=self.r.cohort)
            .annotate(met_day=TruncDate("met_at"))
            .values("rule_id")
            .annotate(
                met=Count("id", filter=Q(met_at__isnull=False, met_day__lte=F("due_date"))),
                late=Count("id", filter=Q(met_at__isnull=False, met_day__gt=F("due_date"))),
                missed=Count(
                    "id",
                    filter=Q(
                        met_at__isnull=True, due_date__lt=today, case__state__in=CaseState.open()
                    ),
                ),
            )
            .values_list("rule_id", "met", "late", "missed")
        )

    def top_employers(self, limit: int) -> list[dict]:
        """The `limit` employers with the most grievances (two or more), most first, then by id."""
        return list(
            self.r.cohort.filter(primary_employer__isnull=False)
            .values("primary_employer_id")
            .annotate(n=Count("id"))
            .filter(n__gte=2)
            .order_by("-n", "primary_employer_id")[:limit]
        )

    def claimed_by_chain(self) -> dict:
        # Added up, not assigned: no employer (NULL) and a blank chain are both "not recorded"
        # (the code before the rollup kept only one of the two sums).
        closed = self.r.cohort.filter(state=CaseState.CLOSED)
        out: dict = {}
        for row in (
            Claim.objects.filter(case__in=closed)
            .values("case__primary_employer__industrial_chain")
            .annotate(s=Sum("amount"))
        ):
            if row["s"] is not None:
                chain = row["case__primary_employer__industrial_chain"] or ""
                out[chain] = out.get(chain, 0) + row["s"]
        return out
