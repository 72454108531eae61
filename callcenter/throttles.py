"""Rate limits: per bot key, per person, per address for the anonymous; and failed logins."""
from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from callcenter.addresses import client_address
from callcenter.permissions import role_of


def count_hit(current: str, previous: str, timeout: int) -> tuple[int, int]:
    """Add one to the counter `current`; returns it and the counter `previous` (0 when absent)."""
    hit = getattr(cache, "count_hit", None)  # callcenter.cache.RedisCache: one round trip
    if hit is not None:
        return hit(current, previous, timeout)
    cache.add(current, 0, timeout)
    try:
        count = cache.incr(current)
    except ValueError:  # expired between add() and incr()
        cache.add(current, 1, timeout)
        count = 1
    return count, int(cache.get(previous) or 0)


class WindowRateThrottle(SimpleRateThrottle):
    """The rate counted in fixed windows of its period, the previous window weighted by how much of it
    still falls within the last period (a sliding-window estimate, off by a little only when requests
    were uneven within the previous window).

    DRF's SimpleRateThrottle keeps one cache value per key holding every request's timestamp, read
    and rewritten whole by each request: at the bot rate (12,000/min) a busy key's list was 12,000
    floats pickled and sent twice a request, and two workers reading it at once both wrote back,
    losing a hit. Here a request is one atomic increment and one read, in one Redis round trip.
    """

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.elapsed = self.now - window * self.duration
        self.current, self.previous = count_hit(f"{self.key}:{window}", f"{self.key}:{window - 1}", self.duration * 2)
        # This request is counted even when refused: a client that keeps trying stays throttled.
        return self.estimate(self.elapsed) <= self.num_requests

    def estimate(self, elapsed: float) -> float:
        return self.previous * (self.duration - elapsed) / self.duration + self.current

    def wait(self) -> float:
        """Seconds until the estimate is back within the rate (Retry-After)."""
        if self.current > self.num_requests or not self.previous:
            return self.duration - self.elapsed  # the current window alone is over: wait for the next
        # The previous window's weight falls as time passes: until previous * (d - e) / d + current <= limit.
        elapsed = self.duration * (1 - (self.num_requests - self.current) / self.previous)
        return max(math.ceil(elapsed - self.elapsed), 1)


class AnonThrottle(WindowRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class BotKeyThrottle(WindowRateThrottle):
    scope = "bot"

    def get_cache_key(self, request, view) -> str | None:
        if role_of(request.user) != "bot":
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.api_key_id}


class PersonThrottle(WindowRateThrottle):
    scope = "person"

    def get_cache_key(self, request, view) -> str | None:
        if role_of(request.user) in (None, "bot"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class LoginFailures:
    """Counts login attempts per (username, client address); a success clears the count.

    Keyed on both, so an attacker elsewhere cannot lock a person out of their own address.
    An attempt is counted atomically before the password is checked: parallel guesses that
    arrive while earlier ones are still hashing cannot slip past the limit.
    """

    def __init__(self, username: str, address: str) -> None:
        self.key = f"login-fail:{username.strip().lower()}:{address}"
        self.first_key = f"{self.key}:first"

    def attempt(self) -> int | None:
        """Count one try; seconds to wait when it is over the limit, else None."""
        window = settings.LOGIN_FAILURE_WINDOW
        if cache.add(self.key, 1, window):
            cache.set(self.first_key, time.time(), window)
            return None
        try:
            count = cache.incr(self.key)
        except ValueError:  # expired between add() and incr(): a fresh window
            return self.attempt()
        if count <= settings.LOGIN_FAILURE_LIMIT:
            return None
        first = cache.get(self.first_key) or time.time()
        return max(int(first + window - time.time()), 1)

    def clear(self) -> None:
        cache.delete_many([self.key, self.first_key])
