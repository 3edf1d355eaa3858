"""How `seed_bench` writes its chunks of cases (casework/demo/bulk.py `write_chunks`), in a
database of its own: outside a test's transaction, as `manage.py seed_bench` runs. (A module of
its own: test_seed_bench_shape.py keeps its seed in a transaction for the whole module.)"""

import threading
from contextlib import contextmanager
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import override_settings

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from casework.audit import audit_verify
from casework.demo.bulk import WRITERS, read_bench_marker
from casework.demo.bulk_rows import Batch
from casework.models import Case


@contextmanager
def _small_chunks(tmp_path):
    """Chunks of 100 cases; the evidence files under tmp_path; quick password hashes."""
    storage = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        override_settings(
            STORAGES=storage, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
        mock.patch("casework.demo.bulk.CHUNK", 100),
    ):
        yield


def test_on_postgresql_chunks_are_written_side_by_side_each_in_its_own_transaction(
    transactional_db, tmp_path
):
    """Outside a caller's transaction, PostgreSQL gets WRITERS chunks at once, each on a
    connection of its own; SQLite (one writer at a time) gets them one by one on the main
    thread. Either way every chunk is written once, in a transaction, and the chains verify."""
    written = []
    real_write = Batch.write

    def write(self):
        written.append((threading.current_thread().name, connection.in_atomic_block))
        real_write(self)

    with (
        _small_chunks(tmp_path),
        mock.patch.object(Batch, "write", write),
    ):
        call_command("seed_bench", cases=600, seed=3, stdout=StringIO())
    assert len(written) == 6
    assert all(in_transaction for _, in_transaction in written)
    threads = {name.rsplit("_", 1)[0] for name, _ in written}
    if connection.vendor == "postgresql":
        assert threads == {"seed-write"}
        assert len({name for name, _ in written}) == WRITERS
    else:
        assert threads == {"MainThread"}
    assert Case.objects.count() == 600
    assert audit_verify()[1] is None
    assert read_bench_marker() == (600, 3)


def test_a_seed_that_did_not_finish_is_not_taken_for_bench_data(transactional_db, tmp_path):
    """bench/run.py seeds again unless the marker says this very bench data is there: a seed
    stopped half way (a failed chunk here; Ctrl-C or a full disk in life) leaves its people and
    some chunks committed, and no marker. Seeding on top of it is refused, as for any bench
    data."""
    calls = []
    real_write = Batch.write

    def write(self):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real_write(self)

    with (
        _small_chunks(tmp_path),
        mock.patch.object(Batch, "write", write),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        call_command("seed_bench", cases=300, seed=3, stdout=StringIO())
    assert Organisation.objects.filter(kind=OrganisationKind.CITY_FEDERATION).exists()
    assert read_bench_marker() is None
    with pytest.raises(CommandError, match="already holds bench data"):
        call_command("seed_bench", cases=300, seed=3, stdout=StringIO())
