"""Resolving a turn's intents against the call's dialogue state (Call.dialogue_state, in `Turn.state`):
a yes answers the pending offer only; follow-ups take the item, department or topic of the last turn."""
from __future__ import annotations

import re

from voice.context import Context
from voice.intents import Intent


# "what about produce?", "and for pet food", "anything for lumber": the same question as before, of another thing.
FOLLOW_UP = re.compile(r"^(?:(?:ok|okay|um|uh|so|and|oh)\s+)*(?:what about|how about|and|anything|any|what s there|whats there|is there anything)\b")


def resolve(ctx: Context, intents: list[Intent]) -> list[Intent]:
    resolved = []
    for intent in intents:
        if ctx.turn.state.get("topic") == "deals" and intent.kind in ("department", "product", "not_found") and FOLLOW_UP.match(ctx.text):
            intent = Intent("deals", department=intent.department, item=intent.item)
        if intent.kind == "accept":
            offer = ctx.turn.offer
            # The only offer so far: "shall I put you through?" after an item not found or a department without a line.
            kind = offer.get("kind")
            intent = Intent("operator") if kind == "transfer" else Intent("accept_callback") if kind == "callback" else Intent("miss")
        resolved.append(intent)
    return resolved
