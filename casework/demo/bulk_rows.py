"""Writing many rows fast, in the shapes Django and the services would write them.

`insert_rows` sends plain tuples with one executemany, each value prepared by its model field
(dates, JSON, decimals, encrypted text), skipping the SQL compilation that makes bulk_create
slow at this scale; `Ids` hands out primary keys so rows can be referred to before they are
written; `Chain` appends a case's audit events with the model's own hash.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from casework.fields import EncryptedTextField
from casework.models import AuditEvent
from casework.models.audit import GENESIS

_CONVERTED = {"DateTimeField", "DateField", "JSONField", "DecimalField"}


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT plain rows with executemany, each value prepared as its field would prepare it.
    For the big child tables whose primary keys nobody needs back: Django's bulk_create spends
    most of its time compiling SQL for them."""
    if not rows:
        return
    fields = {f.attname: f for f in model._meta.concrete_fields}
    prepare = [
        (i, fields[name].get_db_prep_save)
        for i, name in enumerate(columns)
        if fields[name].get_internal_type() in _CONVERTED
        or isinstance(fields[name], EncryptedTextField)
    ]
    if prepare:
        converted = []
        for row in rows:
            row = list(row)
            for i, prep in prepare:
                row[i] = prep(row[i], connection)
            converted.append(row)
        rows = converted
    qn = connection.ops.quote_name
    # Table and column names come from the model's own metadata, never from input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(model._meta.db_table),
        ", ".join(qn(fields[name].column) for name in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])


class Ids:
    """Primary keys handed out here rather than by the database, so that rows can be written
    with executemany and still be referred to (audit payloads name notes, messages, referrals).
    The bench database has no other writer; PostgreSQL's sequences are moved past them after."""

    def __init__(self) -> None:
        self.next: dict[type, int] = {}

    def assign(self, model, objs: list) -> None:
        if model not in self.next:
            self.next[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        for obj in objs:
            obj.pk = self.next[model]
            self.next[model] += 1

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def insert_objects(ids: Ids, model, objs: list) -> None:
    """Write unsaved model instances (every concrete field as set on them, timestamps included:
    the history is spread over months) with primary keys from `ids`."""
    ids.assign(model, objs)
    columns = [f.attname for f in model._meta.concrete_fields]
    insert_rows(model, columns, [tuple(getattr(obj, name) for name in columns) for obj in objs])


EVENT_COLUMNS = [
    "chain_key",
    "occurred_at",
    "actor_id",
    "actor_kind",
    "case_id",
    "verb",
    "payload",
    "worker_visible",
    "prev_hash",
    "hash",
]


class Event:
    """The fields of one AuditEvent row; hashed by the model's own `compute_hash`."""

    __slots__ = EVENT_COLUMNS

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)

    def row(self) -> tuple:
        return tuple(getattr(self, name) for name in EVENT_COLUMNS)


class Chain:
    """Appends hash-chained audit events for one case, as casework.audit.audit_record does:
    UTC timestamps (they are hashed in ISO form and must read back the same), strictly in order."""

    def __init__(self, case_id: int, sink: list[Event]):
        self.case_id, self.sink, self.prev, self.last = case_id, sink, GENESIS, None

    def add(
        self, at: dt.datetime, verb: str, actor: int | None, kind: str, payload: dict, visible: bool
    ) -> None:
        at = at.astimezone(dt.UTC)
        if self.last is not None and at <= self.last:
            at = self.last + dt.timedelta(seconds=1)
        self.last = at
        event = Event(
            chain_key=self.case_id,
            occurred_at=at,
            actor_id=actor,
            actor_kind=kind,
            case_id=self.case_id,
            verb=verb,
            payload=payload,
            worker_visible=visible,
            prev_hash=self.prev,
        )
        event.hash = AuditEvent.compute_hash(event)
        self.prev = event.hash
        self.sink.append(event)


def write_events(events: list[Event]) -> None:
    # One executemany in list order: ids ascend along each chain, as verify_audit walks them.
    insert_rows(AuditEvent, EVENT_COLUMNS, [e.row() for e in events])
