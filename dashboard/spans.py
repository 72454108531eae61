"""Time spans of the dashboard and counting over them from the hourly totals (CallHour, CustomerHour).

Today, this week and this month run in one time zone; a figure over any span sums the whole hours
of its hourly totals and counts the partial hours at its ends from the rows themselves, so it
costs two queries whatever the history.
"""
from __future__ import annotations

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from calls import stats_sql
from calls.hourly import ceil_hour, floor_hour
from calls.models import Call, CallHour, Customer, CustomerHour


@dataclass(frozen=True)
class Windows:
    """Today, this week (from Monday) and this month so far, and the same spans of the previous week and month.

    The previous spans end at the same point of their week or month as now (clamped to a shorter
    month's end), so a Tuesday morning is compared with last Tuesday morning, never a whole week.
    """

    now: datetime
    tz: zoneinfo.ZoneInfo
    today: datetime
    week: datetime
    previous_week: datetime
    previous_week_until: datetime
    month: datetime
    previous_month: datetime
    previous_month_until: datetime

    @classmethod
    def at(cls, now: datetime, tz: zoneinfo.ZoneInfo) -> "Windows":
        local = now.astimezone(tz)
        today = local.replace(hour=0, minute=0, second=0, microsecond=0)
        week = today - timedelta(days=today.weekday())
        month = today.replace(day=1)
        previous_month = (month - timedelta(days=1)).replace(day=1)
        # Wall-clock arithmetic (same tzinfo): the same day and time of the previous month.
        last_day = calendar.monthrange(previous_month.year, previous_month.month)[1]
        same_point = previous_month.replace(day=min(local.day, last_day), hour=local.hour, minute=local.minute, second=local.second, microsecond=local.microsecond)
        return cls(
            now=now,
            tz=tz,
            today=today,
            week=week,
            previous_week=week - timedelta(days=7),
            previous_week_until=local - timedelta(days=7),
            month=month,
            previous_month=previous_month,
            previous_month_until=min(same_point, month) if local.day <= last_day else month,
        )

    def spans(self, field: str) -> dict[str, Q]:
        """Q filters on a timestamp field for today, this week and month, and their previous spans."""
        return {
            "today": Q(**{f"{field}__gte": self.today}),
            "this_week": Q(**{f"{field}__gte": self.week}),
            "previous_week": Q(**{f"{field}__gte": self.previous_week, f"{field}__lt": self.previous_week_until}),
            "this_month": Q(**{f"{field}__gte": self.month}),
            "previous_month": Q(**{f"{field}__gte": self.previous_month, f"{field}__lt": self.previous_month_until}),
        }


def scoped(qs: QuerySet, store_ids: list[int] | None, field: str = "store_id") -> QuerySet:
    return qs if store_ids is None else qs.filter(**{f"{field}__in": store_ids})


@dataclass(frozen=True)
class Span:
    """[since, until) of call start times (None: open); `store_id` narrows it to one store of the scope."""

    since: datetime | None = None
    until: datetime | None = None
    store_id: int | None = None


