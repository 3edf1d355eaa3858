"""A case's own rows — claims, messages, notes, events, proceedings, deadlines and their events,
generated documents, evidence — read in one query for the staff case page (issue 8: the page in
at most 15 queries, whatever the length of its timeline).

`case_rows_preload(case, names)` reads the named lists with one `UNION ALL` statement, each list
as one JSON array of its rows (SQLite's `json_group_array`, PostgreSQL's `json_agg`), each row a
JSON object of its columns (SQLite's `json_object`, PostgreSQL's `json_build_object`),
turns them into model instances as the ORM would (`Model.from_db`, with the values converted by
field type, the case and, for deadlines, the rule set on them) and keeps them on the case
object. The readers ask `case_rows(case, name, queryset)`: the preloaded list when the page
preloaded it, else the queryset's rows — so every reader also works alone, and a reader that
filters (the worker's view of events, of evidence) filters the preloaded list the same way.

The statement's text is built once per process and database vendor; only the case id is bound.
tests/casework/test_case_rows.py checks that each list equals what its queryset returns, value
for value, on both databases.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from operator import attrgetter

from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from documents.models import Evidence, GeneratedDocument
from rights.deadline_models import CaseDeadline, CaseDeadlineEvent, DeadlineRule

from ..models import AuditEvent, Case, Claim, Message, Note, Proceeding

PRELOADED = "_case_rows"


@dataclass(frozen=True)
class RowSpec:
    model: type[models.Model]
    order: Callable  # the sort key: the order the readers' querysets give
    exclude: tuple[str, ...] = ()  # columns not read (deferred on the instances)
    where: str = ""  # an extra SQL condition on the table's own columns


# The verbs the timeline leaves out (selectors.staff.TIMELINE_HIDDEN_VERBS): access records,
# read by nobody on the case page.
HIDDEN_EVENT_VERBS = (
    "case_viewed",
    "document_downloaded",
    "evidence_downloaded",
    "identity_viewed",
)

SPECS: dict[str, RowSpec] = {
    "claims": RowSpec(Claim, attrgetter("id")),
    "messages": RowSpec(Message, attrgetter("created_at", "id")),
    "notes": RowSpec(Note, attrgetter("created_at", "id")),
    "events": RowSpec(
        AuditEvent,
        attrgetter("occurred_at", "id"),
        exclude=("chain_key", "prev_hash", "hash"),
        where="verb NOT IN ({})".format(", ".join(f"'{v}'" for v in HIDDEN_EVENT_VERBS)),
    ),
    "proceedings": RowSpec(Proceeding, attrgetter("filed_on", "id")),
    "deadlines": RowSpec(CaseDeadline, lambda d: (d.due_date, d.rule.code)),
    "deadline_events": RowSpec(CaseDeadlineEvent, attrgetter("start", "id")),
    "documents": RowSpec(GeneratedDocument, lambda d: (d.kind, -d.version), exclude=("snapshot",)),
    "evidence": RowSpec(Evidence, attrgetter("created_at", "id")),
}

# What the staff case page shows.
STAFF_CASE_PAGE = tuple(SPECS)
RULE_LISTS = frozenset({"deadlines", "deadline_events"})  # rows that point to a deadline rule


def _fields(spec: RowSpec) -> list[models.Field]:
    return [f for f in spec.model._meta.concrete_fields if f.attname not in spec.exclude]


@cache
def _statement(names: tuple[str, ...], vendor: str) -> str:
    json_object = "json_build_object" if vendor == "postgresql" else "json_object"
    json_array = "json_agg" if vendor == "postgresql" else "json_group_array"
    quote = connection.ops.quote_name
    parts = []
    for name in names:
        spec = SPECS[name]
        pairs = []
        for f in _fields(spec):
            column = quote(f.column)
            if isinstance(f, models.DecimalField):
                column = f"CAST({column} AS TEXT)"  # no float on the way
            elif isinstance(f, models.JSONField) and vendor != "postgresql":
                column = f"json({column})"  # nested, as PostgreSQL's jsonb is
            pairs.append(f"'{f.attname}', {column}")
        where = f" AND {spec.where}" if spec.where else ""
        table = quote(spec.model._meta.db_table)
        parts.append(
            f"SELECT '{name}' AS k, {json_array}({json_object}({', '.join(pairs)})) AS j "  # noqa: S608 (names from the models, the case id bound)
            f"FROM {table} WHERE {quote('case_id')} = %s{where}"
        )
    return " UNION ALL ".join(parts)


def _datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    # SQLite keeps UTC without an offset; PostgreSQL's JSON carries one.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@cache
def _converters(model: type[models.Model]) -> dict:
    out = {}
    for f in model._meta.concrete_fields:
        if isinstance(f, models.DateTimeField):
            out[f.attname] = _datetime
        elif isinstance(f, models.DateField):
            out[f.attname] = dt.date.fromisoformat
        elif isinstance(f, models.DecimalField):
            places = Decimal(1).scaleb(-f.decimal_places)
            out[f.attname] = lambda v, places=places: Decimal(v).quantize(places)
        elif isinstance(f, models.BooleanField):
            out[f.attname] = bool
    return out


@cache
def _plan(name: str) -> tuple[list[tuple[str, Callable | None]], str, str | None]:
    """For one list: its columns with their converters, and the cache names of the case and
    (deadlines) the rule the instances point to."""
    spec = SPECS[name]
    convert = _converters(spec.model)
    columns = [(f.attname, convert.get(f.attname)) for f in _fields(spec)]
    meta = spec.model._meta
    rule = meta.get_field("rule").cache_name if name in RULE_LISTS else None
    return columns, meta.get_field("case").cache_name, rule


def _instances(name: str, rows: list[dict], case: Case, rules: dict | None) -> list:
    """The model instances of one list's JSON rows, as `Model.from_db` makes them: the columns
    read set, the others deferred. Without pre_init/post_init receivers for the model (there
    are none in this project), __init__ — which only sets the same attributes and sends those
    two signals — is skipped: a long case page builds some four hundred of these."""
    columns, case_cache, rule_cache = _plan(name)
    model = SPECS[name].model
    alias = connection.alias
    signals = pre_init.has_listeners(model) or post_init.has_listeners(model)
    out = []
    for values in rows:
        data = {}
        for attname, convert in columns:
            value = values.get(attname)
            if value is not None and convert is not None:
                value = convert(value)
            data[attname] = value
        if signals:
            obj = model.from_db(alias, list(data), list(data.values()))
        else:
            obj = model.__new__(model)
            obj.__dict__.update(data)
            obj._state = ModelState()
            obj._state.adding = False
            obj._state.db = alias
        obj._state.fields_cache[case_cache] = case
        if rule_cache is not None:
            rule = rules.get(obj.rule_id)
            if rule is None:  # a rule added behind the process-local copy's back (no signal)
                rule = DeadlineRule.objects.get(pk=obj.rule_id)
            obj._state.fields_cache[rule_cache] = rule
        out.append(obj)
    return out


def case_rows_preload(case: Case, names: tuple[str, ...] = STAFF_CASE_PAGE) -> None:
    """Read the named lists of `case` in one query and keep them on it."""
    from .deadlines import deadline_rules_by_id

    names = tuple(sorted(names))
    lists: dict[str, list] = {name: [] for name in names}
    with connection.cursor() as cursor:
        cursor.execute(_statement(names, connection.vendor), [case.pk] * len(names))
        raw = cursor.fetchall()
    rules = deadline_rules_by_id() if RULE_LISTS & set(names) else None
    for name, rows in raw:
        if isinstance(rows, str):  # SQLite hands JSON over as text, psycopg decoded
            rows = json.loads(rows)
        if rows:  # PostgreSQL's json_agg of no rows is NULL, SQLite's an empty array
            lists[name] = _instances(name, rows, case, rules)
            lists[name].sort(key=SPECS[name].order)
    case.__dict__.setdefault(PRELOADED, {}).update(lists)


def case_rows(case: Case, name: str, queryset) -> list:
    """The preloaded list `name` of the case, else the rows of `queryset` (which must select
    the same rows, in the same order)."""
    preloaded = case.__dict__.get(PRELOADED, {})
    if name in preloaded:
        return list(preloaded[name])
    return list(queryset)
