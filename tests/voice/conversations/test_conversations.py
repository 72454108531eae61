"""Multi-turn calls as real callers make them (tests/voice/conversations/<set>/<store>.yaml, the format is
CONVERSATIONS.md's), played through the real signed webhooks on three stores built here, each turn graded
exactly against the store's data. Prints each set's figures; the tuning set fails below 95% of turns,
the held-out set below 85%.

The stores: `fixture` (../shared/fixtures/ai-call-router-data through import_store), `hardware`
(stores/hardware/ through import_store) and `demo` (seed_demo's grocery). The store-local time of each
call (`when`) is frozen with time-machine; the stores are built at a fixed moment too, so coupons'
expiry dates and holidays fall the same way on every run.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.test import Client

from calls.models import Call, Customer, ScheduledCallback
from store.models import WEEKDAYS, Coupon, Department, Faq, InventoryItem, Store, fold
from store.services import settings_of
from tests.voice.webhooks import gather_params, incoming_params, post, twilio_settings, twiml  # noqa: F401 (fixture)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
# ../shared beside the repository (a clone), or beside the folder of worktrees (/work/wt/<name>).
FIXTURE = next(
    (path for path in (REPO.parent / "shared" / "fixtures" / "ai-call-router-data", REPO.parents[1] / "shared" / "fixtures" / "ai-call-router-data") if path.is_dir()),
    REPO.parent / "shared" / "fixtures" / "ai-call-router-data",
)
HARDWARE = HERE / "stores" / "hardware"
THRESHOLDS = {"tuning": 0.95, "heldout": 0.85}
# Until the engine reaches a set's threshold, the shortfall is reported as an expected failure with the
# measured figure (the figures always print); flip a set to True once it passes, and it gates the suite.
ENFORCED = {"tuning": True, "heldout": True}
DEFAULT_WHEN = "2026-12-08 10:30"
DEFAULT_CALLER = "+15551230001"
# The stores are built at this moment (UTC): what the case writers saw when they read the data.
BUILT_AT = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.timezone.utc)
STORE_ZONE = "America/New_York"  # the imported stores' zone when their store_info.json names none
NUMBERS = {"fixture": "+15005550101", "hardware": "+15005550102"}


def cases(kind: str) -> list[tuple[str, dict]]:
    folder = HERE / kind
    return [(path.stem, yaml.safe_load(path.read_text())) for path in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []


# -- the stores -----------------------------------------------------------------------------------


def _faqs_from(store: Store, path: Path) -> None:
    """FAQs of a folder's faqs.json when import_store did not bring them (it learns the file separately)."""
    if path.is_file() and not Faq.objects.filter(store=store).exists():
        for row in json.loads(path.read_text()):
            Faq.objects.create(
                store=store, question=row["question"], answer=row["answer"], keywords=row.get("keywords") or [], is_active=row.get("is_active", True)
            )


def _imported(folder: Path, slug: str) -> Store:
    call_command("import_store", str(folder), store=slug, create=True, time_zone=STORE_ZONE, stdout=StringIO())
    store = Store.objects.get(slug=slug)
    _faqs_from(store, folder / "faqs.json")
    return store


def build_store(name: str) -> Store:
    with time_machine.travel(BUILT_AT, tick=False):
        if name == "fixture":
            if not FIXTURE.is_dir():
                pytest.skip(f"the original app's data is not at {FIXTURE}")
            store = _imported(FIXTURE, "conv-fixture")
        elif name == "hardware":
            store = _imported(HARDWARE, "conv-hardware")
        elif name == "demo":
            call_command("seed_demo", calls=0, quiet=True)
            store = Store.objects.get(slug="demo-store")
            _faqs_from(store, REPO / "dashboard" / "demo_catalogue" / "grocer_faqs.json")
        else:
            raise AssertionError(f"unknown store {name!r}")
    if name in NUMBERS:
        Store.objects.filter(pk=store.pk).update(twilio_numbers=[NUMBERS[name]])
        store.refresh_from_db()
    return store


# -- reading the agent's reply --------------------------------------------------------------------


