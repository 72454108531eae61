"""Store data in and out, with the field names of seed 001's data files. The rules a row keeps
beyond its fields (unique in the store, percentage ranges) live in store/rules.py; a row's
serializer checks them with the fields, so one answer names every problem."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from callcenter.models import User
from callcenter.validation import EveryError
from store import rules
from store.models import (
    AuditEntry,
    Coupon,
    Department,
    Faq,
    InventoryItem,
    StaffMember,
    Store,
    StoreSettings,
    VoiceTemplate,
    dialable_number,
    validate_countries,
)


class PhoneField(serializers.CharField):
    """A number the voice agent dials: stored in E.164; blank allowed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip()
        if not value:
            return ""
        try:
            return dialable_number(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class StoreRowField(serializers.Field):
    """A row of the request's store, named as people name it (a department by name, an item by SKU) or by id."""

    def __init__(self, model: type, lookup: str, **kwargs: Any) -> None:
        self.model, self.lookup = model, lookup
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any):
        if data in ("", None):
            return None
        rows = self.model.objects.filter(store=self.context["store"])
        if isinstance(data, int) and not isinstance(data, bool):
            found = rows.filter(pk=data).first()
        elif isinstance(data, str):
            found = rows.filter(**{f"{self.lookup}__iexact": data.strip()}).order_by("-is_active", "id").first()
        else:
            raise serializers.ValidationError(f"Give the {self.lookup} as text.")
        if found is None:
            raise serializers.ValidationError(f"This store has no {self.model._meta.verbose_name} '{data}'.")
        return found

    def to_representation(self, value) -> str | None:
        return getattr(value, self.lookup) if value is not None else None


class WordList(serializers.ListField):
    def __init__(self, *, child: serializers.Field | None = None, **kwargs: Any) -> None:
        super().__init__(child=child or serializers.CharField(max_length=100), required=False, max_length=100, **kwargs)


class StrictText(serializers.CharField):
    """Text only: a number or an object is refused rather than turned into its digits."""

    default_error_messages = {"invalid": "Give text (a string), not a number or an object."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Money(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=10, decimal_places=2, min_value=0, coerce_to_string=False, **kwargs)


class StoreRowSerializer(EveryError, serializers.ModelSerializer):
    """One row of a store's data (context["store"]): its fields, then store/rules.py's rules, all in one pass."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        store = self.context.get("store")
        if store is not None:
            errors = rules.row_errors(self.Meta.model, store, attrs, instance=self.instance,
                                      unique=not self.context.get("next_free_variation"))
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class StoreInfoSerializer(EveryError, serializers.ModelSerializer):
    transfer_number = PhoneField(required=False)
    holiday_note = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="Spoken on holiday questions, e.g. \"Closed on Christmas Day\".")

    class Meta:
        model = Store
        fields = [
            "name", "address", "phone", "hours", "holiday_hours", "holiday_note", "greeting_message", "hold_message",
            "updated_at", "timezone", "opening_hours", "transfer_number",
        ]
        read_only_fields = ["updated_at"]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # The original store app's shapes: `holiday_hours` as a sentence is the holiday note (the
        # table stays a table), and a field sent as null is one it did not change.
        if isinstance(data, dict):
            data = {name: value for name, value in data.items() if value is not None}
            if isinstance(data.get("holiday_hours"), str):
                note = data.pop("holiday_hours")
                data.setdefault("holiday_note", note)
        return super().to_internal_value(data)


class DepartmentSerializer(StoreRowSerializer):
    phone = PhoneField(required=False)
    keywords = WordList()

    class Meta:
        model = Department
        fields = ["id", "name", "phone_extension", "phone", "description", "keywords", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class InventoryItemSerializer(StoreRowSerializer):
    department = StoreRowField(Department, "name")
    price = Money()
    stock_quantity = serializers.IntegerField(min_value=0, required=False)
    aliases = WordList()

    class Meta:
        model = InventoryItem
        fields = ["id", "name", "sku", "department", "price", "stock_quantity", "location", "aliases", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class CouponSerializer(StoreRowSerializer):
    department = StoreRowField(Department, "name")
    item = StoreRowField(InventoryItem, "sku", help_text="The SKU of the one item the coupon is for, if any.")
    discount_value = Money()

    class Meta:
        model = Coupon
        fields = [
            "id", "code", "description", "discount_type", "discount_value", "department", "item",
            "is_store_wide", "is_active", "expires_at", "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class VoiceTemplateSerializer(StoreRowSerializer):
    class Meta:
        model = VoiceTemplate
        fields = ["id", "category", "template_type", "language", "text_content", "is_active", "variation_number", "created_at"]
        read_only_fields = ["id", "created_at"]


class StaffMemberSerializer(StoreRowSerializer):
    department = StoreRowField(Department, "name")

    class Meta:
        model = StaffMember
        fields = ["id", "name", "email", "phone", "department", "role", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class FaqSerializer(StoreRowSerializer):
    """One entry of the store's knowledge base; the voice agent speaks `answer` when a caller asks `question`."""

    question = StrictText(max_length=300)
    answer = StrictText(max_length=2000, help_text="What the voice agent says, as it would be spoken.")
    keywords = WordList(child=StrictText(max_length=100), help_text="Words and phrases callers use for it (\"refund\", \"bring back\" for returns).")

    class Meta:
        model = Faq
        fields = ["id", "question", "answer", "keywords", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class StoreSettingsSerializer(EveryError, serializers.ModelSerializer):
    voice_settings = serializers.DictField(required=False)
    system_preferences = serializers.DictField(required=False)
    integrations = serializers.DictField(required=False, help_text="The original dashboard's integrations, kept as sent.")
    operator_number = PhoneField(required=False)
    outbound_countries = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False, max_length=250,
        help_text="Countries outbound calls may go to (ISO codes, e.g. [\"US\", \"CA\"]); empty: the country of the store's first Twilio number.",
    )
    outbound_daily_limit = serializers.IntegerField(
        required=False, min_value=0, max_value=10000, help_text="Outbound calls a day (the store's day), every way of placing one counted; 0: none.",
    )

    class Meta:
        model = StoreSettings
        fields = [
            "ai_model", "voice_settings", "system_preferences", "voice", "language", "speech_timeout",
            "max_call_length", "operator_number", "recording_enabled", "max_misses", "integrations",
            "outbound_countries", "outbound_daily_limit", "updated_at",
        ]
        read_only_fields = ["updated_at"]


    def validate_outbound_countries(self, value: list[str]) -> list[str]:
        codes = list(dict.fromkeys(code.strip().upper() for code in value))
        try:
            validate_countries(codes)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return codes


class StoreSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(role=User.Role.USER), allow_null=True, required=False
    )
    twilio_numbers = serializers.ListField(child=PhoneField(allow_blank=False), required=False, max_length=50)

    class Meta:
        model = Store
        fields = ["id", "name", "slug", "owner", "twilio_numbers", "timezone", "language", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_twilio_numbers(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class AuditEntrySerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEntry
        fields = ["id", "store", "actor", "at", "action", "model", "object_id", "object_repr", "changes"]
