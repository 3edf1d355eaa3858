"""Time `manage.py recompute_deadlines` over a bench database (issue 3: every deadline of
100,000 cases in at most 5 s, median).

    .venv/bin/python bench/deadlines.py [--cases 100000] [--runs 5]

Uses var/bench/rightsdesk-bench-<N>.sqlite3 (made by bench/run.py / seed_bench; migrated here
first), or the database of DATABASE_URL when set. The first, cold run (which writes every
deadline row) is reported apart; the median and p95 are of the runs after it, which recompute
everything and write what changed. Prints one line:

    BENCH deadlines_recompute_100k median_ms=… p95_ms=… queries=… cold_ms=… cases=…
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="a SQLite file to use instead of var/bench/…")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        path = (
            Path(args.db)
            if args.db
            else ROOT / "var" / "bench" / f"rightsdesk-bench-{args.cases}.sqlite3"
        )
        if not path.exists():
            sys.exit(f"no bench database at {path}: run bench/run.py --cases {args.cases} first")
        os.environ["SQLITE_PATH"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.services.deadlines import deadlines_recompute_many

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result = deadlines_recompute_many()
    cold_ms = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        deadlines_recompute_many()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        deadlines_recompute_many()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    n = args.cases
    name = f"{n // 1000}k" if n % 1000 == 0 else str(n)
    print(
        f"BENCH deadlines_recompute_{name} median_ms={statistics.median(times):.0f} "
        f"p95_ms={p95:.0f} queries={len(captured.captured_queries)} cold_ms={cold_ms:.0f} "
        f"cases={result['cases']} db={connection.vendor}"
    )


if __name__ == "__main__":
    main()
