"""Shared fixtures, kept small: an admin, an owner with a store, a second owner with another store, an agent."""
from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from callcenter.models import User
from store.models import Store
from store.services import create_api_key


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks and real concurrency; SQLite skips them with the reason."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...): row locks and concurrent writers")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Real hashing costs about a second per user; tests check logic, not key stretching."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_user("root", "root@example.com", "admin-pass-123", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("olivia", "olivia@example.com", "owner-pass-123", role=User.Role.USER)


@pytest.fixture
def store(owner) -> Store:
    return Store.objects.create(name="Main Street Market", slug="main-street", owner=owner, twilio_numbers=["+15005550006"], timezone="America/New_York")


@pytest.fixture
def other_owner(db) -> User:
    return User.objects.create_user("oscar", "oscar@example.com", "owner-pass-456", role=User.Role.USER)


@pytest.fixture
def other_store(other_owner) -> Store:
    return Store.objects.create(name="Harbor Deli", slug="harbor-deli", owner=other_owner, twilio_numbers=["+15005550007"], timezone="Europe/London")


@pytest.fixture
def agent(store) -> User:
    return User.objects.create_user("alex", "alex@example.com", "agent-pass-123", role=User.Role.AGENT, store=store)


@pytest.fixture
def bot_key(store) -> str:
    """The raw API key of `store`'s bot."""
    _, raw = create_api_key(store=store, name="test bot")
    return raw


@pytest.fixture
def other_bot_key(other_store) -> str:
    _, raw = create_api_key(store=other_store, name="other bot")
    return raw


def client_for(user: User | None = None, *, key: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def owner_api(owner, store) -> APIClient:
    return client_for(owner)


@pytest.fixture
def other_owner_api(other_owner, other_store) -> APIClient:
    return client_for(other_owner)


@pytest.fixture
def agent_api(agent) -> APIClient:
    return client_for(agent)


@pytest.fixture
def bot_api(bot_key) -> APIClient:
    return client_for(key=bot_key)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
