"""Writing many rows fast, in the shapes Django and the services would write them.

Rows are plain tuples. `Table` names a model's columns and turns each value into what the
vendor's Django backend would store for its field — on SQLite an aware datetime becomes UTC
naive text exactly as `adapt_datetimefield_value` writes it, a date its ISO form, JSON
`json.dumps` as JSONField does; on PostgreSQL the values travel as they are (JSON as text)
through COPY. `Rec` is a dict with attribute access standing in for an unsaved model instance
(building real instances only to turn them back into tuples is what made the seeder slow);
`Ids` hands out primary keys so rows can be referred to before they are written; `Chain`
appends a case's audit events with the model's own keyed hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from operator import itemgetter

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from casework.models import AuditEvent
from casework.models.audit import GENESIS

UTC = dt.UTC


def _sqlite_datetime(value):
    # Django's sqlite backend: aware -> naive in the connection's zone (UTC), then str().
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return str(value.replace(tzinfo=None))


def _iso_date(value):
    return None if value is None else value.isoformat()


def _json(value):
    return None if value is None else json.dumps(value)


def _converters(model, columns: list[str]) -> list:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    sqlite = connection.vendor == "sqlite"
    out = []
    for i, name in enumerate(columns):
        kind = fields[name].get_internal_type()
        if kind == "JSONField":
            out.append((i, _json))
        elif sqlite and kind == "DateTimeField":
            out.append((i, _sqlite_datetime))
        elif sqlite and kind == "DateField":
            out.append((i, _iso_date))
    return out


class Rec(dict):
    """An unsaved row: a dict of attnames with attribute access, `pk` being `id`."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self["id" if name == "pk" else name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self["id" if name == "pk" else name] = value


class Table:
    """A model's columns, the defaults an unsaved instance would carry, and a fast writer."""

    def __init__(self, model, columns: list[str] | None = None):
        self.model = model
        concrete = model._meta.concrete_fields
        self.columns = columns or [f.attname for f in concrete]
        fields = {f.attname: f for f in concrete}
        self.defaults = {
            name: (fields[name].get_default() if fields[name].has_default() else None)
            for name in self.columns
        }
        for name in self.columns:
            f = fields[name]
            if not f.has_default() and not f.null and f.empty_strings_allowed and name != "id":
                self.defaults[name] = ""  # what Model() gives a blank CharField/TextField
        self.getter = itemgetter(*self.columns)
        self.convert = _converters(model, self.columns)
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.cols_sql = ", ".join(qn(fields[name].column) for name in self.columns)

    def new(self, **values) -> Rec:
        rec = Rec(self.defaults)
        rec.update(values)
        return rec

    def rows_of(self, recs) -> list[tuple]:
        get = self.getter
        return [get(r) for r in recs]

    def insert(self, rows: list[tuple]) -> None:
        insert_rows(self, rows)


def insert_rows(table: Table, rows: list[tuple]) -> None:
    """INSERT plain tuples (in `table.columns` order): COPY on PostgreSQL, executemany on
    SQLite, every value first made what the backend would have made of it."""
    write_rows(table, stored_rows(table, rows))


def stored_rows(table: Table, rows: list[tuple]) -> list:
    """The rows with every value made what the backend would store (no database needed)."""
    if not table.convert:
        return rows
    conv = table.convert
    converted = []
    append = converted.append
    for row in rows:
        row = list(row)
        for i, f in conv:
            row[i] = f(row[i])
        append(row)
    return converted


