"""The dashboard's alerts: each from a real condition, with a severity, a message and a link to act on it."""
from __future__ import annotations

from typing import Any

from store.models import Store
from voice.models import AIAgent

# Errors first, then warnings, then information.
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def alert(key: str, severity: str, title: str, message: str, url: str, *, count: int | None = None, action: str = "View", store: str | None = None) -> dict[str, Any]:
    return {
        "id": key,
        "type": severity,  # the seed's name for it
        "severity": severity,
        "title": title,
        "message": message,
        "count": count,
        "action_text": action,
        "action_url": url,
        "store": store,
    }


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def callback_alerts(callbacks: dict[str, Any], url: str) -> list[dict[str, Any]]:
    overdue = callbacks["overdue_callbacks"]
    if not overdue:
        return []
    return [alert("overdue_callbacks", "error", "Overdue Callbacks", f"{plural(overdue, 'callback is', 'callbacks are')} overdue.", url, count=overdue, action="View Callbacks")]


def wait_alerts(long_waits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        alert(
            "long_queue_wait",
            "error",
            "Callers Waiting Too Long",
            f"{plural(row['waiting_over_service_level'], 'caller has', 'callers have')} waited longer than {row['service_level_seconds']} s "
            f"at {row['store_name']} (longest {row['longest_wait_seconds']} s).",
            f"/api/queue?status=waiting&store={row['store']}",
            count=row["waiting_over_service_level"],
            action="Open Queue",
            store=row["store"],
        )
        for row in long_waits
    ]


def subscription_alerts(subscriptions: list[dict[str, Any]], stores: list[Store]) -> list[dict[str, Any]]:
    """No subscription, expiring within 7 days, usage past 80% and 100%, a payment overdue."""
    out = []
    covered = {sub["store"] for sub in subscriptions if sub["is_active"]}
    for store in stores:
        if store.slug not in covered:
            out.append(alert("no_subscription", "warning", "No Subscription", f"{store.name} has no active subscription: choose a plan to keep its line answered.", "/api/plans", action="Choose Plan", store=store.slug))
    for sub in subscriptions:
        if not sub["is_active"]:
            continue
        days, usage = sub["days_remaining"], sub["usage_details"]["usage_percentage"]
        if days <= 7:
            ending = "ends" if sub["time_details"]["cancel_at_period_end"] else "expires"
            out.append(alert("subscription_expiring", "warning", "Subscription Expiring", f"The {sub['package_name']} subscription of {sub['store_name']} {ending} in {plural(days, 'day')}.", f"/api/subscriptions/{sub['id']}", count=days, action="Renew", store=sub["store"]))
        if usage >= 100:
            out.append(alert("usage_exceeded", "error", "Call Minutes Used Up", f"{sub['store_name']} has used {usage}% of its {sub['usage_details']['minutes_limit']} minutes this period.", "/api/plans", count=sub["usage_details"]["minutes_used"], action="Upgrade", store=sub["store"]))
        elif usage >= 80:
            out.append(alert("usage_high", "warning", "Call Minutes Running Low", f"{sub['store_name']} has used {usage}% of its {sub['usage_details']['minutes_limit']} minutes this period.", "/api/plans", count=sub["usage_details"]["minutes_used"], action="Upgrade", store=sub["store"]))
        if sub["status"] == "past_due":
            out.append(alert("payment_past_due", "error", "Payment Past Due", f"The subscription of {sub['store_name']} is past due.", "/api/billing?status=failed", action="View Billing", store=sub["store"]))
    return out


def ai_agent_alerts(agents: list[dict[str, Any]], stores: list[Store]) -> list[dict[str, Any]]:
    out = []
    with_agents = {agent["store"] for agent in agents}
    for store in stores:
        if store.slug not in with_agents:
            out.append(alert("no_ai_agent", "info", "Create AI Agent", f"{store.name} has no AI agent yet: set one up to answer its calls.", "/api/ai-agents", action="Create Agent", store=store.slug))
    for agent in agents:
        if agent["training_level"] < AIAgent.READY_TRAINING_LEVEL:
            out.append(alert("agent_training_incomplete", "warning", "Agent Training Incomplete", f"{agent['name']} is {agent['training_level']}% trained ({AIAgent.READY_TRAINING_LEVEL}% needed for calls).", f"/api/ai-agents/{agent['id']}", count=agent["training_level"], action="Continue Training", store=agent["store"]))
    return out


def admin_alerts(billing, subscriptions, agent_summary, callbacks, long_waits) -> list[dict[str, Any]]:
    out = []
    if billing["failed_payments"]:
        n = billing["failed_payments"]
        out.append(alert("failed_payments", "error", "Failed Payments", f"{plural(n, 'payment')} failed. Immediate attention required.", "/api/billing?status=failed", count=n, action="View Payments"))
    out += callback_alerts(callbacks, "/api/callbacks?overdue=true")
    if subscriptions["expiring_soon"]:
        n = subscriptions["expiring_soon"]
        out.append(alert("subscriptions_expiring", "warning", "Subscriptions Expiring", f"{plural(n, 'subscription')} end within 7 days.", "/api/subscriptions?expiring_within_days=7", count=n, action="View Subscriptions"))
    if agent_summary["agents_training_incomplete"]:
        n = agent_summary["agents_training_incomplete"]
        out.append(alert("agents_need_training", "info", "Agents Need Training", f"{plural(n, 'AI agent is', 'AI agents are')} below {AIAgent.READY_TRAINING_LEVEL}% training.", "/api/ai-agents?training=incomplete", count=n, action="View Agents"))
    return out + wait_alerts(long_waits)


def payment_alerts(billing: dict[str, Any]) -> list[dict[str, Any]]:
    """An owner's failed charges."""
    n = billing["failed_payments"]
    if not n:
        return []
    return [alert("failed_payments", "error", "Payment Failed", f"{plural(n, 'payment')} failed: update your payment details.", "/api/billing?status=failed", count=n, action="View Billing")]
