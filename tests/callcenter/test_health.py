"""GET /api/health (and /health, the original voice app's path): the app, its database and its channel layer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection

from callcenter import api as callcenter_api

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["/api/health", "/api/health/"])
def test_health_is_ok_for_anonymous(api, db, path):
    response = api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor
    assert body["channelLayer"]["status"] == "ok"
    assert body["environment"] in ("development", "production")
    assert isinstance(body["uptime"], (int, float)) and body["uptime"] >= 0
    stamp = datetime.fromisoformat(body["timestamp"])
    assert stamp.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - stamp) < timedelta(minutes=1)


def test_health_reports_the_configured_channel_layer(api, db, settings):
    body = api.get("/api/health").json()

    expected = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    assert body["channelLayer"]["backend"] == expected


def test_health_environment_follows_debug(api, db, settings):
    settings.DEBUG = False
    assert api.get("/api/health").json()["environment"] == "production"

    settings.DEBUG = True
    assert api.get("/api/health").json()["environment"] == "development"


def test_health_ignores_bad_credentials(api, db):
    """Load balancers and uptime checks may send stale headers: health still answers."""
    response = api.get("/api/health", HTTP_AUTHORIZATION="Bearer cck_revoked", HTTP_X_API_KEY="nonsense")

    assert response.status_code == 200
    assert response.json()["status"] == "OK"


def test_health_answers_signed_in_users_too(admin_api, bot_api):
    assert admin_api.get("/api/health").status_code == 200
    assert bot_api.get("/api/health").status_code == 200


def test_broken_channel_layer_is_degraded_but_200(api, db, monkeypatch):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("layer down")

    monkeypatch.setattr(callcenter_api, "get_channel_layer", lambda: BrokenLayer())

    response = api.get("/api/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "DEGRADED"
    assert body["channelLayer"]["status"] == "failing"
    assert "layer down" in body["channelLayer"]["error"]
    assert body["database"]["status"] == "ok"


def test_broken_database_is_503(api, db, monkeypatch):
    monkeypatch.setattr(callcenter_api, "database_state", lambda: {"status": "failing", "vendor": "x", "error": "down"})

    response = api.get("/api/health")

    assert response.status_code == 503
    assert response.json()["status"] == "DEGRADED"
    assert response.json()["database"]["status"] == "failing"


def test_health_only_reads(api, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert api.get("/api/health").status_code == 200


@pytest.mark.parametrize("path", ["/health", "/health/"])
def test_health_at_the_root_answers_like_api_health(api, db, path):
    response = api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK"
    assert body.keys() == api.get("/api/health").json().keys()


PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client()  # plain HTTP, as a load balancer probes
print(json.dumps({path: client.get(path).status_code for path in ("/api/health", "/api/health/", "/health", "/api/calls", "/login/")}))
"""


def test_with_debug_off_plain_http_health_probes_get_200_and_the_rest_redirects(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECURE_SSL_REDIRECT")}
    env.update(
        DJANGO_SETTINGS_MODULE="callcenter.settings",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-probe-only-secret-0123456789",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    assert codes == {"/api/health": 200, "/api/health/": 200, "/health": 200, "/api/calls": 301, "/login/": 301}
