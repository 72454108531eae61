"""Redis down: writes still succeed (the event is logged as lost), /api/health says the layer is failing."""
from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from calls import events
from calls.models import Call


def redis_layer(port: int) -> dict:
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]}}}


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung Redis, not a stopped one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def lost_events(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "calls.events" and r.getMessage().startswith("live event lost")]


def test_writes_succeed_and_log_lost_events_when_redis_refuses(bot_api, store, settings, closed_port, caplog, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = redis_layer(closed_port)
    caplog.set_level(logging.ERROR, logger="calls.events")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = bot_api.post("/api/calls", {"callId": "NO-REDIS", "caller": "+1234567890"}, format="json")
        appended = bot_api.patch("/api/calls/NO-REDIS/transcript", {"transcript": "User: Hello\n"}, format="json")

    assert (created.status_code, appended.status_code) == (201, 200), (created.content, appended.content)
    assert len(callbacks) == 2, "both events were due after the commit"
    call = Call.objects.get(call_id="NO-REDIS")
    assert call.transcript_entry_count == 1
    assert events.flush(timeout=10), "the publisher gave up on the refused connections"
    lost = lost_events(caplog)
    assert len(lost) == 4, lost  # two events, each to the store's group and the admin group
    assert any(f"callStarted for call NO-REDIS to {events.store_group(store.pk)}" in m for m in lost)
    assert any(f"transcriptUpdated for call NO-REDIS to {events.ADMIN_GROUP}" in m for m in lost)


def test_a_redis_that_never_answers_holds_no_write(bot_api, store, settings, silent_port, caplog, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = redis_layer(silent_port)
    caplog.set_level(logging.ERROR, logger="calls.events")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = bot_api.post("/api/calls", {"callId": "HUNG-REDIS"}, format="json")
    elapsed = time.monotonic() - started

    assert response.status_code == 201, response.content
    assert Call.objects.filter(call_id="HUNG-REDIS").exists()
    # The request hands the event to this process's publisher and answers; it never waits for Redis.
    assert elapsed < 0.5, elapsed
    assert not lost_events(caplog), "nothing is known lost yet"
    # The publisher gives up after SEND_TIMEOUT (redis-py alone would wait its 5 s socket timeout).
    started = time.monotonic()
    assert events.flush(timeout=events.SEND_TIMEOUT + 3)
    assert time.monotonic() - started < events.SEND_TIMEOUT + 1.5
    assert len(lost_events(caplog)) == 2


def test_health_reports_the_channel_layer_failing_when_redis_is_down(api, admin_user, settings, closed_port):
    settings.CHANNEL_LAYERS = redis_layer(closed_port)

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(admin_user)}")  # staff see the error
    response = api.get("/api/health")

    # The database still works, so the app answers (200) but says it is degraded.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "DEGRADED"
    assert body["database"]["status"] == "ok"
    assert body["channelLayer"]["status"] == "failing"
    assert body["channelLayer"]["backend"] == "RedisChannelLayer"
    assert str(closed_port) in body["channelLayer"]["error"]
