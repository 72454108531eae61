"""PATCH /api/calls/<id> with `transcript`: the whole transcript, never duplicated."""
from calls.models import Call


def start(bot_api, call_id="FULL-1"):
    assert bot_api.post("/api/calls", {"callId": call_id, "status": "in-progress"}, format="json").status_code == 201


def lines(call_id):
    return list(Call.objects.get(call_id=call_id).entries.values_list("seq", "speaker", "text"))


def test_full_transcript_after_live_appends_adds_only_the_new_lines(bot_api, store):
    start(bot_api)
    bot_api.patch("/api/calls/FULL-1/transcript", {"transcript": "User: Hello\nBot: Hi there!\n"}, format="json")
    response = bot_api.patch(
        "/api/calls/FULL-1", {"status": "success", "transcript": "User: Hello\nBot: Hi there!\nUser: Bye\n"}, format="json"
    )
    assert response.status_code == 200
    assert lines("FULL-1") == [(0, "User", "Hello"), (1, "Bot", "Hi there!"), (2, "User", "Bye")]
    assert Call.objects.get(call_id="FULL-1").transcript_entry_count == 3


def test_full_transcript_that_differs_replaces_the_stored_one(bot_api, store):
    start(bot_api)
    bot_api.patch("/api/calls/FULL-1/transcript", {"transcript": "User: Helo\n"}, format="json")
    response = bot_api.patch("/api/calls/FULL-1", {"transcript": "User: Hello\nBot: Hi!\n"}, format="json")
    assert response.status_code == 200
    assert lines("FULL-1") == [(0, "User", "Hello"), (1, "Bot", "Hi!")]
    detail = Call.objects.get(call_id="FULL-1")
    assert (detail.transcript_entry_count, detail.transcript_chars) == (2, len("Hello") + 4 + 3 + len("Hi!") + 3 + 3)


def test_sending_the_same_full_transcript_twice_changes_nothing(bot_api, store):
    start(bot_api)
    for _ in range(2):
        assert bot_api.patch("/api/calls/FULL-1", {"transcript": "User: Hello\n"}, format="json").status_code == 200
    assert lines("FULL-1") == [(0, "User", "Hello")]
