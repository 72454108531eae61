"""One error shape everywhere: {success: false, error, message, fields}, with the right status."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from callcenter import services
from callcenter.models import User

ERROR_KEYS = {"success", "error", "message", "fields"}


def _shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    return body


@pytest.mark.parametrize("path", ["/api/nope", "/api/nope/", "/api/users/abc", "/api/calls/1/nothing/here", "/api/v2/calls"])
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_json_404(api, db, settings, path, debug):
    settings.DEBUG = debug

    body = _shape(api.get(path), 404)

    assert body["error"] == "not_found"
    assert body["fields"] == {}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_api_path_is_json_404_for_every_method(api, db, method):
    _shape(getattr(api, method)("/api/nope", {}, format="json"), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_api_path_is_json_404_when_csrf_is_enforced(db, method):
    # A bot or a browser without a CSRF token: the 404 must not become Django's HTML CSRF 403 (found by bench/fuzz.py).
    client = APIClient(enforce_csrf_checks=True)

    _shape(getattr(client, method)("/api/agent-profiles/not-an-id/", {}, format="json"), 404)


@pytest.mark.parametrize(
    "path",
    ["/api/calls/stats?store=%00x", "/api/inventory/1?store=a%00", "/api/calls/%00", "/api/calls?search=%00", "/api/stores/x%00y"],
)
def test_nul_byte_in_the_url_is_a_400_not_a_database_error(admin_api, path):
    # PostgreSQL text cannot hold NUL: before the check these were 500s (found by bench/fuzz.py).
    body = _shape(admin_api.get(path), 400)

    assert body["error"] == "bad_request"


def test_unknown_page_outside_api_is_not_json(client, db):
    response = client.get("/definitely-not-a-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_401_has_the_shape_and_a_challenge(api, db):
    body = _shape(api.get("/api/users"), 401)

    assert body["error"] == "not_authenticated"
    assert api.get("/api/users").has_header("WWW-Authenticate")


def test_401_for_a_bad_token_has_the_shape(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    body = _shape(client.get("/api/calls"), 401)

    assert body["error"] in ("token_not_valid", "authentication_failed")


def test_403_has_the_shape(agent_api):
    body = _shape(agent_api.get("/api/users"), 403)

    assert body["error"] == "permission_denied"


def test_404_from_a_view_has_the_shape(admin_api):
    body = _shape(admin_api.get("/api/users/424242"), 404)

    assert body["message"] == "User not found"


def test_405_has_the_shape(api, db):
    body = _shape(api.delete("/api/health"), 405)

    assert body["error"] == "method_not_allowed"


def test_400_names_fields_and_says_one_sentence(admin_api):
    body = _shape(admin_api.post("/api/users", {"username": "!", "role": "boss"}, format="json"), 400)

    assert body["error"] == "validation_error"
    assert set(body["fields"]) >= {"username", "role"}
    assert all(isinstance(msgs, list) and msgs and all(isinstance(m, str) for m in msgs) for msgs in body["fields"].values())
    assert "\n" not in body["message"]


def test_malformed_json_is_400_with_the_shape(admin_api):
    response = admin_api.generic("POST", "/api/users", '{"username": ', content_type="application/json")

    body = _shape(response, 400)
    assert body["error"] == "parse_error"
    assert User.objects.count() == 1


def test_unsupported_media_type_is_415_with_the_shape(admin_api):
    response = admin_api.generic("POST", "/api/users", "username=x", content_type="text/plain")

    _shape(response, 415)


def test_throttled_is_429_with_the_shape(owner):
    client = APIClient()
    for _ in range(10):
        response = client.post("/api/auth/login/", {"username": "olivia", "password": "bad"}, format="json")

    body = _shape(response, 429)
    assert body["error"] == "throttled"
    assert response.has_header("Retry-After")


def test_unexpected_exception_is_json_500_with_the_shape(admin_api, monkeypatch):
    def explode(actor):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(services, "manageable_users", explode)
    admin_api.raise_request_exception = False

    response = admin_api.get("/api/users")

    body = _shape(response, 500)
    assert body["error"] == "server_error"
    assert "secret detail" not in response.content.decode()


def test_django_validation_error_from_a_service_has_the_shape(admin_api, admin_user):
    """Services raise Django's ValidationError; the handler maps it to a 400 with fields."""
    body = _shape(admin_api.delete(f"/api/users/{admin_user.pk}"), 400)

    assert body["error"] == "validation_error"
    assert "id" in body["fields"]


LISTS = [
    "/api/stores", "/api/audit-log", "/api/departments", "/api/inventory", "/api/coupons", "/api/voice-templates", "/api/staff",
    "/api/plans", "/api/subscriptions", "/api/billing", "/api/customers", "/api/callbacks", "/api/queue", "/api/agent-profiles",
    "/api/ai-agents",
]  # fmt: skip


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("offset", [2**63, 2**64 + 5, 10**30])
def test_an_offset_beyond_a_64_bit_integer_is_a_400_naming_offset(admin_api, store, path, offset):
    # The databases' OFFSET is a 64-bit integer: before the bound these were 500s (issue 14, from outside).
    body = _shape(admin_api.get(path, {"store": store.slug, "offset": offset}), 400)

    assert (body["error"], list(body["fields"])) == ("validation_error", ["offset"])


@pytest.mark.parametrize("path", LISTS)
def test_the_largest_offset_is_an_empty_page(admin_api, store, path):
    response = admin_api.get(path, {"store": store.slug, "offset": 2**63 - 1})

    assert response.status_code == 200, response.content
    assert response.json() == []
    assert int(response["X-Total-Count"]) >= 0
