"""Several statements of one transaction in one round trip, on PostgreSQL.

A filing writes a dozen kinds of rows. Under load every statement costs a round trip to the
database, and a round trip costs more than most statements (intake_load: about half of a
worker's time went waiting on them, bench/results/2026-11-26-postgresql-session5.md). Rows that the service needs nothing back from —
the case's parties, claims and consents — are sent together: on PostgreSQL, with psycopg's
client-side binding (Django's default), as one string of statements; on SQLite, or with
server-side binding, one statement after the other, which gives the same rows.

The statements are Django's own (`InsertQuery`, as `bulk_create` builds them), so the rows are
the same as `bulk_create`'s; like `bulk_create`, no signal is sent and the instances get no
primary key. A statement that fails fails the batch, and the caller's transaction with it.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models.sql import InsertQuery


def _insert(objs: list[models.Model], using: str) -> list[tuple[str, tuple]]:
    """The INSERT statements `bulk_create(objs)` would send, without RETURNING."""
    model = type(objs[0])
    model._default_manager.get_queryset()._prepare_for_bulk_create(objs)
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.generated and not isinstance(f, models.AutoField)
    ]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    return query.get_compiler(using=using).as_sql()


def together(using: str | None = None) -> bool:
    """Whether statements can go in one string on this connection."""
    connection = transaction.get_connection(using)
    options = connection.settings_dict.get("OPTIONS") or {}
    return connection.vendor == "postgresql" and not options.get("server_side_binding")


def run_together(
    first: tuple[str, list] | None, *row_lists: list[models.Model], using: str | None = None
) -> list[tuple]:
    """Run `first` (a statement and its parameters, whose rows are returned) and insert each
    list of new rows, in one round trip where the database allows it."""
    connection = transaction.get_connection(using)
    statements = [first] if first is not None else []
    for objs in row_lists:
        if objs:
            statements.extend(_insert(list(objs), connection.alias))
    if not statements:
        return []
    with connection.cursor() as cursor:
        if together(connection.alias):
            cursor.execute(
                ";\n".join(sql for sql, _ in statements),
                [p for _, params in statements for p in params],
            )
            return cursor.fetchall() if first is not None else []
        rows = []
        for i, (sql, params) in enumerate(statements):
            cursor.execute(sql, params)
            if i == 0 and first is not None:
                rows = cursor.fetchall()
        return rows