@dataclass
class Outcome:
    """What the agent did on one turn, as the caller and the store's data show it."""

    action: str  # transfer, goodbye, listen
    said: str
    intent: str = ""
    offer: dict = field(default_factory=dict)
    number: str = ""
    digits: str = ""
    label: str = ""
    callbacks: list[ScheduledCallback] = field(default_factory=list)


def agent_state(call: Call) -> tuple[str, dict]:
    """The engine's last intent and pending offer (the call's dialogue state; before it existed, its metadata)."""
    state = getattr(call, "dialogue_state", None)
    if isinstance(state, dict) and state:
        return str(state.get("intent") or ""), dict(state.get("offer") or {})
    intent = str((call.metadata or {}).get("last_intent") or "")
    # The engine before dialogue state offered a transfer only after an item it could not find.
    return intent, ({"kind": "transfer", "to": "operator"} if intent == "not_found" else {})


def outcome_of(response, call: Call, before: set[int]) -> Outcome:
    root = twiml(response)
    said = " ".join((say.text or "").strip() for say in root.iter("Say")).strip()
    call.refresh_from_db()
    intent, offer = agent_state(call)
    new = [cb for cb in ScheduledCallback.objects.filter(store=call.store).select_related("customer") if cb.pk not in before]
    dial = root.find("Dial")
    if dial is not None:
        number = dial.find("Number")
        label = str((call.metadata or {}).get("transferTo") or call.outcome.removeprefix("transferred to "))
        return Outcome("transfer", said, intent, offer, (number.text or "").strip() if number is not None else "", number.get("sendDigits", "") if number is not None else "", label, new)
    if root.find("Hangup") is not None or (root.find("Gather") is None and not said):
        return Outcome("goodbye", said, intent, offer, callbacks=new)
    return Outcome("listen", said, intent, offer, callbacks=new)


# -- grading --------------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Folded words, one space apart: "A.M." and "a.m" are "am", "7:00 PM" is "7 pm"."""
    text = fold(text).replace("a.m.", "am").replace("p.m.", "pm").replace("a.m", "am").replace("p.m", "pm")
    text = re.sub(r"\b(\d{1,2}):00\b", r"\1", text)
    text = re.sub(r"\b(\d{1,2}(?::\d\d)?)(am|pm)\b", r"\1 \2", text)
    return " ".join(re.findall(r"[^\W_]+(?:[.:/][0-9]+)*", text))


def has(reply: str, phrase: str) -> bool:
    wanted = norm(phrase)
    return bool(wanted) and re.search(rf"(?<![^\s]){re.escape(wanted)}(?![^\s])", norm(reply)) is not None


def spoken_prices(price: Decimal) -> list[str]:
    forms = [f"${price:,.2f}"]
    if price == price.to_integral():
        forms.append(f"${int(price):,}")
    return forms


def says_price(reply: str, price: Decimal) -> bool:
    return any(re.search(rf"{re.escape(form)}(?![0-9]|[.,][0-9])", reply) for form in spoken_prices(price))


NEGATIVE_STOCK = ("out of stock", "sold out", "don't have any", "do not have any", "none left", "not in stock", "no longer in stock", "ran out", "run out", "none in stock")
POSITIVE_STOCK = ("in stock", "we have", "we've got", "we do have", "we carry", "available", "left", "yes", "we've", "there are")
NO_DEALS = ("no deals", "no current deals", "don't have any deals", "do not have any deals", "no coupons", "don't see any deals", "not running any", "no promotions", "no specials", "aren't any deals", "no active", "don't have any current", "no offers", "isn't a deal", "no deal")
NOT_CARRIED = ("couldn't find", "could not find", "can't find", "cannot find", "don't have", "do not have", "don't carry", "do not carry", "don't sell", "do not sell", "not something we", "we don't stock", "isn't something", "not carry", "no longer carry")
ROBOT = ("automated", "virtual assistant", "ai assistant", "an ai", "artificial intelligence", "a computer", "a robot", "an assistant", "automatic")


