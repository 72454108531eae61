"""Reads behind the comprehensive dashboard: one grouped or conditional aggregate per widget, plain dicts out.

Every function takes the store ids in scope (None: every store, the admin's view) and answers in
one query (two or three where it reads hourly totals, see dashboard.spans) whatever the number of
rows, so the dashboard's query count is fixed.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Min, Q, Sum

from callcenter.models import User
from calls import stats_sql
from calls.models import AgentProfile, Call, CallHour, QueueEntry, ScheduledCallback
from dashboard.models import BillingRecord, Subscription
from dashboard.spans import Span, Windows, call_counters, customer_counters, scoped, window_spans
from store.models import StoreSettings
from voice.models import AIAgent


def counts_in_spans(prefix: str, field: str, windows: Windows, condition: Q = Q()) -> dict[str, Count]:
    """Count aggregates named `<prefix>_today`, `<prefix>_this_week`, ... for one timestamp field."""
    return {f"{prefix}_{name}": Count("pk", filter=condition & span) for name, span in windows.spans(field).items()}


def _percent(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _money(value: Decimal | None) -> float:
    return float(value or 0)


def user_metrics(windows: Windows) -> dict[str, Any]:
    """Platform users: totals by role and sign-ups in each span."""
    row = User.objects.aggregate(
        total_users=Count("pk"),
        active_users=Count("pk", filter=Q(is_active=True)),
        admins=Count("pk", filter=Q(role=User.Role.ADMIN)),
        business_owners=Count("pk", filter=Q(role=User.Role.USER)),
        agents=Count("pk", filter=Q(role=User.Role.AGENT)),
        **counts_in_spans("new_users", "date_joined", windows),
    )
    return row


def subscription_metrics(store_ids: list[int] | None, windows: Windows) -> dict[str, Any]:
    """Subscriptions by status, new ones in each span, and live ones by plan."""
    qs = scoped(Subscription.objects.all(), store_ids)
    by_status = {f"{status}_subscriptions": Count("pk", filter=Q(status=status)) for status in Subscription.Status.values}
    row = qs.aggregate(
        total_subscriptions=Count("pk"),
        **by_status,
        expiring_soon=Count("pk", filter=Q(status__in=Subscription.LIVE_STATUSES, current_period_end__gt=windows.now, current_period_end__lte=windows.now + timedelta(days=7))),
        **counts_in_spans("new_subscriptions", "created_at", windows),
    )
    # The seed's "inactive": subscriptions that exist but do not serve calls, apart from cancelled ones.
    row["inactive_subscriptions"] = row["past_due_subscriptions"] + row["expired_subscriptions"]
    row["active_subscriptions"] += row["trialing_subscriptions"]
    return row


def subscriptions_by_plan(store_ids: list[int] | None) -> list[dict[str, Any]]:
    """Live subscriptions per plan with the monthly revenue they bring."""
    rows = (
        scoped(Subscription.objects.filter(status__in=Subscription.LIVE_STATUSES), store_ids)
        .values("plan_id", "plan__name", "plan__plan_type", "plan__price")
        .annotate(count=Count("pk"))
        .order_by("plan__price", "plan__name")
    )
    return [
        {
            "plan_id": row["plan_id"],
            "plan__name": row["plan__name"],
            "plan_type": row["plan__plan_type"],
            "plan__price": _money(row["plan__price"]),
            "count": row["count"],
            "monthly_revenue": _money(row["plan__price"] * row["count"]),
        }
        for row in rows
    ]


def billing_metrics(store_ids: list[int] | None, windows: Windows) -> dict[str, Any]:
    """Revenue (paid charges by charge date) in each span and the charges waiting or failed."""
    paid = Q(status=BillingRecord.Status.PAID)
    revenue = {
        f"revenue_{name}": Sum("amount", filter=paid & span, default=Decimal("0")) for name, span in windows.spans("created_at").items()
    }
    row = scoped(BillingRecord.objects.all(), store_ids).aggregate(
        total_revenue=Sum("amount", filter=paid, default=Decimal("0")),
        **revenue,
        pending_payments=Count("pk", filter=Q(status=BillingRecord.Status.PENDING)),
        pending_amount=Sum("amount", filter=Q(status=BillingRecord.Status.PENDING), default=Decimal("0")),
        failed_payments=Count("pk", filter=Q(status=BillingRecord.Status.FAILED)),
        failed_amount=Sum("amount", filter=Q(status=BillingRecord.Status.FAILED), default=Decimal("0")),
        refunded_payments=Count("pk", filter=Q(status=BillingRecord.Status.REFUNDED)),
        total_charges=Count("pk"),
    )
    return {name: _money(value) if isinstance(value, Decimal) else value for name, value in row.items()}


def recent_billing(store_ids: list[int], limit: int = 3) -> list[dict[str, Any]]:
    rows = scoped(BillingRecord.objects.all(), store_ids).select_related("store").order_by("-created_at", "-id")[:limit]
    return [
        {
            "id": str(row.pk),
            "store": row.store.slug,
            "amount": _money(row.amount),
            "currency": row.currency,
            "status": row.status,
            "created_at": row.created_at.isoformat(),
            "paid_at": row.paid_at.isoformat() if row.paid_at else None,
            "description": row.description,
        }
        for row in rows
    ]


ALL_COUNTERS = tuple(stats_sql.COUNTERS)
SPAN_COUNTERS = ("calls", "success", "converted")


def call_metrics(store_ids: list[int] | None, windows: Windows) -> dict[str, Any]:
    """Calls by status and type, live calls, conversions, durations, and counts in each span (two queries)."""
    totals = call_counters(store_ids, {"all": Span()}, ALL_COUNTERS)["all"]
    spans = call_counters(store_ids, window_spans(windows), SPAN_COUNTERS)
    total = totals["calls"]
    types = {"inbound": totals["inbound"], "outbound": totals["outbound"]}
    statuses = {status: totals[status] for status in ("success", "failed", "missed", "terminated")}
    row: dict[str, Any] = {
        "total_calls": total,
        "inbound_calls": types["inbound"],
        "outbound_calls": types["outbound"],
        "successful_calls": totals["success"],
        "failed_calls": totals["failed"],
        "missed_calls": totals["missed"],
        "terminated_calls": totals["terminated"],
        "active_calls": totals["live"],
        "converted_calls": totals["converted"],
        "success_rate": _percent(totals["success"], total),
        "conversion_rate": _percent(totals["converted"], total),
        "satisfaction_rate": _percent(totals["positive"], totals["rated"]),
        "rated_calls": totals["rated"],
        "positive_calls": totals["positive"],
        "total_duration": totals["duration"],
        "average_duration": round(totals["final_duration"] / totals["final_calls"], 1) if totals["final_calls"] else 0.0,
        "calls_by_type": [{"call_type": kind, "count": n} for kind, n in types.items()],
        "calls_by_status": [{"status": status, "count": n} for status, n in statuses.items()] + [{"status": "live", "count": totals["live"]}],
        "call_breakdown": {"inbound_percentage": _percent(types["inbound"], total), "outbound_percentage": _percent(types["outbound"], total)},
    }
    for name, counts in spans.items():
        row[f"calls_{name}"] = counts["calls"]
        row[f"successful_{name}"] = counts["success"]
        row[f"converted_{name}"] = counts["converted"]
    return row


def recent_calls(store_ids: list[int] | None, limit: int = 5) -> list[dict[str, Any]]:
    rows = scoped(Call.objects.all(), store_ids).select_related("store", "ai_agent").order_by("-start_time", "-id")[:limit]
    return [
        {
            "id": str(call.pk),
            "call_id": call.call_id,
            "store": call.store.slug,
            "phone_number": call.caller if call.type == Call.Type.INBOUND else call.receiver,
            "call_type": call.type,
            "status": call.status,
            "duration": call.duration,
            "outcome": call.outcome,
            "notes": call.outcome,  # what the original dashboard shows as a call's notes: its outcome
            "agent_name": call.ai_agent.name if call.ai_agent else None,
            "started_at": call.start_time.isoformat(),
        }
        for call in rows
    ]


def ai_agent_performance(agent_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each agent's figures counted from the calls that name it, in one grouped query over CallHour."""
    if not agent_ids:
        return {}
    sums = {name: Sum(name) for name in ("calls", "success", "converted", "rated", "positive")}
    rows = CallHour.objects.filter(ai_agent_key__in=agent_ids).values("ai_agent_key").annotate(**sums).order_by()
    found = {row["ai_agent_key"]: row for row in rows}
    out = {}
    for pk in agent_ids:
        row = found.get(pk, {})
        handled, converted = int(row.get("calls") or 0), int(row.get("converted") or 0)
        rated, positive = int(row.get("rated") or 0), int(row.get("positive") or 0)
        out[pk] = {
            "calls_handled": handled,
            "successful_calls": int(row.get("success") or 0),
            "successful_conversions": converted,
            "conversion_rate": _percent(converted, handled),
            "rated_calls": rated,
            "positive_calls": positive,
            "customer_satisfaction": _percent(positive, rated),
        }
    return out


