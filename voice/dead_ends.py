"""Never a dead end: what the agent does when nobody can take the caller, and the requests that are not
about a product — a complaint, "is this a robot", a staff member asked for by name.

No writes: a caller who accepts a callback gets a Reply carrying a `CallbackRequest`, which the webhook's
service (voice.services.take_turn) turns into a ScheduledCallback through calls.services.create_callback.
The callback is promised for the store's next opening time, in its zone, at least an hour from now.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from store import hours as store_hours
from store.models import Department, Store, fold
from voice import selectors

# A callback is promised no sooner than this, and on a quarter hour.
CALLBACK_LEAD = dt.timedelta(hours=1)

ROBOT = re.compile(
    r"\b(?:robot|a bot|bot|machine|computer|an ai|ai|automated|recording|recorded|real person|human being|actual person|live person|are you (?:a )?(?:real|human|person))\b"
)
ROBOT_QUESTION = re.compile(r"\b(?:is this|am i (?:talking|speaking) (?:to|with)|are you|is that|you a|this a)\b")
COMPLAINT = re.compile(
    r"\b(?:complain\w*|charged (?:me )?(?:twice|double|two times|wrong|too much)|(?:double|over|wrongly) ?charged|charged twice|"
    r"(?:was|got|been|were) charged|billing|my bill|the bill|wrong charge|rude|terrible service|bad service|scam(?:med)?|"
    r"report (?:a|an) (?:problem|employee))\b"
)
# What a department's keywords or description must say to take complaints and billing problems.
COMPLAINT_DEPARTMENT_WORDS = ("complaint", "complaints", "billing", "bill", "charged", "refund", "refunds", "customer service", "service desk")
CALLBACK_WORDS = re.compile(r"\b(?:call (?:me|him|her|us) back|callback|call back|give me a call|ring me back|have (?:him|her|them|someone|somebody) call)\b")


def callback_time(store: Store, now: dt.datetime) -> dt.datetime:
    """When the store can call back: its next opening time at least an hour from now, on a quarter hour."""
    earliest = now + CALLBACK_LEAD
    moment = store_hours.next_opening(store, earliest) or earliest
    moment = moment.astimezone(store.tzinfo)
    if moment.minute % 15 or moment.second or moment.microsecond:
        moment = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0) + dt.timedelta(minutes=15)
    return moment


def spoken_when(store: Store, moment: dt.datetime, now: dt.datetime) -> str:
    """"today at 11:45 AM", "tomorrow at 7 AM", "on Saturday at 8 AM", "on December 26 at 7 AM"."""
    local, today = moment.astimezone(store.tzinfo), now.astimezone(store.tzinfo).date()
    clock = store_hours.clock(local.strftime("%H:%M"))
    ahead = (local.date() - today).days
    if ahead == 0:
        return f"today at {clock}"
    if ahead == 1:
        return f"tomorrow at {clock}"
    if ahead < 7:
        return f"on {local:%A} at {clock}"
    return f"on {local:%B} {local.day} at {clock}"


def reason_for(wanted: str, said: str) -> str:
    """The callback's reason as the store's staff read it: who the caller wanted, then their own words."""
    said = " ".join(said.split())
    return (f"{wanted}: {said}" if wanted and said else wanted or said)[:300]


def asks_if_robot(text: str) -> bool:
    """"is this a robot", "am I talking to a real person", "are you human"."""
    folded = fold(text)
    return bool(ROBOT.search(folded)) and bool(ROBOT_QUESTION.search(folded))


def is_complaint(text: str) -> bool:
    return bool(COMPLAINT.search(fold(text)))


def wants_callback(text: str) -> bool:
    return bool(CALLBACK_WORDS.search(fold(text)))


def complaints_department(departments: tuple[Department, ...]) -> Department | None:
    """The department whose keywords or description say it takes complaints or billing (customer service)."""
    best: tuple[int, Department] | None = None
    for dept in departments:
        said = " ".join([fold(dept.name), fold(dept.description or ""), *(fold(str(k)) for k in dept.keywords or [])])
        hits = sum(1 for word in COMPLAINT_DEPARTMENT_WORDS if re.search(rf"\b{re.escape(word)}\b", said))
        if hits and (best is None or hits > best[0]):
            best = (hits, dept)
    return best[1] if best else None


ASKING_FOR = re.compile(
    r"\b(?:is \w+ (?:there|in|around|working|available)|speak (?:to|with)|talk (?:to|with)|looking for|ask(?:ing)? for|"
    r"put me through|connect me|get me|reach|i need)\b"
)


@dataclass(frozen=True)
class Staff:
    name: str
    department_id: int | None
    first: str
    last: str


@lru_cache(maxsize=4096)
def _member(name: str, department_id: int | None) -> Staff | None:
    parts = re.findall(r"[^\W_]+", fold(name))
    return Staff(name, department_id, parts[0], parts[-1] if len(parts) > 1 else "") if parts else None


def store_staff(store: Store, *, version: int | None = None) -> tuple[Staff, ...]:
    """The store's active staff, loaded and cached with its other data (voice.selectors)."""
    return tuple(filter(None, (_member(name, dept) for name, dept in selectors.store_data(store, version=version).staff)))


def _near(said: str, name: str) -> bool:
    return said == name or (len(name) >= 4 and len(said) >= 4 and fuzz.ratio(said, name) >= 85)


def staff_named(staff: tuple[Staff, ...], text: str) -> Staff | None:
    """The staff member the words name: full name first, else a first name only one of them has."""
    said = re.findall(r"[^\W_]+", fold(text))
    pairs = list(zip(said, said[1:]))
    full = [member for member in staff if member.last and any(_near(a, member.first) and _near(b, member.last) for a, b in pairs)]
    if full:
        return full[0]
    if not ASKING_FOR.search(" ".join(said)):  # a first name alone may be a word ("rose", "basil"): only when asked for
        return None
    by_first = [member for member in staff if len(member.first) >= 3 and any(_near(word, member.first) for word in said)]
    return by_first[0] if len(by_first) == 1 else None
