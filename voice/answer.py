"""Answering a turn's resolved intents from the store's data: which prompt, filled with which facts, and
what the call does next (transfer, hang up, listen). The words themselves are voice/prompts.py's."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from store.models import Department
from store import hours as store_hours
from voice import answer_help
from voice.context import Context
from voice.intents import Intent
from voice.matching import Item
from voice.prompts import money, span_text
from voice.turn import Reply, Transfer

LOW_STOCK = 5
MAX_COUPONS = 8  # read out at most, the most specific first
QUESTION = re.compile(r"^(?:(?:um|uh|hi|hey|so|and|oh|ok|okay|yeah)\s+)*(?:do|does|can|could|is|are|will|would|what|where|how|when|who|why)\b")


def reply(ctx: Context, intent: str, *prompts: str, subject: str = "", transfer: Transfer | None = None, hang_up: bool = False, **values: object) -> Reply:
    text = " ".join(ctx.prompts.say(prompt, **values) for prompt in prompts)
    return Reply(intent=intent, say=text, subject=subject, transfer=transfer, hang_up=hang_up)


def with_state(answer: Reply, state: dict) -> Reply:
    """The reply with the dialogue state to keep (the topic a follow-up refers to)."""
    return dataclasses.replace(answer, state=state)


def goodbye(ctx: Context, intent: Intent | None = None) -> Reply:
    return reply(ctx, "goodbye", "goodbye", hang_up=True)


def timeout(ctx: Context, intent: Intent | None = None) -> Reply:
    return reply(ctx, "goodbye", "timeout", hang_up=True)


def operator(ctx: Context, intent: Intent | None = None, *, kind: str = "operator", prompt: str = "operator", label: str = "operator") -> Reply:
    number = ctx.settings.operator_number or ctx.store.transfer_number
    if not number:
        # Nobody to put the caller through to: say so and offer a callback, never the same re-ask again.
        return answer_help.nobody_for(ctx, "the manager" if label == "manager" else "a person", "manager_unavailable" if label == "manager" else "nobody_available")
    return reply(ctx, kind, prompt, transfer=Transfer(number=number, label=label), subject=label)


def manager(ctx: Context, intent: Intent | None = None) -> Reply:
    return operator(ctx, kind="person", prompt="manager", label="manager")


def person(ctx: Context, intent: Intent | None = None) -> Reply:
    return operator(ctx, kind="person", prompt="person", label="operator")


def department(ctx: Context, intent: Intent) -> Reply:
    return to_department(ctx, intent.department)


def to_department(ctx: Context, dept: Department) -> Reply:
    values = {"department": dept.name, "extension": dept.phone_extension}
    if dept.phone:
        transfer = Transfer(number=dept.phone, label=dept.name)
    elif ctx.store.transfer_number and dept.phone_extension:
        # Each "w" waits half a second for the store's phone system to pick up before the digits.
        transfer = Transfer(number=ctx.store.transfer_number, send_digits=f"ww{dept.phone_extension}", label=dept.name)
    else:
        return answer_help.department_unreachable(ctx, dept)
    return reply(ctx, "department", "transfer_department", subject=dept.name, transfer=transfer, **values)


def product(ctx: Context, intent: Intent) -> Reply:
    """Answer what was asked: the price, where it is, or (by default) whether it's in stock, with both."""
    item: Item = intent.item
    if intent.options and "where" in intent.ask and item.location:
        # Every kind of it is in one place: "You'll find the creamy and the crunchy peanut butter in aisle 5."
        both = _listed(ctx, [one.name for one in (item, *intent.options)])
        return reply(ctx, "product", "product_location", "anything_else", subject=item.sku, item_name=both, item=both, location=item.location)
    values = {
        "item_name": item.name, "item": item.name, "price": money(item.price), "stock_quantity": item.stock_quantity,
        "location": item.location or ctx.prompts.text("the_store"), "department": item.department_name,
    }
    stock = "product_out_of_stock" if item.stock_quantity <= 0 else "product_low_stock" if item.stock_quantity <= LOW_STOCK else "product_in_stock"
    if "price" in intent.ask and stock != "product_out_of_stock":
        prompt = "product_price"
    elif "where" in intent.ask and stock != "product_out_of_stock" and item.location:
        prompt = "product_location"
    else:
        prompt = stock
    extra = ("product_usual_location",) if prompt == "product_out_of_stock" and "where" in intent.ask and item.location else ()
    return reply(ctx, "product", prompt, *extra, "anything_else", subject=item.sku, **values)


