"""Calls and their transcripts; the store's customers, scheduled callbacks, agents' profiles and the call queue."""
from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from store.tenancy import StoreRowQuerySet, visible_store_ids


TWILIO_SID_RE = re.compile(r"CA[0-9a-f]{32}")


class CallQuerySet(StoreRowQuerySet):
    def live(self) -> "CallQuerySet":
        return self.filter(status__in=Call.LIVE_STATUSES)


class Call(models.Model):
    """One phone call, inbound or outbound, with what happened on it."""

    class Type(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RINGING = "ringing"
        IN_PROGRESS = "in-progress"
        SUCCESS = "success"
        FAILED = "failed"
        MISSED = "missed"
        TERMINATED = "terminated"

    class Satisfaction(models.TextChoices):
        POSITIVE = "positive"
        NEGATIVE = "negative"
        NEUTRAL = "neutral"
        UNKNOWN = "unknown"

    LIVE_STATUSES = (Status.QUEUED, Status.RINGING, Status.IN_PROGRESS)
    FINAL_STATUSES = (Status.SUCCESS, Status.FAILED, Status.MISSED, Status.TERMINATED)
    # A whole transcript may not grow past this many characters.
    MAX_TRANSCRIPT_CHARS = 1024 * 1024

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="calls")
    call_id = models.CharField(max_length=64)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.INBOUND)
    caller = models.CharField(max_length=40, blank=True, default="")
    receiver = models.CharField(max_length=40, blank=True, default="")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    language = models.CharField(max_length=12, default="en")
    duration = models.PositiveIntegerField(default=0, help_text="seconds")
    interruption_count = models.PositiveIntegerField(default=0)
    satisfaction = models.CharField(max_length=10, choices=Satisfaction.choices, default=Satisfaction.UNKNOWN)
    audio_file = models.CharField(max_length=500, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    # The voice agent's memory of the call between turns (voice/turn.py state_after: the last intent, the
    # pending offer, the item, department and topic talked about). Its own field, not metadata, which a
    # bot's PATCH replaces whole; the next webhook may land on another process. Never in the API or events.
    dialogue_state = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=200, blank=True, default="")
    # The AI agent that answered or placed the call, when one did (set by whoever logs the call).
    ai_agent = models.ForeignKey("voice.AIAgent", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    # Running totals of the transcript, kept under the call's row lock when appending.
    transcript_entry_count = models.PositiveIntegerField(default=0)
    transcript_chars = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-start_time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "call_id"], name="call_unique_call_id_per_store"),
        ]
        # Every filter and sort of GET /api/calls, led by the tenant; the plain start_time
        # index serves the admin, who sees every store.
        indexes = [
            models.Index(fields=["store", "-start_time", "-id"], name="call_store_start"),
            models.Index(fields=["store", "status", "-start_time", "-id"], name="call_store_status_start"),
            models.Index(fields=["store", "type", "-start_time", "-id"], name="call_store_type_start"),
            models.Index(fields=["store", "language", "-start_time", "-id"], name="call_store_lang_start"),
            models.Index(fields=["store", "caller", "-start_time"], name="call_store_caller"),
            models.Index(fields=["store", "receiver", "-start_time"], name="call_store_receiver"),
            models.Index(fields=["store", "duration", "id"], name="call_store_duration"),
            models.Index(fields=["store", "end_time", "id"], name="call_store_end"),
            models.Index(fields=["store", "created_at", "id"], name="call_store_created"),
            models.Index(fields=["-start_time", "-id"], name="call_start"),
            models.Index(fields=["call_id"], name="call_call_id"),
            models.Index(fields=["status"], name="call_live", condition=Q(status__in=["queued", "ringing", "in-progress"])),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def is_twilio_call(self) -> bool:
        # Twilio CallSids are "CA" plus 32 hex digits; bots may log calls under any id.
        return TWILIO_SID_RE.fullmatch(self.call_id) is not None


class TranscriptEntry(models.Model):
    """One line of a call's conversation, in the order it arrived."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="entries")
    seq = models.PositiveIntegerField()
    speaker = models.CharField(max_length=40)
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["call_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["call", "seq"], name="transcript_entry_seq_unique")]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:40]}"

    @property
    def line(self) -> str:
        return transcript_line(self.speaker, self.text)


def transcript_line(speaker: str, text: str) -> str:
    """One line of a transcript as the API and the live events show it: "Speaker: text"."""
    return f"{speaker}: {text}" if speaker else text


class Customer(models.Model):
    """Someone who called a store, known by their number: a caller becomes a customer on their first call."""

    class Interest(models.TextChoices):
        COLD = "cold"
        WARM = "warm"
        HOT = "hot"
        CONVERTED = "converted"

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="customers")
    phone = models.CharField(max_length=40)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    interest_level = models.CharField(max_length=10, choices=Interest.choices, default=Interest.COLD)
    do_not_call = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    first_call_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "phone"], name="customer_phone_unique_per_store")]
        indexes = [
            models.Index(fields=["store", "interest_level"], name="customer_store_interest"),
            models.Index(fields=["store", "-created_at", "-id"], name="customer_store_created"),
            # The admin's spans of new customers cover every store.
            models.Index(fields=["created_at"], name="customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.phone} ({self.interest_level})"


class CallbackQuerySet(StoreRowQuerySet):
    def overdue(self, now: Any) -> "CallbackQuerySet":
        return self.filter(status=ScheduledCallback.Status.SCHEDULED, scheduled_at__lt=now)


class ScheduledCallback(models.Model):
    """A call the store promised to make back to a customer."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        COMPLETED = "completed"
        CANCELLED = "cancelled"

    class Priority(models.TextChoices):
        LOW = "low"
        MEDIUM = "medium"
        HIGH = "high"
        URGENT = "urgent"

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="callbacks")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="callbacks")
    scheduled_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # An agent of the store, or nobody yet.
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    notes = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(fields=["store", "status", "scheduled_at"], name="callback_store_status_when"),
            models.Index(fields=["assigned_agent", "status", "scheduled_at"], name="callback_agent_status_when"),
        ]

    def __str__(self) -> str:
        return f"Callback to {self.customer_id} at {self.scheduled_at:%Y-%m-%d %H:%M} ({self.status})"

    def is_overdue_at(self, now: Any) -> bool:
        """Overdue: the time has passed and the callback is neither done nor cancelled."""
        return self.status == self.Status.SCHEDULED and self.scheduled_at < now


class AgentProfileQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> "AgentProfileQuerySet":
        store_ids = visible_store_ids(user)
        return self if store_ids is None else self.filter(user__store_id__in=store_ids)


class AgentProfile(models.Model):
    """A human agent's working state; the agent's store is `user.store`."""

    class Status(models.TextChoices):
        AVAILABLE = "available"
        BUSY = "busy"
        ON_CALL = "on_call"
        BREAK = "break"
        OFFLINE = "offline"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    employee_id = models.CharField(max_length=40, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AgentProfileQuerySet.as_manager()

    class Meta:
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.status})"


class QueueEntry(models.Model):
    """A caller waiting for a human agent: waiting, then assigned to an agent, then completed or abandoned."""

    class Status(models.TextChoices):
        WAITING = "waiting"
        ASSIGNED = "assigned"
        COMPLETED = "completed"
        ABANDONED = "abandoned"

    # How long a caller may wait before the dashboard warns, unless the store's settings say
    # otherwise (`system_preferences.service_level_seconds`).
    DEFAULT_SERVICE_LEVEL_SECONDS = 60

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="queue_entries")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries")
    caller = models.CharField(max_length=40, blank=True)
    priority = models.PositiveSmallIntegerField(default=0, help_text="higher first")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # Waiting entries may already be routed to an agent; assigned ones are being handled by them.
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries"
    )
    enqueued_at = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = StoreRowQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "enqueued_at", "id"]
        indexes = [
            models.Index(fields=["store", "status", "enqueued_at"], name="queue_store_status_since"),
            models.Index(fields=["assigned_agent", "status", "ended_at"], name="queue_agent_status_ended"),
        ]
        verbose_name_plural = "queue entries"

    def __str__(self) -> str:
        return f"{self.caller or self.call_id} ({self.status})"

    def wait_seconds(self, now: Any) -> int:
        """Seconds waited: until an agent took the call, the caller gave up, or now."""
        until = self.assigned_at or self.ended_at or now
        return max(int((until - self.enqueued_at).total_seconds()), 0)


