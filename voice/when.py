"""Which days a caller asks about ("tomorrow", "on Sunday", "this weekend", "Christmas Eve", "December 24th")
and what the agent says of each, from the store's hours table in its zone (store/hours.py has the words).

No I/O: `asked_days(text, today)` reads the words, `day_answers(store, days)` the store's row. Holidays by
name come from the `holidays` library (US public and unofficial days: Christmas Eve, New Year's Eve too);
the store's `holiday_hours` table says whether it is open on that date.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import holidays

from store import hours as store_hours
from store.models import WEEKDAYS, Store, fold

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
MONTH_WORDS = {**{name: index for index, name in enumerate(MONTHS, 1)}, **{name[:3]: index for index, name in enumerate(MONTHS, 1) if name != "may"}, "sept": 9}
_MONTH = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
MONTH_DAY = re.compile(rf"\b(?:({_MONTH})\s+(?:the\s+)?{_ORDINAL}|(?:the\s+)?{_ORDINAL}\s+of\s+({_MONTH}))\b")
SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})\b")
WEEKDAY = re.compile(rf"\b({'|'.join(WEEKDAYS)})s?\b")
RELATIVE = re.compile(r"\b(day after tomorrow|tomorrow|tmrw|today|tonight|this weekend|the weekend|weekend|weekends)\b")


# Names callers use for a holiday that the holidays library calls otherwise.
ALIASES = {
    "easter": "Easter Sunday", "fourth of july": "Independence Day", "july fourth": "Independence Day", "presidents day": "Washington's Birthday",
    "mlk day": "Martin Luther King Jr. Day", "martin luther king day": "Martin Luther King Jr. Day", "juneteenth": "Juneteenth National Independence Day",
}  # fmt: skip
DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b")


@dataclass(frozen=True)
class AskedDay:
    """A day the caller named, and how the agent names it back."""

    day: dt.date
    kind: str  # today, tomorrow, weekday, holiday, date
    name: str = ""  # the holiday's name ("Christmas Day")


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z/]+", " ", fold(text).replace("'", "").replace("’", "")).split())


@functools.lru_cache(maxsize=8)
def _holiday_names(year: int) -> tuple[tuple[str, str, dt.date], ...]:
    """(spoken phrase, holiday name, date) for this year's and next year's days, longest phrases first."""
    found: dict[str, tuple[str, dt.date]] = {}
    days = holidays.country_holidays("US", years=[year, year + 1], categories=("public", "unofficial"))
    for day, names in sorted(days.items()):
        for name in names.split("; "):
            if "observed" in name:
                continue
            phrase = _clean(name)
            for form in {phrase, phrase.removesuffix(" day"), phrase.replace("saint ", "st ")}:
                found.setdefault(f"{form}|{day.year}", (name, day))
    rows = [(key.split("|")[0], name, day) for key, (name, day) in found.items()]
    # What callers say for some of them: "new year", "easter", "fourth of july", "presidents day", "black friday".
    for name, day in list(found.values()):
        for said, meant in ALIASES.items():
            if name == meant:
                rows.append((said, name, day))
        if name == "Thanksgiving Day":
            rows.append(("black friday", "Black Friday", day + dt.timedelta(days=1)))
    rows += [(phrase.replace("years", "year"), name, day) for phrase, name, day in list(rows) if "new years" in phrase]
    rows += [("xmas", "Christmas Day", dt.date(y, 12, 25)) for y in (year, year + 1)]
    rows += [("xmas eve", "Christmas Eve", dt.date(y, 12, 24)) for y in (year, year + 1)]

    return tuple(sorted(rows, key=lambda row: (-len(row[0]), row[2])))


def _upcoming(month: int, day: int, today: dt.date) -> dt.date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def asked_days(text: str, today: dt.date) -> list[AskedDay]:
    """The days named in the caller's words, in the order said (each once); [] when none is."""
    words = _clean(text)
    found: list[tuple[int, AskedDay]] = []

    def take(match: re.Match[str]) -> str:
        return " " * (match.end() - match.start())  # the words used up, the positions kept

    for phrase, name, day in _holiday_names(today.year):
        if day < today:
            continue
        pattern = re.compile(rf"\b{re.escape(phrase)}\b")
        match = pattern.search(words)
        if match:
            found.append((match.start(), AskedDay(day, "holiday", name)))
            words = pattern.sub(take, words)
    for match in MONTH_DAY.finditer(words):
        month = MONTH_WORDS[match.group(1) or match.group(4)]
        day = _upcoming(month, int(match.group(2) or match.group(3)), today)
        if day:
            found.append((match.start(), AskedDay(day, "date")))
    words = MONTH_DAY.sub(take, words)
    for match in SLASH_DATE.finditer(words):
        month, number = int(match.group(1)), int(match.group(2))
        day = _upcoming(month, number, today) if 1 <= month <= 12 else None
        if day:
            found.append((match.start(), AskedDay(day, "date")))
    for match in DAY_OF_MONTH.finditer(words):  # "on the 24th": this month's, else next month's
        number = int(match.group(1))
        month_start = today.replace(day=1)
        for first in (month_start, (month_start + dt.timedelta(days=32)).replace(day=1)):
            try:
                day = first.replace(day=number)
            except ValueError:
                continue
            if day >= today:
                found.append((match.start(), AskedDay(day, "date")))
                break
    words = DAY_OF_MONTH.sub(take, words)
    for match in RELATIVE.finditer(words):
        said = match.group(1)
        if said in ("today", "tonight"):
            found.append((match.start(), AskedDay(today, "today")))
        elif said in ("tomorrow", "tmrw"):
            found.append((match.start(), AskedDay(today + dt.timedelta(days=1), "tomorrow")))
        elif said == "day after tomorrow":
            found.append((match.start(), AskedDay(today + dt.timedelta(days=2), "weekday")))
        else:  # the coming weekend; on a Sunday, what is left of it
            saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
            days = [today] if today.weekday() == 6 else [saturday, saturday + dt.timedelta(days=1)]
            found += [(match.start() + n, AskedDay(day, "today" if day == today else "weekday")) for n, day in enumerate(days)]
    for match in WEEKDAY.finditer(words):
        ahead = (WEEKDAYS.index(match.group(1)) - today.weekday()) % 7
        day = today + dt.timedelta(days=ahead)
        found.append((match.start(), AskedDay(day, "today" if ahead == 0 else "tomorrow" if ahead == 1 else "weekday")))
    seen: set[dt.date] = set()
    ordered = []
    for _, asked in sorted(found, key=lambda pair: pair[0]):
        if asked.day not in seen:
            seen.add(asked.day)
            ordered.append(asked)
    return ordered


