"""Rollups: the report's additive figures kept per (organisation subtree, month), so that a report
over a subtree and a run of whole months adds up a few thousand cells instead of counting every
case (issue 9: 1 s at 1,000,000 cases).

A cell (`ReportCell`) holds one figure of the grievances submitted in one month (local time),
keyed by `kind` and `key` (KINDS); only the "ended" cells are by the month a grievance ended.
Every figure is a count or a sum, and the medians are kept as histograms of whole hours, so
adding cells gives exactly what counting the cases gives (reports.sources.DirectSource);
tests/reports/test_rollup.py compares the two on random data. A cell is of one of two sorts:

- own (`own` true): the figures of the cases owned by exactly its `node`;
- subtree (`own` false): those of the cases owned by the node or any organisation below it —
  kept only for the organisations with others below them (the federations): a leaf's own
  cells are its subtree's, and the report reads them so (RollupSource).

Which reports use the rollup (`rollup_source`): no category and no industrial-chain filter, and
a period of whole months — it starts on the first of a month and ends on a month's last day, or
on or after today when no grievance was submitted or ended after the period's end. Any other
filter, or a scope the rollup does not cover, counts afresh (DirectSource), as does the list of
employers with repeated grievances in every report (its figures are per employer, as many as
the cases: no rollup makes them smaller).

Rebuilding (`reports_rollup_rebuild`, also a management command, which seed_bench calls after
loading; until it runs, the first report read rebuilds) happens in the database: one
INSERT … SELECT … GROUP BY per kind writes the own cells of every (owner, month, key), one more
adds them up into the subtree cells through `ReportOrgAncestor`, and one each writes the
memberships and the employers' totals — no row goes through Python. The months are computed
in SQL by comparing with the months' bounds in the current time zone (`month_of`), the first
responses by one GROUP BY over the audit events, and the indexes are dropped first and built
once at the end.

Keeping it true. `refresh()` runs before each read of the rollup (the report itself is cached,
reports.cache, so this is once per change): it finds the cases changed since it last looked —
those named by audit events after its mark (every service writes one with each change), and
those whose rows were saved or deleted through the ORM without one (signals, below, append
their ids to a list in the shared cache; an employer's edit names its cases). For those cases
it rewrites their memberships (`ReportMembership`: the owner, month and month ended each case
counted in), and for every (owner, month) pair they are in now or were in before it recounts
the pair's own cells from the pair's cases only (found by id through the memberships: a few
dozen to a few thousand cases, whatever the size of the system), subtracts the own cells it
had stored, and adds the difference to the subtree cells of every federation above the owner
(one upsert, INSERT … ON CONFLICT DO UPDATE, SQLite 3.24+ and PostgreSQL); then it writes the
own cells that changed and drops the cells left holding nothing. So a refresh costs the same
number of queries whatever the number of cases, and reads only the changed pairs' cases. The
employers' totals of the changed cases' employers are recounted from those employers' cases.
A change to the organisation tree, a cache that lost part of its list, or too many changes at
once rebuild everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Organisation
from casework.choices import CaseState
from casework.models import AuditEvent, Case, Claim, Referral
from casework.selectors.case_rows import HIDDEN_EVENT_VERBS as ACCESS_VERBS
from rights.deadline_models import CaseDeadline

from .cache import WINDOW, _db
from .models import (
    ReportCell,
    ReportEmployerTotal,
    ReportMembership,
    ReportOrgAncestor,
    ReportRollupState,
)
from .sources import (
    COLLECTIVE_THRESHOLD,
    FIRST_RESPONSE_VERBS,
    DirectSource,
    first_response_at,
)
from .sql import HoursBetween

SEP = "\x1f"
# Refreshing more cases than this at once rebuilds the whole rollup instead.
REFRESH_LIMIT = 20_000
# Case ids bound as parameters at most (SQLite allows 32,766 in all).
MAX_IDS = 10_000
DIRTY_SEQ = "reports:rollup:dirty-seq:{db}"
DIRTY_ITEM = "reports:rollup:dirty:{db}:{n}"
DIRTY_TTL = 7 * 24 * 3600

# kind: key → fields
KINDS = {
    "cube": "state|channel → n, x collective (2+ workers), y of 10+ workers, z workers in them",
    "place": "district|chain|outcome → n, x closed, a awarded, b recovered (closed)",
    "category": "category id → n",
    "first": "whole hours to the first response → n",
    "resolution": "whole hours to resolution (closed) → n",
    "referral": "state|whole hours from sent to answer ('' unanswered) → n",
    "deadline": "rule id → x met in time, y met late",
    "dl_open": "rule id|due date → n not met while the grievance is open",
    "claimed": "chain → a claimed (closed grievances)",
    "ended": "'' → n ended in this month (by the month it ended)",
}


# --- months -----------------------------------------------------------------------------------


def _ym(day: dt.date) -> int:
    return day.year * 100 + day.month


def _month_start(ym: int) -> dt.date:
    return dt.date(ym // 100, ym % 100, 1)


def _next(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _local_ym(moment: dt.datetime | None) -> int | None:
    if moment is None:
        return None
    return _ym(timezone.localtime(moment).date())


def _bound(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = _next(day)
    return months


# --- counting own cells from the cases --------------------------------------------------------


def month_of(field: str, months: list[dt.date]):
    """The yyyymm of the month (among `months`, a run of months) a datetime falls in, as nested
    CASE expressions halving the months on bounds computed here in the current time zone: a few
    comparisons per row, no per-row function call, the same on SQLite and PostgreSQL. A moment
    before the first month counts in the first, after the last in the last: callers filter."""

    def pick(lo: int, hi: int):
        if hi - lo == 1:
            return Value(_ym(months[lo]))
        mid = (lo + hi) // 2
        return CaseWhen(
            When(**{f"{field}__lt": _bound(months[mid])}, then=pick(lo, mid)),
            default=pick(mid, hi),
            output_field=IntegerField(),
        )

    return pick(0, len(months))


def _prefixed(q: Q, prefix: str) -> Q:
    """`q` (on Case) for a model that reaches the case through `prefix`."""
    if not prefix:
        return q
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        else:
            out.children.append((prefix + child[0], child[1]))
    return out


def _sep_sql() -> str:
    return "chr(31)" if connection.vendor == "postgresql" else "char(31)"


def _own_selects(case_q: Q, months: list[dt.date], *, ended_q: Q | None, bulk: bool) -> list:
    """SELECTs (sql, params) of the own cells — one row (node, month, kind, key, n, x, y, z, a,
    b) per owning organisation, month and key — of the submitted cases matching `case_q`
    (submitted within `months`, a run of months); with `ended_q`, also the "ended" cells of the
    cases matching it that ended within `months`. `bulk` (a rebuild: every case) finds the first
    responses with one GROUP BY over the audit events instead of one look-up per case."""
    if not months:
        return []
    lo, hi = _bound(months[0]), _bound(_next(months[-1]))

    def qs(model, prefix="", *, field="submitted_at", q=case_q):
        p = prefix
        return (
            model.objects.filter(
                **{
                    f"{p}submitted_at__isnull": False,
                    f"{p}{field}__gte": lo,
                    f"{p}{field}__lt": hi,
                }
            )
            .filter(_prefixed(q, p))
            .order_by()
        )

    def cells(kind, query, node, moment, keys, **sums):
        """The grouped query, its key parts k0, k1… and sums named r_n, r_x…"""
        values = {"r_node": F(node), "r_m": month_of(moment, months)}
        values.update({f"k{i}": expr for i, expr in enumerate(keys)})
        grouped = query.values(**values).annotate(**{f"r_{k}": v for k, v in sums.items()})
        return kind, grouped, len(keys), set(sums)

    is_closed = Q(state=CaseState.CLOSED)
    through = Case.categories.through
    if bulk:
        firsts = (
            AuditEvent.objects.filter(verb__in=FIRST_RESPONSE_VERBS, case_id__isnull=False)
            .order_by()
            .values("case_id")
            .annotate(first=Min("id"))
            .values("first")
        )
        first = cells(
            "first",
            qs(AuditEvent, "case__").filter(id__in=firsts),
            "case__owning_org_id",
            "case__submitted_at",
            [HoursBetween(F("occurred_at"), F("case__submitted_at"))],
            n=Count("id"),
        )
    else:
        first = cells(
            "first",
            qs(Case).annotate(first_at=first_response_at()).filter(first_at__isnull=False),
            "owning_org_id",
            "submitted_at",
            [HoursBetween(F("first_at"), F("submitted_at"))],
            n=Count("id"),
        )
    parts = [
        cells(
            "cube",
            qs(Case),
            "owning_org_id",
            "submitted_at",
            [F("state"), F("channel")],
            n=Count("id"),
            x=Count("id", filter=Q(claimant_count__gt=1)),
            y=Count("id", filter=Q(claimant_count__gte=COLLECTIVE_THRESHOLD)),
            z=Sum("claimant_count", filter=Q(claimant_count__gt=1)),
        ),
        cells(
            "place",
            qs(Case),
            "owning_org_id",
            "submitted_at",
            [
                F("primary_employer__district"),
                F("primary_employer__industrial_chain"),
                F("outcome"),
            ],
            n=Count("id"),
            x=Count("id", filter=is_closed),
            a=Sum("amount_awarded", filter=is_closed),
            b=Sum("amount_recovered", filter=is_closed),
        ),
        cells(
            "category",
            qs(through, "case__"),
            "case__owning_org_id",
            "case__submitted_at",
            [F("category_id")],
            n=Count("id"),
        ),
        first,
        cells(
            "resolution",
            qs(Case).filter(state=CaseState.CLOSED, closed_at__isnull=False),
            "owning_org_id",
            "submitted_at",
            [HoursBetween(F("closed_at"), F("submitted_at"))],
            n=Count("id"),
        ),
        cells(
            "referral",
            qs(Referral, "case__").filter(sent_at__isnull=False),
            "case__owning_org_id",
            "case__submitted_at",
            [F("state"), HoursBetween(F("responded_at"), F("sent_at"))],
            n=Count("id"),
        ),
        cells(
            "deadline",
            qs(CaseDeadline, "case__")
            .filter(met_at__isnull=False)
            .annotate(met_day=TruncDate("met_at")),
            "case__owning_org_id",
            "case__submitted_at",
            [F("rule_id")],
            x=Count("id", filter=Q(met_day__lte=F("due_date"))),
            y=Count("id", filter=Q(met_day__gt=F("due_date"))),
        ),
        cells(
            "dl_open",
            qs(CaseDeadline, "case__").filter(
                met_at__isnull=True, case__state__in=CaseState.open()
            ),
            "case__owning_org_id",
            "case__submitted_at",
            [F("rule_id"), F("due_date")],
            n=Count("id"),
        ),
        cells(
            "claimed",
            # For a few cases, the condition inside the sum: PostgreSQL would otherwise read
            # every closed case through the index on the state instead of the cases by id.
            qs(Claim, "case__").filter(case__state=CaseState.CLOSED)
            if bulk
            else qs(Claim, "case__"),
            "case__owning_org_id",
            "case__submitted_at",
            [F("case__primary_employer__industrial_chain")],
            a=Sum("amount") if bulk else Sum("amount", filter=Q(case__state=CaseState.CLOSED)),
        ),
    ]
    if ended_q is not None:
        parts.append(
            cells(
                "ended",
                qs(Case, field="closed_at", q=ended_q).filter(state__in=CaseState.ended()),
                "owning_org_id",
                "closed_at",
                [],
                n=Count("id"),
            )
        )
    out = []
    qn = connection.ops.quote_name
    sep = _sep_sql()
    for kind, grouped, n_keys, sums in parts:
        inner, params = grouped.query.sql_with_params()
        # The key: the parts as text, NULL as '' (as reports.rollup._key), joined by SEP; the
        # outer GROUP BY adds up the groups a NULL and a '' made (the same key).
        key = f" || {sep} || ".join(
            f"COALESCE(CAST(s.{qn(f'k{i}')} AS TEXT), '')" for i in range(n_keys)
        )
        figures = [
            f"COALESCE(SUM(s.{qn('r_' + name)}), 0)" if name in sums else "0"
            for name in ("n", "x", "y", "z", "a", "b")
        ]
        sql = (
            f"SELECT s.{qn('r_node')}, s.{qn('r_m')}, '{kind}', {key or "''"}, "  # noqa: S608 (kind and names from this module, values bound)
            f"{', '.join(figures)} FROM ({inner}) s GROUP BY 1, 2, 4"
        )
        out.append((sql, list(params)))
    return out


CENT = Decimal("0.01")


def _dec(value) -> Decimal:
    """A sum as the database gave it (SQLite: a float or an int) as an exact Decimal of cents."""
    if value is None:
        return Decimal(0)
    if not isinstance(value, Decimal):
        value = Decimal(repr(value))
    return value.quantize(CENT)


def _fetch(selects: list) -> dict:
    """{(node, yyyymm, kind, key): [n, x, y, z, a, b]} of the rows of `selects`."""
    found = {}
    with connection.cursor() as cursor:
        for sql, params in selects:
            cursor.execute(sql, params)
            for node, ym, kind, key, n, x, y, z, a, b in cursor.fetchall():
                found[(node, ym, kind, key)] = [int(n), int(x), int(y), int(z), _dec(a), _dec(b)]
    return found


def _nonzero(figures) -> bool:
    n, x, y, z, a, b = figures
    return bool(n or x or y or z or a or b)


def _insert(model, columns: list[str], rows) -> None:
    """Plain INSERTs in batches (bulk_create builds a model object per row)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (names from the model, values bound)
    rows = list(rows)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


