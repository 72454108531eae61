"""The Redis cache backend: every request's cache object shares the process's one client and connection pool."""
from __future__ import annotations

import os
import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def test_cache_objects_of_different_threads_share_one_client_and_pool():
    clients = []
    caches["default"].set("h2-shared-client", 41, 30)

    def request() -> None:
        # Each thread (as each ASGI request's context) gets its own cache object from Django.
        cache = caches["default"]
        cache.incr("h2-shared-client")
        clients.append((cache, cache._cache.get_client(write=True)))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(cache) for cache, _ in clients}) == 4
    assert len({id(client) for _, client in clients}) == 1
    assert len({id(client.connection_pool) for _, client in clients}) == 1
    assert caches["default"].get("h2-shared-client") == 45
    caches["default"].delete("h2-shared-client")
