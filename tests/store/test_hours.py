"""store.hours: the spoken week built from the table, and the next opening (what a callback is promised for)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from store import hours
from store.models import Store

NY = zoneinfo.ZoneInfo("America/New_York")
WEEK = {day: {"open": "07:00", "close": "22:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}


def make(**fields) -> Store:
    return Store(name="Corner", slug="corner", timezone="America/New_York", **fields)


def test_the_week_is_spoken_from_the_table_with_days_of_the_same_hours_together():
    store = make(opening_hours={**WEEK, "sunday": {"open": "08:00", "close": "21:00"}}, hours="ignored when there is a table")

    assert hours.week_text(store) == "7 AM to 10 PM Monday to Saturday, 8 AM to 9 PM on Sunday"


def test_a_closed_day_is_said_as_closed_and_the_free_text_only_without_a_table():
    assert hours.week_text(make(opening_hours=WEEK)) == "7 AM to 10 PM Monday to Saturday, and closed on Sundays"
    assert hours.week_text(make(hours="7 AM - 10 PM")) == "7 AM - 10 PM"


def test_the_next_opening_is_now_while_open_else_the_next_days_opening_holidays_included():
    store = make(opening_hours={**WEEK, "sunday": None}, holiday_hours={"2026-12-25": None})

    assert hours.next_opening(store, dt.datetime(2026, 12, 8, 10, 30, tzinfo=NY)) == dt.datetime(2026, 12, 8, 10, 30, tzinfo=NY)
    # Thursday 23:00 (closed), Friday the 25th a holiday: Saturday 7 AM.
    assert hours.next_opening(store, dt.datetime(2026, 12, 24, 23, 0, tzinfo=NY)) == dt.datetime(2026, 12, 26, 7, 0, tzinfo=NY)
    # Saturday night: Sunday is closed every week.
    assert hours.next_opening(store, dt.datetime(2026, 12, 12, 22, 5, tzinfo=NY)) == dt.datetime(2026, 12, 14, 7, 0, tzinfo=NY)


def test_free_text_hours_of_one_span_give_an_opening_too_and_a_sentence_none():
    assert hours.next_opening(make(hours="7 AM - 10 PM"), dt.datetime(2026, 12, 8, 6, 0, tzinfo=NY)) == dt.datetime(2026, 12, 8, 7, 0, tzinfo=NY)
    assert hours.next_opening(make(hours="Call us for our hours"), dt.datetime(2026, 12, 8, 6, 0, tzinfo=NY)) is None
