"""voice.dead_ends: when a callback is promised, and the requests that are not about products."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from store.models import Department, StaffMember, Store
from voice import dead_ends

NY = zoneinfo.ZoneInfo("America/New_York")
WEEK = {day: {"open": "07:00", "close": "22:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}


def shop() -> Store:
    return Store(name="Corner", slug="corner", timezone="America/New_York", opening_hours=WEEK)


@pytest.mark.parametrize(
    ("now", "expected", "spoken"),
    [
        (dt.datetime(2026, 12, 8, 10, 31, tzinfo=NY), dt.datetime(2026, 12, 8, 11, 45, tzinfo=NY), "today at 11:45 AM"),
        (dt.datetime(2026, 12, 8, 10, 30, tzinfo=NY), dt.datetime(2026, 12, 8, 11, 30, tzinfo=NY), "today at 11:30 AM"),
        (dt.datetime(2026, 12, 8, 21, 30, tzinfo=NY), dt.datetime(2026, 12, 9, 7, 0, tzinfo=NY), "tomorrow at 7 AM"),
        (dt.datetime(2026, 12, 12, 23, 0, tzinfo=NY), dt.datetime(2026, 12, 14, 7, 0, tzinfo=NY), "on Monday at 7 AM"),
    ],
)
def test_a_callback_is_promised_at_the_next_opening_an_hour_ahead_at_least(now, expected, spoken):
    moment = dead_ends.callback_time(shop(), now)

    assert moment == expected
    assert dead_ends.spoken_when(shop(), moment, now) == spoken


@pytest.mark.parametrize(
    ("text", "robot"),
    [("is this a robot", True), ("am i talking to a real person", True), ("wait are you a real person", True), ("are you human", True),
     ("can i just talk to a real person", False), ("do you sell robot vacuums", False)],
)
def test_asking_if_it_is_a_robot(text, robot):
    assert dead_ends.asks_if_robot(text) is robot


@pytest.mark.parametrize(
    ("text", "complaint"),
    [("you charged me twice for groceries", True), ("i want to make a complaint", True), ("i was overcharged", True),
     ("i got charged for something i didn't buy", True), ("how much is the charger", False), ("do you have bill envelopes", False),
     ("do you give refunds", False)],  # the FAQ's question, not a complaint
)
def test_complaints(text, complaint):
    assert dead_ends.is_complaint(text) is complaint


def test_complaints_go_to_the_department_that_takes_them(store):
    Department.objects.create(store=store, name="Grocery", keywords=["groceries"])
    service = Department.objects.create(store=store, name="Customer Service", description="Returns, refunds and complaints")

    assert dead_ends.complaints_department(tuple(Department.objects.filter(store=store))) == service
    assert dead_ends.complaints_department(tuple(Department.objects.filter(store=store, name="Grocery"))) is None


def test_a_staff_member_by_full_name_or_a_first_name_only_they_have(store):
    bakery = Department.objects.create(store=store, name="Bakery")
    StaffMember.objects.create(store=store, name="Tom Nguyen", department=bakery)
    StaffMember.objects.create(store=store, name="Maria Lopez")
    StaffMember.objects.create(store=store, name="Maria Santos")
    StaffMember.objects.create(store=store, name="Gone Away", is_active=False)
    staff = dead_ends.store_staff(store)

    assert dead_ends.staff_named(staff, "is maria lopez in today").name == "Maria Lopez"
    assert dead_ends.staff_named(staff, "i'm looking for tom").department_id == bakery.pk
    assert dead_ends.staff_named(staff, "is maria there") is None  # two Marias: ask, do not guess
    assert dead_ends.staff_named(staff, "is gone away there") is None
    assert dead_ends.staff_named(staff, "do you have tom yum paste") is None  # a first name alone only when asked for


def test_the_reason_says_who_was_wanted_and_what_was_said():
    assert dead_ends.reason_for("Pharmacy", "  the farmacy   please ") == "Pharmacy: the farmacy please"
    assert len(dead_ends.reason_for("x", "y" * 400)) == 300
