"""Resolving a turn's intents against the call's dialogue state (Call.dialogue_state, in `Turn.state`):
a yes answers the pending offer only; follow-ups take the item, department or topic of the last turn."""
from __future__ import annotations

from voice.context import Context
from voice.intents import Intent


def resolve(ctx: Context, intents: list[Intent]) -> list[Intent]:
    resolved = []
    for intent in intents:
        if intent.kind == "accept":
            offer = ctx.turn.offer
            # The only offer so far: "shall I put you through?" after an item not found or a department without a line.
            kind = offer.get("kind")
            intent = Intent("operator") if kind == "transfer" else Intent("accept_callback") if kind == "callback" else Intent("miss")
        resolved.append(intent)
    return resolved
