"""GET /api/calls's pagination.total read from the hourly totals (CallHour), and deep pages read backwards."""
from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls import queries
from calls.models import Call
from store.models import Store
from store.tenancy import pick_store
from tests.calls.factories import make_call

UTC = dt_timezone.utc
STATUSES = [value for value, _ in Call.Status.choices]
FILTERS = [
    {},
    *({"status": status} for status in STATUSES),
    {"type": "inbound"},
    {"type": "outbound"},
    {"language": "hi"},
    {"language": "en", "status": "success"},
    {"status": "failed", "type": "outbound"},  # no counter counts both: COUNT(*)
    {"search": "55"},
    {"caller": "+15550000003"},
    # Dates: whole hours from the totals, the calls of hours a bound cuts counted (a +05:30 store cuts them all).
    {"startDate": "2025-06-01", "endDate": "2025-06-05"},
    {"startDate": "2025-06-02T10:30:00Z"},
    {"endDate": "2025-06-04T07:15:00Z", "status": "success"},
    {"startDate": "2025-06-03T09:00:00Z", "endDate": "2025-06-05T09:59:59.999999Z", "type": "outbound"},
    {"startDate": "2025-06-03T10:00:00Z", "endDate": "2025-06-03T11:30:00Z"},  # within two hours: COUNT(*)
    {"startDate": "2025-06-02", "language": "hi"},
    {"startDate": "2025-06-04T00:00:00+05:30", "endDate": "2025-06-06T12:00:00Z", "status": "in-progress"},
]


@pytest.fixture
def random_calls(store, other_store, owner) -> list[Call]:
    """Calls of three stores (the owner has two of them) with random fields, some sharing start times."""
    third = Store.objects.create(name="Night Shop", slug="night-shop", owner=owner, timezone="Asia/Kolkata")
    rng = random.Random(42)
    base = datetime(2025, 6, 1, tzinfo=UTC)
    calls = []
    for i in range(180):
        status = rng.choice(STATUSES)
        start = base + timedelta(minutes=rng.choice([0, 30, 61, 90]) * rng.randrange(200))
        calls.append(
            make_call(rng.choice([store, other_store, third]), f"call-{i:03d}", status=status, type=rng.choice(["inbound", "outbound"]),
                      language=rng.choice(["en", "hi", "mixed"]), caller=f"+1555{rng.randrange(12):07d}", start_time=start,
                      end_time=None if status in Call.LIVE_STATUSES else start + timedelta(seconds=rng.randrange(3) * 60),
                      duration=rng.randrange(4) * 30)  # fmt: skip
        )
    return calls


def expected_total(user, params: dict, slug: str | None = None) -> int:
    qs = Call.objects.for_user(user)
    if slug:
        qs = qs.filter(store__slug=slug)
    return queries.filter_calls(qs, params, zone_of(user, slug)).count()


def zone_of(user, slug: str | None = None) -> zoneinfo.ZoneInfo:
    """The zone the list reads dates in: the named or only store's, else UTC."""
    store = pick_store(user, slug)
    return store.tzinfo if store else zoneinfo.ZoneInfo("UTC")


def count_query(queries_run: CaptureQueriesContext) -> str:
    (sql,) = [q["sql"] for q in queries_run.captured_queries if "COUNT(" in q["sql"].upper() or "SUM(" in q["sql"].upper()]
    return sql


@pytest.mark.parametrize("client_name", ["admin_api", "owner_api", "other_owner_api", "agent_api"])
def test_total_is_the_count_of_matching_calls_for_every_role_and_filter(request, random_calls, client_name):
    client = request.getfixturevalue(client_name)
    user = client.handler._force_user

    for params in FILTERS:
        response = client.get("/api/calls", {**params, "limit": 5})
        assert response.status_code == 200, response.content
        assert response.json()["pagination"]["total"] == expected_total(user, params), params


