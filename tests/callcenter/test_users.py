"""GET/POST /api/users, GET/PUT/DELETE /api/users/<id>: admins manage everyone, owners their agents."""
from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from callcenter.models import User
from store.models import Store

ERROR_KEYS = {"success", "error", "message", "fields"}
USER_KEYS = {"id", "_id", "username", "email", "firstName", "lastName", "role", "stores", "isActive", "lastLogin", "createdAt"}


@pytest.fixture
def other_agent(other_store) -> User:
    return User.objects.create_user("bella", "bella@example.com", "agent-pass-456", role=User.Role.AGENT, store=other_store)


def _no_password_in(response) -> None:
    text = response.content.decode()
    assert '"password"' not in text
    assert "pbkdf2" not in text


def _assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["success"] is False
    if field is not None:
        assert field in body["fields"], body
    return body


# --- admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/users", "/api/users/"])
def test_admin_lists_everyone(admin_api, admin_user, owner, store, other_owner, other_store, agent, other_agent, path):
    response = admin_api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    by_name = {u["username"]: u for u in body["data"]}
    assert set(by_name) == {"root", "olivia", "oscar", "alex", "bella"}
    assert all(set(u) == USER_KEYS for u in body["data"])
    assert by_name["olivia"]["stores"] == ["main-street"]
    assert by_name["alex"]["stores"] == ["main-street"]
    assert by_name["bella"]["stores"] == ["harbor-deli"]
    assert by_name["root"]["stores"] == []
    assert by_name["alex"]["role"] == "agent" and by_name["alex"]["isActive"] is True
    _no_password_in(response)


def test_user_list_query_count_is_fixed(admin_api, django_assert_max_num_queries, store):
    for n in range(15):
        owner = User.objects.create_user(f"owner{n}", password=None)
        shop = Store.objects.create(name=f"S{n}", slug=f"s{n}", owner=owner)
        User.objects.create_user(f"agent{n}", password=None, role=User.Role.AGENT, store=shop)

    with django_assert_max_num_queries(6):
        response = admin_api.get("/api/users")

    assert response.status_code == 200
    assert len(response.json()["data"]) == 32


@pytest.mark.parametrize("path", ["/api/users", "/api/users/"])
def test_admin_creates_an_owner_with_stores(admin_api, store, other_store, owner, path):
    payload = {"username": "nina", "email": "nina@example.com", "password": "Correct-horse-9", "role": "user", "stores": ["harbor-deli"]}

    response = admin_api.post(path, payload, format="json")

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == USER_KEYS
    assert data["username"] == "nina" and data["role"] == "user" and data["stores"] == ["harbor-deli"]
    assert data["isActive"] is True
    _no_password_in(response)
    nina = User.objects.get(username="nina")
    assert nina.check_password("Correct-horse-9")
    assert nina.password != "Correct-horse-9"
    other_store.refresh_from_db()
    assert other_store.owner == nina
    store.refresh_from_db()
    assert store.owner == owner


