"""The triggers that keep the hourly totals exact: `CallHour` and `CallLanguageHour` over calls, `CustomerHour` over customers.

Each call (customer) adds 1, and its figures, to its store's hour. Why triggers and not the
services: rows are also written by bulk inserts, COPY (seed_demo), the admin and cascades; a
trigger sees every one of them. The counters below are the single definition of each figure;
dashboard.queries sums them and counts the same conditions live (`live_counter`) for the partial
hours at the ends of a period.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timezone as dt_timezone
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, BigIntegerField, Case, Count, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import ExtractMinute
from django.db.models.lookups import LessThan

FINAL = ("success", "failed", "missed", "terminated")
LIVE = ("queued", "ringing", "in-progress")


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@dataclass(frozen=True)
class Rollup:
    """Hourly totals of a source table: counter -> SQL over a source row `r`, and its ORM equivalent."""

    source: str
    target: str
    time: str
    counters: dict[str, str]
    conditions: dict[str, Q]  # counted counters: the rows they count
    summed: dict[str, Any] = field(default_factory=dict)  # summed counters: the expression they add up
    # Extra key columns of the target: name -> SQL over `r`.
    keys: dict[str, str] = field(default_factory=dict)
    # Counters may read `{minute}`: the minute (0-59, UTC) of the row's time column, whatever the session's zone.

    @property
    def watched(self) -> tuple[str, ...]:
        """The source columns an UPDATE must change for the totals to move."""
        sql = " ".join([*self.counters.values(), *self.keys.values()])
        return tuple(sorted({"store_id", self.time, *re.findall(r"\br\.(\w+)", sql)}))

    def live_counter(self, name: str, condition: Q) -> Aggregate:
        """The ORM aggregate over source rows that counts what counters[name] adds up, for the rows matching `condition`."""
        if name in self.summed:
            return Sum(self.summed[name], filter=condition, default=0)
        return Count("pk", filter=condition & self.conditions[name])


CALLS = Rollup(
    source="calls_call",
    target="calls_callhour",
    time="start_time",
    keys={"ai_agent_key": "COALESCE(r.ai_agent_id, 0)"},
    counters={
        "calls": "1",
        "success": _flag("r.status = 'success'"),
        "failed": _flag("r.status = 'failed'"),
        "missed": _flag("r.status = 'missed'"),
        "terminated": _flag("r.status = 'terminated'"),
        "live": _flag(f"r.status IN {_in(LIVE)}"),
        "queued": _flag("r.status = 'queued'"),
        "ringing": _flag("r.status = 'ringing'"),
        "in_progress": _flag("r.status = 'in-progress'"),
        "inbound": _flag("r.type = 'inbound'"),
        "outbound": _flag("r.type = 'outbound'"),
        # The dashboard's definition of a conversion: the call's outcome is "converted", any case.
        "converted": _flag("lower(r.outcome) = 'converted'"),
        "rated": _flag("r.satisfaction <> 'unknown'"),
        "positive": _flag("r.satisfaction = 'positive'"),
        "duration": "r.duration",
        "final_calls": _flag(f"r.status IN {_in(FINAL)}"),
        "final_duration": f"CASE WHEN r.status IN {_in(FINAL)} THEN r.duration ELSE 0 END",
        # Carriers bill each call by the started minute.
        "billed_minutes": "(r.duration + 59) / 60",
        # Calls that began in the hour's first 15, 30 and 45 minutes: where a zone's local hours begin at :15, :30
        # or :45 UTC (India, Nepal, ...), they split the hour between two local hours.
        "first_15": _flag("{minute} < 15"),
        "first_30": _flag("{minute} < 30"),
        "first_45": _flag("{minute} < 45"),
    },
    conditions={
        "calls": Q(),
        "success": Q(status="success"),
        "failed": Q(status="failed"),
        "missed": Q(status="missed"),
        "terminated": Q(status="terminated"),
        "live": Q(status__in=LIVE),
        "queued": Q(status="queued"),
        "ringing": Q(status="ringing"),
        "in_progress": Q(status="in-progress"),
        "inbound": Q(type="inbound"),
        "outbound": Q(type="outbound"),
        "converted": Q(outcome__iexact="converted"),
        "rated": ~Q(satisfaction="unknown"),
        "positive": Q(satisfaction="positive"),
        "final_calls": Q(status__in=FINAL),
        "first_15": Q(LessThan(ExtractMinute("start_time", tzinfo=dt_timezone.utc), 15)),
        "first_30": Q(LessThan(ExtractMinute("start_time", tzinfo=dt_timezone.utc), 30)),
        "first_45": Q(LessThan(ExtractMinute("start_time", tzinfo=dt_timezone.utc), 45)),
    },
    summed={
        "duration": F("duration"),
        "final_duration": Case(When(status__in=FINAL, then=F("duration")), default=Value(0), output_field=BigIntegerField()),
        "billed_minutes": ExpressionWrapper((F("duration") + 59) / 60, output_field=BigIntegerField()),
    },
)
# GET /api/calls/analytics's languageDistribution: calls per language (free text, as the call holds it) an hour.
LANGUAGES = Rollup(
    source="calls_call",
    target="calls_calllanguagehour",
    time="start_time",
    keys={"language": "r.language"},
    counters={"calls": "1"},
    conditions={"calls": Q()},
)
CUSTOMERS = Rollup(
    source="calls_customer",
    target="calls_customerhour",
    time="created_at",
    counters={
        "customers": "1",
        "hot": _flag("r.interest_level = 'hot'"),
        "warm": _flag("r.interest_level = 'warm'"),
        "cold": _flag("r.interest_level = 'cold'"),
        "converted": _flag("r.interest_level = 'converted'"),
        "do_not_call": _flag("r.do_not_call"),
    },
    conditions={
        "customers": Q(),
        "hot": Q(interest_level="hot"),
        "warm": Q(interest_level="warm"),
        "cold": Q(interest_level="cold"),
        "converted": Q(interest_level="converted"),
        "do_not_call": Q(do_not_call=True),
    },
)
ROLLUPS = (CALLS, LANGUAGES, CUSTOMERS)
# Kept for readers of the call figures.
COUNTERS = CALLS.counters


def live_counter(name: str, condition: Q) -> Aggregate:
    return CALLS.live_counter(name, condition)


def _hour(vendor: str, rollup: Rollup, row: str) -> str:
    column = f"{row}.{rollup.time}"
    if vendor == "postgresql":
        # Independent of the session's time zone (a psql session or COPY may run in another one).
        return f"date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    # Django keeps SQLite datetimes as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
    return f"strftime('%Y-%m-%d %H:00:00', {column})"


def _minute(vendor: str, rollup: Rollup) -> str:
    if vendor == "postgresql":
        return f"CAST(extract(minute FROM r.{rollup.time} AT TIME ZONE 'UTC') AS integer)"
    return f"CAST(strftime('%M', r.{rollup.time}) AS integer)"


def _on(expr: str, row: str) -> str:
    return expr.replace("r.", f"{row}.")


def _counter(vendor: str, rollup: Rollup, name: str, row: str) -> str:
    """counters[name] as SQL over `row` on this database."""
    return _on(rollup.counters[name].replace("{minute}", _minute(vendor, rollup)), row)


def _key(vendor: str, rollup: Rollup, row: str) -> str:
    parts = [f"store_id = {row}.store_id", f"hour = {_hour(vendor, rollup, row)}"]
    parts += [f"{name} = {_on(expr, row)}" for name, expr in rollup.keys.items()]
    return " AND ".join(parts)


def _add(vendor: str, rollup: Rollup, row: str) -> str:
    keys = ["store_id", "hour", *rollup.keys]
    names = ", ".join([*keys, *rollup.counters])
    values = ", ".join([f"{row}.store_id", _hour(vendor, rollup, row), *(_on(e, row) for e in rollup.keys.values()), *(_counter(vendor, rollup, c, row) for c in rollup.counters)])
    updates = ", ".join(f"{name} = {rollup.target}.{name} + excluded.{name}" for name in rollup.counters)
    return f"INSERT INTO {rollup.target} ({names}) VALUES ({values}) ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"


def _subtract(vendor: str, rollup: Rollup, row: str) -> list[str]:
    # An UPDATE, never an upsert: a row already gone (a flushed table) stays gone, never negative.
    first = next(iter(rollup.counters))
    updates = ", ".join(f"{name} = {name} - ({_counter(vendor, rollup, name, row)})" for name in rollup.counters)
    return [
        f"UPDATE {rollup.target} SET {updates} WHERE {_key(vendor, rollup, row)}",
        f"DELETE FROM {rollup.target} WHERE {_key(vendor, rollup, row)} AND {first} <= 0",
    ]


def trigger_names(vendor: str) -> set[str]:
    suffixes = ("insert_delete", "update") if vendor == "postgresql" else ("insert", "delete", "update")
    return {f"{rollup.target}_{suffix}" for rollup in ROLLUPS for suffix in suffixes}


def install_sql(vendor: str, rollup: Rollup) -> list[str]:
    """Statements creating (or replacing) one rollup's triggers on this database."""
    t, source = rollup.target, rollup.source
    if vendor == "postgresql":
        changed = " OR ".join(f"OLD.{col} IS DISTINCT FROM NEW.{col}" for col in rollup.watched)
        body = "; ".join(
            [
                "IF TG_OP IN ('UPDATE', 'DELETE') THEN " + "; ".join(_subtract(vendor, rollup, "OLD")) + "; END IF",
                "IF TG_OP IN ('UPDATE', 'INSERT') THEN " + _add(vendor, rollup, "NEW") + "; END IF",
                "RETURN NULL",
            ]
        )
        return [
            f"CREATE OR REPLACE FUNCTION {t}_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; END $$",
            f"DROP TRIGGER IF EXISTS {t}_insert_delete ON {source}",
            f"DROP TRIGGER IF EXISTS {t}_update ON {source}",
            f"CREATE TRIGGER {t}_insert_delete AFTER INSERT OR DELETE ON {source} FOR EACH ROW EXECUTE FUNCTION {t}_sync()",
            f"CREATE TRIGGER {t}_update AFTER UPDATE ON {source} FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {t}_sync()",
        ]
    if vendor == "sqlite":
        changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in rollup.watched)
        return [
            f"CREATE TRIGGER IF NOT EXISTS {t}_insert AFTER INSERT ON {source} BEGIN {_add(vendor, rollup, 'NEW')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {t}_delete AFTER DELETE ON {source} BEGIN " + "; ".join(_subtract(vendor, rollup, "OLD")) + "; END",
            f"CREATE TRIGGER IF NOT EXISTS {t}_update AFTER UPDATE OF {', '.join(rollup.watched)} ON {source} WHEN {changed} BEGIN "
            + "; ".join([*_subtract(vendor, rollup, "OLD"), _add(vendor, rollup, "NEW")])
            + "; END",
        ]
    raise NotImplementedError(f"Hourly totals have triggers for PostgreSQL and SQLite, not {vendor}.")


