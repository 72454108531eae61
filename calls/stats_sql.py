"""The triggers that keep `CallHour` exact: each call adds 1 (and its figures) to its store's hour.

Why triggers and not the services: calls are also written by bulk inserts, COPY (seed_demo), the
admin and cascades; a trigger sees every one of them. The counters below are the single
definition of each figure; dashboard.queries reads them and counts the same conditions live for
the partial hours at the edges of a period.
"""
from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, BigIntegerField, Case, Count, ExpressionWrapper, F, Q, Sum, Value, When

FINAL = "('success', 'failed', 'missed', 'terminated')"
LIVE = "('queued', 'ringing', 'in-progress')"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


# counter -> SQL over a calls_call row `r`
COUNTERS = {
    "calls": "1",
    "success": _flag("r.status = 'success'"),
    "failed": _flag("r.status = 'failed'"),
    "missed": _flag("r.status = 'missed'"),
    "terminated": _flag("r.status = 'terminated'"),
    "live": _flag(f"r.status IN {LIVE}"),
    "inbound": _flag("r.type = 'inbound'"),
    "outbound": _flag("r.type = 'outbound'"),
    # The dashboard's definition of a conversion: the call's outcome is "converted", any case.
    "converted": _flag("lower(r.outcome) = 'converted'"),
    "rated": _flag("r.satisfaction <> 'unknown'"),
    "positive": _flag("r.satisfaction = 'positive'"),
    "duration": "r.duration",
    "final_calls": _flag(f"r.status IN {FINAL}"),
    "final_duration": f"CASE WHEN r.status IN {FINAL} THEN r.duration ELSE 0 END",
    # Carriers bill each call by the started minute.
    "billed_minutes": "(r.duration + 59) / 60",
}
WATCHED = ("store_id", "start_time", "status", "type", "duration", "outcome", "satisfaction", "ai_agent_id")
HOUR = {
    # Independent of the session's time zone (a psql session or COPY may run in another one).
    "postgresql": "date_trunc('hour', r.start_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    # Django keeps SQLite datetimes as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
    "sqlite": "strftime('%Y-%m-%d %H:00:00', r.start_time)",
}
TRIGGERS = ("calls_callhour_insert", "calls_callhour_delete", "calls_callhour_update", "calls_callhour_insert_delete")


def _key(vendor: str, row: str) -> str:
    hour = HOUR[vendor].replace("r.", f"{row}.")
    return f"store_id = {row}.store_id AND hour = {hour} AND ai_agent_key = COALESCE({row}.ai_agent_id, 0)"


def _add(vendor: str, row: str) -> str:
    names = ", ".join(COUNTERS)
    values = ", ".join(expr.replace("r.", f"{row}.") for expr in COUNTERS.values())
    updates = ", ".join(f"{name} = calls_callhour.{name} + excluded.{name}" for name in COUNTERS)
    hour = HOUR[vendor].replace("r.", f"{row}.")
    return (
        f"INSERT INTO calls_callhour (store_id, hour, ai_agent_key, {names}) "
        f"VALUES ({row}.store_id, {hour}, COALESCE({row}.ai_agent_id, 0), {values}) "
        f"ON CONFLICT (store_id, hour, ai_agent_key) DO UPDATE SET {updates}"
    )


def _subtract(vendor: str, row: str) -> list[str]:
    # An UPDATE, never an upsert: a row already gone (a flushed table) stays gone, never negative.
    updates = ", ".join(f"{name} = {name} - ({expr.replace('r.', f'{row}.')})" for name, expr in COUNTERS.items())
    return [
        f"UPDATE calls_callhour SET {updates} WHERE {_key(vendor, row)}",
        f"DELETE FROM calls_callhour WHERE {_key(vendor, row)} AND calls <= 0",
    ]