CELL_COLUMNS = ["node_id", "month", "kind", "key", "n", "x", "y", "z", "a", "b"]
FIGURES = CELL_COLUMNS[4:]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _zero_sql() -> str:
    """Cells holding nothing (SQLite keeps the sums as floats: a difference may leave a crumb)."""
    return "n = 0 AND x = 0 AND y = 0 AND z = 0 AND ABS(a) < 0.005 AND ABS(b) < 0.005"


# --- rebuilding and refreshing ----------------------------------------------------------------


def _org_signature() -> str:
    """The organisation tree and the time zone the months are counted in: a change to either
    rebuilds the rollup."""
    rows = Organisation.objects.order_by("pk").values_list("pk", "path")
    zone = str(timezone.get_current_timezone())
    return hashlib.sha256(repr((zone, list(rows))).encode()).hexdigest()


def _ancestors() -> list[ReportOrgAncestor]:
    paths = dict(Organisation.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    rows = []
    for pk, path in paths.items():
        ancestors = {pk}
        parts = [p for p in (path or "").split("/") if p]
        for i in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:i]) + "/"
            if prefix in by_path:
                ancestors.add(by_path[prefix])
        rows.extend(ReportOrgAncestor(org_id=pk, ancestor_id=a) for a in ancestors)
    return rows


