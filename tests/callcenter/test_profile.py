"""GET/PUT /api/users/profile and PUT /api/users/change-password (seed 000)."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from callcenter.models import User

ERROR_KEYS = {"success", "error", "message", "fields"}


@pytest.mark.parametrize("path", ["/api/users/profile", "/api/users/profile/"])
def test_profile_shows_the_signed_in_person(agent_api, agent, path):
    response = agent_api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["id"] == agent.pk and data["_id"] == str(agent.pk)
    assert data["username"] == "alex" and data["email"] == "alex@example.com"
    assert data["role"] == "agent" and data["stores"] == ["main-street"] and data["isActive"] is True
    assert "password" not in data


def test_profile_of_an_owner_lists_their_stores(owner_api, owner, store, other_store):
    response = owner_api.get("/api/users/profile")

    assert response.json()["data"]["stores"] == ["main-street"]


def test_profile_of_an_admin(admin_api):
    data = admin_api.get("/api/users/profile").json()["data"]

    assert data["role"] == "admin" and data["stores"] == []


@pytest.mark.parametrize("path", ["/api/users/profile", "/api/users/profile/"])
def test_profile_update_changes_own_details(agent_api, agent, path):
    response = agent_api.put(path, {"email": "alex@new.example.com", "firstName": "Alex", "lastName": "Kim"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["email"], data["firstName"], data["lastName"]) == ("alex@new.example.com", "Alex", "Kim")
    agent.refresh_from_db()
    assert (agent.email, agent.first_name, agent.last_name) == ("alex@new.example.com", "Alex", "Kim")


def test_profile_update_is_partial(agent_api, agent):
    response = agent_api.put("/api/users/profile", {"firstName": "Al"}, format="json")

    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.first_name == "Al" and agent.email == "alex@example.com"


def test_profile_cannot_change_role_store_username_or_activity(agent_api, agent, other_store):
    response = agent_api.put(
        "/api/users/profile",
        {"role": "admin", "stores": ["harbor-deli"], "username": "root2", "isActive": False, "is_superuser": True, "firstName": "Alex"},
        format="json",
    )

    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.role == "agent" and agent.store.slug == "main-street"
    assert agent.username == "alex" and agent.is_active and not agent.is_superuser
    assert agent.first_name == "Alex"


def test_profile_rejects_a_bad_email(agent_api, agent):
    response = agent_api.put("/api/users/profile", {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS
    assert "email" in response.json()["fields"]
    agent.refresh_from_db()
    assert agent.email == "alex@example.com"


def test_profile_needs_a_person(api, bot_api, db):
    anonymous, bot = api.get("/api/users/profile"), bot_api.get("/api/users/profile")

    assert anonymous.status_code == 401
    assert set(anonymous.json()) == ERROR_KEYS
    assert bot.status_code == 403
    assert set(bot.json()) == ERROR_KEYS


def test_profile_works_with_a_session_login(client, agent):
    client.force_login(agent)

    response = client.get("/api/users/profile")

    assert response.status_code == 200
    assert response.json()["data"]["username"] == "alex"


# --- change-password -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/users/change-password", "/api/users/change-password/"])
def test_change_password_then_the_new_one_works(agent_api, agent, path):
    response = agent_api.put(path, {"currentPassword": "agent-pass-123", "newPassword": "Fresh-start-2024"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    agent.refresh_from_db()
    assert agent.check_password("Fresh-start-2024")
    assert not agent.check_password("agent-pass-123")
    login = APIClient().post("/api/users/login", {"username": "alex", "password": "Fresh-start-2024"}, format="json")
    assert login.status_code == 200
    old = APIClient().post("/api/users/login", {"username": "alex", "password": "agent-pass-123"}, format="json")
    assert old.status_code == 401


def test_wrong_current_password_is_400_naming_current_password(agent_api, agent):
    response = agent_api.put("/api/users/change-password", {"currentPassword": "guess", "newPassword": "Fresh-start-2024"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == "validation_error"
    assert "currentPassword" in body["fields"]
    agent.refresh_from_db()
    assert agent.check_password("agent-pass-123")


@pytest.mark.parametrize("new", ["short", "password", "12345678", "alex@example.com"])
def test_weak_new_password_is_400_naming_new_password(agent_api, agent, new):
    response = agent_api.put("/api/users/change-password", {"currentPassword": "agent-pass-123", "newPassword": new}, format="json")

    assert response.status_code == 400
    assert "newPassword" in response.json()["fields"]
    agent.refresh_from_db()
    assert agent.check_password("agent-pass-123")


def test_change_password_needs_both_fields(agent_api, agent):
    response = agent_api.put("/api/users/change-password", {}, format="json")

    assert response.status_code == 400
    assert {"currentPassword", "newPassword"} <= set(response.json()["fields"])


def test_change_password_needs_a_person(api, bot_api, agent):
    payload = {"currentPassword": "agent-pass-123", "newPassword": "Fresh-start-2024"}

    assert api.put("/api/users/change-password", payload, format="json").status_code == 401
    assert bot_api.put("/api/users/change-password", payload, format="json").status_code == 403
    agent.refresh_from_db()
    assert agent.check_password("agent-pass-123")


def test_change_password_over_jwt(agent):
    access = APIClient().post("/api/auth/token/", {"username": "alex", "password": "agent-pass-123"}, format="json").json()["access"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    response = client.put("/api/users/change-password", {"currentPassword": "agent-pass-123", "newPassword": "Fresh-start-2024"}, format="json")

    assert response.status_code == 200
    assert User.objects.get(pk=agent.pk).check_password("Fresh-start-2024")


def test_change_password_ends_other_sign_ins(agent):
    client = APIClient()
    login = client.post("/api/auth/login/", {"username": "alex", "password": "agent-pass-123"}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['tokens']['access']}")
    changed = client.put("/api/users/change-password", {"currentPassword": "agent-pass-123", "newPassword": "a-much-better-pass-9"}, format="json")
    assert changed.status_code == 200
    refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": login["tokens"]["refresh"]}, format="json")
    assert refreshed.status_code == 401
