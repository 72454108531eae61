"""`manage.py simulate_call`: a whole call played through the signed webhooks, printed as a conversation."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from calls.models import Call
from tests.voice.webhooks import fake_dialogue, twilio_settings  # noqa: F401 (fixtures)
from voice.management.commands.simulate_call import read_twiml


def simulate(*args: str, stdin: str | None = None) -> list[str]:
    out = io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("simulate_call", *args, stdout=out, stderr=io.StringIO(), **extra)
    return out.getvalue().splitlines()


def test_a_scripted_call_prints_the_conversation_and_logs_the_call(store, twilio_settings, fake_dialogue):
    lines = simulate("--store", "main-street", "--say", "do you have milk", "--say", "bye")

    assert lines[1:-1] == [
        "Agent: Thanks for calling Main Street Market. How can I help?",
        "  [Gather]",
        "Caller: do you have milk",
        "Agent: Whole milk is $3.49, in aisle 3.",
        "  [Gather]",
        "Caller: bye",
        "Agent: Thanks for calling. Goodbye!",
        "  [Hangup]",
    ]
    call = Call.objects.get()
    assert lines[0] == f"Calling Main Street Market on +15005550006 (CallSid {call.call_id})"
    assert call.is_twilio_call and (call.type, call.receiver) == ("inbound", "+15005550006")
    assert (call.status, call.outcome, call.satisfaction) == ("success", "answered", "neutral")
    assert call.duration >= 1
    assert [speaker for speaker, in call.entries.values_list("speaker")] == ["Agent", "Caller", "Agent", "Caller", "Agent"]
    assert lines[-1].startswith(f"Call {call.call_id}: success, outcome answered")


def test_digits_are_key_presses_and_an_unanswered_transfer_comes_back_to_the_agent(store, twilio_settings, fake_dialogue):
    lines = simulate("--store", "main-street", "--say", "1", "--say", "bye")

    assert "  [Dial +15005550010 sendDigits=ww105]" in lines
    at = lines.index("  (the simulated department does not answer)")
    assert lines[at + 1].startswith("Agent: Sorry, Bakery didn't pick up.")
    assert "Caller: bye" in lines
    assert fake_dialogue.turns[0].digits == "1" and fake_dialogue.turns[0].speech == ""
    assert [turn.speech for turn in fake_dialogue.turns] == ["", "bye"]
    assert Call.objects.get().metadata["dialStatus"] == "no-answer"


def test_a_transfer_that_ends_the_script_leaves_the_caller_with_the_department(store, twilio_settings, fake_dialogue):
    lines = simulate("--store", "main-street", "--say", "1")

    assert "  (the simulated department does not answer)" not in lines
    assert Call.objects.get().outcome == "transferred to Bakery"


def test_an_empty_say_is_silence(store, twilio_settings, fake_dialogue):
    lines = simulate("--store", "main-street", "--say", "")

    assert "Caller: (silence)" in lines
    assert fake_dialogue.turns[0].speech == fake_dialogue.turns[0].digits == ""


def test_interactive_mode_reads_lines_until_an_empty_one(store, twilio_settings, fake_dialogue):
    lines = simulate("--store", "main-street", "--interactive", stdin="do you have milk\n\nbye\n")

    assert "Caller: do you have milk" in lines
    assert "Caller: bye" not in lines
    assert [turn.speech for turn in fake_dialogue.turns] == ["do you have milk"]
    # Hung up by the simulator without a goodbye: the call still ends.
    assert Call.objects.get().status == "success"


def test_interactive_mode_stops_at_eof(store, twilio_settings, fake_dialogue):
    lines = simulate("--store", "main-street", "--say", "milk", "--interactive", stdin="pharmacy")

    assert [turn.speech for turn in fake_dialogue.turns] == ["milk", "pharmacy"]
    assert "  [Dial +15551239999]" in lines


def test_debug_without_a_token_signs_with_the_dev_token(store, settings, fake_dialogue):
    settings.TWILIO_AUTH_TOKEN, settings.DEBUG = "", True

    simulate("--store", "main-street", "--say", "bye")

    assert Call.objects.get().outcome == "answered"


def test_without_any_token_it_refuses_to_start(store, settings, fake_dialogue):
    settings.TWILIO_AUTH_TOKEN, settings.DEBUG = "", False

    with pytest.raises(CommandError, match="No token to sign with"):
        simulate("--store", "main-street", "--say", "bye")
    assert not Call.objects.exists()


def test_a_wrong_token_is_reported_as_a_refused_signature(store, twilio_settings, fake_dialogue):
    with pytest.raises(CommandError, match="403"):
        simulate("--store", "main-street", "--token", "not-the-servers", "--say", "bye")
    assert not Call.objects.exists()


def test_unknown_store_or_store_without_a_number(store, twilio_settings, fake_dialogue):
    with pytest.raises(CommandError, match="No store"):
        simulate("--store", "nowhere")
    store.twilio_numbers = []
    store.save()
    with pytest.raises(CommandError, match="no Twilio number"):
        simulate("--store", "main-street")


@pytest.mark.django_db(transaction=True)
def test_against_a_running_server(live_server, store, twilio_settings, fake_dialogue):
    twilio_settings.PUBLIC_BASE_URL = live_server.url

    lines = simulate("--store", "main-street", "--url", live_server.url, "--say", "do you have milk", "--say", "bye")

    assert "Agent: Whole milk is $3.49, in aisle 3." in lines and "  [Hangup]" in lines
    call = Call.objects.get()
    assert (call.status, call.outcome) == ("success", "answered")
    assert lines[-1] == f"Call {call.call_id} hung up; see /api/calls/{call.call_id}"


def test_twiml_verbs_are_printed_as_the_call_would_go():
    answer = read_twiml(
        b'<?xml version="1.0"?><Response><Start><Recording recordingStatusCallback="x"/></Start>'
        b'<Say>One moment.</Say><Dial action="y"><Number sendDigits="ww105">+15005550099</Number></Dial><Hangup/></Response>'
    )

    assert answer.lines == ["  [Start Recording]", "Agent: One moment.", "  [Dial +15005550099 sendDigits=ww105]", "  [Hangup]"]
    assert not answer.listening


def test_real_engine_call_from_greeting_to_goodbye(store, twilio_settings):
    pytest.importorskip("voice.intents")

    lines = simulate("--store", "main-street", "--say", "thank you, bye")

    assert lines[-2] == "  [Hangup]"
    assert Call.objects.get().outcome == "answered"
