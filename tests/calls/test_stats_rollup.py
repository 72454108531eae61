"""GET /api/calls/stats and /analytics read the hourly totals: their answers equal the reference aggregation over
every call (calls.queries.call_stats_raw / call_analytics_raw) on randomised calls, in whole-hour zones, across a
DST change, and in India (+05:30), whose days and hours begin in the middle of UTC hours."""
from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from calls import queries
from calls.models import Call
from store.models import Store
from tests.calls.factories import freeze_now, make_calls

UTC = dt_timezone.utc
# 20 November 2025: 90 days back reach August, across New York's change back to standard time on 2 November.
NOW = datetime(2025, 11, 20, 15, 47, 12, 250000, tzinfo=UTC)
ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
LANGUAGES = ["en", "hi", "es", "mixed", "EN", "pt-BR", "zh-Hant-TW12"]  # free text, up to 12 characters
STATS_RANGES = [
    {},
    {"startDate": "2025-10-28", "endDate": "2025-11-05"},  # bare dates, across the DST change
    {"startDate": "2025-11-01"},
    {"endDate": "2025-11-03"},
    {"startDate": "2025-03-01", "endDate": "2025-03-15"},  # the spring change (and no calls that early)
    {"startDate": "2024-01-01", "endDate": "2025-11-19"},  # longer than a year: the trend is cut, the totals are not
    {"startDate": "2025-10-30T07:13:27.5+05:30", "endDate": "2025-11-02T06:41:00Z"},  # date-times off the hour
    {"startDate": "2025-11-02T05:59:59.999999Z", "endDate": "2025-11-02T06:30:00Z"},  # within an hour or two
    {"startDate": "2025-11-09T18:29:00", "endDate": "2025-11-12T18:31:00"},  # naive: read in the zone
    {"startDate": "2025-11-18T00:00:00-05:00", "endDate": "2025-11-25"},  # into the future
]


def local_midnights(tz: zoneinfo.ZoneInfo, first: datetime, days: int) -> list[datetime]:
    start = first.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return [datetime.combine((start + timedelta(days=i)).date(), datetime.min.time(), tzinfo=tz) for i in range(days)]


@pytest.fixture
def zoned(db, owner, store, other_store) -> dict[str, Store]:
    """The owner's store (New York), another owner's (London), one in India and one on UTC, both the first owner's."""
    india = Store.objects.create(name="Chai Point", slug="chai-point", owner=owner, timezone="Asia/Kolkata")
    plain = Store.objects.create(name="Plain", slug="plain", timezone="UTC")
    return {"America/New_York": store, "Europe/London": other_store, "Asia/Kolkata": india, "UTC": plain}


@pytest.fixture
def calls(zoned, monkeypatch) -> int:
    """Random calls of every status and language, many within minutes of local midnights, half hours and the DST change."""
    freeze_now(monkeypatch, NOW)
    rng = random.Random(20251120)
    starts: list[datetime] = []
    span = int(timedelta(days=100).total_seconds())
    starts += [NOW - timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6)) for _ in range(500)]
    starts += [NOW + timedelta(minutes=rng.randrange(3 * 24 * 60)) for _ in range(20)]  # calls logged ahead of time
    for zone in ZONES + ["Asia/Kathmandu"]:
        for midnight in local_midnights(zoneinfo.ZoneInfo(zone), NOW - timedelta(days=95), 100)[::3]:
            starts.append(midnight + timedelta(seconds=rng.randrange(-5400, 5400)))
            starts.append(midnight)  # exactly at midnight
    starts += [datetime(2025, 11, 2, 4, tzinfo=UTC) + timedelta(minutes=rng.randrange(240)) for _ in range(60)]  # 00:00-02:00 New York, twice
    starts += [datetime(2025, 11, d, h, 30, tzinfo=UTC) + timedelta(seconds=rng.choice([-1, 0, 1])) for d in (2, 9, 12) for h in (6, 18)]
    starts += [datetime(2025, 11, 2, 6, 30, tzinfo=UTC), datetime(2025, 11, 12, 18, 31, tzinfo=UTC)]  # at the range ends above
    n = len(starts)
    stores = list(zoned.values())
    for store in stores:
        picked = [s for s in starts if rng.random() < 0.6]
        make_calls(
            store, len(picked), starts=picked,
            statuses=[rng.choice(Call.Status.values) for _ in picked],
            languages=[rng.choice(LANGUAGES) for _ in picked],
            durations=[rng.choice([0, 1, 59, 60, 61, rng.randrange(3600)]) for _ in picked],
            types=[rng.choice(["inbound", "outbound"]) for _ in picked],
        )  # fmt: skip
    # Live calls with a running duration, and calls changing language, status and hour after they were logged.
    Call.objects.filter(status="in-progress", pk__in=Call.objects.order_by("?").values("pk")[:40]).update(duration=77)
    for call in Call.objects.order_by("?")[:30]:
        call.language, call.status = rng.choice(LANGUAGES), rng.choice(Call.Status.values)
        call.start_time -= timedelta(minutes=rng.randrange(-90, 90))
        call.save()
    return n