def day_of(spec: str, when: dt.datetime) -> dt.date:
    spec = str(spec).strip().lower()
    if spec == "today":
        return when.date()
    if spec == "tomorrow":
        return when.date() + dt.timedelta(days=1)
    if spec in WEEKDAYS:
        ahead = (WEEKDAYS.index(spec) - when.weekday()) % 7
        return when.date() + dt.timedelta(days=ahead)
    return dt.date.fromisoformat(spec)


def clock_forms(hhmm: str) -> str:
    hour, minute = (int(part) for part in hhmm.split(":"))
    suffix = "am" if hour < 12 or hour == 24 else "pm"
    hour = hour % 12 or 12
    return f"{hour} {suffix}" if minute == 0 else f"{hour}:{minute:02d} {suffix}"


class Grader:
    """One store's data, read fresh for each check."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def item(self, name: str) -> InventoryItem:
        found = InventoryItem.objects.filter(store=self.store, name=name).first()
        if found is None:
            raise LookupError(f"case error: no item named {name!r} in {self.store.slug}")
        return found

    def department(self, name: str) -> Department:
        found = Department.objects.filter(store=self.store, name=name).first()
        if found is None:
            raise LookupError(f"case error: no department named {name!r} in {self.store.slug}")
        return found

    def fact(self, fact: dict, reply: str, when: dt.datetime) -> str | None:
        """None when the reply states the fact, else why not."""
        (kind, value), = fact.items()
        if kind == "price":
            item = self.item(value)
            return None if says_price(reply, item.price) else f"price of {value} ({spoken_prices(item.price)[0]}) not said"
        if kind == "aisle":
            item = self.item(value)
            return None if item.location and has(reply, item.location) else f"location of {value} ({item.location!r}) not said"
        if kind == "stock":
            item = self.item(value)
            negative = any(has(reply, phrase) for phrase in NEGATIVE_STOCK)
            if item.stock_quantity <= 0:
                return None if negative else f"{value} is sold out; not said"
            return None if not negative and any(has(reply, phrase) for phrase in POSITIVE_STOCK) else f"{value} is in stock ({item.stock_quantity}); not said"
        if kind == "hours":
            day = day_of(value, when)
            table = self.store.opening_hours or self.store.holiday_hours
            if not table:
                return None if has(reply, self.store.hours) or has(reply, self.store.hours.replace(" - ", " to ")) else f"hours {self.store.hours!r} not said"
            span = self.store.hours_on(day)
            if span is None:
                return None if has(reply, "closed") else f"{day:%A %Y-%m-%d} is closed; not said"
            opens, closes = clock_forms(span["open"]), clock_forms(span["close"])
            return None if has(reply, opens) and has(reply, closes) else f"hours of {day:%A %Y-%m-%d} ({opens} to {closes}) not said"
        if kind == "deal":
            coupon = Coupon.objects.filter(store=self.store, code=value).first()
            if coupon is None or not coupon.is_valid_at(when):
                raise LookupError(f"case error: {value!r} is not an active, unexpired coupon of {self.store.slug} at {when}")
            return None if value.upper() in re.sub(r"[^0-9A-Za-z]", "", reply).upper() else f"coupon {value} not offered"
        if kind == "no_deals":
            codes = [c.code for c in Coupon.objects.filter(store=self.store) if c.is_valid_at(when) and c.code.upper() in re.sub(r"[^0-9A-Za-z]", "", reply).upper()]
            if codes:
                return f"spoke coupons {codes} while there should be none"
            return None if any(has(reply, phrase) for phrase in NO_DEALS) else "did not say there are no deals"
        if kind == "faq":
            faq = Faq.objects.filter(store=self.store, question=value).first()
            if faq is None:
                raise LookupError(f"case error: no FAQ {value!r} in {self.store.slug}")
            return None if norm(faq.answer) in norm(reply) else f"FAQ answer for {value!r} not spoken"
        if kind == "not_carried":
            return None if any(has(reply, phrase) for phrase in NOT_CARRIED) else f"did not say {value!r} is not carried"
        if kind == "address":
            return None if has(reply, self.store.address) else f"address {self.store.address!r} not said"
        if kind == "phone":
            digits = re.sub(r"\D", "", self.store.phone)
            return None if digits and digits in re.sub(r"\D", "", reply) else f"phone {self.store.phone!r} not said"
        if kind == "robot":
            honest = any(has(reply, phrase) for phrase in ROBOT) and not any(has(reply, p) for p in ("not a robot", "not automated", "i'm a person", "i am a person", "not an ai"))
            return None if honest else "did not say it is an automated assistant"
        raise LookupError(f"case error: unknown fact {kind!r}")

    def target(self, to: str, outcome: Outcome) -> str | None:
        """None when the transfer reaches `to` (a department's line, the operator or the manager)."""
        settings = settings_of(self.store)
        if to in ("operator", "manager"):
            lines = {number for number in (settings.operator_number, self.store.transfer_number) if number}
            if outcome.number not in lines or outcome.label != to:
                return f"transfer to {outcome.label or outcome.number!r}, not the {to}"
            return None
        dept = self.department(to)
        reached = (outcome.number == dept.phone and bool(dept.phone)) or (
            bool(self.store.transfer_number) and outcome.number == self.store.transfer_number and outcome.digits.strip("w") == dept.phone_extension
        )
        return None if reached and outcome.label == dept.name else f"transfer to {outcome.label or outcome.number!r} ({outcome.number} {outcome.digits}), not {to}"

    def grade(self, expect: dict, outcome: Outcome, when: dt.datetime, caller: str) -> list[str]:
        """Why the turn is not what a good receptionist would do: an empty list when it is."""
        problems: list[str] = []
        wanted = expect["action"]
        listening = outcome.action == "listen"
        if wanted == "transfer":
            if outcome.action != "transfer":
                problems.append(f"expected a transfer to {expect.get('to')}, got {outcome.action} ({outcome.intent})")
            elif expect.get("to") and (why := self.target(expect["to"], outcome)):
                problems.append(why)
        elif wanted == "goodbye":
            if outcome.action != "goodbye":
                problems.append(f"expected goodbye, got {outcome.action} ({outcome.intent})")
        elif wanted == "callback_created":
            mine = [cb for cb in outcome.callbacks if cb.customer.phone == caller]
            if not mine:
                problems.append("no callback was scheduled for the caller")
            elif expect.get("reason_has") and not any(fold(expect["reason_has"]) in fold(cb.reason) for cb in mine):
                problems.append(f"callback reason {[cb.reason for cb in mine]} lacks {expect['reason_has']!r}")
        elif wanted == "offer":
            if not listening or not outcome.offer:
                problems.append(f"expected an offer, got {outcome.action} ({outcome.intent})")
            else:
                if expect.get("kind") and outcome.offer.get("kind") != expect["kind"]:
                    problems.append(f"offered {outcome.offer.get('kind')}, expected {expect['kind']}")
                if expect.get("to") and outcome.offer.get("to") != expect["to"]:
                    problems.append(f"offered a transfer to {outcome.offer.get('to')}, expected {expect['to']}")
        elif wanted == "ask_which":
            if not listening or outcome.intent != "ask_which":
                problems.append(f"expected the agent to ask which, got {outcome.action} ({outcome.intent})")
            missing = [name for name in expect.get("options", []) if not has(outcome.said, name)]
            if missing:
                problems.append(f"options not named: {missing}")
        elif wanted == "reask":
            if not listening or outcome.intent != "reask":
                problems.append(f"expected a re-ask, got {outcome.action} ({outcome.intent})")
        elif wanted in ("answer", "continue"):
            if not listening or outcome.intent in ("reask", "ask_which", ""):
                problems.append(f"expected {wanted}, got {outcome.action} ({outcome.intent})")
        else:
            raise LookupError(f"case error: unknown action {wanted!r}")
        if wanted != "callback_created" and any(cb.customer.phone == caller for cb in outcome.callbacks):
            problems.append("a callback was scheduled that the caller did not accept")
        for fact in expect.get("facts") or []:
            why = self.fact(fact, outcome.said, when)
            if why:
                problems.append(why)
        for text in expect.get("not_says") or []:
            if fold(str(text)) in fold(outcome.said):
                problems.append(f"said {text!r}")
        return problems


# -- playing the calls ----------------------------------------------------------------------------


@dataclass
class Figures:
    turns: int = 0
    passed: int = 0
    calls: int = 0
    calls_passed: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: "Figures") -> None:
        self.turns += other.turns
        self.passed += other.passed
        self.calls += other.calls
        self.calls_passed += other.calls_passed
        self.failures += other.failures

    @property
    def rate(self) -> float:
        return self.passed / self.turns if self.turns else 0.0

    def line(self, name: str) -> str:
        return f"{name}: {self.passed}/{self.turns} turns ({self.rate:.1%}), {self.calls_passed}/{self.calls} calls fully passed"


