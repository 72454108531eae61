"""The rules a store's row keeps beyond its own fields: what must be unique within the store (an
item's SKU and its name, a coupon's code...) and the model's own clean(). The serializers check
them with the field errors, so one answer names every problem (store.serializers.StoreRowSerializer);
store.services.save_record checks them again for the callers that bypass a serializer (the admin)."""
from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower, Replace

from store.models import Coupon, Department, Faq, InventoryItem, Store, VoiceTemplate

# Fields a change must keep unique within one store: (model, field, lookup fields, message).
UNIQUE_IN_STORE: dict[type[models.Model], tuple[str, tuple[str, ...], str]] = {
    Department: ("phone_extension", ("phone_extension",), "Another department of this store has extension {value}."),
    InventoryItem: ("sku", ("sku__iexact",), "Another item of this store has SKU {value}."),
    Coupon: ("code", ("code__iexact",), "Another coupon of this store has code {value}."),
    Faq: ("question", ("question__iexact",), "Another FAQ of this store asks '{value}'."),
    VoiceTemplate: (
        "variation_number",
        ("category", "template_type", "language", "variation_number"),
        "This template already has variation {value} in this language.",
    ),
}
# Two items a caller cannot tell apart: the agent would quote one of them. Refused within a store.
DUPLICATE_NAME = "Another item of this store is called {value} ({sku}); callers could not tell them apart."


def name_key(name: str) -> str:
    """An item's name as a caller's words match it: case and spaces ignored ("Organic  milk" is "organicmilk")."""
    return "".join((name or "").split()).lower()


def _named(rows: models.QuerySet, key: str) -> models.QuerySet:
    # LOWER(REPLACE(name, ' ', '')) on the store's items; a store's write, not a caller's turn.
    return rows.annotate(_name_key=Lower(Replace("name", Value(" "), Value("")))).filter(_name_key=key)


def unique_errors(instance: models.Model, store: Store) -> dict[str, list[str]]:
    """The unique-in-store rule the row breaks, by field."""
    rule = UNIQUE_IN_STORE.get(type(instance))
    if rule is None:
        return {}
    field, lookups, message = rule
    value = getattr(instance, field)
    if value in ("", None):
        return {}
    match = {lookup: getattr(instance, lookup.split("__")[0]) for lookup in lookups}
    if type(instance)._default_manager.filter(store=store, **match).exclude(pk=instance.pk).exists():
        return {field: [message.format(value=value)]}
    return {}


def name_errors(instance: models.Model, store: Store, *, before: str | None) -> dict[str, list[str]]:
    """An item named as another of the store is (a name kept unchanged on an older twin is let be)."""
    if not isinstance(instance, InventoryItem) or not instance.name:
        return {}
    key = name_key(instance.name)
    if before is not None and name_key(before) == key:
        return {}
    twin = _named(InventoryItem.objects.filter(store=store).exclude(pk=instance.pk), key).only("name", "sku").first()
    if twin is None:
        return {}
    return {"name": [DUPLICATE_NAME.format(value=twin.name, sku=twin.sku)]}


def row_errors(model: type[models.Model], store: Store, values: dict[str, Any], *, instance: models.Model | None = None,
               unique: bool = True) -> dict[str, list[str]]:
    """Every rule the row breaks once `values` are applied (to `instance`, or to a new row), by field.
    `unique=False` leaves out the unique field (a new voice template's taken variation becomes the next free one)."""
    probe = copy.copy(instance) if instance is not None else model()
    for name, value in values.items():
        setattr(probe, name, value)
    if hasattr(probe, "store_id") and not isinstance(probe, Store):
        probe.store = store
    errors: dict[str, list[str]] = {}
    if not isinstance(probe, Store):
        if unique:
            errors.update(unique_errors(probe, store))
        before = getattr(instance, "name", None) if instance is not None and instance.pk else None
        for name, messages in name_errors(probe, store, before=before).items():
            errors.setdefault(name, []).extend(messages)
    try:
        probe.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return errors
