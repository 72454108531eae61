"""AI agents: the voice agent's persona and settings, one or more per store."""
from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from store.tenancy import StoreRowQuerySet


class AIAgentQuerySet(StoreRowQuerySet):
    def on_duty(self, *, store_id: int, at: dt.datetime, tz: dt.tzinfo) -> "AIAgent | None":
        """The store's active agent whose working hours cover `at` (local time), oldest first; else its oldest active agent."""
        agents = list(self.filter(store_id=store_id, status=AIAgent.Status.ACTIVE).order_by("created_at", "id"))
        local = at.astimezone(tz).time()
        return next((agent for agent in agents if agent.works_at(local)), agents[0] if agents else None)


class AIAgent(models.Model):
    """A store's voice agent: who answers, how it sounds, when it works and how far it is trained.

    Calls handled, conversions and satisfaction are never stored here: they are counted from the
    calls that name the agent (`Call.ai_agent`), see dashboard.queries.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        TRAINING = "training"
        LEARNING = "learning"
        PAUSED = "paused"

    class Personality(models.TextChoices):
        FRIENDLY = "friendly"
        PROFESSIONAL = "professional"
        ENTHUSIASTIC = "enthusiastic"
        CALM = "calm"

    # An agent below this training level is not put on calls (the seed's threshold).
    READY_TRAINING_LEVEL = 20

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="ai_agents")
    name = models.CharField(max_length=100)
    personality_type = models.CharField(max_length=20, choices=Personality.choices, default=Personality.FRIENDLY)
    # Twilio <Say> voice, e.g. Polly.Joanna.
    voice = models.CharField(max_length=60, default="Polly.Joanna")
    language = models.CharField(max_length=10, default="en-US")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRAINING)
    training_level = models.PositiveSmallIntegerField(default=0, validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="percent")
    # Local times in the store's zone; an end before the start spans midnight.
    working_hours_start = models.TimeField(default=dt.time(9, 0))
    working_hours_end = models.TimeField(default=dt.time(17, 0))
    instructions = models.TextField(blank=True, help_text="What the agent should know or stress on calls.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AIAgentQuerySet.as_manager()

    class Meta:
        ordering = ["store_id", "created_at", "id"]
        indexes = [models.Index(fields=["store", "status"], name="ai_agent_store_status")]
        verbose_name = "AI agent"

    def __str__(self) -> str:
        return f"{self.name} ({self.store_id})"

    @property
    def is_ready_for_calls(self) -> bool:
        return self.status == self.Status.ACTIVE and self.training_level >= self.READY_TRAINING_LEVEL

    def works_at(self, local: dt.time) -> bool:
        start, end = self.working_hours_start, self.working_hours_end
        if start == end:
            return True  # equal times: around the clock
        return start <= local < end if start < end else (local >= start or local < end)


class TwilioRequest(models.Model):
    """A Twilio webhook request that wrote to a call, and the TwiML it was answered with.

    A retry or a replay of it (the same signature, or the same I-Twilio-Idempotency-Token) is
    answered the same TwiML and writes nothing: voice.services claims the request here first, in
    the transaction of its writes, so two at once cannot both write. Deleted with the call's end.
    """

    # No index of its own: the (call, signature) constraint's index leads with the call.
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+", db_index=False)
    # X-Twilio-Signature (base64 HMAC-SHA1) of a request whose signed URL carries its turn (`?turn=`);
    # null otherwise (two nulls never collide).
    signature = models.CharField(max_length=64, null=True)
    # SHA-256 (hex) of the I-Twilio-Idempotency-Token header when Twilio sent one; null otherwise.
    token = models.CharField(max_length=64, null=True)
    response = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "signature"], name="twilio_request_signature"),
            models.UniqueConstraint(fields=["call", "token"], name="twilio_request_token"),
        ]


class OutboundDay(models.Model):
    """How many outbound calls a store placed on one of its days (in its time zone): what the daily
    limit (StoreSettings.outbound_daily_limit) is counted against, one atomic upsert a call."""

    # No index of its own: the (store, day) constraint's index leads with the store.
    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    placed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="outbound_day_unique")]
