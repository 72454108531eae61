"""/ws/calls/: who may connect, what they receive on connect and afterwards."""
from __future__ import annotations

from datetime import datetime

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from callcenter.asgi import application
from callcenter.models import User
from calls import consumers, services
from calls.models import Call
from store.models import Store
from tests.conftest import client_for

# Seconds to wait for a connect or the snapshot: a loaded machine can take more than Channels' default of 1 s.
WAIT = 5

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def make_call(store, call_id: str, status: str = "in-progress") -> Call:
    return Call.objects.create(store=store, call_id=call_id, status=status, start_time=timezone.now(), caller="+15551230000")


async def connect(user=None, *, path: str | None = None, headers=None, subprotocols=None):
    if path is None:
        path = f"/ws/calls/?token={AccessToken.for_user(user)}" if user else "/ws/calls/"
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN] if headers is None else headers, subprotocols=subprotocols)
    connected, code = await communicator.connect(timeout=WAIT)
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
    snapshot = await communicator.receive_json_from(timeout=WAIT)
    assert snapshot["type"] == "snapshot"
    assert [c["callId"] for c in snapshot["calls"]] == ["LIVE-A"]
    await communicator.disconnect()


async def test_token_as_subprotocol_is_accepted_and_echoed(owner, store):
    token = str(AccessToken.for_user(owner))
    communicator, connected, subprotocol = await connect(path="/ws/calls/", subprotocols=["bearer", token])
    assert connected
    assert subprotocol == "bearer"
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
    await communicator.disconnect()


async def test_owner_receives_own_store_events_and_nothing_of_another_store(owner, store, other_owner, other_store):
    mine, _, _ = await connect(owner)
    theirs, _, _ = await connect(other_owner)
    await mine.receive_json_from(timeout=WAIT)
    await theirs.receive_json_from(timeout=WAIT)

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
    await communicator.receive_json_from(timeout=WAIT)
    await sync_to_async(services.create_call)(store=other_store, fields={"call_id": "EVT-B"})
    event = await communicator.receive_json_from(timeout=2)
    assert (event["type"], event["callId"]) == ("callStarted", "EVT-B")
    await communicator.disconnect()


async def test_agent_receives_updates_of_their_store(agent, store):
    call = await sync_to_async(make_call)(store, "EVT-UPD")
    communicator, _, _ = await connect(agent)
    snapshot = await communicator.receive_json_from(timeout=WAIT)
    assert [c["callId"] for c in snapshot["calls"]] == ["EVT-UPD"]
    await sync_to_async(services.update_call)(call=call, fields={"outcome": "asked for hours"})
    event = await communicator.receive_json_from(timeout=2)
    assert event["type"] == "callUpdated"
    assert event["data"] == {"outcome": "asked for hours"}
    await communicator.disconnect()


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def assert_seed_event(event: dict, kind: str, keys: set[str]) -> None:
    """Seed 000's payload: exactly these keys (and, added beside callId, the call's id and store), and a timestamp with its zone."""
    assert event["type"] == kind
    assert set(event) == {"type", "callId", "id", "store", "timestamp", *keys}
    assert datetime.fromisoformat(event["timestamp"]).tzinfo is not None


async def test_logged_in_browser_session_is_accepted(owner, store):
    cookie = await database_sync_to_async(session_cookie)(owner)
    communicator, connected, _ = await connect(path="/ws/calls/", headers=[ORIGIN, (b"cookie", cookie)])
    assert connected
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
    await communicator.disconnect()


async def test_a_client_without_origin_is_accepted_with_a_token(owner, store):
    # A bot or script (the original bot) sends no Origin: a browser always does.
    communicator, connected, _ = await connect(owner, headers=[])
    assert connected
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
    await communicator.disconnect()


async def test_a_client_without_origin_is_not_let_in_by_a_session_cookie(owner, store):
    cookie = await database_sync_to_async(session_cookie)(owner)
    communicator, connected, code = await connect(path="/ws/calls/", headers=[(b"cookie", cookie)])
    assert (connected, code) == (False, 4401)