class CallHour(models.Model):
    """One store's calls in one UTC hour, per AI agent: running totals the dashboard, the stats and the analytics sum
    instead of the calls.

    Kept exact by database triggers on calls_call (calls/stats_sql.py), so every write path counts:
    the services, bulk inserts, COPY in seed_demo, the admin, deletes and cascades. On SQLite a
    migration that rebuilds calls_call (or calls_customer) drops its triggers: such a migration
    must run `calls.stats_sql.install` again (tests/dashboard/test_call_hours.py fails until it does).
    """

    # No foreign keys: a cascade that deletes a store's calls empties these rows through the
    # triggers, and a row must never block or outlive that delete.
    store_id = models.BigIntegerField()
    hour = models.DateTimeField()
    ai_agent_key = models.BigIntegerField(default=0, help_text="the AI agent's id, 0 for none")
    calls = models.BigIntegerField(default=0)
    success = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    missed = models.BigIntegerField(default=0)
    terminated = models.BigIntegerField(default=0)
    live = models.BigIntegerField(default=0)
    queued = models.BigIntegerField(default=0)
    ringing = models.BigIntegerField(default=0)
    in_progress = models.BigIntegerField(default=0)
    inbound = models.BigIntegerField(default=0)
    outbound = models.BigIntegerField(default=0)
    converted = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    positive = models.BigIntegerField(default=0)
    duration = models.BigIntegerField(default=0, help_text="seconds")
    final_calls = models.BigIntegerField(default=0)
    final_duration = models.BigIntegerField(default=0)
    billed_minutes = models.BigIntegerField(default=0, help_text="each call's started minutes")
    # Calls that began in the hour's first 15, 30, 45 minutes: the share of each local hour where a zone's hours begin at :15, :30, :45 UTC.
    first_15 = models.BigIntegerField(default=0)
    first_30 = models.BigIntegerField(default=0)
    first_45 = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "hour", "ai_agent_key"], name="call_hour_unique")]
        indexes = [models.Index(fields=["hour"], name="call_hour_hour")]

    def __str__(self) -> str:
        return f"store {self.store_id} {self.hour:%Y-%m-%d %H}:00 agent {self.ai_agent_key}: {self.calls}"


class CallLanguageHour(models.Model):
    """One store's calls in one UTC hour in one language (GET /api/calls/analytics's languageDistribution): kept by
    triggers like CallHour, apart from it so that CallHour stays one row an hour per agent whatever the languages."""

    store_id = models.BigIntegerField()
    hour = models.DateTimeField()
    language = models.CharField(max_length=12, help_text="as the calls hold it (free text)")
    calls = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "hour", "language"], name="call_language_hour_unique")]
        indexes = [models.Index(fields=["hour"], name="call_language_hour_hour")]

    def __str__(self) -> str:
        return f"store {self.store_id} {self.hour:%Y-%m-%d %H}:00 {self.language}: {self.calls}"


class CustomerHour(models.Model):
    """One store's customers who became customers in one UTC hour, by interest level: kept by triggers like CallHour."""

    store_id = models.BigIntegerField()
    hour = models.DateTimeField()
    customers = models.BigIntegerField(default=0)
    hot = models.BigIntegerField(default=0)
    warm = models.BigIntegerField(default=0)
    cold = models.BigIntegerField(default=0)
    converted = models.BigIntegerField(default=0)
    do_not_call = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "hour"], name="customer_hour_unique")]
        indexes = [models.Index(fields=["hour"], name="customer_hour_hour")]

    def __str__(self) -> str:
        return f"store {self.store_id} {self.hour:%Y-%m-%d %H}:00: {self.customers}"
