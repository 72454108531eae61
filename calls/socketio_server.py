"""/socket.io/: the live events for the original calling dashboard's front end, which listens with
socket.io for `callStarted`, `callUpdated`, `transcriptUpdated` and `callTerminated`.

Authenticate (the access token in the socket.io `auth` payload, `{token}`, or `?token=`), then
forward, as /ws/calls/ does: each socket is one more watcher of this process's relay
(`calls.events.watch`), with the same audience (`consumers.audience_of`), the same event payloads
(the very JSON the relay hands every socket) and the same end when the person's access changes
(`events.close_user_sockets` reaches it through their user group, in order with the events).

Across processes the events travel once, through the channel layer (Redis), to every process's
relay, which emits to its own socket.io clients only. python-socketio's Redis manager would be a
second path for the same events (each would arrive twice, or once per process through
pub/sub, which drops what is sent while a subscriber reconnects, in no order with a revocation):
the client manager stays python-socketio's in-process one.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlparse

import socketio
from django.conf import settings
from django.http.request import validate_host

from callcenter.permissions import IsStaffUser, role_of
from calls import events
from calls.consumers import audience_of, user_from_token

logger = logging.getLogger(__name__)
NAMESPACE = "/"


def origin_allowed(origin: str | None) -> bool:
    """No Origin (a bot, a script); a front end listed in CORS_ALLOWED_ORIGINS; or one of our own hosts."""
    if not origin:
        return True
    if origin in settings.CORS_ALLOWED_ORIGINS:
        return True
    host = urlparse(origin).hostname
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


sio = socketio.AsyncServer(
    async_mode="asgi",
    cors_allowed_origins=origin_allowed,
    cors_credentials=False,  # a token, never cookies
)


class SocketWatcher:
    """One socket.io client as a watcher of this process's relay (see calls.events.Watcher)."""

    def __init__(self, sid: str) -> None:
        self.sid = sid
        self.groups: list[str] = []
        self.is_revoked = False
        # Events that arrive while the handshake finishes wait here (no event may precede CONNECT).
        self.backlog: list[str] | None = []
        self.flushing: asyncio.Task | None = None

    async def forward(self, text: str) -> None:
        if self.is_revoked:
            return
        if self.backlog is not None:
            self.backlog.append(text)
            return
        event = _parsed(text)
        await sio.emit(event["type"], event, to=self.sid, namespace=NAMESPACE)

    async def flush_when_connected(self) -> None:
        # python-socketio sends CONNECT after the connect handler returns; wait for it, briefly.
        for _ in range(200):
            if sio.manager.is_connected(self.sid, NAMESPACE):
                break
            await asyncio.sleep(0.005)
        backlog, self.backlog = self.backlog or [], None
        for text in backlog:
            await self.forward(text)

    async def revoked(self) -> None:
        """What this person may see changed: the client signs in again and reconnects."""
        self.is_revoked = True
        await sio.disconnect(self.sid, namespace=NAMESPACE)

    async def relay_failed(self) -> None:
        await sio.disconnect(self.sid, namespace=NAMESPACE)


_last: tuple[str, dict[str, Any]] | None = None


def _parsed(text: str) -> dict[str, Any]:
    """The relay hands every socket the same text: parse it once, not once per socket."""
    global _last
    if _last is None or _last[0] is not text:
        _last = (text, json.loads(text))
    return _last[1]


def _token(environ: dict[str, Any], auth: Any) -> str | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str) and auth["token"]:
        return auth["token"]
    return parse_qs(environ.get("QUERY_STRING", "")).get("token", [None])[0]


_watchers: dict[str, SocketWatcher] = {}


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    token = _token(environ, auth)
    user = await user_from_token(token) if token else None
    if user is None:
        raise socketio.exceptions.ConnectionRefusedError("unauthorized")
    if role_of(user) not in IsStaffUser.roles:
        raise socketio.exceptions.ConnectionRefusedError("forbidden")
    watcher = SocketWatcher(sid)
    # As /ws/calls/: the person's own group first, then what they may see, read afresh; a change
    # committed after that read closes the socket, one before it is read.
    watcher.groups = [events.user_group(user.pk)]
    await events.watch(watcher.groups, watcher)
    try:
        user, groups = await audience_of(user.pk)
        if user is None or watcher.is_revoked:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        if role_of(user) not in IsStaffUser.roles:
            raise socketio.exceptions.ConnectionRefusedError("forbidden")
        await events.watch(groups, watcher)
        watcher.groups += groups
    except BaseException:
        await events.unwatch(watcher.groups, watcher)
        raise
    _watchers[sid] = watcher
    watcher.flushing = asyncio.get_running_loop().create_task(watcher.flush_when_connected())


@sio.event
async def disconnect(sid: str, *args: Any) -> None:
    watcher = _watchers.pop(sid, None)
    if watcher is not None:
        await events.unwatch(watcher.groups, watcher)
