"""The dialogue engine's front door: what the caller wants and what the agent answers, from the store's data.

No network and no writes: `respond()` answers from the store's departments, inventory, coupons,
templates and settings and returns a `Reply` (voice/pipeline.py has the stages); the webhooks in
voice/views.py turn it into TwiML and log the turn. Items and coupons are read on every turn; settings,
departments, templates and the inventory's words come from the cache under the store's data version,
which every change through store.services renews (voice/selectors.py), so a change on the dashboard is
heard on the next turn."""
from __future__ import annotations

import datetime as dt

from store.models import Store, StoreSettings
from voice import matching, pipeline, prompts, selectors
from voice.turn import Reply, Transfer, Turn, state_after

__all__ = ["Reply", "Transfer", "Turn", "apology", "data_version", "greeting", "prompt", "respond", "speech_hints", "state_after", "voice_settings"]


def greeting(store: Store, *, language: str = "en") -> str:
    """The first thing a caller hears: the store's greeting message or greeting template."""
    return prompts.say(store, "greeting", language=language)


def prompt(store: Store, name: str, *, language: str = "en", **values: object) -> str:
    """One prompt of the store's, filled in (see voice/prompts.py for the names)."""
    return prompts.say(store, name, language=language, **values)


def data_version(store: Store) -> int | None:
    """The store's data version: read it once for a whole turn and pass it on (`version=`), or let each read it."""
    return selectors.data_version(store.pk)


def voice_settings(store: Store, *, version: int | None = None) -> StoreSettings:
    """The store's voice settings as the engine reads them: cached, current as of the store's last change."""
    return selectors.store_data(store, version=version).settings


def speech_hints(store: Store, *, version: int | None = None) -> list[str]:
    """Department and popular product names, for <Gather hints>."""
    return matching.hints_for(store, version=version)


def respond(store: Store, turn: Turn, *, now: dt.datetime, version: int | None = None) -> Reply:
    """Decide the answer to one turn."""
    return pipeline.respond(store, turn, now=now, version=version)


def apology(store: Store, turn: Turn) -> Reply:
    """What the caller hears when deciding failed (a bug, a database hiccup): sorry, and ask again."""
    return Reply(intent="reask", say=prompts.say(store, "error", language=turn.language))