def ai_agents(store_ids: list[int] | None) -> list[dict[str, Any]]:
    """Every AI agent in scope with its performance: two queries."""
    agents = list(scoped(AIAgent.objects.all(), store_ids).select_related("store").order_by("store__name", "created_at", "id"))
    performance = ai_agent_performance([agent.pk for agent in agents])
    return [
        {
            "id": str(agent.pk),
            "store": agent.store.slug,
            "name": agent.name,
            "status": agent.status,
            "training_level": agent.training_level,
            "personality_type": agent.personality_type,
            "voice": agent.voice,
            "language": agent.language,
            "is_ready_for_calls": agent.is_ready_for_calls,
            "performance": performance[agent.pk],
            "working_hours": {"start": agent.working_hours_start.strftime("%H:%M"), "end": agent.working_hours_end.strftime("%H:%M")},
        }
        for agent in agents
    ]


def ai_agent_summary(agents: list[dict[str, Any]]) -> dict[str, Any]:
    """The admin's totals over the agents listed by `ai_agents` (no query)."""
    by_status = {status: sum(1 for a in agents if a["status"] == status) for status in AIAgent.Status.values}
    def total(key: str) -> int:
        return sum(a["performance"][key] for a in agents)

    handled, conversions = total("calls_handled"), total("successful_conversions")
    return {
        "total_agents": len(agents),
        "active_agents": by_status["active"],
        "training_agents": by_status["training"],
        "learning_agents": by_status["learning"],
        "paused_agents": by_status["paused"],
        "agents_ready_for_calls": sum(1 for a in agents if a["is_ready_for_calls"]),
        "agents_training_incomplete": sum(1 for a in agents if a["training_level"] < AIAgent.READY_TRAINING_LEVEL),
        "performance": {
            "total_calls_handled": handled,
            "total_conversions": conversions,
            "avg_conversion_rate": _percent(conversions, handled),
            # Over every rated call the agents handled, not an average of averages.
            "avg_customer_satisfaction": _percent(total("positive_calls"), total("rated_calls")),
        },
    }