def write_rows(table: Table, rows: list) -> None:
    """Write rows already made by `stored_rows`."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Table and column names come from the model's own metadata, never from input.
            sql = f"COPY {table.table} ({table.cols_sql}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                table.table, table.cols_sql, ", ".join(["%s"] * len(table.columns))
            )
            cursor.executemany(sql, rows)


class Ids:
    """Primary keys handed out here rather than by the database, so that rows can be written
    in bulk and still be referred to (audit payloads name notes, messages, referrals).
    The bench database has no other writer; PostgreSQL's sequences are moved past them after."""

    def __init__(self) -> None:
        self.next: dict[type, int] = {}

    def take(self, model, count: int) -> int:
        """The first of `count` fresh primary keys."""
        if model not in self.next:
            self.next[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        first = self.next[model]
        self.next[model] += count
        return first

    def prime(self, *models) -> None:
        """Read where each model's keys start now, so that handing them out later needs no
        database (a Batch is built on a thread of its own)."""
        for model in models:
            self.take(model, 0)

    def assign(self, model, recs: list) -> None:
        first = self.take(model, len(recs))
        for k, rec in enumerate(recs):
            rec["id"] = first + k

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def insert_objects(ids: Ids, table: Table, recs: list) -> None:
    """Write `Rec`s with primary keys from `ids`."""
    ids.assign(table.model, recs)
    table.insert(table.rows_of(recs))


class Batch:
    """The rows of one round of bulk inserts, built without touching the database (so that
    the next round can be built on another thread while this one is written), then written
    in the order they were added."""

    def __init__(self) -> None:
        self.parts: list[tuple[Table, list]] = []

    def add(self, table: Table, rows: list[tuple]) -> None:
        self.parts.append((table, stored_rows(table, rows)))

    def add_objects(self, ids: Ids, table: Table, recs: list) -> None:
        """`Rec`s, given primary keys from `ids` now, so later rows can refer to them."""
        ids.assign(table.model, recs)
        self.add(table, table.rows_of(recs))

    def write(self) -> None:
        for table, rows in self.parts:
            write_rows(table, rows)


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
_dumps = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
).encode
_plain = json.JSONEncoder().encode  # JSONField's json.dumps(value)


class Chain:
    """Appends hash-chained audit events for one case, as casework.audit.audit_record does:
    UTC timestamps (they are hashed in ISO form and must read back the same), strictly in order.

    Each event is a row tuple of EVENT_COLUMNS with the payload already in the text JSONField
    writes; its hash is `AuditEvent.compute_hash`'s canonical JSON under the chain key, built
    here from parts (the payload serialised once for the hash, once for storage)."""

    def __init__(self, case_id: int, sink: list[tuple]):
        self.case_id, self.sink, self.prev, self.last = case_id, sink, GENESIS, None
        self._case = json.dumps(case_id)
        self._hmac = hmac.new(settings.AUDIT_CHAIN_KEY.encode(), digestmod=hashlib.sha256)

    def add(
        self, at: dt.datetime, verb: str, actor: int | None, kind: str, payload: dict, visible: bool
    ) -> None:
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        if self.last is not None and at <= self.last:
            at = self.last + dt.timedelta(seconds=1)
        self.last = at
        # The keys of compute_hash's body, sorted, as json.dumps(sort_keys=True) orders them.
        actor_json = "null" if actor is None else actor
        flag = "true" if visible else "false"
        canonical = (
            f'{{"actor":{actor_json},"actor_kind":{_dumps(kind)},"at":"{at.isoformat()}",'
            f'"case":{self._case},"chain":{self._case},"payload":{_dumps(payload)},'
            f'"prev":"{self.prev}","verb":{_dumps(verb)},"worker_visible":{flag}}}'
        )
        mac = self._hmac.copy()
        mac.update(canonical.encode())
        digest = mac.hexdigest()
        self.sink.append(
            (
                self.case_id,
                at,
                actor,
                kind,
                self.case_id,
                verb,
                _plain(payload),
                visible,
                self.prev,
                digest,
            )
        )
        self.prev = digest


def event_table() -> Table:
    """AuditEvent's columns; payloads arrive as text already (serialised in Chain.add)."""
    table = Table(AuditEvent, EVENT_COLUMNS)
    table.convert = [(i, f) for i, f in table.convert if f is not _json]
    return table


def write_events(table: Table, events: list[tuple]) -> None:
    # In list order: ids ascend along each chain, as verify_audit walks them.
    insert_rows(table, events)