def not_found(ctx: Context, intent: Intent) -> Reply:
    name = " ".join(intent.words)
    return reply(ctx, "not_found", "not_found", subject=name, item_name=name, item=name)


def deals(ctx: Context, intent: Intent) -> Reply:
    item, dept = intent.item, intent.department
    coupons = answer_help.live_coupons(ctx, item, dept)[:MAX_COUPONS]
    subject = item.sku if item else dept.name if dept else ""
    if not coupons:
        return with_state(reply(ctx, "deals", "no_deals", "anything_else", subject=subject, item_name=item.name if item else "", department=dept.name if dept else ""), {"topic": "deals"})
    spoken = "; ".join(f"{c.description or c.code}, code {' '.join(c.code)}" for c in coupons)
    first = coupons[0]
    return with_state(reply(ctx, "deals", "deals", "anything_else", subject=subject, coupons=spoken, coupon_code=first.code, discount=f"{first.discount_value:g}%" if first.discount_type == "percentage" else money(first.discount_value)), {"topic": "deals"})


def hours(ctx: Context, intent: Intent) -> Reply:
    store = ctx.store
    if intent.days and all(store_hours.knows(store, asked.day) for asked in intent.days):
        answered = answer_help.day_hours(ctx, list(intent.days))
        if "holiday" in intent.ask and store.holiday_note:
            # The owner's own sentence about holidays first (the original app's holiday hours).
            return Reply(intent=answered.intent, say=f"{store.holiday_note.strip()} {answered.say}", subject=answered.subject, state=answered.state)
        return answered
    if "holiday" in intent.ask and (store.holiday_hours or store.holiday_note):
        upcoming = sorted(day for day in store.holiday_hours if day >= ctx.local_today.isoformat())[:3]
        listed = "; ".join(f"{dt.date.fromisoformat(day):%B %-d}: {span_text(store.holiday_hours[day])}" for day in upcoming)
        # The owner's own sentence (holiday_note, the original app's text) first, then the dates.
        spoken = "; ".join(part for part in (store.holiday_note.strip().rstrip("."), listed) if part)
        if spoken:
            return reply(ctx, "hours", "holiday_hours", "anything_else", subject="holiday", hours=spoken)
    if "open_now" in intent.ask:
        is_open = store.is_open_at(ctx.now)
        if is_open is not None:
            return reply(ctx, "hours", "open_now" if is_open else "closed_now", "anything_else", subject="open_now", hours=ctx.today_hours())
    return reply(ctx, "hours", "hours", "anything_else", subject="hours", hours=store_hours.week_text(store) or ctx.today_hours())


def staff(ctx: Context, intent: Intent) -> Reply:
    """A staff member asked for by name: their department's line (or a callback when it has none)."""
    if intent.department is not None:
        reached = to_department(ctx, intent.department)
        if reached.transfer is not None or intent.staff is None:
            return reached
    return answer_help.callback_offer(ctx, "staff_unavailable", wanted=intent.staff.name, staff_name=intent.staff.name)


def complaint(ctx: Context, intent: Intent) -> Reply:
    """A complaint or billing problem: the department that takes them, else a callback; never a product department."""
    if intent.department is not None:
        reached = to_department(ctx, intent.department)
        if reached.transfer is not None:
            return reached
        return answer_help.callback_offer(ctx, "complaint", "department_unavailable", wanted=intent.department.name, department=intent.department.name)
    return answer_help.callback_offer(ctx, "complaint", "nobody_available", wanted="complaint")


