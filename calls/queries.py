"""Reads over calls: filters, stats and analytics, a fixed number of queries each."""
from __future__ import annotations

import functools
import operator
import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from calls import hourly
from calls import stats_sql
from calls.models import Call, CallHour, CallLanguageHour, TranscriptEntry, transcript_line
from calls.serializers import SORT_FIELDS, call_to_dict

PERIODS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90}


def parse_bound(value: str, *, field: str, tz: zoneinfo.ZoneInfo, end: bool = False) -> datetime:
    """A date or datetime query parameter; a bare date means the whole day in `tz`."""
    try:
        # The date first: parse_datetime() reads "2025-10-05" as midnight, which would cut a bare endDate's day.
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ValidationError({field: [f"'{value}' is not a date (YYYY-MM-DD) or an ISO 8601 date-time."]})
    # Calls happen between 1970 and 2100 (as the write side insists); near year 1 or 9999 the
    # day and time zone arithmetic here and in the stats overflows Python's datetime (a 500).
    if not 1970 <= (day or moment).year < 2100:
        raise ValidationError({field: ["Use a date between 1970 and 2100."]})
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
        if end:
            moment -= timedelta(microseconds=1)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    return moment


def filter_calls(qs: QuerySet[Call], params: dict[str, Any], tz: zoneinfo.ZoneInfo) -> QuerySet[Call]:
    """Apply GET /api/calls filters (already validated by CallFilterSerializer) and its sort."""
    for name in ("type", "status", "language", "caller", "receiver"):
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    if params.get("search"):
        qs = qs.filter(pk__in=search_ids(params["search"]))
    since, until = date_range(params, tz)
    if since:
        qs = qs.filter(start_time__gte=since)
    if until:
        qs = qs.filter(start_time__lte=until)
    column = SORT_FIELDS[params.get("sortBy") or "startTime"]
    ascending = params.get("sortOrder") == "asc"
    key: Any = column if ascending else f"-{column}"
    if Call._meta.get_field(column).null:
        # A live call has no endTime yet: it sorts as the latest on SQLite as on PostgreSQL
        # (whose default this is, so its indexes still serve the sort).
        key = F(column).asc(nulls_last=True) if ascending else F(column).desc(nulls_first=True)
    return qs.order_by(key, "id" if ascending else "-id")


# A number as people type one: digits with spaces, dots, dashes, brackets and a leading + ("+1 555 999 0001").
TYPED_NUMBER = re.compile(r"\+?[\d\s().-]+")


def search_ids(term: str) -> QuerySet:
    """The ids of the calls `term` finds: part of the caller, receiver or callId, a number however it was typed
    ("+1 555 999 0001" and "(555) 999-0001" find +15559990001), or words of the transcript.

    One UNION of an id list per column (case-insensitive substrings, as icontains): on PostgreSQL each part
    reads its trigram index (calls/migrations/0006 and 0007) and the calls are then fetched by id. An OR of
    the same conditions over calls_call cannot use the transcript's index, so it read every call of the store."""
    term = term.strip()
    terms = [term]
    digits = re.sub(r"\D", "", term)
    if TYPED_NUMBER.fullmatch(term) and len(digits) >= 3 and digits != term:
        terms.append(digits)
    parts = [Call.objects.filter(**{f"{column}__icontains": t}).values("pk") for t in terms for column in ("caller", "receiver")]
    parts.append(Call.objects.filter(call_id__icontains=term).values("pk"))
    parts.append(TranscriptEntry.objects.filter(text__icontains=term).values("call_id"))
    return parts[0].order_by().union(*(part.order_by() for part in parts[1:]))


# What a call's one-line summary is taken from when the bot sent none (metadata.summary): the first thing
# the caller said, within the transcript's first lines.
SUMMARY_LINES = 4
SUMMARY_CHARS = 100
CALLER_SPEAKERS = ("user", "caller", "customer")
# Twilio's DialCallStatus for a transfer nobody took.
UNANSWERED_DIAL = ("busy", "no-answer", "failed", "canceled")


