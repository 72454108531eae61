"""GET /api/calls/stats: totals over a range and a daily trend, days in the store's time zone."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from tests.calls.factories import freeze_now, make_call

UTC = dt_timezone.utc
NOW = datetime(2025, 6, 20, 16, 0, tzinfo=UTC)  # 20 June, noon in New York


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def day(_id: str, count: int = 0, successful: int = 0, failed: int = 0, missed: int = 0, average: float = 0.0) -> dict:
    return {"_id": _id, "count": count, "successful": successful, "failed": failed, "missed": missed, "averageDuration": average}


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


@pytest.fixture
def now(monkeypatch) -> datetime:
    return freeze_now(monkeypatch, NOW)


@pytest.fixture
def mix(store, now) -> None:
    """Ten calls from 8 to 10 June (New York), one just before and one just after."""
    rows = [
        # (callId, UTC start, status, duration); New York is UTC-4 in June
        ("jun08-a", utc(2025, 6, 8, 14), "success", 60),
        ("jun08-b", utc(2025, 6, 8, 15), "success", 120),
        ("jun10-a", utc(2025, 6, 10, 14), "success", 180),
        ("jun10-late", utc(2025, 6, 11, 3, 30), "success", 240),  # 23:30 on 10 June in New York
        ("jun10-b", utc(2025, 6, 10, 15), "failed", 30),
        ("jun10-c", utc(2025, 6, 10, 16), "failed", 30),
        ("jun10-d", utc(2025, 6, 10, 17), "missed", 10),
        ("jun10-e", utc(2025, 6, 10, 18), "terminated", 90),
        ("jun10-f", utc(2025, 6, 10, 19), "in-progress", 0),
        ("jun10-g", utc(2025, 6, 10, 20), "ringing", 0),
        ("jun07-late", utc(2025, 6, 8, 3), "success", 999),  # 23:00 on 7 June in New York
        ("jun13-early", utc(2025, 6, 13, 4, 30), "failed", 500),  # 00:30 on 13 June in New York
    ]
    for call_id, start, status, duration in rows:
        make_call(store, call_id, start_time=start, status=status, duration=duration,
                  end_time=None if status in ("in-progress", "ringing") else start + timedelta(seconds=duration))  # fmt: skip


def test_stats_totals_and_daily_trend_of_a_known_mix(owner_api, mix):
    response = owner_api.get("/api/calls/stats", {"startDate": "2025-06-08", "endDate": "2025-06-12"})

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {
            "totalCalls": 10,
            "successfulCalls": 4,
            "failedCalls": 2,
            "missedCalls": 1,
            "terminatedCalls": 1,
            "activeCalls": 2,
            # ended calls only: (60+120+180+240+30+30+10+90) / 8
            "averageDuration": 95.0,
            "totalDuration": 760,
            "successRate": 40.0,
            "failureRate": 20.0,
            "dailyTrends": [
                day("2025-06-08", count=2, successful=2, average=90.0),
                day("2025-06-09"),
                # (180+240+30+30+10+90) / 6 ended calls
                day("2025-06-10", count=8, successful=2, failed=2, missed=1, average=96.7),
                day("2025-06-11"),
                day("2025-06-12"),
            ],
        },
    }


def test_stats_without_a_range_total_every_call_and_trend_the_last_30_days(owner_api, mix):
    response = owner_api.get("/api/calls/stats/")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["totalCalls"], data["successfulCalls"], data["failedCalls"], data["activeCalls"]) == (12, 5, 3, 2)
    assert [row["_id"] for row in data["dailyTrends"]] == days(date(2025, 5, 22), date(2025, 6, 20))
    counts = {row["_id"]: row["count"] for row in data["dailyTrends"] if row["count"]}
    assert counts == {"2025-06-07": 1, "2025-06-08": 2, "2025-06-10": 8, "2025-06-13": 1}


def test_stats_start_date_alone_runs_to_today(owner_api, mix):
    response = owner_api.get("/api/calls/stats", {"startDate": "2025-06-10"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["totalCalls"], data["successfulCalls"], data["failedCalls"], data["missedCalls"]) == (9, 2, 3, 1)
    assert [row["_id"] for row in data["dailyTrends"]] == days(date(2025, 6, 10), date(2025, 6, 20))
    assert data["dailyTrends"][3] == day("2025-06-13", count=1, failed=1, average=500.0)


def test_stats_end_date_alone_includes_its_whole_day(owner_api, mix):
    response = owner_api.get("/api/calls/stats", {"endDate": "2025-06-08"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["totalCalls"], data["successfulCalls"], data["totalDuration"]) == (3, 3, 60 + 120 + 999)
    assert [row["_id"] for row in data["dailyTrends"]] == days(date(2025, 5, 10), date(2025, 6, 8))
    assert data["dailyTrends"][-2:] == [day("2025-06-07", count=1, successful=1, average=999.0), day("2025-06-08", count=2, successful=2, average=90.0)]


def test_stats_narrowed_to_part_of_a_day_by_datetimes(owner_api, mix):
    # 10 June, 14:30 to 17:00 UTC: failed, failed, missed.
    response = owner_api.get("/api/calls/stats", {"startDate": "2025-06-10T14:30:00Z", "endDate": "2025-06-10T17:00:00Z"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["totalCalls"], data["failedCalls"], data["missedCalls"], data["successRate"], data["failureRate"]) == (3, 2, 1, 0.0, 66.7)
    assert data["dailyTrends"] == [day("2025-06-10", count=3, failed=2, missed=1, average=23.3)]


def test_stats_of_no_calls_are_zeros_with_every_day_present(owner_api, store, now):
    response = owner_api.get("/api/calls/stats", {"startDate": "2025-06-18", "endDate": "2025-06-20"})

    assert response.status_code == 200
    assert response.json()["data"] == {
        "totalCalls": 0,
        "successfulCalls": 0,
        "failedCalls": 0,
        "missedCalls": 0,
        "terminatedCalls": 0,
        "activeCalls": 0,
        "averageDuration": 0,
        "totalDuration": 0,
        "successRate": 0.0,
        "failureRate": 0.0,
        "dailyTrends": [day("2025-06-18"), day("2025-06-19"), day("2025-06-20")],
    }


def test_stats_days_are_the_store_own_days(other_owner_api, other_store, now):
    # London is UTC+1 in June: 23:30 UTC on 9 June is 10 June there.
    make_call(other_store, "london", start_time=utc(2025, 6, 9, 23, 30), status="success", duration=42)

    response = other_owner_api.get("/api/calls/stats", {"startDate": "2025-06-09", "endDate": "2025-06-10"})

    assert response.status_code == 200
    assert response.json()["data"]["dailyTrends"] == [day("2025-06-09"), day("2025-06-10", count=1, successful=1, average=42.0)]


def test_stats_trend_longer_than_a_year_is_cut_to_its_last_367_days(owner_api, mix):
    response = owner_api.get("/api/calls/stats", {"startDate": "2020-01-01", "endDate": "2025-06-12"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["totalCalls"] == 11  # the totals still cover the whole range
    assert [row["_id"] for row in data["dailyTrends"]] == days(date(2024, 6, 11), date(2025, 6, 12))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"startDate": "last week"}, "startDate"),
        ({"startDate": "2025-13-01"}, "startDate"),
        ({"endDate": "2025-06-10T10:61"}, "endDate"),
        ({"startDate": "2025-06-12", "endDate": "2025-06-11"}, "endDate"),
        ({"endDate": "9999-12-31"}, "endDate"),  # year 9999 and year 1 overflowed into a 500
        ({"endDate": "0001-01-05"}, "endDate"),
        ({"startDate": "0001-01-01T00:00:00+09:00"}, "startDate"),
    ],
)
def test_stats_rejects_a_bad_range_naming_the_field(owner_api, mix, params, field):
    response = owner_api.get("/api/calls/stats", params)

    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"], list(body["fields"])) == (False, "validation_error", [field])
    assert body["message"].startswith(f"{field}: ")


def test_stats_are_for_staff_only(api, bot_api, mix):
    assert api.get("/api/calls/stats").status_code == 401
    response = bot_api.get("/api/calls/stats")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_agent_reads_the_stats_of_their_store(agent_api, mix):
    response = agent_api.get("/api/calls/stats", {"startDate": "2025-06-08", "endDate": "2025-06-12"})

    assert response.status_code == 200
    assert (response.json()["data"]["totalCalls"], response.json()["data"]["successRate"]) == (10, 40.0)
