"""The per-process relay: one channel-layer membership per group, whatever the number of local sockets."""
from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.asgi import application
from calls import events

# Seconds to wait for a connect or the snapshot: a loaded machine can take more than Channels' default of 1 s.
WAIT = 5

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def dashboard(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/calls/?token={AccessToken.for_user(user)}", headers=[ORIGIN])
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
    return communicator


def members(group: str) -> set[str]:
    layer = get_channel_layer()
    return set(layer.groups.get(group, {})) if hasattr(layer, "groups") else set()


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def test_many_local_sockets_share_one_membership_and_leave_it_with_the_last(in_memory_layer, owner, store, agent):
    group = events.store_group(store.pk)
    sockets = [await dashboard(owner) for _ in range(3)] + [await dashboard(agent)]
    try:
        assert len(members(group)) == 1
        await get_channel_layer().group_send(group, {"type": "call.event", "group": group, "event": {"type": "callStarted", "callId": "ONE"}})
        for socket in sockets:
            assert (await socket.receive_json_from(timeout=2)) == {"type": "callStarted", "callId": "ONE"}
    finally:
        for socket in sockets:
            await socket.disconnect()
    assert members(group) == set()


async def test_an_event_of_a_group_reaches_only_that_groups_sockets(in_memory_layer, admin_user, owner, store, other_owner, other_store):
    admin, mine, theirs = await dashboard(admin_user), await dashboard(owner), await dashboard(other_owner)
    try:
        # The relay sits in the store's group and the admin group: an event sent to both
        # reaches the owner once and the admin once, and the other store's owner never.
        for group in (events.store_group(store.pk), events.ADMIN_GROUP):
            await get_channel_layer().group_send(group, {"type": "call.event", "group": group, "event": {"type": "callStarted", "callId": "X"}})
        assert (await mine.receive_json_from(timeout=2))["callId"] == "X"
        assert (await admin.receive_json_from(timeout=2))["callId"] == "X"
        assert await mine.receive_nothing(timeout=0.2)
        assert await admin.receive_nothing(timeout=0.1)
        assert await theirs.receive_nothing(timeout=0.1)
    finally:
        for socket in (admin, mine, theirs):
            await socket.disconnect()


async def test_a_relay_that_loses_the_layer_closes_its_sockets_so_clients_resync(in_memory_layer, owner, store, monkeypatch):
    socket = await dashboard(owner)
    layer = get_channel_layer()

    async def broken_receive(channel: str) -> dict:
        raise ConnectionError("redis went away")

    monkeypatch.setattr(layer, "receive", broken_receive)
    # Wake the relay: its pending receive finishes, the next one fails.
    group = events.store_group(store.pk)
    await layer.group_send(group, {"type": "call.event", "group": group, "event": {"type": "callStarted", "callId": "LAST"}})

    assert (await socket.receive_json_from(timeout=2))["callId"] == "LAST"
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 1011}
    await socket.disconnect()
