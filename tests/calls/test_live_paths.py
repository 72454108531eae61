"""Every write path that exists today, driven over HTTP, reaches a dashboard's socket after the commit."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.asgi import application
from calls.models import Call
from tests.calls.test_outbound import NEW_SID, twilio_http  # noqa: F401  (the fixture)

# Seconds to wait for a connect or the snapshot: a loaded machine can take more than Channels' default of 1 s.
WAIT = 5

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def http(method: str, path: str, *, auth: str, body: dict | None = None) -> tuple[int, dict]:
    """One request through the whole Django stack, committed for real (the test is transactional)."""
    # Django's ASGI handler opens a connection per request context that it never closes
    # (PITFALLS: "Django under ASGI"); the test client in a closing thread leaves none behind.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {auth}")
    response = await database_sync_to_async(getattr(client, method.lower()))(path, body, format="json")
    return response.status_code, response.json()


async def dashboard(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/calls/?token={AccessToken.for_user(user)}", headers=[ORIGIN])
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
    return communicator


async def test_a_bot_driven_call_reaches_the_owners_dashboard_as_it_happens(owner, store, other_owner, other_store, bot_key):
    mine, theirs = await dashboard(owner), await dashboard(other_owner)
    jwt = str(AccessToken.for_user(owner))
    try:
        status, _ = await http("POST", "/api/calls", auth=bot_key, body={"callId": "PATH-1", "caller": "+1234567890", "receiver": "+0987654321"})
        assert status == 201
        event = await mine.receive_json_from(timeout=2)
        assert (event["type"], event["callId"], event["caller"], event["receiver"]) == ("callStarted", "PATH-1", "+1234567890", "+0987654321")

        status, _ = await http("PATCH", "/api/calls/PATH-1/transcript", auth=bot_key, body={"transcript": "User: Hello\n"})
        assert status == 200
        event = await mine.receive_json_from(timeout=2)
        assert (event["type"], event["transcript"]) == ("transcriptUpdated", "User: Hello\n")

        status, _ = await http("PATCH", "/api/calls/PATH-1", auth=bot_key, body={"outcome": "asked for hours"})
        assert status == 200
        event = await mine.receive_json_from(timeout=2)
        assert (event["type"], event["data"]) == ("callUpdated", {"outcome": "asked for hours"})

        status, _ = await http("POST", "/api/calls/PATH-1/terminate", auth=jwt)
        assert status == 200
        event = await mine.receive_json_from(timeout=2)
        assert (event["type"], event["callId"], event["status"]) == ("callTerminated", "PATH-1", "terminated")
        assert await database_sync_to_async(Call.objects.filter(call_id="PATH-1", status="terminated").exists)()

        assert await theirs.receive_nothing(timeout=0.2)
    finally:
        await mine.disconnect()
        await theirs.disconnect()


async def test_deleting_a_live_call_over_http_tells_the_dashboard(owner, store, bot_key):
    status, _ = await http("POST", "/api/calls", auth=bot_key, body={"callId": "GONE"})
    assert status == 201
    socket = await dashboard(owner)
    try:
        status, _ = await http("DELETE", "/api/calls/GONE", auth=str(AccessToken.for_user(owner)))
        assert status == 200
        event = await socket.receive_json_from(timeout=2)
        assert (event["type"], event["callId"], event["status"]) == ("callTerminated", "GONE", "terminated")
        assert not await database_sync_to_async(Call.objects.filter(call_id="GONE").exists)()
    finally:
        await socket.disconnect()


async def test_an_outbound_call_placed_from_the_api_appears_on_the_dashboard(admin_user, owner, store, twilio_http):  # noqa: F811
    socket = await dashboard(admin_user)
    try:
        status, body = await http("POST", "/api/calls/outbound", auth=str(AccessToken.for_user(owner)), body={"to": "+12125551234"})
        assert status == 201, body
        assert len(twilio_http.requests) == 1
        event = await socket.receive_json_from(timeout=2)
        assert (event["type"], event["callId"], event["caller"], event["receiver"]) == ("callStarted", NEW_SID, "+15005550006", "+12125551234")
    finally:
        await socket.disconnect()