def _dirty_seq() -> int:
    return int(cache.get(DIRTY_SEQ.format(db=_db()), 0) or 0)


def _below(mark: int) -> int:
    """How many audit events there are among the `WINDOW` ids up to `mark`: more than when the
    rollup saw that mark means an event committed late below it (PostgreSQL)."""
    return AuditEvent.objects.filter(id__gt=mark - WINDOW, id__lte=mark).count()


def _audit_state() -> tuple[int, int]:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return last, _below(last)


def _empty(cursor, *models) -> None:
    for model in models:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {_table(model)}")
        else:
            cursor.execute(f"DELETE FROM {_table(model)}")  # noqa: S608 (a model's table)


def _index_sql(*models) -> tuple[list[str], list[str]]:
    """(DROP, CREATE) statements of the secondary indexes of `models`: a rebuild writes millions
    of rows without them and builds each once, sorted, at the end (far cheaper than keeping
    them row by row)."""
    editor = connection.schema_editor()
    editor.deferred_sql = []  # set by entering it, which SQLite refuses inside a transaction
    drops, creates = [], []
    for model in models:
        for item in [*model._meta.indexes, *model._meta.constraints]:
            drops.append(str(item.remove_sql(model, editor)))
            creates.append(str(item.create_sql(model, editor)))
    return drops, creates


