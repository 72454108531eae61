"""GET /api/calls/analytics?period=...: trends and distributions, hours and days in the store's time zone."""
from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from calls.models import Call
from tests.calls.factories import freeze_now, make_call, make_calls

UTC = dt_timezone.utc
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")
# 20 March 2025, noon in New York; daylight time began there on 9 March.
NOW = datetime(2025, 3, 20, 16, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours_of(starts: list[datetime], tz: zoneinfo.ZoneInfo) -> list[dict]:
    counts = [0] * 24
    for start in starts:
        counts[start.astimezone(tz).hour] += 1
    return [{"_id": hour, "count": counts[hour]} for hour in range(24)]


@pytest.fixture
def now(monkeypatch) -> datetime:
    return freeze_now(monkeypatch, NOW)


@pytest.mark.parametrize(("period", "days"), [("1d", 1), ("7d", 7), ("30d", 30), ("90d", 90)])
def test_every_period_has_exactly_its_days_ending_today(owner_api, store, now, period, days):
    make_call(store, "today", start_time=utc(2025, 3, 20, 13), status="success", duration=60)

    response = owner_api.get("/api/calls/analytics", {"period": period})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["period"] == period
    expected_days = [(date(2025, 3, 20) - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    assert [row["_id"] for row in data["dailyTrends"]] == expected_days
    assert data["dailyTrends"][-1] == {"_id": "2025-03-20", "count": 1, "successful": 1, "failed": 0, "missed": 0, "averageDuration": 60.0}
    assert sum(row["count"] for row in data["dailyTrends"]) == 1
    assert [row["_id"] for row in data["hourlyDistribution"]] == list(range(24))


def test_hours_are_counted_in_the_store_time_zone_across_daylight_time(owner_api, store, now):
    # 14:30 UTC is 9:30 in New York before 9 March (EST) and 10:30 after it (EDT).
    starts = [utc(2025, 3, 1, 14, 30), utc(2025, 3, 15, 14, 30), utc(2025, 3, 15, 14, 45), utc(2025, 3, 20, 3, 0)]
    make_calls(store, len(starts), starts=starts)

    response = owner_api.get("/api/calls/analytics", {"period": "30d"})

    assert response.status_code == 200
    hourly = response.json()["data"]["hourlyDistribution"]
    assert hourly == hours_of(starts, NEW_YORK)
    assert (hourly[9]["count"], hourly[10]["count"], hourly[23]["count"], hourly[14]["count"]) == (1, 2, 1, 0)
    days = {row["_id"]: row["count"] for row in response.json()["data"]["dailyTrends"] if row["count"]}
    assert days == {"2025-03-01": 1, "2025-03-15": 2, "2025-03-19": 1}  # 03:00 UTC on the 20th is the 19th in New York


def test_each_store_counts_hours_in_its_own_zone(other_owner_api, other_store, now):
    # London is on GMT in March (its daylight time starts on 30 March).
    starts = [utc(2025, 3, 18, 14, 30), utc(2025, 3, 18, 23, 59)]
    make_calls(other_store, len(starts), starts=starts)

    response = other_owner_api.get("/api/calls/analytics", {"period": "7d"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["timezone"] == "Europe/London"
    assert data["hourlyDistribution"] == hours_of(starts, LONDON)
    assert data["hourlyDistribution"][14]["count"] == 1


def test_period_starts_at_midnight_of_its_first_day_in_the_store_zone(owner_api, store, now):
    # 30d from 20 March: the first day is 19 February, which began at 05:00 UTC in New York (EST).
    make_call(store, "in-first", start_time=utc(2025, 2, 19, 5, 0))
    make_call(store, "too-early", start_time=utc(2025, 2, 19, 4, 59, 59))

    response = owner_api.get("/api/calls/analytics", {"period": "30d"})

    data = response.json()["data"]
    assert data["totalStats"]["totalCalls"] == 1
    assert data["dailyTrends"][0]["_id"] == "2025-02-19"
    assert data["dailyTrends"][0]["count"] == 1


def test_distributions_list_every_status_and_each_language(owner_api, store, now):
    make_calls(store, 6, statuses=("success", "success", "failed", "in-progress", "success", "missed"),
               languages=("en", "hi", "en", "mixed", "en", "hi"), start=utc(2025, 3, 19, 15), durations=(100, 200, 30, 0, 300, 0))  # fmt: skip
    make_call(store, "long-ago", start_time=utc(2024, 12, 1, 12), status="terminated", language="es")

    response = owner_api.get("/api/calls/analytics", {"period": "7d"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["statusDistribution"] == [
        {"_id": "queued", "count": 0},
        {"_id": "ringing", "count": 0},
        {"_id": "in-progress", "count": 1},
        {"_id": "success", "count": 3},
        {"_id": "failed", "count": 1},
        {"_id": "missed", "count": 1},
        {"_id": "terminated", "count": 0},
    ]
    assert data["languageDistribution"] == [{"_id": "en", "count": 3}, {"_id": "hi", "count": 2}, {"_id": "mixed", "count": 1}]
    assert data["totalStats"] == {
        "totalCalls": 6,
        "successfulCalls": 3,
        "failedCalls": 1,
        "missedCalls": 1,
        "terminatedCalls": 0,
        "activeCalls": 1,
        "averageDuration": 126.0,  # (100+200+30+300+0) / 5 ended calls
        "totalDuration": 630,
        "successRate": 50.0,
        "failureRate": 16.7,
    }


def test_analytics_of_no_calls_are_zeros_everywhere(owner_api, store, now):
    response = owner_api.get("/api/calls/analytics/", {"period": "1d"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"period", "timezone", "totalStats", "dailyTrends", "hourlyDistribution", "languageDistribution", "statusDistribution"}
    assert data["dailyTrends"] == [{"_id": "2025-03-20", "count": 0, "successful": 0, "failed": 0, "missed": 0, "averageDuration": 0}]
    assert data["hourlyDistribution"] == [{"_id": hour, "count": 0} for hour in range(24)]
    assert data["statusDistribution"] == [{"_id": status, "count": 0} for status in Call.Status.values]
    assert data["languageDistribution"] == []
    assert data["totalStats"]["totalCalls"] == 0


def test_period_defaults_to_7d(owner_api, store, now):
    make_call(store, "eight-days-ago", start_time=utc(2025, 3, 12, 16))
    make_call(store, "six-days-ago", start_time=utc(2025, 3, 14, 16))

    for params in ({}, {"period": ""}):
        response = owner_api.get("/api/calls/analytics", params)
        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["period"], len(data["dailyTrends"]), data["totalStats"]["totalCalls"]) == ("7d", 7, 1)


@pytest.mark.parametrize("period", ["2d", "7", "1w", "7D", "365d"])
def test_bad_period_is_400_naming_period(owner_api, store, period):
    response = owner_api.get("/api/calls/analytics", {"period": period})

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "validation_error",
        "message": "period: Use one of 1d, 7d, 30d, 90d.",
        "fields": {"period": ["Use one of 1d, 7d, 30d, 90d."]},
    }


def test_admin_reads_a_store_analytics_in_its_zone_and_all_stores_in_utc(admin_api, store, other_store, now):
    make_call(store, "ny", start_time=utc(2025, 3, 19, 14, 30), language="en")
    make_call(other_store, "london", start_time=utc(2025, 3, 19, 14, 30), language="fr")

    one = admin_api.get("/api/calls/analytics", {"period": "7d", "store": "main-street"}).json()["data"]
    every = admin_api.get("/api/calls/analytics", {"period": "7d"}).json()["data"]

    assert (one["timezone"], one["totalStats"]["totalCalls"], one["languageDistribution"]) == ("America/New_York", 1, [{"_id": "en", "count": 1}])
    assert one["hourlyDistribution"][10]["count"] == 1
    assert (every["timezone"], every["totalStats"]["totalCalls"]) == ("UTC", 2)
    assert every["hourlyDistribution"][14]["count"] == 2


def test_analytics_are_for_staff_only(api, bot_api, store):
    assert api.get("/api/calls/analytics").status_code == 401
    response = bot_api.get("/api/calls/analytics", {"period": "7d"})
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
