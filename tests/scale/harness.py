"""The scale-out test's cluster on loopback: gunicorn servers and Celery workers started as
subprocesses, sharing one PostgreSQL database, one Redis and one var/ (tests/scale)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_SERVER = os.environ.get("RIGHTSDESK_SCALE_PG", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("RIGHTSDESK_SCALE_DB", "rd_scale")
REDIS_URL = os.environ.get("RIGHTSDESK_SCALE_REDIS", "redis://127.0.0.1:6379/7")
BASE_DIR = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    env: dict
    logs: Path
    bases: list[str] = field(default_factory=list)
    web: list[subprocess.Popen] = field(default_factory=list)
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    caseworker: str = ""

    def run(self, *args: str, stdin: str = "") -> dict:
        """A command of tests/scale/cluster.py in the cluster's environment; its JSON answer."""
        done = subprocess.run(
            [PY, "-m", "tests.scale.cluster", *args],
            cwd=BASE_DIR,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def manage(self, *args: str) -> None:
        done = subprocess.run(
            [PY, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    def start_web(self, index: int) -> None:
        port = free_port()
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": str(self.logs / f"web{index}.access.log"),
            "GUNICORN_ERROR_LOG": str(self.logs / f"web{index}.error.log"),
        }
        self.web.append(
            subprocess.Popen(
                [PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        self.bases.append(f"http://127.0.0.1:{port}")

    def start_worker(self, name: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.workers[name] = subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "default,pdf,reminders",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes its pool too
        )
        log.close()

    def worker_log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def sql(self, query: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def stop(self) -> None:
        for proc in [*self.web, *self.workers.values()]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in [*self.web, *self.workers.values()]:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def empty_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).flushdb()


def wait_for(predicate, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
