"""What flows through the engine: the caller's turn in, the agent's reply out, and the dialogue state the
call keeps between them (`Call.dialogue_state`). No imports from the rest of voice/: every stage uses these."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Replies after which the agent has offered to put the caller through to the operator.
TRANSFER_OFFERS = frozenset({"not_found", "no_transfer"})


@dataclass(frozen=True)
class Turn:
    """What the caller did on one turn."""

    speech: str = ""
    digits: str = ""
    # Consecutive turns so far that the agent did not understand (silence or no match).
    misses: int = 0
    # The call's language: `en`, `es`, `hi` or `mixed` (Hindi and English, as seed 000's callers speak).
    language: str = "en"
    # How long the call has lasted: past the store's max_call_length the agent says goodbye.
    seconds_in_call: int = 0
    # The call's dialogue state after the previous reply (Call.dialogue_state, see `State`).
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def previous_intent(self) -> str:
        """The intent of the agent's previous reply, so a bare "yes" after "shall I put you through?" is understood."""
        return str(self.state.get("intent") or "")

    @property
    def offer(self) -> dict[str, Any]:
        """What the agent offered last and the caller has not answered: {"kind": "transfer"|"callback", "to": ...}."""
        offer = self.state.get("offer")
        return dict(offer) if isinstance(offer, Mapping) else {}


@dataclass(frozen=True)
class Transfer:
    """Where to put the caller through: `<Dial><Number sendDigits=...>number</Number></Dial>`."""

    number: str
    send_digits: str = ""
    # Who the caller is put through to, as the call's outcome names it: a department, `operator`, `manager`.
    label: str = ""


@dataclass(frozen=True)
class CallbackRequest:
    """A callback the caller accepted: voice.services makes it (calls.services.create_callback) for the caller's number."""

    reason: str
    scheduled_at: datetime


@dataclass(frozen=True)
class Reply:
    """What the agent does next: say `say`, then transfer, hang up, or listen again."""

    intent: str  # department, product, not_found, hours, open_now, address, deals, person, goodbye, reask, operator, ask_which
    say: str
    transfer: Transfer | None = None
    hang_up: bool = False
    # What the answer was about: a department's name or an item's SKU (for tests and the call's outcome).
    subject: str = ""
    # Words the next <Gather> should expect (speech hints).
    hints: list[str] = field(default_factory=list)
    # The dialogue state the call keeps for the next turn; None: the state `state_after` derives from the reply.
    state: dict[str, Any] | None = None
    # A callback to schedule with the turn's other writes (the caller said yes to the offer).
    callback: CallbackRequest | None = None

    @property
    def understood(self) -> bool:
        return self.intent not in ("reask", "operator")


def state_after(reply: Reply) -> dict[str, Any]:
    """The dialogue state to keep after `reply`: what the engine set, or at least its intent and pending offer.

    Keys (all optional but `intent`): intent (the reply's), offer ({"kind": "transfer"|"callback", "to": ...}),
    item (an item's SKU), department (a department's name), topic (what was talked about: hours, deals, ...),
    options (the SKUs an ask-which named). JSON only: it is stored in Call.dialogue_state."""
    if reply.state is not None:
        return {"intent": reply.intent, **reply.state}
    state: dict[str, Any] = {"intent": reply.intent}
    if reply.intent in TRANSFER_OFFERS:
        state["offer"] = {"kind": "transfer", "to": "operator"}
    return state
