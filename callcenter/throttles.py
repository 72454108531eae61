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
    """Counts failed logins per (username, client address).

    Keyed on both, so an attacker elsewhere cannot lock a person out of their own address.
    """

    def __init__(self, username: str, address: str) -> None:
        self.key = f"login-fail:{username.strip().lower()}:{address}"

    def retry_after(self) -> int | None:
        """Seconds until another try is allowed, or None when it is allowed now."""
        state = cache.get(self.key)
        if not state or state["count"] < settings.LOGIN_FAILURE_LIMIT:
            return None
        wait = int(state["first"] + settings.LOGIN_FAILURE_WINDOW - time.time())
        return max(wait, 1)

    def record(self) -> None:
        state = cache.get(self.key) or {"count": 0, "first": time.time()}
        state["count"] += 1
        cache.set(self.key, state, settings.LOGIN_FAILURE_WINDOW)

    def clear(self) -> None:
        cache.delete(self.key)