def with_summaries(calls: list[Call]) -> list[Call]:
    """Give each call of a page `summary` (one line) and `transfer` (whom it was put through to, and
    whether they answered), for the history's columns: one query for the page's first transcript lines."""
    wanted = [call.pk for call in calls if not (call.metadata or {}).get("summary")]
    first_lines: dict[int, str] = {}
    if wanted:
        rows = TranscriptEntry.objects.filter(call_id__in=wanted, seq__lt=SUMMARY_LINES).order_by("call_id", "seq")
        for call_id, speaker, text in rows.values_list("call_id", "speaker", "text"):
            if speaker.lower() in CALLER_SPEAKERS and text.strip():
                first_lines.setdefault(call_id, text.strip())
    for call in calls:
        metadata = call.metadata if isinstance(call.metadata, dict) else {}
        line = str(metadata.get("summary") or first_lines.get(call.pk, "")).splitlines()
        line = line[0] if line else ""
        call.summary = line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1].rstrip() + "…"
        target = str(metadata.get("transferTo") or "")
        call.transfer = f"{target} (no answer)" if target and metadata.get("dialStatus") in UNANSWERED_DIAL else target
    return calls


def count_calls(qs: QuerySet[Call], params: dict[str, Any], store_ids: list[int] | None, tz: zoneinfo.ZoneInfo) -> int:
    """How many calls `qs` (filter_calls of `params` over the stores `store_ids`, None: all) holds.

    When the filter only narrows by store, dates and one of status, type or language, the trigger-kept
    hourly totals answer exactly, in a few milliseconds instead of a COUNT(*) of every matching call
    (160 ms for 666,000 at a million calls); otherwise COUNT(*).
    """
    found = rollup_counter(params)
    if found is None:
        return qs.count()
    model, counter = found
    since, until = date_range(params, tz)
    # The whole UTC hours of the range come from the totals, the calls of an hour its ends cut are counted.
    first = hourly.ceil_hour(since) if since else None
    end = hourly.floor_hour(until + timedelta(microseconds=1)) if until else None
    if first and end and first >= end:
        return qs.count()  # within two hours: as cheap to count the calls
    # Several rows an hour (per AI agent, per language): the totals are always summed over the rows.
    hours = model.objects.all() if store_ids is None else model.objects.filter(store_id__in=store_ids)
    if params.get("language"):
        hours = hours.filter(language=params["language"])
    if first:
        hours = hours.filter(hour__gte=first)
    if end:
        hours = hours.filter(hour__lt=end)
    total = hours.aggregate(total=Sum(counter, default=0))["total"]
    cut = [Q(start_time__lt=first)] if since and first != since else []
    if until and end != until + timedelta(microseconds=1):
        cut.append(Q(start_time__gte=end))
    return total + (qs.filter(functools.reduce(operator.or_, cut)).count() if cut else 0)


# The hourly totals of calls, by the call fields their rows are keyed by.
CALL_ROLLUPS = ((CallHour, stats_sql.CALLS), (CallLanguageHour, stats_sql.LANGUAGES))


def rollup_counter(params: dict[str, Any]) -> tuple[type[CallHour | CallLanguageHour], str] | None:
    """The hourly totals and their counter that count exactly the calls `params` filter for; None when none do."""
    if any(params.get(name) for name in ("caller", "receiver", "search")):
        return None
    narrowing = Q(**{name: params[name] for name in ("status", "type") if params.get(name)})
    for model, rollup in CALL_ROLLUPS:
        # A language filter picks rows by a key column that holds the call's language as it is.
        if params.get("language") and rollup.keys.get("language") != "r.language":
            continue
        # A status and a type together (or with a language): no counter counts both, COUNT(*) then.
        counter = next((name for name, condition in rollup.conditions.items() if condition == narrowing), None)
        if counter:
            return model, counter
    return None


def date_range(params: dict[str, Any], tz: zoneinfo.ZoneInfo) -> tuple[datetime | None, datetime | None]:
    since = parse_bound(params["startDate"], field="startDate", tz=tz) if params.get("startDate") else None
    until = parse_bound(params["endDate"], field="endDate", tz=tz, end=True) if params.get("endDate") else None
    if since and until and until < since:
        raise ValidationError({"endDate": ["endDate is before startDate."]})
    return since, until


