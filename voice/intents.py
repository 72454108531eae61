"""Understanding a turn: what the caller wants, as intents with their slots (a department, an item, the
words of a product not found), read against the store's own vocabulary (voice/context.py's lookups).

The pipeline (voice/pipeline.py): normalise -> understand (here) -> resolve (voice/resolve.py: the dialogue
state, pending offers) -> answer (voice/answer.py) -> speak (voice/prompts.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from store.models import Department
from voice import dead_ends
from voice.context import Context
from voice.dead_ends import Staff
from voice.faq import FaqMatch, best_faq
from voice.when import AskedDay, asked_days
from voice.matching import Item, content_words, match_department, singular
from voice.normalise import UNIT_WORDS, _any_of, phrases, said

# Phrases in English, Spanish and Hindi (romanised as speech recognition writes it, and Devanagari).
GOODBYE = phrases(
    "bye, goodbye, good bye, bye bye, that's all, thats all, that is all, that's it, thats it, nothing else, no thanks, "
    "no thank you, hang up, i'm done, im done, have a good day, have a nice day, see you, adios, hasta luego, eso es todo, "
    "nada mas, dhanyavad, dhanyavaad, dhanyawad, shukriya, alvida, phone kat do, phone rakh, bas itna hi, bas, "
    "धन्यवाद, शुक्रिया, अलविदा, फ़ोन काट दो, "
    # As normalised ("that's" is "that s"): the contractions callers end with.
    "that s all, that s it, that s everything, i m done, that ll be all, that will be all, that ll do, i m all set"
)
THANKS = phrases("thanks, thank you, gracias, thank u")
MANAGER = phrases("manager, supervisor, gerente, store manager, in charge")
PERSON = phrases(
    "operator, representative, real person, a person, human, someone, somebody, an associate, an agent, live agent, "
    "persona, operador, alguien, insaan, kisi se baat, kisi aadmi"
)
DEALS = phrases(
    "coupon, coupons, deal, deals, discount, discounts, on sale, sale, sales, promotion, promotions, promo, offer, offers, "
    "special, specials, savings, cupon, cupones, descuento, descuentos, oferta, ofertas, chhoot, ऑफ़र"
)
HOLIDAY = phrases("holiday, holidays, christmas, thanksgiving, new year, new years, easter, july 4th, festivo, navidad, diwali, holi")
OPEN_NOW = phrases("open now, open right now, are you open, you open, still open, open today, open tonight, abierto, abiertos, estan abiertos, khule ho, khula hai, khule hain")
HOURS = phrases(
    "hours, what time, when do you open, when do you close, opening, closing, close, open, horario, horas, abren, cierran, "
    "timing, timings, kab khul, kab band, samay"
)
ADDRESS = phrases(
    "address, where are you, where is the store, where's the store, located, directions, how do i get there, "
    "direccion, donde estan, donde queda, pata, kahan hai, kaha hai, kahaan"
)
TRANSFER = phrases("connect, transfer, put me through, speak, talk, department, comunica, comuniqueme, hablar, baat, jodo, jod do")
PRODUCT_QUESTION = phrases(
    "do you have, do you sell, do you carry, do you guys have, how much, price, cost, in stock, where can i find, where is, "
    "where are, where do i find, looking for, got any, any, tienen, tiene, cuanto, cuesta, hai kya, kitne ka, kitna, milega, chahiye"
)
PRICE_QUESTION = phrases("how much, price, cost, costs, cuanto, cuesta, precio, kitne, kitna, kimat, daam")
WHERE_QUESTION = phrases("where, aisle, which aisle, find, located, donde, pasillo, kahan, kaha")
PHONE = phrases("phone number, your number, telephone number, number for the store, store number, number to call, call you at, your phone")


# A no to the pending offer ("no that's okay", "no never mind"), and the goodbyes that end the call even then.
# In the normalised words: "that's" is "that s".
DECLINE = phrases("no, nope, nah, no thanks, no thank you, never mind, nevermind, not now, not right now, i m good, im good, that s okay, thats okay, no es necesario")
BYE = phrases("bye, goodbye, good bye, bye bye, that s all, thats all, that s it, thats it, i m done, im done, hang up")
DECLINE_WORDS = re.compile(r"^(?:(?:no|nope|nah|thanks|thank you|never ?mind|not now|not right now|i ?m good|that s (?:okay|ok|fine|alright)|thats (?:okay|ok|fine)|it s (?:okay|fine)|actually|that s|ok|okay)\b\s*)+")


# Words that only name a day: "what about saturday", "and on christmas eve" ask for the hours.
DAY_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays "
    "tomorrow tmrw tonight weekend weekends day eve christmas xmas new year years thanksgiving easter independence memorial labor "
    "halloween valentine valentines july fourth 4th january february march april june august september october november december "
    "dec jan nov after next".split()
)
NO = {"no", "nope", "nah", "never", "nevermind", "not"}


def _after_decline(text: str) -> str:
    """What follows the no: "no that's fine do you have any deals" -> "do you have any deals"."""
    return DECLINE_WORDS.sub("", text).strip()


YES = {"yes", "yeah", "yep", "sure", "please", "ok", "okay", "si", "haan", "ha", "ji", "हाँ", "हां", "correct", "right"}


@dataclass(frozen=True)
class Intent:
    """One thing the caller wants, with its slots.

    kind: timeout, digits, miss, accept (a yes to the pending offer), goodbye, thanks, manager, person,
    department, product, not_found, deals, hours, address."""

    kind: str
    department: Department | None = None
    item: Item | None = None
    # The caller's words that named it (a product not found is said back with them).
    words: tuple[str, ...] = ()
    # What was asked about the item (price, where, stock) or the hours (holiday, open_now).
    ask: frozenset[str] = frozenset()
    # The days asked about (hours), the FAQ entry asked (faq), the staff member named (staff).
    days: tuple[AskedDay, ...] = ()
    faq: FaqMatch | None = None
    staff: Staff | None = None


def _asked_about_item(text: str) -> frozenset[str]:
    return frozenset(ask for ask, options in (("price", PRICE_QUESTION), ("where", WHERE_QUESTION)) if said(text, options)) or frozenset({"stock"})


def understand(ctx: Context) -> list[Intent]:
    """Every intent of the turn, in the order said."""
    turn, text = ctx.turn, ctx.text
    if turn.seconds_in_call >= ctx.settings.max_call_length:
        return [Intent("timeout")]
    if turn.digits.strip("#*").isdigit():
        return [Intent("digits", words=(turn.digits.strip("#*"),))]
    if not text:
        return [Intent("miss")]
    if turn.offer and not said(text, BYE):
        # A no first ("no that's okay" holds an okay), then a yes; a goodbye stays a goodbye whatever was offered.
        if DECLINE_WORDS.match(text) and text.split()[0] in NO:
            rest = _after_decline(text)
            if not content_words(rest):
                return [Intent("decline")]
            text = rest  # "no that's fine, how much is the cat food": the rest is the question
        elif set(text.split()) & YES and len(text.split()) <= 4 or (turn.offer.get("kind") == "callback" and dead_ends.wants_callback(text)):
            return [Intent("accept")]
    if said(text, GOODBYE) and not said(text, PRODUCT_QUESTION):
        return [Intent("goodbye")]
    raw = turn.speech
    if dead_ends.asks_if_robot(raw):
        return [Intent("robot")]
    if dead_ends.is_complaint(raw):
        return [Intent("complaint", department=dead_ends.complaints_department(ctx.departments))]
    staff = dead_ends.staff_named(dead_ends.store_staff(ctx.store, version=ctx.version), raw)
    if staff is not None:
        dept = next((d for d in ctx.departments if d.pk == staff.department_id), None)
        return [Intent("staff", department=dept, staff=staff)]
    dept_match = match_department(ctx.departments, text)
    dept = dept_match.department if dept_match else None
    if said(text, MANAGER):
        return [Intent("manager")]
    if said(text, PERSON):
        # "someone in plumbing", "somebody about a gift card": that department, not the operator.
        return [Intent("department", department=dept)] if dept else [Intent("person")]
    wants_deals = said(text, DEALS)
    content = [word for word in content_words(text) if not said(word, DEALS)]
    # What the department's name or keywords leave unexplained may be a product ("frozen peas").
    leftover = [word for word in content if singular(word) not in dept_match.words] if dept_match else content
    item = ctx.item(content, correct=False)
    if item is None and UNIT_WORDS.intersection(content):
        # A size in brackets is not part of the name it is matched on ("Hummus (10 oz)"): try without the units.
        content = [word for word in content if word not in UNIT_WORDS]
        item = ctx.item(content, correct=False)
    # The store's FAQ before deals, hours and departments ("do you offer catering", "do you cut keys"), unless
    # the caller asks to be put through, or a product is named whole and the FAQ only shares one word with it.
    found = best_faq(ctx.store, raw, version=ctx.version)
    if found and found.strong and not (dept and said(text, TRANSFER)) and not (item and found.score < 90):
        return [Intent("faq", faq=found)]
    days = tuple(asked_days(raw, ctx.local_today))
    if days and not wants_deals and (said(text, HOURS) or said(text, OPEN_NOW) or said(text, HOLIDAY) or not [w for w in content if w not in DAY_WORDS]):
        return [Intent("hours", days=days, ask=frozenset({"holiday"}) if said(text, HOLIDAY) else frozenset())]
    if wants_deals:
        return [Intent("deals", department=dept, item=item or ctx.item(content))]
    if said(text, HOLIDAY) or said(text, OPEN_NOW) or (said(text, HOURS) and not item):
        return [Intent("hours", ask=frozenset(ask for ask, options in (("holiday", HOLIDAY), ("open_now", OPEN_NOW)) if said(text, options)))]
    if (said(text, ADDRESS) or said(text, PHONE)) and not item:
        # "what's your address and phone number": both, in the order asked.
        asked = [(m.start(), ask) for ask, options in (("address", ADDRESS), ("phone", PHONE)) for m in [_any_of(options).search(text)] if m]
        return [Intent("address", ask=frozenset(ask for _, ask in asked), words=tuple(ask for _, ask in sorted(asked)))]
    # Misspellings are tried only now, so "hours" is never heard as "house".
    item = item or ctx.item(content)
    if dept and (said(text, TRANSFER) or not leftover):
        return [Intent("department", department=dept)]
    if item:
        return [Intent("product", item=item, ask=_asked_about_item(text))]
    if content and said(text, PRODUCT_QUESTION):
        return [Intent("not_found", words=tuple(content))]
    if dept:
        return [Intent("department", department=dept)]
    if said(text, THANKS):
        return [Intent("thanks")]
    return [Intent("miss")]