def play_call(client: Client, store: Store, grader: Grader, case: dict, n: int) -> Figures:
    tz = zoneinfo.ZoneInfo(store.timezone)
    when = dt.datetime.fromisoformat(str(case.get("when") or DEFAULT_WHEN)).replace(tzinfo=tz)
    caller = str(case.get("caller") or DEFAULT_CALLER)
    sid = f"CA{n:032d}"
    number = store.twilio_numbers[0]
    figures = Figures(calls=1)
    lines: list[str] = []
    previous: Outcome | None = None
    with time_machine.travel(when, tick=False):
        twiml(post(client, "/voice/incoming", incoming_params(CallSid=sid, To=number, From=caller)))
        call = Call.objects.get(call_id=sid, store=store)
        for index, turn in enumerate(case["turns"], 1):
            before = set(ScheduledCallback.objects.filter(store=store).values_list("pk", flat=True))
            if "dial" in turn:
                params = incoming_params(CallSid=sid, To=number, From=caller, CallStatus="in-progress", DialCallStatus=turn["dial"])
                response = post(client, "/voice/status", params)
                heard = f"(transfer {turn['dial']})"
            else:
                response = post(client, "/voice/gather", gather_params(speech=str(turn["say"]), CallSid=sid, To=number, From=caller))
                heard = str(turn["say"])
            outcome = outcome_of(response, call, before)
            try:
                problems = grader.grade(turn["expect"], outcome, when, caller)
            except LookupError as exc:
                problems = [str(exc)]
            if previous is not None and outcome.intent == previous.intent == "reask" and outcome.said == previous.said:
                problems.append("the same re-ask twice in a row")
            figures.turns += 1
            if problems:
                lines.append(f"    {index}. {heard!r} -> {outcome.action}/{outcome.intent}: {outcome.said[:160]!r}\n       " + "; ".join(problems))
            else:
                figures.passed += 1
            previous = outcome
            if outcome.action != "listen" and index < len(case["turns"]) and "dial" not in case["turns"][index]:
                # The call ended (or went through) while the case goes on talking: the rest cannot pass.
                rest = len(case["turns"]) - index
                figures.turns += rest
                lines.append(f"    {index + 1}..: the call had ended ({outcome.action}); {rest} turn(s) not played")
                break
    if lines:
        figures.failures.append(f"  {case['id']}:\n" + "\n".join(lines))
    else:
        figures.calls_passed = 1
    return figures


