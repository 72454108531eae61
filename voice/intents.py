"""One turn of the conversation: what the caller wants, and the answer from the store's data."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from django.db.models import Q

from store.models import Coupon, Department, Store, StoreSettings, fold
from voice.dialogue import Reply, Transfer, Turn
from voice.matching import Item, ItemMatch, content_words, match_department, match_item, search_items, singular, words
from voice.prompts import Prompts
from voice.selectors import data_version, store_data

LOW_STOCK = 5


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(fold(phrase.strip()) for phrase in text.split(",") if phrase.strip())


# Phrases in English, Spanish and Hindi (romanised as speech recognition writes it, and Devanagari).
GOODBYE = _phrases(
    "bye, goodbye, good bye, bye bye, that's all, thats all, that is all, that's it, thats it, nothing else, no thanks, "
    "no thank you, hang up, i'm done, im done, have a good day, have a nice day, see you, adios, hasta luego, eso es todo, "
    "nada mas, dhanyavad, dhanyavaad, dhanyawad, shukriya, alvida, phone kat do, phone rakh, bas itna hi, bas, "
    "धन्यवाद, शुक्रिया, अलविदा, फ़ोन काट दो"
)
THANKS = _phrases("thanks, thank you, gracias, thank u")
MANAGER = _phrases("manager, supervisor, gerente, store manager, in charge")
PERSON = _phrases(
    "operator, representative, real person, a person, human, someone, somebody, an associate, an agent, live agent, "
    "persona, operador, alguien, insaan, kisi se baat, kisi aadmi"
)
DEALS = _phrases(
    "coupon, coupons, deal, deals, discount, discounts, on sale, sale, sales, promotion, promotions, promo, offer, offers, "
    "special, specials, savings, cupon, cupones, descuento, descuentos, oferta, ofertas, chhoot, ऑफ़र"
)
HOLIDAY = _phrases("holiday, holidays, christmas, thanksgiving, new year, new years, easter, july 4th, festivo, navidad, diwali, holi")
OPEN_NOW = _phrases("open now, open right now, are you open, you open, still open, open today, open tonight, abierto, abiertos, estan abiertos, khule ho, khula hai, khule hain")
HOURS = _phrases(
    "hours, what time, when do you open, when do you close, opening, closing, close, open, horario, horas, abren, cierran, "
    "timing, timings, kab khul, kab band, samay"
)
ADDRESS = _phrases(
    "address, where are you, where is the store, where's the store, located, directions, how do i get there, "
    "direccion, donde estan, donde queda, pata, kahan hai, kaha hai, kahaan"
)
TRANSFER = _phrases("connect, transfer, put me through, speak, talk, department, comunica, comuniqueme, hablar, baat, jodo, jod do")
PRODUCT_QUESTION = _phrases(
    "do you have, do you sell, do you carry, do you guys have, how much, price, cost, in stock, where can i find, where is, "
    "where are, where do i find, looking for, got any, any, tienen, tiene, cuanto, cuesta, hai kya, kitne ka, kitna, milega, chahiye"
)
PRICE_QUESTION = _phrases("how much, price, cost, costs, cuanto, cuesta, precio, kitne, kitna, kimat, daam")
WHERE_QUESTION = _phrases("where, aisle, which aisle, find, located, donde, pasillo, kahan, kaha")
YES = {"yes", "yeah", "yep", "sure", "please", "ok", "okay", "si", "haan", "ha", "ji", "हाँ", "हां", "correct", "right"}
OFFERS = {"not_found", "no_transfer"}


@lru_cache(maxsize=256)
def _any_of(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for the phrases, each as whole words."""
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(re.escape(phrase) for phrase in phrases)})(?![^\W_])")


