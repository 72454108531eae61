"""GET /api/dashboard/comprehensive/: each role's sections, alerts, quick actions and trends, from dashboard.queries.

The role always comes from the signed-in user, never from the request; an owner's figures cover
their stores, an agent's their own work and their store's queue, an admin's the whole platform.
"""
from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings

from callcenter.models import User
from callcenter.permissions import role_of
from dashboard import queries
from dashboard.alerts import (
    SEVERITY_ORDER,
    admin_alerts,
    ai_agent_alerts,
    alert,
    callback_alerts,
    payment_alerts,
    subscription_alerts,
    wait_alerts,
)
from dashboard.queries import Windows
from store.models import Store
from store.tenancy import pick_store, visible_stores

def comprehensive_dashboard(user: User, *, store_slug: str | None, now: datetime) -> dict[str, Any]:
    """The whole dashboard for the user's own role (a `?role=` never changes it)."""
    role = role_of(user)
    stores = scope_stores(user, store_slug)
    if role == "admin":
        body = admin_dashboard(user, stores, now)
    elif role == "agent":
        body = agent_dashboard(user, stores, now)
    else:
        body = owner_dashboard(user, stores or [], now)
    body["alerts"].sort(key=lambda alert: SEVERITY_ORDER[alert["severity"]])
    body["generated_at"] = now.isoformat()
    body["data_freshness"] = "real_time"
    return body


def scope_stores(user: User, store_slug: str | None) -> list[Store] | None:
    """The stores whose figures the user sees (None: every store, for an admin who names none); `?store=` narrows it."""
    if store_slug:
        return [pick_store(user, store_slug)]  # 404 for a store the user may not see
    if role_of(user) == "admin":
        return None
    return list(visible_stores(user).order_by("name", "id"))


def _ids(stores: list[Store] | None) -> list[int] | None:
    return None if stores is None else [store.pk for store in stores]


def _tz(stores: list[Store] | None) -> zoneinfo.ZoneInfo:
    """Days, weeks and months in the store's zone when there is one store in view, else the platform's."""
    return stores[0].tzinfo if stores and len(stores) == 1 else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def trend(current: float, previous: float) -> dict[str, Any]:
    """Up, down or stable (equal) against the previous span, with the change in percent (100 from nothing)."""
    change = round(100 * (current - previous) / previous, 1) if previous else (100.0 if current else 0.0)
    return {
        "current": current,
        "previous": previous,
        "change_percentage": change,
        "trend": "up" if current > previous else "down" if current < previous else "stable",
    }


