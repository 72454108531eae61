"""`/billing/` (the plan, minutes used of the period, days left, invoices; the admin sees every store's,
failed payments first) and `/agents/` (persona, training, calls handled, conversion, satisfaction)."""
from __future__ import annotations

from decimal import Decimal

from dashboard.models import BillingRecord, Subscription
from store.models import Store
from tests.dashboard.pages import signed_in
from voice.models import AIAgent


def test_the_owner_sees_their_plan_its_usage_days_left_and_invoices(business, owner):
    response = signed_in(owner).get("/billing/")
    assert response.status_code == 200
    subs = response.context["subscriptions"]
    assert [(s["package_name"], s["status"]) for s in subs] == [("Pro", "active"), ("Basic", "cancelled")]
    pro = subs[0]
    # Calls A (125 s: 3 started minutes), B (live, 4 min), C (1), D (1) and F (2) fall in the period from 06-24 14:30.
    assert (pro["usage_details"]["minutes_limit"], pro["days_remaining"]) == (8, 4)
    assert pro["usage_details"]["minutes_used"] > 0
    statuses = [i.status for i in response.context["invoices"]]
    assert statuses == ["failed", "pending", "paid", "paid"]
    html = response.content.decode()
    assert 'role="meter"' in html and "4 days left" in html
    assert "Harbor Deli" not in html


def test_the_admin_sees_every_subscription_and_failed_payments_first(business, admin_user):
    response = signed_in(admin_user).get("/billing/")
    assert {s["store"] for s in response.context["subscriptions"]} == {"main-street", "harbor-deli"}
    statuses = [i.status for i in response.context["invoices"]]
    assert statuses[:2] == ["failed", "failed"] and len(statuses) == 6


def test_an_agent_may_not_open_billing(business, agent):
    assert signed_in(agent).get("/billing/").status_code == 403


def test_billing_query_count_is_pinned_with_thousands_of_invoices(business, admin_user, django_assert_num_queries):
    sub = business["subscription"]
    BillingRecord.objects.bulk_create(BillingRecord(store=sub.store, subscription=sub, amount=Decimal("1.00"), status="paid") for _ in range(3000))
    client = signed_in(admin_user)
    client.get("/billing/")
    with django_assert_num_queries(11):
        response = client.get("/billing/?invoices=3")
    assert len(response.context["invoices"]) == 25


def test_ai_agents_with_persona_training_and_figures(business, agent):
    response = signed_in(agent).get("/agents/")
    rows = {row["agent"].name: row["perf"] for row in response.context["agents"]}
    assert set(rows) == {"Ava", "Max"}
    assert rows["Ava"]["calls_handled"] == 4
    assert rows["Ava"]["conversion_rate"] == 50.0
    assert rows["Ava"]["customer_satisfaction"] == 50.0
    assert rows["Max"]["calls_handled"] == 0
    html = response.content.decode()
    assert "Friendly" in html or "friendly" in html.lower()
    incomplete = signed_in(agent).get("/agents/?training=incomplete").context["agents"]
    assert [row["agent"].name for row in incomplete] == ["Max"]


def test_agents_query_count_is_pinned_with_thousands_of_agents(owner, store, django_assert_num_queries):
    AIAgent.objects.bulk_create(AIAgent(store=store, name=f"Agent {i}", training_level=i % 100) for i in range(2000))
    client = signed_in(owner)
    client.get("/agents/")
    # session, user, stores, chosen store, count, page of agents, their figures
    with django_assert_num_queries(7):
        response = client.get("/agents/?page=2")
    assert len(response.context["agents"]) == 50
