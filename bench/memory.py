"""A gunicorn worker's memory under mixed requests (issue 8): at most 200 MB after 10,000
requests, growing less than 10 % over the second 5,000.

    .venv/bin/python bench/memory.py [--requests 10000]          # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/memory.py

The server: `gunicorn -c config/gunicorn.conf.py` with ONE worker and no recycling
(GUNICORN_MAX_REQUESTS=0: the production setting replaces a worker after about 10,000 requests,
which would hide a leak), on a database of its own with the bench data of `seed_bench --cases
10000` (`rightsdesk_memory` on DATABASE_URL's server, or var/bench/rightsdesk-memory.sqlite3),
the cache in Redis (RIGHTSDESK_CACHE_URL, default redis://127.0.0.1:6379/12).

The requests, in a repeating cycle of 16, one at a time over HTTP/1.1 (bench/loadclient.py):
as a caseworker of the busiest bench district union, signed in through the login form and the
second factor (an authenticator key this script gives the bench caseworker): the queue, the
queue of open cases by deadline, a case page, its calculators (rights) page, each cycle another
case of the caseworker's; as a worker with an account (password sign-in): "my cases" and one of
them; with the caseworker's API token: `GET /api/v1/cases/` and the rights categories; as a new
anonymous visitor each cycle: the whole five-step filing (the form, four steps, the review,
the submit that files the case) and the home page.

VmRSS of the worker (/proc/<pid>/status) is read before the first request, after 5,000 and
after 10,000. Prints one line:

    BENCH memory_worker_rss median_ms=… p95_ms=… queries=0 rss_start_mb=… rss_5k_mb=…
          rss_10k_mb=… growth_second_half_pct=… requests=… errors=… db=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake_load import filing_steps, manage  # noqa: E402 - after the path
from bench.loadclient import Connection, Gunicorn, Visitor, percentile, rss_mb  # noqa: E402

NONCE = re.compile(rb'name="nonce" value="([^"]+)"')
# The bench caseworker's authenticator key (hex, as django-otp stores it), given by this script
# to a bench database only.
BENCH_TOTP_KEY = "62656e63682d6d656d6f72792d746f74702d6b6579"
BENCH_PASSWORD = "rightsdesk-bench"  # noqa: S105 - the published password of seed_bench's users


def database_env(args) -> tuple[dict[str, str], str]:
    env = dict(os.environ)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{args.database}"))
        vendor = "postgresql"
    else:
        env["SQLITE_PATH"] = str(ROOT / "var" / "bench" / "rightsdesk-memory.sqlite3")
        vendor = "sqlite"
    env["DJANGO_DEBUG"] = "0"
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("RIGHTSDESK_CACHE_URL", "redis://127.0.0.1:6379/12")
    return env, vendor


def prepare_database(args, env: dict) -> None:
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{args.database}"')
    else:
        Path(env["SQLITE_PATH"]).parent.mkdir(parents=True, exist_ok=True)
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
        print(f"seeding {args.cases} bench cases", flush=True)
        manage(env, "seed_bench", "--cases", str(args.cases))


def setup_child() -> None:
    """In the bench database: the caseworker's authenticator and API token, a worker with an
    account and cases; printed as JSON for the parent."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import transaction
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from api.tokens import token_create
    from bench.pages import _bench_caseworker
    from casework.models import Case

    caseworker = _bench_caseworker()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=caseworker, name="bench-memory").delete()
        TOTPDevice.objects.create(
            user=caseworker, name="bench-memory", key=BENCH_TOTP_KEY, confirmed=True
        )
        membership = caseworker.memberships.order_by("pk").first()
        _row, token = token_create(user=caseworker, membership_id=membership.pk, name="memory")
    cases = list(
        Case.objects.filter(assignee=caseworker)
        .order_by("-created_at")
        .values_list("reference", flat=True)[:50]
    )
    worker = (
        User.objects.filter(username__startswith="bench_worker")
        .annotate(n=Count("filed_cases"))
        .order_by("-n", "pk")
        .first()
    )
    worker_cases = list(
        Case.objects.filter(filed_by=worker).order_by("pk").values_list("reference", flat=True)
    )
    print(
        json.dumps(
            {
                "caseworker": caseworker.username,
                "token": token,
                "cases": cases,
                "worker": worker.username,
                "worker_cases": worker_cases,
            }
        )
    )


class Failed(Exception):
    pass


def expect(response, *statuses: int, what: str):
    if response.status not in statuses:
        raise Failed(f"{what} answered {response.status}: {response.body[:200]!r}")
    return response


