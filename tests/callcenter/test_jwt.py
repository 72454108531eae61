"""simplejwt: /api/auth/token/, /api/auth/token/refresh/ (rotated, blacklisted), Bearer access, logout."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

ERROR_KEYS = {"success", "error", "message", "fields"}


def _pair(username: str = "olivia", password: str = "owner-pass-123") -> dict[str, str]:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/token"])
def test_token_pair_for_good_credentials(api, owner, path):
    response = api.post(path, {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"refresh", "access"}
    access, refresh = AccessToken(body["access"]), RefreshToken(body["refresh"])
    assert access["user_id"] == str(owner.pk)
    assert refresh["user_id"] == str(owner.pk)
    assert OutstandingToken.objects.filter(user=owner, jti=refresh["jti"]).exists()


def test_token_lifetimes_match_the_design(owner):
    body = _pair()
    access, refresh = AccessToken(body["access"]), RefreshToken(body["refresh"])

    assert access["exp"] - access["iat"] == int(timedelta(minutes=60).total_seconds())
    assert refresh["exp"] - refresh["iat"] == int(timedelta(days=7).total_seconds())
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] and settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"]


def test_token_wrong_password_is_401_in_error_shape(api, owner):
    response = api.post("/api/auth/token/", {"username": "olivia", "password": "nope"}, format="json")

    assert response.status_code == 401
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["success"] is False
    assert "access" not in response.json()


def test_token_refused_for_inactive_user(api, owner):
    owner.is_active = False
    owner.save()

    response = api.post("/api/auth/token/", {"username": "olivia", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 401
    assert not OutstandingToken.objects.filter(user=owner).exists()


def test_access_token_opens_the_profile(owner, store):
    response = _bearer(_pair()["access"]).get("/api/users/profile")

    assert response.status_code == 200
    assert response.json()["data"]["username"] == "olivia"
    assert response.json()["data"]["stores"] == ["main-street"]


def test_refresh_token_is_not_an_access_token(owner):
    response = _bearer(_pair()["refresh"]).get("/api/users/profile")

    assert response.status_code == 401
    assert set(response.json()) == ERROR_KEYS


def test_garbage_bearer_is_401(db):
    response = _bearer("not.a.jwt").get("/api/users/profile")

    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.has_header("WWW-Authenticate")


def test_token_of_deactivated_user_stops_working(owner):
    access = _pair()["access"]
    owner.is_active = False
    owner.save()

    response = _bearer(access).get("/api/users/profile")

    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/api/auth/token/refresh/", "/api/auth/token/refresh"])
def test_refresh_rotates_and_blacklists_the_old_token(api, owner, path):
    old = _pair()["refresh"]

    response = api.post(path, {"refresh": old}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != old
    assert AccessToken(body["access"])["user_id"] == str(owner.pk)
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(old, verify=False)["jti"]).exists()
    # The old one is spent; the new one works once.
    again = api.post(path, {"refresh": old}, format="json")
    assert again.status_code == 401
    assert set(again.json()) == ERROR_KEYS
    assert api.post(path, {"refresh": body["refresh"]}, format="json").status_code == 200


def test_refresh_with_garbage_is_401(api, db):
    response = api.post("/api/auth/token/refresh/", {"refresh": "garbage"}, format="json")

    assert response.status_code == 401
    assert response.json()["success"] is False


def test_refresh_without_token_is_400_naming_refresh(api, db):
    response = api.post("/api/auth/token/refresh/", {}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]


@pytest.mark.parametrize("path", ["/api/auth/logout/", "/api/auth/logout"])
def test_logout_blacklists_the_refresh_token(api, owner, path):
    pair = _pair()

    response = _bearer(pair["access"]).post(path, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(pair["refresh"], verify=False)["jti"]).exists()
    refreshed = api.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 401


def test_logout_twice_is_400(owner):
    pair = _pair()
    client = _bearer(pair["access"])
    assert client.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 200

    response = client.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]


def test_logout_with_someone_elses_refresh_is_400_and_leaves_it_valid(api, owner, other_owner):
    mine, theirs = _pair(), _pair("oscar", "owner-pass-456")

    response = _bearer(mine["access"]).post("/api/auth/logout/", {"refresh": theirs["refresh"]}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]
    assert not BlacklistedToken.objects.exists()
    assert api.post("/api/auth/token/refresh/", {"refresh": theirs["refresh"]}, format="json").status_code == 200


def test_logout_with_garbage_is_400(owner):
    response = _bearer(_pair()["access"]).post("/api/auth/logout/", {"refresh": "garbage"}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]


def test_logout_needs_authentication(api, owner):
    pair = _pair()

    response = api.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401
    assert set(response.json()) == ERROR_KEYS
    assert not BlacklistedToken.objects.exists()


def test_logout_by_a_bot_key_is_refused(bot_api, owner):
    pair = _pair()

    response = bot_api.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code in (400, 403)
    assert not BlacklistedToken.objects.exists()


def test_refresh_token_for_user_since_deleted_is_refused(api, owner):
    pair = _pair()
    owner.delete()

    response = api.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401


# --- sign-ins end when a manager revokes them (issue 14, item 9) ------------------------------


def _refresh(token: str) -> int:
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json").status_code


def _manage(actor, user, body: dict) -> None:
    client = APIClient()
    client.force_authenticate(user=actor)
    response = client.put(f"/api/users/{user.pk}", body, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("manager", ["admin_user", "owner"])
def test_a_password_reset_by_a_manager_ends_every_refresh_token(request, agent, manager):
    first, second = _pair("alex", "agent-pass-123")["refresh"], _pair("alex", "agent-pass-123")["refresh"]

    _manage(request.getfixturevalue(manager), agent, {"password": "Reset-by-boss-77"})

    assert (_refresh(first), _refresh(second)) == (401, 401)
    assert _refresh(_pair("alex", "Reset-by-boss-77")["refresh"]) == 200  # a sign-in after the reset works


def test_a_deactivation_ends_every_refresh_token_even_once_reactivated(admin_user, owner):
    old = _pair()["refresh"]

    _manage(admin_user, owner, {"isActive": False})
    assert _refresh(old) == 401
    _manage(admin_user, owner, {"isActive": True})

    assert _refresh(old) == 401
    assert not OutstandingToken.objects.filter(user=owner, blacklistedtoken__isnull=True).exists()


def test_a_change_of_name_keeps_the_sign_ins(admin_user, owner):
    old = _pair()["refresh"]

    _manage(admin_user, owner, {"firstName": "Liv"})

    assert _refresh(old) == 200


def test_revoking_costs_the_same_few_queries_however_many_sign_ins(owner, django_assert_num_queries):
    from callcenter import services

    for _ in range(20):
        RefreshToken.for_user(owner)
    with django_assert_num_queries(2):  # read the live ones, insert them all into the blacklist
        services.revoke_refresh_tokens(owner)
    assert BlacklistedToken.objects.filter(token__user=owner).count() == 20


def test_an_inactive_users_access_token_is_refused_on_every_kind_of_request(owner, store):
    access = _pair()["access"]
    owner.is_active = False
    owner.save()

    client = _bearer(access)
    for method, path in (("get", "/api/calls"), ("get", "/api/dashboard/comprehensive/"), ("put", "/api/users/profile"), ("post", "/api/auth/logout/")):
        assert getattr(client, method)(path, {}, format="json").status_code == 401, path
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=60)


def test_an_inactive_admins_access_token_shows_no_health_details(admin_user):
    access = str(AccessToken.for_user(admin_user))
    assert "pid" in _bearer(access).get("/api/health").json()
    admin_user.is_active = False
    admin_user.save()

    response = _bearer(access).get("/api/health")
    assert response.status_code == 200 and "pid" not in response.json()
    assert _bearer(access).get("/api/users").status_code == 401


@pytest.mark.parametrize("body", [{"refresh": ""}, {}])
def test_logout_with_a_blank_refresh_answers_200_and_revokes_nothing(api, owner, body):
    pair = _pair()

    response = _bearer(pair["access"]).post("/api/auth/logout/", body, format="json")

    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Logged out"}
    assert not BlacklistedToken.objects.exists()
    assert api.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 200
