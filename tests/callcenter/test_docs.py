"""/swagger.json (valid OpenAPI 2.0, every endpoint, both security schemes), /swagger/, /redoc/."""
from __future__ import annotations

import json
import warnings

import pytest
from django.conf import settings
from django.test import Client
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from swagger_spec_validator.validator20 import validate_spec

EXPECTED_PATHS = [
    "/api/calls",
    "/api/calls/{ref}",
    "/api/calls/{ref}/transcript",
    "/api/calls/{ref}/terminate",
    "/api/calls/stats",
    "/api/calls/active",
    "/api/calls/analytics",
    "/api/calls/export",
    "/api/calls/outbound",
    "/api/users",
    "/api/users/{id}",
    "/api/users/profile",
    "/api/users/change-password",
    "/api/users/login",
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/token",
    "/api/auth/token/refresh",
    "/api/health",
    "/api/store-info",
    "/api/settings",
    "/api/stores",
    "/api/stores/{slug}",
    "/api/audit-log",
    "/api/departments",
    "/api/departments/{id}",
    "/api/inventory",
    "/api/inventory/{id}",
    "/api/coupons",
    "/api/coupons/{id}",
    "/api/voice-templates",
    "/api/voice-templates/{id}",
    "/api/staff",
    "/api/staff/{id}",
    "/api/faqs",
    "/api/faqs/{id}",
]


def _normalise(path: str) -> str:
    return path.rstrip("/").replace("{pk}", "{id}")


@pytest.fixture
def spec(db) -> dict:
    response = Client().get("/swagger.json")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


@pytest.fixture
def paths(spec) -> dict[str, dict]:
    base = spec.get("basePath", "/").rstrip("/")
    return {_normalise(base + path): ops for path, ops in spec["paths"].items()}


def test_swagger_json_is_valid_openapi_2(spec):
    assert spec["swagger"] == "2.0"
    assert spec["info"]["title"] == "Callcenter API"

    validate_spec(spec)  # raises SwaggerValidationError when invalid


@pytest.mark.parametrize("path", EXPECTED_PATHS)
def test_every_api_path_is_documented(paths, path):
    assert path in paths, sorted(paths)


def test_methods_are_documented(paths):
    assert {"get", "post"} <= set(paths["/api/calls"])
    assert {"get", "patch", "delete"} <= set(paths["/api/calls/{ref}"])
    assert {"get", "put", "delete"} <= set(paths["/api/users/{id}"])
    assert {"get", "put"} <= set(paths["/api/users/profile"])
    assert "put" in paths["/api/users/change-password"]
    assert "post" in paths["/api/auth/login"] and "post" in paths["/api/users/login"]


def test_security_definitions_for_bearer_and_api_key(spec):
    definitions = spec["securityDefinitions"]

    assert (definitions["Bearer"]["type"], definitions["Bearer"]["in"], definitions["Bearer"]["name"]) == ("apiKey", "header", "Authorization")
    assert (definitions["ApiKey"]["type"], definitions["ApiKey"]["in"], definitions["ApiKey"]["name"]) == ("apiKey", "header", "X-API-Key")
    assert {"Bearer": []} in spec["security"]
    assert {"ApiKey": []} in spec["security"]


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/users/login", "/api/auth/token", "/api/auth/token/refresh", "/api/health"])
def test_public_endpoints_are_documented_without_credentials(paths, path):
    operations = [op for method, op in paths[path].items() if method != "parameters"]

    assert operations
    assert all(op.get("security") == [] for op in operations)


def test_protected_endpoints_inherit_the_credentials(paths):
    for path in ("/api/users", "/api/calls", "/api/users/profile", "/api/auth/logout"):
        assert all("security" not in op for method, op in paths[path].items() if method != "parameters"), path


