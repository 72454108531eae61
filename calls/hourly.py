"""Figures over a range of calls from the hourly totals (CallHour, CallLanguageHour), exact, in a fixed number of queries.

The range's whole UTC hours are read from CallHour and each is given its local day and hour here,
in Python; the calls per language are summed from CallLanguageHour. The calls CallHour cannot place are counted from the calls themselves, by the database
(an index range scan on start_time, grouped as calls.queries' reference aggregation groups them):
the partial hours at the range's ends, and the hours a local midnight cuts in two (zones :30 or :45
from UTC, e.g. India and Nepal: their days begin inside a UTC hour). Such zones' local hours also
begin inside UTC hours; CallHour counts the calls of each hour's first 15, 30 and 45 minutes, which
splits an hour's calls between its two local hours of the same day.
"""
from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractHour, TruncDate

from calls.models import Call, CallHour, CallLanguageHour

UTC = dt_timezone.utc
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)
DAY = timedelta(days=1)
# Call status -> the CallHour counter of its calls.
STATUS_COUNTERS = {"queued": "queued", "ringing": "ringing", "in-progress": "in_progress", "success": "success", "failed": "failed", "missed": "missed", "terminated": "terminated"}
FINAL = frozenset(Call.FINAL_STATUSES)
SUMMED = ("calls", *STATUS_COUNTERS.values(), "duration", "final_calls", "final_duration")
DAY_COUNTERS = ("calls", "success", "failed", "missed", "final_calls", "final_duration")
# Calls of an hour that began in its first 0, 15, 30, 45 and 60 minutes.
QUARTERS = ("first_15", "first_30", "first_45")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = EPOCH.date().toordinal()
# One piece of a UTC hour: (its first quarter, 0-3; the local day, in days since 1970; the local hour) from that quarter on.
Piece = tuple[int, int, int]


@dataclass
class Figures:
    """Sums of CallHour's counters (SUMMED) over the range, per local day (DAY_COUNTERS), per local hour (of day) and per language."""

    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))
    days: dict[date, dict[str, int]] = field(default_factory=dict)
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    # (language, calls), most calls first, ties in the database's order of the names.
    languages: list[tuple[str, int]] = field(default_factory=list)

    def add(self, counts: dict[str, int], day: date | None) -> None:
        """Add calls' counts (some of SUMMED) to the totals and, when it is one of the trend's, to their day."""
        for name, n in counts.items():
            self.totals[name] += n
        if day is not None:
            self.add_day(day, counts)

    def add_day(self, day: date, counts: dict[str, int]) -> None:
        row = self.days.setdefault(day, dict.fromkeys(DAY_COUNTERS, 0))
        for name in DAY_COUNTERS:
            row[name] += counts.get(name, 0)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floor = floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def scoped(qs: QuerySet, store_ids: list[int] | None) -> QuerySet:
    return qs if store_ids is None else qs.filter(store_id__in=store_ids)


def figures(
    store_ids: list[int] | None,
    since: datetime | None,
    until: datetime | None,
    tz: zoneinfo.ZoneInfo,
    days: tuple[date, date] | None,
    *,
    detail: bool,
) -> Figures:
    """Calls starting in [since, until) (None: open) of the stores in scope (None: all): totals, and per local day from
    days[0] to days[1]; with `detail`, per local hour and per language too. One to three queries."""
    low = ceil_hour(since) if since else None
    high = floor_hour(until) if until else None
    edges: list[tuple[datetime | None, datetime | None]] = []
    whole: Q | None = Q()
    if low is not None and high is not None and low >= high:
        whole, edges = None, [(since, until)]  # within an hour or two: all from the calls
    else:
        if low is not None:
            whole &= Q(hour__gte=low)
            if low != since:
                edges.append((since, low))
        if high is not None:
            whole &= Q(hour__lt=high)
            if high != until:
                edges.append((high, until))
    hours = scoped(CallHour.objects.all(), store_ids)
    out = Figures()
    # The hours read one by one: all of them with `detail` (hourly and language figures cover the range), else
    # only those that may hold calls of the trend's days (a day more each side: DST, zones far from UTC).
    window, beyond = whole, False
    if whole is not None and not detail:
        if days is None:
            window, beyond = None, True
        else:
            first, last = floor_hour(day_start(days[0], tz) - DAY), ceil_hour(day_start(days[1] + DAY, tz) + DAY)
            window = whole & Q(hour__gte=first, hour__lt=last)
            beyond = (low is None or low < first) or (high is None or high > last)
    direct = _add_hours(out, hours.filter(window) if window is not None else None, tz, days, detail=detail, totals=not beyond)
    if beyond:
        totals = hours.filter(whole).exclude(hour__in=direct).aggregate(**{n: Sum(n, default=0) for n in SUMMED})
        out.add({n: int(totals[n]) for n in SUMMED}, None)
    ranges = merged(edges + [(hour, hour + HOUR) for hour in direct])
    if ranges:
        _count_calls(out, scoped(Call.objects.all(), store_ids).filter(between(ranges)), tz, days, detail=detail)
    if detail:
        languages = scoped(CallLanguageHour.objects.all(), store_ids)
        out.languages = _languages(languages.filter(whole).exclude(hour__in=direct) if whole is not None else None, scoped(Call.objects.all(), store_ids), ranges)
    return out


