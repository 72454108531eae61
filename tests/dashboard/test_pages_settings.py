"""/settings/: the voice agent's settings, users and roles, and API keys (admins and owners only)."""
from __future__ import annotations

from callcenter.models import ApiKey, User
from store.models import StoreSettings
from store.services import create_api_key
from tests.dashboard.pages import field_errors, has_csrf_field, signed_in

VOICE = {"voice": "Polly.Matthew", "language": "en-GB", "speech_timeout": "5", "max_call_length": "900", "max_misses": "3",
         "operator_number": "+15551239999", "recording_enabled": "on", "ai_model": "gpt-4",
         "outbound_countries": "", "outbound_daily_limit": "50"}  # fmt: skip


def test_voice_settings_are_saved_through_the_apis_rules(owner, store):
    client = signed_in(owner)
    page = client.get("/settings/")
    assert page.status_code == 200 and has_csrf_field(page)
    assert client.post("/settings/", VOICE).status_code == 302
    saved = StoreSettings.objects.get(store=store)
    assert (saved.voice, saved.speech_timeout, saved.recording_enabled, saved.operator_number) == ("Polly.Matthew", 5, True, "+15551239999")
    assert client.get("/api/settings").json()["voice"] == "Polly.Matthew"


def test_outbound_limits_are_set_on_the_settings_page(owner, store):
    client = signed_in(owner)
    assert "outbound_daily_limit" in client.get("/settings/").content.decode()
    assert client.post("/settings/", {**VOICE, "outbound_countries": "us, ca", "outbound_daily_limit": "7"}).status_code == 302
    saved = StoreSettings.objects.get(store=store)
    assert (saved.outbound_countries, saved.outbound_daily_limit) == (["US", "CA"], 7)
    response = client.post("/settings/", {**VOICE, "outbound_countries": "US, XX", "outbound_daily_limit": "-1"})
    assert response.status_code == 400
    assert field_errors(response, "outbound_countries") == ["XX is not a country code (ISO 3166, e.g. US, CA, GB)."]
    assert field_errors(response, "outbound_daily_limit") == ["Ensure this value is greater than or equal to 0."]
    assert StoreSettings.objects.get(store=store).outbound_countries == ["US", "CA"]


def test_voice_settings_errors_sit_next_to_their_fields(owner, store):
    response = signed_in(owner).post("/settings/", {**VOICE, "speech_timeout": "99", "operator_number": "12"})
    assert response.status_code == 400
    assert field_errors(response, "speech_timeout") == ["Ensure this value is less than or equal to 30."]
    assert "not a dialable phone number" in field_errors(response, "operator_number")[0]
    assert StoreSettings.objects.filter(store=store, voice="Polly.Matthew").count() == 0


def test_an_owner_manages_their_own_agents_only(owner, store, agent, other_store, admin_user):
    outsider = User.objects.create_user("stranger", password="agent-pass-999", role=User.Role.AGENT, store=other_store)
    client = signed_in(owner)
    listed = [p["user"].username for p in client.get("/settings/users/").context["people"]]
    assert listed == ["alex"]
    assert client.get(f"/settings/users/{outsider.pk}/").status_code == 404
    assert client.get(f"/settings/users/{admin_user.pk}/").status_code == 404
    assert client.post(f"/settings/users/{outsider.pk}/delete/").status_code == 404

    created = client.post("/settings/users/", {"username": "newagent", "password": "a-long-password-1", "role": "agent", "stores": ["main-street"], "isActive": "on"})
    assert created.status_code == 302
    new = User.objects.get(username="newagent")
    assert (new.role, new.store, new.is_active, new.check_password("a-long-password-1")) == ("agent", store, True, True)


def test_an_owner_cannot_make_an_admin(owner, store):
    response = signed_in(owner).post("/settings/users/", {"username": "boss", "password": "a-long-password-1", "role": "admin", "stores": []})
    assert response.status_code == 400 and field_errors(response, "role")
    assert not User.objects.filter(username="boss").exists()


