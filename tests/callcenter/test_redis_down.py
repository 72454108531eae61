"""Redis down must not take the API down: rate limits and login failures fail open (counted in-process,
logged once per outage), events are dropped with a log line, /api/health says DEGRADED and answers 200."""
from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from callcenter import cache as redis_cache
from callcenter import throttles
from callcenter.settings import redis_caches, redis_channel_layers
from calls import events
from calls.models import Call
from tests.conftest import client_for
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")


@pytest.fixture
def private_redis(tmp_path, settings) -> Iterator[PrivateRedis]:
    """The app's cache and channel layer on a private Redis, as settings.py builds them from REDIS_URL."""
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CACHES, settings.CHANNEL_LAYERS = redis_caches(redis.url), redis_channel_layers(redis.url)
    try:
        yield redis
    finally:
        redis.stop()
        events.flush(timeout=5)


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "callcenter.cache" and "unreachable" in r.getMessage()]


def test_every_bot_write_of_a_burst_answers_2xx_and_is_stored_once_while_redis_stops(
    private_redis, bot_key, store, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0.05)  # ask the stopped Redis again many times during the burst
    caplog.set_level(logging.INFO)
    bot = client_for(key=bot_key)
    statuses: list[tuple[str, int]] = []

    with django_capture_on_commit_callbacks(execute=True):  # the events leave as after a real commit
        for n in range(30):
            if n == 10:
                private_redis.stop()
            call_id = f"BURST-{n:02d}"
            statuses.append(("create", bot.post("/api/calls", {"callId": call_id, "caller": "+15551230000"}, format="json").status_code))
            for line in ("User: Hello\n", "Bot: Hi!\n"):
                statuses.append(("append", bot.patch(f"/api/calls/{call_id}/transcript", {"transcript": line}, format="json").status_code))
            time.sleep(0.01)  # past RETRY_AFTER now and then: Redis is asked again, and fails again

    assert [s for s in statuses if not 200 <= s[1] < 300] == []
    calls = Call.objects.filter(call_id__startswith="BURST-")
    assert calls.count() == 30
    assert sorted(calls.values_list("transcript_entry_count", flat=True)) == [2] * 30
    # One line when the outage began, not one per request.
    assert len(outage_lines(caplog)) == 1, outage_lines(caplog)
    assert events.flush(timeout=30)
    lost = [r for r in caplog.records if r.name == "calls.events" and r.getMessage().startswith("live event lost")]
    assert lost, "the events of the outage are dropped with a log line"


def test_health_and_login_answer_while_redis_is_down(private_redis, api, owner, store):
    assert api.get("/api/health").json()["cache"] == {"status": "ok"}
    private_redis.stop()

    health = api.get("/api/health")
    login = APIClient().post("/api/auth/login/", {"username": "olivia", "password": "owner-pass-123"}, format="json")
    listing = client_for(owner).get("/api/calls")

    assert health.status_code == 200
    assert health.json()["status"] == "DEGRADED"
    assert health.json()["cache"] == {"status": "failing"}
    assert health.json()["database"] == {"status": "ok"}
    assert login.status_code == 200, login.content
    assert listing.status_code == 200


def test_rate_limits_still_count_in_the_process_while_redis_is_down(private_redis, bot_key, store, monkeypatch):
    monkeypatch.setattr(throttles.BotKeyThrottle, "rate", "3/min", raising=False)
    private_redis.stop()
    bot = client_for(key=bot_key)

    statuses = [bot.post("/api/calls", {"callId": f"LIMIT-{n}"}, format="json").status_code for n in range(4)]

    assert statuses == [201, 201, 201, 429]


def test_counting_returns_to_redis_when_it_is_back(private_redis, bot_key, store, caplog, monkeypatch):
    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0.0)
    caplog.set_level(logging.INFO, logger="callcenter.cache")
    bot = client_for(key=bot_key)
    private_redis.stop()
    assert bot.post("/api/calls", {"callId": "DOWN"}, format="json").status_code == 201
    private_redis.start()

    assert bot.post("/api/calls", {"callId": "BACK"}, format="json").status_code == 201

    assert [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()] != []
    from django.core.cache import cache

    assert cache._cache.get_client(write=True).keys("*throttle_bot*"), "the request after the outage counted in Redis"


def test_a_value_written_while_redis_hung_is_not_read_back_older_when_it_answers(private_redis, monkeypatch):
    """A store's data version bumped during the outage: afterwards nobody reads the one from before it."""
    from django.core.cache import cache

    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0.0)
    cache.set("data-version:1", 1, None)
    private_redis.pause()
    try:
        cache.set("data-version:1", 2, None)  # times out (1 s), then written to this process's memory
        assert cache.get("data-version:1") == 2
    finally:
        private_redis.resume()

    assert cache.get("data-version:1") is None  # dropped from Redis: made again on next use, never 1
    cache.set("data-version:1", 3, None)
    assert cache._cache.get_client().get(cache.make_key("data-version:1")) is not None


def test_the_happy_path_is_one_redis_round_trip(private_redis, monkeypatch):
    import redis.connection

    sent: list[int] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(connection, command, *args, **kwargs):
        sent.append(len(command) if isinstance(command, list) else 1)
        return original(connection, command, *args, **kwargs)

    assert throttles.count_hit("k:2", "k:1", 60) == (1, 0)  # the pool's connection is made (its handshake is sent)
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)

    assert throttles.count_hit("k:2", "k:1", 60) == (2, 0)
    assert throttles.count_hit("k:2", "k:1", 60) == (3, 0)

    assert len(sent) == 2  # one write to the socket a request (INCR, EXPIRE and GET pipelined), none added