async def sign_in(conn: Connection, visitor: Visitor, username: str, totp_key: str | None):
    expect(await visitor.get(conn, "/accounts/login/"), 200, what="GET /accounts/login/")
    data = {"username": username, "password": BENCH_PASSWORD, "next": "/"}
    data["csrfmiddlewaretoken"] = visitor.cookies["csrftoken"]
    expect(await visitor.post(conn, "/accounts/login/", data), 302, what="POST login")
    if totp_key is None:
        return
    from django_otp.oath import totp

    expect(await visitor.get(conn, "/accounts/two-factor/"), 200, what="GET two-factor")
    for drift in (0, 1):  # a code is accepted once: a second sign-in within 30 s needs the next
        code = f"{totp(bytes.fromhex(totp_key), drift=drift):06d}"
        r = await visitor.post(
            conn,
            "/accounts/two-factor/",
            {"code": code, "csrfmiddlewaretoken": visitor.cookies["csrftoken"], "next": "/"},
        )
        if r.status == 302:
            return
        await asyncio.sleep(2)
    raise Failed(f"the second factor was refused ({r.status})")


def cycle(i: int, info: dict, staff: Visitor, worker: Visitor, token: dict):
    """The 16 requests of cycle i: (who, method, path, data, expected statuses)."""
    ref = info["cases"][i % len(info["cases"])]
    mine = info["worker_cases"][i % len(info["worker_cases"])]
    anon = Visitor()
    steps = filing_steps(100_000 + i)
    out = [
        (staff, "GET", "/cases/", None, (200,)),
        (staff, "GET", "/cases/?state=open&sort=deadline", None, (200,)),
        (staff, "GET", f"/cases/{ref}/", None, (200,)),
        (staff, "GET", f"/cases/{ref}/calculators/", None, (200,)),
        (worker, "GET", "/my/", None, (200,)),
        (worker, "GET", f"/my/{mine}/", None, (200,)),
        (token, "GET", "/api/v1/cases/", None, (200,)),
        (token, "GET", "/api/v1/rights/categories/", None, (200,)),
        (anon, "GET", "/file/", None, (200,)),
    ]
    out += [(anon, "POST", path, {**data, "action": "next"}, (302,)) for path, data in steps]
    out += [
        (anon, "GET", "/file/review/", None, (200,)),
        (anon, "SUBMIT", "/file/review/", None, (200,)),
        (anon, "GET", "/", None, (200,)),
    ]
    return out


async def drive(port: int, info: dict, total: int, pid: int):
    conn = Connection("127.0.0.1", port)
    staff, worker = Visitor(), Visitor()
    await sign_in(conn, staff, info["caseworker"], BENCH_TOTP_KEY)
    await sign_in(conn, worker, info["worker"], None)
    bearer = {"Authorization": f"Bearer {info['token']}", "Accept": "application/json"}
    rss = {"start": rss_mb(pid)}
    timings: list[float] = []
    errors: list[str] = []
    done = 0
    i = 0
    while done < total:
        nonce = ""
        for who, method, path, data, statuses in cycle(i, info, staff, worker, bearer):
            if done == total:
                break
            started = time.perf_counter()
            if isinstance(who, dict):
                r = await conn.request(method, path, headers=who)
            elif method == "GET":
                r = await who.get(conn, path)
            elif method == "SUBMIT":
                r = await who.post(
                    conn,
                    path,
                    {"consent_union_handling": "on", "nonce": nonce, "action": "submit"},
                )
            else:
                r = await who.post(conn, path, data)
            timings.append((time.perf_counter() - started) * 1000)
            if r.status not in statuses:
                errors.append(f"{method} {path}: {r.status}")
            if path == "/file/review/" and method == "GET":
                match = NONCE.search(r.body)
                nonce = match.group(1).decode() if match else ""
            done += 1
            if done == total // 2:
                rss["half"] = rss_mb(pid)
        i += 1
    rss["end"] = rss_mb(pid)
    conn.close()
    return timings, errors, rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--database", default="rightsdesk_memory", help="on PostgreSQL")
    parser.add_argument("--cases", type=int, default=10_000, help="bench cases when seeding")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup_child()
        return 0
    env, vendor = database_env(args)
    prepare_database(args, env)
    info = json.loads(
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(Path(__file__).resolve()), "--setup"],
            cwd=ROOT,
            env=env,
            check=True,
            text=True,
            capture_output=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = Gunicorn(
        {**env, "GUNICORN_MAX_REQUESTS": "0"},
        workers=1,
        threads=1,
        log=ROOT / "var" / "bench" / "memory.gunicorn.log",
    )
    server.start()
    try:
        pid = server.worker_pids()[0]
        timings, errors, rss = asyncio.run(drive(server.port, info, args.requests, pid))
        if server.worker_pids() != [pid]:
            errors.append("the worker was replaced during the run")
    finally:
        server.stop()
    growth = 100 * (rss["end"] - rss["half"]) / rss["half"]
    for error in sorted(set(errors))[:10]:
        print("error:", error, file=sys.stderr)
    print(
        f"BENCH memory_worker_rss median_ms={statistics.median(timings):.1f} "
        f"p95_ms={percentile(timings, 95):.1f} queries=0 rss_start_mb={rss['start']:.1f} "
        f"rss_5k_mb={rss['half']:.1f} rss_10k_mb={rss['end']:.1f} "
        f"growth_second_half_pct={growth:.1f} requests={len(timings)} errors={len(errors)} "
        f"db={vendor}",
        flush=True,
    )
    ok = rss["end"] <= 200 and growth < 10 and not errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
