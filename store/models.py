"""The tenant (a store) and the data its voice agent speaks from: departments, inventory,
coupons, voice templates, staff and settings, plus the audit log of every change to them."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from decimal import Decimal

import phonenumbers

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from store import placeholders

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# The placeholders owner-written text may use (one list, in store/placeholders.py).
TEMPLATE_PLACEHOLDERS = placeholders.PLACEHOLDERS

extension_validator = RegexValidator(r"^[0-9]{1,8}$", "An extension is 1 to 8 digits.")


def dialable_number(value: str, *, region: str = "US") -> str:
    """The number in E.164 (+15551234567), or a ValidationError when it cannot be dialled."""
    try:
        parsed = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise ValidationError(f"'{value}' is not a dialable phone number; use E.164, e.g. +15551234567.")
    # Toll fraud: the voice agent dials these (transfers, the operator), and the platform pays.
    if phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST):
        raise ValidationError(f"'{value}' is a premium-rate or shared-cost number; such numbers are never dialled.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_dialable(value: str) -> None:
    if value:
        dialable_number(value)



def validate_countries(value) -> None:
    """A list of ISO 3166 country codes phonenumbers knows (["US", "CA"])."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Give a list of country codes, e.g. [\"US\", \"CA\"].")
    unknown = [code for code in value if code not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ValidationError(f"{unknown[0]} is not a country code (ISO 3166, e.g. US, CA, GB).")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known time zone, e.g. America/New_York.")


def template_placeholders(text: str) -> set[str]:
    """The `{name}` placeholders in a template (documented or not)."""
    return placeholders.placeholders_in(text)


def validate_template_text(text: str) -> None:
    """Owner-written text uses only the documented placeholders (store/placeholders.py)."""
    placeholders.validate_text(text)


def _validate_span(value, where: str) -> None:
    """A day's hours: null (closed) or {"open": "HH:MM", "close": "HH:MM"}."""
    if value is None:
        return
    if not isinstance(value, dict) or set(value) - {"open", "close"} or not {"open", "close"} <= set(value):
        raise ValidationError(f"{where}: use null for closed or {{\"open\": \"HH:MM\", \"close\": \"HH:MM\"}}.")
    for key in ("open", "close"):
        if not isinstance(value[key], str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00", value[key]):
            raise ValidationError(f"{where}.{key}: '{value[key]}' is not a time like 07:30.")


def validate_opening_hours(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Give an object keyed by weekday, e.g. {\"monday\": {\"open\": \"07:00\", \"close\": \"22:00\"}}.")
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise ValidationError(f"Unknown weekday {sorted(unknown)[0]!r}; use {', '.join(WEEKDAYS)}.")
    for day, span in value.items():
        _validate_span(span, day)


def validate_holiday_hours(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Give an object keyed by date, e.g. {\"2026-12-25\": null}.")
    for day, span in value.items():
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise ValidationError(f"'{day}' is not a date like 2026-12-25.") from None
        _validate_span(span, day)


def fold(text: str) -> str:
    """Lower case without accents: what search and speech matching compare."""
    if not text or text.isascii():  # most text: nothing to strip
        return (text or "").casefold()
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words_of(*texts: str) -> set[str]:
    return {word for text in texts for word in re.findall(r"[^\W_]+", fold(text))}


class Store(models.Model):
    """One business: every call, item and agent belongs to exactly one store."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_stores"
    )
    # E.164 numbers whose inbound calls this store answers.
    twilio_numbers = models.JSONField(default=list, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    # Store info (seed 001's store_info.json).
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    hours = models.CharField(max_length=200, blank=True, help_text="Hours as spoken, e.g. '7 AM - 10 PM'.")
    opening_hours = models.JSONField(default=dict, blank=True, validators=[validate_opening_hours])
    holiday_hours = models.JSONField(default=dict, blank=True, validators=[validate_holiday_hours])
    # What the original store app kept as its holiday hours, a sentence ("Closed on Christmas Day"):
    # the agent speaks it when asked about holidays, beside the dates of the table above.
    holiday_note = models.TextField(blank=True, max_length=1000)
    # Owner-written and spoken: the documented placeholders only, as a template's text (store/placeholders.py).
    greeting_message = models.TextField(blank=True, validators=[validate_template_text])
    hold_message = models.TextField(blank=True, validators=[validate_template_text])
    # The store's own line: a department with only an extension is reached by dialling this
    # number and sending the extension as DTMF.
    transfer_number = models.CharField(max_length=20, blank=True, validators=[validate_dialable])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def hours_on(self, day: dt.date) -> dict | None:
        """That day's {open, close} in local time, holidays first; None when closed or unknown."""
        if day.isoformat() in self.holiday_hours:
            return self.holiday_hours[day.isoformat()]
        return self.opening_hours.get(WEEKDAYS[day.weekday()])

    def is_open_at(self, moment: dt.datetime) -> bool | None:
        """Open at that moment in the store's time zone; None when no opening hours are set."""
        if not self.opening_hours and not self.holiday_hours:
            return None
        local = moment.astimezone(self.tzinfo)
        span = self.hours_on(local.date())
        if not span:
            return False
        return span["open"] <= local.strftime("%H:%M") < span["close"]


class StoreScoped(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Department(StoreScoped):
    name = models.CharField(max_length=100)
    phone_extension = models.CharField(max_length=8, blank=True, validators=[extension_validator])
    # A direct number (E.164); without one, calls go to the store's line plus the extension.
    phone = models.CharField(max_length=20, blank=True, validators=[validate_dialable])
    description = models.TextField(blank=True)
    # Words callers use for it ("pills", "prescription" for Pharmacy).
    keywords = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "phone_extension"],
                condition=~models.Q(phone_extension=""),
                name="department_extension_unique_per_store",
            )
        ]

    def __str__(self) -> str:
        return self.name


class InventoryItem(StoreScoped):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    stock_quantity = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    location = models.CharField(max_length=100, blank=True)
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "sku"], name="inventory_sku_unique_per_store")]
        indexes = [models.Index(fields=["store", "name", "id"], name="inventory_store_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def search_words(self) -> set[str]:
        return words_of(self.name, self.sku, *self.aliases)


class InventoryWord(models.Model):
    """One word of an item's name, SKU or aliases, folded: what `?q=` searches by index."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(InventoryItem, on_delete=models.CASCADE, related_name="words")
    word = models.CharField(max_length=100)
    # How many words the item's name has: among items matching equally, the voice agent prefers
    # the plainest name ("Milk" before "Organic Chocolate Milk") without joining the items.
    name_words = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "word"], name="inventory_word_unique")]
        indexes = [
            # `word LIKE 'mil%'` uses a PostgreSQL index only with the pattern operator class
            # (other databases ignore opclasses).
            models.Index(fields=["store", "word"], name="inventory_word_prefix", opclasses=["int8_ops", "varchar_pattern_ops"]),
        ]


class Coupon(StoreScoped):
    class DiscountType(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage"
        FIXED = "fixed", "Fixed amount"

    code = models.CharField(max_length=40)
    description = models.CharField(max_length=300, blank=True)
    discount_type = models.CharField(max_length=12, choices=DiscountType.choices, default=DiscountType.PERCENTAGE)
    discount_value = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons")
    item = models.ForeignKey(InventoryItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons")
    is_store_wide = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="coupon_code_unique_per_store")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.discount_type == self.DiscountType.PERCENTAGE and self.discount_value is not None:
            if not Decimal("0") <= self.discount_value <= Decimal("100"):
                raise ValidationError({"discount_value": "A percentage discount is between 0 and 100."})

    def is_valid_at(self, moment: dt.datetime) -> bool:
        return self.is_active and (self.expires_at is None or self.expires_at > moment)


class VoiceTemplate(StoreScoped):
    """What the voice agent says for one prompt; several variations of one prompt take turns."""

    # `voice` for the agent's own prompts (greeting, hold, goodbye, reask, ...); the original's
    # dialogue_templates keep their category (general, pharmacy, coupons).
    category = models.CharField(max_length=40, default="voice")
    template_type = models.CharField(max_length=60)
    language = models.CharField(max_length=10, default="en")
    text_content = models.TextField(validators=[validate_template_text])
    variation_number = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(99)])

    class Meta:
        ordering = ["category", "template_type", "language", "variation_number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "category", "template_type", "language", "variation_number"],
                name="voice_template_unique_variation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}.{self.template_type} ({self.language} #{self.variation_number})"


class StaffMember(StoreScoped):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff")
    role = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Faq(StoreScoped):
    """One entry of the store's knowledge base: a question callers ask and the answer the voice agent speaks."""

    question = models.CharField(max_length=300)
    answer = models.TextField()
    # Words callers use for it ("refund", "exchange" for returns).
    keywords = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["question", "id"]
        indexes = [models.Index(fields=["store", "is_active"], name="faq_store_active")]
        verbose_name = "FAQ"

    def __str__(self) -> str:
        return self.question


def default_voice_settings() -> dict:
    return {"voice_id": "default", "stability": 0.5, "similarity_boost": 0.75}


def default_system_preferences() -> dict:
    return {"timeout_seconds": 30, "max_retries": 3, "enable_analytics": True}


class StoreSettings(models.Model):
    """The voice agent's settings for one store (seed 001's settings.json and more)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="settings")
    ai_model = models.CharField(max_length=60, default="gpt-4")
    voice_settings = models.JSONField(default=default_voice_settings, blank=True)
    system_preferences = models.JSONField(default=default_system_preferences, blank=True)
    # Twilio <Say> voice and language, e.g. Polly.Joanna / en-US.
    voice = models.CharField(max_length=60, default="Polly.Joanna")
    language = models.CharField(max_length=10, default="en-US")
    speech_timeout = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(30)])
    max_call_length = models.PositiveIntegerField(
        default=600, validators=[MinValueValidator(30), MaxValueValidator(14400)], help_text="Seconds."
    )
    operator_number = models.CharField(max_length=20, blank=True, validators=[validate_dialable])
    recording_enabled = models.BooleanField(default=False)
    # Misses (silence or no match) before the caller goes to the operator.
    max_misses = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(10)])
    # The original dashboard's `integrations` block, kept as sent (nothing here reads it yet).
    integrations = models.JSONField(default=dict, blank=True)
    # Toll fraud: where outbound calls may go (ISO codes; empty: the country of the store's first
    # Twilio number) and how many a day (the store's day; 0: none). voice.outbound enforces both.
    outbound_countries = models.JSONField(default=list, blank=True, validators=[validate_countries])
    outbound_daily_limit = models.PositiveIntegerField(default=50, validators=[MaxValueValidator(10000)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "store settings"

    def __str__(self) -> str:
        return f"Settings of {self.store}"


class AuditEntry(models.Model):
    """One change to a store's data: who, when, what, and the fields before and after."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        IMPORT = "import"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who, in words, kept when the user is gone or the change came from a command.
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices)
    model = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # {field: [before, after]}; a create has None befores, a delete None afters.
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "-at", "-id"], name="audit_store_at")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.model} {self.object_repr}"

