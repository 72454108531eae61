"""Live events: the one module that knows group names, sends call events and relays them to sockets.

Services call `publish_*` inside their transaction; the message leaves only after the
commit (`transaction.on_commit`), and a channel layer that is down loses the event
(logged) rather than failing the request that caused it. With Redis the request does not
wait for the send: this process's publisher thread sends its events in commit order.

On the receiving side each server process listens once (`watch`): one channel in each group
that a local socket watches, fanned out in-process, so an event costs one channel-layer read
per process instead of one per socket (see bench/ws_fanout.py).
"""
from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import threading
import time
import uuid
import weakref
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

ADMIN_GROUP = "calls.all"
# Not an event: tells every process to close this user's sockets (their access changed).
REVOKED = "user.revoked"
# A Redis that accepts connections but never answers would otherwise hold each event for
# redis-py's 5 s socket timeout, and every event behind it.
SEND_TIMEOUT = 1.0


def store_group(store_id: int) -> str:
    return f"calls.store.{store_id}"


def user_group(user_id: int) -> str:
    """Every socket of one person, in every process: where `close_user_sockets` reaches them."""
    return f"calls.user.{user_id}"


def _now() -> str:
    return timezone.now().isoformat()


class _Publisher:
    """This process's sender for a cross-process layer (Redis): one event loop in a daemon thread
    with a channel-layer instance of its own, sending the events in the order they were committed.

    The request that committed only hands the event over: it does not wait for Redis. Before,
    `async_to_sync` from a thread with no loop (a WSGI worker, a management command, the voice
    benchmark) made a new event loop, and with it a new Redis connection, for every event: about
    a third of a voice turn. The layer instance is not the one `get_channel_layer()` gives the
    sockets' loop to receive on: a layer's locks and pools belong to one loop (sharing it made test
    runs fail with "bound to a different event loop" and hang at a loop's teardown).
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue[tuple[Any, tuple[str, ...], dict[str, Any]]] = asyncio.Queue(QUEUE_LIMIT)
        self.configured: Any = None  # the shared layer whose settings `layer` was made from
        self.layer: Any = None
        threading.Thread(target=self._run, name="live-events", daemon=True).start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.create_task(self._drain())
        self.loop.run_forever()

    def layer_for(self, shared: Any) -> Any:
        if shared is not self.configured:  # first use, or the settings changed (tests swap CHANNEL_LAYERS)
            self.layer, self.configured = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER), shared
        return self.layer

    def submit(self, layer: Any, groups: tuple[str, ...], message: dict[str, Any]) -> None:
        self.loop.call_soon_threadsafe(self._enqueue, (layer, groups, message))

    def _enqueue(self, item: tuple[Any, tuple[str, ...], dict[str, Any]]) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull as full:  # the layer has been failing for a while: drop, not grow without end
            _, groups, message = item
            _log_lost(message, groups, [full] * len(groups))

    async def _drain(self) -> None:
        while True:
            layer, groups, message = await self.queue.get()
            try:
                _log_lost(message, groups, await _send_all(layer, groups, message))
            except Exception:
                logger.exception("live events: publishing failed")
            finally:
                self.queue.task_done()

    def flush(self, timeout: float) -> bool:
        """Wait until every event handed over so far has been sent (or found lost); False on timeout."""
        try:
            asyncio.run_coroutine_threadsafe(asyncio.wait_for(self.queue.join(), timeout), self.loop).result(timeout + 1)
            return True
        except Exception:
            return False


# Events waiting for the layer in one process, at most (while it fails, each send takes up to
# SEND_TIMEOUT); beyond that they are lost, and logged.
QUEUE_LIMIT = 10_000
_publisher: _Publisher | None = None
_publisher_lock = threading.Lock()


def _publisher_layer(shared: Any) -> tuple[_Publisher, Any]:
    """This process's publisher and its layer for the settings `shared` was made from."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher.pid != os.getpid():  # a forked worker gets its own thread
            _publisher = _Publisher()
        return _publisher, _publisher.layer_for(shared)


def flush(timeout: float = 5.0) -> bool:
    """Wait until this process's events have left (tests; a command's exit). True when none is pending."""
    publisher = _publisher
    if publisher is None or publisher.pid != os.getpid():
        return True
    return publisher.flush(timeout)


