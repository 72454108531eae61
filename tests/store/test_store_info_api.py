"""/api/store-info and /api/settings: one object per store, read by staff and bots, changed by owners."""
from __future__ import annotations

import datetime as dt

import pytest

from store.models import AuditEntry, Store, StoreSettings

INFO_FIELDS = {
    "name", "address", "phone", "hours", "holiday_hours", "holiday_note", "greeting_message", "hold_message", "updated_at",
    "timezone", "opening_hours", "transfer_number",
}
SETTINGS_FIELDS = {
    "ai_model", "voice_settings", "system_preferences", "voice", "language", "speech_timeout", "max_call_length",
    "operator_number", "recording_enabled", "max_misses", "integrations", "outbound_countries", "outbound_daily_limit", "updated_at",
}


def test_store_info_answers_the_bare_object(owner_api, store):
    response = owner_api.get("/api/store-info")

    assert response.status_code == 200
    assert set(response.json()) == INFO_FIELDS
    assert response.json()["name"] == "Main Street Market"
    assert response.json()["timezone"] == "America/New_York"


def test_owner_changes_store_info_and_it_is_audited(owner_api, store):
    hours = {"monday": {"open": "07:00", "close": "22:00"}, "sunday": None}
    response = owner_api.put(
        "/api/store-info",
        {"greeting_message": "Welcome!", "transfer_number": "(212) 555-0100", "opening_hours": hours, "holiday_hours": {"2026-12-25": None}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Store information updated successfully"
    store.refresh_from_db()
    assert store.greeting_message == "Welcome!"
    assert store.transfer_number == "+12125550100"  # stored dialable, in E.164
    assert store.opening_hours == hours
    entry = AuditEntry.objects.get(store=store)
    assert entry.action == "update" and entry.model == "store"
    assert entry.changes["greeting_message"] == ["", "Welcome!"]
    assert entry.changes["transfer_number"] == ["", "+12125550100"]


def test_opening_hours_answer_open_now_in_the_store_time_zone(store):
    store.opening_hours = {"monday": {"open": "07:00", "close": "22:00"}}
    store.holiday_hours = {"2026-12-28": None}
    # Monday 2026-12-21 at 03:00 UTC is Sunday 22:00 in New York: no Sunday hours, closed.
    assert store.is_open_at(dt.datetime(2026, 12, 21, 3, tzinfo=dt.timezone.utc)) is False
    # 12:30 UTC is 07:30 in New York on Monday: open.
    assert store.is_open_at(dt.datetime(2026, 12, 21, 12, 30, tzinfo=dt.timezone.utc)) is True
    # The next Monday is a holiday, closed all day.
    assert store.is_open_at(dt.datetime(2026, 12, 28, 15, tzinfo=dt.timezone.utc)) is False


def test_agent_and_bot_read_store_info_but_cannot_change_it(agent_api, bot_api, store):
    assert agent_api.get("/api/store-info").json()["name"] == "Main Street Market"
    assert bot_api.get("/api/store-info").json()["name"] == "Main Street Market"

    refused = [client.put("/api/store-info", {"name": "Mine now"}, format="json") for client in (agent_api, bot_api)]

    assert [r.status_code for r in refused] == [403, 403]
    assert Store.objects.get(pk=store.pk).name == "Main Street Market"
    assert not AuditEntry.objects.exists()


def test_owner_cannot_read_another_stores_info(owner_api, store, other_store):
    assert owner_api.get("/api/store-info", {"store": "harbor-deli"}).status_code == 404
    assert owner_api.put("/api/store-info?store=harbor-deli", {"name": "Mine"}, format="json").status_code == 404
    assert Store.objects.get(pk=other_store.pk).name == "Harbor Deli"


def test_settings_have_defaults_and_seed_001_fields(owner_api, store):
    response = owner_api.get("/api/settings")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == SETTINGS_FIELDS
    assert body["ai_model"] == "gpt-4"
    assert body["voice_settings"] == {"voice_id": "default", "stability": 0.5, "similarity_boost": 0.75}
    assert body["system_preferences"]["max_retries"] == 3


def test_owner_changes_voice_settings(owner_api, store):
    response = owner_api.put(
        "/api/settings",
        {"voice": "Polly.Lupe", "language": "es-US", "operator_number": "+1 212 555 0199", "recording_enabled": True, "max_misses": 3},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Settings updated successfully"
    saved = StoreSettings.objects.get(store=store)
    assert (saved.voice, saved.language, saved.operator_number, saved.recording_enabled, saved.max_misses) == (
        "Polly.Lupe", "es-US", "+12125550199", True, 3,
    )
    entry = AuditEntry.objects.get(store=store, model="storesettings")
    assert entry.changes["voice"] == ["Polly.Joanna", "Polly.Lupe"]


def test_agent_cannot_change_settings(agent_api, store):
    assert agent_api.get("/api/settings").status_code == 200
    assert agent_api.put("/api/settings", {"recording_enabled": True}, format="json").status_code == 403
    assert StoreSettings.objects.get(store=store).recording_enabled is False


def test_settings_are_per_store(owner_api, other_owner_api, store, other_store):
    owner_api.put("/api/settings", {"voice": "Polly.Matthew"}, format="json")

    assert other_owner_api.get("/api/settings").json()["voice"] == "Polly.Joanna"
    assert owner_api.get("/api/settings", {"store": "harbor-deli"}).status_code == 404


@pytest.mark.parametrize("path", ["/api/store-info", "/api/settings"])
def test_person_with_no_store_is_told_so(api, db, path):
    from callcenter.models import User
    from tests.conftest import client_for

    lonely = User.objects.create_user("lonely", password=None, role=User.Role.USER)

    response = client_for(lonely).get(path)

    assert response.status_code == 400
    assert response.json()["fields"]["store"] == ["You have no store."]


@pytest.mark.parametrize(
    "field,text,message",
    [
        ("greeting_message", "Hi {address.__class__.__base__.__subclasses__}", "is not allowed: a placeholder is its name alone"),
        ("greeting_message", "{store_name:>20000000}", "{store_name:>20000000} is not allowed"),
        ("hold_message", "Please hold, {store_name:>2000}", "{store_name:>2000} is not allowed"),
        ("hold_message", "Hold for {agent}", "Unknown placeholder {agent}."),
    ],
)
def test_greeting_and_hold_message_take_only_the_documented_placeholders(owner_api, store, field, text, message):
    response = owner_api.put("/api/store-info", {field: text, "name": "Renamed"}, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()["fields"]
    assert list(errors) == [field]
    assert message in errors[field][0] and "Use only these placeholders: {store_name}, {store_phone}" in errors[field][0]
    store.refresh_from_db()
    assert (store.name, store.greeting_message, store.hold_message) == ("Main Street Market", "", "")
    assert not AuditEntry.objects.exists()


def test_greeting_with_documented_placeholders_and_braces_is_saved(owner_api, store):
    text = "Welcome to {store_name} at {address}! {{Open}} late."
    response = owner_api.put("/api/store-info", {"greeting_message": text}, format="json")

    assert response.status_code == 200, response.content
    store.refresh_from_db()
    assert store.greeting_message == text


# --- the original store app's shapes (its dashboard's sync payloads) ----------------------------------


def test_holiday_hours_as_text_become_the_holiday_note_and_nulls_change_nothing(owner_api, store):
    store.holiday_hours, store.hold_message, store.address = {"2026-12-25": None}, "One moment please.", "12 Main Street"
    store.save()

    # What the original dashboard PUTs from its Store Info form.
    response = owner_api.put(
        "/api/store-info",
        {"name": "Main Street Market", "address": None, "phone": "555-1234", "hours": "7 AM - 10 PM",
         "holiday_hours": "Closed on Christmas Day and New Year's Day", "greeting_message": "Welcome!", "hold_message": None},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json()["data"]["holiday_note"] == "Closed on Christmas Day and New Year's Day"
    store.refresh_from_db()
    assert store.holiday_note == "Closed on Christmas Day and New Year's Day"
    assert store.holiday_hours == {"2026-12-25": None}  # the table stays a table
    assert (store.address, store.hold_message, store.phone) == ("12 Main Street", "One moment please.", "555-1234")
    assert owner_api.get("/api/store-info").json()["holiday_note"] == "Closed on Christmas Day and New Year's Day"


def test_holiday_hours_still_take_a_table_and_refuse_other_shapes(owner_api, store):
    assert owner_api.put("/api/store-info", {"holiday_hours": {"2026-12-24": {"open": "07:00", "close": "18:00"}}}, format="json").status_code == 200
    refused = owner_api.put("/api/store-info", {"holiday_hours": ["2026-12-25"]}, format="json")

    assert refused.status_code == 400
    assert "holiday_hours" in refused.json()["fields"]
    store.refresh_from_db()
    assert store.holiday_hours == {"2026-12-24": {"open": "07:00", "close": "18:00"}}


def test_settings_keep_the_integrations_the_original_dashboard_sends(owner_api, store):
    integrations = {"crm": {"enabled": True, "provider": "hubspot"}, "sms_notifications": False}

    response = owner_api.put("/api/settings", {"ai_model": "gpt-4", "integrations": integrations}, format="json")

    assert response.status_code == 200, response.content
    assert StoreSettings.objects.get(store=store).integrations == integrations
    assert owner_api.get("/api/settings").json()["integrations"] == integrations
