"""Writing and verifying the append-only audit chain."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .minimise import FILING_VERBS, worker_time
from .models import AuditEvent
from .models.audit import GENESIS


def _locked_head(chain_key: int) -> tuple[str | None, object]:
    """The hash and time of the chain's last event, read under the chain's lock.

    SQLite runs writers one at a time (IMMEDIATE transactions); PostgreSQL needs a lock so two
    writers to one chain cannot both read the same head. There the lock and the read go in one
    round trip where the connection allows two statements in one string (casework.services.
    batch): the read is a statement of its own, so under READ COMMITTED it sees every event
    committed before the lock was granted."""
    from .services.batch import together

    head = (
        AuditEvent.objects.filter(chain_key=chain_key)
        .order_by("-id")
        .values_list("hash", "occurred_at")
    )
    lock = ("SELECT pg_advisory_xact_lock(%s, %s)", [74817, chain_key % 2_000_000_000])
    if together():
        sql, params = head[:1].query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(f"{lock[0]};\n{sql}", [*lock[1], *params])
            cur.nextset()
            return cur.fetchone() or (None, None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(*lock)
    return head.first() or (None, None)


def audit_record(
    *,
    verb: str,
    actor=None,
    actor_kind: str | None = None,
    case=None,
    payload: dict | None = None,
    worker_visible: bool = False,
    chain_head: str | None = None,
) -> AuditEvent:
    """Append one event to its chain. Must run inside the caller's transaction.

    `chain_head`: the hash of the chain's last event, given by a caller whose own transaction
    inserted the case and wrote that event (intake): no other transaction can write to the
    chain of a case it cannot see, so the head needs neither the lock nor a read."""
    assert transaction.get_connection().in_atomic_block, (
        "audit events are written inside a transaction"
    )
    chain_key = case.pk if case is not None else 0
    if case is not None and case.__dict__.pop("_audit_chain_is_new", False):
        # The case was inserted by this very transaction (the intake service marks it so, once):
        # its chain is empty, and no other transaction can write to it before this one commits,
        # since a writer needs the case row, which nobody else can read until then. So no lock
        # and no read: the first event follows the genesis value.
        head, head_at = None, None
    elif chain_head is not None:
        # The intake's own events (filing verbs: their time is kept exact, G6).
        head, head_at = chain_head, None
    else:
        head, head_at = _locked_head(chain_key)
    user = actor if getattr(actor, "is_authenticated", False) else None
    kind = actor_kind or ("staff" if user else "worker")
    occurred_at = timezone.now()
    if kind == "worker" and case is not None and verb not in FILING_VERBS:
        # An anonymous filer's later actions are kept to the day (casework.minimise, G6).
        occurred_at = worker_time(case, after=head_at)
    event = AuditEvent(
        chain_key=chain_key,
        occurred_at=occurred_at,
        actor=user,
        actor_kind=kind,
        case=case,
        verb=verb,
        payload=payload or {},
        worker_visible=worker_visible,
        prev_hash=head or GENESIS,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event


@dataclass
class ChainBreak:
    event_id: int
    chain_key: int
    reason: str


def audit_verify() -> tuple[int, ChainBreak | None]:
    """Walk every chain in order; return the number of events checked and the first break."""
    heads: dict[int, str] = {}
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
        expected_prev = heads.get(event.chain_key, GENESIS)
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.id, event.chain_key, "prev_hash does not match the previous event"
            )
        if event.compute_hash() != event.hash:
            return checked, ChainBreak(
                event.id, event.chain_key, "hash does not match the event's content"
            )
        heads[event.chain_key] = event.hash
        checked += 1
    return checked, None
