"""A dashboard socket kept open while Redis stops and comes back: it hears events again (or is closed to resync)."""
from __future__ import annotations

import asyncio
import shutil

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.asgi import application
from callcenter.settings import redis_channel_layers
from calls import events, services
from tests.private_redis import PrivateRedis

pytestmark = [
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary"),
    pytest.mark.django_db(transaction=True),
]
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture
def private_redis(tmp_path, settings):
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CHANNEL_LAYERS = redis_channel_layers(redis.url)  # as settings.py builds it from REDIS_URL
    try:
        yield redis
    finally:
        redis.stop()
        events.flush(timeout=5)


async def dashboard(user) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/calls/?token={AccessToken.for_user(user)}", headers=[ORIGIN])
    assert (await socket.connect(timeout=5))[0]
    assert (await socket.receive_json_from(timeout=5))["type"] == "snapshot"
    return socket


async def heard(socket: WebsocketCommunicator, store, prefix: str, count: int) -> list[str]:
    """Log `count` calls and return the ids of those whose callStarted reached the socket."""
    for n in range(count):
        await database_sync_to_async(services.create_call)(store=store, fields={"call_id": f"{prefix}-{n}"})
    received = []
    try:
        while len(received) < count:
            event = await socket.receive_json_from(timeout=3)
            received.append(event["callId"])
    except asyncio.TimeoutError:
        pass
    return received


async def test_a_redis_that_forgot_the_groups_closes_the_kept_open_socket_and_a_new_one_hears_again(private_redis, owner, store, monkeypatch):
    """A restart that redis-py's retries hide from the relay's read: memberships gone, connection fine."""
    monkeypatch.setattr(events, "PROBE_EVERY", 0.2, raising=False)
    socket = await dashboard(owner)
    assert await heard(socket, store, "BEFORE", 1) == ["BEFORE-0"]

    await asyncio.to_thread(private_redis.flush)
    await database_sync_to_async(services.create_call)(store=store, fields={"call_id": "UNHEARD"})

    # Closed so that the page reconnects and re-reads the snapshot (it has missed UNHEARD).
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 1011}
    await socket.disconnect()
    again = await dashboard(owner)
    assert await heard(again, store, "AFTER", 5) == [f"AFTER-{n}" for n in range(5)]
    await again.disconnect()


async def test_a_socket_kept_open_while_redis_restarts_is_closed_and_the_next_hears_every_event(private_redis, owner, store, monkeypatch):
    monkeypatch.setattr(events, "PROBE_EVERY", 0.5, raising=False)
    socket = await dashboard(owner)

    private_redis.stop()
    await asyncio.sleep(1)
    private_redis.start()

    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 1011}
    await socket.disconnect()
    again = await dashboard(owner)
    assert await heard(again, store, "BACK", 10) == [f"BACK-{n}" for n in range(10)]
    await again.disconnect()