atexit.register(flush, 2.0)  # a management command's last events (simulate_call in-process) still leave


def _groups(store_id: int) -> tuple[str, str]:
    return (store_group(store_id), ADMIN_GROUP)


async def _send_all(layer: Any, groups: tuple[str, ...], message: dict[str, Any]) -> list[Any]:
    """Send a layer message (`call.event` or `REVOKED`) to each group, tagged with the group it went to."""
    sends = (layer.group_send(group, {**message, "group": group}) for group in groups)
    try:
        return await asyncio.wait_for(asyncio.gather(*sends, return_exceptions=True), SEND_TIMEOUT)
    except Exception as exc:  # timed out: nothing is known to have left
        return [exc] * len(groups)


def _log_lost(message: dict[str, Any], groups: tuple[str, ...], results: list[Any]) -> None:
    for group, result in zip(groups, results):
        # The write already committed; a lost event must not fail it.
        if not isinstance(result, BaseException):
            continue
        if message["type"] == REVOKED:
            # The sockets stay open until the relay notices the layer failing (it then closes them all).
            logger.error("live events: closing the sockets of %s lost: %r", group, result)
        else:
            event = message["event"]
            logger.error("live event lost: %s for call %s to %s: %r", event.get("type"), event.get("callId"), group, result)


def _send_to(groups: tuple[str, ...], message: dict[str, Any]) -> None:
    """Hand a layer message to the channel layer for these groups (after the commit)."""
    shared = get_channel_layer()
    if shared is None:
        return
    if isinstance(shared, InMemoryChannelLayer):
        # One process's memory: only the very instance the sockets read from reaches them.
        try:
            results = async_to_sync(_send_all)(shared, groups, message)
        except Exception as exc:
            results = [exc] * len(groups)
        _log_lost(message, groups, results)
        return
    publisher, layer = _publisher_layer(shared)
    publisher.submit(layer, groups, message)


def _send(store_id: int, message: dict[str, Any]) -> None:
    _send_to(_groups(store_id), {"type": "call.event", "event": message})


def _publish(store_id: int, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(store_id, message), robust=True)


def close_user_sockets(user_id: int) -> None:
    """After the commit, close every live-events socket of this person in every process (code 4401).

    Sockets are authorised at connect; call this whenever what a person may see changes (role,
    stores, active flag, password, deletion). Sent through the same publisher as the events, so an
    event committed after the change reaches this process's relay after the close."""
    transaction.on_commit(lambda: _send_to((user_group(user_id),), {"type": REVOKED}), robust=True)


# Every call event names its call three ways: `callId` (the bot's or Twilio's id, which the original
# clients read; two stores may share one), `id` (the call's row: what a page keys a call by) and `store`
# (the store's slug). `id` and `store` were added beside `callId`; nothing was renamed.
def publish_call_started(*, store_id: int, call_id: str, caller: str, receiver: str, pk: int, store: str) -> None:
    _publish(store_id, {"type": "callStarted", "callId": call_id, "id": pk, "store": store, "caller": caller, "receiver": receiver, "timestamp": _now()})


def publish_call_updated(*, store_id: int, call_id: str, data: dict[str, Any], pk: int, store: str) -> None:
    _publish(store_id, {"type": "callUpdated", "callId": call_id, "id": pk, "store": store, "data": data, "timestamp": _now()})


def publish_transcript_updated(*, store_id: int, call_id: str, transcript: str, pk: int, store: str) -> None:
    _publish(store_id, {"type": "transcriptUpdated", "callId": call_id, "id": pk, "store": store, "transcript": transcript, "timestamp": _now()})


def publish_call_terminated(*, store_id: int, call_id: str, status: str, pk: int, store: str) -> None:
    _publish(store_id, {"type": "callTerminated", "callId": call_id, "id": pk, "store": store, "status": status, "timestamp": _now()})


def publish_callback_created(*, store_id: int, store_slug: str, callback_id: int, customer_id: int, customer_phone: str, customer_name: str, scheduled_at: str, reason: str) -> None:
    """A callback was scheduled (by the voice agent or through the API): the store's callbacks page adds it."""
    _publish(
        store_id,
        {
            "type": "callbackCreated", "id": callback_id, "store": store_slug, "customer": customer_id,
            "customerPhone": customer_phone, "customerName": customer_name, "scheduledAt": scheduled_at, "reason": reason,
            "timestamp": _now(),
        },
    )  # fmt: skip