def install_sql(vendor: str) -> list[str]:
    """Statements creating (or replacing) the triggers on this database."""
    changed = " OR ".join(f"OLD.{col} IS DISTINCT FROM NEW.{col}" for col in WATCHED)
    if vendor == "postgresql":
        body = "; ".join(
            [
                "IF TG_OP IN ('UPDATE', 'DELETE') THEN " + "; ".join(_subtract(vendor, "OLD")) + "; END IF",
                "IF TG_OP IN ('UPDATE', 'INSERT') THEN " + _add(vendor, "NEW") + "; END IF",
                "RETURN NULL",
            ]
        )
        return [
            f"CREATE OR REPLACE FUNCTION calls_callhour_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; END $$",
            "DROP TRIGGER IF EXISTS calls_callhour_insert_delete ON calls_call",
            "DROP TRIGGER IF EXISTS calls_callhour_update ON calls_call",
            "CREATE TRIGGER calls_callhour_insert_delete AFTER INSERT OR DELETE ON calls_call "
            "FOR EACH ROW EXECUTE FUNCTION calls_callhour_sync()",
            f"CREATE TRIGGER calls_callhour_update AFTER UPDATE ON calls_call FOR EACH ROW WHEN ({changed}) "
            "EXECUTE FUNCTION calls_callhour_sync()",
        ]
    if vendor == "sqlite":
        sqlite_changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in WATCHED)
        return [
            f"CREATE TRIGGER IF NOT EXISTS calls_callhour_insert AFTER INSERT ON calls_call BEGIN {_add(vendor, 'NEW')}; END",
            "CREATE TRIGGER IF NOT EXISTS calls_callhour_delete AFTER DELETE ON calls_call BEGIN "
            + "; ".join(_subtract(vendor, "OLD"))
            + "; END",
            f"CREATE TRIGGER IF NOT EXISTS calls_callhour_update AFTER UPDATE OF {', '.join(WATCHED)} ON calls_call "
            f"WHEN {sqlite_changed} BEGIN " + "; ".join([*_subtract(vendor, "OLD"), _add(vendor, "NEW")]) + "; END",
        ]
    raise NotImplementedError(f"CallHour triggers exist for PostgreSQL and SQLite, not {vendor}.")


def rebuild_sql(vendor: str) -> list[str]:
    """Statements recounting every hour from the calls (a backfill, or a repair)."""
    names = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({expr})" for expr in COUNTERS.values())
    return [
        "DELETE FROM calls_callhour",
        f"INSERT INTO calls_callhour (store_id, hour, ai_agent_key, {names}) "
        f"SELECT r.store_id, {HOUR[vendor]}, COALESCE(r.ai_agent_id, 0), {sums} FROM calls_call r "
        f"GROUP BY r.store_id, {HOUR[vendor]}, COALESCE(r.ai_agent_id, 0)",
    ]


def install(connection: BaseDatabaseWrapper, *, rebuild: bool = True) -> None:
    """Create the triggers and, by default, recount the hours of the calls already there."""
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor) + (rebuild_sql(connection.vendor) if rebuild else []):
            cursor.execute(statement)


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of the CallHour triggers present on this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'calls_call'::regclass AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'calls_call'")
        return {name for (name,) in cursor.fetchall() if name in TRIGGERS}


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS calls_callhour_insert_delete ON calls_call")
            cursor.execute("DROP TRIGGER IF EXISTS calls_callhour_update ON calls_call")
            cursor.execute("DROP FUNCTION IF EXISTS calls_callhour_sync()")
        else:
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def live_counter(name: str, condition: Q) -> Aggregate:
    """The ORM aggregate over calls that counts what COUNTERS[name] adds up, for the calls matching `condition`."""
    if name in SUMMED:
        return Sum(SUMMED[name], filter=condition, default=0)
    return Count("pk", filter=condition & LIVE_CONDITIONS[name])


LIVE_CONDITIONS: dict[str, Q] = {
    "calls": Q(),
    "success": Q(status="success"),
    "failed": Q(status="failed"),
    "missed": Q(status="missed"),
    "terminated": Q(status="terminated"),
    "live": Q(status__in=["queued", "ringing", "in-progress"]),
    "inbound": Q(type="inbound"),
    "outbound": Q(type="outbound"),
    "converted": Q(outcome__iexact="converted"),
    "rated": ~Q(satisfaction="unknown"),
    "positive": Q(satisfaction="positive"),
    "final_calls": Q(status__in=["success", "failed", "missed", "terminated"]),
}
SUMMED: dict[str, Any] = {
    "duration": F("duration"),
    "final_duration": Case(When(status__in=["success", "failed", "missed", "terminated"], then=F("duration")), default=Value(0), output_field=BigIntegerField()),
    "billed_minutes": ExpressionWrapper((F("duration") + 59) / 60, output_field=BigIntegerField()),
}