def test_admin_creates_an_agent_in_a_store(admin_api, other_store):
    response = admin_api.post(
        "/api/users", {"username": "sam", "password": "Correct-horse-9", "role": "agent", "stores": ["harbor-deli"]}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["data"]["stores"] == ["harbor-deli"]
    assert User.objects.get(username="sam").store == other_store


def test_admin_creates_an_admin_without_stores(admin_api, db):
    response = admin_api.post("/api/users", {"username": "ada", "password": "Correct-horse-9", "role": "admin"}, format="json")

    assert response.status_code == 201
    assert User.objects.get(username="ada").role == "admin"


def test_admin_with_stores_is_400_naming_stores(admin_api, store):
    response = admin_api.post(
        "/api/users", {"username": "ada", "password": "Correct-horse-9", "role": "admin", "stores": ["main-street"]}, format="json"
    )

    _assert_error(response, 400, "stores")
    assert not User.objects.filter(username="ada").exists()


def test_agent_needs_exactly_one_store(admin_api, store, other_store):
    none = admin_api.post("/api/users", {"username": "sam", "password": "Correct-horse-9", "role": "agent"}, format="json")
    two = admin_api.post(
        "/api/users", {"username": "sam", "password": "Correct-horse-9", "role": "agent", "stores": ["main-street", "harbor-deli"]}, format="json"
    )

    _assert_error(none, 400, "stores")
    _assert_error(two, 400, "stores")
    assert not User.objects.filter(username="sam").exists()


def test_unknown_store_is_400_naming_stores(admin_api, db):
    response = admin_api.post("/api/users", {"username": "nina", "password": "Correct-horse-9", "stores": ["nowhere"]}, format="json")

    body = _assert_error(response, 400, "stores")
    assert "nowhere" in body["fields"]["stores"][0]
    assert not User.objects.filter(username="nina").exists()


@pytest.mark.parametrize("username", ["olivia", "OLIVIA"])
def test_duplicate_username_is_400_naming_username(admin_api, owner, username):
    response = admin_api.post("/api/users", {"username": username, "password": "Correct-horse-9"}, format="json")

    _assert_error(response, 400, "username")
    assert User.objects.filter(username__iexact="olivia").count() == 1


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678", "ninarossi", "ninarossi1"],
    ids=["too-short", "common", "numeric-common", "same-as-username", "like-username"],
)
def test_weak_password_is_400_naming_password_and_writes_nothing(admin_api, db, password):
    before = User.objects.count()

    response = admin_api.post("/api/users", {"username": "ninarossi", "email": "nina@example.com", "password": password}, format="json")

    body = _assert_error(response, 400, "password")
    assert body["error"] == "validation_error"
    assert password not in response.content.decode()
    assert User.objects.count() == before


def test_password_is_required_on_create(admin_api, db):
    response = admin_api.post("/api/users", {"username": "nina"}, format="json")

    _assert_error(response, 400, "password")
    assert not User.objects.filter(username="nina").exists()


@pytest.mark.parametrize("payload,field", [({"username": "x y"}, "username"), ({"role": "boss"}, "role"), ({"email": "no-at"}, "email")])
def test_invalid_fields_are_400(admin_api, db, payload, field):
    response = admin_api.post("/api/users", {"username": "nina", "password": "Correct-horse-9", **payload}, format="json")

    _assert_error(response, 400, field)
    assert User.objects.count() == 1  # the admin


@pytest.mark.parametrize("suffix", ["", "/"])
def test_admin_gets_one_user(admin_api, agent, suffix):
    response = admin_api.get(f"/api/users/{agent.pk}{suffix}")

    assert response.status_code == 200
    assert response.json()["data"]["username"] == "alex"
    assert response.json()["data"]["stores"] == ["main-street"]
    _no_password_in(response)


def test_unknown_user_id_is_404_in_error_shape(admin_api, db):
    body = _assert_error(admin_api.get("/api/users/999999"), 404)

    assert body["error"] == "not_found"


