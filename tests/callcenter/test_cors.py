"""The original front ends call the API by full URL from their own origin: CORS from CORS_ALLOWED_ORIGINS."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import client_for

FRONT_END = "http://localhost:3000"  # seed 000's FRONTEND_URL


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]


def test_a_preflight_from_an_allowed_origin_is_answered_without_auth(cors, db):
    # What a browser sends before the original dashboard's `fetch('/api/calls', {headers: {Authorization}})`.
    response = Client().options(
        "/api/calls",
        HTTP_ORIGIN=FRONT_END,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    assert {"authorization", "content-type"} <= {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response  # a Bearer token, never cookies


def test_the_answer_to_an_allowed_origin_carries_cors_headers(cors, owner, store):
    response = client_for(owner).get("/api/departments", HTTP_ORIGIN=FRONT_END)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    # The store app reads the total of a page from X-Total-Count.
    assert "X-Total-Count" in response["Access-Control-Expose-Headers"]


def test_a_foreign_origin_gets_no_cors_headers(cors, owner, store):
    preflight = Client().options("/api/calls", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    response = client_for(owner).get("/api/calls", HTTP_ORIGIN="https://evil.example")

    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_by_default(db, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    response = Client().options("/api/calls", HTTP_ORIGIN=FRONT_END, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")

    assert "Access-Control-Allow-Origin" not in response


def test_pages_get_no_cors_headers(cors, db):
    response = Client().get("/login/", HTTP_ORIGIN=FRONT_END)

    assert "Access-Control-Allow-Origin" not in response


def test_cors_allowed_origins_is_read_comma_separated():
    from tests.callcenter.test_settings import probe_value

    assert probe_value("CORS_ALLOWED_ORIGINS", CORS_ALLOWED_ORIGINS="http://localhost:3000, https://app.example.com") == [
        "http://localhost:3000",
        "https://app.example.com",
    ]
