"""Signed webhooks whose parameters do not fit where they are stored: TwiML and a whole write or none, never a 500.

Found from outside (issue 14): a 500-character CallSid, a huge CallDuration, a NUL in SpeechResult or
From each failed in the database (PostgreSQL) with a 500, which Twilio reads as an application error.
What each field gets is in voice/params.py's docstring.
"""
from __future__ import annotations

import pytest

from calls.models import Call, TranscriptEntry
from calls.serializers import MAX_DURATION
from tests.voice.webhooks import (  # noqa: F401 (fixtures)
    CALL_SID,
    fake_dialogue,
    gather_params,
    incoming_params,
    post,
    signature,
    spoken,
    twilio_settings,
    twiml,
    verbs,
)

pytestmark = pytest.mark.usefixtures("twilio_settings", "fake_dialogue")
LONG_SID = "CA" + "f" * 498


@pytest.fixture
def call(client, store) -> Call:
    twiml(post(client, "/voice/incoming", incoming_params()))
    return Call.objects.get()


def test_a_call_sid_longer_than_a_call_id_is_an_unknown_call_and_writes_nothing(client, store):
    root = twiml(post(client, "/voice/incoming", incoming_params(CallSid=LONG_SID)))

    assert verbs(root) == ["Say", "Hangup"]
    assert not Call.objects.exists()


@pytest.mark.parametrize("path", ["/voice/gather", "/voice/status", "/voice/recording"])
def test_a_long_call_sid_on_a_callback_changes_nothing(client, call, path):
    params = incoming_params(CallSid=LONG_SID, CallStatus="completed", CallDuration="5", SpeechResult="hello", RecordingUrl="https://api.twilio.com/r.mp3")
    before = Call.objects.values().get()

    twiml(post(client, path, params))

    assert Call.objects.values().get() == before
    assert TranscriptEntry.objects.count() == 1  # the greeting alone


@pytest.mark.parametrize("duration", ["99999999999", "9" * 30, "9" * 5000, str(MAX_DURATION + 1), "-5", "4.5", "٤٢"])
def test_a_call_duration_that_cannot_be_one_still_ends_the_call_with_its_own_duration(client, call, duration):
    root = twiml(post(client, "/voice/status", incoming_params(CallStatus="completed", CallDuration=duration)))

    assert verbs(root) == []
    call.refresh_from_db()
    assert call.status == "success" and call.end_time is not None
    # Twilio's figure was refused: the duration is worked out from the call's own start and end.
    assert call.duration == int((call.end_time - call.start_time).total_seconds())


def test_a_call_duration_of_a_week_is_kept(client, call):
    twiml(post(client, "/voice/status", incoming_params(CallStatus="completed", CallDuration=str(MAX_DURATION))))

    call.refresh_from_db()
    assert call.duration == MAX_DURATION


def test_a_nul_in_speech_is_heard_without_it(client, call, fake_dialogue):
    root = twiml(post(client, "/voice/gather", gather_params("do you have mi\x00lk?")))

    assert spoken(root) == ["Whole milk is $3.49, in aisle 3."]
    assert list(call.entries.values_list("text", flat=True))[1:] == ["do you have milk?", "Whole milk is $3.49, in aisle 3."]


def test_a_nul_in_from_is_logged_without_it(client, store):
    twiml(post(client, "/voice/incoming", incoming_params(From="+1555\x00123\x000001")))

    assert Call.objects.get().caller == "+15551230001"


def test_a_from_longer_than_a_caller_holds_is_cut(client, store):
    twiml(post(client, "/voice/incoming", incoming_params(From="sip:" + "a" * 300 + "@example.com")))

    assert Call.objects.get().caller == ("sip:" + "a" * 300)[:40]


def test_the_signature_is_checked_on_the_parameters_as_sent(client, store):
    # The cleaning comes after the check: a request signed over its real values passes (above), and
    # one whose NUL was added after signing does not.
    params = incoming_params(From="+15551230001")

    response = client.post("/voice/incoming", {**params, "From": "+1555123\x000001"}, HTTP_X_TWILIO_SIGNATURE=signature("/voice/incoming", params))

    assert response.status_code == 403
    assert not Call.objects.exists()