def scopes(zoned: dict[str, Store]) -> dict[str, list[int] | None]:
    return {"admin": None, "owner": [zoned["America/New_York"].pk, zoned["Asia/Kolkata"].pk], "one store": [zoned["Asia/Kolkata"].pk]}


def reference_calls(store_ids: list[int] | None):
    return Call.objects.all() if store_ids is None else Call.objects.filter(store_id__in=store_ids)


@pytest.mark.parametrize("zone", ZONES)
def test_stats_equal_the_reference(calls, zoned, zone):
    tz = zoneinfo.ZoneInfo(zone)
    for who, store_ids in scopes(zoned).items():
        for params in STATS_RANGES:
            expected = queries.call_stats_raw(reference_calls(store_ids), params, tz)
            got = queries.call_stats(store_ids, params, tz)
            assert got == expected, (who, params)
            assert [type(v) for v in got.values()] == [type(v) for v in expected.values()], (who, params)  # 0 stays 0, not 0.0
    assert expected["totalCalls"] > 0


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("period", list(queries.PERIODS))
def test_analytics_equal_the_reference(calls, zoned, zone, period):
    tz = zoneinfo.ZoneInfo(zone)
    for who, store_ids in scopes(zoned).items():
        expected = queries.call_analytics_raw(reference_calls(store_ids), period, tz)
        got = queries.call_analytics(store_ids, period, tz)
        assert got == expected, who
        assert got["totalStats"]["totalCalls"] > 0
        assert len({row["_id"] for row in got["languageDistribution"]}) > 1


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "Australia/Lord_Howe"])
def test_analytics_in_zones_at_a_quarter_and_with_half_hour_dst_equal_the_reference(calls, zoned, zone):
    """Nepal's hours begin at :15 UTC; Lord Howe moves by 30 minutes (to daylight time on 5 October 2025)."""
    tz = zoneinfo.ZoneInfo(zone)
    for store_ids in (None, [zoned["Asia/Kolkata"].pk]):
        assert queries.call_analytics(store_ids, "90d", tz) == queries.call_analytics_raw(reference_calls(store_ids), "90d", tz)


def test_random_date_times_equal_the_reference(calls, zoned):
    """Ranges with ends anywhere, seconds and microseconds included, in each zone."""
    rng = random.Random(5)
    for _ in range(40):
        tz = zoneinfo.ZoneInfo(rng.choice(ZONES + ["Asia/Kathmandu", "Australia/Lord_Howe"]))
        start = NOW - timedelta(days=rng.randrange(100), seconds=rng.randrange(86400), microseconds=rng.randrange(10**6))
        end = start + timedelta(seconds=rng.randrange(1, 20 * 86400))
        params = {"startDate": start.astimezone(tz).isoformat(), "endDate": end.astimezone(tz).isoformat()}
        store_ids = rng.choice(list(scopes(zoned).values()))
        assert queries.call_stats(store_ids, params, tz) == queries.call_stats_raw(reference_calls(store_ids), params, tz), (tz, params)


