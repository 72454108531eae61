"""Bot API keys: three header forms, hashed storage, revocation, staff-only endpoints, rate limits."""
from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from callcenter import throttles
from callcenter.models import API_KEY_PREFIX, ApiKey
from calls.models import Call
from store.services import create_api_key, revoke_api_key
from tests.conftest import client_for

ERROR_KEYS = {"success", "error", "message", "fields"}


def _headers(form: str, key: str) -> dict[str, str]:
    return {
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {key}"},
        "api-key": {"HTTP_AUTHORIZATION": f"Api-Key {key}"},
        "x-api-key": {"HTTP_X_API_KEY": key},
    }[form]


@pytest.mark.parametrize("form", ["bearer", "api-key", "x-api-key"])
def test_each_header_form_signs_in_as_the_stores_bot(api, store, other_store, bot_key, form):
    response = api.post("/api/calls", {"callId": f"KEY-{form}", "status": "in-progress"}, format="json", **_headers(form, bot_key))

    assert response.status_code == 201, response.content
    assert response.json()["data"]["store"] == store.slug
    call = Call.objects.get(call_id=f"KEY-{form}")
    assert call.store == store
    assert ApiKey.objects.get(store=store).last_used_at is not None


def test_api_key_scheme_is_case_insensitive(api, store, bot_key):
    response = api.post("/api/calls", {"callId": "CASE"}, format="json", HTTP_AUTHORIZATION=f"api-key {bot_key}")

    assert response.status_code == 201


@pytest.mark.parametrize("form", ["bearer", "api-key", "x-api-key"])
def test_revoked_key_is_401_and_writes_nothing(api, store, form):
    key, raw = create_api_key(store=store, name="old bot")
    revoke_api_key(key=key)

    response = api.post("/api/calls", {"callId": "REVOKED"}, format="json", **_headers(form, raw))

    assert response.status_code == 401
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == "authentication_failed"
    assert "revoked" in body["message"]
    assert not Call.objects.exists()


@pytest.mark.parametrize("form", ["bearer", "api-key", "x-api-key"])
def test_unknown_key_is_401(api, store, bot_key, form):
    response = api.post("/api/calls", {"callId": "UNKNOWN"}, format="json", **_headers(form, bot_key + "x"))

    assert response.status_code == 401
    assert response.json()["success"] is False
    assert not Call.objects.exists()


def test_revoking_one_key_leaves_the_other_working(api, store):
    old, old_raw = create_api_key(store=store, name="old")
    _, new_raw = create_api_key(store=store, name="new")
    revoke_api_key(key=old)

    assert api.post("/api/calls", {"callId": "A"}, format="json", HTTP_X_API_KEY=old_raw).status_code == 401
    assert api.post("/api/calls", {"callId": "B"}, format="json", HTTP_X_API_KEY=new_raw).status_code == 201


def test_key_is_stored_hashed_and_never_raw(store):
    key, raw = create_api_key(store=store, name="hash check")
    row = ApiKey.objects.filter(pk=key.pk).values().get()

    assert raw.startswith(API_KEY_PREFIX)
    assert len(raw) > 40
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["prefix"] == raw[:12]
    assert all(raw not in str(value) for value in row.values())
    assert not ApiKey.objects.filter(key_hash=raw).exists()


def test_each_key_is_different(store):
    raws = {create_api_key(store=store, name=f"k{n}")[1] for n in range(5)}

    assert len(raws) == 5
    assert ApiKey.objects.filter(store=store).count() == 5


def test_key_prefix_tells_keys_from_jwts(api, owner, store, bot_key):
    """A Bearer value starting `cck_` is a key, anything else a JWT: each is judged by its own rules."""
    access = api.post("/api/auth/token/", {"username": "olivia", "password": "owner-pass-123"}, format="json").json()["access"]

    as_jwt = APIClient().get("/api/users/profile", HTTP_AUTHORIZATION=f"Bearer {access}")
    bad_key = APIClient().get("/api/users/profile", HTTP_AUTHORIZATION=f"Bearer {API_KEY_PREFIX}not-a-real-key")
    bad_jwt = APIClient().get("/api/users/profile", HTTP_AUTHORIZATION="Bearer eyJhbGciOiJIUzI1NiJ9.e30.x")

    assert as_jwt.status_code == 200
    assert as_jwt.json()["data"]["username"] == "olivia"
    assert bad_key.status_code == 401
    assert bad_key.json()["message"] == "Invalid or revoked API key."
    assert bad_jwt.status_code == 401
    assert bad_jwt.json()["message"] != "Invalid or revoked API key."


