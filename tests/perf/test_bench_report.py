"""bench/run.py's report: a verdict for every target whose benchmark ran, the load scripts'
included, and MISSED where a figure is over its limit."""

from bench.run import target_verdicts

INTAKE = (
    "BENCH intake_load median_ms=125.5 p95_ms=278.6 queries=15 p99_ms={p99} max_ms=410.4 "
    "rate={rate} offered=110 duration_s=60.0 requests=6600 ok=6600 errors=0 new_cases=6600 "
    "db_check={check} service_p99_ms=336.1 workers=2 db=postgresql"
)
MEMORY = (
    "BENCH memory_worker_rss median_ms=5.5 p95_ms=21.8 queries=0 rss_start_mb=97.0 "
    "rss_5k_mb=105.2 rss_10k_mb={rss} growth_second_half_pct={growth} requests=10000 errors=0"
)
QUEUE = "BENCH queue_caseworker_{k}k median_ms={ms} p95_ms=30.0 queries=7 cases={cases} db=x"


def _verdicts(**kw):
    lines = [
        QUEUE.format(k=10, ms=20.0, cases=10_000),
        QUEUE.format(k=1000, ms=kw.get("queue", 23.4), cases=1_000_000),
        INTAKE.format(
            p99=kw.get("p99", 336.7), rate=kw.get("rate", 109.9), check=kw.get("check", "ok")
        ),
        MEMORY.format(rss=kw.get("rss", 105.2), growth=kw.get("growth", 0.0)),
    ]
    return {_key(v): v for v in target_verdicts(lines)}


def _key(verdict: str) -> str:
    """The benchmark a verdict line names; "scaling" for the 1M-against-10k comparison."""
    name = verdict.removeprefix("- ").split(":")[0]
    return "scaling" if " vs " in name else name


def test_every_target_that_ran_has_a_verdict():
    verdicts = _verdicts()
    assert set(verdicts) == {
        "queue_caseworker",
        "scaling",
        "intake_load",
        "memory_worker_rss",
    }
    assert all(v.endswith(": met") for v in verdicts.values())


def test_a_figure_over_its_limit_is_missed():
    assert _verdicts(queue=25.1)["queue_caseworker"].endswith("MISSED")
    assert _verdicts(queue=30.1)["scaling"].endswith("MISSED")
    assert _verdicts(p99=500.1)["intake_load"].endswith("MISSED")
    assert _verdicts(rate=99.9)["intake_load"].endswith("MISSED")
    assert _verdicts(check="MISMATCH")["intake_load"].endswith("MISSED")
    assert _verdicts(rss=200.5)["memory_worker_rss"].endswith("MISSED")
    assert _verdicts(growth=10.0)["memory_worker_rss"].endswith("MISSED")
