"""JSON bodies that cannot be stored are a 400 that writes nothing (found by bench/fuzz.py's kind of input).

PostgreSQL's text and jsonb cannot hold NUL; before the parser refused it, free-form JSON fields
(call metadata keys, voice settings) reached the database and failed there with a 500. The same for a
lone surrogate ("\\udfff", no character at all), a number that overflows to infinity, and nesting a
thousand levels deep (Python's decoder ran out of stack: a 500 even on the unauthenticated login).
"""
from __future__ import annotations

import pytest

from callcenter.parsers import MAX_JSON_DEPTH
from calls.models import Call
from store.models import StoreSettings


def test_nul_in_a_json_key_is_refused_and_no_call_is_written(bot_api):
    response = bot_api.post("/api/calls", {"callId": "NUL-1", "metadata": {"device\u0000": "phone"}}, format="json")

    assert response.status_code == 400, response.content
    assert (response.json()["error"], list(response.json()["fields"])) == ("validation_error", ["metadata"])
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


def nested(depth: int, leaf: str = "1", *, kind: str = "list") -> str:
    """JSON text of `depth` arrays (or objects) inside each other around `leaf`."""
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    return opening * depth + leaf + closing * depth


@pytest.mark.parametrize("kind", ["list", "object"])
@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_json_nested_a_thousand_deep_is_a_400_even_before_login(api, db, kind, depth):
    response = api.post("/api/auth/login/", nested(depth, kind=kind), content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "parse_error"


def test_deep_metadata_is_refused_naming_it_and_no_call_is_written(bot_api, store):
    body = '{"callId": "DEEP-1", "metadata": %s}' % nested(MAX_JSON_DEPTH, kind="object")

    response = bot_api.post("/api/calls", body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert (response.json()["error"], list(response.json()["fields"])) == ("validation_error", ["metadata"])
    assert not Call.objects.filter(call_id="DEEP-1").exists()


def test_metadata_within_the_depth_is_stored_and_read_back(bot_api, owner_api, store):
    # The body is level 1 and metadata level 2: MAX_JSON_DEPTH - 2 more objects inside it still fit.
    body = '{"callId": "DEEP-2", "metadata": %s}' % nested(MAX_JSON_DEPTH - 2, kind="object")

    assert bot_api.post("/api/calls", body, content_type="application/json").status_code == 201
    response = owner_api.get("/api/calls/DEEP-2")
    assert response.status_code == 200
    assert response.json()["data"]["metadata"] == Call.objects.get(call_id="DEEP-2").metadata


@pytest.mark.parametrize(
    "metadata", ['{"\\udfff": "x"}', '{"k": "\\ud800"}', '{"k": ["a", {"b": "x\\udc00y"}]}', '{"k": 1e999}', '{"k": -1e999}']
)
def test_a_lone_surrogate_or_an_infinite_number_in_metadata_is_refused_and_no_call_is_written(bot_api, store, metadata):
    body = '{"callId": "SUR-1", "metadata": %s}' % metadata

    response = bot_api.post("/api/calls", body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert (response.json()["error"], list(response.json()["fields"])) == ("validation_error", ["metadata"])
    assert not Call.objects.filter(call_id="SUR-1").exists()


def test_a_lone_surrogate_in_voice_settings_is_refused_and_settings_are_unchanged(owner_api, store):
    before = owner_api.get("/api/settings").json()

    response = owner_api.put("/api/settings", '{"voice_settings": {"\\udfff": 1}}', content_type="application/json")

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["voice_settings"]
    assert owner_api.get("/api/settings").json() == before


def test_a_surrogate_pair_is_an_ordinary_character(bot_api, store):
    response = bot_api.post("/api/calls", '{"callId": "SUR-2", "metadata": {"\\ud83d\\ude00": "\\ud83d\\ude00"}}', content_type="application/json")

    assert response.status_code == 201, response.content
    assert Call.objects.get(call_id="SUR-2").metadata == {"😀": "😀"}
