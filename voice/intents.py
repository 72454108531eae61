"""Understanding a turn: what the caller wants, as intents with their slots (a department, an item, the
words of a product not found), read against the store's own vocabulary (voice/context.py's lookups).

The pipeline (voice/pipeline.py): normalise -> understand (here) -> resolve (voice/resolve.py: the dialogue
state, pending offers) -> answer (voice/answer.py) -> speak (voice/prompts.py)."""
from __future__ import annotations

from dataclasses import dataclass

from store.models import Department
from voice.context import Context
from voice.matching import Item, content_words, match_department, singular
from voice.normalise import phrases, said

# Phrases in English, Spanish and Hindi (romanised as speech recognition writes it, and Devanagari).
GOODBYE = phrases(
    "bye, goodbye, good bye, bye bye, that's all, thats all, that is all, that's it, thats it, nothing else, no thanks, "
    "no thank you, hang up, i'm done, im done, have a good day, have a nice day, see you, adios, hasta luego, eso es todo, "
    "nada mas, dhanyavad, dhanyavaad, dhanyawad, shukriya, alvida, phone kat do, phone rakh, bas itna hi, bas, "
    "धन्यवाद, शुक्रिया, अलविदा, फ़ोन काट दो"
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
    if turn.offer and set(text.split()) & YES and len(text.split()) <= 4:
        return [Intent("accept")]
    if said(text, GOODBYE) and not said(text, PRODUCT_QUESTION):
        return [Intent("goodbye")]
    if said(text, MANAGER):
        return [Intent("manager")]
    if said(text, PERSON):
        return [Intent("person")]
    dept_match = match_department(ctx.departments, text)
    dept = dept_match.department if dept_match else None
    wants_deals = said(text, DEALS)
    content = [word for word in content_words(text) if not said(word, DEALS)]
    # What the department's name or keywords leave unexplained may be a product ("frozen peas").
    leftover = [word for word in content if singular(word) not in dept_match.words] if dept_match else content
    item = ctx.item(content, correct=False)
    if wants_deals:
        return [Intent("deals", department=dept, item=item or ctx.item(content))]
    if said(text, HOLIDAY) or said(text, OPEN_NOW) or (said(text, HOURS) and not item):
        return [Intent("hours", ask=frozenset(ask for ask, options in (("holiday", HOLIDAY), ("open_now", OPEN_NOW)) if said(text, options)))]
    if said(text, ADDRESS) and not item:
        return [Intent("address")]
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
