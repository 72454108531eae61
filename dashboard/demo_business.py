"""Demo business data for seed_demo: plans, subscriptions (one expiring within 7 days), billing (one failed
payment), AI agents, customers from the demo calls' callers, callbacks (one overdue), an agent profile and
the call queue. Idempotent: what a store already has is left alone."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Mod

from callcenter.models import User
from calls import stats_sql
from calls.models import AgentProfile, Call, Customer, QueueEntry, ScheduledCallback
from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from store.models import Store
from voice.models import AIAgent

PLANS = [
    # name, type, price, minutes (0: no limit), agents, analytics, advanced analytics
    ("Starter", "basic", "29.00", 500, 1, True, False),
    ("Professional", "professional", "99.00", 3000, 3, True, True),
    ("Enterprise", "enterprise", "299.00", 0, 10, True, True),
]
AI_AGENTS = {
    # store slug: [(name, personality, voice, status, training level, hours)]
    "demo-store": [
        ("Ava", "friendly", "Polly.Joanna", "active", 85, (time(7), time(22))),
        ("Max", "professional", "Polly.Matthew", "training", 15, (time(9), time(17))),
    ],
    "corner-cafe": [("Chloe", "calm", "Polly.Amy", "active", 60, (time(6), time(18)))],
}
BULK_ROWS = 50_000
# Demo callers are +1555 numbers; a customer's interest level follows the last two digits of their number.
DEMO_CALLERS = "+1555%"


@transaction.atomic
def seed_business(stores: dict[str, Store], users: dict[str, User], now: datetime, *, max_customers: int | None = None) -> dict[str, int]:
    """Add what the demo stores lack of their business data; returns how many rows of each kind were added."""
    added: dict[str, int] = {}
    plans = _plans(added)
    demo, cafe = stores.get("demo-store"), stores.get("corner-cafe")
    if demo is not None:
        _subscription(demo, plans["Professional"], start=now - timedelta(days=25), days=30, added=added)  # ends in 5 days
        _billing(demo, [("99.00", "paid", now - timedelta(days=55)), ("99.00", "paid", now - timedelta(days=25))], added)
    if cafe is not None:
        _cancelled(cafe, plans["Enterprise"], now, added)
        _subscription(cafe, plans["Starter"], start=now - timedelta(days=10), days=30, added=added)
        _billing(cafe, [("299.00", "paid", now - timedelta(days=70)), ("29.00", "failed", now - timedelta(days=10))], added)
    agents = {slug: _ai_agents(store, added) for slug, store in stores.items() if slug in AI_AGENTS}
    for slug, store in stores.items():
        if agents.get(slug):
            added["calls_attributed"] = added.get("calls_attributed", 0) + _attribute_calls(store, agents[slug][0])
        added["customers"] = added.get("customers", 0) + _customers(store, max_customers)
    agent = users.get("agent")
    if agent is not None and agent.store_id:
        _, made = AgentProfile.objects.get_or_create(user=agent, defaults={"status": AgentProfile.Status.AVAILABLE, "employee_id": "EMP-001", "status_changed_at": now})
        added["agent_profiles"] = int(made)
        store = Store.objects.get(pk=agent.store_id)
        _callbacks(store, agent, now, added)
        _queue(store, agent, now, added)
    return added


def _plans(added: dict[str, int]) -> dict[str, SubscriptionPlan]:
    plans = {}
    for name, kind, price, minutes, agents, analytics, advanced in PLANS:
        plans[name], made = SubscriptionPlan.objects.get_or_create(
            name=name,
            defaults={"plan_type": kind, "price": Decimal(price), "call_minutes_limit": minutes, "agents_allowed": agents, "analytics_access": analytics, "advanced_analytics": advanced},
        )
        added["plans"] = added.get("plans", 0) + int(made)
    return plans


def _subscription(store: Store, plan: SubscriptionPlan, *, start: datetime, days: int, added: dict[str, int]) -> None:
    if Subscription.objects.filter(store=store, status__in=Subscription.LIVE_STATUSES).exists():
        return
    Subscription.objects.create(store=store, plan=plan, status="active", current_period_start=start, current_period_end=start + timedelta(days=days), created_at=start)
    added["subscriptions"] = added.get("subscriptions", 0) + 1


def _cancelled(store: Store, plan: SubscriptionPlan, now: datetime, added: dict[str, int]) -> None:
    """The café tried Enterprise and cancelled it before taking Starter."""
    if Subscription.objects.filter(store=store).exists():
        return
    start = now - timedelta(days=70)
    Subscription.objects.create(
        store=store, plan=plan, status="cancelled", current_period_start=start, current_period_end=start + timedelta(days=30),
        cancelled_at=start + timedelta(days=20), created_at=start,
    )  # fmt: skip
    added["subscriptions"] = added.get("subscriptions", 0) + 1


def _billing(store: Store, charges: list[tuple[str, str, datetime]], added: dict[str, int]) -> None:
    if BillingRecord.objects.filter(store=store).exists():
        return
    subscription = Subscription.objects.filter(store=store).order_by("-created_at").first()
    BillingRecord.objects.bulk_create(
        BillingRecord(
            store=store, subscription=subscription, amount=Decimal(amount), status=status, created_at=at,
            paid_at=at if status == "paid" else None, description=f"{subscription.plan.name if subscription else 'Plan'} monthly",
        )
        for amount, status, at in charges
    )  # fmt: skip
    added["billing_records"] = added.get("billing_records", 0) + len(charges)


def _ai_agents(store: Store, added: dict[str, int]) -> list[AIAgent]:
    agents = []
    for name, personality, voice, status, level, (start, end) in AI_AGENTS[store.slug]:
        agent, made = AIAgent.objects.get_or_create(
            store=store, name=name,
            defaults={"personality_type": personality, "voice": voice, "status": status, "training_level": level, "working_hours_start": start, "working_hours_end": end},
        )  # fmt: skip
        agents.append(agent)
        added["ai_agents"] = added.get("ai_agents", 0) + int(made)
    return agents


def _attribute_calls(store: Store, agent: AIAgent) -> int:
    """The store's demo calls were answered by its first AI agent; one successful call in ten converted."""
    calls = Call.objects.filter(store=store, call_id__startswith="DEMO-", ai_agent__isnull=True).annotate(remainder=Mod("id", 10))
    # A million rows through the CallHour triggers takes many minutes; recounting the hours once takes seconds.
    many = calls.count() > BULK_ROWS
    if many:
        stats_sql.uninstall(connection)
    converted = calls.filter(status=Call.Status.SUCCESS, remainder=0).update(ai_agent=agent, outcome="converted")
    changed = converted + calls.update(ai_agent=agent)
    if many:
        stats_sql.install(connection, rebuild=True)
    return changed


