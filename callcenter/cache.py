"""Django's Redis cache (throttle counters, login failures, the voice data version) with one Redis
client per process, not one per request, and an in-process fallback while Redis is unreachable."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis unreachable: not asked again for this long (each request counts in-process meanwhile).
RETRY_AFTER = 1.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WRITTEN_LIMIT = 10_000
WRITES = {"add", "set", "touch", "delete", "incr", "set_many", "delete_many"}


class _SharedClient(RedisCacheClient):
    """Keeps its redis-py client per server: Django builds a new one (~400 response callbacks) for every cache call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self.outage = Outage()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # A race here builds a spare client (and pool) once; redis-py clients are thread-safe.
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class Outage:
    """Whether this process finds Redis unreachable; logged once when it starts and once when it ends."""

    def __init__(self) -> None:
        self.down = False
        self.retry_at = 0.0
        # Keys this process wrote to its memory meanwhile: Redis still holds their older values.
        self.written: set[str] = set()

    def wrote(self, keys: Any) -> None:
        if len(self.written) < WRITTEN_LIMIT:
            self.written.update(keys)

    def skip(self) -> bool:
        """True while Redis failed less than RETRY_AFTER ago: do not wait on it again yet."""
        return self.down and time.monotonic() < self.retry_at

    def failed(self, exc: BaseException) -> None:
        if not self.down:
            logger.error("Redis cache unreachable (%s): rate limits and login failures count in this process until it answers", exc)
        self.down, self.retry_at = True, time.monotonic() + RETRY_AFTER

    def recovered(self) -> None:
        if self.down:
            self.down = False
            logger.warning("Redis cache answers again: counting in Redis")


_shared: dict[tuple[str, ...], _SharedClient] = {}
_lock = threading.Lock()


def _fails_open(name: str):
    """The Redis operation `name`, or the same on this process's memory while Redis is unreachable."""

    def operation(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        outage = self._cache.outage
        if not outage.skip():
            try:
                if outage.down:
                    self._resync(outage)
                result = getattr(DjangoRedisCache, name)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                outage.failed(exc)
            else:
                if outage.down:
                    self._recovered(outage)
                return result
        if name in WRITES:
            key = args[0] if args else kwargs.get("key", kwargs.get("keys", kwargs.get("data")))
            outage.wrote([key] if isinstance(key, str) else list(key))
        return getattr(self._fallback, name)(*args, **kwargs)

    operation.__name__ = name
    return operation


class RedisCache(DjangoRedisCache):
    """`CACHES[...]["BACKEND"]`: Django's Redis cache whose clients and connection pools the whole process shares.

    Django keeps a cache object per thread and async context, and the ASGI handler runs each
    request's sync code in a fresh one: with Django's own backend every request opened a new
    Redis connection (TCP connect, handshake, redis-py reading its package metadata) for its
    throttle check and never reused it. redis-py's pools reset themselves after a fork.

    With Redis stopped every request answered 500 (the throttle asks the cache first). Now an
    unreachable Redis fails open: the process counts in its own memory, so limits still hold per
    process, and asks Redis again after RETRY_AFTER; what was counted meanwhile stays local, and
    what was written meanwhile is dropped from Redis when it answers again (`_resync`).
    """

    @cached_property
    def _cache(self) -> _SharedClient:
        key = (*self._servers, repr(sorted(self._options.items())))
        with _lock:
            client = _shared.get(key)
            if client is None:
                client = _shared[key] = _SharedClient(self._servers, **self._options)
            return client

    @cached_property
    def _fallback(self) -> LocMemCache:
        # LocMemCache objects of one name share their memory: every thread's cache object counts together.
        return LocMemCache(f"redis-fallback:{':'.join(self._servers)}", {"TIMEOUT": self.default_timeout, "OPTIONS": {"MAX_ENTRIES": 100_000}, "KEY_PREFIX": self.key_prefix, "VERSION": self.version})

    def _resync(self, outage: Outage) -> None:
        """Redis answers again: what this process wrote meanwhile is dropped from Redis too, so no one
        reads a value older than the outage (a store's data version bumped meanwhile, say); it is
        made again on its next use. Raises while Redis is still unreachable."""
        if outage.written:
            DjangoRedisCache.delete_many(self, list(outage.written))
            outage.written.clear()

    def _recovered(self, outage: Outage) -> None:
        self._fallback.clear()  # a later outage starts from nothing, not from this one's values
        outage.recovered()

    @property
    def unreachable(self) -> bool:
        """This process found Redis unreachable on its last try (GET /api/health)."""
        return self._cache.outage.down

    add = _fails_open("add")
    get = _fails_open("get")
    set = _fails_open("set")
    touch = _fails_open("touch")
    delete = _fails_open("delete")
    get_many = _fails_open("get_many")
    has_key = _fails_open("has_key")
    incr = _fails_open("incr")
    set_many = _fails_open("set_many")
    delete_many = _fails_open("delete_many")
    clear = _fails_open("clear")

    def count_hit(self, current: str, previous: str, timeout: int) -> tuple[int, int]:
        """INCR `current` (expiring after `timeout` seconds) and GET `previous`, in one round trip (throttles)."""
        outage = self._cache.outage
        if not outage.skip():
            current_key, previous_key = self.make_and_validate_key(current), self.make_and_validate_key(previous)
            try:
                if outage.down:
                    self._resync(outage)
                pipe = self._cache.get_client(current_key, write=True).pipeline(transaction=False)
                pipe.incr(current_key)
                pipe.expire(current_key, timeout)
                pipe.get(previous_key)
                count, _, before = pipe.execute()
            except UNREACHABLE as exc:
                outage.failed(exc)
            else:
                if outage.down:
                    self._recovered(outage)
                return count, int(before or 0)
        local = self._fallback
        local.add(current, 0, timeout)
        return local.incr(current), int(local.get(previous) or 0)
