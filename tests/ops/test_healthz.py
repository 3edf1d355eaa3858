"""/healthz: the database, the task backend and storage, as JSON with 200 or 503; no sign-in,
no session, and nothing an anonymous caller could learn about the installation."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from ops import health

pytestmark = pytest.mark.django_db

REDIS_DB7 = "redis://127.0.0.1:6379/7"


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


@pytest.fixture
def celery_tasks(settings, monkeypatch):
    from config.celery import app

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_celery.CeleryBackend",
            "QUEUES": settings.TASK_QUEUES,
            "OPTIONS": {"CELERY_APP": "config.celery.app"},
        }
    }
    monkeypatch.setattr(app.conf, "broker_url", REDIS_DB7)
    return app


def _secrets() -> list[str]:
    values = [
        django_settings.SECRET_KEY,
        django_settings.FIELD_ENCRYPTION_KEY,
        django_settings.LOOKUP_HASH_KEY,
        django_settings.AUDIT_CHAIN_KEY,
        str(django_settings.DATABASES["default"]["NAME"]),
        str(django_settings.VAR_DIR),
    ]
    return [v for v in values if v]


def test_everything_up_is_200_with_each_part_named(db_tasks, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"ok": True, "kind": connection.vendor},
            "tasks": {"ok": True, "kind": "database"},
            "storage": {"ok": True, "kind": "local"},
        },
    }
    # No session was started and no cookie set for the caller.
    assert not response.cookies


def test_a_database_that_does_not_answer_is_503(db_tasks, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("connection refused by 10.1.2.3")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = Client().get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "kind": connection.vendor,
        "error": "unreachable",
    }
    assert "10.1.2.3" not in response.content.decode()


def test_storage_that_cannot_be_used_is_503(db_tasks, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "files")},
        },
    }
    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {
        "ok": False,
        "kind": "local",
        "error": "unreachable",
    }
    assert str(tmp_path) not in response.content.decode()


def test_the_celery_broker_is_asked(celery_tasks):
    response = Client().get("/healthz")
    assert response.json()["checks"]["tasks"] == {"ok": True, "kind": "celery"}


def test_a_celery_broker_that_does_not_answer_is_503_quickly(celery_tasks, monkeypatch, settings):
    import socket
    import time

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"redis://:hunter2secret@127.0.0.1:{port}/7"
    monkeypatch.setattr(celery_tasks.conf, "broker_url", url)
    settings.HEALTHZ_TIMEOUT_SECONDS = 1

    started = time.monotonic()
    response = Client().get("/healthz")

    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == {
        "ok": False,
        "kind": "celery",
        "error": "unreachable",
    }
    assert "hunter2secret" not in response.content.decode() and str(port) not in str(
        response.json()
    )


def test_nothing_secret_in_the_answer(db_tasks):
    text = Client().get("/healthz").content.decode()
    for secret in _secrets():
        assert secret not in text


def test_only_reads_are_allowed(db_tasks):
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code in (200, 503)


def test_a_probe_that_breaks_counts_as_down_not_as_an_error(db_tasks, monkeypatch):
    def broken():
        raise RuntimeError("unexpected")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {
        "ok": False,
        "kind": "unknown",
        "error": "probe failed",
    }