def _customers(store: Store, limit: int | None) -> int:
    """Every demo caller of the store becomes a customer, as create_call makes them (first call first)."""
    before = Customer.objects.filter(store=store).count()
    if limit is not None and before >= limit:
        return 0
    table, calls = Customer._meta.db_table, Call._meta.db_table
    level = "CAST(substr(phone, length(phone) - 1, 2) AS INTEGER)"
    cap = f"LIMIT {int(limit) - before}" if limit is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (store_id, phone, name, email, interest_level, do_not_call, notes, first_call_at, created_at, updated_at)
            SELECT store_id, phone, '', '',
                   CASE WHEN {level} < 5 THEN 'hot' WHEN {level} < 15 THEN 'warm' WHEN {level} < 20 THEN 'converted' ELSE 'cold' END,
                   CASE WHEN {level} = 99 THEN %s ELSE %s END, '', first_call, first_call, first_call
            FROM (SELECT store_id, caller AS phone, MIN(start_time) AS first_call FROM {calls}
                  WHERE store_id = %s AND type = 'inbound' AND caller LIKE %s GROUP BY store_id, caller ORDER BY MIN(start_time) DESC {cap}) firsts
            WHERE true
            ON CONFLICT (store_id, phone) DO NOTHING
            """,
            [True, False, store.pk, DEMO_CALLERS],
        )
    return Customer.objects.filter(store=store).count() - before


def _callbacks(store: Store, agent: User, now: datetime, added: dict[str, int]) -> None:
    """Six callbacks, hot leads first: one overdue, two later today, two tomorrow, one done yesterday."""
    if ScheduledCallback.objects.filter(store=store).exists():
        return
    customers = list(Customer.objects.filter(store=store, interest_level="hot").order_by("-first_call_at")[:6])
    # A small demo may have few hot leads: warm and cold ones make up the six.
    customers += list(Customer.objects.filter(store=store).exclude(interest_level="hot").order_by("-first_call_at")[: 6 - len(customers)])
    plan = [
        (now - timedelta(hours=2), "high", "scheduled", "Wants a quote for a catering order"),
        (now + timedelta(hours=1), "urgent", "scheduled", "Prescription ready: confirm pickup time"),
        (now + timedelta(hours=3), "medium", "scheduled", "Asked about bulk discount on produce"),
        (now + timedelta(days=1), "medium", "scheduled", "Follow up on loyalty card signup"),
        (now + timedelta(days=1, hours=2), "low", "scheduled", "Check if the item came back in stock"),
        (now - timedelta(days=1), "medium", "completed", "Delivery window question"),
    ]
    for i, (customer, (when, priority, status, reason)) in enumerate(zip(customers, plan)):
        if not customer.name:
            customer.name = ["Priya Shah", "Tom Becker", "Lucia Gomez", "Sam Okafor", "Mei Chen", "Jon Ruiz"][i]
            customer.save(update_fields=["name", "updated_at"])
        ScheduledCallback.objects.create(
            store=store, customer=customer, scheduled_at=when, priority=priority, status=status, reason=reason,
            assigned_agent=agent if i % 2 == 0 else None, completed_at=when if status == "completed" else None,
        )  # fmt: skip
        added["callbacks"] = added.get("callbacks", 0) + 1


def _queue(store: Store, agent: User, now: datetime, added: dict[str, int]) -> None:
    """Three callers waiting (two past the 60 s service level), one with the agent, today's completed and abandoned."""
    if QueueEntry.objects.filter(store=store).exists():
        return
    recent = list(Call.objects.filter(store=store, status=Call.Status.SUCCESS).order_by("-start_time")[:6])
    rows: list[dict[str, Any]] = [
        {"caller": "+15550100001", "enqueued_at": now - timedelta(seconds=30)},
        {"caller": "+15550100002", "enqueued_at": now - timedelta(seconds=95), "priority": 1},
        {"caller": "+15550100003", "enqueued_at": now - timedelta(minutes=4)},
        {"caller": "+15550100004", "status": "assigned", "assigned_agent": agent, "enqueued_at": now - timedelta(minutes=3), "assigned_at": now - timedelta(minutes=2)},
        {"caller": "+15550100005", "status": "abandoned", "enqueued_at": now - timedelta(minutes=50), "ended_at": now - timedelta(minutes=47)},
        {"caller": "+15550100006", "status": "abandoned", "enqueued_at": now - timedelta(minutes=20), "ended_at": now - timedelta(minutes=18)},
    ]
    for call in recent:
        rows.append(
            {
                "caller": call.caller, "call": call, "status": "completed", "assigned_agent": agent,
                "enqueued_at": call.start_time - timedelta(seconds=40), "assigned_at": call.start_time, "ended_at": call.end_time or call.start_time,
            }
        )  # fmt: skip
    QueueEntry.objects.bulk_create(QueueEntry(store=store, **row) for row in rows)
    added["queue_entries"] = len(rows)