def test_bot_key_writes_only_into_its_own_store(api, store, other_store, bot_key, other_bot_key):
    mine = api.post("/api/calls", {"callId": "SAME"}, format="json", HTTP_X_API_KEY=bot_key)
    theirs = api.post("/api/calls", {"callId": "SAME", "store": store.slug}, format="json", HTTP_X_API_KEY=other_bot_key)

    assert mine.status_code == 201 and theirs.status_code == 201
    assert Call.objects.get(store=store, call_id="SAME")
    assert Call.objects.get(store=other_store, call_id="SAME")


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/users"),
        ("post", "/api/users"),
        ("get", "/api/users/profile"),
        ("put", "/api/users/change-password"),
        ("get", "/api/calls"),
        ("get", "/api/calls/stats"),
        ("get", "/api/calls/active"),
        ("get", "/api/calls/analytics"),
        ("get", "/api/calls/export"),
        ("post", "/api/calls/outbound"),
    ],
)
def test_bot_key_cannot_use_staff_endpoints(bot_api, admin_user, method, path):
    response = getattr(bot_api, method)(path, {}, format="json") if method != "get" else bot_api.get(path)

    assert response.status_code == 403, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["success"] is False


def test_bot_key_cannot_read_or_delete_a_call(bot_api, store):
    bot_api.post("/api/calls", {"callId": "MINE"}, format="json")

    assert bot_api.get("/api/calls/MINE").status_code == 403
    assert bot_api.delete("/api/calls/MINE").status_code == 403
    assert Call.objects.filter(call_id="MINE").exists()


def test_bot_key_cannot_manage_users(bot_api, agent):
    assert bot_api.get(f"/api/users/{agent.pk}").status_code == 403
    assert bot_api.delete(f"/api/users/{agent.pk}").status_code == 403
    assert bot_api.post("/api/users", {"username": "sneaky", "password": "Sneaky-pass-123", "role": "admin"}, format="json").status_code == 403
    agent.refresh_from_db()
    assert agent.is_active


def test_bot_rate_limit_is_429_with_retry_after(monkeypatch, store, bot_key):
    monkeypatch.setattr(throttles.BotKeyThrottle, "rate", "2/min", raising=False)
    bot = client_for(key=bot_key)

    statuses = [bot.post("/api/calls", {"callId": f"R{n}"}, format="json").status_code for n in range(3)]

    assert statuses == [201, 201, 429]
    refused = bot.post("/api/calls", {"callId": "R9"}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"] == "throttled"
    assert set(refused.json()) == ERROR_KEYS
    assert Call.objects.count() == 2


def test_bot_rate_limit_is_per_key(monkeypatch, store, bot_key):
    monkeypatch.setattr(throttles.BotKeyThrottle, "rate", "1/min", raising=False)
    _, second = create_api_key(store=store, name="second bot")

    assert client_for(key=bot_key).post("/api/calls", {"callId": "A"}, format="json").status_code == 201
    assert client_for(key=bot_key).post("/api/calls", {"callId": "B"}, format="json").status_code == 429
    assert client_for(key=second).post("/api/calls", {"callId": "C"}, format="json").status_code == 201


def test_anonymous_rate_limit_is_429_with_retry_after(monkeypatch, db):
    monkeypatch.setattr(throttles.AnonThrottle, "rate", "2/min", raising=False)
    client = APIClient(REMOTE_ADDR="10.1.1.1")

    statuses = [client.get("/api/health").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    refused = client.get("/api/health")
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"] == "throttled"
    # Another address has its own allowance.
    assert APIClient(REMOTE_ADDR="10.1.1.2").get("/api/health").status_code == 200


def test_anonymous_rate_limit_does_not_apply_to_bots(monkeypatch, store, bot_key):
    monkeypatch.setattr(throttles.AnonThrottle, "rate", "1/min", raising=False)
    bot = client_for(key=bot_key)

    statuses = [bot.post("/api/calls", {"callId": f"N{n}"}, format="json").status_code for n in range(3)]

    assert statuses == [201, 201, 201]


def test_person_rate_limit_is_429(monkeypatch, owner_api):
    monkeypatch.setattr(throttles.PersonThrottle, "rate", "2/min", raising=False)

    statuses = [owner_api.get("/api/users/profile").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