def test_admin_updates_a_user(admin_api, agent, other_store):
    response = admin_api.put(
        f"/api/users/{agent.pk}",
        {"email": "alex@new.example.com", "firstName": "Alex", "stores": ["harbor-deli"], "isActive": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["email"] == "alex@new.example.com" and data["firstName"] == "Alex"
    assert data["stores"] == ["harbor-deli"] and data["isActive"] is False
    agent.refresh_from_db()
    assert agent.store == other_store and not agent.is_active and agent.first_name == "Alex"


def test_admin_sets_a_new_password(admin_api, agent):
    response = admin_api.put(f"/api/users/{agent.pk}/", {"password": "Brand-new-pass-7"}, format="json")

    assert response.status_code == 200
    _no_password_in(response)
    agent.refresh_from_db()
    assert agent.check_password("Brand-new-pass-7")
    login = APIClient().post("/api/users/login", {"username": "alex", "password": "Brand-new-pass-7"}, format="json")
    assert login.status_code == 200


def test_weak_password_on_update_is_400_and_keeps_the_old_one(admin_api, agent):
    response = admin_api.put(f"/api/users/{agent.pk}", {"password": "alex"}, format="json")

    _assert_error(response, 400, "password")
    agent.refresh_from_db()
    assert agent.check_password("agent-pass-123")


def test_password_like_the_username_is_refused_on_update(admin_api, agent):
    response = admin_api.put(f"/api/users/{agent.pk}", {"password": "alex@example.com"}, format="json")

    _assert_error(response, 400, "password")
    agent.refresh_from_db()
    assert agent.check_password("agent-pass-123")


def test_renaming_onto_an_existing_username_is_400(admin_api, agent, owner):
    response = admin_api.put(f"/api/users/{agent.pk}", {"username": "Olivia"}, format="json")

    _assert_error(response, 400, "username")
    agent.refresh_from_db()
    assert agent.username == "alex"


def test_admin_turns_an_owner_into_an_agent(admin_api, owner, store, other_store):
    response = admin_api.put(f"/api/users/{owner.pk}", {"role": "agent", "stores": ["harbor-deli"]}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["role"] == "agent"
    store.refresh_from_db()
    owner.refresh_from_db()
    assert store.owner is None
    assert owner.store == other_store


def test_making_someone_an_agent_needs_a_store(admin_api, owner, store):
    response = admin_api.put(f"/api/users/{owner.pk}", {"role": "agent"}, format="json")

    _assert_error(response, 400, "stores")
    owner.refresh_from_db()
    store.refresh_from_db()
    assert owner.role == "user" and store.owner == owner


def test_admin_cannot_demote_or_deactivate_themself(admin_api, admin_user):
    demote = admin_api.put(f"/api/users/{admin_user.pk}", {"role": "user"}, format="json")
    deactivate = admin_api.put(f"/api/users/{admin_user.pk}", {"isActive": False}, format="json")

    _assert_error(demote, 400, "role")
    _assert_error(deactivate, 400)
    admin_user.refresh_from_db()
    assert admin_user.role == "admin" and admin_user.is_active


@pytest.mark.parametrize("suffix", ["", "/"])
def test_admin_deletes_a_user(admin_api, agent, suffix):
    response = admin_api.delete(f"/api/users/{agent.pk}{suffix}")

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert not User.objects.filter(pk=agent.pk).exists()


def test_deleting_an_owner_keeps_the_store(admin_api, owner, store):
    assert admin_api.delete(f"/api/users/{owner.pk}").status_code == 200

    store.refresh_from_db()
    assert store.owner is None


def test_admin_cannot_delete_themself(admin_api, admin_user):
    response = admin_api.delete(f"/api/users/{admin_user.pk}")

    _assert_error(response, 400)
    assert User.objects.filter(pk=admin_user.pk).exists()


# --- owner -----------------------------------------------------------------------------------


def test_owner_lists_only_the_agents_of_their_stores(owner_api, owner, agent, other_agent, admin_user):
    second = Store.objects.create(name="Second", slug="second", owner=owner)
    late = User.objects.create_user("lena", password=None, role=User.Role.AGENT, store=second)

    response = owner_api.get("/api/users")

    assert response.status_code == 200
    assert {u["username"] for u in response.json()["data"]} == {"alex", late.username}


def test_owner_creates_an_agent_in_their_store(owner_api, store):
    response = owner_api.post("/api/users", {"username": "sam", "password": "Correct-horse-9", "stores": ["main-street"]}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["role"] == "agent" and data["stores"] == ["main-street"]
    _no_password_in(response)
    sam = User.objects.get(username="sam")
    assert sam.role == "agent" and sam.store == store


@pytest.mark.parametrize("role", ["admin", "user"])
def test_owner_cannot_create_an_admin_or_owner(owner_api, store, role):
    response = owner_api.post(
        "/api/users", {"username": "sam", "password": "Correct-horse-9", "role": role, "stores": ["main-street"]}, format="json"
    )

    _assert_error(response, 400, "role")
    assert not User.objects.filter(username="sam").exists()


def test_owner_cannot_put_an_agent_in_another_owners_store(owner_api, store, other_store):
    response = owner_api.post(
        "/api/users", {"username": "sam", "password": "Correct-horse-9", "role": "agent", "stores": ["harbor-deli"]}, format="json"
    )

    _assert_error(response, 400, "stores")
    assert not User.objects.filter(username="sam").exists()


def test_owner_cannot_move_their_agent_to_another_owners_store(owner_api, agent, store, other_store):
    response = owner_api.put(f"/api/users/{agent.pk}", {"stores": ["harbor-deli"]}, format="json")

    _assert_error(response, 400, "stores")
    agent.refresh_from_db()
    assert agent.store == store


def test_owner_cannot_promote_their_agent(owner_api, agent):
    response = owner_api.put(f"/api/users/{agent.pk}", {"role": "admin"}, format="json")

    _assert_error(response, 400, "role")
    agent.refresh_from_db()
    assert agent.role == "agent"


def test_owner_updates_and_deletes_their_agent(owner_api, agent):
    updated = owner_api.put(f"/api/users/{agent.pk}", {"firstName": "Alexandra", "isActive": False}, format="json")
    assert updated.status_code == 200, updated.content
    agent.refresh_from_db()
    assert agent.first_name == "Alexandra" and not agent.is_active

    deleted = owner_api.delete(f"/api/users/{agent.pk}")
    assert deleted.status_code == 200
    assert not User.objects.filter(pk=agent.pk).exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_another_owners_agent_is_404(owner_api, store, other_agent, method):
    response = getattr(owner_api, method)(f"/api/users/{other_agent.pk}", {"firstName": "Hacked"}, format="json")

    _assert_error(response, 404)
    other_agent.refresh_from_db()
    assert other_agent.first_name == ""


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_owner_cannot_reach_owners_or_admins_by_id(owner_api, owner, other_owner, admin_user, method):
    for target in (owner, other_owner, admin_user):
        response = getattr(owner_api, method)(f"/api/users/{target.pk}", {"firstName": "Hacked"}, format="json")
        _assert_error(response, 404)
    assert User.objects.filter(first_name="Hacked").count() == 0
    assert User.objects.count() == 3


# --- agents, bots, strangers -----------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("get", "/api/users"), ("post", "/api/users"), ("get", "/api/users/{id}"), ("put", "/api/users/{id}"), ("delete", "/api/users/{id}")])
def test_agent_is_403_on_user_management(agent_api, agent, method, path):
    response = getattr(agent_api, method)(path.format(id=agent.pk), {"username": "sam", "password": "Correct-horse-9"}, format="json")

    _assert_error(response, 403)
    assert not User.objects.filter(username="sam").exists()
    assert User.objects.filter(pk=agent.pk).exists()


def test_anonymous_is_401_on_user_management(api, agent):
    _assert_error(api.get("/api/users"), 401)
    _assert_error(api.delete(f"/api/users/{agent.pk}"), 401)
    assert User.objects.filter(pk=agent.pk).exists()


def test_body_must_be_json_object(admin_api, db):
    response = admin_api.post("/api/users", json.dumps(["nina"]), content_type="application/json")

    _assert_error(response, 400, "body")


def test_admin_created_through_the_api_can_use_django_admin(admin_api):
    response = admin_api.post("/api/users", {"username": "second-admin", "password": "a-long-pass-12345", "role": "admin"}, format="json")
    assert response.status_code == 201, response.content
    assert User.objects.get(username="second-admin").is_staff is True
    demoted = admin_api.put(f"/api/users/{response.json()['data']['id']}", {"role": "user"}, format="json")
    assert demoted.status_code == 200, demoted.content
    assert User.objects.get(username="second-admin").is_staff is False
