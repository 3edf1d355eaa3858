"""Process-local copies of reference data (rights.local_copy): rebuilt after an edit, their
versions read from the cache once per request (issue 8)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from rights import local_copy
from rights.local_copy import LocalCopy


class CountingCache:
    """The cache, counting the reads."""

    def __init__(self):
        self.reads = 0

    def get(self, key, default=None):
        self.reads += 1
        return cache.get(key, default)

    def get_many(self, keys):
        self.reads += 1
        return cache.get_many(keys)

    def set(self, *args, **kwargs):
        return cache.set(*args, **kwargs)


# The request tests send Django's request signals, whose other receivers touch the database
# connection: they take the `db` fixture.


@pytest.fixture
def counting(monkeypatch):
    counting = CountingCache()
    monkeypatch.setattr(local_copy, "cache", counting)
    return counting


def _copy(name: str) -> tuple[LocalCopy, list]:
    builds = []

    def build():
        builds.append(1)
        return len(builds)

    return LocalCopy(f"test:{name}-version", build), builds


def test_outside_a_request_every_use_reads_its_version(counting):
    copy, builds = _copy("outside")
    assert copy.get() == 1
    counting.reads = 0
    assert copy.get() == 1 and copy.get() == 1
    assert counting.reads == 2
    cache.set(copy.version_key, "edited elsewhere", None)  # another process's edit
    assert copy.get() == 2


def test_a_request_reads_every_version_once(db, counting):
    first, first_builds = _copy("first")
    second, second_builds = _copy("second")
    first.get(), second.get()  # built, versions set
    request_started.send(sender=None)
    try:
        counting.reads = 0
        for _ in range(3):
            assert first.get() == 1 and second.get() == 1
        assert counting.reads == 1  # one read of every version, together
        cache.set(first.version_key, "edited elsewhere", None)
        assert first.get() == 1  # another process's edit: from the next request on
    finally:
        request_finished.send(sender=None)
    request_started.send(sender=None)
    try:
        assert first.get() == 2 and second.get() == 1
        assert len(first_builds) == 2 and len(second_builds) == 1
    finally:
        request_finished.send(sender=None)


def test_an_edit_in_this_process_is_seen_within_the_request(db, counting):
    copy, builds = _copy("own")
    copy.get()
    request_started.send(sender=None)
    try:
        assert copy.get() == 1
        copy.invalidate()  # what the model's post_save receiver does
        assert copy.get() == 2
        assert copy.get() == 2  # and kept
        assert len(builds) == 2
    finally:
        request_finished.send(sender=None)