def customer_metrics(store_ids: list[int] | None, windows: Windows) -> dict[str, Any]:
    """Customers by interest level, do-not-call, and new ones in each span: from the hourly totals (three queries at most)."""
    totals = customer_counters(store_ids, {"all": Span()}, tuple(stats_sql.CUSTOMERS.counters))["all"]
    spans = customer_counters(store_ids, window_spans(windows), ("customers",))
    row = {
        "total_customers": totals["customers"],
        "hot_leads": totals["hot"],
        "warm_leads": totals["warm"],
        "cold_leads": totals["cold"],
        "converted_customers": totals["converted"],
        "do_not_call_list": totals["do_not_call"],
        **{f"new_customers_{name}": counts["customers"] for name, counts in spans.items()},
    }
    row["conversion_rate"] = _percent(row["converted_customers"], row["total_customers"])
    return row


def callback_metrics(store_ids: list[int] | None, windows: Windows, *, agent: User | None = None) -> dict[str, Any]:
    """Callbacks by status, overdue ones (past and still scheduled) and those due today or this week."""
    qs = scoped(ScheduledCallback.objects.all(), store_ids)
    if agent is not None:
        qs = qs.filter(assigned_agent=agent)
    scheduled = Q(status=ScheduledCallback.Status.SCHEDULED)
    tomorrow = windows.today + timedelta(days=1)
    row = qs.aggregate(
        total_callbacks=Count("pk"),
        scheduled_callbacks=Count("pk", filter=scheduled),
        completed_callbacks=Count("pk", filter=Q(status=ScheduledCallback.Status.COMPLETED)),
        cancelled_callbacks=Count("pk", filter=Q(status=ScheduledCallback.Status.CANCELLED)),
        overdue_callbacks=Count("pk", filter=scheduled & Q(scheduled_at__lt=windows.now)),
        urgent_callbacks=Count("pk", filter=scheduled & Q(priority__in=["high", "urgent"])),
        callbacks_today=Count("pk", filter=Q(scheduled_at__gte=windows.today, scheduled_at__lt=tomorrow)),
        callbacks_this_week=Count("pk", filter=Q(scheduled_at__gte=windows.week, scheduled_at__lt=windows.week + timedelta(days=7))),
        completed_today=Count("pk", filter=Q(status=ScheduledCallback.Status.COMPLETED, completed_at__gte=windows.today)),
    )
    return row


