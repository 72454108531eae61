"""The store's holiday note (the original app's holiday hours as a sentence) is what the agent says on holidays."""
from __future__ import annotations

import datetime as dt

from voice.dialogue import Turn, respond

NOW = dt.datetime(2026, 12, 21, 15, tzinfo=dt.timezone.utc)  # a Monday, 10:00 in New York


def holiday_answer(store) -> str:
    return respond(store, Turn(speech="are you open on christmas", digits=""), now=NOW).say


def test_the_note_alone_is_spoken(owner_api, store):
    owner_api.put("/api/store-info", {"holiday_hours": "Closed on Christmas Day"}, format="json")
    store.refresh_from_db()

    assert "Closed on Christmas Day" in holiday_answer(store)


def test_the_note_comes_before_the_dates_of_the_table(store):
    store.holiday_note, store.holiday_hours = "We close early on Christmas Eve.", {"2026-12-24": {"open": "07:00", "close": "18:00"}}
    store.save()

    said = holiday_answer(store)

    assert "We close early on Christmas Eve" in said and "December 24: 7 AM to 6 PM" in said
    assert said.index("Christmas Eve") < said.index("December 24")
