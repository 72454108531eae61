"""POST /voice/gather: the caller's words and the agent's answer logged; Gather again, Dial, or Hangup."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call, TranscriptEntry
from store.models import Department
from tests.voice.webhooks import (  # noqa: F401 (fixtures)
    BASE,
    CALL_SID,
    STORE_NUMBER,
    fake_dialogue,
    gather_params,
    incoming_params,
    post,
    sent,
    signature,
    spoken,
    twilio_settings,
    twiml,
    verbs,
)
from voice.dialogue import Turn

pytestmark = pytest.mark.usefixtures("twilio_settings")


@pytest.fixture
def call(client, store, fake_dialogue) -> Call:
    """A call that has been greeted, as /voice/incoming leaves it."""
    twiml(post(client, "/voice/incoming", incoming_params()))
    return Call.objects.get()


def gather(client, **params):
    return twiml(post(client, "/voice/gather", gather_params(**params)))


def lines(call: Call) -> list[tuple[str, str]]:
    return list(call.entries.values_list("speaker", "text"))[1:]  # after the greeting


def test_question_is_logged_answered_and_listened_for_again(client, call, fake_dialogue):
    root = gather(client, speech="Do you have milk?")

    assert verbs(root) == ["Gather"]
    g = root.find("Gather")
    assert (g.get("action"), g.get("input"), g.get("actionOnEmptyResult"), g.get("speechModel")) == (
        f"{BASE}/voice/gather?turn=1", "dtmf speech", "true", "phone_call")
    # The reply's own hints come first, then the store's.
    assert g.get("hints") == "whole milk,oat milk,bakery,pharmacy,milk"
    assert g.find("Say").text == "Whole milk is $3.49, in aisle 3."
    assert lines(call) == [("Caller", "Do you have milk?"), ("Agent", "Whole milk is $3.49, in aisle 3.")]
    assert fake_dialogue.turns == [Turn(speech="Do you have milk?", digits="", misses=0, language="en")]
    call.refresh_from_db()
    assert (call.status, call.outcome, call.metadata["misses"]) == ("in-progress", "", 0)


def test_turn_events_leave_after_the_commit(client, call, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        gather(client, speech="do you have milk")
    assert sent == []

    for callback in callbacks:
        callback()
    types = [message["type"] for _, message in sent]
    assert types[0] == "transcriptUpdated" and "callUpdated" in types
    assert sent[0][1]["transcript"].endswith("Caller: do you have milk\nAgent: Whole milk is $3.49, in aisle 3.\n")


def test_department_by_digit_dials_the_store_line_with_the_extension(client, call):
    root = gather(client, digits="1")

    assert verbs(root) == ["Say", "Dial"]
    assert spoken(root) == ["Connecting you to the Bakery."]
    dial = root.find("Dial")
    assert (dial.get("action"), dial.get("method")) == (f"{BASE}/voice/status?turn=1", "POST")
    number = dial.find("Number")
    assert (number.text, number.get("sendDigits")) == ("+15005550010", "ww105")
    assert lines(call) == [("Caller", "pressed 1"), ("Agent", "Connecting you to the Bakery.")]
    call.refresh_from_db()
    assert (call.outcome, call.status) == ("transferred to Bakery", "in-progress")


def test_department_with_its_own_phone_is_dialled_without_digits(client, call):
    root = gather(client, speech="pharmacy please")

    number = root.find("Dial/Number")
    assert number.text == "+15551239999"
    assert "sendDigits" not in number.attrib
    assert Call.objects.get().outcome == "transferred to Pharmacy"


def test_goodbye_says_goodbye_and_hangs_up(client, call):
    root = gather(client, speech="okay thanks bye")

    assert verbs(root) == ["Say", "Hangup"]
    assert spoken(root) == ["Thanks for calling. Goodbye!"]
    call.refresh_from_db()
    assert call.outcome == "answered"
    assert lines(call)[-1] == ("Agent", "Thanks for calling. Goodbye!")


def test_silence_is_a_miss_and_logs_only_the_agent(client, call, fake_dialogue):
    root = gather(client)

    assert verbs(root) == ["Gather"]
    assert spoken(root) == ["Sorry, I didn't catch that."]
    assert lines(call) == [("Agent", "Sorry, I didn't catch that.")]
    assert fake_dialogue.turns[-1] == Turn(speech="", digits="", misses=0, language="en")
    assert Call.objects.get().metadata["misses"] == 1


def test_repeated_misses_are_counted_until_the_operator_takes_over(client, call, fake_dialogue):
    gather(client, speech="uh")
    root = gather(client, speech="hmm what")

    assert [turn.misses for turn in fake_dialogue.turns] == [0, 1]
    assert root.find("Dial/Number").text == "+15550009999"
    call.refresh_from_db()
    assert (call.metadata["misses"], call.outcome) == (2, "transferred to operator")


def test_an_understood_turn_resets_the_misses(client, call, fake_dialogue):
    gather(client, speech="uh")
    gather(client, speech="milk")
    gather(client, speech="uh")

    assert [turn.misses for turn in fake_dialogue.turns] == [0, 1, 0]
    assert Call.objects.get().metadata["misses"] == 1


def test_bot_metadata_is_kept_beside_the_miss_counter(client, call):
    Call.objects.filter(pk=call.pk).update(metadata={"userAgent": "twilio"})

    gather(client, speech="milk")

    call = Call.objects.get()
    assert call.metadata == {"userAgent": "twilio", "misses": 0, "answeredTurns": 1}
    assert call.dialogue_state == {"intent": "product"}


def test_a_bots_metadata_patch_does_not_lose_the_dialogue_state(client, call, fake_dialogue):
    """The agent's memory is its own field: a bot replacing metadata whole (PATCH) leaves a pending offer alone."""
    gather(client, speech="dragon fruit")  # the scripted engine: not found, a transfer offered
    Call.objects.filter(pk=call.pk).update(metadata={"bot": "replaced"})

    gather(client, speech="yes")

    assert fake_dialogue.turns[-1].offer == {"kind": "transfer", "to": "operator"}
    assert fake_dialogue.turns[-1].previous_intent == "not_found"


