"""POST /api/calls: a bot (or a person) logs a call; idempotent on callId within a store."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from callcenter.models import ApiKey
from calls.models import Call, TranscriptEntry
from store.services import revoke_api_key
from tests.conftest import client_for

# Seed 000's three curl examples, verbatim.
SEED_CREATE = {
    "callId": "TEST123",
    "type": "inbound",
    "caller": "+1234567890",
    "receiver": "+0987654321",
    "startTime": "2025-10-05T10:00:00Z",
    "status": "in-progress",
    "language": "mixed",
}
SEED_TRANSCRIPT = {"transcript": "User: Hello\nBot: Hi there!\n"}
SEED_COMPLETE = {"endTime": "2025-10-05T10:05:00Z", "status": "success", "duration": 300}

HEADER_FORMS = {
    "bearer": lambda key: {"HTTP_AUTHORIZATION": f"Bearer {key}"},
    "api-key": lambda key: {"HTTP_AUTHORIZATION": f"Api-Key {key}"},
    "x-api-key": lambda key: {"HTTP_X_API_KEY": key},
}


def bot_client(key: str, form: str = "bearer") -> APIClient:
    client = APIClient()
    client.credentials(**HEADER_FORMS[form](key))
    return client


def assert_validation_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "validation_error"
    assert field in body["fields"], body
    assert body["fields"][field] and all(isinstance(msg, str) and msg for msg in body["fields"][field])
    assert body["message"]


@pytest.mark.parametrize("form", list(HEADER_FORMS))
def test_seed_curl_examples_create_append_and_complete_a_call(store, bot_key, form):
    client = bot_client(bot_key, form)

    created = client.post("/api/calls", SEED_CREATE, format="json")
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert created.json()["success"] is True
    assert data["callId"] == "TEST123"
    assert data["store"] == "main-street"
    assert data["startTime"] == "2025-10-05T10:00:00Z"
    assert data["status"] == "in-progress"

    appended = client.patch("/api/calls/TEST123/transcript", SEED_TRANSCRIPT, format="json")
    assert appended.status_code == 200, appended.content
    assert appended.json()["data"]["transcript"] == "User: Hello\nBot: Hi there!\n"

    completed = client.patch("/api/calls/TEST123", SEED_COMPLETE, format="json")
    assert completed.status_code == 200, completed.content
    assert completed.json()["data"]["status"] == "success"
    assert completed.json()["data"]["endTime"] == "2025-10-05T10:05:00Z"

    call = Call.objects.get()
    assert call.store == store
    assert call.pk == data["id"]
    assert (call.type, call.caller, call.receiver, call.language) == ("inbound", "+1234567890", "+0987654321", "mixed")
    assert call.start_time == datetime(2025, 10, 5, 10, 0, tzinfo=UTC)
    assert call.end_time == datetime(2025, 10, 5, 10, 5, tzinfo=UTC)
    assert (call.status, call.duration, call.transcript_entry_count) == ("success", 300, 2)
    assert [(e.seq, e.speaker, e.text) for e in call.entries.all()] == [(0, "User", "Hello"), (1, "Bot", "Hi there!")]
    assert ApiKey.objects.get().last_used_at is not None


def test_duplicate_call_id_returns_existing_call(bot_api, store):
    first = bot_api.post("/api/calls", {"callId": "DUP-1", "caller": "+15550001111"}, format="json")
    again = bot_api.post("/api/calls", {"callId": "DUP-1", "caller": "+15559999999", "status": "failed"}, format="json")

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    call = Call.objects.get()
    # The second POST answers the existing call; it does not overwrite it.
    assert (call.caller, call.status) == ("+15550001111", "in-progress")
    assert again.json()["data"]["caller"] == "+15550001111"


def test_same_call_id_in_another_store_is_a_separate_call(bot_api, store, other_store, other_bot_key):
    mine = bot_api.post("/api/calls", {"callId": "SHARED-ID"}, format="json")
    theirs = client_for(key=other_bot_key).post("/api/calls", {"callId": "SHARED-ID"}, format="json")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["data"]["id"] != theirs.json()["data"]["id"]
    assert theirs.json()["data"]["store"] == "harbor-deli"
    assert sorted(Call.objects.values_list("store__slug", "call_id")) == [("harbor-deli", "SHARED-ID"), ("main-street", "SHARED-ID")]


def test_bot_key_writes_into_its_own_store_whatever_store_it_names(bot_api, store, other_store):
    response = bot_api.post("/api/calls", {"callId": "NAMES-OTHER", "store": "harbor-deli"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["data"]["store"] == "main-street"
    assert Call.objects.get().store == store
    assert not other_store.calls.exists()


def test_bot_cannot_patch_another_stores_call(bot_api, store, other_store):
    theirs = Call.objects.create(store=other_store, call_id="THEIRS", start_time=datetime(2025, 10, 5, 10, tzinfo=UTC))

    by_call_id = bot_api.patch("/api/calls/THEIRS", {"status": "failed"}, format="json")
    by_pk = bot_api.patch(f"/api/calls/{theirs.pk}", {"status": "failed"}, format="json")
    transcript = bot_api.patch("/api/calls/THEIRS/transcript", {"transcript": "Bot: hijack\n"}, format="json")

    for response in (by_call_id, by_pk, transcript):
        assert response.status_code == 404, response.content
        assert response.json()["message"] == "Call log not found"
    theirs.refresh_from_db()
    assert theirs.status == "in-progress"
    assert not TranscriptEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"callId": "BAD", "status": "done"}, "status"),
        ({"callId": "BAD", "type": "sideways"}, "type"),
        ({"callId": "BAD", "startTime": "yesterday at ten"}, "startTime"),
        ({"callId": "BAD", "startTime": "2025-02-30T10:00:00Z"}, "startTime"),
        ({"callId": "BAD", "startTime": "9999-12-31T23:59:59"}, "startTime"),
        ({"callId": "BAD", "startTime": "0001-01-01T00:00:00Z"}, "startTime"),
        ({"callId": "BAD", "startTime": "2025-10-05T10:05:00Z", "endTime": "2025-10-05T10:00:00Z"}, "endTime"),
        ({"callId": "BAD", "duration": -1}, "duration"),
        ({"callId": "BAD", "satisfaction": "ecstatic"}, "satisfaction"),
        ({"callId": "BAD", "language": "not a language"}, "language"),
        ({"callId": "", "status": "in-progress"}, "callId"),
        ({"status": "in-progress"}, "callId"),
        ({"callId": "calls/1"}, "callId"),
        ({"callId": "call 1"}, "callId"),
        ({"callId": "x" * 65}, "callId"),
        ([{"callId": "BAD"}], "body"),
    ],
    ids=[
        "unknown-status", "unknown-type", "malformed-date", "impossible-date", "year-9999", "year-1", "end-before-start",
        "negative-duration", "unknown-satisfaction", "bad-language", "blank-callid", "missing-callid",
        "callid-with-slash", "callid-with-space", "callid-too-long", "list-body",
    ],
)  # fmt: skip
def test_invalid_call_is_rejected_naming_the_field_and_writes_nothing(bot_api, store, body, field):
    response = bot_api.post("/api/calls", body, format="json")

    assert_validation_error(response, field)
    assert not Call.objects.exists()


def test_json_string_body_is_rejected(bot_api, store):
    response = bot_api.post("/api/calls", json.dumps("TEST123"), content_type="application/json")

    assert_validation_error(response, "body")
    assert not Call.objects.exists()


def test_malformed_json_is_a_400_and_writes_nothing(bot_api, store):
    response = bot_api.post("/api/calls", '{"callId": "X",', content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["success"] is False
    assert not Call.objects.exists()


def test_naive_start_time_is_read_in_the_stores_time_zone(bot_api, store, other_store, other_bot_key):
    new_york = bot_api.post("/api/calls", {"callId": "NAIVE-NY", "startTime": "2025-10-05T10:00:00"}, format="json")
    london = client_for(key=other_bot_key).post("/api/calls", {"callId": "NAIVE-LDN", "startTime": "2025-10-05T10:00:00"}, format="json")

    assert new_york.status_code == 201, new_york.content
    assert london.status_code == 201, london.content
    # America/New_York is UTC-4 in October, Europe/London UTC+1.
    assert Call.objects.get(call_id="NAIVE-NY").start_time == datetime(2025, 10, 5, 14, 0, tzinfo=UTC)
    assert Call.objects.get(call_id="NAIVE-LDN").start_time == datetime(2025, 10, 5, 9, 0, tzinfo=UTC)
    assert new_york.json()["data"]["startTime"] == "2025-10-05T14:00:00Z"


def test_start_time_with_an_offset_keeps_its_offset(bot_api, store):
    response = bot_api.post("/api/calls", {"callId": "OFFSET", "startTime": "2025-10-05T10:00:00+05:30"}, format="json")

    assert response.status_code == 201, response.content
    assert Call.objects.get().start_time == datetime(2025, 10, 5, 4, 30, tzinfo=UTC)


def test_duration_is_derived_from_start_and_end_when_not_given(bot_api, store):
    response = bot_api.post(
        "/api/calls",
        {"callId": "DERIVED", "startTime": "2025-10-05T10:00:00Z", "endTime": "2025-10-05T10:05:30Z", "status": "success"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["data"]["duration"] == 330
    assert Call.objects.get().duration == 330


def test_duration_given_by_the_bot_wins_over_the_derived_one(bot_api, store):
    response = bot_api.post(
        "/api/calls",
        {"callId": "GIVEN", "startTime": "2025-10-05T10:00:00Z", "endTime": "2025-10-05T10:05:00Z", "duration": 280},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Call.objects.get().duration == 280


def test_create_with_transcript_and_metadata_stores_both(bot_api, store):
    response = bot_api.post(
        "/api/calls",
        {
            "callId": "FULL",
            "transcript": "User: Is the deli open?\nBot: Until 9 pm.\n",
            "metadata": {"userAgent": "bot/1.0", "deviceType": "phone", "campaign": "fall"},
            "interruptionCount": 2,
            "satisfaction": "positive",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert call.metadata == {"userAgent": "bot/1.0", "deviceType": "phone", "campaign": "fall"}
    assert (call.interruption_count, call.satisfaction, call.transcript_entry_count) == (2, "positive", 2)
    assert [(e.speaker, e.text) for e in call.entries.all()] == [("User", "Is the deli open?"), ("Bot", "Until 9 pm.")]


@pytest.mark.parametrize("form", list(HEADER_FORMS))
def test_revoked_key_is_refused_with_401(store, bot_key, form):
    revoke_api_key(key=ApiKey.objects.get())

    response = bot_client(bot_key, form).post("/api/calls", {"callId": "REVOKED"}, format="json")

    assert response.status_code == 401, response.content
    assert response.json()["success"] is False
    assert not Call.objects.exists()


def test_unknown_key_is_refused_with_401(store):
    response = bot_client("cck_not-a-real-key").post("/api/calls", {"callId": "NOKEY"}, format="json")

    assert response.status_code == 401, response.content
    assert not Call.objects.exists()


def test_anonymous_post_is_refused(api, store):
    response = api.post("/api/calls", {"callId": "ANON"}, format="json")

    assert response.status_code == 401, response.content
    assert not Call.objects.exists()


@pytest.mark.parametrize("who", ["agent_api", "owner_api"])
def test_staff_post_logs_the_call_in_their_store(request, store, other_store, who):
    client = request.getfixturevalue(who)

    response = client.post("/api/calls", {"callId": f"STAFF-{who}", "caller": "+15550001111"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["data"]["store"] == "main-street"
    assert Call.objects.get().store == store


def test_admin_with_several_stores_must_name_the_store(admin_api, store, other_store):
    response = admin_api.post("/api/calls", {"callId": "ADMIN-1"}, format="json")

    assert_validation_error(response, "store")
    assert not Call.objects.exists()


def test_admin_naming_a_store_logs_the_call_there(admin_api, store, other_store):
    response = admin_api.post("/api/calls", {"callId": "ADMIN-1", "store": "harbor-deli"}, format="json")

    assert response.status_code == 201, response.content
    assert Call.objects.get().store == other_store


def test_owner_cannot_log_a_call_in_another_owners_store(owner_api, store, other_store):
    response = owner_api.post("/api/calls", {"callId": "SNEAKY", "store": "harbor-deli"}, format="json")

    assert response.status_code == 404, response.content
    assert not Call.objects.exists()
