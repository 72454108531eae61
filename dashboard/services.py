"""Writes to the business data behind the dashboard, with the timestamps their status changes imply."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from callcenter.errors import Conflict
from calls.models import AgentProfile, QueueEntry, ScheduledCallback
from dashboard.models import BillingRecord, Subscription


CREATED_FIELDS = ("created_at", "enqueued_at")


def save_row(*, instance: models.Model, data: dict[str, Any], now: datetime | None = None, **fixed: Any) -> models.Model:
    """Create or change one row from validated data; a status change stamps its moment (completed, assigned, cancelled...)."""
    now = now or timezone.now()
    previous_status = getattr(instance, "status", None) if instance.pk else None
    if instance.pk is None:
        # One clock for the row's moments: when it was made and when its status changed.
        for name in CREATED_FIELDS:
            if hasattr(instance, name) and name not in data:
                setattr(instance, name, now)
    for name, value in {**data, **fixed}.items():
        setattr(instance, name, value)
    status = getattr(instance, "status", None)
    if status is not None and status != previous_status:
        _stamp(instance, status, now)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        # A concurrent write took the same unique slot (a store's running subscription, a phone number).
        raise Conflict("Another change made this row clash with an existing one; reload and try again.") from exc
    return instance


def _stamp(instance: models.Model, status: str, now: datetime) -> None:
    if isinstance(instance, ScheduledCallback):
        instance.completed_at = now if status == ScheduledCallback.Status.COMPLETED else None
    elif isinstance(instance, QueueEntry):
        if status == QueueEntry.Status.ASSIGNED and instance.assigned_at is None:
            instance.assigned_at = now
        if status in (QueueEntry.Status.COMPLETED, QueueEntry.Status.ABANDONED) and instance.ended_at is None:
            instance.ended_at = now
    elif isinstance(instance, AgentProfile):
        instance.status_changed_at = now
    elif isinstance(instance, Subscription):
        instance.cancelled_at = now if status == Subscription.Status.CANCELLED else None
    elif isinstance(instance, BillingRecord):
        instance.paid_at = now if status == BillingRecord.Status.PAID else None


def create_billing_record(*, data: dict[str, Any]) -> BillingRecord:
    """A charge belongs to its subscription's store."""
    subscription: Subscription = data["subscription"]
    return save_row(instance=BillingRecord(), data=data, store=subscription.store)
