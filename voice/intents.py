"""Understanding a turn: every intent it holds, in the order said, each with its slots (a department, an
item, the words of a product not found, what was asked about it), read against the store's own vocabulary
(voice/context.py's lookups).

A turn is cut into clauses: at a correction ("the deli no wait the bakery": what comes before only sets the
scene) and at "and" between two questions ("how much is the bread and do you have cat food"), unless one item's
name holds the "and" ("half and half"). A clause that names no intent of its own ("and the half inch", "what
about tools", "how much is it") is a follow-up: voice/resolve.py reads it against what was said before.

The pipeline (voice/pipeline.py): normalise -> understand (here) -> resolve (voice/resolve.py: follow-ups,
the dialogue state, pending offers) -> answer (voice/answer.py) -> speak (voice/prompts.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from store.models import Department
from voice import dead_ends
from voice.context import Context
from voice.dead_ends import Staff
from voice.faq import FaqMatch, best_faq
from voice.matching import Item, match_department, singular
from voice.normalise import content_words, find, phrases, said
from voice.when import AskedDay, asked_days

# Phrases in English, Spanish and Hindi (romanised as speech recognition writes it, and Devanagari).
# Goodbyes whatever was offered: a caller who says bye means bye.
GOODBYE = phrases(
    "bye, goodbye, good bye, bye bye, that's all, thats all, that is all, that's it, thats it, that'll be all, that'll do, "
    "that's everything, that is everything, that will be all, that will do, hang up, i'm done, im done, all done, i'm all set, "
    "have a good day, have a nice day, see you, adios, hasta luego, eso es todo, nada mas, dhanyavad, dhanyavaad, dhanyawad, "
    "shukriya, alvida, phone kat do, phone rakh, bas itna hi, bas, धन्यवाद, शुक्रिया, अलविदा, फ़ोन काट दो, "
    # As some recognisers write the contractions callers end with ("that s all").
    "that s all, that s it, that s everything, i m done, that ll be all, that ll do, i m all set"
)
# Goodbyes only when nothing is offered: with an offer pending they decline it.
NOTHING_ELSE = phrases("nothing else, no thanks, no thank you, nope that's it, no that's all")
THANKS = phrases("thanks, thank you, gracias, thank u")
DECLINE = phrases(
    "no, nope, nah, no thanks, no thank you, no that's ok, no that's okay, no that's fine, that's ok, that's okay, that's fine, "
    "never mind, nevermind, not now, no need, i'm good, im good, no i'm good, actually no, no actually, no gracias, nahi, nahin"
)
YES = {"yes", "yeah", "yep", "yup", "sure", "please", "ok", "okay", "si", "haan", "ha", "ji", "हाँ", "हां", "correct", "right", "alright", "absolutely", "definitely"}
ACCEPT = phrases("go ahead, put me through, call me back, have him call me back, have her call me back, have them call me back, that would be great, please do, do that, sounds good")
MANAGER = phrases("manager, supervisor, gerente, store manager, in charge")
PERSON = phrases(
    "operator, representative, real person, a person, human, someone, somebody, anyone, anybody, an associate, an agent, "
    "live agent, staff member, employee, persona, operador, alguien, insaan, kisi se baat, kisi aadmi"
)
DEALS = phrases(
    "coupon, coupons, deal, deals, discount, discounts, on sale, sale, sales, promotion, promotions, promo, promos, offers, "
    "special, specials, savings, cupon, cupones, descuento, descuentos, oferta, ofertas, chhoot, ऑफ़र"
)
HOLIDAY = phrases("holiday, holidays, christmas, christmas eve, thanksgiving, new year, new years, new year's day, easter, july 4th, memorial day, labor day, festivo, navidad, diwali, holi")
OPEN_NOW = phrases("open now, open right now, are you open, you open, still open, open today, open tonight, open yet, abierto, abiertos, estan abiertos, khule ho, khula hai, khule hain")
HOURS = phrases(
    "hours, what time, when do you open, when do you close, opening, closing, close, open, how late, horario, horas, abren, "
    "cierran, timing, timings, kab khul, kab band, samay"
)
# Days a caller may name: with hours asked before, "and on sunday?" asks the hours again.
DAYS = phrases(
    "today, tonight, tomorrow, this weekend, weekend, monday, tuesday, wednesday, thursday, friday, saturday, sunday, "
    "mondays, tuesdays, wednesdays, thursdays, fridays, saturdays, sundays, christmas, christmas eve, thanksgiving, "
    "new year, new years, new year's day, new year's eve, easter, holiday, holidays, next week"
)
ADDRESS = phrases(
    "address, where are you, where is the store, where's the store, located, directions, how do i get there, "
    "direccion, donde estan, donde queda, pata, kahan hai, kaha hai, kahaan"
)
PHONE = phrases("phone number, your number, telephone number, number for the store, store number, number to call, call you at, your phone")
TRANSFER = phrases(
    "connect, transfer, put me through, speak, talk, department, help me with, help me pick, comunica, comuniqueme, hablar, "
    "baat, jodo, jod do"
)
PRODUCT_QUESTION = phrases(
    "do you have, do you sell, do you carry, do you guys have, do you guys sell, do you guys carry, how much, price, cost, "
    "in stock, where can i find, where is, where are, where do i find, looking for, got any, any, tienen, tiene, cuanto, "
    "cuesta, hai kya, kitne ka, kitna, milega, chahiye"
)
PRICE_QUESTION = phrases("how much, price, cost, costs, cuanto, cuesta, precio, kitne, kitna, kimat, daam")
WHERE_QUESTION = phrases("where, aisle, which aisle, find, located, donde, pasillo, kahan, kaha")
STOCK_QUESTION = phrases("in stock, do you have, have any, got any, available, do you sell, do you carry, sold out, any left, how many")
# "X no wait Y", "X oh sorry i meant Y": Y is what the caller wants, X only sets the scene.
CORRECTION = phrases(
    "no wait, wait no, no sorry, oh sorry, sorry i meant, i meant, i mean, actually no, no actually, make that, scratch that, "
    "or rather, rather, no no"
)
# Words that join two questions in one turn.
JOIN = re.compile(r"\s+(?:and also|and then|and|also|plus)\s+")
# Words of the request itself, never part of a product or department said: "can somebody help me with".
REQUEST_WORDS = set(
    """someone somebody anyone anybody person people help talk speak connect transfer put through department dept counter
    section desk team member staff representative operator human real associate agent live who could would should may might
    let like need wanted want get give call back pick out choose question about please go ahead mine one""".split()
)


@dataclass(frozen=True)
class Intent:
    """One thing the caller wants, with its slots.

    kind: timeout, digits, miss, accept / decline (an answer to the pending offer), goodbye, thanks, manager, person
    (a person wanted, `department` set when one is named or meant), department, product, ask_which (`options`),
    not_found, deals, hours (`days`), address (address and phone, in `words` in the order asked), complaint, staff,
    faq, robot; and, for voice/resolve.py to read against what came before,
    query (words that may name an item, a department or a day) and followup (a question about the last item: "how
    much is it")."""

    kind: str
    department: Department | None = None
    item: Item | None = None
    # The caller's words that named it (a product not found is said back with them).
    words: tuple[str, ...] = ()
    # What was asked about the item (price, where, stock) or the hours (holiday, open_now); empty: as before.
    ask: frozenset[str] = frozenset()
    # The items an ask-which names, or the items of a follow-up about several ("where are they").
    options: tuple[Item, ...] = ()
    # The clause it came from, normalised (the hours of which day, what a callback is about).
    text: str = ""
    # The days asked about (hours), the FAQ entry asked (faq), the staff member named (staff).
    days: tuple[AskedDay, ...] = ()
    faq: FaqMatch | None = None
    staff: Staff | None = None
    # An intent before a correction: it sets the scene for what follows and is not answered.
    superseded: bool = False
    # A product question with its own question words ("how much is X"), not a bare follow-up ("and X").
    asked: bool = False
    extra: dict = field(default_factory=dict, compare=False)


def asks(text: str) -> frozenset[str]:
    """What a clause asks about an item: its price, where it is, whether it is in stock; empty when it does not say."""
    found = {name for name, options in (("price", PRICE_QUESTION), ("where", WHERE_QUESTION), ("stock", STOCK_QUESTION)) if said(text, options)}
    if "price" in found or "where" in found:
        found.discard("stock")
    return frozenset(found)


def _hours_asks(text: str) -> frozenset[str]:
    return frozenset(name for name, options in (("holiday", HOLIDAY), ("open_now", OPEN_NOW)) if said(text, options))


def is_goodbye(text: str, *, offer: bool) -> bool:
    if said(text, GOODBYE) and not said(text, PRODUCT_QUESTION):
        return True
    return not offer and said(text, NOTHING_ELSE) and not said(text, PRODUCT_QUESTION)


def _words_without(text: str, *option_sets: tuple[str, ...]) -> str:
    for options in option_sets:
        if options:
            text = re.sub(rf"(?<![^\W_])(?:{'|'.join(re.escape(o) for o in options)})(?![^\W_])", " ", text)
    return " ".join(text.split())


# Said on a phone line, about nothing in the store.
FILLERS = phrases("bad connection, can you hear me, you are breaking up, hold on, one second, one moment, quick question, i was wondering, i wanted to ask, i have a question")


def _content(text: str) -> list[str]:
    """The words that may name an item or a department: no fillers, no question words, no words of the request."""
    text = _words_without(text, FILLERS, DEALS, DAYS, HOURS, PHONE)
    return [word for word in content_words(text) if word not in REQUEST_WORDS]


def understand(ctx: Context) -> list[Intent]:
    """Every intent of the turn, in the order said."""
    turn, text = ctx.turn, ctx.text
    if turn.seconds_in_call >= ctx.settings.max_call_length:
        return [Intent("timeout")]
    if turn.digits.strip("#*").isdigit():
        return [Intent("digits", words=(turn.digits.strip("#*"),))]
    if not text:
        return [Intent("miss")]
    offer = bool(turn.offer)
    if is_goodbye(text, offer=offer):
        return [Intent("goodbye")]
    if offer:
        spoken = text.split()
        declined = find(text, DECLINE)
        if declined is not None and declined.start() == 0:
            rest = text[declined.end():].strip()
            rest = _words_without(rest, DECLINE).strip()
            if not _content(rest) and not _any_intent_words(rest):
                return [Intent("decline")]
            return [Intent("decline", superseded=True), *clauses(ctx, rest)]
        if (set(spoken) & YES and len(spoken) <= 6 and not _content(_words_without(text, ACCEPT))) or said(text, ACCEPT) and len(spoken) <= 8 or (
            turn.offer.get("kind") == "callback" and dead_ends.wants_callback(text)
        ):
            return [Intent("accept", text=text)]
    return clauses(ctx, text)


def _any_intent_words(text: str) -> bool:
    return any(said(text, options) for options in (PRODUCT_QUESTION, HOURS, ADDRESS, DEALS, PERSON, MANAGER, TRANSFER, PHONE, DAYS)) or dead_ends.is_complaint(text)


def clauses(ctx: Context, text: str) -> list[Intent]:
    """The intents of a text: cut at the last correction, then at "and" between questions."""
    corrected = None
    for match in re.finditer(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, CORRECTION))})(?![^\W_])", text):
        corrected = match
    if corrected is not None and text[corrected.end():].strip() and text[: corrected.start()].strip():
        before = [replace(intent, superseded=True) for intent in clauses(ctx, text[: corrected.start()].strip())]
        return [*before, *clauses(ctx, text[corrected.end():].strip())]
    parts = [part for part in JOIN.split(text) if part.strip()]
    if len(parts) > 1:
        # One item's name may hold the "and" ("half and half", "macaroni and cheese").
        whole_words = _content(text)
        whole_item = ctx.search(whole_words) if len(whole_words) >= 2 else None
        if whole_item is not None and whole_item.coverage == 1:
            return [clause(ctx, text)]
        found: list[Intent] = []
        for part in parts:
            intent = clause(ctx, part)
            if intent.kind == "miss" and found:
                continue  # "and thanks", "and um"
            found.append(intent)
        if any(intent.kind == "complaint" for intent in found):
            return [next(intent for intent in found if intent.kind == "complaint")]
        return found or [clause(ctx, text)]
    return [clause(ctx, text)]


