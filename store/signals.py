"""The voice agent's cached store data follows every write, also those that bypass store.services.

store.services bumps the store's data version on each audited change and bulk import; these receivers
do the same for a row saved or deleted any other way (the Django admin, a shell), so the agent never
answers from a department, template, FAQ or setting that has changed. Items and coupons are read fresh on
every turn: only their deletion and a change of an item's words (index_item_words) renew the cache.
"""
from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from store.models import Coupon, Department, Faq, InventoryItem, Store, StoreSettings, VoiceTemplate

CACHED_BY_VOICE = (Store, StoreSettings, Department, VoiceTemplate, Faq)


def _store_id(instance: Any) -> int | None:
    return instance.pk if isinstance(instance, Store) else getattr(instance, "store_id", None)


def _saved(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from store.services import bump_data_version

    if not raw and (store_id := _store_id(instance)):
        bump_data_version(store_id)


def _deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    from store.services import bump_data_version

    if store_id := _store_id(instance):
        bump_data_version(store_id)


def connect() -> None:
    for model in CACHED_BY_VOICE:
        post_save.connect(_saved, sender=model, dispatch_uid=f"voice-cache-save-{model.__name__}")
    for model in (*CACHED_BY_VOICE, InventoryItem, Coupon):
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"voice-cache-delete-{model.__name__}")
