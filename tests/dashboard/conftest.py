"""A small fixed business, with every figure of tests/dashboard/test_comprehensive.py worked out by hand.

Now is Tuesday 2025-07-01 14:00 UTC: 10:00 in New York (main-street), where the month began at
04:00 UTC and the week on Monday 2025-06-30 04:00 UTC. The previous week's span ends a week ago
now (Tue 2025-06-24 14:00 UTC), the previous month's on 2025-06-01 at 10:00 local (14:00 UTC).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from callcenter.models import User
from calls.models import AgentProfile, Call, Customer, QueueEntry, ScheduledCallback
from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from store.models import StoreSettings
from tests.calls.factories import freeze_now, make_call
from voice.models import AIAgent

NOW = datetime(2025, 7, 1, 14, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """'06-30 12:00' (2025, UTC) -> datetime."""
    return datetime.strptime(f"2025-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@pytest.fixture
def now(monkeypatch) -> datetime:
    return freeze_now(monkeypatch, NOW)


@pytest.fixture
def agent2(store) -> User:
    return User.objects.create_user("bea", "bea@example.com", "agent-pass-456", role=User.Role.AGENT, store=store)


@pytest.fixture
def business(now, admin_user, owner, store, other_owner, other_store, agent, agent2) -> dict:
    """The whole data set; returns the rows tests refer to."""
    for user, joined in ((admin_user, "05-01 09:00"), (owner, "06-02 09:00"), (other_owner, "06-30 10:00"), (agent, "07-01 09:00"), (agent2, "06-23 10:00")):
        User.objects.filter(pk=user.pk).update(date_joined=at(joined))

    ava = AIAgent.objects.create(store=store, name="Ava", status="active", training_level=90)
    AIAgent.objects.create(store=store, name="Max", status="training", training_level=10)
    oli = AIAgent.objects.create(store=other_store, name="Oli", status="active", training_level=50)

    def call(call_id: str, start: str, status: str, *, store_=store, type="inbound", duration=0, **fields) -> Call:
        begin = at(start)
        end = None if status in Call.LIVE_STATUSES else begin + timedelta(seconds=duration)
        return make_call(store_, call_id, start_time=begin, end_time=end, status=status, type=type, duration=duration, caller=f"+1555{call_id}", **fields)

    calls = {
        "A": call("A", "07-01 13:00", "success", duration=125, outcome="converted", satisfaction="positive", ai_agent=ava),
        "B": call("B", "07-01 13:55", "in-progress", ai_agent=ava),
        # 23:30 on June 30 in New York: July in UTC, June (and this week) for the store.
        "C": call("C", "07-01 03:30", "failed", type="outbound", duration=30),
        "D": call("D", "06-30 12:00", "success", duration=60, satisfaction="negative", ai_agent=ava),
        "E": call("E", "06-24 13:00", "missed"),
        "F": call("F", "06-24 15:00", "success", duration=61, outcome="Converted", ai_agent=ava),
        "G": call("G", "06-01 12:00", "success", type="outbound", duration=600),
        "H": call("H", "06-01 15:00", "terminated", duration=45),
        "I": call("I", "05-31 12:00", "success", duration=59, satisfaction="positive"),
        "X1": call("X1", "07-01 12:00", "success", store_=other_store, duration=90, outcome="converted", ai_agent=oli),
        "X2": call("X2", "06-30 09:00", "success", store_=other_store, duration=30),
        "X3": call("X3", "07-01 13:50", "ringing", store_=other_store, type="outbound"),
    }

    basic = SubscriptionPlan.objects.create(name="Basic", plan_type="basic", price=Decimal("19.00"), call_minutes_limit=1000)
    pro = SubscriptionPlan.objects.create(name="Pro", plan_type="professional", price=Decimal("49.00"), call_minutes_limit=8, agents_allowed=3)
    Subscription.objects.create(store=store, plan=basic, status="cancelled", current_period_start=at("05-01 00:00"), current_period_end=at("05-31 00:00"), cancelled_at=at("05-20 00:00"), created_at=at("05-01 00:00"))
    sub = Subscription.objects.create(store=store, plan=pro, status="active", current_period_start=at("06-24 14:30"), current_period_end=at("07-04 20:00"), created_at=at("06-24 14:30"))
    other_sub = Subscription.objects.create(store=other_store, plan=basic, status="active", current_period_start=at("06-15 00:00"), current_period_end=at("07-15 00:00"), created_at=at("06-15 00:00"))

    for s, subscription, amount, status, when in (
        (store, sub, "49.00", "paid", "07-01 05:00"),
        (store, sub, "49.00", "paid", "06-01 05:00"),
        (store, sub, "49.00", "failed", "06-24 14:40"),
        (store, sub, "20.00", "pending", "06-30 10:00"),
        (other_store, other_sub, "19.00", "paid", "07-01 06:00"),
        (other_store, other_sub, "19.00", "failed", "06-30 08:00"),
    ):
        BillingRecord.objects.create(store=s, subscription=subscription, amount=Decimal(amount), status=status, created_at=at(when))

    def customer(phone: str, level: str, created: str, store_=store, **fields) -> Customer:
        return Customer.objects.create(store=store_, phone=phone, interest_level=level, created_at=at(created), **fields)

    c1 = customer("+15550000001", "hot", "07-01 05:00", name="Dana")
    c2 = customer("+15550000002", "warm", "06-30 05:00")
    c3 = customer("+15550000003", "converted", "06-10 05:00")
    c4 = customer("+15550000004", "cold", "05-05 05:00", do_not_call=True)
    c5 = customer("+15550000005", "hot", "06-23 12:00")
    o1 = customer("+15550000009", "hot", "07-01 01:00", store_=other_store)

    def callback(c: Customer, when: str, status: str, priority: str, assigned=None, completed=None) -> ScheduledCallback:
        return ScheduledCallback.objects.create(store=c.store, customer=c, scheduled_at=at(when), status=status, priority=priority, assigned_agent=assigned, completed_at=at(completed) if completed else None)

    callback(c1, "07-01 12:00", "scheduled", "high", agent)  # overdue
    callback(c2, "07-01 18:00", "scheduled", "medium")
    callback(c5, "07-02 15:00", "scheduled", "urgent", agent2)
    callback(c3, "06-30 15:00", "completed", "medium", agent, completed="06-30 16:00")
    callback(c4, "06-29 15:00", "cancelled", "low")
    callback(o1, "06-30 10:00", "scheduled", "medium")  # overdue, other store

    AgentProfile.objects.create(user=agent, status="available", employee_id="EMP-7")
    StoreSettings.objects.create(store=other_store, system_preferences={"service_level_seconds": 7200})

    def entry(status: str, enqueued: datetime, store_=store, **fields) -> QueueEntry:
        return QueueEntry.objects.create(store=store_, status=status, enqueued_at=enqueued, **fields)

    entry("waiting", NOW - timedelta(seconds=30))
    entry("waiting", NOW - timedelta(seconds=120))
    entry("waiting", NOW - timedelta(seconds=300), assigned_agent=agent)
    entry("assigned", at("07-01 13:50"), assigned_agent=agent, assigned_at=at("07-01 13:52"), call=calls["B"])
    entry("completed", at("07-01 13:00") - timedelta(seconds=40), assigned_agent=agent, assigned_at=at("07-01 13:00"), ended_at=at("07-01 13:02") + timedelta(seconds=5), call=calls["A"])
    entry("completed", at("06-30 11:59"), assigned_agent=agent, assigned_at=at("06-30 12:00"), ended_at=at("06-30 12:01"), call=calls["D"])
    entry("completed", at("06-24 15:00") - timedelta(seconds=59), assigned_agent=agent, assigned_at=at("06-24 15:00"), ended_at=at("06-24 15:01") + timedelta(seconds=1), call=calls["F"])
    entry("completed", at("06-01 11:59"), assigned_agent=agent2, assigned_at=at("06-01 12:00"), ended_at=at("06-01 12:10"), call=calls["G"])
    entry("abandoned", at("07-01 10:00"), ended_at=at("07-01 10:03"))
    entry("waiting", at("07-01 13:00"), store_=other_store)  # an hour, under its 2 h service level
    return {"calls": calls, "subscription": sub, "ava": ava, "customers": [c1, c2, c3, c4, c5, o1]}