def _inner_sql() -> str:
    """The organisations with others below them: those that have subtree cells."""
    t = _table(ReportOrgAncestor)
    return f"SELECT ancestor_id FROM {t} WHERE org_id <> ancestor_id"  # noqa: S608


def reports_rollup_rebuild() -> dict:
    """Count every cell afresh from the cases, in the database: one INSERT … SELECT … GROUP BY
    per kind of the own cells, then one of the subtree cells from them through the ancestors,
    of the memberships and of the employers' totals; nothing goes through Python."""
    with transaction.atomic():
        ReportRollupState.objects.all().delete()
        state = ReportRollupState.objects.create()  # takes the write lock first
        seq = _dirty_seq()
        mark, window = _audit_state()
        drops, creates = _index_sql(ReportCell, ReportEmployerTotal, ReportMembership)
        with connection.cursor() as cursor:
            for sql in drops:
                cursor.execute(sql)
            _empty(cursor, ReportOrgAncestor, ReportCell, ReportEmployerTotal, ReportMembership)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The GROUP BYs of millions of rows hash in memory instead of spilling to disk.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        ReportOrgAncestor.objects.bulk_create(_ancestors(), batch_size=2000)
        span = Case.objects.filter(submitted_at__isnull=False).aggregate(
            first=Min("submitted_at"),
            last=Max("submitted_at"),
            closed=Max("closed_at"),
            closed_first=Min("closed_at"),
        )
        cells_written = 0
        if span["first"] is not None:
            moments = [span["first"], span["last"], timezone.now()]
            moments += [m for m in (span["closed"], span["closed_first"]) if m is not None]
            local = [timezone.localtime(m).date() for m in moments]
            months = _months_between(min(local), max(local))
            table = _table(ReportCell)
            names = ", ".join([*CELL_COLUMNS, "own"])
            with connection.cursor() as cursor:
                for sql, params in _own_selects(Q(), months, ended_q=Q(), bulk=True):
                    cursor.execute(
                        f"INSERT INTO {table} ({names}) SELECT q.*, %s FROM ({sql}) q",  # noqa: S608 (the model's table, values bound)
                        [True, *params],
                    )
                cursor.execute(f"DELETE FROM {table} WHERE {_zero_sql()}")  # noqa: S608
                cursor.execute(
                    f"INSERT INTO {table} ({names}) "  # noqa: S608 (tables of the models)
                    f"SELECT t.ancestor_id, o.month, o.kind, o.key, SUM(o.n), SUM(o.x), "
                    f"SUM(o.y), SUM(o.z), SUM(o.a), SUM(o.b), %s FROM {table} o "
                    f"JOIN {_table(ReportOrgAncestor)} t ON t.org_id = o.node_id "
                    f"WHERE o.own = %s AND t.ancestor_id IN ({_inner_sql()}) "
                    f"GROUP BY t.ancestor_id, o.month, o.kind, o.key",
                    [False, True],
                )
            cells_written = ReportCell.objects.count()
            _write_memberships(Case.objects.filter(submitted_at__isnull=False), months)
            _write_employer_totals(Q())
        with connection.cursor() as cursor:
            for sql in creates:
                cursor.execute(sql)
        state.audit_mark, state.audit_window, state.dirty_seq = mark, window, seq
        state.max_submitted, state.max_closed = span["last"], span["closed"]
        state.org_signature = _org_signature()
        state.built_at = timezone.now()
        state.save()
    return {"cells": cells_written}


def _write_employer_totals(case_q: Q, nodes=None) -> None:
    """The employers' totals under every organisation above the owners of the cases matching
    `case_q` (only those of `nodes`, when given), in one INSERT … SELECT."""
    inner, params = (
        Case.objects.filter(case_q, submitted_at__isnull=False, primary_employer__isnull=False)
        .order_by()
        .values(r_org=F("owning_org_id"), r_emp=F("primary_employer_id"))
        .annotate(r_n=Count("id"))
        .query.sql_with_params()
    )
    params = list(params)
    where = ""
    if nodes is not None:
        nodes = sorted(nodes)
        if not nodes:
            return
        where = f"WHERE t.ancestor_id IN ({', '.join(['%s'] * len(nodes))})"
        params += nodes
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(ReportEmployerTotal)} (node_id, employer_id, n) "  # noqa: S608
            f"SELECT t.ancestor_id, s.r_emp, SUM(s.r_n) FROM ({inner}) s "
            f"JOIN {_table(ReportOrgAncestor)} t ON t.org_id = s.r_org {where} "
            f"GROUP BY t.ancestor_id, s.r_emp",
            params,
        )


