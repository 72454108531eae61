"""The platform's people and the keys bots sign in with."""
from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person: platform admin, business owner (role `user`) or store agent."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Platform admin"
        USER = "user", "Business owner"
        AGENT = "agent", "Agent"

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER, db_index=True)
    # The one store an agent works in; owners own stores through Store.owner.
    store = models.ForeignKey(
        "store.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="agents"
    )

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.USER

    @property
    def is_agent(self) -> bool:
        return self.role == self.Role.AGENT


API_KEY_PREFIX = "cck_"


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A store's key for bots: only its hash is kept, the key itself is shown once."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The first characters of the key, so a person can tell keys apart in a list.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate_raw_key() -> str:
        return API_KEY_PREFIX + secrets.token_urlsafe(32)
