"""On PostgreSQL, GET /api/calls?search= reads the trigram indexes (calls/migrations/0006), not every call."""
from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.db import connection

from calls import queries
from calls.models import Call, TranscriptEntry
from tests.calls.factories import BASE_TIME, make_calls

UTC = zoneinfo.ZoneInfo("UTC")


@pytest.fixture
def many_calls(store, other_store) -> None:
    made = make_calls(store, 20000, step=timedelta(seconds=-30), statuses=("success", "failed", "missed"), durations=(30, 90, 400))
    made += make_calls(other_store, 2000, step=timedelta(seconds=-30))
    # Two lines a call; every 1,000th caller asks for oat milk.
    TranscriptEntry.objects.bulk_create(
        TranscriptEntry(call=call, seq=seq, speaker=speaker, text=text, at=BASE_TIME)
        for i, call in enumerate(made)
        for seq, (speaker, text) in enumerate([("User", "Where is the oat milk?" if i % 1000 == 7 else f"Do you have item {i}?"), ("Bot", "Let me check.")])
    )
    with connection.cursor() as cursor:
        # Rows inserted after a GIN index was built wait in its pending list (which the planner prices
        # as a scan) until autovacuum merges them; a test cannot wait for autovacuum.
        for name in ("call_caller_trgm", "call_receiver_trgm", "call_call_id_trgm", "transcript_text_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
        cursor.execute("ANALYZE calls_call")
        cursor.execute("ANALYZE calls_transcriptentry")


def plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row for (row,) in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("term", ["0012345", "street-01234", "STREET-01234"])
def test_search_count_and_page_use_the_trigram_indexes(store, many_calls, term):
    qs = queries.filter_calls(Call.objects.filter(store_id__in=[store.pk]), {"search": term}, UTC)

    count_plan = plan(qs.values("pk").annotate())  # what .count() counts
    page_plan = plan(qs.values("pk")[:20])

    for found in (count_plan, page_plan):
        assert "call_caller_trgm" in found and "call_receiver_trgm" in found and "call_call_id_trgm" in found, found
        assert "transcript_text_trgm" in found, found
        assert "Seq Scan" not in found, found
    assert qs.count() == sum(term.upper() in f"{c.caller} {c.receiver} {c.call_id}".upper() for c in Call.objects.filter(store=store))


@pytest.mark.postgres
@pytest.mark.parametrize("term", ["oat milk", "(555) 001-2345"])
def test_a_transcript_word_or_a_typed_number_reads_the_indexes_too(store, many_calls, term):
    qs = queries.filter_calls(Call.objects.filter(store_id__in=[store.pk]), {"search": term}, UTC)

    for found in (plan(qs.values("pk").annotate()), plan(qs.values("pk")[:20])):
        assert "transcript_text_trgm" in found and "call_caller_trgm" in found, found
        assert "Seq Scan" not in found, found
    expected = 20 if term == "oat milk" else 1
    assert qs.count() == expected


@pytest.mark.postgres
def test_the_admin_sorted_by_duration_walks_the_duration_index(admin_user, many_calls):
    qs = queries.filter_calls(Call.objects.all(), {"status": "failed", "sortBy": "duration"}, UTC)

    found = plan(qs.values("pk")[:20])

    # Page 1 of every store's failed calls, longest first: read off the index, no sort of all of them.
    assert "Index Scan Backward using call_duration on calls_call" in found, found


@pytest.mark.postgres
def test_the_indexes_are_on_exactly_what_icontains_compares(many_calls):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'calls_call' AND indexname LIKE 'call_%_trgm'")
        definitions = dict(cursor.fetchall())
    # Django writes icontains as UPPER("calls_call"."caller"::text) LIKE UPPER(%s): the index must be on that expression.
    sql, _ = Call.objects.filter(caller__icontains="x").query.sql_with_params()
    assert 'UPPER("calls_call"."caller"::text) LIKE UPPER(' in sql
    assert definitions == {
        name: f"CREATE INDEX {name} ON public.calls_call USING gin (upper(({column})::text) gin_trgm_ops)"
        for name, column in (("call_caller_trgm", "caller"), ("call_receiver_trgm", "receiver"), ("call_call_id_trgm", "call_id"))
    }