def _membership_of(pk, org_id, employer_id, submitted_at, closed_at, state) -> ReportMembership:
    ended = closed_at is not None and state in CaseState.ended()
    return ReportMembership(
        case_id=pk,
        org_id=org_id,
        employer_id=employer_id,
        month=_local_ym(submitted_at),
        ended_month=_local_ym(closed_at) if ended else None,
    )


def _write_memberships(cases, months: list[dt.date] | None = None) -> list[ReportMembership]:
    """Record which cells `cases` are in. With `months` (a rebuild: the run of months every
    moment falls in), in one INSERT … SELECT computing the months in the database, returning
    nothing; else through Python, returning the rows."""
    columns = ["case_id", "org_id", "employer_id", "month", "ended_month"]
    if months is not None:
        inner, params = (
            cases.order_by()
            .values(
                r_case=F("id"),
                r_org=F("owning_org_id"),
                r_emp=F("primary_employer_id"),
                r_m=month_of("submitted_at", months),
                r_e=CaseWhen(
                    When(
                        state__in=CaseState.ended(),
                        closed_at__isnull=False,
                        then=month_of("closed_at", months),
                    ),
                    default=None,
                    output_field=IntegerField(),
                ),
            )
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_table(ReportMembership)} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT s.r_case, s.r_org, s.r_emp, s.r_m, s.r_e FROM ({inner}) s",
                params,
            )
        return []
    rows = [
        _membership_of(*values)
        for values in cases.values_list(
            "pk", "owning_org_id", "primary_employer_id", "submitted_at", "closed_at", "state"
        )
    ]
    _insert(
        ReportMembership,
        columns,
        ((m.case_id, m.org_id, m.employer_id, m.month, m.ended_month) for m in rows),
    )
    return rows


def _changed_cases(state: ReportRollupState, late: bool, seq: int) -> set | None:
    """The ids of the cases changed since the rollup last looked; None when it cannot tell."""
    since = state.audit_mark
    if late:
        # An event committed late below the mark (PostgreSQL), or events gone: look again at
        # the whole window below the mark.
        since = state.audit_mark - WINDOW
    # Access records (an unmasked view of identities, a download) change no figure: a case page
    # viewed is not a case changed.
    ids = set(
        AuditEvent.objects.filter(id__gt=since, case_id__isnull=False)
        .exclude(verb__in=ACCESS_VERBS)
        .values_list("case_id", flat=True)
        .distinct()
    )
    employers = set()
    if seq > state.dirty_seq:
        if seq - state.dirty_seq > REFRESH_LIMIT:
            return None
        keys = [DIRTY_ITEM.format(db=_db(), n=n) for n in range(state.dirty_seq + 1, seq + 1)]
        found = cache.get_many(keys)
        if len(found) != len(keys):
            return None  # evicted, or still being written: cannot tell which
        for value in found.values():
            kind, pk = value
            (employers if kind == "employer" else ids).add(pk)
    if employers:
        ids.update(
            Case.objects.filter(primary_employer_id__in=employers).values_list("pk", flat=True)
        )
    return ids


def refresh() -> None:
    """Bring the rollup up to date with the cases (see the module's docstring)."""
    state = ReportRollupState.objects.first()
    if state is None or state.org_signature != _org_signature():
        reports_rollup_rebuild()
        return
    if _look(state)[0]:
        return
    with transaction.atomic():
        # The write first: it takes the lock (SQLite's database lock, PostgreSQL's row lock),
        # so two refreshes never interleave; then read where the other one left it.
        ReportRollupState.objects.filter(pk=state.pk).update(dirty_seq=F("dirty_seq"))
        state = ReportRollupState.objects.get(pk=state.pk)
        unchanged, mark, below, seq = _look(state)
        if unchanged:
            return
        late = mark < state.audit_mark or below != state.audit_window
        ids = _changed_cases(state, late, seq)
        if ids is None or len(ids) > REFRESH_LIMIT:
            reports_rollup_rebuild()
            return
        _recount(ids, state)
        state.audit_mark, state.audit_window, state.dirty_seq = mark, _below(mark), seq
        state.save()


def _look(state: ReportRollupState) -> tuple[bool, int, int, int]:
    """Whether nothing changed since the rollup's mark (no audit event after it, none late
    below it, nothing in the dirty list); the highest audit id, the count below the mark and
    the dirty list's length."""
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    below, seq = _below(state.audit_mark), _dirty_seq()
    unchanged = (mark, below, seq) == (state.audit_mark, state.audit_window, state.dirty_seq)
    return unchanged, mark, below, seq


