"""config.redis_cache on a real Redis (db 7, which `make test` makes sure of): the report
rollup's list of changes (reports.rollup.mark_dirty) takes one round trip per change, and what
it writes reads back through the cache as the fallback's does."""

import uuid

import pytest
from django.core.cache import caches

from reports import rollup

REDIS_DB7 = "redis://127.0.0.1:6379/7"


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_DB7,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # parallel tests never share keys
        }
    }
    backend = caches["default"]  # what reports.rollup's `cache` stands for in this thread
    yield backend
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


def _commands(cache, monkeypatch) -> list:
    """The commands sent to Redis from now on (each is one round trip)."""
    sent = []
    client = cache._cache.get_client(write=True)
    real = type(client).execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return real(self, *args, **options)

    monkeypatch.setattr(type(client), "execute_command", counted)
    return sent


def test_sequence_append_numbers_items_from_one_and_keeps_only_the_items_for_a_time(
    redis_cache, monkeypatch
):
    assert redis_cache.sequence_append("seq", "item:", ("case", 7), 60) == 1  # loads the script
    sent = _commands(redis_cache, monkeypatch)
    assert redis_cache.sequence_append("seq", "item:", ("employer", 8), 60) == 2
    assert sent == ["EVALSHA"]  # one round trip
    assert redis_cache.get("seq") == 2
    assert redis_cache.get_many(["item:1", "item:2"]) == {
        "item:1": ("case", 7),
        "item:2": ("employer", 8),
    }
    client = redis_cache._cache.get_client(write=True)
    assert client.ttl(redis_cache.make_key("seq")) == -1  # kept for ever
    assert 0 < client.ttl(redis_cache.make_key("item:1")) <= 60


def test_a_dirty_mark_is_one_round_trip_and_reads_back_as_the_fallbacks_do(
    redis_cache, monkeypatch
):
    rollup.mark_dirty("case", 41)  # loads the script
    sent = _commands(redis_cache, monkeypatch)
    rollup.mark_dirty("employer", 5)
    assert sent == ["EVALSHA"]
    seq = rollup._dirty_seq()
    assert seq == 2
    db = rollup._db()
    items = [rollup.DIRTY_ITEM.format(db=db, n=n) for n in (1, 2)]
    assert list(redis_cache.get_many(items).values()) == [("case", 41), ("employer", 5)]
    # The next one continues the count the fallback (incr, then set) would also continue.
    monkeypatch.setattr(redis_cache, "sequence_append", None)
    rollup.mark_dirty("case", 42)
    assert rollup._dirty_seq() == 3
    assert redis_cache.get(rollup.DIRTY_ITEM.format(db=db, n=3)) == ("case", 42)


def test_a_custom_key_function_turns_the_one_round_trip_off():
    from config.redis_cache import RedisCache

    plain = RedisCache(REDIS_DB7, {})
    custom = RedisCache(REDIS_DB7, {"KEY_FUNCTION": lambda key, prefix, version: f"x{key}"})
    assert plain.sequence_append is not None
    assert custom.sequence_append is None