def _department_for_item(ctx: Context, item: Item | None) -> Department | None:
    if item is None or not item.department_id:
        return None
    return next((dept for dept in ctx.departments if dept.pk == item.department_id), None)


def clause(ctx: Context, text: str) -> Intent:
    """The one intent of a clause."""
    content = _content(text)
    if dead_ends.asks_if_robot(text):
        return Intent("robot", text=text)
    if dead_ends.is_complaint(text):
        return Intent("complaint", department=dead_ends.complaints_department(ctx.departments), text=text, words=tuple(content))
    staff = dead_ends.staff_named(dead_ends.store_staff(ctx.store, version=ctx.version), text)
    if staff is not None:
        return Intent("staff", department=next((d for d in ctx.departments if d.pk == staff.department_id), None), staff=staff, text=text)
    wants_person = said(text, PERSON) or said(text, TRANSFER)
    dept_match = match_department(ctx.departments, " ".join(content) if content else text, related=wants_person)
    dept = dept_match.department if dept_match else None
    if said(text, MANAGER):
        return Intent("manager", text=text)
    if wants_person and not dept:
        # "someone about phone chargers": the department of the item meant.
        item = ctx.item(content) if content else None
        dept = _department_for_item(ctx, item)
        if dept is None:
            return Intent("person", text=text, words=tuple(content))
    if wants_person and dept:
        return Intent("department", department=dept, text=text)
    wants_deals = said(text, DEALS) and not (dept_match and dept_match.phrase and said(dept_match.phrase, DEALS))
    ask = asks(text)
    item_found = ctx.item(content, correct=False) if content else None
    # The store's FAQ before deals, hours and departments ("do you offer catering", "do you cut keys"), unless the
    # caller asks to be put through, or a product is named whole and the FAQ only shares one word with it.
    found = best_faq(ctx.store, text, version=ctx.version)
    if found and found.strong and not (dept and said(text, TRANSFER)) and not (item_found and found.score < 90):
        return Intent("faq", faq=found, text=text, words=tuple(content))
    hours_words = said(text, HOURS) or said(text, OPEN_NOW) or said(text, HOLIDAY)
    days = tuple(asked_days(text, ctx.local_today))
    if days and not wants_deals and (hours_words or not [word for word in content if not said(word, DAYS)]):
        return Intent("hours", days=days, ask=frozenset({"holiday"}) if said(text, HOLIDAY) else frozenset(), text=text)
    if wants_deals:
        return Intent("deals", department=dept, item=item_found, words=tuple(content), text=text)
    if hours_words and not item_found:
        return Intent("hours", ask=_hours_asks(text), text=text)
    if (said(text, ADDRESS) or said(text, PHONE)) and not item_found:
        # "what's your address and phone number": both, in the order asked.
        asked = sorted((match.start(), name) for name, options in (("address", ADDRESS), ("phone", PHONE)) if (match := find(text, options)))
        return Intent("address", ask=frozenset(name for _, name in asked), words=tuple(name for _, name in asked), text=text)
    if not content:
        if ask:
            return Intent("followup", ask=ask, text=text)
        if said(text, DAYS):
            return Intent("query", text=text, extra={"day": True})
        if said(text, THANKS):
            return Intent("thanks", text=text)
        if said(text, PRODUCT_QUESTION):
            return Intent("followup", ask=frozenset({"stock"}), text=text)
        return Intent("miss", text=text)
    leftover = [word for word in content if singular(word) not in dept_match.words] if dept_match else content
    if said(text, DAYS) and not item_found and (hours_words or (not leftover and not dept)):
        return Intent("query", text=text, words=tuple(content), extra={"day": True})
    return Intent(
        "query", department=dept, words=tuple(content), ask=ask, text=text, asked=said(text, PRODUCT_QUESTION),
        extra={"leftover": tuple(leftover), "in_department": bool(dept_match and _in_department(text, dept_match.words))},
    )


def _in_department(text: str, named: frozenset[str]) -> bool:
    """"tom in the bakery", "somebody at the deli counter": a person in a department, not a product."""
    return any(singular(word) in named for word in re.findall(r"\b(?:in|at|from) (?:the )?(\w+)", text))