def test_total_of_one_named_store_among_several(owner_api, owner, random_calls):
    for slug in ("main-street", "night-shop"):
        for params in FILTERS:
            response = owner_api.get("/api/calls", {**params, "store": slug, "limit": 5})
            assert response.json()["pagination"]["total"] == expected_total(owner, params, slug), (slug, params)


def test_total_stays_exact_after_updates_and_deletes(admin_api, admin_user, random_calls):
    rng = random.Random(7)
    for call in rng.sample(random_calls, 40):
        Call.objects.filter(pk=call.pk).update(status=rng.choice(STATUSES), type=rng.choice(["inbound", "outbound"]), language="hi")
    Call.objects.filter(pk__in=[call.pk for call in rng.sample(random_calls, 30)]).delete()

    for params in FILTERS:
        assert admin_api.get("/api/calls", params).json()["pagination"]["total"] == expected_total(admin_user, params), params


@pytest.mark.parametrize(
    ("params", "table"),
    [
        ({}, "calls_callhour"),
        ({"status": "success"}, "calls_callhour"),
        ({"type": "outbound"}, "calls_callhour"),
        ({"language": "hi"}, "calls_calllanguagehour"),
        ({"startDate": "2025-06-02", "status": "missed"}, "calls_callhour"),
        ({"search": "55"}, "calls_call"),
        ({"status": "success", "type": "outbound"}, "calls_call"),
        ({"language": "hi", "status": "success"}, "calls_call"),
    ],
)
def test_total_reads_the_hourly_totals_when_they_answer(owner_api, random_calls, params, table):
    with CaptureQueriesContext(connection) as queries_run:
        response = owner_api.get("/api/calls", params)

    assert response.status_code == 200
    assert f'FROM "{table}"' in count_query(queries_run)


SORTS = [(field, order) for field in ("startTime", "endTime", "duration", "createdAt", "status", "caller", "receiver") for order in ("asc", "desc")]


@pytest.mark.parametrize(("sort_by", "order"), SORTS)
def test_every_page_read_forwards_or_backwards_gives_the_order_of_the_whole_list(owner_api, owner, random_calls, sort_by, order):
    # Pages past the middle read their ids backwards from the end; ties (same start, same duration,
    # no end time) are broken by id the same way in both directions.
    for params in ({}, {"status": "success"}, {"search": "+1555"}):
        params = {**params, "sortBy": sort_by, "sortOrder": order}
        everything = list(queries.filter_calls(Call.objects.for_user(owner), params, zone_of(owner)).values_list("call_id", flat=True))
        pages, page = [], 1
        while True:
            body = owner_api.get("/api/calls", {**params, "limit": 7, "page": page}).json()
            pages += [row["callId"] for row in body["data"]]
            if page >= body["pagination"]["pages"]:
                break
            page += 1
        assert len(everything) > 14
        assert pages == everything, params


def test_a_range_cut_inside_hours_counts_the_calls_of_its_edge_hours_only(owner_api, random_calls):
    params = {"startDate": "2025-06-02T10:30:00Z", "endDate": "2025-06-04T07:15:00Z", "store": "main-street"}
    with CaptureQueriesContext(connection) as queries_run:
        response = owner_api.get("/api/calls", params)

    counts = [q["sql"] for q in queries_run.captured_queries if "COUNT(" in q["sql"].upper() or "SUM(" in q["sql"].upper()]
    assert [sql.split(" FROM ", 1)[1].split(" ", 1)[0] for sql in counts] == ['"calls_callhour"', '"calls_call"']
    assert "2025-06-02 11:00:00" in counts[0] and "2025-06-04 07:00:00" in counts[0]
    assert response.json()["pagination"]["total"] == Call.objects.filter(
        store__slug="main-street", start_time__gte=datetime(2025, 6, 2, 10, 30, tzinfo=UTC), start_time__lte=datetime(2025, 6, 4, 7, 15, tzinfo=UTC)
    ).count()


def test_a_page_past_the_end_is_empty_without_reading_calls(owner_api, random_calls, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # stores seen, store picked, the total
        response = owner_api.get("/api/calls", {"page": 1000})

    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["pagination"]["current"] == 1000