def _label(asked: AskedDay) -> str:
    weekday = f"{asked.day:%A}"
    date = f"{asked.day:%B} {asked.day.day}"
    if asked.kind == "today":
        return "Today"
    if asked.kind == "tomorrow":
        return f"Tomorrow, {weekday}"
    if asked.kind == "holiday":
        return f"On {asked.name}, {weekday} {date}"
    if asked.kind == "date":
        return f"On {weekday}, {date}"
    return f"On {weekday}"


def day_answers(store: Store, days: list[AskedDay]) -> list[tuple[str, dict[str, str]]]:
    """For each day asked, the prompt to say and its values: hours_on_day, closed_on_day or closed_weekly."""
    answers: list[tuple[str, dict[str, str]]] = []
    for asked in days:
        span = store_hours.span_on(store, asked.day)
        if span:
            answers.append(("hours_on_day", {"day": _label(asked), "hours": store_hours.span_text(span)}))
        elif store_hours.is_regular_closed_day(store, asked.day) and asked.kind not in ("holiday", "date"):
            answers.append(("closed_weekly", {"day": _label(asked), "days": f"{asked.day:%A}s"}))
        elif store_hours.has_table(store) or asked.day.isoformat() in store.holiday_hours:
            answers.append(("closed_on_day", {"day": _label(asked), "hours": "closed"}))
        else:  # no table and no single span in the free text: the owner's own words
            answers.append(("hours", {"hours": store.hours}))
    return answers
