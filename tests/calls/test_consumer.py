"""/ws/calls/: who may connect, what they receive on connect and afterwards."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.asgi import application
from calls import services
from calls.models import Call

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def make_call(store, call_id: str, status: str = "in-progress") -> Call:
    return Call.objects.create(store=store, call_id=call_id, status=status, start_time=timezone.now(), caller="+15551230000")


async def connect(user=None, *, path: str | None = None, headers=None, subprotocols=None):
    if path is None:
        path = f"/ws/calls/?token={AccessToken.for_user(user)}" if user else "/ws/calls/"
    communicator = WebsocketCommunicator(application, path, headers=headers or [ORIGIN], subprotocols=subprotocols)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_anonymous_socket_is_closed_with_4401():
    communicator, connected, code = await connect()
    assert not connected
    assert code == 4401


async def test_invalid_token_is_refused():
    communicator, connected, code = await connect(path="/ws/calls/?token=not-a-jwt")
    assert (connected, code) == (False, 4401)


async def test_foreign_origin_is_refused(owner, store):
    communicator, connected, _ = await connect(owner, headers=[(b"origin", b"http://evil.example")])
    assert not connected


async def test_snapshot_lists_only_the_users_live_calls(owner, store, other_store):
    await sync_to_async(make_call)(store, "LIVE-A")
    await sync_to_async(make_call)(store, "DONE-A", status="success")
    await sync_to_async(make_call)(other_store, "LIVE-B")
    communicator, connected, _ = await connect(owner)
    assert connected
    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert [c["callId"] for c in snapshot["calls"]] == ["LIVE-A"]
    await communicator.disconnect()


async def test_token_as_subprotocol_is_accepted_and_echoed(owner, store):
    token = str(AccessToken.for_user(owner))
    communicator, connected, subprotocol = await connect(path="/ws/calls/", subprotocols=["bearer", token])
    assert connected
    assert subprotocol == "bearer"
    assert (await communicator.receive_json_from())["type"] == "snapshot"
    await communicator.disconnect()


async def test_owner_receives_own_store_events_and_nothing_of_another_store(owner, store, other_owner, other_store):
    mine, _, _ = await connect(owner)
    theirs, _, _ = await connect(other_owner)
    await mine.receive_json_from()
    await theirs.receive_json_from()

    call, _ = await sync_to_async(services.create_call)(store=store, fields={"call_id": "EVT-1", "caller": "+15550001111", "receiver": "+15005550006"})
    event = await mine.receive_json_from(timeout=2)
    assert event["type"] == "callStarted"
    assert (event["callId"], event["caller"], event["receiver"]) == ("EVT-1", "+15550001111", "+15005550006")
    await sync_to_async(services.append_transcript)(call=call, entries=services.parse_transcript_text("User: Hello\n"))
    event = await mine.receive_json_from(timeout=2)
    assert event["type"] == "transcriptUpdated"
    assert event["transcript"] == "User: Hello\n"
    await sync_to_async(services.terminate_call)(call=call)
    event = await mine.receive_json_from(timeout=2)
    assert (event["type"], event["status"]) == ("callTerminated", "terminated")

    assert await theirs.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await theirs.disconnect()


async def test_admin_receives_every_stores_events(admin_user, store, other_store):
    communicator, _, _ = await connect(admin_user)
    await communicator.receive_json_from()
    await sync_to_async(services.create_call)(store=other_store, fields={"call_id": "EVT-B"})
    event = await communicator.receive_json_from(timeout=2)
    assert (event["type"], event["callId"]) == ("callStarted", "EVT-B")
    await communicator.disconnect()


async def test_agent_receives_updates_of_their_store(agent, store):
    call = await sync_to_async(make_call)(store, "EVT-UPD")
    communicator, _, _ = await connect(agent)
    snapshot = await communicator.receive_json_from()
    assert [c["callId"] for c in snapshot["calls"]] == ["EVT-UPD"]
    await sync_to_async(services.update_call)(call=call, fields={"outcome": "asked for hours"})
    event = await communicator.receive_json_from(timeout=2)
    assert event["type"] == "callUpdated"
    assert event["data"] == {"outcome": "asked for hours"}
    await communicator.disconnect()
