"""PATCH /api/calls/<id or callId>: update any field; a finished call never goes back to live."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from calls.models import Call, TranscriptEntry

START = datetime(2025, 10, 5, 10, 0, tzinfo=UTC)


def make_call(store, call_id: str = "LIVE-1", **fields) -> Call:
    return Call.objects.create(store=store, call_id=call_id, start_time=fields.pop("start_time", START), **fields)


def assert_validation_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["success"], body["error"]) == (False, "validation_error")
    assert body["fields"].get(field), body


def test_patch_by_database_id_completes_the_call(bot_api, store):
    call = make_call(store)

    response = bot_api.patch(
        f"/api/calls/{call.pk}", {"endTime": "2025-10-05T10:05:00Z", "status": "success", "satisfaction": "positive"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "success"
    call.refresh_from_db()
    assert (call.status, call.end_time, call.satisfaction) == ("success", START + timedelta(minutes=5), "positive")
    # duration is derived from startTime/endTime when the bot does not send it.
    assert call.duration == 300


def test_patch_by_call_id_updates_that_call(bot_api, store):
    call = make_call(store, "CA-STYLE-ID")

    response = bot_api.patch("/api/calls/CA-STYLE-ID", {"outcome": "transferred to deli", "interruptionCount": 3}, format="json")

    assert response.status_code == 200, response.content
    call.refresh_from_db()
    assert (call.outcome, call.interruption_count, call.status) == ("transferred to deli", 3, "in-progress")


def test_numeric_call_id_wins_over_a_database_id_of_the_same_digits(bot_api, store):
    by_pk = make_call(store, "FIRST")
    numeric = make_call(store, str(by_pk.pk))

    response = bot_api.patch(f"/api/calls/{by_pk.pk}", {"outcome": "numeric"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["id"] == numeric.pk
    numeric.refresh_from_db()
    by_pk.refresh_from_db()
    assert (numeric.outcome, by_pk.outcome) == ("numeric", "")


def test_unknown_call_is_404_call_log_not_found(bot_api, store):
    response = bot_api.patch("/api/calls/NOPE", {"status": "success"}, format="json")

    assert response.status_code == 404, response.content
    assert response.json() == {"success": False, "error": "not_found", "message": "Call log not found", "fields": {}}


def test_owner_cannot_patch_another_owners_call(owner_api, store, other_store):
    theirs = make_call(other_store, "THEIRS")

    response = owner_api.patch(f"/api/calls/{theirs.pk}", {"status": "failed"}, format="json")

    assert response.status_code == 404, response.content
    theirs.refresh_from_db()
    assert theirs.status == "in-progress"


@pytest.mark.parametrize("final", ["success", "failed", "missed", "terminated"])
@pytest.mark.parametrize("live", ["in-progress", "ringing", "queued"])
def test_finished_call_cannot_go_back_to_live(bot_api, store, final, live):
    end = START + timedelta(minutes=2)
    call = make_call(store, status=final, end_time=end, duration=120)

    response = bot_api.patch("/api/calls/LIVE-1", {"status": live}, format="json")

    assert_validation_error(response, "status")
    call.refresh_from_db()
    assert (call.status, call.end_time, call.duration) == (final, end, 120)


def test_end_time_before_the_existing_start_time_is_rejected(bot_api, store):
    call = make_call(store)

    response = bot_api.patch("/api/calls/LIVE-1", {"endTime": "2025-10-05T09:59:59Z", "status": "success"}, format="json")

    assert_validation_error(response, "endTime")
    call.refresh_from_db()
    assert (call.status, call.end_time, call.duration) == ("in-progress", None, 0)


def test_end_time_before_start_time_in_the_same_body_is_rejected(bot_api, store):
    call = make_call(store)

    response = bot_api.patch("/api/calls/LIVE-1", {"startTime": "2025-10-05T11:00:00Z", "endTime": "2025-10-05T10:30:00Z"}, format="json")

    assert_validation_error(response, "endTime")
    call.refresh_from_db()
    assert (call.start_time, call.end_time) == (START, None)


def test_naive_end_time_is_read_in_the_stores_time_zone(bot_api, store):
    call = make_call(store)

    response = bot_api.patch("/api/calls/LIVE-1", {"endTime": "2025-10-05T06:10:00", "status": "success"}, format="json")

    assert response.status_code == 200, response.content
    call.refresh_from_db()
    assert call.end_time == START + timedelta(minutes=10)
    assert call.duration == 600


def test_final_status_without_end_time_ends_the_call_now(bot_api, store):
    started = timezone.now() - timedelta(seconds=90)
    call = make_call(store, start_time=started)

    response = bot_api.patch("/api/calls/LIVE-1", {"status": "failed"}, format="json")

    assert response.status_code == 200, response.content
    call.refresh_from_db()
    assert call.status == "failed"
    assert call.end_time is not None and started < call.end_time <= timezone.now()
    assert 89 <= call.duration <= 95


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "hung-up"}, "status"),
        ({"duration": -5}, "duration"),
        ({"startTime": "2025-13-01T00:00:00Z"}, "startTime"),
        ({"endTime": "9999-12-31T23:59:59"}, "endTime"),
        ({"callId": "LIVE/1"}, "callId"),
    ],
)
def test_invalid_patch_is_rejected_and_changes_nothing(bot_api, store, body, field):
    call = make_call(store, outcome="before")

    response = bot_api.patch("/api/calls/LIVE-1", {**body, "outcome": "after"}, format="json")

    assert_validation_error(response, field)
    call.refresh_from_db()
    assert (call.outcome, call.status, call.duration, call.start_time) == ("before", "in-progress", 0, START)


def test_patch_with_a_list_body_is_rejected(bot_api, store):
    make_call(store)

    response = bot_api.patch("/api/calls/LIVE-1", [{"status": "success"}], format="json")

    assert_validation_error(response, "body")
    assert Call.objects.get().status == "in-progress"


def test_changing_call_id_to_one_the_store_already_has_is_rejected(bot_api, store):
    make_call(store, "A")
    make_call(store, "B")

    response = bot_api.patch("/api/calls/A", {"callId": "B"}, format="json")

    assert_validation_error(response, "callId")
    assert sorted(Call.objects.values_list("call_id", flat=True)) == ["A", "B"]


def test_patch_with_transcript_appends_lines(bot_api, store):
    call = make_call(store)

    response = bot_api.patch("/api/calls/LIVE-1", {"status": "success", "transcript": "User: Bye\nBot: Goodbye!\n"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["transcriptEntryCount"] == 2
    call.refresh_from_db()
    assert call.status == "success"
    assert [(e.speaker, e.text) for e in call.entries.all()] == [("User", "Bye"), ("Bot", "Goodbye!")]


def test_patch_whose_transcript_is_too_large_changes_nothing(bot_api, store):
    call = make_call(store)

    response = bot_api.patch(
        # On the call itself `transcript` is the whole transcript: its limit is the call's 1 MB.
        "/api/calls/LIVE-1", {"status": "success", "outcome": "done", "transcript": "User: " + "x" * Call.MAX_TRANSCRIPT_CHARS}, format="json"
    )

    assert response.status_code == 413, response.content
    call.refresh_from_db()
    # A request that fails writes nothing: not the transcript, and not the fields sent with it.
    assert (call.status, call.outcome, call.end_time, call.transcript_entry_count) == ("in-progress", "", None, 0)
    assert not TranscriptEntry.objects.exists()


def test_metadata_patch_keeps_keys_beyond_the_documented_four(bot_api, store):
    call = make_call(store)

    response = bot_api.patch("/api/calls/LIVE-1", {"metadata": {"location": "Queens", "crmId": "c-42"}}, format="json")

    assert response.status_code == 200, response.content
    call.refresh_from_db()
    assert call.metadata == {"location": "Queens", "crmId": "c-42"}


def test_a_duration_given_once_stays_when_another_field_changes(bot_api, store):
    call = make_call(store, status="success", end_time=START + timedelta(minutes=5), duration=42)

    for body in ({"outcome": "callback booked"}, {"endTime": "2025-10-05T10:06:00Z"}, {"metadata": {"deviceType": "phone"}}):
        assert bot_api.patch(f"/api/calls/{call.pk}", body, format="json").status_code == 200, body
        call.refresh_from_db()
        assert call.duration == 42, body

    assert bot_api.patch(f"/api/calls/{call.pk}", {"duration": 50, "outcome": "x"}, format="json").status_code == 200
    call.refresh_from_db()
    assert call.duration == 50


def test_a_derived_duration_follows_a_new_end_time(bot_api, store):
    call = make_call(store, status="success", end_time=START + timedelta(minutes=5), duration=300)

    assert bot_api.patch(f"/api/calls/{call.pk}", {"endTime": "2025-10-05T10:06:00Z"}, format="json").status_code == 200
    call.refresh_from_db()
    assert call.duration == 360
