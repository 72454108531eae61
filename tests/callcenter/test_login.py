"""POST /api/auth/login/ (seed 004) and POST /api/users/login (seed 000), and the failed-login throttle."""
from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from callcenter.models import User

ERROR_KEYS = {"success", "error", "message", "fields"}


def _client(address: str = "10.0.0.1") -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def _fail(client: APIClient, path: str, username: str, times: int) -> None:
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "wrong-password"}, format="json")
        assert response.status_code == 401, response.content


# --- /api/auth/login/ (seed 004) ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/login"])
def test_auth_login_with_username_returns_user_and_tokens(api, owner, store, path):
    response = api.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"message", "user", "tokens"}
    assert body["user"]["username"] == "olivia"
    assert body["user"]["role"] == "user"
    assert body["user"]["stores"] == ["main-street"]
    assert "password" not in body["user"]
    assert body["user"]["lastLogin"] is not None  # this login, not the one before
    assert set(body["tokens"]) == {"refresh", "access"}
    assert AccessToken(body["tokens"]["access"])["user_id"] == str(owner.pk)
    assert RefreshToken(body["tokens"]["refresh"])["user_id"] == str(owner.pk)
    owner.refresh_from_db()
    assert owner.last_login is not None


@pytest.mark.parametrize("email", ["olivia@example.com", "OLIVIA@Example.com"])
def test_auth_login_with_email(api, owner, email):
    response = api.post("/api/auth/login/", {"email": email, "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == owner.pk
    assert AccessToken(response.json()["tokens"]["access"])["user_id"] == str(owner.pk)


def test_auth_login_with_email_in_username_field(api, owner):
    response = api.post("/api/auth/login/", {"username": "olivia@example.com", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["username"] == "olivia"


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/login", "/api/users/login", "/api/users/login/"])
def test_wrong_password_is_401_in_error_shape(api, owner, path):
    response = api.post(path, {"username": "olivia", "password": "not-it"}, format="json")

    assert response.status_code == 401, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["success"] is False
    assert body["error"] == "authentication_failed"
    assert body["message"] == "Invalid username or password."
    assert body["fields"] == {}
    assert "tokens" not in body and "data" not in body


def test_unknown_user_is_401_like_a_wrong_password(api, db):
    response = api.post("/api/auth/login/", {"username": "nobody", "password": "whatever-123"}, format="json")

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid username or password."


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/users/login"])
def test_inactive_user_is_refused(api, owner, path):
    owner.is_active = False
    owner.save()

    response = api.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 401
    assert response.json()["success"] is False
    owner.refresh_from_db()
    assert owner.last_login is None


@pytest.mark.parametrize("body,field", [({"password": "x"}, "username"), ({"username": "olivia"}, "password")])
def test_missing_fields_are_400_naming_the_field(api, owner, body, field):
    response = api.post("/api/auth/login/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert response.json()["error"] == "validation_error"


def test_login_body_must_be_an_object(api, db):
    response = api.post("/api/auth/login/", ["olivia", "pw"], format="json")

    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_login_ignores_a_stale_authorization_header(api, owner):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api.post("/api/auth/login/", {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200


# --- /api/users/login (seed 000) ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/users/login", "/api/users/login/"])
def test_users_login_returns_seed_000_envelope(api, agent, path):
    response = api.post(path, {"username": "alex", "password": "agent-pass-123"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["message"]
    assert body["data"]["user"]["username"] == "alex"
    assert body["data"]["user"]["role"] == "agent"
    assert body["data"]["user"]["stores"] == ["main-street"]
    assert body["data"]["user"]["lastLogin"] is not None
    assert AccessToken(body["data"]["token"])["user_id"] == str(agent.pk)


def test_users_login_token_opens_the_profile(api, agent):
    token = api.post("/api/users/login", {"username": "alex", "password": "agent-pass-123"}, format="json").json()["data"]["token"]

    response = APIClient().get("/api/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json()["data"]["username"] == "alex"


# --- failed-login throttle -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/users/login", "/api/auth/token/"])
def test_repeated_failures_are_throttled_even_with_the_right_password(owner, path):
    client = _client()
    _fail(client, path, "olivia", settings.LOGIN_FAILURE_LIMIT)

    response = client.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == "throttled"
    assert "access" not in body and "tokens" not in body


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/users/login", "/api/auth/token/"])
def test_failures_below_the_limit_do_not_throttle(owner, path):
    client = _client()
    _fail(client, path, "olivia", settings.LOGIN_FAILURE_LIMIT - 1)

    response = client.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/users/login", "/api/auth/token/"])
def test_throttle_does_not_lock_the_person_out_from_another_address(owner, path):
    attacker = _client("203.0.113.9")
    _fail(attacker, path, "olivia", settings.LOGIN_FAILURE_LIMIT)
    assert attacker.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json").status_code == 429

    response = _client("198.51.100.4").post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/users/login", "/api/auth/token/"])
def test_throttle_does_not_touch_another_username_from_the_same_address(owner, other_owner, path):
    client = _client()
    _fail(client, path, "olivia", settings.LOGIN_FAILURE_LIMIT)

    response = client.post(path, {"username": "oscar", "password": "owner-pass-456"}, format="json")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/users/login", "/api/auth/token/"])
def test_success_clears_the_failure_count(owner, path):
    client = _client()
    _fail(client, path, "olivia", settings.LOGIN_FAILURE_LIMIT - 1)
    assert client.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json").status_code == 200

    _fail(client, path, "olivia", settings.LOGIN_FAILURE_LIMIT - 1)
    response = client.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content


def test_forwarded_for_header_does_not_dodge_the_throttle(owner):
    """With NUM_PROXIES=0 the client address is REMOTE_ADDR; a forged X-Forwarded-For changes nothing."""
    client = _client()
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/api/auth/login/", {"username": "olivia", "password": "bad"}, format="json", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = client.post(
        "/api/auth/login/", {"username": "olivia", "password": "owner-pass-123"}, format="json", HTTP_X_FORWARDED_FOR="192.0.2.200"
    )

    assert response.status_code == 429


def test_failures_count_across_login_endpoints_and_username_case(owner):
    client = _client()
    _fail(client, "/api/auth/login/", "olivia", 2)
    _fail(client, "/api/users/login", "OLIVIA", 2)
    _fail(client, "/api/auth/token/", "Olivia", settings.LOGIN_FAILURE_LIMIT - 4)

    response = client.post("/api/auth/login/", {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 429


def test_email_and_username_share_one_failure_count(owner):
    """Switching between the email and the username must not double the attempts an attacker gets."""
    client = _client()
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        login = {"email": "olivia@example.com"} if n % 2 else {"username": "olivia"}
        assert client.post("/api/auth/login/", {**login, "password": "bad"}, format="json").status_code == 401

    by_email = client.post("/api/auth/login/", {"email": "olivia@example.com", "password": "owner-pass-123"}, format="json")
    by_name = client.post("/api/auth/login/", {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert by_email.status_code == 429
    assert by_name.status_code == 429


def test_throttled_request_does_not_count_as_login(owner):
    client = _client()
    _fail(client, "/api/users/login", "olivia", settings.LOGIN_FAILURE_LIMIT)

    client.post("/api/users/login", {"username": "olivia", "password": "owner-pass-123"}, format="json")

    owner.refresh_from_db()
    assert owner.last_login is None
    assert User.objects.get(pk=owner.pk).check_password("owner-pass-123")


@pytest.mark.parametrize(("path", "user_of"), [("/api/auth/login/", lambda body: body["user"]), ("/api/users/login", lambda body: body["data"]["user"])])
def test_the_login_answer_names_the_user_as_the_original_dashboards_read_it(api, owner, path, user_of):
    owner.first_name, owner.last_name = "Olivia", "Stone"
    owner.save()

    response = api.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content
    user = user_of(response.json())
    assert (user["full_name"], user["first_name"], user["last_name"]) == ("Olivia Stone", "Olivia", "Stone")
