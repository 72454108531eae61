"""`/`: today's calls at a glance, the role's own figures, alerts, quick actions and the latest calls."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from calls import queries
from calls.models import Call
from dashboard.comprehensive import comprehensive_dashboard
from dashboard.views.common import chosen_store, page, page_tz, staff_required

# The comprehensive dashboard links its actions to the API; these have a page of their own.
PAGE_FOR_API = (
    ("/api/calls/active", "/live/"),
    ("/api/calls/outbound", "/live/#start-call"),
    ("/api/calls", "/calls/"),
    ("/api/users/profile", "/settings/profile/"),
    ("/api/users", "/settings/users/"),
    ("/api/callbacks", "/callbacks/"),
    ("/api/customers", "/customers/"),
    ("/api/queue", "/live/#queue"),
    ("/api/agent-profiles", "/live/#agents"),
    ("/api/ai-agents", "/agents/"),
    ("/api/plans", "/billing/#plans"),
    ("/api/subscriptions", "/billing/"),
    ("/api/billing", "/billing/"),
)
# The API filters a page understands too, carried over from the API link (?overdue=true&assigned=me ...).
PAGE_FILTERS = {"/callbacks/": ("status", "priority", "overdue", "assigned"), "/agents/": ("training",), "/customers/": ("interest_level", "do_not_call")}
# The role's own figures worth a card, in order, with their labels (the first four cards are the same for everyone).
ROLE_FIGURES = {
    "admin": [("total_users", "Users"), ("active_subscriptions", "Active subscriptions"), ("revenue_this_month", "Revenue this month")],
    "user": [("total_customers", "Customers"), ("hot_leads", "Hot leads"), ("scheduled_callbacks", "Scheduled callbacks"), ("overdue_callbacks", "Overdue callbacks"), ("minutes_used", "Minutes used"), ("days_remaining", "Days left in plan")],
    "agent": [("calls_this_week", "My calls this week"), ("my_queue", "My queue"), ("total_queue", "Waiting in queue"), ("scheduled_callbacks", "My callbacks"), ("overdue_callbacks", "Overdue callbacks")],
}
ROLE_OF_TYPE = {"admin_comprehensive": "admin", "user_comprehensive": "user", "agent_comprehensive": "agent"}


def page_url(url: str) -> str | None:
    """A page for an API link (a row's link, /api/ai-agents/7, opens its list); other API links open the browsable API."""
    path, _, query = url.partition("?")
    path = path.rstrip("/")
    for api, target in PAGE_FOR_API:
        if path == api or (path.startswith(api + "/") and path[len(api) + 1 :].isdigit()):
            if target is None:
                return None
            kept = {k: v for k, v in parse_qsl(query) if k in PAGE_FILTERS.get(target, ())}
            return f"{target}?{urlencode(kept)}" if kept else target
    return url


def today_cards(calls, tz) -> dict[str, Any]:
    """Calls today, live now, today's success rate and average duration (two indexed queries)."""
    start = datetime.combine(timezone.now().astimezone(tz).date(), time.min, tzinfo=tz)
    totals = queries.call_totals(calls.filter(start_time__gte=start))
    return {
        "calls_today": totals["totalCalls"],
        "live_now": calls.live().count(),
        "success_rate": totals["successRate"],
        "average_duration": totals["averageDuration"],
    }


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    calls = Call.objects.for_user(request.user)
    if store is not None:
        calls = calls.filter(store=store)
    board = comprehensive_dashboard(request.user, store_slug=store.slug if store else None, now=timezone.now())
    role = ROLE_OF_TYPE[board["dashboard_type"]]
    summary = board["summary_stats"]
    actions = [{**action, "url": page_url(action["url"])} for action in board["quick_actions"] if action["method"] == "GET"]
    alerts = [{**alert, "action_url": page_url(alert["action_url"])} for alert in board["alerts"]]
    context = {
        "cards": today_cards(calls, page_tz(store)),
        "figures": [(label, summary.get(key)) for key, label in ROLE_FIGURES[role] if key in summary],
        "alerts": alerts,
        "actions": [action for action in actions if action["url"]],
        "recent": queries.with_summaries(list(calls.select_related("store").order_by("-start_time", "-id")[:8])),
        "board": board,
    }
    return page(request, "dashboard/overview.html", context, store=store)
