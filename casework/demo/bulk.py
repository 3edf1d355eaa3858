"""`manage.py seed_bench`: benchmark data at scale, written with bulk inserts.

Calling the per-case services for a million cases would take days, so this writes the rows
those services would have written, in the same shapes:

- organisations through `organisation_create` (materialised paths), staff with memberships — at
  1,000,000 cases 200 organisations and about 5,000 staff, fewer for smaller benches (the
  scaling rule is in bulk_people.py; district 1's supervisor `bench_sup_1` oversees a subtree of
  50 organisations from 100,000 cases on);
- N/2 workers (ID number and phone encrypted, keyed ID digest) and N/2 employers (valid credit
  codes);
- cases in every state with references from the same per-year counters as `next_reference()`
  (the counters are advanced, so later filings do not collide), categories through the M2M
  table, parties, itemised claims, consents, referrals, notes and messages;
- per case, the audit events its history would have produced (the verbs, actors and payloads of
  casework.services, about 5.5 per case), chained by hash as `AuditEvent.compute_hash` chains
  them — `verify_audit` passes;
- guardian grants (`view_case`, `work_case`) for each assignee and accepted lawyer, as
  casework.services.grants makes them, each with its `access_granted` event;
- evidence: two cases in five carry five files uploaded with the filing (two per case on
  average, each upload one `evidence_uploaded` event); the rows point at a few real files
  stored once (bulk_evidence.py).

Generated documents are not written (the referral packets exist only as the events of the
referral). Bench organisations are marked by an English name starting with "Bench "; the city
federation's name records the case count and seed, which bench/run.py reads. Rows go in as
plain tuples (bulk_rows.py): executemany on SQLite (without fsync for the length of the load),
COPY on PostgreSQL; ANALYZE runs at the end.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.choices import OrganisationKind
from accounts.models import Organisation, User
from casework.models import Case, Employer

from .bulk_cases import CaseWriter, add_long_timeline
from .bulk_evidence import EvidenceFiles
from .bulk_people import (
    BENCH_PREFIX,
    SEEDING,
    bench_marker,
    create_employers,
    create_people,
    create_workers,
)
from .bulk_rows import Batch, Ids

CHUNK = 5000  # cases written per round of bulk inserts (one transaction each)
WRITERS = 2  # chunks written side by side on PostgreSQL (bench machines have two cores)

# Derived data that must follow a bulk load which bypassed the services: dotted paths of
# functions taking no arguments, each in its own transaction, in this order, one group after
# another; a path that does not import is an error, never skipped. The functions of one group
# are independent of each other: on PostgreSQL they run side by side, each on a connection of
# its own (one core each; the search index and the rollups each take a minute or more at
# 1,000,000 cases), elsewhere and inside a caller's transaction (the tests) one by one.
AFTER_SEED: list[tuple[str, ...]] = [
    ("casework.services.tally.tally_compact",),  # the triggers wrote one tally row per case
    ("casework.services.search.search_index_rebuild", "reports.rollup.reports_rollup_rebuild"),
]


class BenchRefused(Exception):
    pass


@dataclass
class BenchSummary:
    cases: int
    organisations: int
    users: int
    audit_events: int
    grants: int
    seconds: float
    timings: dict[str, float]
    evidence: int
    caseworker: str
    supervisor: str


def read_bench_marker() -> tuple[int, int] | None:
    """(cases, seed) of the bench data in this database, or None."""
    name = (
        Organisation.objects.filter(
            kind=OrganisationKind.CITY_FEDERATION, name_en__startswith=BENCH_PREFIX
        )
        .order_by("pk")
        .values_list("name_en", flat=True)
        .first()
    )
    if not name or name.endswith(SEEDING):  # none, or a seed that did not finish
        return None
    parts = name.split(" · ")
    return int(parts[1].split()[0]), int(parts[2].split()[1])


def has_other_data() -> bool:
    return (
        Organisation.objects.exclude(name_en__startswith=BENCH_PREFIX).exists()
        or User.objects.exclude(username__startswith="bench").exists()
    )


def seed_bench(
    *, cases: int, seed: int = 1, force: bool = False, progress: Callable[[str], None] | None = None
) -> BenchSummary:
    """Generate `cases` cases with everything around them. Refuses a database that already
    holds data unless `force`."""
    say = progress or (lambda _msg: None)
    if cases < 1:
        raise BenchRefused("--cases must be at least 1")
    # Bench data already here, from a seed that finished or from one that did not.
    earlier = Organisation.objects.filter(name_en__startswith=BENCH_PREFIX).exists()
    if not force:
        if has_other_data():
            raise BenchRefused(
                "This database holds data that is not bench data; use a dedicated database (or --force)."
            )
        if earlier or Case.objects.exists():
            raise BenchRefused(
                "This database already holds bench data; use a fresh database (or --force to add more)."
            )
    tag = f"r{Organisation.objects.count()}" if earlier else ""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not secrets
    timings: dict[str, float] = {}
    started = last = time.perf_counter()
    cpu_started = time.process_time()

    def lap(name: str) -> None:
        nonlocal last
        now_ = time.perf_counter()
        timings[name] = now_ - last
        last = now_
        say(f"  {name}: {timings[name]:.1f} s")

    now = timezone.now()
    ids = Ids()
    with fast_writes():
        with transaction.atomic():
            staff = create_people(cases, seed, tag, rng)
            employers = create_employers(
                max(1, cases // 2), rng, offset=Employer.objects.count(), ids=ids
            )
            workers = create_workers(
                max(len(staff.worker_users), cases // 2), rng, staff.worker_users, ids=ids
            )
            files = EvidenceFiles()
        lap("organisations, people, employers, workers")

        # Filing moments over the last eighteen months, oldest first so that references follow.
        created = sorted(
            now - dt.timedelta(seconds=rng.uniform(3600, 540 * 86400)) for _ in range(cases)
        )
        writer = CaseWriter(staff, workers, employers, rng, now, ids, files)
        chunks = [created[start : start + CHUNK] for start in range(0, cases, CHUNK)]

        def progress(done: int) -> None:
            if done % 20 == 1 and done > 1:
                say(
                    f"  {done * CHUNK} cases… {time.perf_counter() - started:.0f} s "
                    f"({time.process_time() - cpu_started:.0f} s CPU in this process)"
                )

        write_chunks(writer, chunks, progress)
        with transaction.atomic():
            writer.save_counters()
            heavy = add_long_timeline(writer, staff, extra=200)
            ids.reset_sequences()
        lap("cases, parties, claims, histories, evidence, grants")
        say(f"  long timeline: {heavy}")
        for group in AFTER_SEED:
            for name, seconds in after_seed(group).items():
                timings[name] = seconds
                say(f"  {name}: {seconds:.1f} s")
            last = time.perf_counter()
        analyze()
        lap("analyze")
        Organisation.objects.filter(pk=staff.city.pk).update(name_en=bench_marker(cases, seed))

    bench_cw = staff.caseworkers[staff.unions[1].pk][0]
    return BenchSummary(
        cases=cases,
        organisations=len(staff.unions) + len(staff.providers),
        users=len(staff.usernames),
        audit_events=writer.events,
        evidence=writer.evidence,
        grants=writer.grants,
        seconds=time.perf_counter() - started,
        timings=timings,
        caseworker=staff.usernames[bench_cw],
        supervisor=staff.usernames[staff.supervisor],
    )


def write_chunks(writer: CaseWriter, chunks: list, progress: Callable[[int], None]) -> None:
    """Build and write the chunks of cases, each written in a transaction of its own.

    The next chunk is built on a thread of its own while the ones before it are written (the
    process waits on the database then): on two cores, building and writing overlap. The chunks
    are built one after another, in order, from the same random generator, so the data is what
    building them in line would give. On PostgreSQL (outside a caller's transaction) they are
    also written by WRITERS threads side by side, each on its own connection: the chunks are
    independent of each other (their keys handed out when built), and a chunk's commit, which
    checks its rows' foreign keys, overlaps with the next one's COPY. `progress(n)` after the
    n-th chunk is written."""
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
    writers = WRITERS if parallel else 1
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-build") as builder,
        ThreadPoolExecutor(max_workers=writers, thread_name_prefix="seed-write") as pool,
    ):
        pending = builder.submit(writer.build, chunks[0])
        writing: deque = deque()  # the chunks being written, oldest first
        done = 0

        def written(future=None) -> None:
            nonlocal done
            if future is not None:
                future.result()  # a chunk that failed stops the seed here
            done += 1
            progress(done)

        for k in range(len(chunks)):
            batch = pending.result()
            if k + 1 < len(chunks):
                pending = builder.submit(writer.build, chunks[k + 1])
            if parallel:
                while len(writing) >= writers:
                    written(writing.popleft())
                writing.append(pool.submit(_write_on_own_connection, batch))
            else:
                with transaction.atomic():
                    batch.write()
                written()
        while writing:
            written(writing.popleft())


def _write_on_own_connection(batch: Batch) -> None:
    try:
        with transaction.atomic():
            batch.write()
    finally:
        connection.close()  # this thread's own


def after_seed(paths: tuple[str, ...]) -> dict[str, float]:
    """Run one group of AFTER_SEED; the seconds each function took, by its name."""
    functions = [import_string(path) for path in paths]

    def run(function) -> tuple[str, float]:
        began = time.perf_counter()
        with transaction.atomic():
            function()
        return function.__name__, time.perf_counter() - began

    if len(functions) == 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return dict(run(f) for f in functions)

    def on_own_connection(function) -> tuple[str, float]:
        try:
            return run(function)
        finally:
            connection.close()  # this thread's own

    with ThreadPoolExecutor(max_workers=len(functions), thread_name_prefix="after-seed") as pool:
        return dict(pool.map(on_own_connection, functions))


@contextmanager
def fast_writes():
    """On SQLite, for the length of the bulk load only: no fsync (a crash mid-seed means seeding
    again anyway) and a large page cache; both restored afterwards. Inside a caller's
    transaction (the tests) nothing is changed: SQLite refuses to change `synchronous` there."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-1000000")  # about 1 GB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
            cursor.execute(f"PRAGMA cache_size={int(cache_size)}")


def analyze() -> None:
    """Fresh planner statistics for tables that just grew by millions of rows. On PostgreSQL
    also a vacuum: the tally's delta rows, deleted by tally_compact, would otherwise stay in its
    index until autovacuum comes (outside a transaction only: the tests seed inside one)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        elif connection.in_atomic_block:
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM (ANALYZE)")
