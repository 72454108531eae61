"""Django's Redis cache (throttle counters) with one Redis client per process, not one per request."""
from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class _SharedClient(RedisCacheClient):
    """Keeps its redis-py client per server: Django builds a new one (~400 response callbacks) for every cache call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # A race here builds a spare client (and pool) once; redis-py clients are thread-safe.
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


_shared: dict[tuple[str, ...], _SharedClient] = {}
_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    """`CACHES[...]["BACKEND"]`: Django's Redis cache whose clients and connection pools the whole process shares.

    Django keeps a cache object per thread and async context, and the ASGI handler runs each
    request's sync code in a fresh one: with Django's own backend every request opened a new
    Redis connection (TCP connect, handshake, redis-py reading its package metadata) for its
    throttle check and never reused it. redis-py's pools reset themselves after a fork.
    """

    @cached_property
    def _cache(self) -> _SharedClient:
        key = (*self._servers, repr(sorted(self._options.items())))
        with _lock:
            client = _shared.get(key)
            if client is None:
                client = _shared[key] = _SharedClient(self._servers, **self._options)
            return client

    def count_hit(self, current: str, previous: str, timeout: int) -> tuple[int, int]:
        """INCR `current` (expiring after `timeout` seconds) and GET `previous`, in one round trip (throttles)."""
        current_key, previous_key = self.make_and_validate_key(current), self.make_and_validate_key(previous)
        pipe = self._cache.get_client(current_key, write=True).pipeline(transaction=False)
        pipe.incr(current_key)
        pipe.expire(current_key, timeout)
        pipe.get(previous_key)
        count, _, before = pipe.execute()
        return count, int(before or 0)
