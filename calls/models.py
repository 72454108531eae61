"""Calls and their transcripts."""
from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.models import Q

from store.tenancy import visible_store_ids


TWILIO_SID_RE = re.compile(r"CA[0-9a-f]{32}")


class CallQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> "CallQuerySet":
        """Only the calls of stores the user (or bot key) may see."""
        store_ids = visible_store_ids(user)
        return self if store_ids is None else self.filter(store_id__in=store_ids)

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
    outcome = models.CharField(max_length=200, blank=True, default="")
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
        return f"{self.speaker}: {self.text}" if self.speaker else self.text