def growth(figures: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The seed's {today, week, month, trend} for `<prefix>_today`, `_this_week`, ... with both comparisons."""
    week = trend(figures[f"{prefix}_this_week"], figures[f"{prefix}_previous_week"])
    month = trend(figures[f"{prefix}_this_month"], figures[f"{prefix}_previous_month"])
    return {
        "today": figures[f"{prefix}_today"],
        "week": figures[f"{prefix}_this_week"],
        "previous_week": figures[f"{prefix}_previous_week"],
        "month": figures[f"{prefix}_this_month"],
        "previous_month": figures[f"{prefix}_previous_month"],
        "week_over_week": week,
        "month_over_month": month,
        "trend": week["trend"],
    }


def action(key: str, title: str, description: str, url: str, *, icon: str, color: str, count: int | None = None, enabled: bool = True, method: str = "GET") -> dict[str, Any]:
    return {"id": key, "title": title, "description": description, "icon": icon, "count": count, "enabled": enabled, "url": url, "method": method, "color": color}


# --- admin --------------------------------------------------------------------------------------


def admin_dashboard(user: User, stores: list[Store] | None, now: datetime) -> dict[str, Any]:
    ids = _ids(stores)
    windows = Windows.at(now, _tz(stores))
    users = queries.user_metrics(windows)
    subscriptions = queries.subscription_metrics(ids, windows)
    billing = queries.billing_metrics(ids, windows)
    calls = queries.call_metrics(ids, windows)
    queue = queries.queue_metrics(ids, windows)
    agents = queries.ai_agents(ids)
    agent_summary = queries.ai_agent_summary(agents)
    customers = queries.customer_metrics(ids, windows)
    callbacks = queries.callback_metrics(ids, windows)
    long_waits = queries.long_waits(ids, now)
    alerts = admin_alerts(billing, subscriptions, agent_summary, callbacks, long_waits)
    return {
        "dashboard_type": "admin_comprehensive",
        "user_info": {"id": str(user.pk), "username": user.username, "email": user.email, "role": "admin", "full_name": user.get_full_name()},
        "summary_stats": {
            **{key: users[key] for key in ("total_users", "active_users", "new_users_today", "new_users_this_week", "new_users_this_month")},
            "active_subscriptions": subscriptions["active_subscriptions"],
            "revenue_this_month": billing["revenue_this_month"],
            "active_calls": calls["active_calls"],
            "calls_today": calls["calls_today"],
        },
        "subscription_metrics": {**subscriptions, "subscription_by_plans": queries.subscriptions_by_plan(ids)},
        "billing_revenue": billing,
        "call_statistics": {**calls, "queued_calls": queue["total_queue"]},
        "ai_agent_metrics": agent_summary,
        "customer_management": customers,
        "callback_management": callbacks,
        "quick_actions": admin_actions(users, subscriptions, billing, calls, agent_summary),
        "recent_activities": {
            "new_users": queries.recent_users(),
            "new_subscriptions": queries.recent_subscriptions(),
            "recent_calls": queries.recent_calls(ids),
        },
        "alerts": alerts,
        "performance_trends": {
            "user_growth": growth(users, "new_users"),
            "revenue_growth": growth(billing, "revenue"),
            "call_volume": growth(calls, "calls"),
            "subscription_growth": growth(subscriptions, "new_subscriptions"),
            "customer_growth": growth(customers, "new_customers"),
        },
    }


def admin_actions(users, subscriptions, billing, calls, agent_summary) -> list[dict[str, Any]]:
    return [
        action("view_all_users", "View All Users", "Manage system users", "/api/users", icon="users", color="primary", count=users["total_users"]),
        action("manage_subscriptions", "Manage Subscriptions", "View and change subscriptions", "/api/subscriptions", icon="credit-card", color="success", count=subscriptions["active_subscriptions"]),
        action("manage_plans", "Subscription Plans", "Prices, minutes and features", "/api/plans", icon="layers", color="secondary"),
        action("view_agents", "AI Agents", "Manage AI agents", "/api/ai-agents", icon="bot", color="info", count=agent_summary["active_agents"]),
        action("call_monitoring", "Call Monitoring", "Monitor live calls", "/api/calls/active", icon="phone", color="warning", count=calls["active_calls"]),
        action("billing_management", "Billing Management", "Handle payments and billing", "/api/billing?status=pending", icon="dollar-sign", color="danger" if billing["pending_payments"] else "secondary", count=billing["pending_payments"]),
        action("customers", "Customers", "Every store's customers", "/api/customers", icon="user-check", color="info"),
        action("callbacks", "Scheduled Callbacks", "Every store's callbacks", "/api/callbacks", icon="calendar", color="warning"),
        action("system_settings", "System Settings", "Django admin", "/admin/", icon="settings", color="dark"),
    ]


# --- owner --------------------------------------------------------------------------------------


def owner_dashboard(user: User, stores: list[Store], now: datetime) -> dict[str, Any]:
    ids = _ids(stores)
    windows = Windows.at(now, _tz(stores))
    subscriptions = queries.store_subscriptions(ids, now)
    agents = queries.ai_agents(ids)
    calls = queries.call_metrics(ids, windows)
    customers = queries.customer_metrics(ids, windows)
    callbacks = queries.callback_metrics(ids, windows)
    billing = queries.billing_metrics(ids, windows)
    long_waits = queries.long_waits(ids, now)
    primary = _primary(subscriptions)
    subscription_info = {**primary, "subscriptions": subscriptions} if primary else no_subscription(subscriptions)
    subscription_info["subscription_health"] = subscription_health(primary, billing)
    agent_info = ai_agent_info(agents)
    alerts = subscription_alerts(subscriptions, stores) + ai_agent_alerts(agents, stores) + payment_alerts(billing)
    alerts += callback_alerts(callbacks, "/api/callbacks?overdue=true") + wait_alerts(long_waits)
    call_statistics = {
        **{key: calls[key] for key in OWNER_CALL_KEYS},
        "recent_calls": queries.recent_calls(ids),
    }
    callback_management = {**callbacks, "upcoming_callbacks": queries.upcoming_callbacks(ids, now)}
    usage = primary["usage_details"] if primary else {}
    return {
        "dashboard_type": "user_comprehensive",
        "user_profile": user_profile(user, stores),
        "summary_stats": {
            "total_calls": calls["total_calls"],
            "calls_today": calls["calls_today"],
            "active_calls": calls["active_calls"],
            "success_rate": calls["success_rate"],
            "total_customers": customers["total_customers"],
            "hot_leads": customers["hot_leads"],
            "scheduled_callbacks": callbacks["scheduled_callbacks"],
            "overdue_callbacks": callbacks["overdue_callbacks"],
            "minutes_used": usage.get("minutes_used", 0),
            "usage_percentage": usage.get("usage_percentage", 0.0),
            "days_remaining": primary["days_remaining"] if primary else 0,
        },
        "subscription_info": subscription_info,
        "ai_agent_info": agent_info,
        "call_statistics": call_statistics,
        "customer_management": customers,
        "callback_management": callback_management,
        "billing_info": billing_info(primary, billing, ids),
        "quick_actions": owner_actions(agent_info, customers, callbacks, calls, primary),
        "alerts": alerts,
        "performance_trends": {
            "call_volume": growth(calls, "calls"),
            "successful_calls": growth(calls, "successful"),
            "conversions": growth(calls, "converted"),
            "new_customers": growth(customers, "new_customers"),
        },
        "dashboard_summary": {
            "account_status": primary["status"] if primary else "no_subscription",
            "subscription_active": bool(primary and primary["is_active"]),
            "agent_ready": agent_info["is_ready_for_calls"],
            "total_calls": calls["total_calls"],
            "inbound_calls": calls["inbound_calls"],
            "outbound_calls": calls["outbound_calls"],
            "calls_today": calls["calls_today"],
            "success_rate": calls["success_rate"],
            "conversion_rate": calls["conversion_rate"],
            "package_name": primary["package_name"] if primary else None,
            "days_remaining": primary["days_remaining"] if primary else 0,
            "usage_percentage": usage.get("usage_percentage", 0.0),
            "minutes_remaining": usage.get("minutes_remaining"),
            "pending_callbacks": callbacks["scheduled_callbacks"],
            "overdue_callbacks": callbacks["overdue_callbacks"],
            "needs_attention": bool(alerts),
        },
    }


OWNER_CALL_KEYS = (
    "total_calls", "inbound_calls", "outbound_calls", "calls_today", "calls_this_week", "calls_previous_week",
    "calls_this_month", "calls_previous_month", "successful_calls", "failed_calls", "missed_calls", "terminated_calls",
    "active_calls", "converted_calls", "success_rate", "conversion_rate", "satisfaction_rate", "total_duration",
    "average_duration", "calls_by_status", "call_breakdown",
)  # fmt: skip


def _primary(subscriptions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The subscription the summary speaks of: the live one ending soonest, else the latest."""
    live = [sub for sub in subscriptions if sub["is_active"]]
    if live:
        return min(live, key=lambda sub: sub["time_details"]["current_period_end"])
    return subscriptions[0] if subscriptions else None


def no_subscription(subscriptions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "status": "no_subscription",
        "is_active": False,
        "message": "Please select a subscription package to continue",
        "package_selection_required": True,
        "available_packages_url": "/api/plans",
        "days_remaining": 0,
        "usage_details": {"minutes_used": 0, "minutes_limit": 0, "minutes_remaining": None, "usage_percentage": 0.0, "overage": 0, "usage_status": "normal"},
        "subscriptions": subscriptions,
    }


def subscription_health(primary: dict[str, Any] | None, billing: dict[str, Any]) -> dict[str, bool]:
    """The seed's four flags the original dashboard colours its subscription card by."""
    is_active = bool(primary and primary["is_active"])
    usage = primary["usage_details"]["usage_percentage"] if primary else 0.0
    billing_issues = billing["failed_payments"] > 0 or bool(primary and primary["status"] == "past_due")
    expiring = is_active and primary["days_remaining"] <= 7
    upgrade = is_active and usage >= 80
    return {
        "is_active": is_active,
        "needs_attention": not is_active or expiring or upgrade or billing_issues,
        "upgrade_recommended": upgrade,
        "billing_issues": billing_issues,
    }


def ai_agent_info(agents: list[dict[str, Any]]) -> dict[str, Any]:
    """The seed's single-agent block (the first agent) plus every agent of the owner's stores."""
    if not agents:
        return {"status": "no_agent", "message": "No AI agent created yet", "setup_required": True, "is_ready_for_calls": False, "training_level": 0, "total_agents": 0, "agents": []}
    return {**agents[0], "setup_required": False, "total_agents": len(agents), "is_ready_for_calls": any(a["is_ready_for_calls"] for a in agents), "agents": agents}


def user_profile(user: User, stores: list[Store]) -> dict[str, Any]:
    return {
        "id": str(user.pk),
        "username": user.username,
        "user_name": user.username,  # the original dashboard's name for it
        "email": user.email,
        "full_name": user.get_full_name(),
        # People have no phone or picture here; there is no self sign-up: an admin or an owner made
        # every account, so an active one is verified.
        "phone": None,
        "avatar": None,
        "is_verified": user.is_active,
        "role": user.role,
        "date_joined": user.date_joined.isoformat(),
        "account_status": "active" if user.is_active else "inactive",
        "stores": [{"slug": store.slug, "name": store.name, "timezone": store.timezone} for store in stores],
    }


def billing_info(primary: dict[str, Any] | None, billing: dict[str, Any], ids: list[int]) -> dict[str, Any]:
    renews = bool(primary and primary["is_active"] and not primary["time_details"]["cancel_at_period_end"])
    return {
        "next_billing_date": primary["time_details"]["current_period_end"] if renews else None,
        "next_amount": primary["monthly_price"] if renews else 0.0,
        "total_spent": billing["total_revenue"],
        "spent_this_month": billing["revenue_this_month"],
        "pending_payments": billing["pending_payments"],
        "failed_payments": billing["failed_payments"],
        "recent_payments": queries.recent_billing(ids),
        "message": None if primary else "No active subscription for billing",
    }


def owner_actions(agent_info, customers, callbacks, calls, primary) -> list[dict[str, Any]]:
    has_agent = bool(agent_info["agents"])
    return [
        action("manage_agent" if has_agent else "create_agent", "Manage AI Agent" if has_agent else "Create AI Agent",
               "Configure your AI agent" if has_agent else "Set up your AI assistant", "/api/ai-agents",
               icon="bot" if has_agent else "plus", color="primary", method="GET" if has_agent else "POST"),
        action("start_call", "Start Call", "Place an outbound call with your AI agent", "/api/calls/outbound", icon="phone",
               color="success", enabled=agent_info["is_ready_for_calls"], method="POST"),
        action("view_customers", "Customer Profiles", "Manage your customers", "/api/customers", icon="users", color="info", count=customers["total_customers"]),
        action("manage_callbacks", "Scheduled Callbacks", "View scheduled calls", "/api/callbacks", icon="calendar", color="warning", count=callbacks["scheduled_callbacks"]),
        action("call_history", "Call History", "Every call with its transcript", "/api/calls", icon="history", color="secondary", count=calls["total_calls"]),
        action("subscription_management", "Subscription & Packages", "Your subscription and the plans", "/api/subscriptions" if primary else "/api/plans", icon="credit-card", color="secondary"),
        action("billing", "Billing History", "Your payments", "/api/billing", icon="dollar-sign", color="secondary"),
        action("account_settings", "Account Settings", "Update your profile", "/api/users/profile", icon="settings", color="dark"),
    ]  # fmt: skip


# --- agent --------------------------------------------------------------------------------------


def agent_dashboard(user: User, stores: list[Store] | None, now: datetime) -> dict[str, Any]:
    stores = stores or []
    ids = _ids(stores)
    windows = Windows.at(now, _tz(stores))
    profile = queries.agent_profile(user)
    performance = queries.agent_performance(user, windows)
    callbacks = queries.callback_metrics(ids, windows, agent=user)
    queue = queries.queue_metrics(ids, windows, agent=user)
    long_waits = queries.long_waits(ids, now)
    queue["waiting_over_service_level"] = sum(row["waiting_over_service_level"] for row in long_waits)
    queue["service_level_seconds"] = long_waits[0]["service_level_seconds"] if long_waits else None
    status = profile.status if profile else "offline"
    alerts = callback_alerts(callbacks, "/api/callbacks?overdue=true&assigned=me") + wait_alerts(long_waits)
    if profile is None:
        alerts.append(alert("no_agent_profile", "info", "No Agent Profile", "Ask your store's owner to set up your agent profile.", "/api/agent-profiles", action="View"))
    store = stores[0] if stores else None
    return {
        "dashboard_type": "agent_comprehensive",
        "agent_info": {
            "id": str(profile.pk) if profile else None,
            "user_id": str(user.pk),
            "username": user.username,
            "user_email": user.email,
            "full_name": user.get_full_name(),
            "status": status,
            "employee_id": profile.employee_id if profile else "",
            "store": {"slug": store.slug, "name": store.name} if store else None,
        },
        "summary_stats": {
            "calls_today": performance["calls_today"],
            "calls_this_week": performance["calls_this_week"],
            "success_rate": performance["success_rate"],
            "my_queue": queue["my_queue"],
            "total_queue": queue["total_queue"],
            "scheduled_callbacks": callbacks["scheduled_callbacks"],
            "overdue_callbacks": callbacks["overdue_callbacks"],
        },
        "performance_metrics": {
            "agent_status": status,
            **performance,
            "callbacks": {**callbacks, "upcoming_callbacks": queries.upcoming_callbacks(ids, now, agent=user)},
        },
        "queue_information": queue,
        "quick_actions": agent_actions(queue, performance, callbacks, profile),
        "alerts": alerts,
        "performance_trends": {"calls_handled": growth(performance, "calls")},
    }


def agent_actions(queue, performance, callbacks, profile) -> list[dict[str, Any]]:
    return [
        action("answer_call", "Answer Queue", "Take the next waiting caller", "/api/queue?status=waiting", icon="phone-incoming", color="success", count=queue["total_queue"], enabled=queue["total_queue"] > 0),
        action("my_callbacks", "My Callbacks", "Callbacks assigned to you", "/api/callbacks?assigned=me", icon="calendar", color="warning", count=callbacks["scheduled_callbacks"]),
        action("live_calls", "Live Calls", "Calls in progress in your store", "/api/calls/active", icon="phone", color="info"),
        action("call_history", "Call History", "Your store's calls", "/api/calls", icon="history", color="info", count=performance["calls_today"]),
        action("set_status", "My Status", "Available, busy, on a break", f"/api/agent-profiles/{profile.pk}" if profile else "/api/agent-profiles", icon="toggle-right", color="primary", enabled=profile is not None, method="PATCH"),
    ]
