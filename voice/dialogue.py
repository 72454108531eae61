"""The dialogue engine: what the caller wants and what the agent answers, from the store's data.

No network and no writes: `respond()` answers from the store's departments, inventory, coupons,
templates and settings and returns a `Reply`; the webhooks in voice/views.py turn it into TwiML and
log the turn. Items and coupons are read on every turn; settings, departments, templates and the
inventory's words come from the cache under the store's data version, which every change through
store.services renews (voice/selectors.py), so a change on the dashboard is heard on the next turn.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from store.models import Store, StoreSettings


@dataclass(frozen=True)
class Turn:
    """What the caller did on one turn."""

    speech: str = ""
    digits: str = ""
    # Consecutive turns so far that the agent did not understand (silence or no match).
    misses: int = 0
    # The call's language: `en`, `es`, `hi` or `mixed` (Hindi and English, as seed 000's callers speak).
    language: str = "en"
    # The intent of the agent's previous reply (kept in call.metadata["last_intent"]), so a bare
    # "yes" after "shall I put you through?" is understood.
    previous_intent: str = ""
    # How long the call has lasted: past the store's max_call_length the agent says goodbye.
    seconds_in_call: int = 0


@dataclass(frozen=True)
class Transfer:
    """Where to put the caller through: `<Dial><Number sendDigits=...>number</Number></Dial>`."""

    number: str
    send_digits: str = ""
    # Who the caller is put through to, as the call's outcome names it: a department, `operator`, `manager`.
    label: str = ""


@dataclass(frozen=True)
class Reply:
    """What the agent does next: say `say`, then transfer, hang up, or listen again."""

    intent: str  # department, product, not_found, hours, open_now, address, deals, person, goodbye, reask, operator
    say: str
    transfer: Transfer | None = None
    hang_up: bool = False
    # What the answer was about: a department's name or an item's SKU (for tests and the call's outcome).
    subject: str = ""
    # Words the next <Gather> should expect (speech hints).
    hints: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return self.intent not in ("reask", "operator")


def greeting(store: Store, *, language: str = "en") -> str:
    """The first thing a caller hears: the store's greeting message or greeting template."""
    from voice import prompts

    return prompts.say(store, "greeting", language=language)


def prompt(store: Store, name: str, *, language: str = "en", **values: object) -> str:
    """One prompt of the store's, filled in (see voice/prompts.py for the names)."""
    from voice import prompts

    return prompts.say(store, name, language=language, **values)


def data_version(store: Store) -> int | None:
    """The store's data version: read it once for a whole turn and pass it on (`version=`), or let each read it."""
    from voice.selectors import data_version

    return data_version(store.pk)


def voice_settings(store: Store, *, version: int | None = None) -> StoreSettings:
    """The store's voice settings as the engine reads them: cached, current as of the store's last change."""
    from voice.selectors import store_data

    return store_data(store, version=version).settings


def speech_hints(store: Store, *, version: int | None = None) -> list[str]:
    """Department and popular product names, for <Gather hints>."""
    from voice import matching

    return matching.hints_for(store, version=version)


def respond(store: Store, turn: Turn, *, now: dt.datetime, version: int | None = None) -> Reply:
    """Decide the answer to one turn."""
    from voice import intents

    return intents.respond(store, turn, now=now, version=version)


def apology(store: Store, turn: Turn) -> Reply:
    """What the caller hears when deciding failed (a bug, a database hiccup): sorry, and ask again."""
    from voice import prompts

    return Reply(intent="reask", say=prompts.say(store, "error", language=turn.language))
