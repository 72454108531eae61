"""PATCH /api/calls/<id or callId>/transcript: append speaker lines, answer the whole transcript."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calls.models import Call, TranscriptEntry
from calls.services import MAX_APPEND_BYTES

START = datetime(2025, 10, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def call(store) -> Call:
    return Call.objects.create(store=store, call_id="TEST123", start_time=START)


def entries_of(call: Call) -> list[tuple[int, str, str]]:
    return list(call.entries.values_list("seq", "speaker", "text"))


def test_text_lines_become_speaker_entries_in_order(bot_api, call):
    response = bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "User: Hello\nBot: Hi there!\n"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "data": {"callId": "TEST123", "transcript": "User: Hello\nBot: Hi there!\n"}}
    assert entries_of(call) == [(0, "User", "Hello"), (1, "Bot", "Hi there!")]
    call.refresh_from_db()
    assert call.transcript_entry_count == 2


def test_second_append_follows_the_first_and_answers_the_whole_transcript(bot_api, call):
    bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "User: Hello\nBot: Hi there!\n"}, format="json")

    response = bot_api.patch(f"/api/calls/{call.pk}/transcript", {"transcript": "User: Where is the milk?\r\nBot: Aisle 4.\n"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["transcript"] == "User: Hello\nBot: Hi there!\nUser: Where is the milk?\nBot: Aisle 4.\n"
    assert entries_of(call) == [(0, "User", "Hello"), (1, "Bot", "Hi there!"), (2, "User", "Where is the milk?"), (3, "Bot", "Aisle 4.")]
    call.refresh_from_db()
    assert call.transcript_entry_count == 4


def test_line_without_a_speaker_keeps_its_text(bot_api, call):
    response = bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "(caller on hold)\n\nBot: Back with you.\n"}, format="json")

    assert response.status_code == 200, response.content
    assert entries_of(call) == [(0, "", "(caller on hold)"), (1, "Bot", "Back with you.")]
    assert response.json()["data"]["transcript"] == "(caller on hold)\nBot: Back with you.\n"


def test_entries_form_appends_structured_entries(bot_api, call):
    response = bot_api.patch(
        "/api/calls/TEST123/transcript",
        {"entries": [{"speaker": "User", "text": "Do you have oat milk?", "at": "2025-10-05T06:00:05"}, {"speaker": "Bot", "text": "Yes, aisle 4."}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["data"]["transcript"] == "User: Do you have oat milk?\nBot: Yes, aisle 4.\n"
    assert entries_of(call) == [(0, "User", "Do you have oat milk?"), (1, "Bot", "Yes, aisle 4.")]
    first = call.entries.get(seq=0)
    # A naive `at` is read in the store's time zone (America/New_York, UTC-4 in October).
    assert first.at == datetime(2025, 10, 5, 10, 0, 5, tzinfo=UTC)
    assert call.entries.get(seq=1).at is not None


def test_invalid_entry_is_rejected_and_nothing_is_written(bot_api, call):
    response = bot_api.patch(
        "/api/calls/TEST123/transcript", {"entries": [{"speaker": "User", "text": "fine"}, {"speaker": "Bot"}]}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "validation_error"
    assert "entries" in response.json()["fields"]
    assert not TranscriptEntry.objects.exists()


def test_entry_time_out_of_range_is_400_not_a_server_error(bot_api, call):
    response = bot_api.patch(
        "/api/calls/TEST123/transcript", {"entries": [{"speaker": "User", "text": "hi", "at": "9999-12-31T23:59:59"}]}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "entries" in response.json()["fields"]
    assert not TranscriptEntry.objects.exists()


def test_append_over_64_kb_is_413_and_writes_nothing(bot_api, call):
    bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "User: first\n"}, format="json")

    response = bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "Bot: " + "y" * MAX_APPEND_BYTES + "\n"}, format="json")

    assert response.status_code == 413, response.content
    assert (response.json()["success"], response.json()["error"]) == (False, "payload_too_large")
    assert entries_of(call) == [(0, "User", "first")]
    call.refresh_from_db()
    assert call.transcript_entry_count == 1


def test_append_of_multibyte_text_over_64_kb_is_413(bot_api, call):
    # 22,000 three-byte characters: under 64 K characters, over 64 KB.
    response = bot_api.patch("/api/calls/TEST123/transcript", {"entries": [{"speaker": "User", "text": "€" * 22000}]}, format="json")

    assert response.status_code == 413, response.content
    assert not TranscriptEntry.objects.exists()


def test_transcript_past_1_mb_is_413_and_writes_nothing(bot_api, call):
    Call.objects.filter(pk=call.pk).update(transcript_chars=Call.MAX_TRANSCRIPT_CHARS - 10, transcript_entry_count=7)

    response = bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "User: one more line please\n"}, format="json")

    assert response.status_code == 413, response.content
    assert response.json()["error"] == "payload_too_large"
    assert not TranscriptEntry.objects.exists()
    call.refresh_from_db()
    assert (call.transcript_chars, call.transcript_entry_count) == (Call.MAX_TRANSCRIPT_CHARS - 10, 7)


def test_append_that_reaches_exactly_1_mb_is_accepted(bot_api, call):
    # "User" + "hello" + 3 (": " and the newline) = 12 characters.
    Call.objects.filter(pk=call.pk).update(transcript_chars=Call.MAX_TRANSCRIPT_CHARS - 12)

    response = bot_api.patch("/api/calls/TEST123/transcript", {"transcript": "User: hello\n"}, format="json")

    assert response.status_code == 200, response.content
    call.refresh_from_db()
    assert call.transcript_chars == Call.MAX_TRANSCRIPT_CHARS
    assert entries_of(call) == [(0, "User", "hello")]


@pytest.mark.parametrize("body", [{"transcript": ""}, {"transcript": "\n \n"}, {"entries": []}, {}], ids=["empty", "blank-lines", "no-entries", "no-keys"])
def test_empty_append_is_400_and_writes_nothing(bot_api, call, body):
    response = bot_api.patch("/api/calls/TEST123/transcript", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "validation_error"
    assert "transcript" in response.json()["fields"]
    assert not TranscriptEntry.objects.exists()
    call.refresh_from_db()
    assert call.transcript_entry_count == 0


def test_non_object_body_is_400(bot_api, call):
    response = bot_api.patch("/api/calls/TEST123/transcript", ["User: Hello"], format="json")

    assert response.status_code == 400, response.content
    assert "body" in response.json()["fields"]
    assert not TranscriptEntry.objects.exists()


def test_unknown_call_is_404(bot_api, store):
    response = bot_api.patch("/api/calls/NOPE/transcript", {"transcript": "User: Hello\n"}, format="json")

    assert response.status_code == 404, response.content
    assert response.json()["message"] == "Call log not found"
    assert not TranscriptEntry.objects.exists()


def test_staff_may_append_too(agent_api, call):
    response = agent_api.patch("/api/calls/TEST123/transcript", {"transcript": "Agent: Taking over.\n"}, format="json")

    assert response.status_code == 200, response.content
    assert entries_of(call) == [(0, "Agent", "Taking over.")]


def test_an_append_of_more_lines_than_one_insert_holds_keeps_them_all_in_order(bot_api, call):
    from calls.services import INSERT_BATCH

    lines = INSERT_BATCH * 2 + 7
    text = "".join(f"User: line {n}\n" for n in range(lines))

    response = bot_api.patch("/api/calls/TEST123/transcript", {"transcript": text}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["transcript"] == text
    stored = entries_of(call)
    assert [seq for seq, _, _ in stored] == list(range(lines))
    assert stored[-1] == (lines - 1, "User", f"line {lines - 1}")
