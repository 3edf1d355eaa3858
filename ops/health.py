"""Health probes for /healthz: the database, the task backend and file storage.

Each probe answers ok or not with a short, fixed word for what failed: never a host name, URL,
bucket, path, exception text or anything else an anonymous caller could learn from, since the
endpoint needs no sign-in (a load balancer asks it). Details go to the log.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Probe:
    ok: bool
    kind: str  # which implementation answered: "postgresql", "celery", "s3", ...
    error: str = ""  # a fixed word: "unreachable", "not writable", ...

    def as_json(self) -> dict:
        data = {"ok": self.ok, "kind": self.kind}
        if self.error:
            data["error"] = self.error
        return data


def _timeout() -> float:
    return float(getattr(settings, "HEALTHZ_TIMEOUT_SECONDS", 3))


def database() -> Probe:
    vendor = connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: the database did not answer")
        return Probe(False, vendor, "unreachable")
    return Probe(True, vendor)


def tasks() -> Probe:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_celery.CeleryBackend":
        return _celery_broker()
    if backend == "django_tasks_db.DatabaseBackend":
        # The queue is a table: reachable when the database is, and the table must exist.
        try:
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.exists()
        except Exception:
            logger.exception("healthz: the task table could not be read")
            return Probe(False, "database", "unreachable")
        return Probe(True, "database")
    return Probe(True, backend.rsplit(".", 1)[-1].lower())


def _celery_broker() -> Probe:
    try:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=_timeout())
            # Redis: a round trip, not only a socket (ensure_connection may reuse a pool).
            client = getattr(conn.default_channel, "client", None)
            if client is not None:
                client.ping()
    except Exception:
        logger.exception("healthz: the task broker did not answer")
        return Probe(False, "celery", "unreachable")
    return Probe(True, "celery")


def storage() -> Probe:
    store = storages["default"]
    if isinstance(store, FileSystemStorage):
        location = store.location
        if not os.path.isdir(location):
            try:
                os.makedirs(location, exist_ok=True)
            except OSError:
                logger.exception("healthz: the file folder could not be created")
                return Probe(False, "local", "unreachable")
        if not os.access(location, os.W_OK | os.X_OK):
            return Probe(False, "local", "not writable")
        return Probe(True, "local")
    bucket = getattr(store, "bucket", None)
    if bucket is not None:  # django-storages S3: the bucket exists and these credentials see it
        # In a thread of its own, so that a store that hangs costs the caller HEALTHZ_TIMEOUT
        # at most (boto's own timeouts and retries end the thread later).
        pool = ThreadPoolExecutor(max_workers=1)
        try:
            pool.submit(bucket.meta.client.head_bucket, Bucket=bucket.name).result(_timeout())
        except FutureTimeout:
            logger.warning("healthz: the object storage bucket did not answer in time")
            return Probe(False, "s3", "timeout")
        except Exception:
            logger.exception("healthz: the object storage bucket could not be reached")
            return Probe(False, "s3", "unreachable")
        finally:
            pool.shutdown(wait=False)
        return Probe(True, "s3")
    try:
        store.exists("healthz-probe")
    except Exception:
        logger.exception("healthz: the file storage could not be reached")
        return Probe(False, "other", "unreachable")
    return Probe(True, "other")


CHECKS = {"database": database, "tasks": tasks, "storage": storage}


def report() -> tuple[bool, dict]:
    """(everything ok, the JSON body)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:  # a probe that itself breaks counts as down, never as a 500
            logger.exception("healthz: the %s probe failed", name)
            results[name] = Probe(False, "unknown", "probe failed")
    healthy = all(p.ok for p in results.values())
    return healthy, {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: p.as_json() for name, p in results.items()},
    }