def play_set(client: Client, kind: str) -> tuple[Figures, dict[str, Figures]]:
    files = cases(kind)
    if not files:
        pytest.skip(f"no {kind} cases yet in {HERE / kind}")
    total, per_store = Figures(), {}
    n = 0
    for stem, content in files:
        name = content["store"]
        store = Store.objects.filter(slug={"fixture": "conv-fixture", "hardware": "conv-hardware", "demo": "demo-store"}[name]).first() or build_store(name)
        grader = Grader(store)
        figures = Figures()
        for case in content["calls"]:
            n += 1
            figures.add(play_call(client, store, grader, case, n))
        per_store[stem] = figures
        total.add(figures)
    return total, per_store


def report(kind: str, total: Figures, per_store: dict[str, Figures]) -> None:
    print(f"\n=== {kind} set: " + total.line("all"))
    for stem, figures in per_store.items():
        print("    " + figures.line(stem))
    if total.failures:
        print("failed turns:\n" + "\n".join(total.failures))


@pytest.mark.parametrize("kind", ["tuning", "heldout"])
def test_conversations(kind, client, db, twilio_settings):
    total, per_store = play_set(client, kind)
    report(kind, total, per_store)
    threshold = THRESHOLDS[kind]
    if total.rate < threshold and not ENFORCED[kind]:
        pytest.xfail(f"{kind}: {total.passed}/{total.turns} turns ({total.rate:.1%}), below {threshold:.0%}: not enforced yet")
    assert total.rate >= threshold, total.line(kind)


