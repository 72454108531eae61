"""OPTIONS (DRF's metadata) on every documented API path answers without a server error (found by bench/fuzz.py)."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import client_for


@pytest.fixture
def api_paths(db) -> list[str]:
    paths = Client().get("/swagger.json").json()["paths"]
    return [re.sub(r"\{[^}]+\}", "1", f"/api{path}") for path in paths]


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_options_on_every_api_path_is_not_a_server_error(api_paths, admin_user, owner, store, role):
    client = client_for(admin_user if role == "admin" else owner)
    client.raise_request_exception = False  # collect every 500, not just the first
    # The slug-addressed store answers to its own slug.
    paths = [path.replace("/stores/1", f"/stores/{store.slug}") for path in api_paths]

    failures = {path: response.status_code for path in paths if (response := client.options(path)).status_code >= 500}

    assert failures == {}


def test_options_on_settings_describes_the_put_body(owner, store):
    response = client_for(owner).options("/api/settings")

    assert response.status_code == 200
    assert "ai_model" in response.json()["actions"]["PUT"]
