"""Rate limits counted in windows: one atomic increment a request, the previous window weighted in."""
from __future__ import annotations

import os
import threading

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from callcenter import throttles


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


class Clocked(throttles.WindowRateThrottle):
    rate = "10/min"
    now_at = 0.0

    def get_cache_key(self, request, view):
        return "throttle_test_key"

    def timer(self):
        return Clocked.now_at


def hit(at: float) -> tuple[bool, Clocked]:
    Clocked.now_at = at
    throttle = Clocked()
    return throttle.allow_request(APIRequestFactory().get("/"), None), throttle


def test_the_rate_is_kept_within_a_window_and_retry_after_is_the_windows_end():
    assert [hit(60_000 + n)[0] for n in range(10)] == [True] * 10
    refused, throttle = hit(60_030)

    assert refused is False
    assert throttle.wait() == pytest.approx(30)


def test_the_previous_windows_hits_still_count_early_in_the_next():
    """No doubled burst at a window's edge: 10 hits late in one minute leave little room early in the next."""
    for n in range(10):
        assert hit(60_050 + n)[0]
    # 6 s into the next window, 90% of the previous one is still within the last minute: 9 + 1 = 10.
    assert hit(60_066)[0] is True
    refused, throttle = hit(60_066.5)  # 9 + 2 > 10
    assert refused is False
    assert 1 <= throttle.wait() <= 60
    # Half a minute on, the previous window weighs 5 of its 10: room again.
    assert hit(60_090)[0] is True


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: the counters of several processes live in Redis")
def test_concurrent_hits_on_redis_are_all_counted():
    """DRF's list of timestamps, read and rewritten whole, lost hits when two requests raced; an INCR does not."""
    def burst():
        for _ in range(25):
            throttles.count_hit("race:current", "race:previous", 60)

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert throttles.count_hit("race:current", "race:previous", 60) == (201, 0)