def test_the_grader_fails_a_wrong_answer(db):
    """The grader itself: a reply with another price, no location or a wrong transfer does not pass."""
    store = Store.objects.create(name="Grader Test", slug="grader-test", timezone="America/New_York", transfer_number="+12125550100")
    dept = Department.objects.create(store=store, name="Plumbing", phone="+12125550111", phone_extension="201")
    InventoryItem.objects.create(store=store, name="PVC Pipe 1/2 inch", sku="P1", price=Decimal("2.49"), stock_quantity=0, location="Aisle 7", department=dept)
    grader = Grader(store)
    when = dt.datetime(2026, 12, 8, 10, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    listen = Outcome("listen", "PVC Pipe 1/2 inch is $2.99, in aisle 7.", intent="product")
    assert grader.grade({"action": "answer", "facts": [{"price": "PVC Pipe 1/2 inch"}]}, listen, when, DEFAULT_CALLER)
    assert not grader.grade({"action": "answer", "facts": [{"aisle": "PVC Pipe 1/2 inch"}]}, listen, when, DEFAULT_CALLER)
    assert grader.grade({"action": "answer", "facts": [{"stock": "PVC Pipe 1/2 inch"}]}, listen, when, DEFAULT_CALLER)
    sold_out = Outcome("listen", "Sorry, PVC Pipe 1/2 inch is sold out. It's usually $2.49.", intent="product")
    assert not grader.grade({"action": "answer", "facts": [{"stock": "PVC Pipe 1/2 inch"}, {"price": "PVC Pipe 1/2 inch"}]}, sold_out, when, DEFAULT_CALLER)
    wrong_line = Outcome("transfer", "Connecting you.", number="+12125550100", digits="ww999", label="Plumbing")
    assert grader.grade({"action": "transfer", "to": "Plumbing"}, wrong_line, when, DEFAULT_CALLER)
    right_line = Outcome("transfer", "Connecting you.", number="+12125550111", label="Plumbing")
    assert not grader.grade({"action": "transfer", "to": "Plumbing"}, right_line, when, DEFAULT_CALLER)
    assert grader.grade({"action": "goodbye"}, right_line, when, DEFAULT_CALLER)
    Store.objects.filter(pk=store.pk).update(opening_hours={"sunday": None, "tuesday": {"open": "07:00", "close": "21:30"}})
    store.refresh_from_db()
    assert not grader.fact({"hours": "tuesday"}, "Today we're open 7 AM to 9:30 PM.", when)
    assert grader.fact({"hours": "tuesday"}, "Today we're open 7 AM to 10 PM.", when)
    assert not grader.fact({"hours": "sunday"}, "We're closed on Sundays.", when)
    assert grader.fact({"hours": "sunday"}, "We're open 7 AM to 9:30 PM.", when)


@pytest.mark.parametrize("name", ["fixture", "hardware", "demo"])
def test_check_my_agent_passes_on_each_test_store(name, db, twilio_settings):
    """Issue 16: `check_agent` (cases made from the store's own data, 400 sampled, seed 0) passes 95% on each store."""
    from voice.agent_check import check_store

    store = build_store(name)
    at = dt.datetime(2026, 12, 8, 15, 30, tzinfo=dt.timezone.utc)
    with time_machine.travel(at, tick=False):
        report = check_store(store, sample=400, seed=0, now=at)
    print(f"\ncheck_agent {name}: {report.passed}/{report.played} ({report.percent}%) of {report.population} cases")
    failed = "\n".join(f"  {r.case.say!r}: {r.problem}" for r in report.failures[:10])
    assert report.played >= min(400, report.population) and report.rate >= 0.95, failed
