"""GET /api/health (and /health, the original voice app's path): the app, its database and its channel layer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from callcenter import api as callcenter_api

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff_api(admin_user) -> APIClient:
    """The platform admin as a client sends them: a bearer token (force_authenticate bypasses the view's own check)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(admin_user)}")
    return client


@pytest.mark.parametrize("path", ["/api/health", "/api/health/"])
def test_health_is_ok_for_anonymous_and_shows_only_statuses(api, db, path):
    response = api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK"
    # No process id, backend or error text for strangers: each part's status only.
    assert set(body) == {"status", "timestamp", "uptime", "environment", "database", "cache", "channelLayer"}
    assert body["database"] == body["cache"] == body["channelLayer"] == {"status": "ok"}
    assert body["environment"] in ("development", "production")
    assert isinstance(body["uptime"], (int, float)) and body["uptime"] >= 0
    stamp = datetime.fromisoformat(body["timestamp"])
    assert stamp.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - stamp) < timedelta(minutes=1)


def test_staff_see_the_details(staff_api, settings):
    body = staff_api.get("/api/health").json()

    assert body["pid"] == os.getpid()
    assert body["database"] == {"status": "ok", "vendor": connection.vendor}
    assert body["channelLayer"] == {"status": "ok", "backend": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]}
    assert body["cache"] == {"status": "ok", "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def test_staff_by_token_and_by_session_see_the_details(admin_user, owner, client):
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(admin_user)}")
    assert "pid" in staff.get("/api/health").json()
    client.force_login(admin_user)
    assert "pid" in client.get("/api/health").json()
    # An owner is no platform operator.
    others = APIClient()
    others.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(owner)}")
    assert "pid" not in others.get("/api/health").json()


def test_a_failing_database_shows_its_error_to_staff_only(api, staff_api, monkeypatch):
    class Down:
        vendor = "postgresql"

        def cursor(self):
            raise RuntimeError("could not connect to server at db.internal:5432 as user postgres")

    monkeypatch.setattr(callcenter_api, "connection", Down())

    anonymous, staff = api.get("/api/health"), staff_api.get("/api/health")

    assert (anonymous.status_code, staff.status_code) == (503, 503)
    assert "db.internal" not in anonymous.content.decode()
    assert str(os.getpid()) not in anonymous.content.decode()
    assert anonymous.json()["database"] == {"status": "failing"}
    assert "db.internal" in staff.json()["database"]["error"]


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


def test_broken_channel_layer_is_degraded_but_200(staff_api, monkeypatch):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("layer down")

    monkeypatch.setattr(callcenter_api, "get_channel_layer", lambda: BrokenLayer())

    response = staff_api.get("/api/health")

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
