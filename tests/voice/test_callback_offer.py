"""Never a dead end (issue 16): with nobody to dial, the agent offers a callback; a yes makes one for the
caller's number at the store's next opening time, through calls.services.create_callback (callbackCreated
after the commit); a no carries on. Played through the real signed webhooks."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from calls import events
from calls.models import Call, ScheduledCallback
from store.models import Department, Store
from tests.voice.webhooks import CALLER, gather_params, incoming_params, post, spoken, twilio_settings, twiml  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("twilio_settings")
NY = zoneinfo.ZoneInfo("America/New_York")
TUESDAY_MORNING = dt.datetime(2026, 12, 8, 10, 30, tzinfo=NY)


@pytest.fixture
def unreachable(store) -> Store:
    """No operator, no store line: a department with only an extension cannot be dialled."""
    week = {day: {"open": "08:00", "close": "20:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}
    Store.objects.filter(pk=store.pk).update(timezone="America/New_York", opening_hours=week, transfer_number="")
    Department.objects.create(store=store, name="Bakery", phone_extension="105")
    store.refresh_from_db()
    return store


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    recorded: list[dict] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append(message))
    return recorded


def say(client, words: str, turn: int) -> str:
    return " ".join(spoken(twiml(post(client, f"/voice/gather?turn={turn}", gather_params(speech=words)))))


def test_yes_to_the_offer_schedules_the_callback_for_the_caller_at_the_next_opening(client, unreachable, sent, django_capture_on_commit_callbacks):
    with time_machine.travel(TUESDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        twiml(post(client, "/voice/incoming", incoming_params()))
        offer = say(client, "can I talk to the bakery please", 1)
        call = Call.objects.get()
        assert call.dialogue_state["offer"]["kind"] == "callback" and not ScheduledCallback.objects.exists()
        booked = say(client, "yes please", 2)

    assert "call you back today at 11:30 AM" in offer and "nobody in Bakery" in offer
    callback = ScheduledCallback.objects.get()
    assert (callback.customer.phone, callback.scheduled_at, callback.reason) == (CALLER, dt.datetime(2026, 12, 8, 11, 30, tzinfo=NY), "Bakery: can I talk to the bakery please")
    assert "we'll call you back today at 11:30 AM" in booked
    created = [m for m in sent if m["type"] == "callbackCreated"]
    assert [(m["id"], m["customerPhone"], m["scheduledAt"]) for m in created] == [(callback.pk, CALLER, "2026-12-08T16:30:00Z")]
    call.refresh_from_db()
    assert "offer" not in call.dialogue_state  # answered: a later "yes" books nothing more


def test_after_closing_the_callback_is_the_next_mornings_and_no_carries_on(client, unreachable):
    with time_machine.travel(dt.datetime(2026, 12, 8, 19, 30, tzinfo=NY), tick=False):
        twiml(post(client, "/voice/incoming", incoming_params()))
        offer = say(client, "I need a real person", 1)
        declined = say(client, "no that's okay", 2)

    assert "call you back tomorrow at 8 AM" in offer
    assert declined.startswith("No problem.") and not ScheduledCallback.objects.exists()
    assert Call.objects.get().dialogue_state["intent"] == "continue"


def test_the_same_reask_is_never_said_twice_in_a_row(client, store):
    twiml(post(client, "/voice/incoming", incoming_params()))

    first, second = say(client, "mmm", 1), say(client, "hmm", 2)

    assert first and second and first != second
