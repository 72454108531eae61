"""CallHour: the hourly call totals the dashboard reads stay equal to the calls, whatever writes them."""
from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from calls import stats_sql
from calls.models import Call, CallHour, CallLanguageHour, Customer, CustomerHour
from calls.services import create_call, delete_call, terminate_call, update_call
from dashboard.queries import Span, Windows, call_counters, customer_counters, window_spans
from tests.calls.factories import make_calls
from voice.models import AIAgent

NOW = datetime(2025, 6, 10, 16, 20, 30, tzinfo=UTC)


def expected_hours() -> dict[tuple, dict[str, int]]:
    """What each (store, hour, agent) row should hold, counted in Python from the calls."""
    out: dict[tuple, Counter] = {}
    for call in Call.objects.all():
        start = call.start_time.astimezone(UTC)
        key = (call.store_id, start.replace(minute=0, second=0, microsecond=0), call.ai_agent_id or 0)
        row = out.setdefault(key, Counter())
        final = call.status in Call.FINAL_STATUSES
        row.update(
            calls=1, success=call.status == "success", failed=call.status == "failed", missed=call.status == "missed",
            terminated=call.status == "terminated", live=call.is_live, inbound=call.type == "inbound", outbound=call.type == "outbound",
            queued=call.status == "queued", ringing=call.status == "ringing", in_progress=call.status == "in-progress",
            converted=call.outcome.lower() == "converted", rated=call.satisfaction != "unknown", positive=call.satisfaction == "positive",
            duration=call.duration, final_calls=final, final_duration=call.duration if final else 0, billed_minutes=-(-call.duration // 60),
            first_15=start.minute < 15, first_30=start.minute < 30, first_45=start.minute < 45,
        )  # fmt: skip
    return {key: {name: int(row[name]) for name in stats_sql.COUNTERS} for key, row in out.items()}


def stored_hours() -> dict[tuple, dict[str, int]]:
    return {
        (row.store_id, row.hour, row.ai_agent_key): {name: getattr(row, name) for name in stats_sql.COUNTERS}
        for row in CallHour.objects.all()
    }


def expected_language_hours() -> Counter:
    return Counter((c.store_id, c.start_time.astimezone(UTC).replace(minute=0, second=0, microsecond=0), c.language) for c in Call.objects.all())


def stored_language_hours() -> Counter:
    return Counter({(row.store_id, row.hour, row.language): row.calls for row in CallLanguageHour.objects.all()})


def _random_calls(store, rng: random.Random, n: int, agent=None, model=Call) -> list[Call]:
    return make_calls(
        store, n, prefix=f"R{rng.random()}-",
        statuses=[rng.choice(Call.Status.values) for _ in range(n)],
        types=[rng.choice(["inbound", "outbound"]) for _ in range(n)],
        starts=[NOW - timedelta(minutes=rng.randrange(60 * 24 * 40)) for _ in range(n)],
        durations=[rng.randrange(0, 900) for _ in range(n)],
        languages=[rng.choice(["en", "hi", "es", "EN", "zh-Hant-TW12"]) for _ in range(n)],
        outcome=rng.choice(["", "converted", "Converted", "answered"]), satisfaction=rng.choice(Call.Satisfaction.values), model=model,
        **({"ai_agent": agent} if model is Call else {"ai_agent_id": agent.pk if agent else None}),
    )  # fmt: skip


def _call_model_at(migration: str):
    """calls.Call as the database has it after `migration` (later migrations add columns the model has)."""
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.project_state(("calls", migration)).apps.get_model("calls", "Call")


def test_the_triggers_are_installed(db):
    """Fails when a migration rebuilt calls_call (SQLite does for most field changes) without installing them again:
    add `migrations.RunPython(calls.stats_sql.install ...)` after it, as calls/migrations/0003 and 0004 do."""
    suffixes = ("insert_delete", "update") if connection.vendor == "postgresql" else ("insert", "delete", "update")
    expected = {f"{table}_{suffix}" for table in ("calls_callhour", "calls_calllanguagehour", "calls_customerhour") for suffix in suffixes}

    assert stats_sql.installed(connection) == expected


def test_every_write_path_keeps_the_hours_exact(store, other_store):
    rng = random.Random(7)
    agent = AIAgent.objects.create(store=store, name="Ava")
    _random_calls(store, rng, 120)
    _random_calls(store, rng, 40, agent=agent)
    _random_calls(other_store, rng, 60)
    calls = list(Call.objects.order_by("id"))
    # Through the services...
    create_call(store=store, fields={"call_id": "svc-1", "caller": "+15550000001", "start_time": NOW - timedelta(hours=3)})
    live = Call.objects.get(call_id="svc-1")
    update_call(call=live, fields={"status": "success", "duration": 125, "outcome": "converted"})
    create_call(store=store, fields={"call_id": "svc-2", "start_time": NOW - timedelta(minutes=5)})
    terminate_call(call=Call.objects.get(call_id="svc-2"))
    delete_call(call=calls[0])
    # ...and around them: saves, bulk updates, moves between hours, stores and agents, deletes.
    for call in calls[1:30]:
        call.status, call.duration = rng.choice(Call.Status.values), rng.randrange(1000)
        call.start_time -= timedelta(minutes=rng.randrange(200))
        call.language = rng.choice([call.language, "fr", "hi"])
        call.save()
    # A call moving through the live statuses and changing language as it goes (the row moves between languages).
    create_call(store=store, fields={"call_id": "svc-3", "status": "queued", "language": "en", "start_time": NOW - timedelta(minutes=44)})
    moving = Call.objects.get(call_id="svc-3")
    for status, language in (("ringing", "es"), ("in-progress", "es"), ("success", "mixed")):
        update_call(call=moving, fields={"status": status, "language": language})
    assert Call.objects.get(call_id="svc-3").language == "mixed"
    Call.objects.filter(pk__in=[c.pk for c in calls[101:120]]).update(language="pt-BR")
    Call.objects.filter(pk__in=[c.pk for c in calls[30:60]]).update(satisfaction="positive", outcome="CONVERTED")
    Call.objects.filter(pk__in=[c.pk for c in calls[60:70]]).update(store=other_store)
    Call.objects.filter(pk__in=[c.pk for c in calls[70:90]]).update(ai_agent=agent)
    Call.objects.filter(pk__in=[c.pk for c in calls[90:100]]).delete()
    agent.delete()  # its calls' ai_agent becomes NULL

    assert stored_hours() == expected_hours()
    assert CallHour.objects.filter(calls__lte=0).count() == 0
    assert stored_language_hours() == expected_language_hours()
    assert CallLanguageHour.objects.filter(calls__lte=0).count() == 0
    assert len({language for (_, _, language) in stored_language_hours()}) >= 6


def test_deleting_a_store_empties_its_hours(store, other_store):
    _random_calls(store, random.Random(1), 30)
    _random_calls(other_store, random.Random(2), 10)

    store.delete()

    assert set(CallHour.objects.values_list("store_id", flat=True)) == {other_store.pk}
    assert set(CallLanguageHour.objects.values_list("store_id", flat=True)) == {other_store.pk}
    assert stored_hours() == expected_hours()
    assert stored_language_hours() == expected_language_hours()


def test_a_rebuild_gives_the_same_hours(store):
    _random_calls(store, random.Random(3), 80)
    before, languages = stored_hours(), stored_language_hours()

    stats_sql.install(connection)

    assert stored_hours() == before == expected_hours()
    assert stored_language_hours() == languages == expected_language_hours()


@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Kolkata", "Asia/Kathmandu"])
def test_counts_over_spans_equal_counting_the_calls(store, other_store, tz):
    """Whole hours from CallHour plus the partial hours at the edges (zones at :30 and :45 included)."""
    rng = random.Random(tz)
    _random_calls(store, rng, 300)
    _random_calls(other_store, rng, 50)
    spans = {
        **window_spans(Windows.at(NOW, ZoneInfo(tz))),
        "odd": Span(NOW - timedelta(days=3, minutes=17), NOW - timedelta(hours=5, seconds=3)),
        "inside_an_hour": Span(NOW - timedelta(minutes=50), NOW - timedelta(minutes=21)),
        "all": Span(),
        "open_start": Span(None, NOW - timedelta(days=2, minutes=1)),
    }

    counted = call_counters([store.pk], spans, tuple(stats_sql.COUNTERS))

    for name, span in spans.items():
        calls = Call.objects.filter(store=store)
        if span.since:
            calls = calls.filter(start_time__gte=span.since)
        if span.until:
            calls = calls.filter(start_time__lt=span.until)
        rows = list(calls)
        assert counted[name]["calls"] == len(rows), name
        assert counted[name]["success"] == sum(c.status == "success" for c in rows), name
        assert counted[name]["converted"] == sum(c.outcome.lower() == "converted" for c in rows), name
        assert counted[name]["billed_minutes"] == sum(-(-c.duration // 60) for c in rows), name
        assert counted[name]["final_duration"] == sum(c.duration for c in rows if c.status in Call.FINAL_STATUSES), name


def test_counts_take_two_queries_whatever_the_spans(store, django_assert_num_queries):
    _random_calls(store, random.Random(4), 50)
    spans = {f"s{i}": Span(NOW - timedelta(days=i, minutes=7 * i), NOW - timedelta(minutes=13 * i)) for i in range(1, 9)}

    with django_assert_num_queries(2):
        call_counters([store.pk], spans, ("calls", "billed_minutes"))


def expected_customer_hours() -> dict[tuple, dict[str, int]]:
    out: dict[tuple, Counter] = {}
    for c in Customer.objects.all():
        row = out.setdefault((c.store_id, c.created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)), Counter())
        row.update(customers=1, hot=c.interest_level == "hot", warm=c.interest_level == "warm", cold=c.interest_level == "cold", converted=c.interest_level == "converted", do_not_call=c.do_not_call)
    return {key: {name: int(row[name]) for name in stats_sql.CUSTOMERS.counters} for key, row in out.items()}


def stored_customer_hours() -> dict[tuple, dict[str, int]]:
    return {(row.store_id, row.hour): {name: getattr(row, name) for name in stats_sql.CUSTOMERS.counters} for row in CustomerHour.objects.all()}


def test_customer_hours_follow_every_change(store, other_store):
    rng = random.Random(11)
    customers = Customer.objects.bulk_create(
        Customer(store=rng.choice([store, other_store]), phone=f"+1777{i:07d}", interest_level=rng.choice(Customer.Interest.values), do_not_call=rng.random() < 0.2, created_at=NOW - timedelta(minutes=rng.randrange(60 * 24 * 20)))
        for i in range(200)
    )
    create_call(store=store, fields={"call_id": "new-caller", "caller": "+15559998888", "start_time": NOW})
    for c in customers[:40]:
        c.interest_level, c.do_not_call = rng.choice(Customer.Interest.values), not c.do_not_call
        c.save()
    Customer.objects.filter(pk__in=[c.pk for c in customers[40:60]]).update(interest_level="converted", created_at=NOW)
    Customer.objects.filter(pk__in=[c.pk for c in customers[60:80]]).delete()
    other_store.delete()

    assert stored_customer_hours() == expected_customer_hours()
    counted = customer_counters([store.pk], {"all": Span(), "odd": Span(NOW - timedelta(days=4, minutes=9), NOW - timedelta(minutes=31))}, ("customers", "hot"))
    rows = Customer.objects.filter(store=store)
    assert counted["all"] == {"customers": rows.count(), "hot": rows.filter(interest_level="hot").count()}
    odd = rows.filter(created_at__gte=NOW - timedelta(days=4, minutes=9), created_at__lt=NOW - timedelta(minutes=31))
    assert counted["odd"] == {"customers": odd.count(), "hot": odd.filter(interest_level="hot").count()}


@pytest.mark.django_db(transaction=True)
def test_the_language_migration_counts_the_calls_already_there(store, other_store):
    """calls 0005 (CallLanguageHour; CallHour's live statuses apart and minutes of the hour) counts the calls already there."""
    from django.core.management import call_command

    call_command("migrate", "calls", "0004_customer_hour", verbosity=0)
    try:
        assert not {name for name in stats_sql.installed(connection) if name.startswith("calls_call")}  # the calls below are not counted yet
        before = _call_model_at("0004_customer_hour")
        _random_calls(store, random.Random(12), 120, model=before)
        _random_calls(other_store, random.Random(13), 30, model=before)
    finally:
        call_command("migrate", "calls", verbosity=0)

    assert CallHour.objects.count() > 0
    assert stored_hours() == expected_hours()
    assert stored_language_hours() == expected_language_hours()
    assert stats_sql.installed(connection) == stats_sql.trigger_names(connection.vendor)