def test_ties_between_languages_are_ordered_as_the_database_orders_them(zoned, monkeypatch):
    freeze_now(monkeypatch, NOW)
    store = zoned["UTC"]
    # One call each: three counted from the hours, one from the calls (in the half hour before India's 20 November
    # begins at 18:30 UTC); one query adds them up and orders them.
    starts = [NOW - timedelta(hours=1), NOW - timedelta(hours=2), datetime(2025, 11, 19, 18, 40, tzinfo=UTC), NOW - timedelta(hours=3)]
    make_calls(store, 4, starts=starts, languages=["b", "a", "B", "a b"])
    tz = zoneinfo.ZoneInfo("Asia/Kolkata")

    got = queries.call_analytics([store.pk], "1d", tz)

    assert got == queries.call_analytics_raw(Call.objects.filter(store=store), "1d", tz)
    assert [row["count"] for row in got["languageDistribution"]] == [1, 1, 1, 1]


def test_no_store_in_scope_is_all_zeros_without_a_query(db, django_assert_num_queries, monkeypatch):
    freeze_now(monkeypatch, NOW)
    tz = zoneinfo.ZoneInfo("Asia/Kolkata")
    with django_assert_num_queries(0):
        stats = queries.call_stats([], {"startDate": "2025-11-01T10:10:00Z"}, tz)
        analytics = queries.call_analytics([], "7d", tz)
    assert stats == queries.call_stats_raw(Call.objects.none(), {"startDate": "2025-11-01T10:10:00Z"}, tz)
    assert analytics == queries.call_analytics_raw(Call.objects.none(), "7d", tz)


@pytest.mark.parametrize("zone", ZONES)
def test_the_number_of_queries_is_fixed_whatever_the_range(calls, zoned, zone, django_assert_max_num_queries):
    """At most three: the hours read one by one, the totals beyond them (stats) or the languages (analytics), and the
    calls the hours cannot place (edges of the range, hours a local midnight cuts), all in one query."""
    tz = zoneinfo.ZoneInfo(zone)
    for params in STATS_RANGES:
        with django_assert_max_num_queries(3):
            queries.call_stats(None, params, tz)
    for period in queries.PERIODS:
        with django_assert_max_num_queries(3):
            queries.call_analytics([zoned["Asia/Kolkata"].pk], period, tz)


def test_whole_hour_ranges_read_only_the_hours(calls, zoned, django_assert_num_queries):
    """New York's days are whole UTC hours: a bare-date range and the 90 days read CallHour only (one and two queries)."""
    tz = zoneinfo.ZoneInfo("America/New_York")
    with django_assert_num_queries(1):
        queries.call_stats(None, {"startDate": "2025-08-01", "endDate": "2025-11-19"}, tz)
    with django_assert_num_queries(2):  # hours, languages
        queries.call_analytics(None, "90d", tz)
    with django_assert_num_queries(3):  # hours, totals before the trend's first day, the partial hour at the start
        queries.call_stats(None, {"startDate": "2024-01-01T10:30:00Z", "endDate": "2025-11-19"}, tz)


def test_api_answers_equal_the_reference(calls, zoned, admin_api, owner_api):
    """Over HTTP, as the admin (all stores, UTC; one store in its zone) and as the owner of New York and India."""
    cases = [
        (admin_api, {}, None, zoneinfo.ZoneInfo("UTC")),
        (admin_api, {"store": "chai-point"}, [zoned["Asia/Kolkata"].pk], zoneinfo.ZoneInfo("Asia/Kolkata")),
        (owner_api, {}, [zoned["America/New_York"].pk, zoned["Asia/Kolkata"].pk], zoneinfo.ZoneInfo("UTC")),  # several stores: UTC
        (owner_api, {"store": "main-street"}, [zoned["America/New_York"].pk], zoneinfo.ZoneInfo("America/New_York")),
    ]
    for client, scope, store_ids, tz in cases:
        params = {"startDate": "2025-10-30T07:13:27", "endDate": "2025-11-03"}
        stats = client.get("/api/calls/stats", {**scope, **params})
        analytics = client.get("/api/calls/analytics", {**scope, "period": "30d"})
        assert stats.status_code == analytics.status_code == 200
        assert stats.json()["data"] == queries.call_stats_raw(reference_calls(store_ids), params, tz), scope
        assert analytics.json()["data"] == queries.call_analytics_raw(reference_calls(store_ids), "30d", tz), scope
