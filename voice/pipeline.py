"""One turn through the engine, in one direction:

    normalise (voice/normalise.py: the caller's words)
    -> understand (voice/intents.py: every intent with its slots, against the store's vocabulary)
    -> resolve (voice/resolve.py: against the call's dialogue state: follow-ups, the pending offer)
    -> answer (voice/answer.py: the facts from the store's data, what the call does next)
    -> speak (voice/prompts.py: the store's templates or the defaults, filled in).

Each stage imports only the ones before it (and voice/context.py, the turn's store data, and voice/turn.py,
the types). No network and no writes: the webhooks (voice/views.py, voice/services.py) log the turn and keep
the reply's dialogue state in Call.dialogue_state for the next turn, which may land on another process."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from store.models import Store
from voice.answer import answer
from voice.context import Context
from voice.intents import understand
from voice.resolve import resolve
from voice.turn import TRANSFER_OFFERS, Reply, Turn


def respond(store: Store, turn: Turn, *, now: dt.datetime, version: int | None = None) -> Reply:
    ctx = Context(store, turn, now, version=version)
    intents, scene = resolve(ctx, understand(ctx))
    reply = answer(ctx, intents)
    # What the conversation is about (the scene), and what the answer itself keeps (a pending offer, a topic).
    state = {**scene.state(), **(reply.state or {})}
    if reply.intent in TRANSFER_OFFERS and "offer" not in state:
        state["offer"] = {"kind": "transfer", "to": "operator"}
    return replace(reply, state=state)