def _body_properties(spec: dict, operation: dict) -> set[str]:
    schema = next(p["schema"] for p in operation["parameters"] if p["in"] == "body")
    if "$ref" in schema:
        schema = spec["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema["properties"])


@pytest.mark.parametrize(
    "path,method,fields",
    [
        ("/api/auth/login", "post", {"username", "email", "password"}),
        ("/api/users/login", "post", {"username", "password"}),
        ("/api/auth/token", "post", {"username", "password"}),
        ("/api/auth/token/refresh", "post", {"refresh"}),
        ("/api/auth/logout", "post", {"refresh"}),
        ("/api/users", "post", {"username", "email", "password", "role", "stores", "isActive"}),
        ("/api/users/{id}", "put", {"username", "email", "password", "role", "stores", "isActive"}),
        ("/api/users/profile", "put", {"email", "firstName", "lastName"}),
        ("/api/users/change-password", "put", {"currentPassword", "newPassword"}),
        ("/api/calls", "post", {"callId", "type", "caller", "receiver", "status", "transcript"}),
        ("/api/store-info", "put", {"name", "address", "phone", "hours", "greeting_message", "opening_hours", "transfer_number", "timezone"}),
        ("/api/settings", "put", {"ai_model", "voice_settings", "system_preferences", "voice", "operator_number", "max_misses"}),
        ("/api/departments", "post", {"name", "phone_extension", "phone", "description", "keywords", "is_active"}),
        ("/api/departments/{id}", "put", {"name", "phone_extension"}),
        ("/api/inventory", "post", {"name", "sku", "department", "price", "stock_quantity", "location", "aliases"}),
        ("/api/coupons", "post", {"code", "discount_type", "discount_value", "department", "item", "is_store_wide", "expires_at"}),
        ("/api/voice-templates", "post", {"template_type", "language", "text_content", "variation_number"}),
        ("/api/staff", "post", {"name", "email", "phone", "department", "role"}),
        ("/api/stores", "post", {"name", "slug", "owner", "twilio_numbers", "timezone", "language"}),
    ],
)
def test_request_bodies_are_documented(spec, paths, path, method, fields):
    assert fields <= _body_properties(spec, paths[path][method])


def test_store_data_filters_are_documented(paths):
    names = {p["name"] for p in paths["/api/inventory"]["get"]["parameters"]}
    assert {"q", "department", "limit", "offset", "store"} <= names
    assert {"store", "model", "action"} <= {p["name"] for p in paths["/api/audit-log"]["get"]["parameters"]}


def test_call_list_filters_are_documented(paths):
    names = {p["name"] for p in paths["/api/calls"]["get"]["parameters"]}

    assert {"page", "limit", "type", "status", "search", "startDate", "endDate", "sortBy", "sortOrder"} <= names


def test_schema_json_serves_without_the_deprecation_warning(db):
    assert settings.SWAGGER_USE_COMPAT_RENDERERS is False
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        get_schema_view(openapi.Info(title="t", default_version="v1"), public=True)


def test_swagger_yaml_is_served(db):
    response = Client().get("/swagger.yaml")

    assert response.status_code == 200
    assert b"swagger: '2.0'" in response.content or b'swagger: "2.0"' in response.content


@pytest.mark.parametrize("path", ["/swagger/", "/swagger", "/redoc/", "/redoc"])
def test_docs_pages_answer(db, path):
    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower() or b"<!doctype html" in response.content.lower()


def test_swagger_ui_asks_for_json_spec(db):
    response = Client().get("/swagger/?format=openapi")

    assert response.status_code == 200
    assert json.loads(response.content)["swagger"] == "2.0"


@pytest.mark.parametrize("path,definition", [("/api/store-info", "StoreInfo"), ("/api/settings", "StoreSettings")])
def test_one_object_per_store_is_documented_as_an_object(paths, path, definition):
    assert paths[path]["get"]["responses"]["200"]["schema"] == {"$ref": f"#/definitions/{definition}"}


def test_the_top_level_tags_name_and_describe_every_operation_group(spec):
    # The original dashboard's test reads the groups from the schema's `tags`.
    listed = [tag["name"] for tag in spec["tags"]]
    used = {tag for operations in spec["paths"].values() for operation in operations.values() if isinstance(operation, dict) for tag in operation.get("tags", [])}

    assert set(listed) == used and len(listed) == len(used)
    assert {"auth", "calls", "dashboard", "store-info", "voice-templates", "health"} <= used
    assert all(tag["description"] and tag["description"] != tag["name"] for tag in spec["tags"])
    assert listed[:3] == ["auth", "users", "calls"]