def test_the_previous_replys_intent_reaches_the_next_turn(client, call, fake_dialogue):
    gather(client, speech="milk")
    gather(client, speech="uh")
    gather(client, speech="yes")

    assert [turn.previous_intent for turn in fake_dialogue.turns] == ["", "product", "reask"]


def test_language_of_the_call_reaches_the_engine(client, call, fake_dialogue):
    Call.objects.filter(pk=call.pk).update(language="mixed")

    gather(client, speech="dhanyavad bye")

    assert fake_dialogue.turns[-1].language == "mixed"


def test_unknown_call_sid_gets_a_polite_goodbye_and_writes_nothing(client, store, fake_dialogue):
    root = gather(client, speech="milk", CallSid="CA" + "9" * 32)

    assert verbs(root) == ["Say", "Hangup"]
    assert "couldn't find your call" in spoken(root)[0]
    assert not Call.objects.exists() and not TranscriptEntry.objects.exists()
    assert fake_dialogue.turns == []


def test_missing_call_sid_gets_a_polite_goodbye(client, call, fake_dialogue):
    root = gather(client, speech="milk", CallSid=None)

    assert verbs(root) == ["Say", "Hangup"]
    assert TranscriptEntry.objects.count() == 1
    assert fake_dialogue.turns == []


def test_a_call_hung_up_from_the_dashboard_is_not_answered_any_more(client, call, fake_dialogue):
    Call.objects.filter(pk=call.pk).update(status="terminated", end_time=timezone.now())

    root = gather(client, speech="milk")

    assert verbs(root) == ["Hangup"]
    assert TranscriptEntry.objects.count() == 1
    assert fake_dialogue.turns == []


def test_bad_signature_is_403_and_nothing_is_said_or_logged(client, call, fake_dialogue):
    params = gather_params(speech="milk")

    response = post(client, "/voice/gather", params, sign=signature("/voice/gather", {**params, "SpeechResult": "bye"}))

    assert response.status_code == 403
    assert TranscriptEntry.objects.count() == 1
    assert fake_dialogue.turns == []