def call_counters(store_ids: list[int] | None, spans: dict[str, Span], counters: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """`counters` (calls/stats_sql.CALLS) of the calls in each span, in two queries whatever the history."""
    return rollup_counters(stats_sql.CALLS, CallHour, Call, store_ids, spans, counters)


def customer_counters(store_ids: list[int] | None, spans: dict[str, Span], counters: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """`counters` (calls/stats_sql.CUSTOMERS) of the customers who became customers in each span: two queries."""
    return rollup_counters(stats_sql.CUSTOMERS, CustomerHour, Customer, store_ids, spans, counters)


def rollup_counters(rollup: stats_sql.Rollup, hours: type, rows: type, store_ids: list[int] | None, spans: dict[str, Span], counters: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Whole hours of each span from the hourly totals; the partial hours at its ends (a week ago now, a
    subscription that started at 10:07) counted from the rows themselves, which an index on the time
    column keeps to a few minutes of rows."""
    hourly: dict[str, tuple[HourRange, str]] = {}
    live: dict[str, Any] = {}
    any_edge = Q(pk__in=[])
    for name, span in spans.items():
        inner, edges = _split(span, rollup.time)
        store = Q(store_id=span.store_id) if span.store_id is not None else Q()
        for counter in counters:
            if inner is not None:
                hourly[f"{name}__{counter}"] = (HourRange(inner.low, inner.high, span.store_id), counter)
            if edges is not None:
                live[f"{name}__{counter}"] = rollup.live_counter(counter, store & edges)
        if edges is not None:
            any_edge |= store & edges
    from_hours = _sum_hours(hours, store_ids, hourly) if hourly else {}
    # The WHERE holds the edges too, so the time index reads only their minutes of rows.
    from_rows = scoped(rows.objects.filter(any_edge), store_ids).aggregate(**live) if live else {}
    return {
        name: {c: int(from_hours.get(f"{name}__{c}") or 0) + int(from_rows.get(f"{name}__{c}") or 0) for c in counters}
        for name in spans
    }


@dataclass(frozen=True)
class HourRange:
    """Whole hours [low, high) of the hourly totals (None: open), of one store of the scope or all of it."""

    low: datetime | None
    high: datetime | None
    store_id: int | None = None


def _sum_hours(hours: type, store_ids: list[int] | None, wanted: dict[str, tuple[HourRange, str]]) -> dict[str, int]:
    """SUM(counter) FILTER (hours of the range) for each wanted figure, in one query over the scope's hourly rows.

    Written as SQL here rather than as ORM aggregates: the ORM took ~20 ms of CPU to compile the
    dashboard's ~90 filtered sums (more than PostgreSQL takes to answer them), this takes well under 1.
    Names come from the model, values are parameters.
    """
    ops = connection.ops
    quote = ops.quote_name
    columns = {f.name: f.column for f in hours._meta.concrete_fields}
    selects, params = [], []
    for counter_range, counter in wanted.values():
        conditions = []
        if counter_range.low is not None:
            conditions.append(f"{quote(columns['hour'])} >= %s")
            params.append(ops.adapt_datetimefield_value(counter_range.low))
        if counter_range.high is not None:
            conditions.append(f"{quote(columns['hour'])} < %s")
            params.append(ops.adapt_datetimefield_value(counter_range.high))
        if counter_range.store_id is not None:
            conditions.append(f"{quote(columns['store_id'])} = %s")
            params.append(counter_range.store_id)
        column = quote(columns[counter])
        summed = f"SUM({column}) FILTER (WHERE {' AND '.join(conditions)})" if conditions else f"SUM({column})"
        selects.append(f"COALESCE({summed}, 0)")
    sql = f"SELECT {', '.join(selects)} FROM {quote(hours._meta.db_table)}"
    if store_ids is not None:
        sql += f" WHERE {quote(columns['store_id'])} IN ({', '.join(['%s'] * len(store_ids))})" if store_ids else " WHERE 1 = 0"
        params.extend(store_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(wanted, row)}


def _split(span: Span, field: str) -> tuple[HourRange | None, Q | None]:
    """The whole hours of a span (on the hourly totals) and its partial hours (a filter on `field` of the rows)."""
    low = ceil_hour(span.since) if span.since else None
    high = floor_hour(span.until) if span.until else None
    if low is not None and high is not None and low >= high:
        # Within an hour or two: count it all from the rows.
        return None, Q(**{f"{field}__gte": span.since, f"{field}__lt": span.until})
    inner = HourRange(low, high)
    edges = []
    if low is not None:
        if low != span.since:
            edges.append(Q(**{f"{field}__gte": span.since, f"{field}__lt": low}))
    if high is not None:
        if high != span.until:
            edges.append(Q(**{f"{field}__gte": high, f"{field}__lt": span.until}))
    either = None
    for edge in edges:
        either = edge if either is None else either | edge
    return inner, either


def window_spans(windows: Windows) -> dict[str, Span]:
    return {
        "today": Span(windows.today),
        "this_week": Span(windows.week),
        "previous_week": Span(windows.previous_week, windows.previous_week_until),
        "this_month": Span(windows.month),
        "previous_month": Span(windows.previous_month, windows.previous_month_until),
    }
