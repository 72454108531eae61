"""Check my agent: cases generated from a store's own data, played through the real voice webhooks,
graded exactly against that data (issue 16, "Proving it").

Shared by `manage.py check_agent` and the /simulator/check/ page. Each case is one simulated call
(voice/simulator.py: /voice/incoming, then one /voice/gather turn, signed as Twilio signs), run inside
a transaction that is rolled back afterwards: the call, its transcript, its customer and any callback
are never kept, and the live events (sent on commit) never go out, so the store's call history, its
figures and its live page never see the check.

What is checked, from the store's active data at the moment of the check:
- each department by its name and by one of its own keywords: put through to its line (its phone, or
  the store's transfer number with its extension); with no line to dial, a callback is offered;
- each item's price (the exact "$3.99"), stock (sold out when its quantity is 0) and location, in
  several spoken phrasings with fillers, lower case and plurals;
- each weekday's hours (from the opening-hours table, holidays included; the free-text hours without one);
- each active, unexpired coupon (its code is spoken);
- each active FAQ, its question reworded lightly (its answer is spoken);
- a request for a person (the operator or the store's line; a callback offered when neither exists).

A large store is sampled: every case of the small kinds (departments, hours, coupons, FAQs, a person)
up to half the sample, items for the rest, picked by a seeded generator so a run can be repeated.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from store.models import WEEKDAYS, Coupon, Department, Faq, InventoryItem, Store, fold
from store.services import settings_of
from voice import twilio
from voice.simulator import Answer, InProcess, SimulatedCall, WebhookRefused

# Cases played when no sample size is given: a 50,000-item store is checked in well under a minute
# (bench/RESULTS.md, "check_agent"); a small store plays all its cases.
DEFAULT_SAMPLE = 400
MAX_SAMPLE = 5000
CHECK_CALLER = "+15550100199"  # the simulated caller's number; the call is rolled back with its customer

FILLERS = ("", "", "um ", "uh ", "hi ", "yeah hi ", "sorry ", "hi there um ")
ENDINGS = ("", "", " please", " thanks")
PRICE = ("how much is the {name}", "how much are {plural}", "what does the {name} cost", "what's the price of {name}",
         "do you have {name} how much is it")  # fmt: skip
STOCK = ("do you have {name} in stock", "do you have any {plural}", "is the {name} in stock", "are there any {plural} left")
AISLE = ("where can i find the {name}", "where is the {name}", "what aisle is {name} in", "where do you keep {plural}")
HOURS = ("what are your hours on {day}", "what time are you open on {day}", "are you open on {day}")
DEPARTMENT_BY_NAME = ("can i talk to someone in {name}", "{name} please", "put me through to the {name} department")
DEPARTMENT_BY_KEYWORD = ("i need to talk to someone about {keyword}", "can i speak to someone about {keyword}")
PERSON = ("can i talk to a real person", "i'd like to speak to someone please", "operator")
DEAL_STORE_WIDE = ("do you have any deals right now", "are there any coupons today")
DEAL_DEPARTMENT = ("do you have any coupons for {department}", "any deals in {department}")
DEAL_ITEM = ("are there any deals on {item}", "is there a coupon for {item}")
FAQ_OPENINGS = ("", "um ", "quick question ", "hi i was wondering ")
REWORDINGS = ((r"\bwhat is\b", "what's"), (r"\bdo not\b", "don't"), (r"\bcan not\b|\bcannot\b", "can't"), (r"\bis there\b", "is there like"))

NEGATIVE_STOCK = ("out of stock", "sold out", "don't have any", "do not have any", "none left", "not in stock", "ran out", "run out", "none in stock")
POSITIVE_STOCK = ("in stock", "we have", "we've got", "we do have", "we carry", "available", "left", "yes")
CALLBACK_OFFER = ("call you back", "callback", "call back", "ring you back")


class CheckError(Exception):
    """The store cannot be checked at all (no number to dial, nothing to sign with)."""


@dataclass(frozen=True)
class Expect:
    """What a good receptionist does with this case, from the store's data."""

    kind: str  # price | aisle | stock | hours | deal | faq | transfer
    price: Decimal | None = None
    text: str = ""  # the location, the coupon code, the FAQ's answer, or the free-text hours
    in_stock: bool = False
    # hours: each acceptable (open, close), None for closed; transfer: each acceptable (number, extension)
    spans: tuple[tuple[str, str] | None, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Case:
    topic: str  # department | item | hours | coupon | faq | person
    subject: str  # what is asked about, as the data names it
    say: str  # what the caller says (what speech recognition would return)
    expect: Expect

    @property
    def label(self) -> str:
        return f"{self.expect.kind} of {self.subject}" if self.expect.kind != "transfer" else f"transfer to {self.subject}"


@dataclass
class Result:
    case: Case
    problem: str | None  # None when the agent did what the data says
    said: str
    dialled: str = ""

    @property
    def passed(self) -> bool:
        return self.problem is None


@dataclass
class Report:
    store: Store
    population: int  # every case the store's data gives
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    seed: int = 0

    @property
    def played(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def rate(self) -> float:
        return self.passed / self.played if self.played else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.rate, 1)

    @property
    def failures(self) -> list[Result]:
        return [result for result in self.results if not result.passed]

    def by_topic(self) -> list[tuple[str, int, int]]:
        """(topic, passed, played) for each topic played, in a fixed order."""
        order = ("department", "person", "item", "hours", "coupon", "faq")
        return [(topic, sum(r.passed for r in rows), len(rows))
                for topic in order if (rows := [r for r in self.results if r.case.topic == topic])]  # fmt: skip


# -- speaking the store's data ---------------------------------------------------------------------


UNITS = {"oz": "ounce", "fl": "fluid", "lb": "pound", "lbs": "pound", "ct": "count", "pk": "pack", "gal": "gallon", "qt": "quart",
         "pt": "pint", "ml": "milliliter", "l": "liter", "kg": "kilo", "g": "gram", "in": "inch", "ft": "foot", "doz": "dozen"}  # fmt: skip


def spoken(name: str) -> str:
    """A name as speech recognition writes it: lower case, no brackets or symbols, a unit after a number as
    a word ("10 ft" is "10 foot", "8oz" is "8 ounce"; "2x4" stays as it is)."""
    text = fold(name).replace("&", " and ").replace("%", " percent ").replace("+", " plus ")
    text = re.sub(r"[()\[\],\"]", " ", text)
    text = re.sub(rf"(?<=\d)(?=(?:{'|'.join(UNITS)})\b)", " ", text)  # "8oz" -> "8 oz"
    words: list[str] = []
    for word in text.split():
        unit = word.rstrip(".")
        after_number = bool(words) and (re.fullmatch(r"[\d/.]+", words[-1]) is not None or words[-1] == "fluid")
        words.append(UNITS[unit] if unit in UNITS and after_number else word)
    return " ".join(words)


def plural(name: str) -> str:
    words = name.split()
    if not words or not words[-1].isalpha() or words[-1].endswith("s") or words[-1] in UNITS.values():
        return name
    last = words[-1]
    last = last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in "aeiou" else last + ("es" if last.endswith(("ch", "sh", "x")) else "s")
    return " ".join([*words[:-1], last])


PRICED_BY = re.compile(r"per \w+|each|ea")


def item_names(name: str, rng: random.Random) -> dict[str, str]:
    """How a caller names an item: its words with the size spoken, before or after ("the 2 pound basmati
    rice", "basmati rice 2 pound"), and a plural of the thing itself ("basmati rices 2 pound")."""
    base = re.sub(r"\([^)]*\)", " ", name)
    size = " ".join(re.findall(r"\(([^)]*)\)", name))
    base, size = spoken(base), spoken(size)
    if PRICED_BY.fullmatch(size):  # "(per lb)", "(each)": how the price is counted, which no caller says
        size = ""
    if not size:
        return {"name": base, "plural": plural(base)}
    if not re.search(r"\d", size):  # "whole milk (gallon)": "whole milk gallons"
        return {"name": f"{base} {size}", "plural": f"{base} {plural(size)}"}
    first = rng.random() < 0.5
    return {"name": f"{size} {base}" if first else f"{base} {size}", "plural": f"{size} {plural(base)}" if first else f"{plural(base)} {size}"}


def reworded(question: str, rng: random.Random) -> str:
    text = fold(question).rstrip("?!. ")
    pattern, replacement = rng.choice(REWORDINGS)
    text = re.sub(pattern, replacement, text, count=1)
    return (rng.choice(FAQ_OPENINGS) + " ".join(re.findall(r"[\w'$/.-]+", text))).strip()


def noisy(text: str, rng: random.Random) -> str:
    return f"{rng.choice(FILLERS)}{text}{rng.choice(ENDINGS)}".strip()


def phrase(templates: tuple[str, ...], rng: random.Random, **values: str) -> str:
    # str.replace, not str.format: names come from owner-written data and stay data.
    text = rng.choice(templates)
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return noisy(text, rng)


# -- generating the cases --------------------------------------------------------------------------


def department_lines(store: Store, dept: Department) -> tuple[tuple[str, str], ...]:
    """Where a transfer to the department rings: its own phone, or the store's line and its extension."""
    if dept.phone:
        return ((dept.phone, ""),)
    if store.transfer_number and dept.phone_extension:
        return ((store.transfer_number, dept.phone_extension),)
    return ()


def department_cases(store: Store, rng: random.Random) -> list[Case]:
    departments = list(Department.objects.filter(store=store, is_active=True).order_by("id"))
    # A keyword two departments share (or another one's name) is no test of routing.
    claims: dict[str, int] = {}
    for dept in departments:
        for word in {fold(dept.name), *(fold(k) for k in dept.keywords or [] if isinstance(k, str))}:
            claims[word] = claims.get(word, 0) + 1
    cases = []
    for dept in departments:
        expect = Expect("transfer", lines=department_lines(store, dept))
        cases.append(Case("department", dept.name, phrase(DEPARTMENT_BY_NAME, rng, name=spoken(dept.name)), expect))
        own = [k for k in dept.keywords or [] if isinstance(k, str) and k.strip() and claims.get(fold(k)) == 1 and fold(k) != fold(dept.name)]
        if own:
            cases.append(Case("department", dept.name, phrase(DEPARTMENT_BY_KEYWORD, rng, keyword=spoken(rng.choice(own))), expect))
    return cases


def person_case(store: Store, rng: random.Random) -> Case:
    operator = settings_of(store).operator_number
    lines = tuple((number, "") for number in dict.fromkeys(n for n in (operator, store.transfer_number) if n))
    return Case("person", "a person", phrase(PERSON, rng), Expect("transfer", lines=lines))


def hours_cases(store: Store, rng: random.Random, now: dt.datetime) -> list[Case]:
    today = now.astimezone(store.tzinfo).date()
    cases = []
    for index, day in enumerate(WEEKDAYS):
        ahead = (index - today.weekday()) % 7
        # "on tuesday" on a Tuesday may mean today or next week: both answers are right.
        dates = [today + dt.timedelta(days=ahead)] + ([today + dt.timedelta(days=7)] if ahead == 0 else [])
        if store.opening_hours or store.holiday_hours:
            spans = tuple(dict.fromkeys((span["open"], span["close"]) if span else None for span in map(store.hours_on, dates)))
            expect = Expect("hours", spans=spans)
        elif store.hours:
            expect = Expect("hours", text=store.hours)
        else:
            continue  # no hours at all: nothing to grade against
        cases.append(Case("hours", day.capitalize(), phrase(HOURS, rng, day=day), expect))
    return cases


def coupon_cases(store: Store, rng: random.Random, now: dt.datetime) -> list[Case]:
    cases = []
    for coupon in Coupon.objects.filter(store=store, is_active=True).select_related("department", "item").order_by("id"):
        if not coupon.is_valid_at(now):
            continue
        if coupon.item is not None:
            say = phrase(DEAL_ITEM, rng, item=spoken(coupon.item.name))
        elif coupon.department is not None and not coupon.is_store_wide:
            say = phrase(DEAL_DEPARTMENT, rng, department=spoken(coupon.department.name))
        else:
            say = phrase(DEAL_STORE_WIDE, rng)
        cases.append(Case("coupon", coupon.code, say, Expect("deal", text=coupon.code)))
    return cases


def faq_cases(store: Store, rng: random.Random) -> list[Case]:
    return [
        Case("faq", faq.question, reworded(faq.question, rng), Expect("faq", text=faq.answer))
        for faq in Faq.objects.filter(store=store, is_active=True).order_by("id")
    ]


ITEM_CASES = 6  # per item: the price twice, the stock twice, the location twice, each in its own words


def item_cases(item: InventoryItem, rng: random.Random) -> list[Case]:
    values = item_names(item.name, rng)
    cases = [Case("item", item.name, phrase(PRICE, rng, **values), Expect("price", price=item.price)) for _ in range(2)]
    cases += [Case("item", item.name, phrase(STOCK, rng, **values), Expect("stock", in_stock=item.stock_quantity > 0)) for _ in range(2)]
    if item.location:
        cases += [Case("item", item.name, phrase(AISLE, rng, **values), Expect("aisle", text=item.location)) for _ in range(2)]
    return cases


def generate_cases(store: Store, *, sample: int = DEFAULT_SAMPLE, seed: int = 0, now: dt.datetime | None = None) -> tuple[list[Case], int]:
    """The cases to play (at most `sample`) and how many the store's data gives in all.

    Items are read only for the sample: the ids of the active items, then the few picked."""
    now = now or timezone.now()
    rng = random.Random(f"{seed}:{store.pk}")
    small = [*department_cases(store, rng), person_case(store, rng), *hours_cases(store, rng, now),
             *coupon_cases(store, rng, now), *faq_cases(store, rng)]  # fmt: skip
    active = InventoryItem.objects.filter(store=store, is_active=True)
    item_ids = list(active.order_by("id").values_list("id", flat=True))
    # Every item gives ITEM_CASES cases, two fewer without a location.
    item_population = ITEM_CASES * len(item_ids) - 2 * active.filter(location="").count()
    population = len(small) + item_population
    if population <= sample:
        items = active.order_by("id")
        return small + [case for item in items for case in item_cases(item, rng)], population
    keep = min(len(small), max(sample // 2, sample - item_population))
    small = [small[i] for i in sorted(rng.sample(range(len(small)), keep))]
    room = sample - len(small)
    picked = sorted(rng.sample(item_ids, min(len(item_ids), -(-room // (ITEM_CASES - 2)))))
    item_rows = [case for item in InventoryItem.objects.filter(pk__in=picked).order_by("id") for case in item_cases(item, rng)]
    item_rows = [item_rows[i] for i in sorted(rng.sample(range(len(item_rows)), min(room, len(item_rows))))]
    return small + item_rows, population


# -- grading ---------------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Folded words one space apart; "7:00 PM", "7 p.m." and "7pm" all read "7 pm"."""
    text = fold(text).replace("a.m.", "am").replace("p.m.", "pm").replace("a.m", "am").replace("p.m", "pm")
    text = re.sub(r"\b(\d{1,2}):00\b", r"\1", text)
    text = re.sub(r"\b(\d{1,2}(?::\d\d)?)(am|pm)\b", r"\1 \2", text)
    return " ".join(re.findall(r"[^\W_]+(?:[.:/][0-9]+)*", text))


def has(reply: str, wanted: str) -> bool:
    wanted = norm(wanted)
    return bool(wanted) and re.search(rf"(?<!\S){re.escape(wanted)}(?!\S)", norm(reply)) is not None


def spoken_prices(price: Decimal) -> list[str]:
    forms = [f"${price:,.2f}"]
    if price == price.to_integral():
        forms.append(f"${int(price):,}")
    return forms


def clock(hhmm: str) -> str:
    hour, minute = (int(part) for part in hhmm.split(":"))
    suffix = "am" if hour < 12 or hour == 24 else "pm"
    hour = hour % 12 or 12
    return f"{hour} {suffix}" if minute == 0 else f"{hour}:{minute:02d} {suffix}"


def _code_in(code: str, reply: str) -> bool:
    return code.upper() in re.sub(r"[^0-9A-Za-z]", "", reply).upper()


def grade(expect: Expect, answer: Answer, dialled: tuple[str, str] | None) -> str | None:
    """None when the answer is what the data says; else what was wrong, in a few words."""
    said = " ".join(answer.said)
    if expect.kind == "transfer":
        if not expect.lines:
            if dialled is not None:
                return f"dialled {dialled[0]} though nobody can be reached; expected a callback offer"
            return None if answer.listening and any(has(said, p) for p in CALLBACK_OFFER) else "no line to dial, and no callback offered"
        if dialled is None:
            return "not put through"
        number, digits = dialled
        if any(number == line and digits.strip("w") == extension for line, extension in expect.lines):
            return None
        wanted = " or ".join(line + (f" ext {extension}" if extension else "") for line, extension in expect.lines)
        return f"put through to {number}{' ext ' + digits.strip('w') if digits else ''}, not {wanted}"
    if dialled is not None:
        return f"put through to {dialled[0]} instead of answering"
    if expect.kind == "price":
        forms = spoken_prices(expect.price)
        found = any(re.search(rf"{re.escape(form)}(?![0-9]|[.,][0-9])", said) for form in forms)
        return None if found else f"price {forms[0]} not said"
    if expect.kind == "aisle":
        return None if has(said, expect.text) else f"location {expect.text!r} not said"
    if expect.kind == "stock":
        negative = any(has(said, p) for p in NEGATIVE_STOCK)
        if not expect.in_stock:
            return None if negative else "sold out, not said"
        return None if not negative and any(has(said, p) for p in POSITIVE_STOCK) else "in stock, not said"
    if expect.kind == "hours":
        if expect.text:
            return None if has(said, expect.text) or has(said, expect.text.replace(" - ", " to ")) else f"hours {expect.text!r} not said"
        for span in expect.spans:
            if span is None and has(said, "closed"):
                return None
            if span is not None and has(said, clock(span[0])) and has(said, clock(span[1])):
                return None
        return "hours " + " or ".join("closed" if s is None else f"{clock(s[0])} to {clock(s[1])}" for s in expect.spans) + " not said"
    if expect.kind == "deal":
        return None if _code_in(expect.text, said) else f"coupon {expect.text} not offered"
    if expect.kind == "faq":
        return None if norm(expect.text) in norm(said) else "the FAQ's answer not spoken"
    raise ValueError(f"unknown expectation {expect.kind!r}")


# -- playing ---------------------------------------------------------------------------------------


def dial_of(answer: Answer) -> tuple[str, str] | None:
    """The number (and digits) of the answer's <Dial>, from the simulator's reading of the TwiML."""
    for line in answer.lines:
        match = re.fullmatch(r"\s*\[Dial (\S*)(?: sendDigits=(\S+))?\]", line)
        if match:
            return match.group(1), match.group(2) or ""
    return None


def play(case: Case, *, number: str, token: str) -> Result:
    """One case as its own call, rolled back with everything it wrote."""
    with transaction.atomic():
        call = SimulatedCall(transport=InProcess(settings.PUBLIC_BASE_URL), to=number, token=token, caller=CHECK_CALLER)
        try:
            call.start()
            answer = call.turn(case.say)
        except WebhookRefused as exc:
            transaction.set_rollback(True)
            return Result(case, f"the webhook refused the call: {exc}", "")
        transaction.set_rollback(True)
    dialled = dial_of(answer)
    said = " ".join(answer.said)
    return Result(case, grade(case.expect, answer, dialled), said, " ".join(filter(None, dialled or ())))


def check_store(store: Store, *, sample: int = DEFAULT_SAMPLE, seed: int = 0, now: dt.datetime | None = None,
                progress: Callable[[int, int], None] | None = None) -> Report:
    """Generate, play and grade the store's cases; the report has the pass rate and every failure."""
    if not store.twilio_numbers:
        raise CheckError(f"{store.name} has no phone number: add one to its Twilio numbers, so the check can call it.")
    token = twilio.signing_token()
    if not token:
        raise CheckError("The check signs as Twilio does: set TWILIO_AUTH_TOKEN (or run with DEBUG=1).")
    sample = max(1, min(sample, MAX_SAMPLE))
    started = time.monotonic()
    cases, population = generate_cases(store, sample=sample, seed=seed, now=now)
    report = Report(store=store, population=population, seed=seed)
    for index, case in enumerate(cases, 1):
        report.results.append(play(case, number=store.twilio_numbers[0], token=token))
        if progress:
            progress(index, len(cases))
    report.seconds = time.monotonic() - started
    return report


def summary_lines(report: Report) -> Iterable[str]:
    """The report as text: the figure, the sample, each topic, then every failure with what the agent said."""
    sampled = f"all {report.population:,} cases" if report.played >= report.population else f"a sample of {report.played:,} of {report.population:,} cases (seed {report.seed})"
    yield f"{report.store.name} ({report.store.slug}): {report.passed}/{report.played} passed ({report.rate:.1%}), {sampled}, in {report.seconds:.1f} s"
    for topic, passed, played in report.by_topic():
        yield f"  {topic}: {passed}/{played}"
    if report.failures:
        yield "Failures:"
    for result in report.failures:
        yield f"  [{result.case.label}] caller: {result.case.say!r}"
        yield f"      agent: {result.said!r}" + (f" [dialled {result.dialled}]" if result.dialled else "")
        yield f"      {result.problem}"