def test_the_call_of_the_store_owning_the_number_is_used(client, call, other_store, fake_dialogue):
    """A bot in another store logged a call under the same id: the dialled number decides."""
    decoy = Call.objects.create(store=other_store, call_id=CALL_SID, status="in-progress", start_time=timezone.now() - timedelta(minutes=1))

    gather(client, speech="milk", To=STORE_NUMBER)

    assert len(lines(call)) == 2
    assert not decoy.entries.exists()


def test_a_very_long_utterance_is_cut(client, call, fake_dialogue):
    gather(client, speech="milk " * 1000)

    assert len(fake_dialogue.turns[-1].speech) <= 2000
    assert len(lines(call)[0][1]) <= 2000


# -- with the real dialogue engine, once it lands ---------------------------------------------

@pytest.fixture
def real_engine():
    pytest.importorskip("voice.intents")


def test_real_engine_puts_a_department_through_with_its_extension(client, store, real_engine):
    store.transfer_number = "+15005550099"
    store.save()
    Department.objects.create(store=store, name="Bakery", phone_extension="105", keywords=["bread", "cake"])
    twiml(post(client, "/voice/incoming", incoming_params()))

    root = gather(client, speech="can I talk to the bakery")

    number = root.find("Dial/Number")
    assert (number.text, number.get("sendDigits")) == ("+15005550099", "ww105")
    assert Call.objects.get().outcome == "transferred to Bakery"


def test_real_engine_yes_after_an_unknown_product_puts_the_caller_through(client, store, real_engine):
    from store.services import settings_of

    voice = settings_of(store)
    voice.operator_number = "+15005550123"
    voice.save()
    twiml(post(client, "/voice/incoming", incoming_params()))

    first = gather(client, speech="do you sell unicorn saddles")
    root = gather(client, speech="yes please")

    assert verbs(first) == ["Gather"]
    assert root.find("Dial/Number").text == "+15005550123"
    assert Call.objects.get().dialogue_state["intent"] in ("operator", "person")


def test_real_engine_goodbye_hangs_up(client, store, real_engine):
    twiml(post(client, "/voice/incoming", incoming_params()))

    root = gather(client, speech="that's all thank you bye")

    assert verbs(root)[-1] == "Hangup"
    call = Call.objects.get()
    assert call.outcome == "answered"
    assert [speaker for speaker, _ in call.entries.values_list("speaker", "text")] == ["Agent", "Caller", "Agent"]


def test_an_engine_failure_is_an_apology_and_the_call_goes_on(client, call, monkeypatch):
    def broken(store, turn, *, now, version=None):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr("voice.dialogue.respond", broken)

    root = gather(client, speech="do you have milk")

    assert verbs(root) == ["Gather"]
    assert root.find("Gather").find("Say").text == "Sorry, there was an error processing your request. Please try again."
    assert lines(call) == [("Caller", "do you have milk"), ("Agent", "Sorry, there was an error processing your request. Please try again.")]
    call.refresh_from_db()
    assert call.is_live and call.metadata["misses"] == 1


def test_a_turn_goes_on_from_the_metadata_as_of_its_lock_not_as_it_was_read(client, call, monkeypatch):
    """A status callback may write the call's metadata while the engine thinks: the turn keeps what it wrote."""
    from voice import services

    stale = Call.objects.select_related("store").get(pk=call.pk)
    Call.objects.filter(pk=call.pk).update(metadata={**call.metadata, "twilioSequence": 7})

    services.take_turn(call=stale, speech="mumble", digits="", now=timezone.now())

    call.refresh_from_db()
    assert call.metadata["twilioSequence"] == 7  # the callback's key survives the turn's write
    assert call.metadata["misses"] == 1 and call.dialogue_state["intent"] == "reask"
    assert lines(call)[-2:] == [("Caller", "mumble"), ("Agent", "Sorry, I didn't catch that.")]
