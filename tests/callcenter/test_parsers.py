"""JSON bodies: a NUL character anywhere is a 400 that writes nothing (found by bench/fuzz.py's kind of input).

PostgreSQL's text and jsonb cannot hold NUL; before the parser refused it, free-form JSON fields
(call metadata keys, voice settings) reached the database and failed there with a 500.
"""
from __future__ import annotations

from calls.models import Call
from store.models import StoreSettings


def test_nul_in_a_json_key_is_refused_and_no_call_is_written(bot_api):
    response = bot_api.post("/api/calls", {"callId": "NUL-1", "metadata": {"device\u0000": "phone"}}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "parse_error"
    assert not Call.objects.filter(call_id="NUL-1").exists()


def test_nul_in_a_nested_json_value_is_refused_and_settings_are_unchanged(owner_api, store):
    before = owner_api.get("/api/settings").json()

    response = owner_api.put("/api/settings", {"voice_settings": {"voice_id": ["a\u0000"]}}, format="json")

    assert response.status_code == 400, response.content
    assert owner_api.get("/api/settings").json() == before
    assert StoreSettings.objects.filter(store=store).count() == 1


def test_an_escaped_backslash_before_u0000_is_ordinary_text(bot_api):
    response = bot_api.post("/api/calls", {"callId": "NUL-2", "outcome": "typed \\u0000 literally"}, format="json")

    assert response.status_code == 201, response.content
    assert Call.objects.get(call_id="NUL-2").outcome == "typed \\u0000 literally"