def _listed(ctx: Context, names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" {ctx.prompts.text('and')} " + names[-1] if len(names) > 1 else names[0]


def ask_which(ctx: Context, intent: Intent) -> Reply:
    """Several items answer what was said: name them and ask which one (never the first silently)."""
    spoken = _listed(ctx, [item.name for item in intent.options])
    return reply(ctx, "ask_which", "ask_which", subject=intent.options[0].sku, item_name=spoken, item=spoken)


def person_for(ctx: Context, intent: Intent) -> Reply:
    """A person asked for: in the department meant when there is one, else the operator."""
    if intent.department is not None:
        return to_department(ctx, intent.department)
    return person(ctx, intent)


def address(ctx: Context, intent: Intent) -> Reply:
    """The address, the phone number, or both in the order asked."""
    asked = [ask for ask in intent.words if ask in ("address", "phone")] or ["address"]
    parts = [ctx.prompts.say(prompt) for prompt in asked]
    digits = re.sub(r"\D", "", ctx.store.phone)
    if len(parts) == 2 and digits and digits in re.sub(r"\D", "", parts[asked.index("address")]):
        parts.pop(asked.index("phone"))  # the store's address template says its number already
    return Reply(intent="address", say=" ".join([*parts, ctx.prompts.say("anything_else")]), subject="address")


def miss(ctx: Context, intent: Intent | None = None) -> Reply:
    if ctx.turn.misses + 1 >= ctx.settings.max_misses:
        if not answer_help.operator_line(ctx):
            return answer_help.nobody_for(ctx, "a person", "not_understood")
        return operator(ctx)
    if not answer_help.operator_line(ctx) and QUESTION.match(ctx.text) and len(ctx.text.split()) >= 3:
        # A question the store's data cannot answer, and nobody to ask: offer a callback rather than re-ask.
        return answer_help.nobody_for(ctx, "a question", "no_answer_for")
    said = reply(ctx, "reask", "reask")
    if ctx.turn.previous_intent == "reask" and ctx.turn.state.get("said") == said.say:
        # The same re-ask never twice in a row: the store may have one reask template only.
        said = reply(ctx, "reask", "reask_again")
    return Reply(intent="reask", say=said.say, state={"said": said.say})


def digits(ctx: Context, intent: Intent) -> Reply:
    pressed = intent.words[0]
    if pressed == "0":
        return operator(ctx)
    for dept in ctx.departments:
        if dept.phone_extension and dept.phone_extension == pressed:
            return to_department(ctx, dept)
    # A single digit picks the n-th department, in extension order (the menu a store reads out).
    if len(pressed) == 1 and 1 <= int(pressed) <= len(ctx.departments):
        return to_department(ctx, ctx.departments[int(pressed) - 1])
    return miss(ctx)


# Each intent's answer. A new kind of intent (voice/intents.py) gets its answer here.
ANSWERS: dict[str, Callable[[Context, Intent], Reply]] = {
    "timeout": timeout, "digits": digits, "miss": miss, "operator": operator, "goodbye": goodbye, "thanks": goodbye,
    "manager": manager, "person": person_for, "department": department, "product": product, "not_found": not_found,
    "ask_which": ask_which, "query": miss, "followup": miss, "accept": miss,
    "deals": deals, "hours": hours, "address": address, "staff": staff, "complaint": complaint,
    "faq": lambda ctx, intent: answer_help.faq(ctx, intent.faq), "robot": lambda ctx, intent: answer_help.robot(ctx),
    "accept_callback": lambda ctx, intent: answer_help.accept_callback(ctx), "decline": lambda ctx, intent: answer_help.decline_offer(ctx),
}  # fmt: skip


def answer(ctx: Context, intents: list[Intent]) -> Reply:
    """The reply to the turn's intents: each answered in the order asked, in one reply ("milk is $3.99 in aisle 1,
    and eggs are sold out"); a transfer or a goodbye ends it, a re-ask only when nothing else was understood."""
    replies = [ANSWERS[intent.kind](ctx, intent) for intent in intents] or [miss(ctx)]
    understood = [one for one in replies if one.intent != "reask"] or replies[:1]
    if len(understood) == 1:
        return understood[0]
    closing = ctx.prompts.say("anything_else")
    spoken: list[str] = []
    ending = None
    state: dict = {}
    for one in understood:
        text = one.say
        if text.endswith(closing):
            text = text[: -len(closing)].rstrip()
        # Each sentence once: a store's address template may already say its phone number.
        said_so_far = " ".join(spoken)
        text = " ".join(sentence for sentence in re.split(r"(?<=[.!?])\s+", text) if sentence and sentence not in said_so_far)
        if text:
            spoken.append(text)
        state.update(one.state or {})
        if one.transfer is not None or one.hang_up or one.callback is not None or (one.state or {}).get("offer"):
            ending = one  # a transfer, a goodbye or an offer is the last thing said
            break
    first = ending or understood[0]
    say = " ".join(spoken) if ending else " ".join([*spoken, closing])
    return dataclasses.replace(first, say=say, state=state or first.state)
