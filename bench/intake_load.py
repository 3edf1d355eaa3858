"""Anonymous intake under load (issue 8): at least 100 filings per second for 60 s through
gunicorn (2 workers) on PostgreSQL, p99 at most 500 ms, and afterwards exactly as many new
cases in the database as there were successful responses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/intake_load.py [--duration 60] [--rate 110]

What a "filing" is: the final POST of the five-step `/file/` form (step 5, "Consent and check",
action=submit), which validates every step again, files the grievance through the intake
service (worker, employer, case, parties, claims, consent, audit events, the submit transition)
and answers with the receipt page. The four earlier steps keep what the worker typed in the
server-side session; they are walked through over HTTP *before* the measured period, exactly
as a browser does (GET /file/ for the session and CSRF cookies, four POSTs, GET /file/review/
for the form's nonce), and are not part of the measured rate. Walking 6,600 visitors through
six requests each takes minutes on two shared cores, so by default 200 visitors walk and the
first one's session is copied in the database for the rest, each copy with a fresh nonce and
its own worker name and phone (`--prepare http` walks every visitor).

The server: `gunicorn -c config/gunicorn.conf.py` with 2 workers on a free loopback port, on a
database of its own (`rightsdesk_load` on DATABASE_URL's server: migrated, `seed_bench --cases
10000` when it holds no bench data), the cache (intake nonces) in Redis when
RIGHTSDESK_CACHE_URL is given (default redis://127.0.0.1:6379/12), production settings
otherwise (DEBUG off, access log off). No rate limit applies to anonymous filing.

The load: open loop — request i is due at start + i/rate whatever happened to the ones before
(no coordinated omission), sent on one of at most --connections sockets; its latency counts
from when it was due, so time spent waiting for a free socket counts too. The generator is one
asyncio process with raw HTTP/1.1; its own CPU time is measured and reported.

Afterwards: the count of cases in the database against the count of successful responses
(200 with a receipt code), and optionally `manage.py verify_audit`. Prints one line:

    BENCH intake_load median_ms=… p95_ms=… queries=… p99_ms=… rate=… ok=… errors=… …
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadclient import (  # noqa: E402 - after the path
    Connection,
    Gunicorn,
    Visitor,
    cpu_seconds,
    form,
    percentile,
)

NONCE = re.compile(rb'name="nonce" value="([^"]+)"')
RECEIPT = re.compile(rb"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CREDIT_CODE = "91320412MA1WY8K5BP"  # an employer that files often (found, not created again)


def _past(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def filing_steps(i: int) -> list[tuple[str, dict]]:
    """Filing i's four input steps; every third names a new employer without a credit code."""
    employer = {
        "employer_name": "常州恒远碳纤维材料有限公司",
        "credit_code": CREDIT_CODE,
        "district": "武进区",
        "industrial_chain": "carbon_fibre",
    }
    if i % 3 == 0:
        employer = {"employer_name": f"常州压测电子有限公司{i}", "district": "新北区"}
    return [
        (
            "/file/",
            {
                "worker_name": f"压测工人{i}",
                "sex": "female" if i % 2 else "male",
                "phone": f"138{i % 10**8:08d}",
                "occupation": "碳纤维车间操作工",
                "skill_grade": "intermediate",
            },
        ),
        ("/file/employer/", employer),
        (
            "/file/events/",
            {
                "category_codes": ["WAGE.ARREARS"],
                "facts": f"公司自今年7月起拖欠工资三个月，车间主任说等年底一起结算。（压测 {i}）",
                "knew_date": _past(100),
                "employment_start": _past(900),
            },
        ),
        (
            "/file/claims/",
            {
                "claims-TOTAL_FORMS": "1",
                "claims-INITIAL_FORMS": "0",
                "claims-MIN_NUM_FORMS": "0",
                "claims-MAX_NUM_FORMS": "10",
                "claims-0-item": "拖欠工资",
                "claims-0-amount": str(1000 + i % 9000),
                "claims-0-period_start": _past(200),
                "claims-0-period_end": _past(100),
            },
        ),
    ]


# --- the database --------------------------------------------------------------------------------


