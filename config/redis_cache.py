"""Django's Redis cache, with one client object per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation;
constructing one (its response-callback tables) costs about as much Python as the round trip
itself, and a filing makes about ten cache operations. A `redis.Redis` is safe to share
between threads (each command takes a connection from the pool), and the pool notices a fork,
so one client per pool is kept instead.

`incr` is one round trip (a script that increments the key only if it exists) instead of
Django's two (EXISTS, then INCRBY), and it is atomic: a key that expires between Django's two
commands would be created by the INCRBY. `sequence_append` (not in Django's API) takes the
next number of a sequence and stores an item under it in one round trip. Everything else is
Django's.
"""

from __future__ import annotations

from django.core.cache.backends.base import default_key_func
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""

# The sequence starts at 1 when its key is missing, and never expires; the item does.
_SEQUENCE_APPEND = """
local n = redis.call('INCR', KEYS[1])
redis.call('SET', ARGV[1] .. n, ARGV[2], 'EX', ARGV[3])
return n
"""


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._incr_script = None
        self._append_script = None

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        if self._incr_script is None:  # writes go to the first server's client, always the same
            self._incr_script = client.register_script(_INCR_EXISTING)
        value = self._incr_script(keys=[key], args=[delta], client=client)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def sequence_append(self, key, item_prefix, value, timeout: int) -> int:
        client = self.get_client(key, write=True)
        if self._append_script is None:
            self._append_script = client.register_script(_SEQUENCE_APPEND)
        args = [item_prefix, self._serializer.dumps(value), max(1, int(timeout))]
        return self._append_script(keys=[key], args=args, client=client)


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        if self.key_func is not default_key_func:
            # The item's key must be its prefix's key followed by the number: callers fall
            # back to incr and set (reports.rollup.mark_dirty).
            self.sequence_append = None

    def sequence_append(self, key, item_prefix, value, timeout: int) -> int:
        """Raise the counter `key` by one (from 0 when missing, kept for ever) and store `value`
        for `timeout` seconds under `item_prefix` followed by the new number, which is returned:
        one round trip, atomic, so no reader finds the number without its item. The item is
        read back with `get(f"{item_prefix}{n}")`."""
        return self._cache.sequence_append(
            self.make_and_validate_key(key),
            self.make_and_validate_key(item_prefix),
            value,
            timeout,
        )
