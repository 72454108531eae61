"""Every call read costs a fixed number of queries: the same at 10 calls as at 2,000."""
from __future__ import annotations

import re

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from tests.calls.factories import add_entries, freeze_now, make_calls

NOW = datetime(2025, 6, 10, 16, 0, tzinfo=dt_timezone.utc)

# The most queries each read may take, whatever the number of calls. Owner: 1 for the stores
# they see, 1 to pick the store (its time zone), then the read itself.
LIST_QUERIES = 4  # stores seen, store picked, COUNT(*), one page
DETAIL_QUERIES = 3  # stores seen, the call with its store, its entries
STATS_QUERIES = 3  # the stores seen, then the range's rollup hours and the calls of its cut hours (calls/hourly.py)
ANALYTICS_QUERIES = 4  # the same, and the languages
ACTIVE_QUERIES = 3  # stores seen, live calls with their store, their transcripts (the original Live Calls page reads them)
EXPORT_QUERIES = 4  # stores seen, store picked, the rows (one COPY, read as it streams); in a transaction, its time zone put back


STATUSES = ("success", "failed", "in-progress", "missed", "terminated", "ringing", "success", "queued")


def how_many(n: int, statuses: tuple[str, ...]) -> int:
    """How many of the first `n` factory calls have one of `statuses`."""
    return sum(STATUSES[i % len(STATUSES)] in statuses for i in range(n))


@pytest.fixture(params=[10, 2000], ids=["10-calls", "2000-calls"])
def many(request, store, other_store, monkeypatch) -> int:
    """`n` calls of the owner's store over 20 days, live ones among them, and as many of another store."""
    freeze_now(monkeypatch, NOW)
    n = request.param
    step = -timedelta(days=20) / n
    make_calls(store, n, statuses=STATUSES, languages=("en", "hi", "mixed", "es"), types=("inbound", "outbound"), start=NOW, step=step)
    make_calls(other_store, n, statuses=STATUSES, start=NOW, step=step)
    return n


def test_list_queries_are_fixed(owner_api, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(LIST_QUERIES):
        response = owner_api.get("/api/calls", {"limit": 100, "page": 1, "status": "success", "search": "+1555", "sortBy": "duration"})

    assert response.status_code == 200
    successes = how_many(many, ("success",))
    assert response.json()["pagination"]["total"] == successes
    assert len(response.json()["data"]) == min(successes, 100)


def test_unfiltered_list_queries_are_fixed(owner_api, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(LIST_QUERIES):
        response = owner_api.get("/api/calls", {"limit": 100})

    assert response.status_code == 200
    assert len(response.json()["data"]) == min(many, 100)


def test_detail_queries_are_fixed(owner_api, store, many, django_assert_max_num_queries):
    from calls.models import Call

    call = Call.objects.filter(store=store).first()
    add_entries(call, [("User" if i % 2 else "Bot", f"line {i}") for i in range(many)])

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = owner_api.get(f"/api/calls/{call.call_id}")

    assert response.status_code == 200
    assert len(response.json()["data"]["entries"]) == many


def test_stats_queries_are_fixed(owner_api, many, django_assert_num_queries):
    with django_assert_num_queries(STATS_QUERIES):
        response = owner_api.get("/api/calls/stats", {"startDate": "2025-05-01", "endDate": "2025-06-10"})

    assert response.status_code == 200
    assert response.json()["data"]["totalCalls"] == many
    assert len(response.json()["data"]["dailyTrends"]) == 41


@pytest.mark.parametrize("period", ["7d", "90d"])
def test_analytics_queries_are_fixed(owner_api, many, period, django_assert_num_queries):
    with django_assert_num_queries(ANALYTICS_QUERIES):
        response = owner_api.get("/api/calls/analytics", {"period": period})

    assert response.status_code == 200
    data = response.json()["data"]
    assert sum(row["count"] for row in data["hourlyDistribution"]) == data["totalStats"]["totalCalls"] > 0
    if period == "90d":
        assert data["totalStats"]["totalCalls"] == many


def test_active_queries_are_fixed(owner_api, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(ACTIVE_QUERIES):
        response = owner_api.get("/api/calls/active")

    assert response.status_code == 200
    assert len(response.json()["data"]) == min(how_many(many, ("queued", "ringing", "in-progress")), 500)


def test_export_queries_are_fixed(owner_api, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = owner_api.get("/api/calls/export")
        body = b"".join(response)  # the rows are read while the response streams

    assert response.status_code == 200
    assert body.count(b"\n") == many + 1


# The bot write path, one request of each kind: the same few queries however long the transcript.
# Tests run inside a transaction, so each request's outermost atomic block shows here as a SAVEPOINT
# and its RELEASE; in production it is a BEGIN and a COMMIT, which no query count shows.
CREATE_QUERIES = 5  # the key with its store; SAVEPOINT, the call, its customer, RELEASE
APPEND_QUERIES = 5  # the key with its store; the call; the UPDATE of its counters that locks it; the entries; the transcript
COMPLETE_QUERIES = 5  # the key with its store; SAVEPOINT, the call found and locked at once, UPDATE of what changed, RELEASE


@pytest.fixture
def bot(bot_api):
    """The bot, its key already touched this minute (last_used_at is written at most once a minute)."""
    from django.utils import timezone

    from callcenter.models import ApiKey

    ApiKey.objects.update(last_used_at=timezone.now())
    return bot_api


@pytest.fixture(params=[0, 2000], ids=["new-call", "2000-lines"])
def live_call(request, store):
    from calls.models import Call

    call = Call.objects.create(store=store, call_id="LIVE-1", start_time=NOW, metadata={"deviceType": "phone"})
    add_entries(call, [("User" if i % 2 else "Bot", f"line {i}") for i in range(request.param)])
    return request.param


def test_create_runs_a_fixed_number_of_queries(bot, store, django_assert_num_queries):
    with django_assert_num_queries(CREATE_QUERIES):
        response = bot.post("/api/calls", {"callId": "NEW-1", "caller": "+15551230001", "status": "in-progress"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["data"]["store"] == store.slug


def test_transcript_append_runs_a_fixed_number_of_queries(bot, live_call, django_assert_num_queries):
    with django_assert_num_queries(APPEND_QUERIES):
        response = bot.patch("/api/calls/LIVE-1/transcript", {"transcript": "User: Hello\nBot: Hi!\n"}, format="json")

    assert response.status_code == 200, response.content
    transcript = response.json()["data"]["transcript"]
    assert transcript.count("\n") == live_call + 2
    assert transcript.endswith("User: Hello\nBot: Hi!\n")


def test_completing_patch_runs_a_fixed_number_of_queries_and_writes_only_what_changed(bot, live_call, django_assert_num_queries):
    with django_assert_num_queries(COMPLETE_QUERIES) as queries:
        response = bot.patch("/api/calls/LIVE-1", {"status": "success", "satisfaction": "positive"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["data"]["status"], response.json()["data"]["transcriptEntryCount"]) == ("success", live_call)
    (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assigned = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    # status, satisfaction, the derived end time and duration, updated_at: not metadata or the other columns.
    assert sorted(re.findall(r'"(\w+)" = ', assigned)) == [
        "duration", "end_time", "satisfaction", "status", "updated_at",
    ]  # fmt: skip
