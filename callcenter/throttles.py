"""Rate limits: per bot key, per person, per address for the anonymous; and failed logins."""
from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from callcenter.permissions import role_of


class AnonThrottle(SimpleRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class BotKeyThrottle(SimpleRateThrottle):
    scope = "bot"

    def get_cache_key(self, request, view) -> str | None:
        if role_of(request.user) != "bot":
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.api_key_id}


class PersonThrottle(SimpleRateThrottle):
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