def call_totals(qs: QuerySet[Call]) -> dict[str, Any]:
    """Counts, durations and success rate of the calls in `qs`, in one query."""
    row = qs.aggregate(
        totalCalls=Count("id"),
        successfulCalls=Count("id", filter=Q(status=Call.Status.SUCCESS)),
        failedCalls=Count("id", filter=Q(status=Call.Status.FAILED)),
        missedCalls=Count("id", filter=Q(status=Call.Status.MISSED)),
        terminatedCalls=Count("id", filter=Q(status=Call.Status.TERMINATED)),
        activeCalls=Count("id", filter=Q(status__in=Call.LIVE_STATUSES)),
        # Durations of calls that have ended; a live call's 0 would drag the average down.
        averageDuration=Avg("duration", filter=Q(status__in=Call.FINAL_STATUSES)),
        totalDuration=Sum("duration"),
    )
    total = row["totalCalls"]
    row["averageDuration"] = round(row["averageDuration"] or 0, 1)
    row["totalDuration"] = row["totalDuration"] or 0
    row["successRate"] = round(100 * row["successfulCalls"] / total, 1) if total else 0.0
    row["failureRate"] = round(100 * row["failedCalls"] / total, 1) if total else 0.0
    return row


def daily_trends(qs: QuerySet[Call], first: date, last: date, tz: zoneinfo.ZoneInfo) -> list[dict[str, Any]]:
    """One row a day from `first` to `last` (days in `tz`), zeros included."""
    rows = (
        qs.annotate(day=TruncDate("start_time", tzinfo=tz))
        .values("day")
        .annotate(
            count=Count("id"),
            successful=Count("id", filter=Q(status=Call.Status.SUCCESS)),
            failed=Count("id", filter=Q(status=Call.Status.FAILED)),
            missed=Count("id", filter=Q(status=Call.Status.MISSED)),
            averageDuration=Avg("duration", filter=Q(status__in=Call.FINAL_STATUSES)),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    out = []
    day = first
    while day <= last:
        row = by_day.get(day, {})
        out.append(
            {
                "_id": day.isoformat(),
                "count": row.get("count", 0),
                "successful": row.get("successful", 0),
                "failed": row.get("failed", 0),
                "missed": row.get("missed", 0),
                "averageDuration": round(row.get("averageDuration") or 0, 1),
            }
        )
        day += timedelta(days=1)
    return out


def trend_days(since: datetime | None, until: datetime | None, tz: zoneinfo.ZoneInfo) -> tuple[date, date]:
    """The days of GET /api/calls/stats's trend: the range's, the last 30 by default, at most 367."""
    today = timezone.now().astimezone(tz).date()
    last = until.astimezone(tz).date() if until else today
    first = since.astimezone(tz).date() if since else last - timedelta(days=29)
    if (last - first).days > 366:
        first = last - timedelta(days=366)  # a trend longer than a year is not a daily chart
    return first, last


def call_stats(store_ids: list[int] | None, params: dict[str, Any], tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """GET /api/calls/stats: totals over the range and a daily trend (default: the last 30 days), from the hourly totals."""
    since, until = date_range(params, tz)
    first, last = trend_days(since, until, tz)
    days = (first, last) if first <= last else None
    # The range ends with `until` itself (a bare endDate: its day's last microsecond).
    found = hourly.figures(store_ids, since, until + timedelta(microseconds=1) if until else None, tz, days, detail=False)
    stats = totals_of(found.totals)
    stats["dailyTrends"] = trend_of(found.days, first, last) if days else []
    return stats


def call_analytics(store_ids: list[int] | None, period: str, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """GET /api/calls/analytics: totals, daily and hourly trends, language and status shares over a period, from the hourly totals."""
    now = timezone.now().astimezone(tz)
    first = now.date() - timedelta(days=PERIODS[period] - 1)
    found = hourly.figures(store_ids, datetime.combine(first, time.min, tzinfo=tz), None, tz, (first, now.date()), detail=True)
    return {
        "period": period,
        "timezone": str(tz),
        "totalStats": totals_of(found.totals),
        "dailyTrends": trend_of(found.days, first, now.date()),
        "hourlyDistribution": [{"_id": h, "count": found.hours[h]} for h in range(24)],
        "languageDistribution": [{"_id": lang, "count": n} for lang, n in found.languages],
        "statusDistribution": [{"_id": s, "count": found.totals[hourly.STATUS_COUNTERS[s]]} for s in Call.Status.values],
    }


def _average(seconds: int, calls: int) -> float:
    # As Avg() over no rows (None) or zeros (0.0) reads in call_totals: `or 0` makes both the integer 0.
    return round((seconds / calls if calls else None) or 0, 1)


def totals_of(sums: dict[str, int]) -> dict[str, Any]:
    """call_totals's answer from hourly.SUMMED sums."""
    total = sums["calls"]
    return {
        "totalCalls": total,
        "successfulCalls": sums["success"],
        "failedCalls": sums["failed"],
        "missedCalls": sums["missed"],
        "terminatedCalls": sums["terminated"],
        "activeCalls": sums["queued"] + sums["ringing"] + sums["in_progress"],
        "averageDuration": _average(sums["final_duration"], sums["final_calls"]),
        "totalDuration": sums["duration"],
        "successRate": round(100 * sums["success"] / total, 1) if total else 0.0,
        "failureRate": round(100 * sums["failed"] / total, 1) if total else 0.0,
    }


def trend_of(days: dict[date, dict[str, int]], first: date, last: date) -> list[dict[str, Any]]:
    """daily_trends's answer from hourly.DAY_COUNTERS sums per day."""
    out = []
    day = first
    while day <= last:
        row = days.get(day) or {}
        out.append(
            {
                "_id": day.isoformat(),
                "count": row.get("calls", 0),
                "successful": row.get("success", 0),
                "failed": row.get("failed", 0),
                "missed": row.get("missed", 0),
                "averageDuration": _average(row.get("final_duration", 0), row.get("final_calls", 0)),
            }
        )
        day += timedelta(days=1)
    return out


def call_stats_raw(qs: QuerySet[Call], params: dict[str, Any], tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """call_stats aggregated over every call of `qs`: the reference its answers are tested against."""
    since, until = date_range(params, tz)
    if since:
        qs = qs.filter(start_time__gte=since)
    if until:
        qs = qs.filter(start_time__lte=until)
    first, last = trend_days(since, until, tz)
    stats = call_totals(qs)
    stats["dailyTrends"] = daily_trends(qs, first, last, tz) if first <= last else []
    return stats


def call_analytics_raw(qs: QuerySet[Call], period: str, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """call_analytics aggregated over every call of `qs`: the reference its answers are tested against."""
    days = PERIODS[period]
    now = timezone.now().astimezone(tz)
    first = now.date() - timedelta(days=days - 1)
    qs = qs.filter(start_time__gte=datetime.combine(first, time.min, tzinfo=tz))
    hours = dict(
        qs.annotate(hour=ExtractHour("start_time", tzinfo=tz)).values("hour").annotate(n=Count("id")).values_list("hour", "n")
    )
    statuses = dict(qs.values("status").annotate(n=Count("id")).values_list("status", "n"))
    languages = qs.values("language").annotate(n=Count("id")).order_by("-n", "language").values_list("language", "n")
    return {
        "period": period,
        "timezone": str(tz),
        "totalStats": call_totals(qs),
        "dailyTrends": daily_trends(qs, first, now.date(), tz),
        "hourlyDistribution": [{"_id": h, "count": hours.get(h, 0)} for h in range(24)],
        "languageDistribution": [{"_id": lang, "count": n} for lang, n in languages],
        "statusDistribution": [{"_id": s, "count": statuses.get(s, 0)} for s in Call.Status.values],
    }


def active_calls(qs: QuerySet[Call]) -> QuerySet[Call]:
    """Live calls, newest first: GET /api/calls/active and the live page's snapshot."""
    return qs.live().select_related("store").order_by("-start_time", "-id")


def transcripts_of(call_ids: list[int]) -> dict[int, str]:
    """Each call's whole transcript as "Speaker: text" lines, in one query (calls without lines are absent)."""
    texts: dict[int, list[str]] = {}
    rows = TranscriptEntry.objects.filter(call_id__in=call_ids).order_by("call_id", "seq").values_list("call_id", "speaker", "text")
    for call_id, speaker, text in rows:
        texts.setdefault(call_id, []).append(f"{transcript_line(speaker, text)}\n")
    return {call_id: "".join(lines) for call_id, lines in texts.items()}


# At most this many live calls in one answer (GET /api/calls/active, the live socket's snapshot).
ACTIVE_LIMIT = 500


def active_calls_with_transcripts(qs: QuerySet[Call]) -> list[dict[str, Any]]:
    """GET /api/calls/active and the live socket's snapshot: the live calls, each with its transcript
    (the original Live Calls page reads it from the list), in two queries."""
    calls = list(active_calls(qs)[:ACTIVE_LIMIT])
    transcripts = transcripts_of([call.pk for call in calls])
    return [call_to_dict(call, transcript=transcripts.get(call.pk, "")) for call in calls]