def said(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether one of the phrases is in the text as whole words."""
    return bool(phrases) and _any_of(phrases).search(text) is not None


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}".replace(".00", "") if amount == amount.to_integral() else f"${amount:,.2f}"


def _clock(hhmm: str) -> str:
    hour, minute = (int(part) for part in hhmm.split(":"))
    suffix = "AM" if hour < 12 or hour == 24 else "PM"
    hour = hour % 12 or 12
    return f"{hour} {suffix}" if minute == 0 else f"{hour}:{minute:02d} {suffix}"


def span_text(span: dict | None) -> str:
    return f"{_clock(span['open'])} to {_clock(span['close'])}" if span else "closed"


class Conversation:
    """The store's data for one turn: settings, departments and templates from the cache; items and coupons
    read only when the question needs them (a turn that needs no coupons never loads them)."""

    def __init__(self, store: Store, turn: Turn, now: dt.datetime, *, version: int | None = None) -> None:
        self.store, self.turn, self.now = store, turn, now
        self.text = " ".join(words(turn.speech))
        # Settings, departments and templates come cached under the store's data version (voice/selectors.py):
        # a change through store.services gives a new version, so the next turn reads it.
        self.version = version or data_version(store.pk)
        data = store_data(store, version=self.version)
        self.settings: StoreSettings = data.settings
        self.departments: tuple[Department, ...] = data.departments
        self.prompts = Prompts(store, turn.language, variant=turn.misses, data=data)
        self._searched: dict[tuple[str, ...], ItemMatch | None] = {}

    @property
    def local_today(self) -> dt.date:
        return self.now.astimezone(self.store.tzinfo).date()

    def today_hours(self) -> str:
        if self.store.opening_hours or self.store.holiday_hours:
            return span_text(self.store.hours_on(self.local_today))
        return self.store.hours

    def reply(self, intent: str, *prompts: str, subject: str = "", transfer: Transfer | None = None, hang_up: bool = False, **values: object) -> Reply:
        text = " ".join(self.prompts.say(prompt, **values) for prompt in prompts)
        return Reply(intent=intent, say=text, subject=subject, transfer=transfer, hang_up=hang_up)

    # -- answers ------------------------------------------------------------------------------

    def goodbye(self) -> Reply:
        return self.reply("goodbye", "goodbye", hang_up=True)

    def operator(self, intent: str = "operator", prompt: str = "operator", label: str = "operator") -> Reply:
        number = self.settings.operator_number or self.store.transfer_number
        if not number:
            return self.reply("reask", "reask")
        return self.reply(intent, prompt, transfer=Transfer(number=number, label=label), subject=label)

    def department(self, dept: Department) -> Reply:
        values = {"department": dept.name, "extension": dept.phone_extension}
        if dept.phone:
            transfer = Transfer(number=dept.phone, label=dept.name)
        elif self.store.transfer_number and dept.phone_extension:
            # Each "w" waits half a second for the store's phone system to pick up before the digits.
            transfer = Transfer(number=self.store.transfer_number, send_digits=f"ww{dept.phone_extension}", label=dept.name)
        else:
            return self.reply("no_transfer", "no_transfer", "anything_else", subject=dept.name, **values)
        return self.reply("department", "transfer_department", subject=dept.name, transfer=transfer, **values)

    def product(self, item: Item) -> Reply:
        """Answer what was asked: the price, where it is, or (by default) whether it's in stock, with both."""
        values = {
            "item_name": item.name, "item": item.name, "price": money(item.price), "stock_quantity": item.stock_quantity,
            "location": item.location or self.prompts.text("the_store"), "department": item.department_name,
        }
        stock = "product_out_of_stock" if item.stock_quantity <= 0 else "product_low_stock" if item.stock_quantity <= LOW_STOCK else "product_in_stock"
        if said(self.text, PRICE_QUESTION) and stock != "product_out_of_stock":
            prompt = "product_price"
        elif said(self.text, WHERE_QUESTION) and stock != "product_out_of_stock" and item.location:
            prompt = "product_location"
        else:
            prompt = stock
        return self.reply("product", prompt, "anything_else", subject=item.sku, **values)

    def not_found(self, content: list[str]) -> Reply:
        name = " ".join(content)
        return self.reply("not_found", "not_found", subject=name, item_name=name, item=name)

    def deals(self, item: Item | None, dept: Department | None) -> Reply:
        scope = Q(is_store_wide=True)
        if item is not None:
            scope |= Q(item_id=item.id) | Q(department_id=item.department_id) if item.department_id else Q(item_id=item.id)
        if dept is not None:
            scope |= Q(department=dept)
        coupons = list(
            Coupon.objects.filter(scope, store=self.store, is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=self.now))
            .order_by("-is_store_wide", "code")[:3]
        )
        subject = item.sku if item else dept.name if dept else ""
        if not coupons:
            return self.reply("deals", "no_deals", "anything_else", subject=subject, item_name=item.name if item else "", department=dept.name if dept else "")
        spoken = "; ".join(f"{c.description or c.code}, code {' '.join(c.code)}" for c in coupons)
        first = coupons[0]
        return self.reply("deals", "deals", "anything_else", subject=subject, coupons=spoken, coupon_code=first.code, discount=f"{first.discount_value:g}%" if first.discount_type == "percentage" else money(first.discount_value))

    def hours(self) -> Reply:
        if said(self.text, HOLIDAY) and (self.store.holiday_hours or self.store.holiday_note):
            upcoming = sorted(day for day in self.store.holiday_hours if day >= self.local_today.isoformat())[:3]
            listed = "; ".join(f"{dt.date.fromisoformat(day):%B %-d}: {span_text(self.store.holiday_hours[day])}" for day in upcoming)
            # The owner's own sentence (holiday_note, the original app's text) first, then the dates.
            spoken = "; ".join(part for part in (self.store.holiday_note.strip().rstrip("."), listed) if part)
            if spoken:
                return self.reply("hours", "holiday_hours", "anything_else", subject="holiday", hours=spoken)
        if said(self.text, OPEN_NOW):
            is_open = self.store.is_open_at(self.now)
            if is_open is not None:
                return self.reply("hours", "open_now" if is_open else "closed_now", "anything_else", subject="open_now", hours=self.today_hours())
        return self.reply("hours", "hours", "anything_else", subject="hours", hours=self.store.hours or self.today_hours())

    def miss(self) -> Reply:
        if self.turn.misses + 1 >= self.settings.max_misses:
            return self.operator()
        return self.reply("reask", "reask")

    # -- deciding -----------------------------------------------------------------------------

    def item(self, content: list[str], *, correct: bool = True) -> Item | None:
        """The product meant; it must account for every word said, or for most of a longer question."""
        found = match_item(self.store, content, correct=correct, version=self.version, search=self.search) if content else None
        if found and (found.coverage == 1 or (found.coverage >= 0.6 and len(content) >= 3)):
            return found.item
        return None

    def search(self, content: list[str]) -> ItemMatch | None:
        """The item index searched for these words once per turn (decide() may ask twice: before and with corrections)."""
        key = tuple(content)
        if key not in self._searched:
            self._searched[key] = search_items(self.store, content, version=self.version)
        return self._searched[key]

    def digits(self) -> Reply:
        pressed = self.turn.digits.strip("#*")
        if pressed == "0":
            return self.operator()
        for dept in self.departments:
            if dept.phone_extension and dept.phone_extension == pressed:
                return self.department(dept)
        # A single digit picks the n-th department, in extension order (the menu a store reads out).
        if len(pressed) == 1 and 1 <= int(pressed) <= len(self.departments):
            return self.department(self.departments[int(pressed) - 1])
        return self.miss()

    def decide(self) -> Reply:
        if self.turn.seconds_in_call >= self.settings.max_call_length:
            return self.reply("goodbye", "timeout", hang_up=True)
        if self.turn.digits.strip("#*").isdigit():
            return self.digits()
        text = self.text
        if not text:
            return self.miss()
        if self.turn.previous_intent in OFFERS and set(text.split()) & YES and len(text.split()) <= 4:
            return self.operator()
        if said(text, GOODBYE) and not said(text, PRODUCT_QUESTION):
            return self.goodbye()
        if said(text, MANAGER):
            return self.operator("person", "manager", "manager")
        if said(text, PERSON):
            return self.operator("person", "person", "operator")
        dept_match = match_department(self.departments, text)
        dept = dept_match.department if dept_match else None
        wants_deals = said(text, DEALS)
        content = [word for word in content_words(text) if not said(word, DEALS)]
        # What the department's name or keywords leave unexplained may be a product ("frozen peas").
        leftover = [word for word in content if singular(word) not in dept_match.words] if dept_match else content
        item = self.item(content, correct=False)
        if wants_deals:
            return self.deals(item or self.item(content), dept)
        if said(text, HOLIDAY) or said(text, OPEN_NOW) or (said(text, HOURS) and not item):
            return self.hours()
        if said(text, ADDRESS) and not item:
            return self.reply("address", "address", "anything_else", subject="address")
        # Misspellings are tried only now, so "hours" is never heard as "house".
        item = item or self.item(content)
        if dept and (said(text, TRANSFER) or not leftover):
            return self.department(dept)
        if item:
            return self.product(item)
        if content and said(text, PRODUCT_QUESTION):
            return self.not_found(content)
        if dept:
            return self.department(dept)
        if said(text, THANKS):
            return self.goodbye()
        return self.miss()


def respond(store: Store, turn: Turn, *, now: dt.datetime, version: int | None = None) -> Reply:
    return Conversation(store, turn, now, version=version).decide()
