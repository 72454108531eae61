"""Live events: the one module that knows group names, sends call events and relays them to sockets.

Services call `publish_*` inside their transaction; the message leaves only after the
commit (`transaction.on_commit`), and a channel layer that is down loses the event
(logged) rather than failing the request that caused it.

On the receiving side each server process listens once (`watch`): one channel in each group
that a local socket watches, fanned out in-process, so an event costs one channel-layer read
per process instead of one per socket (see bench/ws_fanout.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

ADMIN_GROUP = "calls.all"
# The event is sent before the HTTP answer leaves: a Redis that accepts connections but
# never answers would otherwise hold every write for redis-py's 5 s socket timeout per call.
SEND_TIMEOUT = 1.0


def store_group(store_id: int) -> str:
    return f"calls.store.{store_id}"


def _now() -> str:
    return timezone.now().isoformat()


def _send(store_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    groups = (store_group(store_id), ADMIN_GROUP)

    async def send_all() -> list[Any]:
        sends = (layer.group_send(group, {"type": "call.event", "group": group, "event": message}) for group in groups)
        return await asyncio.wait_for(asyncio.gather(*sends, return_exceptions=True), SEND_TIMEOUT)

    try:
        # Not a long-lived publishing loop of our own in a thread: tried, it saved ~0.15 ms of CPU an event,
        # and sending from that second loop on the layer the sockets' loop receives on made test runs on
        # Redis fail ("Lock ... bound to a different event loop") and hang at an event loop's teardown.
        results = async_to_sync(send_all)()
    except Exception as exc:  # timed out: nothing is known to have left
        results = [exc] * len(groups)
    for group, result in zip(groups, results):
        # The write already committed; a lost event must not fail it.
        if isinstance(result, BaseException):
            logger.error(
                "live event lost: %s for call %s to %s: %r", message.get("type"), message.get("callId"), group, result
            )


def _publish(store_id: int, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(store_id, message), robust=True)


def publish_call_started(*, store_id: int, call_id: str, caller: str, receiver: str) -> None:
    _publish(store_id, {"type": "callStarted", "callId": call_id, "caller": caller, "receiver": receiver, "timestamp": _now()})


def publish_call_updated(*, store_id: int, call_id: str, data: dict[str, Any]) -> None:
    _publish(store_id, {"type": "callUpdated", "callId": call_id, "data": data, "timestamp": _now()})


def publish_transcript_updated(*, store_id: int, call_id: str, transcript: str) -> None:
    _publish(store_id, {"type": "transcriptUpdated", "callId": call_id, "transcript": transcript, "timestamp": _now()})


def publish_call_terminated(*, store_id: int, call_id: str, status: str) -> None:
    _publish(store_id, {"type": "callTerminated", "callId": call_id, "status": status, "timestamp": _now()})


class Watcher(Protocol):
    """A local socket: gets each event of its groups as JSON text, or is told the relay failed."""

    async def forward(self, text: str) -> None: ...

    async def relay_failed(self) -> None: ...


# channels-redis keeps a group member for a day (`group_expiry`): the relay joins again well before.
GROUP_REFRESH = 3600.0


class _Relay:
    """One process's (one event loop's) listener: one channel in every watched group."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel = ""
        self.watchers: dict[str, set[Watcher]] = {}
        self.lock = asyncio.Lock()
        self.task: asyncio.Task | None = None

    async def watch(self, groups: list[str], watcher: Watcher) -> None:
        async with self.lock:
            if self.task is None:
                self.channel = await self.layer.new_channel()
                self.task = asyncio.create_task(self._listen())
            try:
                for group in groups:
                    if group not in self.watchers:
                        await self.layer.group_add(group, self.channel)
                        self.watchers[group] = set()
                    self.watchers[group].add(watcher)
            finally:
                if not self.watchers:
                    self._stop()

    async def unwatch(self, groups: list[str], watcher: Watcher) -> None:
        async with self.lock:
            for group in groups:
                members = self.watchers.get(group)
                if members is None:
                    continue
                members.discard(watcher)
                if not members:
                    del self.watchers[group]
                    await self.layer.group_discard(group, self.channel)
            if not self.watchers:
                self._stop()

    def _stop(self) -> None:
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        self.task = None

    async def _listen(self) -> None:
        refreshed = time.monotonic()
        try:
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), GROUP_REFRESH)
                except TimeoutError:
                    message = None
                if message is not None:
                    await self._deliver(message)
                if time.monotonic() - refreshed > GROUP_REFRESH:
                    for group in list(self.watchers):
                        await self.layer.group_add(group, self.channel)
                    refreshed = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception:
            # Events are being lost: close the sockets so that clients reconnect and start
            # again from a snapshot, rather than show a page that silently stopped changing.
            logger.exception("live events: the relay lost the channel layer; closing this process's sockets")
            watchers = {w for members in self.watchers.values() for w in members}
            self.watchers.clear()
            self.task = None
            for watcher in watchers:
                await watcher.relay_failed()

    async def _deliver(self, message: dict[str, Any]) -> None:
        text = json.dumps(message["event"])  # once, not once per socket
        for watcher in list(self.watchers.get(message.get("group", ""), ())):
            try:
                await watcher.forward(text)
            except Exception:  # one broken socket must not starve the others
                logger.warning("live event not forwarded to a closing socket", exc_info=True)


_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Relay] = weakref.WeakKeyDictionary()


def _relay() -> _Relay:
    loop, layer = asyncio.get_running_loop(), get_channel_layer()
    relay = _relays.get(loop)
    if relay is None or relay.layer is not layer:  # tests swap CHANNEL_LAYERS
        relay = _relays[loop] = _Relay(layer)
    return relay


async def watch(groups: list[str], watcher: Watcher) -> None:
    """Start forwarding the events of `groups` to `watcher` (one of this process's sockets)."""
    await _relay().watch(groups, watcher)


async def unwatch(groups: list[str], watcher: Watcher) -> None:
    await _relay().unwatch(groups, watcher)
