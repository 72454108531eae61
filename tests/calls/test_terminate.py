"""POST /api/calls/<id>/terminate (hang up, through Twilio for Twilio calls) and DELETE /api/calls/<id>."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone
from twilio.http.http_client import HttpClient
from twilio.http.response import Response as TwilioResponse

from calls.models import Call, TranscriptEntry
from tests.conftest import client_for

ACCOUNT_SID = "AC" + "a" * 32
TWILIO_SID = "CA" + "0123456789abcdef" * 2


class FakeTwilioHttp(HttpClient):
    """Records every request the Twilio SDK makes and answers with a canned response; never the network."""

    def __init__(self, status: int = 200, body: dict | None = None) -> None:
        super().__init__(logger=None, is_async=False)
        self.status, self.body = status, body
        self.requests: list[dict] = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
        self.requests.append({"method": method, "url": url, "data": dict(data or {}), "savepoints": len(connection.savepoint_ids)})
        sid = url.rsplit("/", 1)[-1].removesuffix(".json")
        body = self.body or {"sid": sid, "account_sid": ACCOUNT_SID, "status": "completed"}
        return TwilioResponse(self.status, json.dumps(body))


@pytest.fixture
def twilio_http(settings, monkeypatch) -> FakeTwilioHttp:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    fake = FakeTwilioHttp()
    monkeypatch.setattr("voice.twilio.http_client", fake)
    return fake


@pytest.fixture
def sent_events(monkeypatch) -> list[dict]:
    from calls import events

    recorded: list[dict] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append(message))
    return recorded


def make_call(store, call_id: str = "BOT-CALL-1", status: str = "in-progress", seconds_ago: int = 75) -> Call:
    return Call.objects.create(store=store, call_id=call_id, status=status, start_time=timezone.now() - timedelta(seconds=seconds_ago))


def test_agent_terminates_a_live_bot_call(agent_api, store, twilio_http):
    call = make_call(store)

    response = agent_api.post(f"/api/calls/{call.pk}/terminate")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["success"], body["message"], body["data"]["status"]) == (True, "Call terminated", "terminated")
    call.refresh_from_db()
    assert call.status == "terminated"
    assert call.end_time is not None and call.end_time <= timezone.now()
    assert 74 <= call.duration <= 80
    # Not a Twilio CallSid: nothing to hang up at Twilio.
    assert twilio_http.requests == []


def test_terminating_an_ended_call_is_409_call_is_not_active(owner_api, store, twilio_http):
    call = make_call(store)
    assert owner_api.post("/api/calls/BOT-CALL-1/terminate").status_code == 200
    call.refresh_from_db()
    ended_at = call.end_time

    response = owner_api.post("/api/calls/BOT-CALL-1/terminate")

    assert response.status_code == 409, response.content
    assert response.json() == {"success": False, "error": "conflict", "message": "Call is not active", "fields": {}}
    call.refresh_from_db()
    assert (call.status, call.end_time) == ("terminated", ended_at)


@pytest.mark.parametrize("status", ["success", "failed", "missed"])
def test_finished_call_cannot_be_terminated(owner_api, store, twilio_http, status):
    call = make_call(store, TWILIO_SID, status=status)

    response = owner_api.post(f"/api/calls/{call.pk}/terminate")

    assert response.status_code == 409, response.content
    assert response.json()["message"] == "Call is not active"
    assert Call.objects.get().status == status
    assert twilio_http.requests == []


@pytest.mark.parametrize("status", ["queued", "ringing", "in-progress"])
def test_twilio_call_is_hung_up_through_the_twilio_rest_api(owner_api, store, twilio_http, status):
    call = make_call(store, TWILIO_SID, status=status)
    savepoints_outside = len(connection.savepoint_ids)

    response = owner_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 200, response.content
    assert len(twilio_http.requests) == 1
    sent = twilio_http.requests[0]
    assert sent["method"] == "POST"
    assert sent["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{TWILIO_SID}.json"
    assert sent["data"] == {"Status": "completed"}
    # The REST call is made outside the service's transaction, never while a row is locked.
    assert sent["savepoints"] == savepoints_outside
    call.refresh_from_db()
    assert call.status == "terminated" and call.end_time is not None


def test_twilio_saying_the_call_already_ended_still_terminates_it(owner_api, store, twilio_http):
    twilio_http.status, twilio_http.body = 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
    call = make_call(store, TWILIO_SID)

    response = owner_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 200, response.content
    assert len(twilio_http.requests) == 1
    call.refresh_from_db()
    assert call.status == "terminated"


def test_twilio_failure_is_502_with_twilios_message_and_the_call_stays_live(owner_api, store, twilio_http, sent_events):
    twilio_http.status, twilio_http.body = 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
    call = make_call(store, TWILIO_SID)

    response = owner_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 502, response.content
    assert response.json() == {
        "success": False,
        "error": "bad_gateway",
        "message": "Twilio refused to hang up the call: Internal Server Error (Twilio error 20500)",
        "fields": {},
    }
    call.refresh_from_db()
    assert (call.status, call.end_time) == ("in-progress", None)
    assert sent_events == []


def test_twilio_unreachable_is_502_and_the_call_stays_live(owner_api, store, twilio_http, monkeypatch):
    def time_out(*args, **kwargs):
        raise requests.ReadTimeout("Read timed out. (read timeout=5)")

    monkeypatch.setattr(twilio_http, "request", time_out)
    call = make_call(store, TWILIO_SID)

    response = owner_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 502, response.content
    assert response.json()["message"].startswith("Twilio could not be reached")
    call.refresh_from_db()
    assert call.status == "in-progress"


def test_twilio_unreachable_says_so_in_a_sentence_and_logs_the_detail(owner_api, store, twilio_http, monkeypatch, caplog):
    """A failed hang-up showed the raw exception in the live card ("HTTPSConnectionPool… NameResolutionError")."""
    raw = "HTTPSConnectionPool(host='api.twilio.com', port=443): Max retries exceeded (Caused by NameResolutionError(...))"

    def unresolvable(*args, **kwargs):
        raise requests.ConnectionError(raw)

    monkeypatch.setattr(twilio_http, "request", unresolvable)
    make_call(store, TWILIO_SID)

    with caplog.at_level("WARNING", logger="voice.twilio"):
        response = owner_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 502
    assert response.json()["message"] == "Twilio could not be reached: try again in a moment."
    assert any(raw in record.getMessage() and TWILIO_SID in record.getMessage() for record in caplog.records)


def test_twilio_call_without_twilio_config_is_503_and_stays_live(owner_api, store, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = None
    call = make_call(store, TWILIO_SID)

    response = owner_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 503, response.content
    call.refresh_from_db()
    assert call.status == "in-progress"


def test_bot_key_may_not_terminate(bot_api, store, twilio_http):
    call = make_call(store, TWILIO_SID)

    response = bot_api.post(f"/api/calls/{TWILIO_SID}/terminate")

    assert response.status_code == 403, response.content
    call.refresh_from_db()
    assert call.status == "in-progress"
    assert twilio_http.requests == []


@pytest.mark.parametrize("who", ["owner_api", "agent_api"])
def test_other_stores_call_is_404_and_not_hung_up(request, store, other_store, twilio_http, who):
    theirs = make_call(other_store, TWILIO_SID)

    response = request.getfixturevalue(who).post(f"/api/calls/{theirs.pk}/terminate")

    assert response.status_code == 404, response.content
    assert response.json()["message"] == "Call log not found"
    theirs.refresh_from_db()
    assert theirs.status == "in-progress"
    assert twilio_http.requests == []


def test_admin_terminates_any_stores_call(admin_api, other_store, twilio_http):
    theirs = make_call(other_store)

    response = admin_api.post(f"/api/calls/{theirs.pk}/terminate")

    assert response.status_code == 200, response.content
    theirs.refresh_from_db()
    assert theirs.status == "terminated"


@pytest.mark.parametrize("who", ["admin_api", "owner_api"])
def test_admin_and_owner_delete_a_call_with_its_transcript(request, store, who):
    call = make_call(store)
    TranscriptEntry.objects.create(call=call, seq=0, speaker="User", text="Hello", at=timezone.now())
    keep = make_call(store, "KEEP")

    response = request.getfixturevalue(who).delete(f"/api/calls/{call.pk}")

    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "message": "Call log deleted successfully"}
    assert list(Call.objects.values_list("pk", flat=True)) == [keep.pk]
    assert not TranscriptEntry.objects.exists()


def test_delete_by_call_id(owner_api, store):
    make_call(store, "BY-CALL-ID")

    response = owner_api.delete("/api/calls/BY-CALL-ID")

    assert response.status_code == 200, response.content
    assert not Call.objects.exists()


@pytest.mark.parametrize("who", ["agent_api", "bot_api"])
def test_agent_and_bot_may_not_delete(request, store, who):
    call = make_call(store)

    response = request.getfixturevalue(who).delete(f"/api/calls/{call.pk}")

    assert response.status_code == 403, response.content
    assert Call.objects.filter(pk=call.pk).exists()


def test_owner_cannot_delete_another_owners_call(other_owner, store, other_store):
    mine = make_call(store)

    response = client_for(other_owner).delete(f"/api/calls/{mine.pk}")

    assert response.status_code == 404, response.content
    assert Call.objects.filter(pk=mine.pk).exists()
