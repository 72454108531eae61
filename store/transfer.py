"""A store's data to and from a folder of seed 001's data files (its `data/` folder): what the
`import_store` and `export_store` commands do. Rows go through the API's serializers and the
audited services, so a row the API would refuse is skipped with its field errors and every
change lands in the audit log."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import zoneinfo
from pathlib import Path
from typing import Any, Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from callcenter.validation import validated
from store import services
from store.models import Coupon, Department, Faq, InventoryItem, StaffMember, Store, VoiceTemplate
from store.serializers import (
    CouponSerializer,
    DepartmentSerializer,
    FaqSerializer,
    InventoryItemSerializer,
    StaffMemberSerializer,
    StoreInfoSerializer,
    StoreSettingsSerializer,
    VoiceTemplateSerializer,
)

# The audit log's "who" for every change an import makes.
ACTOR = "import_store"
DIALOGUE_FILE = "dialogue_templates.json"
# The original kept its Spanish prompts as a category of their own; here they are the general
# prompts in Spanish.
SPANISH = ("spanish", "general", "es")


class TransferError(Exception):
    """The folder or the store cannot be used at all (nothing was written)."""


@dataclasses.dataclass
class FileReport:
    """What one file did: counts, and each skipped row with why."""

    name: str
    missing: bool = False
    optional: bool = False  # a file seed 001's folder never had: its absence is no gap
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        if self.missing:
            return [f"{self.name}: not in the folder (optional), skipped" if self.optional else f"{self.name}: missing, skipped"]
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {len(self.skipped)} skipped"
        return [f"{self.name}: {counts}"] + [f"  skipped {why}" for why in self.skipped] + [f"  note: {note}" for note in self.notes]


@dataclasses.dataclass(frozen=True)
class Kind:
    """One list file: its model, the API serializer, and how a row finds the row it restores."""

    file: str
    model: type[models.Model]
    serializer: type[serializers.ModelSerializer]
    label: str  # the field that names a row in the report
    # A row's natural key as (lookup, description), or None when it has none (a create).
    key: Callable[[dict[str, Any]], tuple[dict[str, Any], str] | None]
    note: Callable[[dict[str, Any]], str | None] = lambda data: None


def _text(row: dict[str, Any], name: str, default: str = "") -> str:
    value = row.get(name)
    return default if value in (None, "") else str(value).strip()


def _department_key(row: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    extension, name = _text(row, "phone_extension"), _text(row, "name")
    if extension:
        return {"phone_extension": extension}, f"extension {extension}"
    return ({"name__iexact": name}, f"name '{name}'") if name else None


def _code_key(field: str, words: str) -> Callable[[dict[str, Any]], tuple[dict[str, Any], str] | None]:
    """A key on one code-like field (an item's SKU, a coupon's code), compared ignoring case."""

    def key(row: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
        value = _text(row, field)
        return ({f"{field}__iexact": value}, f"{words} {value}") if value else None

    return key


def _template_key(row: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    try:
        variation = int(row.get("variation_number", 1))
    except (TypeError, ValueError):
        return None
    category, kind, language = _text(row, "category", "voice"), _text(row, "template_type"), _text(row, "language", "en")
    lookup = {"category": category, "template_type": kind, "language": language, "variation_number": variation}
    return (lookup, f"template {category}.{kind} ({language} #{variation})") if kind else None


def _staff_key(row: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    name, email = _text(row, "name"), _text(row, "email")
    return ({"name__iexact": name, "email__iexact": email}, f"name and email '{name} <{email}>'") if name else None


def _faq_key(row: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    question = row.get("question")
    question = question.strip() if isinstance(question, str) else ""
    return ({"question__iexact": question}, f"question '{question}'") if question else None


def _expired(data: dict[str, Any]) -> str | None:
    expires = data.get("expires_at")
    if expires and expires < timezone.now():
        return f"{data.get('code')} expired on {expires.isoformat()}; imported as it is (the voice agent does not offer it)"
    return None


KINDS = {
    kind.file: kind
    for kind in (
        Kind("departments.json", Department, DepartmentSerializer, "name", _department_key),
        Kind("inventory.json", InventoryItem, InventoryItemSerializer, "name", _code_key("sku", "SKU")),
        Kind("coupons.json", Coupon, CouponSerializer, "code", _code_key("code", "code"), note=_expired),
        Kind("voice_templates.json", VoiceTemplate, VoiceTemplateSerializer, "template_type", _template_key),
        Kind(DIALOGUE_FILE, VoiceTemplate, VoiceTemplateSerializer, "template_type", _template_key),
        Kind("staff.json", StaffMember, StaffMemberSerializer, "name", _staff_key),
        Kind("faqs.json", Faq, FaqSerializer, "question", _faq_key),
    )
}
OBJECT_FILES = ("store_info.json", "settings.json")
# Files of this project that seed 001's data folder has no counterpart for.
OPTIONAL_FILES = ("faqs.json",)
# Import order: store info first (its time zone reads the naive timestamps of the rest), then
# departments before the rows that name them, items before the coupons that name their SKU; the FAQ
# (this project's, not seed 001's) last.
IMPORT_ORDER = ("store_info.json", "settings.json", "departments.json", "inventory.json", "coupons.json",
                "voice_templates.json", DIALOGUE_FILE, "staff.json", "faqs.json")


# ---------------------------------------------------------------- reading


def read_folder(folder: Path) -> dict[str, Any]:
    """Every data file of the folder parsed (None when missing); a broken file stops everything."""
    if not folder.is_dir():
        raise TransferError(f"{folder} is not a folder.")
    contents: dict[str, Any] = {}
    for name in IMPORT_ORDER:
        path = folder / name
        if not path.exists():
            contents[name] = None
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TransferError(f"{name} is not valid JSON: {exc}. Nothing was imported.") from None
        wanted = dict if name in OBJECT_FILES or name == DIALOGUE_FILE else list
        if not isinstance(data, wanted):
            raise TransferError(f"{name} must hold a JSON {'object' if wanted is dict else 'list'}. Nothing was imported.")
        if name == DIALOGUE_FILE and not all(isinstance(texts, dict) for texts in data.values()):
            raise TransferError(f"{name} must map each category to an object of prompt: text. Nothing was imported.")
        contents[name] = data
    return contents


def dialogue_rows(data: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """dialogue_templates.json ({category: {key: text}}) as voice template rows, each with its label."""
    rows = []
    for category, texts in data.items():
        category, language = (SPANISH[1], SPANISH[2]) if category == SPANISH[0] else (category, "en")
        for key, text in texts.items():
            row = {"category": category, "template_type": key, "language": language, "text_content": text,
                   "variation_number": 1, "is_active": True}
            rows.append((f"{category}.{key} ({language})", row))
    return rows


def _timestamp(value: Any, tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """An ISO 8601 time as the API reads one (naive means the store's time zone); None when absent."""
    if value in (None, ""):
        return None
    with timezone.override(tz):
        return serializers.DateTimeField().to_internal_value(value)


def describe_errors(detail: Any) -> str:
    """Field errors in one line: `price: Ensure this value is greater than or equal to 0.`"""
    if isinstance(detail, dict):
        return "; ".join(f"{'row' if field in ('__all__', 'non_field_errors') else field}: {describe_errors(value)}"
                         for field, value in detail.items())
    if isinstance(detail, (list, tuple)):
        return " ".join(describe_errors(value) for value in detail)
    return str(detail)


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", None) == getattr(new, "pk", None)
    return current == new


# ---------------------------------------------------------------- importing


def _save(store: Store, instance: models.Model, data: dict[str, Any], report: FileReport) -> str:
    """Create or change one row through the audited service; 'created', 'updated' or 'unchanged'."""
    if instance._state.adding:
        services.save_record(actor=ACTOR, store=store, instance=instance, data=data)
        report.created += 1
        return "created"
    changed = {name: value for name, value in data.items() if not _same(getattr(instance, name), value)}
    if not changed:
        report.unchanged += 1
        return "unchanged"
    services.save_record(actor=ACTOR, store=store, instance=instance, data=changed)
    report.updated += 1
    return "updated"


def _clean_row(row: dict[str, Any], label: str, report: FileReport) -> dict[str, Any]:
    # The original's forms wrote str(None) for an empty phone or email.
    cleaned = dict(row)
    for name in ("phone", "email"):
        if cleaned.get(name) == "None":
            cleaned[name] = ""
            report.notes.append(f"{label}: {name} 'None' read as blank")
    return cleaned


def _import_rows(store: Store, kind: Kind, rows: list[tuple[str, Any]], report: FileReport) -> None:
    seen: dict[str, str] = {}
    for label, raw in rows:
        if not isinstance(raw, dict):
            report.skipped.append(f"{label}: not a JSON object")
            continue
        row = _clean_row(raw, label, report)
        key = kind.key(row)
        if key is not None and key[1].casefold() in seen:
            report.skipped.append(f"{label}: same {key[1]} as {seen[key[1].casefold()]} in this file; kept the first")
            continue
        existing = kind.model.objects.filter(store=store, **key[0]).order_by("id").first() if key else None
        try:
            data = validated(kind.serializer, row, tz=store.tzinfo, instance=existing, partial=existing is not None,
                             context={"store": store}).validated_data
        except serializers.ValidationError as exc:
            report.skipped.append(f"{label}: {describe_errors(exc.detail)}")
            continue
        trimmed = [name for name, value in data.items()
                   if isinstance(value, str) and isinstance(row.get(name), str) and row[name] != value == row[name].strip()]
        if trimmed:
            report.notes.append(f"{label}: spaces around {', '.join(trimmed)} trimmed, as the API trims them")
        if existing is None:
            try:
                created_at = _timestamp(row.get("created_at"), store.tzinfo)
            except serializers.ValidationError as exc:
                # The API never reads created_at, so a bad one does not refuse the row.
                created_at = None
                report.notes.append(f"{label}: created_at not kept ({describe_errors(exc.detail)})")
            if created_at is not None:
                data["created_at"] = created_at
        try:
            _save(store, existing or kind.model(), data, report)
        except DjangoValidationError as exc:
            report.skipped.append(f"{label}: {describe_errors(exc.message_dict if hasattr(exc, 'error_dict') else exc.messages)}")
            continue
        if key is not None:
            seen[key[1].casefold()] = label
        note = kind.note(data)
        if note:
            report.notes.append(note)


def _import_object(store: Store, instance: models.Model, serializer: type[serializers.Serializer], raw: dict[str, Any],
                   report: FileReport) -> None:
    """store_info.json or settings.json: one object, changed as the API's PUT changes it."""
    try:
        data = validated(serializer, raw, instance=instance, partial=True).validated_data
        outcome = _save(store, instance, data, report)
    except serializers.ValidationError as exc:
        report.skipped.append(f"{report.name}: {describe_errors(exc.detail)}")
        return
    except DjangoValidationError as exc:
        report.skipped.append(f"{report.name}: {describe_errors(exc.message_dict if hasattr(exc, 'error_dict') else exc.messages)}")
        return
    # A restore keeps the file's updated_at (it is set by the database otherwise), read after
    # the store info so a time zone in the same file applies.
    try:
        updated_at = _timestamp(raw.get("updated_at"), store.tzinfo)
    except serializers.ValidationError as exc:
        report.notes.append(f"updated_at not kept ({describe_errors(exc.detail)})")
        return
    if updated_at is not None and updated_at != instance.updated_at:
        type(instance).objects.filter(pk=instance.pk).update(updated_at=updated_at)
        instance.updated_at = updated_at
        if outcome == "unchanged":
            report.notes.append(f"updated_at set to {updated_at.isoformat()}")


def _find_store(slug: str, *, contents: dict[str, Any], create: bool, time_zone: str | None) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is not None:
        return store
    if not create:
        known = ", ".join(Store.objects.order_by("slug").values_list("slug", flat=True)) or "none"
        raise TransferError(f"No store with slug '{slug}' (stores: {known}). Add --create to create it.")
    name = (contents.get("store_info.json") or {}).get("name") or slug
    try:
        return services.save_store(actor=ACTOR, store=Store(), data={"name": name, "slug": slug, "timezone": time_zone or "UTC"})
    except DjangoValidationError as exc:
        raise TransferError(f"Cannot create store '{slug}': {describe_errors(exc.message_dict)}") from None


def import_folder(folder: Path, *, slug: str, create: bool = False, time_zone: str | None = None,
                  dry_run: bool = False) -> tuple[Store, list[FileReport]]:
    """Load a seed 001 `data/` folder into a store, all in one transaction; per-file reports."""
    contents = read_folder(folder)
    with transaction.atomic():
        store = _find_store(slug, contents=contents, create=create, time_zone=time_zone)
        reports = []
        for name in IMPORT_ORDER:
            report = FileReport(name, optional=name in OPTIONAL_FILES)
            reports.append(report)
            data = contents[name]
            if data is None:
                report.missing = True
            elif name == "store_info.json":
                _import_object(store, store, StoreInfoSerializer, data, report)
            elif name == "settings.json":
                _import_object(store, services.settings_of(store), StoreSettingsSerializer, data, report)
            elif name == DIALOGUE_FILE:
                _import_rows(store, KINDS[name], dialogue_rows(data), report)
            else:
                labelled = [(f"row {index} ({_row_name(row, KINDS[name].label)})", row) for index, row in enumerate(data, 1)]
                _import_rows(store, KINDS[name], labelled, report)
        if dry_run:
            transaction.set_rollback(True)
    return store, reports


def _row_name(row: Any, field: str) -> str:
    return str(row.get(field) or "no " + field) if isinstance(row, dict) else "?"


# ---------------------------------------------------------------- exporting


def _fits_dialogue(template: VoiceTemplate) -> bool:
    """A template dialogue_templates.json holds without loss: {category: {key: text}} has no room for
    a variation, a language (but Spanish general prompts) or an inactive flag."""
    if template.category in ("voice", SPANISH[0]) or not template.is_active or template.variation_number != 1:
        return False
    return template.language == "en" or (template.language, template.category) == (SPANISH[2], SPANISH[1])


def export_data(store: Store) -> dict[str, Any]:
    """The store's data as seed 001's files, {file name: JSON data}, times in the store's time zone."""
    rows: Callable[[type[models.Model]], QuerySet] = lambda model: model.objects.filter(store=store).order_by("id")
    with timezone.override(store.tzinfo):
        templates = list(rows(VoiceTemplate))
        dialogue: dict[str, dict[str, str]] = {}
        for template in filter(_fits_dialogue, templates):
            group = SPANISH[0] if template.language == SPANISH[2] else template.category
            dialogue.setdefault(group, {})[template.template_type] = template.text_content
        return {
            "store_info.json": StoreInfoSerializer(store).data,
            "settings.json": StoreSettingsSerializer(services.settings_of(store)).data,
            "departments.json": DepartmentSerializer(rows(Department), many=True).data,
            "inventory.json": InventoryItemSerializer(rows(InventoryItem).select_related("department"), many=True).data,
            "coupons.json": CouponSerializer(rows(Coupon).select_related("department", "item"), many=True).data,
            "voice_templates.json": VoiceTemplateSerializer([t for t in templates if not _fits_dialogue(t)], many=True).data,
            DIALOGUE_FILE: dialogue,
            "staff.json": StaffMemberSerializer(rows(StaffMember).select_related("department"), many=True).data,
            "faqs.json": FaqSerializer(rows(Faq), many=True).data,
        }


def export_folder(store: Store, folder: Path) -> dict[str, int]:
    """Write the store's files into the folder (made if needed); {file name: rows written}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, data in export_data(store).items():
        text = json.dumps(data, cls=JSONEncoder, indent=2, ensure_ascii=False) + "\n"
        # Written beside and renamed, so an interrupted export never leaves half a file.
        partial = folder / f".{name}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, folder / name)
        written[name] = sum(len(texts) for texts in data.values()) if name == DIALOGUE_FILE else len(data) if isinstance(data, list) else 1
    return written

