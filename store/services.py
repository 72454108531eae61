"""Writes to stores, their data and their bot keys. Every change to store data is audited here."""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from callcenter.models import ApiKey, hash_api_key
from calls import events  # a leaf module (Django and Channels only): who sees which store's live events
from store import rules
from store.models import (
    AuditEntry,
    Coupon,
    Department,
    Faq,
    InventoryItem,
    InventoryWord,
    Store,
    StoreSettings,
    VoiceTemplate,
    words_of,
)

# Not worth an audit line: set by the database or by the service itself.
UNAUDITED = {"id", "store", "created_at", "updated_at"}


def create_api_key(*, store: Store, name: str, created_by=None, raw_key: str | None = None) -> tuple[ApiKey, str]:
    """Make a bot key for a store; returns the row and the key itself, which is never stored."""
    raw = raw_key or ApiKey.generate_raw_key()
    key = ApiKey.objects.create(store=store, name=name, prefix=raw[:12], key_hash=hash_api_key(raw), created_by=created_by)
    return key, raw


def revoke_api_key(*, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The row's audited fields as JSON data; a related row by its name, as people know it."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in UNAUDITED:
            continue
        if field.is_relation:
            related = getattr(instance, field.name)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = field.value_from_object(instance)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), after.get(name)] for name in after.keys() | before.keys() if before.get(name) != after.get(name)}


def _actor_label(actor: Any) -> str:
    return str(getattr(actor, "username", "") or actor or "system")


# The voice agent caches what rarely changes of a store (settings, departments, templates, the words of
# its inventory) under this version (voice/selectors.py). A saved or deleted row renews it through model
# signals (store/signals.py: items and coupons are read fresh, so only their deletion counts); a bulk
# import, which sends no signals, through its audit line; changed item words through index_item_words.
DATA_VERSION_KEY = "store:{}:data-version"


def new_data_version() -> int:
    return uuid.uuid4().int >> 66  # random, and an integer: Redis keeps it as digits, cheap to read


def bump_data_version(store_id: int) -> None:
    """Give the store's cached data a new version: now (seen inside this transaction) and again after the
    commit (a turn that read the new version before the commit may have cached the old rows under it)."""

    def bump() -> None:
        try:
            cache.set(DATA_VERSION_KEY.format(store_id), new_data_version(), None)
        except Exception:  # a cache outage must not fail the write (readers fall back to the database)
            logging.getLogger(__name__).warning("store %s: the data version could not be bumped", store_id, exc_info=True)

    bump()
    transaction.on_commit(bump)


def record_change(*, store: Store, actor: Any, action: str, instance: models.Model, changes: dict[str, list[Any]]) -> AuditEntry:
    """One audit line; `actor` is a user, a bot principal, or None for a command."""
    if action == "import":  # bulk writes: no model signals renewed the cache
        bump_data_version(store.pk)
    return AuditEntry.objects.create(
        store=store,
        actor=actor if getattr(actor, "_meta", None) is not None and getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor)[:150],
        action=action,
        model=instance._meta.model_name,
        object_id=str(instance.pk or ""),
        object_repr=str(instance)[:200],
        changes=changes,
    )


def _check_rules(instance: models.Model, store: Store, before: dict[str, Any]) -> None:
    """Unique in the store, an item's name unlike its siblings' (the serializers check the same, with the field errors)."""
    errors = rules.unique_errors(instance, store)
    errors.update(rules.name_errors(instance, store, before=before.get("name")))
    if errors:
        raise ValidationError(errors)


def index_item_words(items: list[InventoryItem]) -> None:
    """Rebuild the search words of these items (their name, SKU and aliases, folded)."""
    InventoryWord.objects.filter(item__in=[item.pk for item in items]).delete()
    InventoryWord.objects.bulk_create(
        [
            InventoryWord(store_id=item.store_id, item=item, word=word[:100], name_words=min(len(words_of(item.name)), 999))
            for item in items
            for word in item.search_words
        ],
        batch_size=5000,
    )
    for store_id in {item.store_id for item in items}:
        bump_data_version(store_id)  # the store's vocabulary changed (voice misspelling correction)


