"""Small SQL helpers the ORM lacks, for SQLite and PostgreSQL alike."""

from django.db.models import Func, IntegerField


class HoursBetween(Func):
    """Whole hours from the second datetime to the first (rounded down), computed in the
    database so that a distribution of durations is one GROUP BY."""

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        (end_sql, end_params), (start_sql, start_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = f"CAST((julianday({end_sql}) - julianday({start_sql})) * 24 AS INTEGER)"
        return sql, (*end_params, *start_params)

    def as_postgresql(self, compiler, connection, **extra):
        (end_sql, end_params), (start_sql, start_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) / 3600) AS INTEGER)"
        return sql, (*end_params, *start_params)


def median_days(histogram: list[tuple[int, int]]) -> tuple[float | None, int]:
    """The median, in days, of a distribution given as (hours, how many) rows; and how many
    values there were. The database counts; only the few hundred distinct durations come back."""
    rows = sorted((h, n) for h, n in histogram if h is not None and n)
    total = sum(n for _h, n in rows)
    if not total:
        return None, 0
    # The lower and upper middle positions (equal when the count is odd).
    wanted = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for hours, n in rows:
        while wanted and wanted[0] < seen + n:
            found.append(hours)
            wanted.pop(0)
        seen += n
    return (found[0] + found[1]) / 2 / 24, total
