"""Rollups of the report's figures (reports.rollup): what the dashboard reads instead of counting
every case afresh."""

from django.db import models
from django.db.models import F


class CellFields(models.Model):
    """One additive figure of the cases submitted (or, for kind "ended", ended) in one month: a
    count `n` and sums `x`, `y`, `z`, `a`, `b` whose meaning depends on the kind
    (reports.rollup.KINDS)."""

    node = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    month = models.IntegerField()  # yyyymm, local time
    kind = models.CharField(max_length=12)
    key = models.CharField(max_length=300, blank=True)
    n = models.BigIntegerField(default=0)
    x = models.BigIntegerField(default=0)
    y = models.BigIntegerField(default=0)
    z = models.BigIntegerField(default=0)
    a = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    b = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        abstract = True


class ReportCell(CellFields):
    """A figure of the cases owned by exactly the node (`own`), or of those of its whole subtree
    — the node and every organisation below it. Subtree cells are kept for the organisations
    with others below them only: a leaf's own cells are its subtree's."""

    own = models.BooleanField(default=False)

    class Meta:
        # Unique, so that a refresh adds its differences with one upsert (ON CONFLICT); the
        # report reads by its prefix (node, month, kind). Written as expressions so that it is
        # a plain unique index on SQLite too (a rebuild drops it and builds it once at the end).
        constraints = [
            models.UniqueConstraint(
                F("node"), F("month"), F("kind"), F("key"), F("own"), name="report_cell_unique"
            )
        ]


class ReportEmployerTotal(models.Model):
    """How many grievances (ever submitted) an employer has under one organisation's subtree:
    an upper bound of its count in any period, so that the employers with the most grievances
    of a period are found by looking at the few with the largest totals only."""

    node = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    employer_id = models.BigIntegerField()
    n = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["node", "-n", "employer_id"], name="report_employer_total_idx"),
            # A refresh replaces the totals of the changed cases' employers.
            models.Index(fields=["employer_id", "node"], name="report_employer_total_emp_idx"),
        ]


class ReportMembership(models.Model):
    """Which cells a case counted in when the rollup last saw it: a case that moves (transferred,
    closed, reopened) must leave the cells it was in."""

    case_id = models.BigIntegerField(primary_key=True)
    org_id = models.BigIntegerField()
    employer_id = models.BigIntegerField(null=True)
    month = models.IntegerField()
    ended_month = models.IntegerField(null=True)

    class Meta:
        # A refresh finds the cases of an (owner, month) pair here.
        indexes = [
            models.Index(fields=["org_id", "month", "case_id"], name="report_member_month_idx"),
            models.Index(
                fields=["org_id", "ended_month", "case_id"], name="report_member_ended_idx"
            ),
        ]


class ReportOrgAncestor(models.Model):
    """Each organisation with itself and every organisation above it."""

    org = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="report_ancestors",
        db_constraint=False,
    )
    ancestor_id = models.BigIntegerField()


class ReportRollupState(models.Model):
    """How far the rollup has seen: the audit chain, the dirty list in the cache, the latest
    moments any case was submitted or ended at."""

    audit_mark = models.BigIntegerField(default=0)
    audit_window = models.BigIntegerField(default=0)
    dirty_seq = models.BigIntegerField(default=0)
    max_submitted = models.DateTimeField(null=True)
    max_closed = models.DateTimeField(null=True)
    org_signature = models.CharField(max_length=64, default="")
    built_at = models.DateTimeField(null=True)
