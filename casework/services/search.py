"""Keeping the staff search index (`CaseSearchTerm`) in step with the cases.

A case's terms are its reference, the names of its workers (the primary worker and every worker
party), and the names and unified social credit codes of its employers (the primary employer
and every employer party), each normalised by `search_normalise`.

- `case_search_add` writes the terms of a new case from what intake already holds, its
  reference included once intake has taken the serial (one INSERT);
- `case_search_index` writes a case's terms afresh from the database: call it from any service
  that changes a case's parties, a worker's or employer's name or a credit code, and after a
  purge (the purge has deleted the terms with the case's other rows; the stripped case keeps
  its reference and employer, and only those are written back — no worker's name);
- `search_index_rebuild` fills the whole index from the database in a few INSERT … SELECT
  statements (`manage.py search_reindex`; the bench seeder calls it after its bulk inserts).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db import connection, transaction

from ..models import Case, CaseParty, CaseSearchTerm, SearchKind
from ..models.search import (
    BTREE_INDEX,
    POSTGRESQL_TRGM_DROP,
    POSTGRESQL_TRGM_INDEX,
    SQLITE_TRIGGERS,
    SQLITE_TRIGGERS_DROP,
)
from ..selectors.search import search_grams, search_normalise

Term = tuple[int, str, str]  # (case id, kind, normalised term)


def _terms(case_id: int, reference=None, names=(), codes=()) -> list[Term]:
    found = []
    for kind, values in (
        (SearchKind.REFERENCE, [reference]),
        (SearchKind.NAME, names),
        (SearchKind.CREDIT_CODE, codes),
    ):
        for value in values:
            term = search_normalise(value or "")
            if term:
                found.append((case_id, kind.value, term))
    return found


def _write(terms: Iterable[Term]) -> None:
    CaseSearchTerm.objects.bulk_create(
        [
            CaseSearchTerm(
                case_id=c, kind=k, term=t, grams=search_grams(t) if k == SearchKind.NAME else ""
            )
            for c, k, t in terms
        ]
    )


def case_search_add(
    *, case: Case, workers: Iterable, employers: Iterable, reference: str | None = None
) -> None:
    """Index a case that has just been written with these workers and employers, and its
    reference when given (intake, once it has taken the serial): one INSERT."""
    employers = list(employers)
    _write(
        _terms(
            case.pk,
            reference,
            names=[w.name for w in workers] + [e.name for e in employers],
            codes=[e.credit_code for e in employers],
        )
    )


@transaction.atomic
def case_search_index(case_ids: Iterable[int]) -> None:
    """Write the terms of these cases afresh from the database (two reads, a delete, one
    insert, whatever the number of cases)."""
    ids = list(case_ids)
    if not ids:
        return
    # One entry per case and worker or employer, as the bulk rebuild writes them.
    workers: dict[tuple[int, int], str] = {}
    employers: dict[tuple[int, int], tuple[str, str]] = {}
    references: dict[int, str] = {}
    for row in CaseParty.objects.filter(case_id__in=ids).values_list(
        "case_id",
        "worker_id",
        "worker__name",
        "employer_id",
        "employer__name",
        "employer__credit_code",
    ):
        case_id, worker_id, worker, employer_id, employer, code = row
        if worker_id is not None:
            workers[case_id, worker_id] = worker
        if employer_id is not None:
            employers[case_id, employer_id] = (employer, code)
    for row in Case.objects.filter(pk__in=ids).values_list(
        "pk",
        "reference",
        "primary_worker_id",
        "primary_worker__name",
        "primary_employer_id",
        "primary_employer__name",
        "primary_employer__credit_code",
    ):
        case_id, reference, worker_id, worker, employer_id, employer, code = row
        references[case_id] = reference
        if worker_id is not None:
            workers.setdefault((case_id, worker_id), worker)
        if employer_id is not None:
            employers.setdefault((case_id, employer_id), (employer, code))
    terms: list[Term] = []
    for case_id, reference in references.items():
        terms += _terms(case_id, reference)
    for (case_id, _id), name in workers.items():
        terms += _terms(case_id, names=[name])
    for (case_id, _id), (name, code) in employers.items():
        terms += _terms(case_id, names=[name], codes=[code])
    CaseSearchTerm.objects.filter(case_id__in=ids).delete()
    _write(terms)


# --- the bulk rebuild ----------------------------------------------------------------------------

# Every (case, kind, raw value) the index holds, for INSERT … SELECT, one row per case and
# worker or employer: the parties, and the primary worker and employer where they are not
# parties (no DISTINCT: sorting millions of rows would cost more than the rest together).
_SOURCES = """
    SELECT c.id AS case_id, 'ref' AS kind, c.reference AS value FROM casework_case c
    UNION ALL SELECT p.case_id, 'name', w.name
        FROM casework_caseparty p JOIN casework_worker w ON w.id = p.worker_id
    UNION ALL SELECT p.case_id, 'name', e.name
        FROM casework_caseparty p JOIN casework_employer e ON e.id = p.employer_id
    UNION ALL SELECT p.case_id, 'code', e.credit_code
        FROM casework_caseparty p JOIN casework_employer e ON e.id = p.employer_id
    UNION ALL SELECT c.id, 'name', w.name
        FROM casework_case c JOIN casework_worker w ON w.id = c.primary_worker_id
        WHERE NOT EXISTS (SELECT 1 FROM casework_caseparty p
                          WHERE p.case_id = c.id AND p.worker_id = c.primary_worker_id)
    UNION ALL SELECT c.id, kinds.kind, CASE kinds.kind WHEN 'name' THEN e.name
                                                       ELSE e.credit_code END
        FROM casework_case c JOIN casework_employer e ON e.id = c.primary_employer_id
        CROSS JOIN (SELECT 'name' AS kind UNION ALL SELECT 'code') kinds
        WHERE NOT EXISTS (SELECT 1 FROM casework_caseparty p
                          WHERE p.case_id = c.id AND p.employer_id = c.primary_employer_id)
