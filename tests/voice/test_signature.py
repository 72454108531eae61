"""@twilio_signature_required: X-Twilio-Signature against PUBLIC_BASE_URL + path and the POST params, or 403."""
from __future__ import annotations

import pytest

from calls.models import Call, TranscriptEntry
from tests.voice.webhooks import (  # noqa: F401 (fixtures)
    BASE,
    CALL_SID,
    TOKEN,
    fake_dialogue,
    incoming_params,
    post,
    signature,
    twilio_settings,
    twiml,
)
from voice import twilio

WEBHOOKS = ["/voice", "/voice/incoming", "/voice/gather", "/voice/status", "/voice/recording", "/voice/outbound"]


@pytest.fixture
def live_call(store) -> Call:
    from django.utils import timezone

    return Call.objects.create(store=store, call_id=CALL_SID, status="in-progress", start_time=timezone.now())


def assert_nothing_written(call: Call | None = None, entries: int = 0) -> None:
    if call is None:
        assert not Call.objects.exists()
    else:
        fresh = Call.objects.get(pk=call.pk)
        assert (fresh.status, fresh.outcome, fresh.audio_file, fresh.metadata) == (call.status, call.outcome, call.audio_file, call.metadata)
    assert TranscriptEntry.objects.count() == entries


def test_signed_request_is_answered(client, store, twilio_settings, fake_dialogue):
    response = post(client, "/voice/incoming", incoming_params())

    assert [child.tag for child in twiml(response)] == ["Gather"]
    assert Call.objects.filter(call_id=CALL_SID).exists()


@pytest.mark.parametrize("path", WEBHOOKS)
def test_missing_signature_is_403_and_writes_nothing(client, store, live_call, twilio_settings, fake_dialogue, path):
    params = incoming_params(SpeechResult="bye", CallStatus="completed", CallDuration="30", RecordingUrl="https://api.twilio.com/r/RE1")

    response = post(client, path, params, sign="")

    assert response.status_code == 403
    assert_nothing_written(live_call)
    assert fake_dialogue.turns == []


@pytest.mark.parametrize("path", WEBHOOKS)
def test_wrong_signature_is_403_and_writes_nothing(client, store, live_call, twilio_settings, fake_dialogue, path):
    params = incoming_params(SpeechResult="bye", CallStatus="completed", CallDuration="30", RecordingUrl="https://api.twilio.com/r/RE1")

    response = post(client, path, params, sign=signature(path, params, token="someone-elses-token"))

    assert response.status_code == 403
    assert_nothing_written(live_call)


def test_params_changed_after_signing_are_403(client, store, twilio_settings, fake_dialogue):
    signed = signature("/voice/incoming", incoming_params())

    response = post(client, "/voice/incoming", incoming_params(From="+15559990000"), sign=signed)

    assert response.status_code == 403
    assert_nothing_written()


def test_signature_for_the_internal_url_is_403(client, store, twilio_settings, fake_dialogue):
    """Behind a proxy Django sees http://testserver; Twilio signed the public URL, and only that counts."""
    params = incoming_params()

    response = post(client, "/voice/incoming", params, sign=signature("/voice/incoming", params, base="http://testserver"))

    assert response.status_code == 403
    assert_nothing_written()


def test_forwarded_host_does_not_change_the_url_checked(client, store, twilio_settings, fake_dialogue, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.USE_X_FORWARDED_HOST = True
    params = incoming_params()
    forged = signature("/voice/incoming", params, base="https://attacker.example")

    response = post(client, "/voice/incoming", params, sign=forged, HTTP_X_FORWARDED_HOST="attacker.example", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 403
    assert_nothing_written()


def test_query_string_is_part_of_the_signed_url(client, store, twilio_settings, fake_dialogue):
    params = incoming_params()

    good = post(client, "/voice/incoming?lang=en", params, sign=signature("/voice/incoming?lang=en", params))
    Call.objects.all().delete()
    bad = post(client, "/voice/incoming?lang=en", params, sign=signature("/voice/incoming", params))

    assert good.status_code == 200
    assert bad.status_code == 403


def test_trailing_slash_path_is_signed_as_requested(client, store, twilio_settings, fake_dialogue):
    response = post(client, "/voice/incoming/", incoming_params())

    assert response.status_code == 200, response.content
    assert Call.objects.count() == 1


def test_get_is_405(client, store, twilio_settings):
    response = client.get("/voice/incoming", HTTP_X_TWILIO_SIGNATURE=signature("/voice/incoming", {}))

    assert response.status_code == 405


def test_without_a_token_every_webhook_is_403(client, store, settings, fake_dialogue):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = BASE
    params = incoming_params()

    for token in (twilio.DEV_AUTH_TOKEN, ""):
        response = post(client, "/voice/incoming", params, sign=signature("/voice/incoming", params, token=token) if token else "")
        assert response.status_code == 403
    assert_nothing_written()


def test_debug_without_a_token_accepts_the_dev_token_only(client, store, settings, fake_dialogue):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = BASE
    params = incoming_params()

    refused = post(client, "/voice/incoming", params, sign=signature("/voice/incoming", params, token=TOKEN))
    accepted = post(client, "/voice/incoming", params, sign=signature("/voice/incoming", params, token=twilio.DEV_AUTH_TOKEN))

    assert refused.status_code == 403
    assert accepted.status_code == 200, accepted.content
    assert Call.objects.count() == 1


def test_a_real_token_wins_over_the_dev_token_even_with_debug(client, store, twilio_settings, fake_dialogue):
    twilio_settings.DEBUG = True
    params = incoming_params()

    response = post(client, "/voice/incoming", params, sign=signature("/voice/incoming", params, token=twilio.DEV_AUTH_TOKEN))

    assert response.status_code == 403
    assert_nothing_written()


def test_validator_helpers_agree_with_twilios():
    params = {"CallSid": CALL_SID, "Digits": "1"}
    url = f"{BASE}/voice/gather"

    signed = twilio.sign(url, params, token=TOKEN)

    assert twilio.signature_is_valid(url, params, signed, token=TOKEN)
    assert not twilio.signature_is_valid(url, params, signed, token="other")
    assert not twilio.signature_is_valid(url, params, "", token=TOKEN)
    assert not twilio.signature_is_valid(url, params, signed, token="")
