"""GET /api/dashboard/comprehensive/: every role's figures, worked out by hand on the data set of conftest.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.models import User
from calls.models import AgentProfile, QueueEntry, ScheduledCallback
from store.models import Store
from tests.calls.factories import freeze_now
from tests.conftest import client_for
from tests.dashboard.conftest import NOW

URL = "/api/dashboard/comprehensive/"
COMMON = {"dashboard_type", "summary_stats", "quick_actions", "alerts", "performance_trends", "generated_at", "data_freshness"}
SECTIONS = {
    "admin": {"user_info", "subscription_metrics", "billing_revenue", "call_statistics", "ai_agent_metrics", "customer_management", "callback_management", "recent_activities"},
    "user": {"user_profile", "subscription_info", "ai_agent_info", "call_statistics", "customer_management", "callback_management", "billing_info", "dashboard_summary"},
    "agent": {"agent_info", "performance_metrics", "queue_information"},
}


def dashboard(user: User, **params) -> dict:
    response = client_for(user).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def alert_ids(body: dict) -> list[tuple[str, str]]:
    return [(a["id"], a["severity"]) for a in body["alerts"]]


def subset(actual: dict, expected: dict) -> dict:
    return {key: actual[key] for key in expected}


# --- owner ----------------------------------------------------------------------------------------


def test_owner_sees_every_section_of_the_seed(business, owner):
    body = dashboard(owner)

    assert set(body) == COMMON | SECTIONS["user"]
    assert body["dashboard_type"] == "user_comprehensive"
    assert body["data_freshness"] == "real_time"
    assert body["generated_at"] == NOW.isoformat()


def test_owner_call_statistics(business, owner):
    calls = dashboard(owner)["call_statistics"]

    assert subset(calls, {
        "total_calls": 9, "inbound_calls": 7, "outbound_calls": 2, "successful_calls": 5, "failed_calls": 1, "missed_calls": 1,
        "terminated_calls": 1, "active_calls": 1, "converted_calls": 2, "success_rate": 55.6, "conversion_rate": 22.2,
        "satisfaction_rate": 66.7, "total_duration": 980, "average_duration": 122.5,
        # New York days: C (23:30 on June 30 local) is this week's but last month's.
        "calls_today": 2, "calls_this_week": 4, "calls_previous_week": 1, "calls_this_month": 2, "calls_previous_month": 1,
    }) == {
        "total_calls": 9, "inbound_calls": 7, "outbound_calls": 2, "successful_calls": 5, "failed_calls": 1, "missed_calls": 1,
        "terminated_calls": 1, "active_calls": 1, "converted_calls": 2, "success_rate": 55.6, "conversion_rate": 22.2,
        "satisfaction_rate": 66.7, "total_duration": 980, "average_duration": 122.5,
        "calls_today": 2, "calls_this_week": 4, "calls_previous_week": 1, "calls_this_month": 2, "calls_previous_month": 1,
    }  # fmt: skip
    assert [c["call_id"] for c in calls["recent_calls"]] == ["B", "A", "C", "D", "F"]
    assert calls["call_breakdown"] == {"inbound_percentage": 77.8, "outbound_percentage": 22.2}


def test_owner_subscription_counts_minutes_from_the_period_calls(business, owner):
    sub = dashboard(owner)["subscription_info"]

    # Calls since 14:30 on June 24, each by the started minute: F 2, D 1, C 1, A 3, B (live) 0.
    assert sub["usage_details"] == {"minutes_used": 7, "minutes_limit": 8, "minutes_remaining": 1, "usage_percentage": 87.5, "overage": 0, "usage_status": "warning"}
    assert (sub["package_name"], sub["status"], sub["is_active"], sub["monthly_price"]) == ("Pro", "active", True, 49.0)
    # 3 days 6 hours left: 4 days, a started day counting as one.
    assert sub["days_remaining"] == 4
    assert subset(sub["time_details"], {"days_remaining": 4, "total_days": 10, "days_used": 6, "cancel_at_period_end": False}) == {"days_remaining": 4, "total_days": 10, "days_used": 6, "cancel_at_period_end": False}
    # The cancelled May subscription is history, not the current one.
    assert [s["status"] for s in sub["subscriptions"]] == ["active"]


def test_owner_ai_agent_figures_come_from_the_calls(business, owner):
    info = dashboard(owner)["ai_agent_info"]

    assert (info["name"], info["total_agents"], info["is_ready_for_calls"]) == ("Ava", 2, True)
    # Ava answered A, B, D and F: A and F converted; A positive, D negative.
    assert info["performance"] == {
        "calls_handled": 4, "successful_calls": 3, "successful_conversions": 2, "conversion_rate": 50.0,
        "rated_calls": 2, "positive_calls": 1, "customer_satisfaction": 50.0,
    }  # fmt: skip
    assert [a["performance"]["calls_handled"] for a in info["agents"]] == [4, 0]


def test_owner_customers_callbacks_and_billing(business, owner):
    body = dashboard(owner)

    assert body["customer_management"] == {
        "total_customers": 5, "hot_leads": 2, "warm_leads": 1, "cold_leads": 1, "converted_customers": 1, "do_not_call_list": 1,
        "new_customers_today": 1, "new_customers_this_week": 2, "new_customers_previous_week": 1, "new_customers_this_month": 1,
        "new_customers_previous_month": 0, "conversion_rate": 20.0,
    }  # fmt: skip
    callbacks = body["callback_management"]
    assert subset(callbacks, {"total_callbacks": 5, "scheduled_callbacks": 3, "completed_callbacks": 1, "cancelled_callbacks": 1, "overdue_callbacks": 1, "urgent_callbacks": 2, "callbacks_today": 2, "callbacks_this_week": 4}) == {
        "total_callbacks": 5, "scheduled_callbacks": 3, "completed_callbacks": 1, "cancelled_callbacks": 1, "overdue_callbacks": 1, "urgent_callbacks": 2, "callbacks_today": 2, "callbacks_this_week": 4,
    }  # fmt: skip
    assert [(c["customer_phone"], c["is_overdue"]) for c in callbacks["upcoming_callbacks"]] == [("+15550000001", True), ("+15550000002", False), ("+15550000005", False)]
    billing = body["billing_info"]
    assert subset(billing, {"total_spent": 98.0, "spent_this_month": 49.0, "failed_payments": 1, "pending_payments": 1, "next_amount": 49.0}) == {
        "total_spent": 98.0, "spent_this_month": 49.0, "failed_payments": 1, "pending_payments": 1, "next_amount": 49.0,
    }  # fmt: skip
    assert [p["status"] for p in billing["recent_payments"]] == ["paid", "pending", "failed"]


def test_owner_alerts_come_from_real_conditions(business, owner):
    body = dashboard(owner)

    assert alert_ids(body) == [
        ("failed_payments", "error"),
        ("overdue_callbacks", "error"),
        ("long_queue_wait", "error"),
        ("subscription_expiring", "warning"),
        ("usage_high", "warning"),
        ("agent_training_incomplete", "warning"),
    ]
    by_id = {a["id"]: a for a in body["alerts"]}
    assert by_id["subscription_expiring"]["message"] == "The Pro subscription of Main Street Market expires in 4 days."
    assert by_id["long_queue_wait"]["count"] == 2
    assert by_id["agent_training_incomplete"]["message"].startswith("Max is 10% trained")
    assert all(a["action_url"].startswith("/api/") for a in body["alerts"])
    assert body["dashboard_summary"]["needs_attention"] is True


def test_owner_trends_compare_like_with_like(business, owner):
    trends = dashboard(owner)["performance_trends"]

    assert trends["call_volume"]["week_over_week"] == {"current": 4, "previous": 1, "change_percentage": 300.0, "trend": "up"}
    assert trends["call_volume"]["month_over_month"] == {"current": 2, "previous": 1, "change_percentage": 100.0, "trend": "up"}
    assert trends["successful_calls"]["month_over_month"]["trend"] == "stable"
    assert trends["conversions"]["week_over_week"] == {"current": 1, "previous": 0, "change_percentage": 100.0, "trend": "up"}
    assert trends["new_customers"]["week_over_week"] == {"current": 2, "previous": 1, "change_percentage": 100.0, "trend": "up"}


def test_owner_quick_actions_are_routes_they_may_use(business, owner):
    actions = {a["id"]: a for a in dashboard(owner)["quick_actions"]}
    client = client_for(owner)

    assert actions["start_call"]["enabled"] is True
    assert actions["manage_agent"]["count"] is None and actions["view_customers"]["count"] == 5
    for a in actions.values():
        if a["method"] == "GET":
            assert client.get(a["url"]).status_code == 200, a["url"]


@pytest.mark.parametrize("who", ["admin_user", "owner", "agent"])
def test_every_roles_quick_actions_answer_for_that_role(request, business, who):
    user = request.getfixturevalue(who)
    client = client_for(user)

    for a in dashboard(user)["quick_actions"]:
        if a["url"].startswith("/api/") and a["method"] == "GET":
            assert client.get(a["url"]).status_code == 200, a["url"]
        elif a["url"].startswith("/api/") and a["method"] == "PATCH" and a["enabled"]:
            assert client.patch(a["url"], {"status": "busy"}, format="json").status_code == 200, a["url"]


# --- tenancy and role -------------------------------------------------------------------------------


def test_an_owner_never_sees_another_stores_figures(business, other_owner):
    body = dashboard(other_owner)

    assert subset(body["call_statistics"], {"total_calls": 3, "successful_calls": 2, "active_calls": 1, "converted_calls": 1}) == {"total_calls": 3, "successful_calls": 2, "active_calls": 1, "converted_calls": 1}
    assert body["customer_management"]["total_customers"] == 1
    assert body["callback_management"]["overdue_callbacks"] == 1
    assert body["billing_info"]["total_spent"] == 19.0
    assert body["ai_agent_info"]["name"] == "Oli" and body["ai_agent_info"]["total_agents"] == 1
    assert {c["store"] for c in body["call_statistics"]["recent_calls"]} == {"harbor-deli"}
    # Its one waiting caller is within the store's own 2-hour service level.
    assert "long_queue_wait" not in dict(alert_ids(body))


def test_another_stores_slug_is_a_404(business, other_owner):
    response = client_for(other_owner).get(URL, {"store": "main-street"})

    assert response.status_code == 404
    assert response.json()["success"] is False


@pytest.mark.parametrize("asked", ["admin", "agent", "user", "superuser"])
def test_role_in_the_query_cannot_change_the_dashboard(business, owner, asked):
    assert dashboard(owner, role=asked) == dashboard(owner)


def test_agent_asking_for_admin_gets_their_own_dashboard(business, agent):
    body = dashboard(agent, role="admin")

    assert body["dashboard_type"] == "agent_comprehensive"
    assert "billing_revenue" not in body


def test_a_bot_key_gets_no_dashboard(business, bot_api):
    assert bot_api.get(URL).status_code == 403


def test_anonymous_gets_401(api):
    assert api.get(URL).status_code == 401


# --- agent ----------------------------------------------------------------------------------------


def test_agent_sees_their_own_work_and_their_stores_queue(business, agent):
    body = dashboard(agent)

    assert set(body) == COMMON | SECTIONS["agent"]
    assert body["agent_info"]["status"] == "available" and body["agent_info"]["employee_id"] == "EMP-7"
    perf = body["performance_metrics"]
    # Completed by alex: A (today), D (this week), F; bea's G is not theirs.
    assert subset(perf, {"agent_status": "available", "calls_handled": 3, "calls_today": 1, "calls_this_week": 2, "calls_previous_week": 0, "calls_this_month": 1, "success_rate": 100.0, "customer_satisfaction": 50.0, "avg_call_duration": 82.0, "avg_wait_before_answer": 53.0}) == {
        "agent_status": "available", "calls_handled": 3, "calls_today": 1, "calls_this_week": 2, "calls_previous_week": 0, "calls_this_month": 1,
        "success_rate": 100.0, "customer_satisfaction": 50.0, "avg_call_duration": 82.0, "avg_wait_before_answer": 53.0,
    }  # fmt: skip
    assert subset(perf["callbacks"], {"total_callbacks": 2, "scheduled_callbacks": 1, "completed_callbacks": 1, "overdue_callbacks": 1}) == {"total_callbacks": 2, "scheduled_callbacks": 1, "completed_callbacks": 1, "overdue_callbacks": 1}
    assert body["queue_information"] == {
        "total_queue": 3, "assigned_calls": 1, "my_queue": 1, "in_progress": 1, "completed_today": 1, "abandoned_today": 1,
        "answered_today": 2, "longest_wait_seconds": 300, "average_wait_seconds": 80.0, "waiting_over_service_level": 2, "service_level_seconds": 60,
    }  # fmt: skip
    assert alert_ids(body) == [("overdue_callbacks", "error"), ("long_queue_wait", "error")]


def test_agent_without_profile_or_store_gets_zeros_not_an_error(db, now):
    loner = User.objects.create_user("lone", password=None, role=User.Role.AGENT)

    body = dashboard(loner)

    assert body["agent_info"]["id"] is None and body["agent_info"]["status"] == "offline"
    assert body["performance_metrics"]["calls_handled"] == 0
    assert body["queue_information"]["total_queue"] == 0
    assert alert_ids(body) == [("no_agent_profile", "info")]


# --- admin ----------------------------------------------------------------------------------------


def test_admin_sees_the_whole_platform(business, admin_user):
    body = dashboard(admin_user)

    assert set(body) == COMMON | SECTIONS["admin"]
    # UTC days for the platform: C (03:30 UTC) is today's and this month's.
    assert subset(body["call_statistics"], {"total_calls": 12, "successful_calls": 7, "active_calls": 2, "converted_calls": 3, "inbound_calls": 9, "outbound_calls": 3, "calls_today": 5, "calls_this_week": 7, "calls_previous_week": 1, "calls_this_month": 5, "calls_previous_month": 1, "queued_calls": 4}) == {
        "total_calls": 12, "successful_calls": 7, "active_calls": 2, "converted_calls": 3, "inbound_calls": 9, "outbound_calls": 3,
        "calls_today": 5, "calls_this_week": 7, "calls_previous_week": 1, "calls_this_month": 5, "calls_previous_month": 1, "queued_calls": 4,
    }  # fmt: skip
    assert body["summary_stats"] == {
        "total_users": 5, "active_users": 5, "new_users_today": 1, "new_users_this_week": 2, "new_users_this_month": 1,
        "active_subscriptions": 2, "revenue_this_month": 68.0, "active_calls": 2, "calls_today": 5,
    }  # fmt: skip
    subs = body["subscription_metrics"]
    assert subset(subs, {"total_subscriptions": 3, "active_subscriptions": 2, "cancelled_subscriptions": 1, "inactive_subscriptions": 0, "expiring_soon": 1}) == {"total_subscriptions": 3, "active_subscriptions": 2, "cancelled_subscriptions": 1, "inactive_subscriptions": 0, "expiring_soon": 1}
    assert [(p["plan__name"], p["count"], p["monthly_revenue"]) for p in subs["subscription_by_plans"]] == [("Basic", 1, 19.0), ("Pro", 1, 49.0)]
    assert subset(body["billing_revenue"], {"total_revenue": 117.0, "revenue_this_month": 68.0, "revenue_today": 68.0, "revenue_previous_month": 49.0, "failed_payments": 2, "pending_payments": 1, "failed_amount": 68.0}) == {
        "total_revenue": 117.0, "revenue_this_month": 68.0, "revenue_today": 68.0, "revenue_previous_month": 49.0, "failed_payments": 2, "pending_payments": 1, "failed_amount": 68.0,
    }  # fmt: skip
    agents = body["ai_agent_metrics"]
    assert subset(agents, {"total_agents": 3, "active_agents": 2, "training_agents": 1, "agents_ready_for_calls": 2, "agents_training_incomplete": 1}) == {"total_agents": 3, "active_agents": 2, "training_agents": 1, "agents_ready_for_calls": 2, "agents_training_incomplete": 1}
    assert agents["performance"] == {"total_calls_handled": 5, "total_conversions": 3, "avg_conversion_rate": 60.0, "avg_customer_satisfaction": 50.0}
    assert subset(body["customer_management"], {"total_customers": 6, "hot_leads": 3}) == {"total_customers": 6, "hot_leads": 3}
    assert subset(body["callback_management"], {"total_callbacks": 6, "overdue_callbacks": 2}) == {"total_callbacks": 6, "overdue_callbacks": 2}
    assert [u["username"] for u in body["recent_activities"]["new_users"]] == ["alex", "oscar", "bea", "olivia", "root"]
    assert alert_ids(body) == [
        ("failed_payments", "error"), ("overdue_callbacks", "error"), ("long_queue_wait", "error"),
        ("subscriptions_expiring", "warning"), ("agents_need_training", "info"),
    ]  # fmt: skip
    assert body["performance_trends"]["user_growth"]["week_over_week"] == {"current": 2, "previous": 1, "change_percentage": 100.0, "trend": "up"}
    assert body["performance_trends"]["revenue_growth"]["month_over_month"] == {"current": 68.0, "previous": 49.0, "change_percentage": 38.8, "trend": "up"}


def test_admin_can_narrow_to_one_store_in_its_zone(business, admin_user):
    body = dashboard(admin_user, store="main-street")

    assert subset(body["call_statistics"], {"total_calls": 9, "calls_this_month": 2}) == {"total_calls": 9, "calls_this_month": 2}
    assert body["summary_stats"]["total_users"] == 5  # people are platform-wide


# --- the empty account ------------------------------------------------------------------------------


def test_owner_with_an_empty_store_gets_zeros_and_the_matching_alerts(db, now):
    nina = User.objects.create_user("nina", password=None, role=User.Role.USER)
    Store.objects.create(name="Empty Shop", slug="empty-shop", owner=nina)

    body = dashboard(nina)

    assert set(body) == COMMON | SECTIONS["user"]
    assert body["subscription_info"]["status"] == "no_subscription"
    assert body["ai_agent_info"]["status"] == "no_agent" and body["ai_agent_info"]["setup_required"] is True
    assert body["call_statistics"]["total_calls"] == 0 and body["call_statistics"]["success_rate"] == 0.0
    assert body["call_statistics"]["recent_calls"] == []
    assert body["customer_management"]["conversion_rate"] == 0.0
    assert body["billing_info"]["total_spent"] == 0.0 and body["billing_info"]["next_billing_date"] is None
    assert body["summary_stats"] == {
        "total_calls": 0, "calls_today": 0, "active_calls": 0, "success_rate": 0.0, "total_customers": 0, "hot_leads": 0,
        "scheduled_callbacks": 0, "overdue_callbacks": 0, "minutes_used": 0, "usage_percentage": 0.0, "days_remaining": 0,
    }  # fmt: skip
    assert body["performance_trends"]["call_volume"]["trend"] == "stable"
    assert alert_ids(body) == [("no_subscription", "warning"), ("no_ai_agent", "info")]
    assert {a["id"]: a["enabled"] for a in body["quick_actions"]}["start_call"] is False


def test_owner_without_any_store_gets_a_complete_answer(db, now):
    nobody = User.objects.create_user("newbie", password=None, role=User.Role.USER)

    body = dashboard(nobody)

    assert set(body) == COMMON | SECTIONS["user"]
    assert body["call_statistics"]["total_calls"] == 0
    assert body["subscription_info"]["status"] == "no_subscription"


def test_admin_on_an_empty_platform(db, now, admin_user):
    body = dashboard(admin_user)

    assert body["call_statistics"]["total_calls"] == 0
    assert body["billing_revenue"]["total_revenue"] == 0.0
    assert body["ai_agent_metrics"]["performance"]["avg_conversion_rate"] == 0.0
    assert body["alerts"] == []


# --- edge cases ---------------------------------------------------------------------------------


def test_a_cancelled_subscription_has_no_days_left_and_no_expiry_alert(business, owner):
    sub = business["subscription"]
    sub.status, sub.cancelled_at = "cancelled", NOW - timedelta(days=1)
    sub.save()

    body = dashboard(owner)

    assert body["subscription_info"]["status"] == "cancelled"
    assert body["subscription_info"]["days_remaining"] == 0
    assert body["dashboard_summary"]["subscription_active"] is False
    ids = dict(alert_ids(body))
    assert "subscription_expiring" not in ids and "usage_high" not in ids
    assert ids["no_subscription"] == "warning"


def test_usage_past_100_percent_is_an_error(business, owner):
    plan = business["subscription"].plan
    plan.call_minutes_limit = 5
    plan.save()

    body = dashboard(owner)

    assert body["subscription_info"]["usage_details"]["usage_status"] == "exceeded"
    assert body["subscription_info"]["usage_details"]["overage"] == 2
    assert dict(alert_ids(body))["usage_exceeded"] == "error"


def test_a_callback_done_in_time_is_not_overdue(business, owner):
    ScheduledCallback.objects.filter(scheduled_at__lt=NOW, status="scheduled").update(status="completed", completed_at=NOW)

    body = dashboard(owner)

    assert body["callback_management"]["overdue_callbacks"] == 0
    assert "overdue_callbacks" not in dict(alert_ids(body))


# --- speed ---------------------------------------------------------------------------------------

# The most queries each role's dashboard takes, whatever the number of rows. Admin: users, subscriptions,
# plans, billing, calls (4: hourly totals, and for the spans hourly totals plus the partial hours),
# customers (3, likewise), queue, AI agents and their calls, callbacks, long waits (the waiting, their
# stores' service levels), recent users, subscriptions and calls. Owner: their stores, subscriptions and
# their minutes (2), AI agents (2), calls (4), customers (3), callbacks and the next ones, billing and the
# last charges, long waits (2), recent calls. Agent: their stores, profile, work, callbacks and the next
# ones, queue, long waits (2).
ADMIN_QUERIES = 20
OWNER_QUERIES = 20
AGENT_QUERIES = 8


@pytest.fixture
def thousands(business, store, other_store, agent):
    """Thousands of rows in every table behind the dashboard, spread over both stores and a year."""
    from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
    from tests.calls.factories import make_calls

    for s in (store, other_store):
        make_calls(s, 3000, prefix=f"bulk-{s.slug}-", statuses=("success", "failed", "in-progress", "missed"), types=("inbound", "outbound"), start=NOW, step=-timedelta(hours=3), outcome="converted", ai_agent=business["ava"] if s == store else None)
    plan = SubscriptionPlan.objects.get(name="Basic")
    shops = Store.objects.bulk_create(Store(name=f"Shop {i}", slug=f"shop-{i}") for i in range(300))
    subs = Subscription.objects.bulk_create(Subscription(store=shop, plan=plan, current_period_start=NOW - timedelta(days=5), current_period_end=NOW + timedelta(days=i % 40 + 1)) for i, shop in enumerate(shops))
    BillingRecord.objects.bulk_create(BillingRecord(store=sub.store, subscription=sub, amount=19, status=("paid", "failed", "pending")[i % 3], created_at=NOW - timedelta(hours=i)) for i, sub in enumerate(subs * 8))
    from calls.models import Customer

    customers = Customer.objects.bulk_create(Customer(store=(store, other_store)[i % 2], phone=f"+1444{i:07d}", interest_level=("hot", "warm", "cold", "converted")[i % 4], created_at=NOW - timedelta(hours=i)) for i in range(4000))
    ScheduledCallback.objects.bulk_create(ScheduledCallback(store=c.store, customer=c, scheduled_at=NOW + timedelta(hours=i - 1000), assigned_agent=agent if c.store == store and i % 3 == 0 else None) for i, c in enumerate(customers[:3000]))
    QueueEntry.objects.bulk_create(QueueEntry(store=(store, other_store)[i % 2], status=("waiting", "assigned", "completed", "abandoned")[i % 4], enqueued_at=NOW - timedelta(minutes=i), assigned_at=NOW - timedelta(minutes=i - 1), ended_at=NOW, assigned_agent=agent if i % 2 == 0 else None) for i in range(3000))
    users = User.objects.bulk_create(User(username=f"person-{i}", role=User.Role.AGENT, store=store) for i in range(2000))
    AgentProfile.objects.bulk_create(AgentProfile(user=u) for u in users)
    from voice.models import AIAgent

    AIAgent.objects.bulk_create(AIAgent(store=shop, name=f"Bot {i}", training_level=i % 100) for i, shop in enumerate(shops))


@pytest.mark.parametrize("who,limit", [("admin_user", ADMIN_QUERIES), ("owner", OWNER_QUERIES), ("agent", AGENT_QUERIES)])
def test_query_count_is_fixed_with_thousands_of_rows(request, business, who, limit, monkeypatch, django_assert_max_num_queries):
    # Off the hour: the spans have partial hours at their ends, counted from the calls.
    freeze_now(monkeypatch, NOW + timedelta(minutes=17, seconds=3))
    user = request.getfixturevalue(who)
    client = client_for(user)
    with django_assert_max_num_queries(limit):
        assert client.get(URL).status_code == 200
    request.getfixturevalue("thousands")

    with django_assert_max_num_queries(limit) as captured:
        response = client.get(URL)

    assert response.status_code == 200
    assert len(captured) <= limit


# --- docs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role,who", [("admin", "admin_user"), ("user", "owner"), ("agent", "agent")])
def test_swagger_examples_have_the_keys_the_view_answers_with(request, business, role, who):
    from dashboard.examples import EXAMPLES

    body = dashboard(request.getfixturevalue(who))
    example = EXAMPLES[role]

    assert set(example) == set(body) == COMMON | SECTIONS[role]
    for name, section in body.items():
        if isinstance(section, dict):
            assert set(example[name]) == set(section), name


def test_swagger_documents_each_roles_response(client):
    schema = client.get("/swagger.json").json()
    (operation,) = [ops["get"] for path, ops in schema["paths"].items() if path.rstrip("/").endswith("dashboard/comprehensive")]

    for heading in ("Platform admin", "Business owner", "Agent (role `agent`)"):
        assert heading in operation["description"]
    assert operation["responses"]["200"]["examples"]["application/json"]["dashboard_type"] == "admin_comprehensive"
    assert {p["name"] for p in operation["parameters"]} >= {"store", "role"}


# --- what the original dashboard's front end reads ---------------------------------------------------


def test_owner_subscription_health_flags_what_needs_doing(business, owner):
    health = dashboard(owner)["subscription_info"]["subscription_health"]

    # Pro: 87.5% of its minutes, 4 days left, a failed payment.
    assert health == {"is_active": True, "needs_attention": True, "upgrade_recommended": True, "billing_issues": True}


def test_a_healthy_subscription_needs_no_attention(business, other_owner):
    from dashboard.models import BillingRecord

    BillingRecord.objects.filter(store__slug="harbor-deli", status="failed").delete()

    health = dashboard(other_owner)["subscription_info"]["subscription_health"]

    assert health == {"is_active": True, "needs_attention": False, "upgrade_recommended": False, "billing_issues": False}


def test_no_subscription_is_unhealthy_but_nothing_to_upgrade(db, now):
    nina = User.objects.create_user("nina", password=None, role=User.Role.USER)
    Store.objects.create(name="Empty Shop", slug="empty-shop", owner=nina)

    health = dashboard(nina)["subscription_info"]["subscription_health"]

    assert health == {"is_active": False, "needs_attention": True, "upgrade_recommended": False, "billing_issues": False}


def test_owner_profile_and_recent_calls_carry_the_original_fields(business, owner):
    body = dashboard(owner)
    profile, recent = body["user_profile"], body["call_statistics"]["recent_calls"]

    assert subset(profile, {"user_name": 0, "phone": 0, "avatar": 0, "is_verified": 0}) == {"user_name": "olivia", "phone": None, "avatar": None, "is_verified": True}
    # The original front end lists each recent call's notes: the call's outcome.
    assert {call["call_id"]: call["notes"] for call in recent} == {call["call_id"]: call["outcome"] for call in recent}
    assert "converted" in [call["notes"] for call in recent]
