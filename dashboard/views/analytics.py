"""`/analytics/`: GET /api/calls/analytics's figures for 1, 7, 30 or 90 days, drawn by Chart.js (static/js/analytics.js)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from calls import queries
from dashboard.views.common import chosen_store, page, page_tz, staff_required
from store.tenancy import visible_store_ids

PERIOD_LABELS = {"1d": "Today", "7d": "7 days", "30d": "30 days", "90d": "90 days"}


@staff_required
def analytics(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    period = request.GET.get("period", "7d")
    if period not in queries.PERIODS:
        period = "7d"
    data = queries.call_analytics([store.pk] if store else visible_store_ids(request.user), period, page_tz(store))
    context = {
        "data": data,
        "totals": data["totalStats"],
        "period": period,
        "periods": [{"value": value, "label": label, "current": value == period} for value, label in PERIOD_LABELS.items()],
        "busiest_hour": max(data["hourlyDistribution"], key=lambda row: row["count"])["_id"] if data["totalStats"]["totalCalls"] else None,
        # The same figures as tables, for screen readers and anyone who prefers numbers ("_id" is not a template name).
        "daily_rows": [(r["_id"], r["count"], r["successful"], r["failed"], r["averageDuration"]) for r in data["dailyTrends"]],
        "language_rows": [(r["_id"], r["count"]) for r in data["languageDistribution"]],
        "status_rows": [(r["_id"], r["count"]) for r in data["statusDistribution"]],
    }
    return page(request, "dashboard/analytics.html", context, store=store)