class Watcher(Protocol):
    """A local socket: gets each event of its groups as JSON text, is told its access was revoked
    (a `REVOKED` message to its user group), or that the relay failed."""

    async def forward(self, text: str) -> None: ...

    async def revoked(self) -> None: ...

    async def relay_failed(self) -> None: ...


# channels-redis keeps a group member for a day (`group_expiry`): the relay joins again well before.
GROUP_REFRESH = 3600.0
# How often a relay on Redis checks that its group memberships still deliver: it sends a probe to a
# group of its own and expects it back within two periods. A Redis that restarted (or was flushed)
# has forgotten every membership while redis-py's retries reconnect the relay's read silently:
# sockets stayed open and heard nothing again (143 of 185 calls never reached an open dashboard).
PROBE_EVERY = 5.0
PROBE = "relay.probe"


class RelayLost(Exception):
    """The relay's channel no longer gets what its groups are sent."""


class _Relay:
    """One process's (one event loop's) listener: one channel in every watched group."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel = ""
        self.watchers: dict[str, set[Watcher]] = {}
        self.lock = asyncio.Lock()
        self.task: asyncio.Task | None = None
        self.prober: asyncio.Task | None = None
        self.probe_group = ""
        self.probes_back = 0

    async def watch(self, groups: list[str], watcher: Watcher) -> None:
        async with self.lock:
            if self.task is None:
                self.channel = await self.layer.new_channel()
                self.task = asyncio.create_task(self._listen())
                if not isinstance(self.layer, InMemoryChannelLayer):  # one process's memory forgets nothing
                    self.probe_group, self.probes_back = f"calls.relay.{uuid.uuid4().hex}", 0
                    self.prober = asyncio.create_task(self._probe())
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
        for task in (self.task, self.prober):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self.task = self.prober = None

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
                    for group in [*self.watchers, *filter(None, [self.probe_group])]:
                        await self.layer.group_add(group, self.channel)
                    refreshed = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._lost(exc)

    async def _probe(self) -> None:
        try:
            await self.layer.group_add(self.probe_group, self.channel)
            sent = 0
            while True:
                sent += 1
                await asyncio.wait_for(self.layer.group_send(self.probe_group, {"type": PROBE, "group": self.probe_group}), SEND_TIMEOUT)
                await asyncio.sleep(PROBE_EVERY)
                # Two probes out: one may wait behind a burst of events, not for two periods.
                if sent - self.probes_back >= 2:
                    raise RelayLost(f"probes sent to {self.probe_group} did not come back: Redis forgot the relay's groups (restarted?)")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._lost(exc)

    async def _lost(self, exc: BaseException) -> None:
        # Events are being lost: close the sockets so that clients reconnect and start again from a
        # snapshot (and are authorised again), rather than show a page that silently stopped changing.
        # The next socket starts a new channel and joins its groups afresh.
        logger.error("live events: the relay lost the channel layer (%s: %s); closing this process's sockets", type(exc).__name__, exc)
        watchers = {w for members in self.watchers.values() for w in members}
        self.watchers.clear()
        self._stop()
        for watcher in watchers:
            try:
                await watcher.relay_failed()
            except Exception:
                logger.warning("live events: closing a socket failed", exc_info=True)

    async def _deliver(self, message: dict[str, Any]) -> None:
        if message.get("type") == PROBE:
            self.probes_back += message.get("group") == self.probe_group
            return
        watchers = list(self.watchers.get(message.get("group", ""), ()))
        if message.get("type") == REVOKED:
            await self._revoke(watchers)
            return
        text = json.dumps(message["event"])  # once, not once per socket
        for watcher in watchers:
            try:
                await watcher.forward(text)
            except Exception:  # one broken socket must not starve the others
                logger.warning("live event not forwarded to a closing socket", exc_info=True)

    async def _revoke(self, watchers: list[Watcher]) -> None:
        # Out of every group first, before anything else is awaited: not one more event reaches them.
        for members in self.watchers.values():
            members.difference_update(watchers)
        for watcher in watchers:
            try:
                await watcher.revoked()
            except Exception:
                logger.warning("live events: closing a revoked socket failed", exc_info=True)


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
