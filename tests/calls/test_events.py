"""Live events of the call write path: the right payload, to the right groups, only after the commit."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from calls import events, services
from calls.models import Call

START = datetime(2025, 10, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, dict]]:
    """Every event that leaves for the channel layer, as (store id, message)."""
    recorded: list[tuple[int, dict]] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append((store_id, message)))
    return recorded


def make_call(store, call_id: str = "LIVE-1", **fields) -> Call:
    return Call.objects.create(store=store, call_id=call_id, start_time=fields.pop("start_time", START), **fields)


def assert_recent_timestamp(value: str) -> None:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None
    assert abs(timezone.now() - moment) < timedelta(seconds=30)


def test_create_sends_call_started(bot_api, store, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = bot_api.post("/api/calls", {"callId": "TEST123", "caller": "+1234567890", "receiver": "+0987654321"}, format="json")

    assert response.status_code == 201, response.content
    assert len(sent) == 1
    store_id, message = sent[0]
    assert store_id == store.pk
    assert set(message) == {"type", "callId", "id", "store", "caller", "receiver", "timestamp"}
    assert (message["type"], message["callId"], message["caller"], message["receiver"]) == ("callStarted", "TEST123", "+1234567890", "+0987654321")
    # Beside callId (which two stores may share): the call's row id and its store, as pages key calls.
    assert (message["id"], message["store"]) == (response.json()["data"]["id"], store.slug)
    assert_recent_timestamp(message["timestamp"])


def test_repeated_create_of_the_same_call_id_sends_nothing_more(bot_api, store, sent, django_capture_on_commit_callbacks):
    make_call(store, "TEST123")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = bot_api.post("/api/calls", {"callId": "TEST123"}, format="json")

    assert response.status_code == 200, response.content
    assert (callbacks, sent) == ([], [])


def test_patch_sends_call_updated_with_the_changed_fields(bot_api, store, sent, django_capture_on_commit_callbacks):
    make_call(store)

    with django_capture_on_commit_callbacks(execute=True):
        response = bot_api.patch("/api/calls/LIVE-1", {"outcome": "asked for hours", "satisfaction": "positive"}, format="json")

    assert response.status_code == 200, response.content
    assert [m["type"] for _, m in sent] == ["callUpdated"]
    store_id, message = sent[0]
    assert store_id == store.pk
    assert set(message) == {"type", "callId", "id", "store", "data", "timestamp"}
    assert message["callId"] == "LIVE-1"
    assert message["data"] == {"outcome": "asked for hours", "satisfaction": "positive"}
    assert_recent_timestamp(message["timestamp"])


def test_completing_patch_sends_call_updated_then_call_terminated(bot_api, store, sent, django_capture_on_commit_callbacks):
    make_call(store)

    with django_capture_on_commit_callbacks(execute=True):
        response = bot_api.patch("/api/calls/LIVE-1", {"endTime": "2025-10-05T10:05:00Z", "status": "success"}, format="json")

    assert response.status_code == 200, response.content
    assert [m["type"] for _, m in sent] == ["callUpdated", "callTerminated"]
    updated, terminated = sent[0][1], sent[1][1]
    # Timestamps in the event read as the REST answers give them: UTC, "Z".
    assert updated["data"] == {"endTime": "2025-10-05T10:05:00Z", "status": "success", "duration": 300}
    assert set(terminated) == {"type", "callId", "id", "store", "status", "timestamp"}
    assert (terminated["callId"], terminated["status"]) == ("LIVE-1", "success")
    call_pk = Call.objects.get(call_id="LIVE-1").pk
    assert {(m["id"], m["store"]) for _, m in sent} == {(call_pk, store.slug)}


def test_transcript_append_sends_transcript_updated_with_the_whole_transcript(bot_api, store, sent, django_capture_on_commit_callbacks):
    call = make_call(store)
    services.append_transcript(call=call, entries=[services.EntryIn(speaker="User", text="Hello")])
    sent.clear()  # the set-up append ran inside the test's transaction: its event never left

    with django_capture_on_commit_callbacks(execute=True):
        response = bot_api.patch("/api/calls/LIVE-1/transcript", {"transcript": "Bot: Hi there!\n"}, format="json")

    assert response.status_code == 200, response.content
    assert len(sent) == 1
    store_id, message = sent[0]
    assert store_id == store.pk
    assert set(message) == {"type", "callId", "id", "store", "transcript", "timestamp"}
    assert (message["type"], message["callId"], message["transcript"]) == ("transcriptUpdated", "LIVE-1", "User: Hello\nBot: Hi there!\n")
    assert (message["id"], message["store"]) == (call.pk, store.slug)
    assert_recent_timestamp(message["timestamp"])


def test_terminate_sends_call_terminated(owner_api, store, sent, django_capture_on_commit_callbacks):
    call = make_call(store, start_time=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(f"/api/calls/{call.pk}/terminate")

    assert response.status_code == 200, response.content
    assert len(sent) == 1
    store_id, message = sent[0]
    assert store_id == store.pk
    assert set(message) == {"type", "callId", "id", "store", "status", "timestamp"}
    assert (message["type"], message["callId"], message["status"]) == ("callTerminated", "LIVE-1", "terminated")
    assert (message["id"], message["store"]) == (call.pk, store.slug)
    assert_recent_timestamp(message["timestamp"])


def test_deleting_a_live_call_announces_it_terminated(owner_api, store, sent, django_capture_on_commit_callbacks):
    make_call(store)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete("/api/calls/LIVE-1")

    assert response.status_code == 200, response.content
    assert [(m["type"], m["callId"], m["status"]) for _, m in sent] == [("callTerminated", "LIVE-1", "terminated")]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/calls", {"callId": "NEW", "status": "done"}),
        ("post", "/api/calls", {"callId": "NEW", "startTime": "2025-10-05T10:05:00Z", "endTime": "2025-10-05T10:00:00Z"}),
        ("patch", "/api/calls/ENDED", {"status": "in-progress"}),
        ("patch", "/api/calls/LIVE-1", {"endTime": "2025-10-05T09:00:00Z"}),
        ("patch", "/api/calls/LIVE-1/transcript", {"transcript": ""}),
        ("patch", "/api/calls/LIVE-1/transcript", {"transcript": "User: " + "x" * (services.MAX_APPEND_BYTES + 1)}),
        # PATCH on the call sends the whole transcript: its limit is the 1 MB of a call's transcript.
        ("patch", "/api/calls/LIVE-1", {"status": "success", "transcript": "User: " + "x" * Call.MAX_TRANSCRIPT_CHARS}),
        ("patch", "/api/calls/NOPE", {"status": "success"}),
    ],
    ids=["bad-status", "end-before-start", "ended-to-live", "patch-end-before-start", "empty-append", "append-413", "patch-413", "unknown-call"],
)
def test_failed_request_sends_nothing(bot_api, store, sent, django_capture_on_commit_callbacks, method, path, body):
    make_call(store)
    make_call(store, "ENDED", status="success", end_time=START + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = getattr(bot_api, method)(path, body, format="json")

    assert response.status_code in (400, 404, 413), response.content
    assert callbacks == []
    assert sent == []


def test_terminating_an_ended_call_sends_nothing(owner_api, store, sent, django_capture_on_commit_callbacks):
    make_call(store, status="terminated", end_time=START)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_api.post("/api/calls/LIVE-1/terminate")

    assert response.status_code == 409
    assert (callbacks, sent) == ([], [])


def test_nothing_is_sent_before_the_commit(bot_api, store, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = bot_api.post("/api/calls", {"callId": "TEST123"}, format="json")
        assert response.status_code == 201, response.content
        # The row is written and the answer given, but the transaction has not committed: nothing left yet.
        assert sent == []

    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [(store_id, m["type"], m["callId"]) for store_id, m in sent] == [(store.pk, "callStarted", "TEST123")]


def test_a_transaction_that_rolls_back_sends_nothing(store, sent, django_capture_on_commit_callbacks):
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abort), transaction.atomic():
            services.create_call(store=store, fields={"call_id": "ROLLED-BACK"})
            raise Abort

    assert not Call.objects.filter(call_id="ROLLED-BACK").exists()
    assert (callbacks, sent) == ([], [])


def test_events_reach_the_stores_group_and_the_admin_group_only(bot_api, store, other_store, django_capture_on_commit_callbacks):
    layer = get_channel_layer()

    async def listen() -> dict[str, str]:
        channels = {}
        for name, group in (("store", events.store_group(store.pk)), ("admin", events.ADMIN_GROUP), ("other", events.store_group(other_store.pk))):
            channels[name] = await layer.new_channel()
            await layer.group_add(group, channels[name])
        return channels

    async def receive(channel: str, timeout: float) -> dict | None:
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout)
        except TimeoutError:
            return None

    async def leave(channels: dict[str, str]) -> None:
        for name, group in (("store", events.store_group(store.pk)), ("admin", events.ADMIN_GROUP), ("other", events.store_group(other_store.pk))):
            await layer.group_discard(group, channels[name])

    channels = async_to_sync(listen)()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = bot_api.post("/api/calls", {"callId": "TEST123", "caller": "+1234567890"}, format="json")
        assert response.status_code == 201, response.content

        for name in ("store", "admin"):
            received = async_to_sync(receive)(channels[name], 5)
            assert received is not None, f"nothing reached the {name} group"
            assert received["type"] == "call.event"
            assert (received["event"]["type"], received["event"]["callId"], received["event"]["caller"]) == ("callStarted", "TEST123", "+1234567890")
        assert async_to_sync(receive)(channels["other"], 0.3) is None
    finally:
        async_to_sync(leave)(channels)