def _recount(ids: set, state: ReportRollupState) -> None:
    """Bring the cells up to date with the cases `ids`: recount the own cells of the (owner,
    month) pairs they are in or were in, and add the difference to the subtree cells of the
    owner and every organisation above it."""
    if not ids:
        return
    cohort_pairs, ended_pairs = set(), set()  # (org, yyyymm)
    employer_orgs = set()  # (org, employer)
    old = list(ReportMembership.objects.filter(case_id__in=ids))
    ReportMembership.objects.filter(case_id__in=ids).delete()
    new = _write_memberships(Case.objects.filter(pk__in=ids, submitted_at__isnull=False))
    for m in old + new:
        cohort_pairs.add((m.org_id, m.month))
        if m.ended_month is not None:
            ended_pairs.add((m.org_id, m.ended_month))
        if m.employer_id is not None:
            employer_orgs.add((m.org_id, m.employer_id))
    latest = Case.objects.filter(pk__in=ids).aggregate(s=Max("submitted_at"), c=Max("closed_at"))
    for field, value in (("max_submitted", latest["s"]), ("max_closed", latest["c"])):
        if value is not None and (getattr(state, field) is None or value > getattr(state, field)):
            setattr(state, field, value)
    ancestors = defaultdict(set)
    inner = set()  # the organisations with subtree cells: those with others below them
    orgs = {org for org, _ym in cohort_pairs | ended_pairs | employer_orgs}
    for org, anc in ReportOrgAncestor.objects.filter(
        Q(org_id__in=orgs) | Q(ancestor_id__in=orgs)
    ).values_list("org_id", "ancestor_id"):
        if org in orgs:
            ancestors[org].add(anc)
        if org != anc:
            inner.add(anc)
    # The employers' totals under every organisation above the cases' owners, before and after:
    # recounted from those employers' cases (a few per employer).
    employer_nodes = defaultdict(set)
    for org, employer in employer_orgs:
        employer_nodes[employer].update(ancestors[org] or {org})
    if employer_nodes:
        nodes = set().union(*employer_nodes.values())
        ReportEmployerTotal.objects.filter(
            employer_id__in=list(employer_nodes), node_id__in=nodes
        ).delete()
        _write_employer_totals(Q(primary_employer_id__in=list(employer_nodes)), nodes)
    if not cohort_pairs and not ended_pairs:
        return
    fresh, stored = _own_now(cohort_pairs, ended_pairs)
    # The difference, added to the owner's and every ancestor's subtree cells.
    delta: dict = defaultdict(lambda: [0, 0, 0, 0, Decimal(0), Decimal(0)])
    for cells, sign in ((fresh, 1), (stored, -1)):
        for (org, ym, kind, key), figures in cells.items():
            for node in ancestors[org] & inner:
                cell = delta[(node, ym, kind, key)]
                for i, v in enumerate(figures):
                    cell[i] += sign * v
    # The own cells that changed, replaced (most of a pair's cells did not change).
    zero = [0, 0, 0, 0, Decimal(0), Decimal(0)]
    own = [
        (*k, *fresh.get(k, zero))
        for k in fresh.keys() | stored.keys()
        if fresh.get(k, zero) != stored.get(k, zero)
    ]
    subtree = [(*k, *v) for k, v in delta.items() if _nonzero(v)]
    _upsert(subtree, own=False, add=True)
    _upsert(own, own=True, add=False)
    # Cells left holding nothing go.
    nodes = sorted({r[0] for r in subtree + own})
    months = sorted({r[1] for r in subtree + own})
    if nodes:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_table(ReportCell)} WHERE {_zero_sql()} "  # noqa: S608
                f"AND node_id IN ({', '.join(['%s'] * len(nodes))}) "
                f"AND month IN ({', '.join(['%s'] * len(months))})",
                [*nodes, *months],
            )


def _pairs_q(cohort_pairs: set, ended_pairs: set) -> Q:
    """The cells of these (org, yyyymm) pairs: every kind but "ended" of the cohort pairs, the
    "ended" ones of the ended pairs."""
    q = Q(pk__in=[])
    for pairs, kind in ((cohort_pairs, ~Q(kind="ended")), (ended_pairs, Q(kind="ended"))):
        by_month = defaultdict(set)
        for org, ym in pairs:
            by_month[ym].add(org)
        for ym, orgs in by_month.items():
            q |= kind & Q(month=ym, node_id__in=sorted(orgs))
    return q


def _own_now(cohort_pairs: set, ended_pairs: set) -> tuple[dict, dict]:
    """The own cells of these pairs counted from the cases now, and as stored."""

    def driven(member_field, pairs):
        # The cases' ids, from the memberships (already brought up to date, and indexed by
        # owner and month): every count below reads those cases and their rows by id instead
        # of scanning a table. What a case says now decides where it is counted; the counts
        # of pairs other than these are left out below.
        by_month = defaultdict(set)
        for org, ym in pairs:
            by_month[ym].add(org)
        members = Q(pk__in=[])
        for ym, orgs in by_month.items():
            members |= Q(**{member_field: ym}, org_id__in=sorted(orgs))
        ids = list(ReportMembership.objects.filter(members).values_list("case_id", flat=True))
        if len(ids) > MAX_IDS:  # as a subquery: too many to bind
            return Q(pk__in=ReportMembership.objects.filter(members).values("case_id"))
        return Q(pk__in=ids)

    all_months = [ym for _org, ym in cohort_pairs | ended_pairs]
    months = _months_between(_month_start(min(all_months)), _month_start(max(all_months)))
    selects = _own_selects(
        driven("month", cohort_pairs),
        months,
        ended_q=driven("ended_month", ended_pairs) if ended_pairs else None,
        bulk=False,
    )
    fresh = {
        (org, ym, kind, key): figures
        for (org, ym, kind, key), figures in _fetch(selects).items()
        if (org, ym) in (ended_pairs if kind == "ended" else cohort_pairs)
    }
    stored = {}
    for row in ReportCell.objects.filter(_pairs_q(cohort_pairs, ended_pairs), own=True).values_list(
        "node_id", "month", "kind", "key", *FIGURES
    ):
        stored[row[:4]] = [*row[4:8], _dec(row[8]), _dec(row[9])]
    return fresh, stored


