"""POST /voice/recording: a finished recording's MP3 becomes the call's audio file."""
from __future__ import annotations

import pytest
from django.utils import timezone

from calls.models import Call
from tests.voice.webhooks import (  # noqa: F401 (fixtures)
    CALL_SID,
    post,
    sent,
    signature,
    twilio_settings,
    twiml,
    verbs,
)

pytestmark = pytest.mark.usefixtures("twilio_settings")
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC" + "a" * 32 + "/Recordings/RE" + "b" * 32


def recording_params(**overrides) -> dict:
    params = {
        "AccountSid": "AC" + "a" * 32,
        "CallSid": CALL_SID,
        "RecordingSid": "RE" + "b" * 32,
        "RecordingUrl": RECORDING_URL,
        "RecordingStatus": "completed",
        "RecordingDuration": "41",
        "RecordingChannels": "1",
        "RecordingSource": "StartCallRecordingTwiML",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


@pytest.fixture
def call(store) -> Call:
    return Call.objects.create(store=store, call_id=CALL_SID, status="in-progress", start_time=timezone.now())


def recording(client, **params):
    root = twiml(post(client, "/voice/recording", recording_params(**params)))
    assert verbs(root) == []


def test_finished_recording_is_kept_as_the_calls_mp3(client, call, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recording(client)

    call.refresh_from_db()
    assert call.audio_file == RECORDING_URL + ".mp3"
    assert [(message["type"], message["data"]) for _, message in sent] == [("callUpdated", {"audioFile": RECORDING_URL + ".mp3"})]


def test_recording_of_a_finished_call_is_kept(client, call):
    # The recording is ready only after the call has ended.
    Call.objects.filter(pk=call.pk).update(status="success", end_time=timezone.now())

    recording(client)

    call.refresh_from_db()
    assert (call.status, call.audio_file) == ("success", RECORDING_URL + ".mp3")


def test_the_same_recording_twice_writes_once(client, call, sent, django_capture_on_commit_callbacks):
    recording(client)

    with django_capture_on_commit_callbacks(execute=True):
        recording(client)

    assert sent == []
    assert Call.objects.get().audio_file == RECORDING_URL + ".mp3"


@pytest.mark.parametrize("state", ["in-progress", "absent", "failed"])
def test_unfinished_or_absent_recordings_are_not_kept(client, call, state):
    recording(client, RecordingStatus=state)

    assert Call.objects.get().audio_file == ""


@pytest.mark.parametrize("url", [None, "", "ftp://example.com/r", "javascript:alert(1)", "https://api.twilio.com/" + "x" * 600])
def test_missing_or_odd_urls_are_200_and_ignored(client, call, url):
    recording(client, RecordingUrl=url)

    assert Call.objects.get().audio_file == ""


def test_unknown_or_missing_call_sid_is_200_and_writes_nothing(client, call):
    recording(client, CallSid="CA" + "9" * 32)
    recording(client, CallSid=None)

    assert Call.objects.get().audio_file == ""


def test_bad_signature_is_403_and_keeps_nothing(client, call):
    params = recording_params()

    response = post(client, "/voice/recording", params, sign=signature("/voice/recording", {**params, "RecordingUrl": "https://evil.example/r"}))

    assert response.status_code == 403
    assert Call.objects.get().audio_file == ""
