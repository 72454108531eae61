"""voice.when: the days a caller names, and what is said of each from the store's table."""
from __future__ import annotations

import datetime as dt

import pytest

from store.models import Store
from voice.when import AskedDay, asked_days, day_answers

TUESDAY = dt.date(2026, 12, 8)


def days(text: str, today: dt.date = TUESDAY) -> list[dt.date]:
    return [asked.day for asked in asked_days(text, today)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what time do you open tomorrow", [dt.date(2026, 12, 9)]),
        ("what time are you closing today", [TUESDAY]),
        ("and on sunday?", [dt.date(2026, 12, 13)]),
        ("are you open tuesday", [TUESDAY]),
        ("and this weekend", [dt.date(2026, 12, 12), dt.date(2026, 12, 13)]),
        ("are you open on christmas eve", [dt.date(2026, 12, 24)]),
        ("and on christmas", [dt.date(2026, 12, 25)]),
        ("are you open new year's day", [dt.date(2027, 1, 1)]),
        ("what about thanksgiving", [dt.date(2027, 11, 25)]),  # this year's has passed
        ("open on december 31st?", [dt.date(2026, 12, 31)]),
        ("the 26th of december", [dt.date(2026, 12, 26)]),
        ("saturday and then monday", [dt.date(2026, 12, 12), dt.date(2026, 12, 14)]),
        ("are you open on easter", [dt.date(2027, 3, 28)]),
        ("what about the fourth of july", [dt.date(2027, 7, 4)]),
        ("and new year's eve", [dt.date(2026, 12, 31)]),
        ("open on the 24th?", [dt.date(2026, 12, 24)]),
        ("do you sell mulch", []),
        ("may i talk to the deli", []),
    ],
)
def test_days_named(text, expected):
    assert days(text) == expected


def test_on_a_sunday_this_weekend_is_today():
    assert days("are you open this weekend", dt.date(2026, 12, 13)) == [dt.date(2026, 12, 13)]


def test_each_day_is_answered_from_the_table_closed_days_as_closed():
    store = Store(
        name="Corner", slug="corner", timezone="America/New_York",
        opening_hours={"saturday": {"open": "08:00", "close": "18:00"}, "friday": {"open": "07:00", "close": "20:00"}},
        holiday_hours={"2026-12-25": None, "2026-12-24": {"open": "08:00", "close": "14:00"}},
    )  # fmt: skip

    answers = day_answers(store, asked_days("tomorrow, this weekend, christmas eve and christmas", dt.date(2026, 12, 11)))

    assert answers == [
        ("hours_on_day", {"day": "Tomorrow, Saturday", "hours": "8 AM to 6 PM"}),
        ("closed_weekly", {"day": "On Sunday", "days": "Sundays"}),
        ("hours_on_day", {"day": "On Christmas Eve, Thursday December 24", "hours": "8 AM to 2 PM"}),
        ("closed_on_day", {"day": "On Christmas Day, Friday December 25", "hours": "closed"}),
    ]


def test_without_a_table_the_owners_words_are_said():
    store = Store(name="Corner", slug="corner", timezone="America/New_York", hours="Open late most days")

    assert day_answers(store, [AskedDay(TUESDAY, "today")]) == [("hours", {"hours": "Open late most days"})]
