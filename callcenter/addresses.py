"""The client's address: one rule (NUM_PROXIES) for throttles, failed-login counts and anything else."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address a request came from, the one rule for throttles and failed-login counts.

    With `NUM_PROXIES=0` it is the connection's address (REMOTE_ADDR) and `X-Forwarded-For` is
    ignored: a client writes what it likes there. With N proxies in front, each appends the address
    it received from, so the Nth entry from the right is the last one written by a proxy we trust
    (with fewer entries, the leftmost: every one of them was written by a proxy).
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