def database_env(args) -> dict[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    env = dict(os.environ)
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{args.database}"))
    env["DJANGO_DEBUG"] = "0"
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("RIGHTSDESK_CACHE_URL", "redis://127.0.0.1:6379/12")
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def prepare_database(args, env: dict) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{args.database}"')
    manage(env, "migrate", "--no-input", "-v", "0")
    marker = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from casework.demo.bulk import read_bench_marker; print(read_bench_marker())",
        capture=True,
    ).strip()
    if marker.splitlines()[-1:] == ["None"]:
        print(f"seeding {args.cases} bench cases into {args.database}", flush=True)
        manage(env, "seed_bench", "--cases", str(args.cases))


def case_count(env: dict) -> int:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM casework_case").fetchone()[0]


def database_cpu(name: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving this database (their process titles name
    it), for the CPU a filing costs beside the gunicorn workers' own."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes()
            if title.startswith(b"postgres: ") and f" {name} ".encode() in title:
                found[int(proc.name)] = cpu_seconds(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


class DatabaseCpu:
    """The CPU seconds the database's backends spend while the load runs. Django closes a
    connection once it is older than CONN_MAX_AGE (60 s) and opens another, so a backend can
    end during the run and take its count with it: the backends are read every `every` seconds
    from a thread, and one that ended is counted as last read (at most `every` of it missed).
    A backend that started during the run counts from zero."""

    def __init__(self, name: str, every: float = 0.5):
        self.name, self.every = name, every
        self.base = database_cpu(name)
        self.last = dict(self.base)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for pid, cpu in database_cpu(self.name).items():
            self.base.setdefault(pid, 0.0)
            self.last[pid] = cpu

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._read()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._read()
        return sum(cpu - self.base[pid] for pid, cpu in self.last.items())


def count_queries(env: dict) -> str:
    """Queries of one filing's final POST and its server time, in-process (django.test.Client),
    on the same database: printed by this script's --count-queries child."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), "--count-queries"],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    return out.strip().splitlines()[-1]


def count_queries_child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.pages import _intake_steps, _intake_submit

    timings = []
    for _ in range(6):
        client = Client()
        nonce = _intake_steps(client)
        started = time.perf_counter()
        _intake_submit(client, nonce)
        timings.append((time.perf_counter() - started) * 1000)
    client = Client()
    nonce = _intake_steps(client)
    with CaptureQueriesContext(connection) as queries:
        _intake_submit(client, nonce)
    print(f"{len(queries.captured_queries)} {statistics.median(timings[1:]):.1f}")


def clone_sessions_child(count: int) -> None:
    """Copy one visitor's session (read from stdin: its key), which the four real steps made,
    into `count` new sessions, each with its own nonce and worker name; print their keys and
    nonces, one JSON line each."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import copy
    import json
    import secrets
    import warnings
    from datetime import timedelta as delta

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from casework.crypto import decrypt, encrypt
    from casework.views.filing import INTAKE_IDLE_SECONDS, SESSION_INTAKE

    template = SessionStore(sys.stdin.read().strip()).load()
    state = json.loads(decrypt(template[SESSION_INTAKE]))
    expires = timezone.now() + delta(seconds=INTAKE_IDLE_SECONDS)
    rows, out = [], []
    for i in range(count):
        mine = copy.deepcopy(state)
        mine["nonce"] = secrets.token_urlsafe(16)
        mine["data"]["about"]["worker_name"] = [f"压测工人{i}"]
        mine["data"]["about"]["phone"] = [f"139{i:08d}"]
        about = mine.get("clean", {}).get("about")
        if about is not None:  # what the step's form made of it, kept with the step
            about.update(worker_name=f"压测工人{i}", phone=f"139{i:08d}")
        store = SessionStore()
        key = store._get_new_session_key()  # noqa: SLF001 - a fresh unused key, as create() does
        data = {**template, SESSION_INTAKE: encrypt(json.dumps(mine, ensure_ascii=False))}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        out.append(json.dumps([key, mine["nonce"]]))
    Session.objects.bulk_create(rows, batch_size=1000)
    print("\n".join(out))


def clone_visitors(env: dict, model: Visitor, count: int) -> list[tuple[Visitor, str]]:
    import json

    session_cookie, session_key = next(
        (name, value) for name, value in model.cookies.items() if name != "csrftoken"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), "--clone-sessions", str(count)],
        cwd=ROOT,
        env=env,
        input=session_key,
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    visitors = []
    for line in out.strip().splitlines():
        key, nonce = json.loads(line)
        cookies = {"csrftoken": model.cookies["csrftoken"], session_cookie: key}
        visitors.append((Visitor(cookies=cookies), nonce))
    return visitors


# --- the load ------------------------------------------------------------------------------------


class Pool:
    """At most `size` sockets to the server; a request waits for a free one."""

    def __init__(self, port: int, size: int):
        self.free: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self.free.put_nowait(Connection("127.0.0.1", port))

    def all(self) -> list[Connection]:
        return list(self.free._queue)  # noqa: SLF001 - counted after the run, when all are free


async def prepare_visitor(pool: Pool, i: int) -> tuple[Visitor, str]:
    """Walk visitor i through the four input steps; return it and the review form's nonce."""
    visitor = Visitor()
    conn = await pool.free.get()
    try:
        first = await visitor.get(conn, "/file/")
        if first.status != 200 or "csrftoken" not in visitor.cookies:
            raise RuntimeError(f"GET /file/ answered {first.status}")
        for path, data in filing_steps(i):
            r = await visitor.post(conn, path, {**data, "action": "next"})
            if r.status != 302:
                raise RuntimeError(f"POST {path} answered {r.status}: {r.body[:300]!r}")
        review = await visitor.get(conn, "/file/review/")
        match = NONCE.search(review.body)
        if review.status != 200 or match is None:
            raise RuntimeError(f"GET /file/review/ answered {review.status} without a nonce")
        return visitor, match.group(1).decode()
    finally:
        pool.free.put_nowait(conn)


async def prepare_visitors(port: int, count: int, concurrency: int) -> list[tuple[Visitor, str]]:
    pool = Pool(port, concurrency)
    ready: list[tuple[Visitor, str]] = []
    next_i = 0

    async def worker():
        nonlocal next_i
        while next_i < count:
            i = next_i
            next_i += 1
            ready.append(await prepare_visitor(pool, i))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    for conn in pool.all():
        conn.close()
    return ready


async def submit(pool: Pool, visitor: Visitor, nonce: str, give_up: float) -> tuple[bool, str]:
    loop = asyncio.get_running_loop()
    try:
        # An overwhelmed server: a request still without a socket this long after the load
        # ended is never sent (an error), so the run ends; one already sent is waited for.
        conn = await asyncio.wait_for(pool.free.get(), timeout=max(0.0, give_up - loop.time()))
    except TimeoutError:
        return False, "not sent (server overwhelmed)"
    try:
        headers = visitor.headers(
            csrf=True, extra={"Content-Type": "application/x-www-form-urlencoded"}
        )
        body = form({"consent_union_handling": "on", "nonce": nonce, "action": "submit"})
        try:
            r = await conn.request("POST", "/file/review/", headers=headers, body=body)
        except (OSError, asyncio.IncompleteReadError) as exc:
            conn.close()
            return False, type(exc).__name__
        if r.status == 200 and b"receipt-code" in r.body and RECEIPT.search(r.body):
            return True, ""
        return False, f"status {r.status}"
    finally:
        pool.free.put_nowait(conn)


async def run_load(
    port: int, visitors, *, rate: float, duration: float, connections: int, grace: float = 15
):
    """Open loop at `rate` per second for `duration` seconds. Returns the per-request records
    (due, sent, done, ok, error) and the wall time from the first due to the last done."""
    pool = Pool(port, connections)
    total = min(len(visitors), int(rate * duration))
    records: list[tuple[float, float, float, bool, str]] = []
    tasks = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    give_up = start + duration + grace

    async def one(i: int, due: float):
        visitor, nonce = visitors[i]
        # A free socket is part of the wait: latency counts from when the request was due.
        sent = loop.time()
        ok, error = await submit(pool, visitor, nonce, give_up)
        records.append((due, sent, loop.time(), ok, error))

    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    wall = max(r[2] for r in records) - start if records else 0.0
    opened = sum(c.opened for c in pool.all())
    for conn in pool.all():
        conn.close()
    return records, wall, opened


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--rate", type=float, default=110, help="filings per second offered")
    parser.add_argument("--connections", type=int, default=32, help="at most this many sockets")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads (default: conf)")
    parser.add_argument("--database", default="rightsdesk_load")
    parser.add_argument("--cases", type=int, default=10_000, help="bench cases when seeding")
    parser.add_argument("--verify-audit", action="store_true", help="verify_audit afterwards")
    parser.add_argument(
        "--prepare",
        choices=["clone", "http"],
        default="clone",
        help="sessions of the measured filings: walk 200 visitors through the steps over HTTP "
        "and copy the first visitor's session for the rest, with a fresh nonce and worker name "
        "each (clone, the default), or walk every visitor through them (http: slow)",
    )
    parser.add_argument("--count-queries", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clone-sessions", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_queries:
        count_queries_child()
        return 0
    if args.clone_sessions:
        clone_sessions_child(args.clone_sessions)
        return 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("intake_load runs on PostgreSQL only: set DATABASE_URL", file=sys.stderr)
        return 2

    env = database_env(args)
    prepare_database(args, env)
    queries, server_ms = count_queries(env).split()
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    threads = int(env.get("GUNICORN_THREADS") or 1)
    server = Gunicorn(
        env,
        workers=args.workers,
        threads=threads,
        log=ROOT / "var" / "bench" / "intake_load.gunicorn.log",
    )
    server.start()
    try:
        needed = int(args.rate * args.duration)
        started = time.perf_counter()
        walked = needed if args.prepare == "http" else min(needed, 200)
        visitors = asyncio.run(prepare_visitors(server.port, walked, concurrency=4))
        if len(visitors) < needed:
            visitors += clone_visitors(env, visitors[0][0], needed - len(visitors))
        prepared_s = time.perf_counter() - started
        print(f"prepared {len(visitors)} visitors in {prepared_s:.0f} s", flush=True)
        before = case_count(env)
        workers_cpu0 = {pid: cpu_seconds(pid) for pid in server.worker_pids()}
        db_cpu_reader = DatabaseCpu(args.database)
        load0 = os.getloadavg()[0]
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        records, wall, opened = asyncio.run(
            run_load(
                server.port,
                visitors,
                rate=args.rate,
                duration=args.duration,
                connections=args.connections,
            )
        )
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        workers_cpu = sum(
            cpu_seconds(pid) - workers_cpu0.get(pid, 0.0) for pid in server.worker_pids()
        )
        db_cpu = db_cpu_reader.stop()
        load1 = os.getloadavg()[0]
        restarted = sorted(set(server.worker_pids()) - set(workers_cpu0))
    finally:
        server.stop()
    after = case_count(env)

    client_cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    ok = [r for r in records if r[3]]
    errors = [r for r in records if not r[3]]
    latency = [(r[2] - r[0]) * 1000 for r in records]
    service = [(r[2] - r[1]) * 1000 for r in records]
    new_cases = after - before
    db_check = "ok" if new_cases == len(ok) else "MISMATCH"
    audit = ""
    if args.verify_audit:
        out = manage(env, "verify_audit", capture=True).strip().splitlines()
        audit = f" audit={'ok' if out and 'intact' in out[-1] else 'FAILED'}"
        print("verify_audit:", out[-1] if out else "(nothing)")
    error_kinds = {}
    for r in errors:
        error_kinds[r[4]] = error_kinds.get(r[4], 0) + 1
    line = (
        f"BENCH intake_load median_ms={statistics.median(latency):.1f} "
        f"p95_ms={percentile(latency, 95):.1f} queries={queries} "
        f"p99_ms={percentile(latency, 99):.1f} max_ms={max(latency):.1f} "
        f"rate={len(ok) / wall:.1f} offered={args.rate:g} duration_s={wall:.1f} "
        f"requests={len(records)} ok={len(ok)} errors={len(errors)} new_cases={new_cases} "
        f"db_check={db_check}{audit} service_p99_ms={percentile(service, 99):.1f} "
        f"server_ms_inprocess={server_ms} workers={args.workers} threads={threads} "
        f"sockets_opened={opened} workers_restarted={len(restarted)} "
        f"client_cpu_pct={100 * client_cpu / wall:.0f} "
        f"server_cpu_pct={100 * workers_cpu / wall:.0f} db_cpu_pct={100 * db_cpu / wall:.0f} "
        f"cpu_ms_per_filing={1000 * (workers_cpu + db_cpu + client_cpu) / max(1, len(ok)):.1f} "
        f"load_avg={load0:.1f}->{load1:.1f} db=postgresql"
    )
    if error_kinds:
        print("errors:", ", ".join(f"{k}: {v}" for k, v in sorted(error_kinds.items())))
    print(line, flush=True)
    ok_target = len(ok) / wall >= 100 and percentile(latency, 99) <= 500 and db_check == "ok"
    return 0 if ok_target or args.duration < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