def _epoch(vendor: str) -> str:
    """SQL for CallHour.hour in seconds since 1970 (UTC): an integer reads far faster than a timestamp, row by row."""
    if vendor == "postgresql":
        return 'CAST(EXTRACT(EPOCH FROM "calls_callhour"."hour") AS bigint)'
    # %% as the driver's placeholders make '%' special (strftime's %s: seconds since 1970).
    return 'CAST(strftime(\'%%s\', "calls_callhour"."hour") AS integer)'


def _add_hours(out: Figures, hours: QuerySet[CallHour] | None, tz: zoneinfo.ZoneInfo, days: tuple[date, date] | None, *, detail: bool, totals: bool) -> list[datetime]:
    """Add the hours of `hours` to their local days (and hours); answer the hours to count from the calls instead."""
    if hours is None:
        return []
    names = SUMMED + (QUARTERS if detail else ())
    # The rows as they are (one an hour per store and agent), not summed by hour: every figure below is a sum
    # anyway, and PostgreSQL's SUM() of bigints (numeric arithmetic) cost more than the rows it saved.
    rows = fetch(hours.annotate(epoch=RawSQL(_epoch(connection.vendor), ())).values_list("epoch", *names).order_by())
    offsets = utc_day_offsets({row[0] // 86400 for row in rows}, tz)
    at = {name: i + 1 for i, name in enumerate(names)}
    calls, quarters = at["calls"], [at[name] for name in QUARTERS] if detail else []
    by_day: dict[int, list[tuple]] = {}
    direct: set[int] = set()
    hourly = out.hours
    for row in rows:
        start = row[0]
        offset = offsets[start // 86400]
        if offset is not None and not offset % 3600:
            # The common case, kept short: a whole-hour offset all UTC day long, the hour is one local hour.
            local = start + offset
            day = local // 86400
            (by_day.get(day) or by_day.setdefault(day, [])).append(row)
            if detail:
                hourly[local % 86400 // 3600] += row[calls]
            continue
        pieces = hour_pieces(start, offset) if offset is not None else changing_pieces(start, tz)
        if pieces is None or any(day != pieces[0][1] for _, day, _ in pieces):
            direct.add(start)  # a local day begins inside it: count its calls one by one
            continue
        by_day.setdefault(pieces[0][1], []).append(row)
        if detail:
            # Share the hour's calls between its local hours by the calls of its first 15, 30, 45 minutes.
            before = (0, *(row[i] for i in quarters), row[calls])
            for (quarter, _, hour), (end, _, _) in zip(pieces, [*pieces[1:], (4, 0, 0)]):
                hourly[hour] += before[end] - before[quarter]
    # Each day's sums by column (zip(*rows): the rows' columns, Python's loops in C); the totals are the days'.
    first, last = (days[0].toordinal() - EPOCH_DAY, days[1].toordinal() - EPOCH_DAY) if days else (1, 0)
    for day, day_rows in by_day.items():
        columns = list(zip(*day_rows))
        sums = {name: sum(columns[at[name]]) for name in SUMMED}
        if totals:
            out.add(sums, None)
        if first <= day <= last:
            out.add_day(date.fromordinal(EPOCH_DAY + day), sums)
    return [EPOCH + timedelta(seconds=start) for start in sorted(direct)]


def fetch(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list() query as the database driver gives them, without Django's per-row conversions."""
    try:
        sql, params = qs.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # no store in scope
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def day_start(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def merged(ranges: list[tuple[datetime | None, datetime | None]]) -> list[tuple[datetime | None, datetime | None]]:
    """The ranges sorted, touching ones joined (fewer OR'ed conditions)."""
    out: list[tuple[datetime | None, datetime | None]] = []
    for lo, hi in sorted(ranges, key=lambda r: r[0] or datetime.min.replace(tzinfo=UTC)):
        if out and out[-1][1] is not None and lo is not None and out[-1][1] >= lo:
            out[-1] = (out[-1][0], None if hi is None else max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def between(ranges: list[tuple[datetime | None, datetime | None]]) -> Q:
    either = Q(pk__in=[])
    for lo, hi in ranges:
        one = Q()
        if lo is not None:
            one &= Q(start_time__gte=lo)
        if hi is not None:
            one &= Q(start_time__lt=hi)
        either |= one
    return either


def _count_calls(out: Figures, calls: QuerySet[Call], tz: zoneinfo.ZoneInfo, days: tuple[date, date] | None, *, detail: bool) -> None:
    """Add the calls of `calls`, grouped by local day (and hour) and status in the database, as the reference does."""
    keys = ["day", "status"] + (["hour"] if detail else [])
    rows = (
        calls.annotate(day=TruncDate("start_time", tzinfo=tz), **({"hour": ExtractHour("start_time", tzinfo=tz)} if detail else {}))
        .values(*keys)
        .annotate(n=Count("id"), seconds=Sum("duration"))
        .order_by()
    )
    for row in rows:
        n, seconds, status = row["n"], int(row["seconds"] or 0), row["status"]
        final = status in FINAL
        counts = {"calls": n, STATUS_COUNTERS[status]: n, "duration": seconds, "final_calls": n if final else 0, "final_duration": seconds if final else 0}
        out.add(counts, row["day"] if days and days[0] <= row["day"] <= days[1] else None)
        if detail:
            out.hours[row["hour"]] += n


def _languages(hours: QuerySet[CallLanguageHour] | None, calls: QuerySet[Call], ranges: list) -> list[tuple[str, int]]:
    """Calls per language: the whole hours' totals and the directly counted calls added up and ordered by the
    database (most first, then by name in its collation, as the reference orders them), in one query."""
    parts = []
    if hours is not None:
        parts.append(hours.values("language").annotate(n=Sum("calls")).order_by())
    if ranges:
        parts.append(calls.filter(between(ranges)).values("language").annotate(n=Count("id")).order_by())
    sqls, params = [], []
    for part in parts:
        try:
            sql, part_params = part.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # no store in scope
            continue
        sqls.append(f"SELECT * FROM ({sql}) part")
        params.extend(part_params)
    if not sqls:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT language, SUM(n) AS n FROM ({' UNION ALL '.join(sqls)}) parts GROUP BY language ORDER BY n DESC, language", params)
        return [(language, int(n)) for language, n in cursor.fetchall()]


def utc_day_offsets(utc_days: set[int], tz: zoneinfo.ZoneInfo) -> dict[int, int | None]:
    """The zone's offset (seconds) through each UTC day (days since 1970), None where it changes during the day."""
    out: dict[int, int | None] = {}
    for day in utc_days:
        start = EPOCH + timedelta(days=day)
        # The same at its start, noon and end: one offset all day long (changes are months apart).
        offsets = {(start + delta).astimezone(tz).utcoffset() for delta in (timedelta(0), DAY / 2, DAY - timedelta(microseconds=1))}
        out[day] = int(offsets.pop().total_seconds()) if len(offsets) == 1 else None
    return out


def hour_pieces(start: int, offset: int) -> list[Piece] | None:
    """The local (day, hour) of a UTC hour beginning `start` seconds after 1970, at a steady offset."""
    if offset % 900:
        return None  # not a quarter-hour offset (some zones before 1980): count it directly
    local = start + offset
    pieces = [(0, local // 86400, local % 86400 // 3600)]
    into = -offset % 3600  # where the next local hour begins in this UTC hour
    if into:
        local += into
        pieces.append((into // 900, local // 86400, local % 86400 // 3600))
    return pieces


def changing_pieces(start: int, tz: zoneinfo.ZoneInfo) -> list[Piece] | None:
    """An hour of a UTC day in which the zone's offset changes: each quarter looked up."""
    pieces: list[Piece] = []
    for quarter in range(4):
        begin = EPOCH + timedelta(seconds=start) + quarter * QUARTER
        offset = begin.astimezone(tz).utcoffset()
        if offset is None or offset % QUARTER or (begin + QUARTER - timedelta(microseconds=1)).astimezone(tz).utcoffset() != offset:
            return None
        local = start + quarter * 900 + int(offset.total_seconds())
        label = (local // 86400, local % 86400 // 3600)
        if not pieces or pieces[-1][1:] != label:
            pieces.append((quarter, *label))
    return pieces
