"""GET /api/calls?search= and the call history's search: a number however it was typed, and the transcript's words.
Before, "+1 555 999 0001" and "(555) 999-0001" found nothing, nor did a word the caller said."""
from __future__ import annotations

import pytest

from tests.calls.factories import add_entries, make_call
from tests.dashboard.pages import signed_in


@pytest.fixture
def calls(store, other_store) -> dict[str, object]:
    mine = make_call(store, "CA-mine", caller="+15559990001", receiver="+18005550006", status="success")
    outbound = make_call(store, "bot-out", type="outbound", caller="+18005550006", receiver="+15559990001", status="success")
    other = make_call(store, "CA-other", caller="+15551230000", receiver="+18005550006", status="success")
    theirs = make_call(other_store, "CA-theirs", caller="+15559990001", status="success")
    add_entries(mine, [("User", "Where is the oat milk?"), ("Bot", "Aisle 4, next to the soy milk.")])
    add_entries(other, [("User", "Do you sell fresh bread?")])
    add_entries(theirs, [("User", "Where is the oat milk?")])
    return {"mine": mine, "outbound": outbound, "other": other, "theirs": theirs}


def found(api, term: str) -> list[str]:
    response = api.get("/api/calls", {"search": term})
    assert response.status_code == 200, response.content
    body = response.json()
    ids = sorted(call["callId"] for call in body["data"])
    assert body["pagination"]["total"] == len(ids)
    return ids


@pytest.mark.parametrize("typed", ["+1 555 999 0001", "(555) 999-0001", "555.999.0001", "555-999-0001", "1 (555) 999 0001", "+15559990001"])
def test_a_number_typed_in_any_format_finds_its_calls_as_caller_or_receiver(owner_api, calls, typed):
    assert found(owner_api, typed) == ["CA-mine", "bot-out"]


@pytest.mark.parametrize("words", ["oat milk", "OAT MILK", "soy", "aisle 4"])
def test_words_of_the_transcript_find_the_call(owner_api, calls, words):
    assert found(owner_api, words) == ["CA-mine"]


def test_a_word_nobody_said_finds_nothing_and_another_store_stays_out(owner_api, other_owner, calls):
    assert found(owner_api, "croissant") == []
    assert found(owner_api, "bread") == ["CA-other"]
    # A number with letters is not a number: searched as typed only.
    assert found(owner_api, "555 999 0001 x") == []


def test_each_call_is_listed_once_when_several_lines_and_columns_match(owner_api, calls):
    # "milk" is in two lines of CA-mine; "555" in callers, receivers and callIds of several calls.
    assert found(owner_api, "milk") == ["CA-mine"]
    assert found(owner_api, "555") == ["CA-mine", "CA-other", "bot-out"]


def test_the_call_history_finds_a_formatted_number_and_a_transcript_word(owner, calls):
    client = signed_in(owner)
    for term in ("(555) 999-0001", "oat milk"):
        response = client.get("/calls/", {"search": term})
        assert response.status_code == 200
        html = response.content.decode()
        assert f'/calls/{calls["mine"].pk}/' in html, term
        assert f'/calls/{calls["other"].pk}/' not in html, term