def test_user_errors_show_next_to_their_fields(admin_user, store):
    client = signed_in(admin_user)
    response = client.post("/settings/users/", {"username": "x", "password": "short", "role": "agent", "stores": []})
    assert field_errors(response, "username") == ["3-150 letters, digits or . @ + - _"]
    response = client.post("/settings/users/", {"username": "newbie", "password": "short", "role": "agent", "stores": []})
    assert "too short" in " ".join(field_errors(response, "password"))
    response = client.post("/settings/users/", {"username": "newbie", "password": "a-long-password-1", "role": "agent", "stores": []})
    assert field_errors(response, "stores") == ["An agent works in exactly one store."]
    assert not User.objects.filter(username__in=["x", "newbie"]).exists()


def test_an_admin_edits_roles_and_stores(admin_user, store, other_owner, other_store):
    client = signed_in(admin_user)
    response = client.post(f"/settings/users/{other_owner.pk}/", {"username": "oscar", "role": "user", "stores": ["main-street", "harbor-deli"], "isActive": "on"})
    assert response.status_code == 302
    assert set(other_owner.owned_stores.values_list("slug", flat=True)) == {"main-street", "harbor-deli"}
    assert other_owner.check_password("owner-pass-456")  # an empty password keeps the old one


def test_nobody_deletes_themselves(admin_user):
    response = signed_in(admin_user).post(f"/settings/users/{admin_user.pk}/delete/", follow=True)
    assert "You cannot delete yourself." in response.content.decode()
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_a_new_api_key_is_shown_once_and_works(owner, store, client):
    pages = signed_in(owner)
    response = pages.post("/settings/api-keys/", {"name": "phone bot"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = response.context["new_key"]
    assert raw.startswith("cck_") and raw in response.content.decode()
    key = ApiKey.objects.get(store=store, name="phone bot")
    assert key.key_hash != raw and key.created_by == owner
    assert raw not in pages.get("/settings/api-keys/").content.decode()
    bot = client.post("/api/calls", {"callId": "KEY-1"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bot.status_code == 201


def test_a_key_needs_a_name(owner, store):
    response = signed_in(owner).post("/settings/api-keys/", {"name": ""})
    assert response.status_code == 400 and field_errors(response, "name") == ["This field is required."]
    assert not ApiKey.objects.exists()


def test_revoking_a_key_refuses_its_bot(owner, store, client):
    key, raw = create_api_key(store=store, name="old bot")
    response = signed_in(owner).post(f"/settings/api-keys/{key.pk}/revoke/", follow=True)
    assert "revoked" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.post("/api/calls", {"callId": "K"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_another_stores_keys_are_out_of_reach(owner, store, other_store):
    theirs, _ = create_api_key(store=other_store, name="their bot")
    client = signed_in(owner)
    assert "their bot" not in client.get("/settings/api-keys/").content.decode()
    assert client.get("/settings/api-keys/?store=harbor-deli").status_code == 404
    assert client.post(f"/settings/api-keys/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_agents_are_refused_every_settings_action(agent, store):
    key, _ = create_api_key(store=store, name="bot")
    client = signed_in(agent)
    assert client.post("/settings/", VOICE).status_code == 403
    assert client.post("/settings/users/", {"username": "sneaky", "password": "a-long-password-1"}).status_code == 403
    assert client.post("/settings/api-keys/", {"name": "mine"}).status_code == 403
    assert client.post(f"/settings/api-keys/{key.pk}/revoke/").status_code == 403
    assert ApiKey.objects.count() == 1 and not User.objects.filter(username="sneaky").exists()


def test_users_page_query_count_is_fixed(admin_user, store, django_assert_max_num_queries):
    User.objects.bulk_create(User(username=f"agent{i}", role=User.Role.AGENT, store=store) for i in range(60))
    client = signed_in(admin_user)
    client.get("/settings/users/")
    with django_assert_max_num_queries(10):
        response = client.get("/settings/users/")
    assert len(response.context["people"]) == 62  # the agents, the admin and the store's owner
