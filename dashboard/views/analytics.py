"""`/analytics/`: GET /api/calls/analytics's figures for 1, 7, 30 or 90 days, drawn by Chart.js (static/js/analytics.js).

Each figure stands beside the previous period's (the same length just before, up to the same point:
Today so far against yesterday until this time), with the conversion and unanswered-transfer rates;
a bar, point or slice opens the calls it counts (the call history with the matching filters)."""
from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from calls import queries
from calls.models import Call
from calls.queries import UNANSWERED_DIAL
from dashboard.spans import Span, call_counters, scoped
from dashboard.views.common import chosen_store, page, page_tz, staff_required
from store.tenancy import visible_store_ids

PERIOD_LABELS = {"1d": "Today", "7d": "7 days", "30d": "30 days", "90d": "90 days"}
PREVIOUS_LABELS = {"1d": "yesterday", "7d": "the 7 days before", "30d": "the 30 days before", "90d": "the 90 days before"}
COUNTERS = ("calls", "success", "failed", "missed", "converted", "final_calls", "final_duration")


def rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def figures(counts: dict[str, int], transfers: int, unanswered: int) -> dict[str, Any]:
    """The cards' figures of one period."""
    calls = counts["calls"]
    return {
        "calls": calls,
        "success_rate": rate(counts["success"], calls),
        "failure_rate": rate(counts["failed"], calls),
        "conversion_rate": rate(counts["converted"], calls),
        "average_duration": round(counts["final_duration"] / counts["final_calls"], 1) if counts["final_calls"] else 0.0,
        "missed": counts["missed"],
        "transfers": transfers,
        "unanswered_transfer_rate": rate(unanswered, transfers),
    }


def compared(store_ids: list[int] | None, period: str, tz: zoneinfo.ZoneInfo) -> tuple[dict[str, Any], dict[str, Any]]:
    """This period's figures and the previous one's: two queries on the hourly totals, one on the calls
    (transfers are in the calls' metadata, which no hourly total counts)."""
    now = timezone.now()
    first = now.astimezone(tz).date() - timedelta(days=queries.PERIODS[period] - 1)
    since = datetime.combine(first, time.min, tzinfo=tz)
    length = timedelta(days=queries.PERIODS[period])
    before = datetime.combine(first - length, time.min, tzinfo=tz)
    before_until = now - length  # the same point of the previous period
    counts = call_counters(store_ids, {"now": Span(since, None), "before": Span(before, before_until)}, COUNTERS)
    transferred = Q(metadata__has_key="transferTo")
    unanswered = transferred & Q(metadata__dialStatus__in=UNANSWERED_DIAL)
    now_q, before_q = Q(start_time__gte=since), Q(start_time__lt=before_until)
    moves = scoped(Call.objects.filter(start_time__gte=before), store_ids).aggregate(
        now_transfers=Count("id", filter=now_q & transferred),
        now_unanswered=Count("id", filter=now_q & unanswered),
        before_transfers=Count("id", filter=before_q & transferred),
        before_unanswered=Count("id", filter=before_q & unanswered),
    )
    return (
        figures(counts["now"], moves["now_transfers"], moves["now_unanswered"]),
        figures(counts["before"], moves["before_transfers"], moves["before_unanswered"]),
    )


# (label, key, unit, whether more is better): the cards, each beside the previous period's value.
CARDS = [
    ("Calls", "calls", "", None),
    ("Success rate", "success_rate", "%", True),
    ("Conversion rate", "conversion_rate", "%", True),
    ("Failure rate", "failure_rate", "%", False),
    ("Average duration", "average_duration", " s", None),
    ("Missed", "missed", "", False),
    ("Unanswered transfers", "unanswered_transfer_rate", "%", False),
]


def cards(now: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for label, key, unit, better_up in CARDS:
        value, previous = now[key], before[key]
        change = "same" if value == previous else ("up" if value > previous else "down")
        good = None if better_up is None or change == "same" else (change == "up") == better_up
        out.append({"label": label, "key": key, "value": value, "previous": previous, "unit": unit, "change": change, "good": good})
    return out


def links(data: dict[str, Any], period: str, tz_name: str) -> dict[str, Any]:
    """The call history's address for each bar, point and slice: the calls it counts."""
    days = [row["_id"] for row in data["dailyTrends"]]
    first, last = days[0], days[-1]

    def calls(**params: str) -> str:
        return "/calls/?" + urlencode({k: v for k, v in params.items() if v})

    by_status = {"count": "", "successful": "success", "failed": "failed", "missed": "missed"}
    out: dict[str, Any] = {
        "days": {key: [calls(startDate=day, endDate=day, status=status) for day in days] for key, status in by_status.items()},
        "languages": [calls(startDate=first, endDate=last, language=row["_id"]) for row in data["languageDistribution"]],
        "statuses": {row["_id"]: calls(startDate=first, endDate=last, status=row["_id"]) for row in data["statusDistribution"]},
        "hours": None,
    }
    if period == "1d":
        # Today by hour: each hour's bar opens that hour's calls (a date-time range in the store's zone).
        out["hours"] = [calls(startDate=f"{last}T{h:02d}:00:00", endDate=f"{last}T{h:02d}:59:59.999999") for h in range(24)]
    return out


@staff_required
def analytics(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    period = request.GET.get("period", "7d")
    if period not in queries.PERIODS:
        period = "7d"
    store_ids = [store.pk] if store else visible_store_ids(request.user)
    tz = page_tz(store)
    data = queries.call_analytics(store_ids, period, tz)
    now, before = compared(store_ids, period, tz)
    context = {
        "data": data,
        "totals": data["totalStats"],
        "period": period,
        "today": period == "1d",
        "previous_label": PREVIOUS_LABELS[period],
        "cards": cards(now, before),
        "links": links(data, period, str(tz)),
        "periods": [{"value": value, "label": label, "current": value == period} for value, label in PERIOD_LABELS.items()],
        "busiest_hour": max(data["hourlyDistribution"], key=lambda row: row["count"])["_id"] if data["totalStats"]["totalCalls"] else None,
        # The same figures as tables, for screen readers and anyone who prefers numbers ("_id" is not a template name).
        "daily_rows": [(r["_id"], r["count"], r["successful"], r["failed"], r["averageDuration"]) for r in data["dailyTrends"]],
        "hour_rows": [(f"{r['_id']:02d}:00", r["count"]) for r in data["hourlyDistribution"]],
        "language_rows": [(r["_id"], r["count"]) for r in data["languageDistribution"]],
        "status_rows": [(r["_id"], r["count"]) for r in data["statusDistribution"]],
    }
    return page(request, "dashboard/analytics.html", context, store=store)
