"""Writes to stores and their bot keys."""
from __future__ import annotations

from django.utils import timezone

from callcenter.models import ApiKey, hash_api_key
from store.models import Store


def create_api_key(*, store: Store, name: str, created_by=None, raw_key: str | None = None) -> tuple[ApiKey, str]:
    """Make a bot key for a store; returns the row and the key itself, which is never stored."""
    raw = raw_key or ApiKey.generate_raw_key()
    key = ApiKey.objects.create(store=store, name=name, prefix=raw[:12], key_hash=hash_api_key(raw), created_by=created_by)
    return key, raw


def revoke_api_key(*, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
