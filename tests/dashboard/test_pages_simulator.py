"""/simulator/: the page's caller talks to the real voice views, signed as Twilio signs them."""
from __future__ import annotations

import pytest

from calls.models import Call
from store.models import Department
from tests.dashboard.pages import signed_in
from tests.voice.webhooks import fake_dialogue, sent, twilio_settings  # noqa: F401 (fixtures)


def test_the_page_offers_the_stores_number(owner, store, twilio_settings):
    response = signed_in(owner).get("/simulator/")
    html = response.content.decode()
    assert response.status_code == 200 and "+15005550006" in html and 'id="sim-start"' in html
    assert 'data-lang="en-US"' in html


def test_a_whole_call_through_the_webhooks(owner, store, twilio_settings, fake_dialogue, sent, django_capture_on_commit_callbacks):
    client = signed_in(owner)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/simulator/start", {"store": "main-street"}).json()
    assert started["said"] == ["Thanks for calling Main Street Market. How can I help?"]
    assert started["listening"] is True and "  [Gather]" in started["verbs"]
    call = Call.objects.get(call_id=started["callId"])
    assert (call.store, call.status, call.caller) == (store, "ringing", "+15550100123") or call.is_live
    assert [m["type"] for _, m in sent][0] == "callStarted"

    milk = client.post("/simulator/say", {"callId": call.call_id, "text": "do you have milk"}).json()
    assert milk["said"] == ["Whole milk is $3.49, in aisle 3."]
    bakery = client.post("/simulator/say", {"callId": call.call_id, "text": "1"}).json()
    assert bakery["dialling"] is True and "  [Dial +15005550010 sendDigits=ww105]" in bakery["verbs"]
    assert fake_dialogue.turns[-1].digits == "1"
    back = client.post("/simulator/say", {"callId": call.call_id, "text": "bye"}).json()
    assert back["said"][0].startswith("Sorry, Bakery didn't pick up.") and back["listening"] is False
    assert "  [Hangup]" in back["verbs"]
    assert client.post("/simulator/say", {"callId": call.call_id, "text": "hello?"}).status_code == 409

    assert client.post("/simulator/hangup", {"callId": call.call_id}).json()["success"] is True
    call.refresh_from_db()
    assert not call.is_live and call.transcript_entry_count >= 5


def test_only_the_sessions_own_calls_can_be_talked_to(owner, store, other_owner, other_store, twilio_settings, fake_dialogue):
    theirs = signed_in(other_owner).post("/simulator/start", {"store": "harbor-deli"}).json()["callId"]
    client = signed_in(owner)
    assert client.post("/simulator/say", {"callId": theirs, "text": "hi"}).status_code == 404
    assert client.post("/simulator/hangup", {"callId": theirs}).status_code == 404
    assert client.post("/simulator/start", {"store": "harbor-deli"}).status_code == 404
    assert Call.objects.filter(store=store).count() == 0


def test_a_store_without_a_number_or_a_token_cannot_be_called(owner, store, settings):
    settings.TWILIO_AUTH_TOKEN, settings.DEBUG = "", False
    client = signed_in(owner)
    assert client.post("/simulator/start", {"store": "main-street"}).status_code == 503
    store.twilio_numbers = []
    store.save()
    response = client.post("/simulator/start", {"store": "main-street"})
    assert response.status_code == 400 and "no phone number" in response.json()["message"]
    assert not Call.objects.exists()


def test_posts_need_the_csrf_token(owner, store, twilio_settings):
    assert signed_in(owner, csrf=True).post("/simulator/start", {"store": "main-street"}).status_code == 403


def test_a_department_changed_on_the_page_is_heard_on_the_next_call(owner, store, twilio_settings):
    pytest.importorskip("voice.intents")
    store.transfer_number = "+15005550100"
    store.save()
    Department.objects.create(store=store, name="Bakery", phone_extension="104", keywords=["bread"])
    client = signed_in(owner)
    bakery = Department.objects.get()
    client.post(f"/store/departments/{bakery.pk}/", {"name": "Bakery", "phone_extension": "777", "keywords": "bread", "is_active": "on"})
    sid = client.post("/simulator/start", {"store": "main-street"}).json()["callId"]
    answer = client.post("/simulator/say", {"callId": sid, "text": "the bakery please"}).json()
    assert "Bakery" in " ".join(answer["said"])
    assert any("sendDigits=ww777" in line for line in answer["verbs"])
