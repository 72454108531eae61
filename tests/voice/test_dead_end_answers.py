"""The engine's answers beyond the catalogue (issue 16 item 6): complaints, 'is this a robot', staff by name,
and a callback offer wherever nobody can be dialled, with the offer kept in the reply's dialogue state."""
from __future__ import annotations

import datetime as dt

import pytest

from store.models import Department, Faq, StaffMember
from store.services import save_record, settings_of
from voice.dialogue import Turn, respond, state_after

NOW = dt.datetime(2026, 12, 21, 15, tzinfo=dt.timezone.utc)  # Monday 10:00 in New York


def add(store, model, **data):
    return save_record(actor=None, store=store, instance=model(), data=data)


@pytest.fixture
def shop(store):
    store.timezone, store.transfer_number = "America/New_York", "+12125550100"
    store.opening_hours = {day: {"open": "07:00", "close": "22:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}
    store.save()
    add(store, Department, name="Grocery", phone_extension="101", keywords=["groceries", "pantry"])
    service = add(store, Department, name="Customer Service", phone_extension="108", description="Returns, refunds, billing and complaints")
    add(store, StaffMember, name="Maria Lopez", department=service)
    add(store, Faq, question="Do you deliver?", answer="Yes, within 5 miles.", keywords=["delivery", "deliver"])
    return store


def ask(store, speech: str, **state):
    return respond(store, Turn(speech=speech, state=state), now=NOW)


def test_a_complaint_goes_to_the_department_that_takes_them_not_the_product_one(shop):
    reply = ask(shop, "you charged me twice for my groceries")

    assert reply.transfer.label == "Customer Service" and reply.transfer.send_digits == "ww108"


def test_a_staff_member_by_name_reaches_their_department(shop):
    assert ask(shop, "is maria lopez in today").transfer.label == "Customer Service"


def test_the_robot_question_is_answered_honestly_with_the_offer_of_a_person(shop):
    settings = settings_of(shop)
    settings.operator_number = "+12125550199"
    settings.save()

    reply = ask(shop, "am i talking to a robot")

    assert "automated assistant" in reply.say and reply.transfer is None
    assert state_after(reply)["offer"] == {"kind": "transfer", "to": "operator"}


def test_the_faq_answer_is_spoken(shop):
    assert ask(shop, "do you guys deliver").say.startswith("Yes, within 5 miles.")


def test_with_no_line_at_all_a_person_request_and_a_complaint_get_a_callback_offer(shop):
    type(shop).objects.filter(pk=shop.pk).update(transfer_number="")
    shop.refresh_from_db()

    for speech, reason in (("can i talk to a real person", "a person: "), ("you charged me twice", "Customer Service: ")):
        reply = ask(shop, speech)
        offer = state_after(reply)["offer"]
        assert reply.transfer is None and offer["kind"] == "callback" and offer["reason"] == reason + speech
        assert "call you back today at 11 AM" in reply.say


def test_yes_to_a_callback_offer_asks_for_it_and_no_carries_on(shop):
    offer = {"intent": "callback_offer", "offer": {"kind": "callback", "reason": "Grocery: the grocery please"}}

    yes = ask(shop, "yes please", **offer)
    no = ask(shop, "no that's okay", **offer)
    bye = ask(shop, "okay thanks bye", **offer)

    assert (yes.callback.reason, yes.callback.scheduled_at) == ("Grocery: the grocery please", dt.datetime(2026, 12, 21, 16, 0, tzinfo=dt.timezone.utc))
    assert no.callback is None and no.intent == "continue" and "offer" not in state_after(no)
    assert bye.hang_up and bye.callback is None