def upcoming_callbacks(store_ids: list[int] | None, now: datetime, *, agent: User | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """The next scheduled callbacks, overdue ones first."""
    qs = scoped(ScheduledCallback.objects.filter(status=ScheduledCallback.Status.SCHEDULED), store_ids)
    if agent is not None:
        qs = qs.filter(assigned_agent=agent)
    rows = qs.select_related("customer", "store", "assigned_agent").order_by("scheduled_at", "id")[:limit]
    return [
        {
            "id": str(cb.pk),
            "store": cb.store.slug,
            "customer_id": str(cb.customer_id),
            "customer_phone": cb.customer.phone,
            "customer_name": cb.customer.name,
            "scheduled_datetime": cb.scheduled_at.isoformat(),
            "reason": cb.reason,
            "priority_level": cb.priority,
            "assigned_agent": cb.assigned_agent.username if cb.assigned_agent else None,
            "is_overdue": cb.is_overdue_at(now),
        }
        for cb in rows
    ]


def queue_metrics(store_ids: list[int] | None, windows: Windows, *, agent: User | None = None) -> dict[str, Any]:
    """The live queue (waiting, assigned, longest wait) and today's completed and abandoned entries."""
    waiting = Q(status=QueueEntry.Status.WAITING)
    assigned = Q(status=QueueEntry.Status.ASSIGNED)
    mine = Q(assigned_agent=agent) if agent is not None else Q(pk__in=[])
    row = scoped(QueueEntry.objects.all(), store_ids).aggregate(
        total_queue=Count("pk", filter=waiting),
        assigned_calls=Count("pk", filter=assigned),
        my_queue=Count("pk", filter=waiting & mine),
        in_progress=Count("pk", filter=assigned & mine),
        oldest_waiting_since=Min("enqueued_at", filter=waiting),
        completed_today=Count("pk", filter=Q(status=QueueEntry.Status.COMPLETED, ended_at__gte=windows.today)),
        abandoned_today=Count("pk", filter=Q(status=QueueEntry.Status.ABANDONED, ended_at__gte=windows.today)),
        answered_today=Count("pk", filter=Q(assigned_at__gte=windows.today)),
        total_wait_answered_today=Sum(F("assigned_at") - F("enqueued_at"), filter=Q(assigned_at__gte=windows.today)),
    )
    oldest = row.pop("oldest_waiting_since")
    total_wait = row.pop("total_wait_answered_today")
    row["longest_wait_seconds"] = max(int((windows.now - oldest).total_seconds()), 0) if oldest else 0
    row["average_wait_seconds"] = round(_seconds(total_wait) / row["answered_today"], 1) if row["answered_today"] else 0.0
    return row


def _seconds(value: Any) -> float:
    # Duration sums come back as timedelta on PostgreSQL and as microseconds on SQLite.
    if value is None:
        return 0.0
    return value.total_seconds() if isinstance(value, timedelta) else value / 1_000_000


def service_levels(store_ids: list[int]) -> dict[int, int]:
    """Each store's service level in seconds: `system_preferences.service_level_seconds` of its settings, else the default."""
    levels = dict.fromkeys(store_ids, QueueEntry.DEFAULT_SERVICE_LEVEL_SECONDS)
    for store_id, preferences in StoreSettings.objects.filter(store_id__in=store_ids).values_list("store_id", "system_preferences"):
        value = preferences.get("service_level_seconds") if isinstance(preferences, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            levels[store_id] = value
    return levels


def long_waits(store_ids: list[int] | None, now: datetime) -> list[dict[str, Any]]:
    """Per store: how many callers have waited longer than its service level (two queries: the waiting, their stores' levels)."""
    waiting = list(
        scoped(QueueEntry.objects.filter(status=QueueEntry.Status.WAITING), store_ids)
        .values_list("store_id", "store__slug", "store__name", "enqueued_at")
        .order_by("store__name", "enqueued_at")
    )
    levels = service_levels(sorted({row[0] for row in waiting}))
    out: dict[int, dict[str, Any]] = {}
    for store_id, slug, name, since in waiting:
        waited = int((now - since).total_seconds())
        if waited <= levels[store_id]:
            continue
        entry = out.setdefault(
            store_id,
            {"store": slug, "store_name": name, "waiting_over_service_level": 0, "longest_wait_seconds": waited, "service_level_seconds": levels[store_id]},
        )
        entry["waiting_over_service_level"] += 1
    return list(out.values())


def store_subscriptions(store_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """Each store's subscription (its live one, else its latest) with minutes used counted from the store's calls in the period.

    Three queries: the subscriptions, then the periods' whole hours and partial hours of calls.
    """
    subscriptions = list(Subscription.objects.filter(store_id__in=store_ids).select_related("plan", "store").order_by("store__name", "store_id", "-created_at", "-id"))
    current: dict[int, Subscription] = {}
    for sub in subscriptions:
        if sub.store_id not in current or (sub.is_live and not current[sub.store_id].is_live):
            current[sub.store_id] = sub
    minutes = minutes_used(list(current.values()))
    return [subscription_info(sub, minutes[sub.pk], now) for sub in current.values()]


def minutes_used(subscriptions: list[Subscription]) -> dict[int, int]:
    """Minutes each subscription's store has used in its period, by the started minute of each call (two queries)."""
    if not subscriptions:
        return {}
    spans = {str(sub.pk): Span(sub.current_period_start, sub.current_period_end, sub.store_id) for sub in subscriptions}
    counted = call_counters(sorted({sub.store_id for sub in subscriptions}), spans, ("billed_minutes",))
    return {sub.pk: counted[str(sub.pk)]["billed_minutes"] for sub in subscriptions}


def subscription_info(sub: Subscription, minutes_used: int, now: datetime) -> dict[str, Any]:
    """The seed's subscription_info for one subscription."""
    plan = sub.plan
    limit = plan.call_minutes_limit
    usage = _percent(minutes_used, limit)
    total_days = max((sub.current_period_end - sub.current_period_start).days, 0)
    days_remaining = sub.days_remaining(now)
    elapsed = min(max((now - sub.current_period_start).total_seconds(), 0), (sub.current_period_end - sub.current_period_start).total_seconds())
    return {
        "id": str(sub.pk),
        "store": sub.store.slug,
        "store_name": sub.store.name,
        "package_name": plan.name,
        "plan_type": plan.plan_type,
        "monthly_price": _money(plan.price),
        "status": sub.status,
        "is_active": sub.is_live,
        "billing_cycle": "monthly",
        "days_remaining": days_remaining,
        "time_details": {
            "days_remaining": days_remaining,
            "total_days": total_days,
            "days_used": max(total_days - days_remaining, 0),
            "time_percentage_used": _percent(elapsed, (sub.current_period_end - sub.current_period_start).total_seconds()),
            "current_period_start": sub.current_period_start.isoformat(),
            "current_period_end": sub.current_period_end.isoformat(),
            "next_billing_date": sub.current_period_end.isoformat() if sub.is_live and not sub.cancel_at_period_end else None,
            "cancel_at_period_end": sub.cancel_at_period_end,
            "cancelled_at": sub.cancelled_at.isoformat() if sub.cancelled_at else None,
        },
        "usage_details": {
            "minutes_used": minutes_used,
            "minutes_limit": limit,
            "minutes_remaining": max(limit - minutes_used, 0) if limit else None,
            "usage_percentage": usage,
            "overage": max(minutes_used - limit, 0) if limit else 0,
            "usage_status": "normal" if usage < 80 else "warning" if usage < 100 else "exceeded",
        },
        "package_features": {
            "agents_allowed": plan.agents_allowed,
            "analytics_access": plan.analytics_access,
            "advanced_analytics": plan.advanced_analytics,
            "call_minutes_limit": limit,
        },
    }


def agent_performance(agent: User, windows: Windows) -> dict[str, Any]:
    """A human agent's own work: the queue entries they completed and the calls behind them (one query)."""
    done = Q(status=QueueEntry.Status.COMPLETED)
    with_call = done & Q(call__isnull=False)
    row = QueueEntry.objects.filter(assigned_agent=agent).aggregate(
        calls_handled=Count("pk", filter=done),
        **counts_in_spans("calls", "ended_at", windows, done),
        calls_with_record=Count("pk", filter=with_call),
        successful_calls=Count("pk", filter=with_call & Q(call__status=Call.Status.SUCCESS)),
        rated_calls=Count("pk", filter=with_call & ~Q(call__satisfaction=Call.Satisfaction.UNKNOWN)),
        positive_calls=Count("pk", filter=with_call & Q(call__satisfaction=Call.Satisfaction.POSITIVE)),
        avg_call_duration=Avg("call__duration", filter=with_call & Q(call__status__in=Call.FINAL_STATUSES)),
        total_wait=Sum(F("assigned_at") - F("enqueued_at"), filter=done & Q(assigned_at__isnull=False)),
        answered=Count("pk", filter=done & Q(assigned_at__isnull=False)),
    )
    total_wait, answered = row.pop("total_wait"), row.pop("answered")
    row["success_rate"] = _percent(row["successful_calls"], row["calls_with_record"])
    row["customer_satisfaction"] = _percent(row["positive_calls"], row["rated_calls"])
    row["avg_call_duration"] = round(row["avg_call_duration"] or 0, 1)
    row["avg_wait_before_answer"] = round(_seconds(total_wait) / answered, 1) if answered else 0.0
    return row


def agent_profile(agent: User) -> AgentProfile | None:
    return AgentProfile.objects.filter(user=agent).first()


def recent_users(limit: int = 5) -> list[dict[str, Any]]:
    return [
        {
            "id": str(user.pk),
            "username": user.username,
            "email": user.email,
            "full_name": user.get_full_name(),
            "role": user.role,
            "date_joined": user.date_joined.isoformat(),
        }
        for user in User.objects.order_by("-date_joined", "-id")[:limit]
    ]


def recent_subscriptions(limit: int = 5) -> list[dict[str, Any]]:
    rows = Subscription.objects.select_related("store__owner", "plan").order_by("-created_at", "-id")[:limit]
    return [
        {
            "id": str(sub.pk),
            "store": sub.store.slug,
            "user_email": sub.store.owner.email if sub.store.owner else None,
            "plan_name": sub.plan.name,
            "status": sub.status,
            "amount": _money(sub.plan.price),
            "created_at": sub.created_at.isoformat(),
        }
        for sub in rows
    ]
