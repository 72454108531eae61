"""`manage.py seed_demo`: users of every role, two stores, a bot key and calls; idempotent."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from rest_framework.test import APIClient

from callcenter.models import API_KEY_PREFIX, ApiKey, User
from calls.models import Call, TranscriptEntry
from store.models import Store


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "stores": Store.objects.count(),
        "api_keys": ApiKey.objects.count(),
        "calls": Call.objects.count(),
        "entries": TranscriptEntry.objects.count(),
    }


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> None:
    _seed(calls=50, quiet=True)


def _login(username: str, password: str):
    return APIClient().post("/api/auth/login/", {"username": username, "password": password}, format="json")


def test_seed_twice_changes_nothing(db):
    _seed(calls=50, quiet=True)
    first = _counts()

    _seed(calls=50, quiet=True)

    assert _counts() == first
    assert first["users"] == 4 and first["stores"] == 2 and first["api_keys"] == 1
    assert Call.objects.filter(store__slug="demo-store").count() == 50
    assert Call.objects.filter(store__slug="corner-cafe").count() > 0


def test_seed_adds_only_the_missing_calls(db):
    _seed(calls=20, quiet=True)

    _seed(calls=50, quiet=True)

    demo = Call.objects.filter(store__slug="demo-store")
    assert demo.count() == 50
    assert demo.values("call_id").distinct().count() == 50
    assert User.objects.count() == 4 and ApiKey.objects.count() == 1


def test_roles_and_stores(seeded):
    admin, owner, agent, owner2 = (User.objects.get(username=n) for n in ("admin", "owner", "agent", "owner2"))

    assert admin.role == "admin" and admin.is_superuser and admin.is_staff
    assert owner.role == "user" and owner2.role == "user"
    assert agent.role == "agent" and agent.store.slug == "demo-store"
    assert Store.objects.get(slug="demo-store").owner == owner
    assert Store.objects.get(slug="corner-cafe").owner == owner2
    assert ApiKey.objects.get().store.slug == "demo-store"


def test_admin_logs_in_with_the_demo_password(seeded):
    response = _login("admin", "admin123")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["role"] == "admin"


@pytest.mark.parametrize("username,password", [("owner", "owner123"), ("agent", "agent123"), ("owner2", "owner2123")])
def test_other_demo_people_log_in(seeded, username, password):
    assert _login(username, password).status_code == 200


def test_seed_does_not_reset_a_changed_password(seeded):
    admin = User.objects.get(username="admin")
    admin.set_password("Changed-in-prod-1")
    admin.save()

    _seed(calls=50, quiet=True)

    admin.refresh_from_db()
    assert admin.check_password("Changed-in-prod-1")


def test_printed_bot_key_logs_calls_into_the_demo_store(seeded):
    output = _seed(calls=50)
    keys = [word for word in output.split() if word.startswith(API_KEY_PREFIX)]

    assert len(keys) == 1, output
    assert "admin / admin123" in output
    response = APIClient().post("/api/calls", {"callId": "FROM-DEMO-BOT"}, format="json", HTTP_AUTHORIZATION=f"Bearer {keys[0]}")
    assert response.status_code == 201, response.content
    assert Call.objects.get(call_id="FROM-DEMO-BOT").store.slug == "demo-store"


def test_first_run_prints_the_same_key_as_later_runs(db):
    first = _seed(calls=5)
    second = _seed(calls=5)

    def key(output: str) -> str:
        return next(word for word in output.split() if word.startswith(API_KEY_PREFIX))

    assert key(first) == key(second)
    assert ApiKey.objects.count() == 1


def test_quiet_prints_nothing(db):
    assert _seed(calls=5, quiet=True) == ""


def test_calls_are_consistent(seeded):
    calls = Call.objects.annotate(n=Count("entries"))

    assert all(call.transcript_entry_count == call.n for call in calls)
    assert Call.objects.filter(status="in-progress", store__slug="demo-store").exists()  # the live page has something
    assert not Call.objects.filter(status="in-progress", end_time__isnull=False).exists()
    assert all(c.end_time is None or c.end_time >= c.start_time for c in Call.objects.all())
    assert all(c.call_id.startswith("DEMO-") for c in Call.objects.all())


def test_demo_owner_sees_only_their_store(seeded):
    client = APIClient()
    client.force_authenticate(User.objects.get(username="owner"))

    response = client.get("/api/calls", {"limit": 5})

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 50
    assert {row["store"] for row in response.json()["data"]} == {"demo-store"}
