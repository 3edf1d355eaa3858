"""The scale-out settings are chosen by environment variables, and without them the embedded
defaults stand: SQLite, the database task backend, files under var/."""

import os
import runpy

import pytest
from django.conf import settings as django_settings

SCALE_VARIABLES = [
    "DATABASE_URL",
    "RIGHTSDESK_TASK_BACKEND",
    "RIGHTSDESK_CELERY_BROKER_URL",
    "RIGHTSDESK_CELERY_RESULT_BACKEND",
    "RIGHTSDESK_CELERY_VISIBILITY_TIMEOUT",
    "RIGHTSDESK_STORAGE",
    "RIGHTSDESK_S3_BUCKET",
    "RIGHTSDESK_CACHE_URL",
]


@pytest.fixture
def build(monkeypatch, tmp_path):
    """config/settings.py evaluated afresh under the given environment."""

    def settings_with(**env):
        for name in SCALE_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("RIGHTSDESK_VAR_DIR", str(tmp_path / "var"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(os.path.join(django_settings.BASE_DIR, "config", "settings.py"))

    return settings_with


def test_without_variables_the_embedded_defaults_stand(build, tmp_path):
    s = build()
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert "OPTIONS" not in s["TASKS"]["default"]
    assert s["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "var" / "files")},
    }


def test_a_render_is_stopped_after_30_seconds_and_512_mb_unless_configured(build, monkeypatch):
    """security.md D7: a render is aborted by a wall-clock limit of at most 30 s and a memory
    limit of 512 MB (documents.rendering applies both in the worker)."""
    monkeypatch.delenv("RIGHTSDESK_RENDER_TIME_LIMIT", raising=False)
    monkeypatch.delenv("RIGHTSDESK_RENDER_MEMORY_LIMIT_MB", raising=False)
    defaults = build()["RIGHTSDESK"]
    assert defaults["RENDER_TIME_LIMIT_SECONDS"] == 30
    assert defaults["RENDER_MEMORY_LIMIT_MB"] == 512
    s = build(RIGHTSDESK_RENDER_TIME_LIMIT="45", RIGHTSDESK_RENDER_MEMORY_LIMIT_MB="768")
    assert s["RIGHTSDESK"]["RENDER_TIME_LIMIT_SECONDS"] == 45
    assert s["RIGHTSDESK"]["RENDER_MEMORY_LIMIT_MB"] == 768


def test_a_dotted_backend_path_is_still_accepted(build):
    s = build(RIGHTSDESK_TASK_BACKEND="django.tasks.backends.dummy.DummyBackend")
    assert s["TASKS"]["default"]["BACKEND"] == "django.tasks.backends.dummy.DummyBackend"


def test_celery_acknowledges_late_and_gives_back_the_tasks_of_a_dead_worker(build):
    s = build(
        RIGHTSDESK_TASK_BACKEND="celery",
        RIGHTSDESK_CELERY_BROKER_URL="redis://127.0.0.1:6379/7",
        RIGHTSDESK_CELERY_VISIBILITY_TIMEOUT="120",
    )
    assert s["TASKS"]["default"] == {
        "BACKEND": "django_tasks_celery.CeleryBackend",
        "QUEUES": ["default", "pdf", "reminders"],
        "OPTIONS": {"CELERY_APP": "config.celery.app"},
    }
    assert s["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/7"
    assert s["CELERY_TASK_ACKS_LATE"] is True
    assert s["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert s["CELERY_WORKER_PREFETCH_MULTIPLIER"] == 1
    assert s["CELERY_TASK_DEFAULT_QUEUE"] == "default"
    assert s["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] == 120
    # Deliveries come back only after the longest render could have finished.
    limit = s["RIGHTSDESK"]["RENDER_TIME_LIMIT_SECONDS"]
    assert (
        build(RIGHTSDESK_TASK_BACKEND="celery")["CELERY_BROKER_TRANSPORT_OPTIONS"][
            "visibility_timeout"
        ]
        > limit + 15
    )


def test_the_celery_app_reads_the_django_settings():
    from config.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_default_queue == "default"
    assert app.conf.accept_content == ["json"]


def test_files_on_s3_when_asked(build):
    s = build(RIGHTSDESK_STORAGE="s3", RIGHTSDESK_S3_BUCKET="rd-files")
    default = s["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "rd-files"
    assert default["OPTIONS"]["default_acl"] is None  # private, as the bucket's policy says
    assert default["OPTIONS"]["file_overwrite"] is False
    assert "access_key" not in default["OPTIONS"] and "secret_key" not in default["OPTIONS"]


def test_s3_without_a_bucket_is_refused_at_start(build):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="needs RIGHTSDESK_S3_BUCKET"):
        build(RIGHTSDESK_STORAGE="s3")


def test_postgresql_connections_compile_no_plans(build):
    """PostgreSQL's JIT is off for Rightsdesk's connections (a compile on every run of a plan
    whose cost passes jit_above_cost); SQLite has no such option."""
    pg = build(DATABASE_URL="postgres://postgres@127.0.0.1:5432/rightsdesk")
    assert pg["DATABASES"]["default"]["OPTIONS"]["options"] == "-c jit=off"
    sqlite = build()["DATABASES"]["default"]
    assert "options" not in sqlite.get("OPTIONS", {})


@pytest.mark.django_db
def test_the_live_connection_runs_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)
        else:  # SQLite: nothing to switch off, and no PostgreSQL option passed to it
            assert "options" not in connection.settings_dict.get("OPTIONS", {})