async def test_a_front_end_in_cors_allowed_origins_may_connect(owner, store, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dashboard.example.com"]
    allowed, connected, _ = await connect(owner, headers=[(b"origin", b"https://dashboard.example.com")])
    assert connected
    await allowed.disconnect()
    _, refused, _ = await connect(owner, headers=[(b"origin", b"https://other.example.com")])
    assert not refused


@pytest.mark.parametrize("case", ["refresh-token", "inactive-user", "inactive-user-subprotocol", "inactive-user-session", "unknown-session"])
async def test_other_credentials_are_closed_with_4401(owner, store, case):
    subprotocols = None
    if case == "refresh-token":
        refresh = await database_sync_to_async(RefreshToken.for_user)(owner)
        path, headers = f"/ws/calls/?token={refresh}", [ORIGIN]
    elif case.startswith("inactive-user"):
        # A token (or a session) from before the deactivation, which closed no socket: the row alone changed.
        token = AccessToken.for_user(owner)
        cookie = await database_sync_to_async(session_cookie)(owner)
        await database_sync_to_async(User.objects.filter(pk=owner.pk).update)(is_active=False)
        path, headers = f"/ws/calls/?token={token}", [ORIGIN]
        if case == "inactive-user-subprotocol":
            path, subprotocols = "/ws/calls/", ["bearer", str(token)]
        elif case == "inactive-user-session":
            path, headers = "/ws/calls/", [ORIGIN, (b"cookie", cookie)]
    else:
        path, headers = "/ws/calls/", [ORIGIN, (b"cookie", f"{settings.SESSION_COOKIE_NAME}=not-a-session".encode())]
    communicator, connected, code = await connect(path=path, headers=headers, subprotocols=subprotocols)
    assert (connected, code) == (False, 4401)


async def test_signed_in_user_without_a_staff_role_is_closed_with_4403(owner, store):
    await database_sync_to_async(User.objects.filter(pk=owner.pk).update)(role="retired")
    communicator, connected, code = await connect(owner)
    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("who", ["admin_user", "owner", "agent", "other_owner"])
async def test_snapshot_is_what_get_active_returns(who, admin_user, owner, agent, other_owner, store, other_store):
    user = {"admin_user": admin_user, "owner": owner, "agent": agent, "other_owner": other_owner}[who]
    for i, (target, status) in enumerate([(store, "in-progress"), (store, "queued"), (store, "success"), (other_store, "ringing")]):
        await database_sync_to_async(make_call)(target, f"SNAP-{i}", status=status)
    api = await database_sync_to_async(client_for)(user)
    response = await database_sync_to_async(api.get)("/api/calls/active")
    assert response.status_code == 200

    communicator, connected, _ = await connect(user)
    assert connected
    snapshot = await communicator.receive_json_from(timeout=WAIT)
    assert snapshot == {"type": "snapshot", "calls": response.json()["data"]}
    assert snapshot["calls"], "the comparison must not be between two empty lists"
    await communicator.disconnect()


async def test_agent_receives_nothing_of_another_store(agent, store, other_store):
    communicator, _, _ = await connect(agent)
    await communicator.receive_json_from(timeout=WAIT)
    call, _ = await database_sync_to_async(services.create_call)(store=other_store, fields={"call_id": "THEIRS"})
    await database_sync_to_async(services.update_call)(call=call, fields={"outcome": "x"})
    await database_sync_to_async(services.append_transcript)(call=call, entries=services.parse_transcript_text("User: Hi\n"))
    await database_sync_to_async(services.terminate_call)(call=call)
    mine, _ = await database_sync_to_async(services.create_call)(store=store, fields={"call_id": "MINE"})
    # The first event to arrive is the own store's: none of the four before it crossed over.
    event = await communicator.receive_json_from(timeout=2)
    assert (event["type"], event["callId"]) == ("callStarted", "MINE")
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_owner_of_two_stores_receives_both(owner, store):
    second = await database_sync_to_async(Store.objects.create)(name="Second", slug="second", owner=owner, twilio_numbers=[], timezone="UTC")
    communicator, _, _ = await connect(owner)
    await communicator.receive_json_from(timeout=WAIT)
    for target, call_id in ((store, "ONE"), (second, "TWO")):
        await database_sync_to_async(services.create_call)(store=target, fields={"call_id": call_id})
    received = [await communicator.receive_json_from(timeout=2) for _ in range(2)]
    assert sorted(e["callId"] for e in received) == ["ONE", "TWO"]
    await communicator.disconnect()


async def test_every_event_type_reaches_the_socket_with_seed_payload(owner, store):
    communicator, _, _ = await connect(owner)
    await communicator.receive_json_from(timeout=WAIT)

    call, _ = await database_sync_to_async(services.create_call)(store=store, fields={"call_id": "SEED-1", "caller": "+1234567890", "receiver": "+0987654321"})
    started = await communicator.receive_json_from(timeout=2)
    assert_seed_event(started, "callStarted", {"caller", "receiver"})
    assert (started["callId"], started["caller"], started["receiver"]) == ("SEED-1", "+1234567890", "+0987654321")

    await database_sync_to_async(services.update_call)(call=call, fields={"satisfaction": "positive"})
    updated = await communicator.receive_json_from(timeout=2)
    assert_seed_event(updated, "callUpdated", {"data"})
    assert (updated["callId"], updated["data"]) == ("SEED-1", {"satisfaction": "positive"})

    await database_sync_to_async(services.append_transcript)(call=call, entries=services.parse_transcript_text("User: Hello\nBot: Hi!\n"))
    transcript = await communicator.receive_json_from(timeout=2)
    assert_seed_event(transcript, "transcriptUpdated", {"transcript"})
    assert (transcript["callId"], transcript["transcript"]) == ("SEED-1", "User: Hello\nBot: Hi!\n")

    await database_sync_to_async(services.update_call)(call=call, fields={"status": "success"})
    assert (await communicator.receive_json_from(timeout=2))["type"] == "callUpdated"
    terminated = await communicator.receive_json_from(timeout=2)
    assert_seed_event(terminated, "callTerminated", {"status"})
    assert (terminated["callId"], terminated["status"]) == ("SEED-1", "success")
    await communicator.disconnect()


async def test_a_write_that_rolls_back_reaches_no_socket(admin_user, store):
    communicator, _, _ = await connect(admin_user)
    await communicator.receive_json_from(timeout=WAIT)

    def create_then_fail() -> None:
        with transaction.atomic():
            services.create_call(store=store, fields={"call_id": "ROLLED-BACK"})
            raise RuntimeError("the rest of the request failed")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(create_then_fail)()
    assert not await database_sync_to_async(Call.objects.filter(call_id="ROLLED-BACK").exists)()
    assert await communicator.receive_nothing(timeout=0.3)
    # The socket still works: the next committed write arrives.
    await database_sync_to_async(services.create_call)(store=store, fields={"call_id": "COMMITTED"})
    assert (await communicator.receive_json_from(timeout=2))["callId"] == "COMMITTED"
    await communicator.disconnect()


async def test_a_call_started_while_the_socket_connects_follows_the_snapshot(owner, store, monkeypatch):
    read_snapshot = consumers.snapshot_for

    async def snapshot_after_a_new_call(user):
        # The call starts after the socket joined its groups, before the snapshot is read.
        await database_sync_to_async(services.create_call)(store=store, fields={"call_id": "RACE"})
        return await read_snapshot(user)

    monkeypatch.setattr(consumers, "snapshot_for", snapshot_after_a_new_call)
    communicator, connected, _ = await connect(owner)
    assert connected
    snapshot = await communicator.receive_json_from(timeout=WAIT)
    assert (snapshot["type"], [c["callId"] for c in snapshot["calls"]]) == ("snapshot", ["RACE"])
    # Its event was held back until the snapshot went out: never before it, never lost.
    event = await communicator.receive_json_from(timeout=2)
    assert (event["type"], event["callId"]) == ("callStarted", "RACE")
    await communicator.disconnect()
