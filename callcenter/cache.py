"""Redis for Django's cache (throttle counters): one connection pool per process, not one per request."""
from __future__ import annotations

import threading
from typing import Any

import redis


class SharedConnectionPool(redis.ConnectionPool):
    """`CACHES[...]["OPTIONS"]["pool_class"]`: every cache object of the process shares one pool per URL.

    Django keeps a cache object per thread and async context, and the ASGI handler runs each
    request's sync code in a fresh one: with redis-py's own pool class every request opened a new
    Redis connection (TCP connect, handshake, redis-py reading its package metadata) for its
    throttle check and never reused it. redis-py's pools are thread-safe and reset themselves
    after a fork.
    """

    _pools: dict[tuple[str, str], SharedConnectionPool] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> SharedConnectionPool:
        key = (url, repr(sorted(kwargs.items(), key=lambda item: item[0])))
        with cls._lock:
            pool = cls._pools.get(key)
            if pool is None:
                pool = cls._pools[key] = super().from_url(url, **kwargs)
            return pool
