"""Who may see which store: the one helper every tenant-scoped queryset passes through."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from store.models import Store


def visible_stores(user: Any) -> QuerySet[Store]:
    """The stores a person or bot may see: all for admins, owned ones for owners, one for agents and bots."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Store.objects.none()
    bot_store_id = getattr(user, "bot_store_id", None)
    if bot_store_id is not None:
        return Store.objects.filter(pk=bot_store_id)
    role = getattr(user, "role", None)
    if role == "admin" or getattr(user, "is_superuser", False):
        return Store.objects.all()
    if role == "user":
        return Store.objects.filter(owner=user)
    if role == "agent" and user.store_id:
        return Store.objects.filter(pk=user.store_id)
    return Store.objects.none()


def visible_store_ids(user: Any) -> list[int] | None:
    """Store ids the user may see, or None when every store is visible (admin)."""
    if getattr(user, "role", None) == "admin" or getattr(user, "is_superuser", False):
        if getattr(user, "bot_store_id", None) is None:
            return None
    return list(visible_stores(user).values_list("pk", flat=True))


def pick_store(user: Any, slug: str | None) -> Store | None:
    """The store named by `?store=<slug>` (404 when not visible), else the user's only store, else None."""
    stores = visible_stores(user)
    if slug:
        store = stores.filter(slug=slug).first()
        if store is None:
            raise Http404("Store not found")
        return store
    first_two = list(stores[:2])
    return first_two[0] if len(first_two) == 1 else None


def require_store(user: Any, slug: str | None) -> Store:
    """Like `pick_store`, but a request that names no store and may see several (or none) is a 400."""
    store = pick_store(user, slug)
    if store is None:
        if visible_stores(user).exists():
            raise ValidationError({"store": ["Name the store (its slug, ?store=<slug>): you can see several."]})
        raise ValidationError({"store": ["You have no store."]})
    return store


class StoreRowQuerySet(models.QuerySet):
    """Rows that belong to a store (a `store` foreign key): calls, customers, callbacks, AI agents, billing."""

    def in_stores(self, store_ids: list[int] | None) -> "StoreRowQuerySet":
        """Only the rows of these stores (None: of every store)."""
        return self if store_ids is None else self.filter(store_id__in=store_ids)

    def for_user(self, user: Any) -> "StoreRowQuerySet":
        """Only the rows of stores the user (or bot key) may see."""
        return self.in_stores(visible_store_ids(user))
