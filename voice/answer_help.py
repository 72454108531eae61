"""Answers beyond the catalogue: the hours of the days asked, the store's FAQ, "is this a robot",
complaints, staff by name, and a callback offer wherever nobody can take the caller (never a dead end).

voice/answer.py dispatches to these; they use only the stages before (context, the turn's types) and the
pure helpers of voice/when.py and voice/dead_ends.py. A callback accepted is a `CallbackRequest` on the
reply: voice.services makes it (calls.services.create_callback) with the turn's other writes.
"""
from __future__ import annotations

from typing import Any

from django.db.models import Q

from store.models import Coupon, Department
from voice import dead_ends, when
from voice.context import Context
from voice.faq import FaqMatch
from voice.normalise import content_words, singular
from voice.turn import CallbackRequest, Reply, Transfer


# The words of asking for deals: not what a deal is for.
DEAL_WORDS = {"deal", "coupon", "discount", "sale", "promotion", "promo", "offer", "special", "saving", "week", "anything", "today"}


def reply(ctx: Context, intent: str, *prompts: str, state: dict[str, Any] | None = None, subject: str = "", transfer: Transfer | None = None,
          callback: CallbackRequest | None = None, **values: object) -> Reply:
    text = " ".join(ctx.prompts.say(prompt, **values) for prompt in prompts)
    return Reply(intent=intent, say=text, subject=subject, transfer=transfer, state=state, callback=callback)


def operator_line(ctx: Context) -> str:
    return ctx.settings.operator_number or ctx.store.transfer_number


# -- callbacks ---------------------------------------------------------------------------------------


def callback_offer(ctx: Context, *lead: str, wanted: str, **values: object) -> Reply:
    """Say why nobody can take the call (the `lead` prompts), then offer a callback at the next opening time."""
    at = dead_ends.callback_time(ctx.store, ctx.now)
    reason = dead_ends.reason_for(wanted, ctx.turn.speech)
    spoken = dead_ends.spoken_when(ctx.store, at, ctx.now)
    return reply(ctx, "callback_offer", *lead, "callback_offer", state={"offer": {"kind": "callback", "reason": reason}}, subject=wanted, when=spoken, **values)


def unanswered_offer(ctx_store_prompts: Any, *, department: str, reason: str, now: Any, store: Any) -> tuple[str, dict[str, Any]]:
    """A transfer nobody picked up: what is said and the offer kept (voice.services.end_transfer has no turn)."""
    at = dead_ends.callback_time(store, now)
    spoken = dead_ends.spoken_when(store, at, now)
    text = " ".join(ctx_store_prompts(name, department=department, when=spoken) for name in ("transfer_unanswered", "callback_offer"))
    return text, {"offer": {"kind": "callback", "reason": reason}}


def accept_callback(ctx: Context) -> Reply:
    """The caller said yes to a callback: promised for the next opening time, and said when."""
    offer = ctx.turn.offer
    at = dead_ends.callback_time(ctx.store, ctx.now)
    request = CallbackRequest(reason=str(offer.get("reason") or dead_ends.reason_for("", ctx.turn.speech)), scheduled_at=at)
    return reply(ctx, "callback", "callback_booked", "anything_else", state={"topic": "callback"}, callback=request,
                 when=dead_ends.spoken_when(ctx.store, at, ctx.now))  # fmt: skip


def decline_offer(ctx: Context) -> Reply:
    """A no to the pending offer: carry on."""
    return reply(ctx, "continue", "offer_declined", "anything_else", state={})


def nobody_for(ctx: Context, wanted: str, lead: str = "nobody_available", **values: object) -> Reply:
    """A person was asked for and no line can be dialled: say so and offer a callback."""
    return callback_offer(ctx, lead, wanted=wanted, **values)


def department_unreachable(ctx: Context, dept: Department) -> Reply:
    return callback_offer(ctx, "department_unavailable", wanted=dept.name, department=dept.name)


# -- deals --------------------------------------------------------------------------------------------


def _words(*texts: str) -> set[str]:
    return {singular(word) for text in texts for word in content_words(text) if len(word) >= 3}


def live_coupons(ctx: Context, item: Any, dept: Department | None) -> list[Coupon]:
    """The active, unexpired coupons to speak, the most specific first: the item's, its department's, those whose
    words the caller said ("a coupon for coffee", "pet food"), then the store-wide ones; all of them when the
    question named nothing. Never an expired or switched-off one: no template may claim deals the data lacks."""
    live = [
        coupon
        for coupon in Coupon.objects.filter(store=ctx.store, is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=ctx.now))
        .select_related("item", "department")
        .order_by("code")[:200]
    ]
    said = _words(ctx.text) - DEAL_WORDS
    dept_id = dept.pk if dept is not None else getattr(item, "department_id", None)

    def rank(coupon: Coupon) -> tuple[int, str]:
        if item is not None and coupon.item_id == item.id:
            return 0, coupon.code
        if dept_id is not None and coupon.department_id == dept_id:
            return 1, coupon.code
        text = " ".join(filter(None, [coupon.description, coupon.item.name if coupon.item else "", coupon.department.name if coupon.department else ""]))
        if said & _words(text):
            return 2, coupon.code
        return (3 if coupon.is_store_wide else 4), coupon.code

    ranked = sorted((rank(coupon), coupon) for coupon in live)
    if any(level < 3 for (level, _), _ in ranked) or item is not None or dept is not None:
        return [coupon for (level, _), coupon in ranked if level <= 3]
    return [coupon for _, coupon in ranked]  # deals in general: every live one


# -- the rest ----------------------------------------------------------------------------------------


def day_hours(ctx: Context, days: list[when.AskedDay]) -> Reply:
    """The hours of each day asked, in the order asked, from the table in the store's zone."""
    parts = [ctx.prompts.say(prompt, **values) for prompt, values in when.day_answers(ctx.store, days)]
    text = " ".join([*parts, ctx.prompts.say("anything_else")])
    return Reply(intent="hours", say=text, subject="hours", state={"topic": "hours"})


def faq(ctx: Context, match: FaqMatch) -> Reply:
    return reply(ctx, "faq", "faq", "anything_else", state={"topic": "faq"}, subject=match.faq.question, answer=match.faq.answer)


def robot(ctx: Context) -> Reply:
    """Honest: an automated assistant; and the offer of a person (put through, or a callback)."""
    if operator_line(ctx):
        return reply(ctx, "robot", "robot", "robot_offer", state={"offer": {"kind": "transfer", "to": "operator"}})
    return callback_offer(ctx, "robot", wanted="a person")