"""
# MATERIALIZED: the normalised term is computed once per row, not once per mention below.
_INSERT = (
    "WITH terms AS MATERIALIZED ("  # noqa: S608 - constants only
    "    SELECT case_id, kind, {norm} AS term FROM (" + _SOURCES + ") sources"
    ") "
    "INSERT INTO casework_casesearchterm (case_id, kind, term, grams) "
    "SELECT case_id, kind, term, CASE WHEN kind = 'name' THEN {grams} ELSE '' END "
    "FROM terms WHERE term <> ''"
)
# PostgreSQL's forms of search_normalise (NFKC, no whitespace, lower case) and search_grams.
_PG_NORM = r"lower(regexp_replace(normalize(value, NFKC), '\s', '', 'g'))"
_PG_GRAMS = (
    "CASE WHEN length(term) < 2 THEN '' ELSE ' ' || array_to_string(ARRAY("
    "SELECT substr(term, i, 2) FROM generate_series(1, length(term) - 1) AS i ORDER BY i"
    "), ' ') || ' ' END"
)
# SQLite calls the Python functions themselves.
_SQLITE_NORM = "rightsdesk_search_normalise"
_SQLITE_GRAMS = "rightsdesk_search_grams"


def _btree_index_sql() -> str:
    index = next(i for i in CaseSearchTerm._meta.indexes if i.name == BTREE_INDEX)
    return str(index.create_sql(CaseSearchTerm, connection.schema_editor()))


@transaction.atomic
def search_index_rebuild() -> tuple[int, float]:
    """Empty the index and fill it again from the database; returns (rows, seconds).

    The indexes of the term table are dropped first and built again after the insert (sorting
    once beats millions of random index inserts), all in one transaction: readers see the old
    index or the new one."""
    started = time.perf_counter()
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):  # pragma: no cover - the two supported ones
        raise NotImplementedError(vendor)
    create_btree = _btree_index_sql()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # TRUNCATE and CREATE INDEX refuse a table with deferred foreign-key checks pending
            # (a caller's transaction, the insert below): check each statement's rows at once.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        drops = SQLITE_TRIGGERS_DROP if vendor == "sqlite" else [POSTGRESQL_TRGM_DROP]
        for sql in [*drops, "DROP INDEX IF EXISTS " + BTREE_INDEX]:
            cursor.execute(sql)
        if vendor == "sqlite":
            for name, function in ((_SQLITE_NORM, search_normalise), (_SQLITE_GRAMS, search_grams)):
                connection.connection.create_function(name, 1, function, deterministic=True)
            cursor.execute("DELETE FROM casework_casesearchterm")
            cursor.execute(
                "INSERT INTO casework_casesearchterm_fts(casework_casesearchterm_fts) "
                "VALUES ('delete-all')"
            )
            cursor.execute(
                _INSERT.format(norm=_SQLITE_NORM + "(value)", grams=_SQLITE_GRAMS + "(term)")
            )
            cursor.execute(
                "INSERT INTO casework_casesearchterm_fts(rowid, grams) "
                "SELECT id, grams FROM casework_casesearchterm WHERE kind = 'name'"
            )
        else:
            cursor.execute("TRUNCATE casework_casesearchterm")
            cursor.execute(_INSERT.format(norm=_PG_NORM, grams=_PG_GRAMS))
        cursor.execute(create_btree)
        for sql in SQLITE_TRIGGERS if vendor == "sqlite" else [POSTGRESQL_TRGM_INDEX]:
            cursor.execute(sql)
        if vendor == "postgresql":
            cursor.execute("ANALYZE casework_casesearchterm")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys' default
        cursor.execute("SELECT COUNT(*) FROM casework_casesearchterm")
        rows = cursor.fetchone()[0]
    return rows, time.perf_counter() - started