def _upsert(rows: list[tuple], *, own: bool, add: bool) -> None:
    """Write these figures to the cells — added to what they hold (`add`) or in place of it —
    creating the missing ones: one upsert (ON CONFLICT, SQLite 3.24+ and PostgreSQL)."""
    if not rows:
        return
    table = _table(ReportCell)
    names = ", ".join(CELL_COLUMNS)
    if add:
        change = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in FIGURES)
    else:
        change = ", ".join(f"{c} = excluded.{c}" for c in FIGURES)
    sql = (
        f"INSERT INTO {table} ({names}, own) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(CELL_COLUMNS))}, %s) "
        f"ON CONFLICT (node_id, month, kind, key, own) DO UPDATE SET {change}"
    )
    rows = [(*row, own) for row in rows]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


# --- recording changes the audit chain does not show ------------------------------------------


def mark_dirty(kind: str, pk) -> None:
    """Note that a case (kind "case") or an employer's cases ("employer") changed: no query;
    one round trip on Redis (config.redis_cache: the sequence's next number and the item in one
    script, so that no reader sees the number before its item), two cache operations on any
    other cache."""
    if pk is None:
        return
    key = DIRTY_SEQ.format(db=_db())
    item = DIRTY_ITEM.format(db=_db(), n="")
    sequence_append = getattr(cache, "sequence_append", None)
    if sequence_append is not None:
        sequence_append(key, item, (kind, pk), DIRTY_TTL)
        return
    try:
        n = cache.incr(key)
    except ValueError:
        cache.add(key, 0, None)
        n = cache.incr(key)
    cache.set(f"{item}{n}", (kind, pk), DIRTY_TTL)


def _case_saved(sender, instance, **kwargs) -> None:
    mark_dirty("case", instance.pk)


def _row_saved(sender, instance, **kwargs) -> None:
    mark_dirty("case", getattr(instance, "case_id", None))


def _employer_saved(sender, instance, **kwargs) -> None:
    mark_dirty("employer", instance.pk)


def _categories_changed(sender, instance, action, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Case):
        mark_dirty("case", instance.pk)
    else:  # changed from the category's side
        for pk in (
            Case.categories.through.objects.filter(category_id=instance.pk).values_list(
                "case_id", flat=True
            )
            if pk_set is None
            else pk_set
        ):
            mark_dirty("case", pk)


def connect_rollup_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from casework.models import Employer

    through = Case.categories.through
    for signal in (post_save, post_delete):
        signal.connect(_case_saved, sender=Case, dispatch_uid=f"rollup_case_{signal}")
        for model in (Claim, Referral, CaseDeadline, through):
            signal.connect(
                _row_saved, sender=model, dispatch_uid=f"rollup_{model.__name__}_{signal}"
            )
        signal.connect(_employer_saved, sender=Employer, dispatch_uid=f"rollup_employer_{signal}")
    m2m_changed.connect(_categories_changed, sender=through, dispatch_uid="rollup_categories")


# --- reading ----------------------------------------------------------------------------------


def _nodes(scope: tuple[str, ...], organisation_id: int | None) -> list[int] | None:
    """The organisations whose subtree cells make up the scope (no subtree twice)."""
    if organisation_id is not None:
        return None  # scoped_cases checks it; the caller passes the organisation's own id
    paths = sorted(set(scope))
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    found = dict(Organisation.objects.filter(path__in=tops).values_list("path", "pk"))
    if len(found) != len(tops):
        return None
    return list(found.values())


def rollup_source(scope: tuple[str, ...], filters, r):
    """A RollupSource for this report, or None when the rollup cannot answer it exactly."""
    if filters.category or filters.chain:
        return None
    today = timezone.localdate()
    if filters.date_from.day != 1:
        return None
    whole_end = _next(filters.date_to) - dt.timedelta(days=1) == filters.date_to
    if not whole_end and filters.date_to < today:
        return None
    if filters.organisation_id is not None:
        path = (
            Organisation.objects.filter(pk=filters.organisation_id)
            .values_list("path", flat=True)
            .first()
        )
        if not path or not any(path.startswith(p) for p in scope):
            return None  # nothing to see: the direct count says so
        nodes = [filters.organisation_id]
    else:
        nodes = _nodes(scope, None)
        if not nodes:
            return None
    refresh()
    if not whole_end:
        state = ReportRollupState.objects.first()
        for moment in (state.max_submitted, state.max_closed):
            if moment is not None and moment >= r.end:
                return None
    return RollupSource(nodes, r)