@transaction.atomic
def save_record(*, actor: Any, store: Store, instance: models.Model, data: dict[str, Any]) -> models.Model:
    """Create or change one row of a store's data (or the store's own info): validate, save, audit."""
    creating = instance._state.adding
    before = {} if creating else snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    if hasattr(instance, "store_id") and not isinstance(instance, Store):
        instance.store = store
    _check_rules(instance, store, before)
    instance.full_clean(validate_constraints=False)
    # A change saves only the fields sent (and the update stamp): two people changing different
    # fields of one row at once both keep their change.
    fields = None if creating else [name for name in data] + [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
    try:
        with transaction.atomic():
            instance.save(update_fields=fields)
    except IntegrityError:  # a twin written between the check and the insert
        field, _, message = rules.UNIQUE_IN_STORE.get(type(instance), ("non_field_errors", (), "This conflicts with another row."))
        raise ValidationError({field: [message.format(value=getattr(instance, field, ""))]}) from None
    if isinstance(instance, InventoryItem) and (creating or {"name", "sku", "aliases"} & data.keys()):
        index_item_words([instance])
    changes = _diff(before, snapshot(instance))
    if creating or changes:
        record_change(store=store, actor=actor, action="create" if creating else "update", instance=instance, changes=changes)
    return instance


def add_voice_template(*, actor: Any, store: Store, data: dict[str, Any]) -> tuple[VoiceTemplate, int | None]:
    """Add a voice template; a variation number its prompt already has becomes the next free one.

    The original store app sends `variation_number: 1` with every new template. Returns the row and,
    when it was moved, the number asked for (the answer says so)."""
    asked = data.get("variation_number", 1)
    probe = VoiceTemplate(store=store, **data)
    prompt = {"store": store, "category": probe.category, "template_type": probe.template_type, "language": probe.language}
    for _ in range(3):  # a twin added at the same moment takes the number: look again
        taken = set(VoiceTemplate.objects.filter(**prompt).values_list("variation_number", flat=True))
        number = next((n for n in range(asked, 100) if n not in taken), asked)  # all taken: the usual 400
        try:
            row = save_record(actor=actor, store=store, instance=VoiceTemplate(), data={**data, "variation_number": number})
        except ValidationError as exc:
            if number == asked or "variation_number" not in getattr(exc, "error_dict", {}):
                raise
            continue
        return row, (asked if number != asked else None)
    raise ValidationError({"variation_number": ["Another template took this variation at the same moment; try again."]})


@transaction.atomic
def delete_record(*, actor: Any, store: Store, instance: models.Model) -> None:
    changes = {name: [value, None] for name, value in snapshot(instance).items()}
    record_change(store=store, actor=actor, action="delete", instance=instance, changes=changes)
    instance.delete()


def settings_of(store: Store) -> StoreSettings:
    """The store's voice agent settings, made with the defaults on first use."""
    found, _ = StoreSettings.objects.get_or_create(store=store)
    return found


def check_twilio_numbers(*, store: Store | None, numbers: list[str]) -> None:
    """A number routes to exactly one store: refuse one another store already answers.

    The error names no store: an owner must not learn which other tenant a number belongs to."""
    taken = {
        number
        for others_numbers in Store.objects.exclude(pk=getattr(store, "pk", None)).values_list("twilio_numbers", flat=True)
        for number in others_numbers or []
    }
    clashes = [f"{number} is already in use by another store." for number in numbers if number in taken]
    if clashes:
        raise ValidationError({"twilio_numbers": clashes})


@transaction.atomic
def save_store(*, actor: Any, store: Store, data: dict[str, Any]) -> Store:
    """Create or change a store itself (name, slug, owner, numbers, time zone, language)."""
    if "twilio_numbers" in data:
        check_twilio_numbers(store=None if store._state.adding else store, numbers=data["twilio_numbers"])
    creating = store._state.adding
    owner_before = None if creating else store.owner_id
    save_record(actor=actor, store=store, instance=store, data=data)
    if creating:
        settings_of(store)
    elif store.owner_id != owner_before:
        close_owner_sockets(owner_before, store.owner_id)
    return store


def close_owner_sockets(*owner_ids: int | None) -> None:
    """A store changed hands: the live sockets of the owners before and after see other stores now."""
    for owner_id in {pk for pk in owner_ids if pk is not None}:
        events.close_user_sockets(owner_id)
