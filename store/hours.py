"""A store's opening hours as they are spoken, built from its table (`opening_hours`, `holiday_hours`).

One place for the words, so that the voice agent and the templates page's preview say the same thing:
"7 AM to 10 PM Monday to Saturday, 8 AM to 9 PM on Sunday". The free-text `hours` is spoken only when
the table is empty. Times are the store's local times, as the table holds them.
"""
from __future__ import annotations

import datetime as dt
import re

from store.models import WEEKDAYS, Store

DAY_NAMES = tuple(day.capitalize() for day in WEEKDAYS)


def clock(hhmm: str) -> str:
    """"07:00" -> "7 AM", "21:30" -> "9:30 PM", "24:00" -> "12 AM"."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    suffix = "AM" if hour < 12 or hour == 24 else "PM"
    hour = hour % 12 or 12
    return f"{hour} {suffix}" if minute == 0 else f"{hour}:{minute:02d} {suffix}"


def span_text(span: dict | None) -> str:
    """{"open": "07:00", "close": "22:00"} -> "7 AM to 10 PM"; None -> "closed"."""
    return f"{clock(span['open'])} to {clock(span['close'])}" if span else "closed"


def has_table(store: Store) -> bool:
    return bool(store.opening_hours)


def _days(first: int, last: int) -> str:
    if first == last:
        return f"on {DAY_NAMES[first]}"
    return f"{DAY_NAMES[first]} to {DAY_NAMES[last]}" if last - first > 1 else f"{DAY_NAMES[first]} and {DAY_NAMES[last]}"


def week_text(store: Store) -> str:
    """The week's hours, consecutive days with the same hours together; closed days said as such."""
    if not has_table(store):
        return store.hours
    spans = [store.opening_hours.get(day) for day in WEEKDAYS]
    groups: list[tuple[int, int, dict | None]] = []
    for index, span in enumerate(spans):
        if groups and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], index, span)
        else:
            groups.append((index, index, span))
    open_parts = [f"{span_text(span)} {_days(first, last)}" for first, last, span in groups if span]
    closed = [DAY_NAMES[index] + "s" for index, span in enumerate(spans) if not span]
    text = ", ".join(open_parts)
    if closed:
        text += f", and closed on {' and '.join(closed)}" if text else f"closed on {' and '.join(closed)}"
    return text


def day_span(store: Store, day: dt.date) -> dict | None:
    """The day's {open, close}: its holiday entry first, else its weekday's; None when closed."""
    return store.hours_on(day)


def is_regular_closed_day(store: Store, day: dt.date) -> bool:
    """Closed on that weekday every week (not for a holiday)."""
    return day.isoformat() not in store.holiday_hours and has_table(store) and not store.opening_hours.get(WEEKDAYS[day.weekday()])


FREE_TEXT_SPAN = re.compile(
    r"^\s*(\d{1,2})(?::(\d\d))?\s*([ap])\.?m\.?\s*(?:-|–|to)\s*(\d{1,2})(?::(\d\d))?\s*([ap])\.?m\.?\s*$", re.IGNORECASE
)


def _free_text_span(text: str) -> dict | None:
    """"7 AM - 10 PM" (the same every day) as a span; None for any other sentence."""
    found = FREE_TEXT_SPAN.match(text or "")
    if not found:
        return None
    h1, m1, p1, h2, m2, p2 = found.groups()

    def hhmm(hour: str, minute: str | None, half: str) -> str:
        return f"{int(hour) % 12 + (12 if half.lower() == 'p' else 0):02d}:{minute or '00'}"

    return {"open": hhmm(h1, m1, p1), "close": hhmm(h2, m2, p2)}


def span_on(store: Store, day: dt.date) -> dict | None:
    """The day's {open, close}: the table's (holiday first), else the free text's when it is one span for every day."""
    if has_table(store) or day.isoformat() in store.holiday_hours:
        return day_span(store, day)
    return _free_text_span(store.hours)


def knows(store: Store, day: dt.date) -> bool:
    """Whether the store's hours say anything of that day (a table, a holiday entry, or one span every day)."""
    return has_table(store) or day.isoformat() in store.holiday_hours or _free_text_span(store.hours) is not None


def next_opening(store: Store, after: dt.datetime, *, within_days: int = 14) -> dt.datetime | None:
    """The first moment at or after `after` at which the store is open, in its zone; None when its hours say nothing."""
    local = after.astimezone(store.tzinfo)
    for ahead in range(within_days + 1):
        day = local.date() + dt.timedelta(days=ahead)
        span = span_on(store, day)
        if not span:
            continue
        opens = dt.datetime.combine(day, dt.time.fromisoformat(span["open"]), tzinfo=store.tzinfo)
        closes = dt.datetime.combine(day, dt.time(23, 59) if span["close"] == "24:00" else dt.time.fromisoformat(span["close"]), tzinfo=store.tzinfo)
        if local >= closes:
            continue
        return max(opens, local)
    return None
