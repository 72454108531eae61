"""One gather turn (signature, matching, transcript, event) runs a fixed number of queries, whatever the inventory's size."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from calls.models import Call
from store.models import Coupon, Department, InventoryItem
from store.services import index_item_words, save_record
from tests.voice.webhooks import gather_params, incoming_params, post, twilio_settings, twiml  # noqa: F401 (fixture)

# Turns are sent where Twilio sends them: the greeting's <Gather action>, whose turn makes the request a
# claimed one (voice.models.TwilioRequest, the replay guard).
GATHER = "/voice/gather?turn=1"

# Exact, per kind of turn, the same at 10 and 2,000 items: the call's write (7, pinned below) and its
# lookup, plus what the answer reads (items, coupons; a misspelling's bucket of the store's words) or
# writes (a transfer's outcome, a miss counted); a word of five letters or more loads its bucket of
# the store's words once per data version ("hours": is it a word of the index?). Settings, templates, departments, the store's words
# and the hints are cached under the store's data version (tests/voice/test_engine_cache.py).
QUERIES = {
    "do you have oat milk": 9, "how much is skim milk": 9, "do you have avacados": 10, "dairy please": 10,
    "any deals": 9, "what are your hours": 8, "mumble": 10,
}  # fmt: skip


def durability_queries() -> int:
    """PostgreSQL: the turn's `SET LOCAL synchronous_commit TO OFF` (VOICE_DURABLE_COMMIT)."""
    from django.db import connection

    return 1 if connection.vendor == "postgresql" else 0


@pytest.fixture
def stocked(store, twilio_settings, request):
    count = request.param
    dairy = save_record(actor=None, store=store, instance=Department(), data={"name": "Dairy", "phone_extension": "105", "keywords": ["milk"]})
    save_record(actor=None, store=store, instance=Coupon(), data={"code": "SAVE5", "discount_value": Decimal("5"), "is_store_wide": True})
    items = InventoryItem.objects.bulk_create(
        InventoryItem(store=store, name=f"{('Oat', 'Soy', 'Whole', 'Skim')[n % 4]} Milk {n}", sku=f"M{n:06d}", price=Decimal("2.50"), stock_quantity=9, department=dairy)
        for n in range(count)
    )
    index_item_words(items)
    twiml(post(__import__("django.test", fromlist=["Client"]).Client(), "/voice/incoming", incoming_params()))
    return store


@pytest.mark.parametrize("stocked", [10, 2000], indirect=True)
@pytest.mark.parametrize("speech", ["do you have oat milk", "how much is skim milk", "do you have avacados", "dairy please", "any deals", "what are your hours", "mumble"])
def test_a_turn_runs_a_fixed_number_of_queries(client, stocked, speech, django_assert_num_queries):
    with django_assert_num_queries(QUERIES[speech] + durability_queries()):
        root = twiml(post(client, GATHER, gather_params(speech=speech)))

    assert root.find("Say") is not None or root.find("Gather") is not None
    assert Call.objects.get().entries.count() == 3  # greeting, the caller, the answer


# The turn's write, exactly, whatever the engine read: in one transaction (a SAVEPOINT and its RELEASE
# here, inside the test's transaction; BEGIN and COMMIT in production) the request claimed (one INSERT
# of its signature and answer, so a replay writes nothing), the call's row locked once by the UPDATE
# that moves its transcript counters on (and returns its metadata: no second read of the row), both
# lines inserted, the transcript read for the live event, and only the changed columns of the call written.
TURN_WRITE_QUERIES = 7


@pytest.mark.parametrize("stocked", [10], indirect=True)
@pytest.mark.parametrize(("speech", "changed"), [("do you have oat milk", ["dialogue_state", "metadata", "updated_at"]), ("thanks, goodbye", ["dialogue_state", "metadata", "outcome", "updated_at"])])
def test_a_turn_locks_the_call_once_and_writes_only_what_changed(client, stocked, speech, changed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        twiml(post(client, GATHER, gather_params(speech=speech)))

    sql = [q["sql"] for q in queries.captured_queries]
    begin = next(i for i, s in enumerate(sql) if s.startswith("SAVEPOINT"))
    end = next(i for i, s in enumerate(sql) if s.startswith("RELEASE SAVEPOINT"))
    write = sql[begin : end + 1]
    assert len(write) == TURN_WRITE_QUERIES + durability_queries(), write
    # The call's row is not read again in the transaction: the first write to it takes the lock.
    assert not [s for s in write if s.startswith("SELECT") and 'FROM "calls_call"' in s], write
    claim, first_write = [s for s in write if s.startswith(("UPDATE", "INSERT"))][:2]
    assert claim.startswith('INSERT INTO "voice_twiliorequest"') and "ON CONFLICT DO NOTHING" in claim, claim
    assert first_write.startswith('UPDATE "calls_call" SET transcript_entry_count') and "RETURNING" in first_write, first_write
    assert sum(s.startswith('INSERT INTO "calls_transcriptentry"') for s in write) == 1
    last_update = [s for s in write if s.startswith('UPDATE "calls_call"')][-1]
    assigned = last_update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert sorted(re.findall(r'"(\w+)" = ', assigned)) == changed
    call = Call.objects.get()
    assert (call.entries.count(), call.transcript_entry_count) == (3, 3)


@pytest.mark.parametrize("stocked", [10], indirect=True)
@pytest.mark.parametrize("durable", [False, True])
def test_a_turn_commits_without_waiting_for_the_disk_unless_told(client, stocked, settings, durable):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.VOICE_DURABLE_COMMIT = durable
    with CaptureQueriesContext(connection) as queries:
        twiml(post(client, GATHER, gather_params(speech="do you have oat milk")))

    sql = [q["sql"] for q in queries.captured_queries]
    relaxed = [i for i, s in enumerate(sql) if s == "SET LOCAL synchronous_commit TO OFF"]
    if durable or connection.vendor != "postgresql":
        assert relaxed == [], sql
    else:
        # Inside the turn's transaction, before its first write: it applies to that commit only.
        lock = next(i for i, s in enumerate(sql) if s.startswith('UPDATE "calls_call"'))
        begin = max(i for i, s in enumerate(sql[:lock]) if s.startswith("SAVEPOINT"))
        assert relaxed == [begin + 1], sql
