"""Subscriptions: the plans the platform sells, each store's subscription, and its billing history."""
from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from store.tenancy import StoreRowQuerySet


class SubscriptionPlan(models.Model):
    """What a store can buy: a price a month, call minutes, AI agents and analytics."""

    class PlanType(models.TextChoices):
        BASIC = "basic"
        PROFESSIONAL = "professional"
        ENTERPRISE = "enterprise"
        CUSTOM = "custom"

    name = models.CharField(max_length=100, unique=True)
    plan_type = models.CharField(max_length=20, choices=PlanType.choices, default=PlanType.BASIC)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], help_text="a month")
    # 0 means no limit.
    call_minutes_limit = models.PositiveIntegerField(default=0)
    agents_allowed = models.PositiveSmallIntegerField(default=1)
    analytics_access = models.BooleanField(default=True)
    advanced_analytics = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True, help_text="offered to new subscribers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["price", "name"]

    def __str__(self) -> str:
        return f"{self.name} (${self.price}/month)"


class Subscription(models.Model):
    """A store's subscription to a plan for a billing period; minutes used are counted from its calls."""

    class Status(models.TextChoices):
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    # Statuses of a subscription that still runs; a store has at most one such subscription.
    LIVE_STATUSES = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.ForeignKey(SubscriptionPlan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    cancel_at_period_end = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store"], condition=Q(status__in=["trialing", "active", "past_due"]), name="one_live_subscription_per_store"
            ),
            models.CheckConstraint(condition=Q(current_period_end__gt=models.F("current_period_start")), name="subscription_period_forward"),
        ]
        indexes = [models.Index(fields=["status", "current_period_end"], name="subscription_status_end")]

    def __str__(self) -> str:
        return f"{self.store_id}: {self.plan.name} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def days_remaining(self, now: datetime) -> int:
        """Whole days left in the period, a started day counting as one; 0 once it has ended or was cancelled."""
        if not self.is_live or self.current_period_end <= now:
            return 0
        return math.ceil((self.current_period_end - now).total_seconds() / 86400)


class BillingRecord(models.Model):
    """One charge of a subscription: paid, pending, failed or refunded."""

    class Status(models.TextChoices):
        PAID = "paid"
        PENDING = "pending"
        FAILED = "failed"
        REFUNDED = "refunded"

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="billing_records")
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="billing_records")
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    description = models.CharField(max_length=300, blank=True)
    # When the charge was made: revenue is counted on this date.
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = StoreRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-created_at", "-id"], name="billing_store_created"),
            models.Index(fields=["status", "created_at"], name="billing_status_created"),
        ]
        verbose_name = "billing record"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"
