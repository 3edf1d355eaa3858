"""Folding the case tally's delta rows together (casework.models.CaseTally)."""

from django.db import connection, transaction

from ..models import CaseTally

_FOLD_POSTGRES = """
    WITH gone AS (DELETE FROM casework_casetally RETURNING org_id, state, restricted, n)
    INSERT INTO casework_casetally (org_id, state, restricted, n)
    SELECT org_id, state, restricted, SUM(n) FROM gone
    GROUP BY org_id, state, restricted HAVING SUM(n) <> 0"""

_FOLD_SQLITE = [
    """INSERT INTO casework_casetally (org_id, state, restricted, n)
       SELECT org_id, state, restricted, SUM(n) FROM casework_casetally WHERE id <= %s
       GROUP BY org_id, state, restricted HAVING SUM(n) <> 0""",
    "DELETE FROM casework_casetally WHERE id <= %s",
]


def tally_compact() -> int:
    """Replace the delta rows by one row per (organisation, state, restricted) and return how
    many rows are left. Safe while cases change: on PostgreSQL one statement deletes exactly
    the rows it sums (rows committed meanwhile stay for the next run); SQLite has one writer."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_FOLD_POSTGRES)
        else:
            cursor.execute("SELECT MAX(id) FROM casework_casetally")
            last = cursor.fetchone()[0]
            if last is not None:
                for sql in _FOLD_SQLITE:
                    cursor.execute(sql, [last])
    return CaseTally.objects.count()