def rebuild_sql(vendor: str, rollup: Rollup) -> list[str]:
    """Statements recounting every hour from the source rows (a backfill, or a repair)."""
    keys = [f"r.store_id", _hour(vendor, rollup, "r"), *rollup.keys.values()]
    names = ", ".join(["store_id", "hour", *rollup.keys, *rollup.counters])
    sums = ", ".join(f"SUM({_counter(vendor, rollup, name, 'r')})" for name in rollup.counters)
    return [
        f"DELETE FROM {rollup.target}",
        f"INSERT INTO {rollup.target} ({names}) SELECT {', '.join(keys)}, {sums} FROM {rollup.source} r GROUP BY {', '.join(keys)}",
    ]


def install(connection: BaseDatabaseWrapper, *, rebuild: bool = True, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    """Create the triggers and, by default, recount the hours of the rows already there."""
    with connection.cursor() as cursor:
        for rollup in rollups:
            for statement in install_sql(connection.vendor, rollup) + (rebuild_sql(connection.vendor, rollup) if rebuild else []):
                cursor.execute(statement)


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of the rollup triggers present on this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()} & trigger_names(connection.vendor)


def uninstall(connection: BaseDatabaseWrapper, *, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    with connection.cursor() as cursor:
        for rollup in rollups:
            for name in ("insert_delete", "update", "insert", "delete"):
                if connection.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {rollup.target}_{name} ON {rollup.source}")
                else:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {rollup.target}_{name}")
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {rollup.target}_sync()")
