"""POST /api/calls/outbound: the platform places a call through Twilio and logs it as queued."""
from __future__ import annotations

import json

import pytest
import requests
from twilio.http.http_client import HttpClient
from twilio.http.response import Response as TwilioResponse

from calls.models import Call

ACCOUNT_SID = "AC" + "b" * 32
NEW_SID = "CA" + "fedcba9876543210" * 2


class FakeTwilioHttp(HttpClient):
    """Records every request the Twilio SDK makes and answers with a canned response; never the network."""

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)
        self.status = 201
        self.body = {"sid": NEW_SID, "account_sid": ACCOUNT_SID, "status": "queued", "to": "+12125551234", "from": "+15005550006"}
        self.requests: list[dict] = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
        self.requests.append({"method": method, "url": url, "data": dict(data or {})})
        return TwilioResponse(self.status, json.dumps(self.body))


@pytest.fixture
def twilio_http(settings, monkeypatch) -> FakeTwilioHttp:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.PUBLIC_BASE_URL = "https://cc.example.com"
    fake = FakeTwilioHttp()
    monkeypatch.setattr("voice.twilio.http_client", fake)
    return fake


def assert_validation_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert (response.json()["success"], response.json()["error"]) == (False, "validation_error")
    assert response.json()["fields"].get(field), response.json()


def test_owner_places_a_call_through_twilio(owner_api, store, twilio_http):
    response = owner_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "main-street"}, format="json")

    assert response.status_code == 201, response.content
    assert len(twilio_http.requests) == 1
    sent = twilio_http.requests[0]
    assert sent["method"] == "POST"
    assert sent["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    assert sent["data"]["To"] == "+12125551234"
    assert sent["data"]["From"] == "+15005550006"
    assert sent["data"]["Url"] == "https://cc.example.com/voice/outbound"
    assert sent["data"]["StatusCallback"] == "https://cc.example.com/voice/status"

    call = Call.objects.get()
    assert (call.store, call.call_id, call.type, call.status) == (store, NEW_SID, "outbound", "queued")
    assert (call.caller, call.receiver) == ("+15005550006", "+12125551234")
    data = response.json()["data"]
    assert (data["id"], data["callId"], data["type"], data["status"]) == (call.pk, NEW_SID, "outbound", "queued")


def test_agent_places_a_call_from_their_store_without_naming_it(agent_api, store, other_store, twilio_http):
    response = agent_api.post("/api/calls/outbound", {"to": "+12125551234"}, format="json")

    assert response.status_code == 201, response.content
    assert twilio_http.requests[0]["data"]["From"] == "+15005550006"
    assert Call.objects.get().store == store


@pytest.mark.parametrize("to", ["5551234567", "+0123456789", "+1 555 123 4567", "+1555", "", "+1212555123489012"])
def test_bad_number_is_400_naming_to_and_places_nothing(owner_api, store, twilio_http, to):
    response = owner_api.post("/api/calls/outbound", {"to": to, "store": "main-street"}, format="json")

    assert_validation_error(response, "to")
    assert twilio_http.requests == []
    assert not Call.objects.exists()


def test_missing_to_is_400(owner_api, store, twilio_http):
    response = owner_api.post("/api/calls/outbound", {"store": "main-street"}, format="json")

    assert_validation_error(response, "to")
    assert twilio_http.requests == []


def test_without_twilio_config_it_is_503_and_writes_nothing(owner_api, store, settings):
    settings.TWILIO_ACCOUNT_SID = None
    settings.TWILIO_AUTH_TOKEN = None

    response = owner_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "main-street"}, format="json")

    assert response.status_code == 503, response.content
    assert (response.json()["success"], response.json()["error"]) == (False, "service_unavailable")
    assert not Call.objects.exists()


def test_twilio_refusing_the_call_is_502_with_twilios_message_and_writes_nothing(owner_api, store, twilio_http):
    twilio_http.status = 400
    twilio_http.body = {"code": 21211, "message": "The 'To' number +12125551234 is not a valid phone number.", "status": 400}

    response = owner_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "main-street"}, format="json")

    assert response.status_code == 502, response.content
    body = response.json()
    assert (body["success"], body["error"]) == (False, "bad_gateway")
    assert body["message"] == "Twilio refused the call: The 'To' number +12125551234 is not a valid phone number. (Twilio error 21211)"
    assert len(twilio_http.requests) == 1
    assert not Call.objects.exists()


def test_twilio_unreachable_is_502_and_writes_nothing(owner_api, store, twilio_http, monkeypatch):
    def refuse(*args, **kwargs):
        raise requests.ConnectionError("Connection refused")

    monkeypatch.setattr(twilio_http, "request", refuse)

    response = owner_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "main-street"}, format="json")

    assert response.status_code == 502, response.content
    assert response.json()["message"] == "Twilio could not be reached: try again in a moment."
    assert not Call.objects.exists()


def test_store_without_a_twilio_number_is_400(owner_api, store, twilio_http):
    store.twilio_numbers = []
    store.save()

    response = owner_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "main-street"}, format="json")

    assert_validation_error(response, "store")
    assert twilio_http.requests == []
    assert not Call.objects.exists()


def test_admin_with_several_stores_must_name_one(admin_api, store, other_store, twilio_http):
    response = admin_api.post("/api/calls/outbound", {"to": "+12125551234"}, format="json")

    assert_validation_error(response, "store")
    assert twilio_http.requests == []


def test_admin_places_a_call_from_the_named_store(admin_api, store, other_store, twilio_http):
    response = admin_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "harbor-deli"}, format="json")

    assert response.status_code == 201, response.content
    assert twilio_http.requests[0]["data"]["From"] == "+15005550007"
    assert Call.objects.get().store == other_store


def test_owner_cannot_call_from_another_owners_store(owner_api, store, other_store, twilio_http):
    response = owner_api.post("/api/calls/outbound", {"to": "+12125551234", "store": "harbor-deli"}, format="json")

    assert response.status_code == 404, response.content
    assert twilio_http.requests == []
    assert not Call.objects.exists()


def test_bot_key_may_not_place_calls(bot_api, store, twilio_http):
    response = bot_api.post("/api/calls/outbound", {"to": "+12125551234"}, format="json")

    assert response.status_code == 403, response.content
    assert twilio_http.requests == []
    assert not Call.objects.exists()
