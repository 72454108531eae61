"""With Redis, this process's events leave from one publisher thread: in commit order, on a layer instance of its own."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import AsyncIterator

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings

from calls import events

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: the publisher serves cross-process layers only")


def in_own_loop(coroutine):
    """Run a coroutine to its end on a new event loop in a new thread.

    Not pytest-asyncio: these tests use no database, so they run after the browser tests, whose sync
    Playwright keeps an event loop on the main thread for the rest of the session."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)


@contextlib.asynccontextmanager
async def admin_channel() -> AsyncIterator[tuple[RedisChannelLayer, str]]:
    """A channel in the admin group on a layer of the test's own; gone afterwards."""
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    channel = await layer.new_channel()
    await layer.group_add(events.ADMIN_GROUP, channel)
    try:
        yield layer, channel
    finally:
        await layer.group_discard(events.ADMIN_GROUP, channel)
        await layer.close_pools()


async def flushed() -> bool:
    return await asyncio.to_thread(events.flush, 10)


def test_events_arrive_in_the_order_they_were_handed_over():
    handed = [f"ORDER-{n:03d}" for n in range(40)]

    async def scenario() -> list[str]:
        async with admin_channel() as (layer, channel):
            for call_id in handed:
                events._send(1, {"type": "callUpdated", "callId": call_id, "data": {}, "timestamp": "t"})
            assert await flushed()
            received = []
            while len(received) < len(handed):
                message = await asyncio.wait_for(layer.receive(channel), 5)
                if message["event"]["callId"].startswith("ORDER-"):
                    received.append(message["event"]["callId"])
            return received

    assert in_own_loop(scenario()) == handed


def test_the_request_thread_hands_over_and_never_touches_the_sockets_layer(monkeypatch):
    shared = get_channel_layer()
    monkeypatch.setattr(shared, "group_send", lambda *a, **kw: pytest.fail("sent on the layer the sockets' loop receives on"))
    publisher_layer = events._publisher_layer(shared)[1]
    original = publisher_layer.group_send
    senders: list[str] = []

    async def recording(group, message):
        senders.append(threading.current_thread().name)
        return await original(group, message)

    monkeypatch.setattr(publisher_layer, "group_send", recording)

    async def scenario() -> dict:
        async with admin_channel() as (layer, channel):
            events._send(1, {"type": "callStarted", "callId": "HANDED", "caller": "", "receiver": "", "timestamp": "t"})
            assert await flushed()
            return await asyncio.wait_for(layer.receive(channel), 5)

    message = in_own_loop(scenario())
    assert message["event"]["callId"] == "HANDED"
    assert publisher_layer is not shared
    assert senders == ["live-events", "live-events"]  # the store's group and the admin group, from the publisher's thread