class RollupSource:
    """The figures of reports.sources.DirectSource, added up from the cells."""

    # Employers whose grievances are counted in the period at each step of top_employers.
    EMPLOYER_BATCH = 500

    def __init__(self, nodes: list[int], r):
        self.r = r
        self.nodes = nodes
        self.index = {_ym(m): i for i, m in enumerate(r.months)}
        # An organisation with others below it has subtree cells; a leaf's own cells are its
        # subtree's.
        inner = set(
            ReportOrgAncestor.objects.filter(ancestor_id__in=nodes)
            .exclude(org_id=F("ancestor_id"))
            .values_list("ancestor_id", flat=True)
            .distinct()
        )
        leaves = [n for n in nodes if n not in inner]
        cells = ReportCell.objects.filter(
            Q(node_id__in=sorted(inner), own=False) | Q(node_id__in=leaves, own=True),
            month__in=list(self.index),
        )
        self.monthly = defaultdict(lambda: [0, 0, 0, 0])
        for kind, key, month, n, x, y, z in (
            cells.filter(kind__in=("cube", "ended"))
            .values_list("kind", "key", "month")
            .annotate(n=Sum("n"), x=Sum("x"), y=Sum("y"), z=Sum("z"))
        ):
            cell = self.monthly[(kind, key, month)]
            for i, v in enumerate((n, x, y, z)):
                cell[i] += v or 0
        self.sums = defaultdict(list)
        # The histograms (most of the cells) need their counts only: no decimal to convert.
        counts_only = ("category", "first", "resolution", "referral", "dl_open")
        # Tens of thousands of rows: read straight from the cursor, without the ORM's converters.
        query = cells.filter(kind__in=counts_only).values_list("kind", "key").annotate(n=Sum("n"))
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for kind, key, n in cursor.fetchall():
                self.sums[kind].append((key.split(SEP), int(n or 0), 0, 0, 0, 0))
        for kind, key, n, x, y, a, b in (
            cells.filter(kind__in=("place", "deadline", "claimed"))
            .values_list("kind", "key")
            .annotate(n=Sum("n"), x=Sum("x"), y=Sum("y"), a=Sum("a"), b=Sum("b"))
        ):
            self.sums[kind].append((key.split(SEP), n or 0, x or 0, y or 0, a or 0, b or 0))

    def cube(self) -> list[dict]:
        rows = []
        for (kind, key, month), (n, x, y, z) in self.monthly.items():
            if kind != "cube" or not n:
                continue
            state, channel = key.split(SEP)
            rows.append(
                {
                    "state": state,
                    "channel": channel,
                    "m": self.index[month],
                    "n": n,
                    "collective": x,
                    "large": y,
                    "workers": z or None,
                }
            )
        return rows

    def places(self) -> list[dict]:
        return [
            {
                "primary_employer__district": district,
                "primary_employer__industrial_chain": chain,
                "outcome": outcome,
                "n": n,
                "closed": x,
                "awarded": Decimal(a),
                "recovered": Decimal(b),
            }
            for (district, chain, outcome), n, x, _y, a, b in self.sums["place"]
            if n
        ]

    def ended_by_month(self) -> dict[int, int]:
        out = {}
        for (kind, _key, month), (n, *_rest) in self.monthly.items():
            if kind == "ended" and n:
                out[self.index[month]] = out.get(self.index[month], 0) + n
        return out

    def by_category(self) -> dict[int, int]:
        return {int(key[0]): n for key, n, *_rest in self.sums["category"] if n}

    def _hist(self, kind: str) -> list[tuple[int, int]]:
        return [(int(key[0]), n) for key, n, *_rest in self.sums[kind] if n]

    def first_hist(self) -> list[tuple[int, int]]:
        return self._hist("first")

    def resolution_hist(self) -> list[tuple[int, int]]:
        return self._hist("resolution")

    def referrals(self) -> list[tuple[str, int | None, int]]:
        return [
            (state, int(h) if h != "" else None, n)
            for (state, h), n, *_rest in self.sums["referral"]
            if n
        ]

    def deadlines(self, today: dt.date) -> list[tuple[int, int, int, int]]:
        counts = defaultdict(lambda: [0, 0, 0])
        for (rule,), _n, x, y, _a, _b in self.sums["deadline"]:
            counts[int(rule)][0] += x
            counts[int(rule)][1] += y
        day = today.isoformat()
        for (rule, due), n, *_rest in self.sums["dl_open"]:
            if due < day:
                counts[int(rule)][2] += n
        return [(rule, met, late, missed) for rule, (met, late, missed) in counts.items()]

    def top_employers(self, limit: int) -> list[dict]:
        """DirectSource.top_employers, exactly, from the employers' totals: an employer's count in
        the period is at most its total, so the employers are counted in the period in the
        order of their totals until no employer not yet counted could enter the list."""
        if len(self.nodes) != 1:
            return DirectSource(self.r).top_employers(limit)
        totals = ReportEmployerTotal.objects.filter(node_id=self.nodes[0]).order_by(
            "-n", "employer_id"
        )
        counted: dict[int, int] = {}
        offset = 0
        while True:
            batch = list(
                totals.values_list("employer_id", "n")[offset : offset + self.EMPLOYER_BATCH]
            )
            offset += len(batch)
            if batch:
                counted.update(
                    self.r.cohort.filter(primary_employer_id__in=[e for e, _n in batch])
                    .values_list("primary_employer_id")
                    .annotate(n=Count("id"))
                )
            top = sorted(
                ((n, e) for e, n in counted.items() if n >= 2), key=lambda t: (-t[0], t[1])
            )[:limit]
            if len(batch) < self.EMPLOYER_BATCH:
                break  # every employer counted
            bound = batch[-1][1]  # no employer not yet counted has more in the period
            if bound < 2 or (len(top) == limit and top[-1][0] > bound):
                break
        return [{"primary_employer_id": e, "n": n} for n, e in top]

    def claimed_by_chain(self) -> dict:
        return {key[0]: Decimal(a) for key, _n, _x, _y, a, _b in self.sums["claimed"] if a}
