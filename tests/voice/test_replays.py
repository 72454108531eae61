"""Twilio replays (issue 14): a retried or replayed webhook is answered the same TwiML and writes nothing.

A request is known by Twilio's I-Twilio-Idempotency-Token and by its signature, which covers the
action URL our TwiML gave it, `?turn=N`: two turns never share one, a replay always does.
"""
from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client

from calls.models import Call
from tests.voice.webhooks import (  # noqa: F401 (fixtures)
    BASE,
    fake_dialogue,
    gather_params,
    incoming_params,
    post,
    sent,
    spoken,
    twilio_settings,
    twiml,
)

pytestmark = pytest.mark.usefixtures("twilio_settings")


def action(response) -> str:
    """The path (with its query) Twilio sends the caller's next move to, from the <Gather> or <Dial> of `response`."""
    root = twiml(response)
    verb = root.find("Gather") if root.find("Gather") is not None else root.find("Dial")
    url = verb.get("action")
    assert url.startswith(BASE), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def call_state(call: Call) -> tuple:
    call.refresh_from_db()
    return (list(call.entries.values_list("speaker", "text")), call.transcript_entry_count, call.metadata, call.outcome, call.updated_at)


@pytest.fixture
def greeted(client, store, fake_dialogue) -> tuple[Call, str]:
    """A call just greeted, and the signed URL its <Gather> sends the first turn to."""
    path = action(post(client, "/voice/incoming", incoming_params()))
    return Call.objects.get(), path


def test_a_replayed_gather_answers_the_same_twiml_and_writes_nothing(client, greeted, sent, django_capture_on_commit_callbacks):
    call, path = greeted
    first = post(client, path, gather_params(speech="do you have milk"))
    after_first = call_state(call)
    assert len(after_first[0]) == 3 and after_first[2]["answeredTurns"] == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        replays = [post(client, path, gather_params(speech="do you have milk")) for _ in range(3)]

    assert [replay.content for replay in replays] == [first.content] * 3
    assert call_state(call) == after_first  # no line, no counter, not even updated_at
    assert callbacks == [] and sent == []


def test_the_same_words_twice_are_two_turns(client, greeted):
    call, path = greeted
    assert path == "/voice/gather?turn=1"
    second = action(post(client, path, gather_params(speech="mumble")))
    assert second == "/voice/gather?turn=2"
    action(post(client, second, gather_params(speech="mumble")))

    call.refresh_from_db()
    assert [text for _, text in call.entries.values_list("speaker", "text")][1:] == ["mumble", "Sorry, I didn't catch that.", "mumble", "Let me connect you to someone."]


def test_twilios_idempotency_token_marks_a_retry_even_at_another_url(client, greeted):
    call, path = greeted
    token = {"HTTP_I_TWILIO_IDEMPOTENCY_TOKEN": "CA0123-retry-token"}
    first = post(client, path, gather_params(speech="do you have milk"), **token)
    # The same token on a request without a turn (an older client's URL): the retry Twilio sent.
    retry = post(client, "/voice/gather", gather_params(speech="do you have milk"), **token)

    assert retry.content == first.content
    assert call.entries.count() == 3


def test_a_replay_with_a_forged_token_is_still_a_replay(client, greeted):
    # The header is not signed: a replay that changes it is caught by the signature.
    call, path = greeted
    first = post(client, path, gather_params(speech="do you have milk"), HTTP_I_TWILIO_IDEMPOTENCY_TOKEN="one")
    again = post(client, path, gather_params(speech="do you have milk"), HTTP_I_TWILIO_IDEMPOTENCY_TOKEN="two")

    assert again.content == first.content
    assert call.entries.count() == 3


def test_a_replayed_unanswered_transfer_brings_the_caller_back_once(client, greeted):
    call, path = greeted
    dial_action = action(post(client, path, gather_params(speech="the bakery please")))
    assert dial_action == "/voice/status?turn=2"
    params = incoming_params(CallStatus="in-progress", DialCallStatus="no-answer", DialCallSid="CA" + "7" * 32)

    answers = [post(client, dial_action, params) for _ in range(3)]

    assert len({answer.content for answer in answers}) == 1
    said, = spoken(twiml(answers[0]))
    assert said.startswith("Sorry, Bakery didn't pick up. Would you like us to call you back")  # never a dead end
    assert action(answers[0]) == "/voice/gather?turn=3"
    call.refresh_from_db()
    assert call.entries.count() == 4  # greeting, the caller, the transfer, the one "didn't pick up"
    assert call.metadata["dialStatus"] == "no-answer"


def test_an_ended_calls_answers_are_let_go(client, greeted):
    from voice.models import TwilioRequest

    call, path = greeted
    post(client, path, gather_params(speech="do you have milk"))
    assert TwilioRequest.objects.filter(call=call).count() == 1

    twiml(post(client, "/voice/status", incoming_params(CallStatus="completed", CallDuration="30")))

    assert not TwilioRequest.objects.filter(call=call).exists()
    # A replay now finds the call over: goodbye, and still nothing written.
    lines = call.entries.count()
    assert [el.tag for el in twiml(post(client, path, gather_params(speech="do you have milk")))] == ["Hangup"]
    assert call.entries.count() == lines


def together(count: int, path: str, params: dict) -> list[bytes]:
    """POST the same signed request from `count` threads released at once; their answers."""
    barrier = threading.Barrier(count)
    answers: list[bytes] = [b""] * count
    errors: list[BaseException] = []

    def replay(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[i] = post(Client(), path, params).content
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=replay, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a replay hung"
    assert not errors, errors
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("replays", [2, 6])
def test_concurrent_replays_write_once(store, fake_dialogue, sent, replays):
    path = action(post(Client(), "/voice/incoming", incoming_params()))
    call = Call.objects.get()

    answers = together(replays, path, gather_params(speech="do you have milk"))

    assert len(set(answers)) == 1 and answers[0] and b"Whole milk" in answers[0]
    call.refresh_from_db()
    assert (call.entries.count(), call.transcript_entry_count, call.metadata["answeredTurns"]) == (3, 3, 1)
    assert [m["type"] for _, m in sent].count("transcriptUpdated") == 2  # the greeting's and the one turn's


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_a_recording_write_it_once(store, fake_dialogue, sent):
    post(Client(), "/voice/incoming", incoming_params())
    sent.clear()
    recording = {"AccountSid": "AC" + "a" * 32, "CallSid": incoming_params()["CallSid"], "RecordingStatus": "completed",
                 "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC" + "a" * 32 + "/Recordings/RE" + "b" * 32}  # fmt: skip

    together(6, "/voice/recording", recording)

    assert Call.objects.get().audio_file == recording["RecordingUrl"] + ".mp3"
    assert [m["type"] for _, m in sent] == ["callUpdated"]
