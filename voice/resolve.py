"""Resolving a turn's intents against what was said before: the call's dialogue state (Call.dialogue_state, in
`Turn.state`) and the clauses earlier in the turn. A yes or a no answers the pending offer only; a follow-up
takes the item, department or topic talked about ("how much is it", "and the half inch", "what about tools?",
"and on sunday?"); an answer to "which one?" picks among the options offered."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from store.models import Department
from voice.context import Context
from voice.intents import Intent
from voice.matching import Item, UNITS, match_department, name_words

# Intents that leave the scene as it was: the caller said nothing new ("uh", a re-ask).
SILENT = {"miss", "thanks", "timeout", "digits", "decline", "goodbye", "robot", "accept", "accept_callback"}


@dataclass
class Scene:
    """What the conversation is about as of now: the topic, the items and options named, what was asked."""

    topic: str = ""
    items: list[Item] = field(default_factory=list)
    options: list[Item] = field(default_factory=list)
    ask: frozenset[str] = frozenset()
    department: Department | None = None
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, ctx: Context) -> "Scene":
        state = ctx.turn.state
        ids = [pk for pk in (*(state.get("items") or ()), *(state.get("options") or ())) if isinstance(pk, int)]
        found = {item.id: item for item in ctx.items_by_id(ids)} if ids else {}
        dept_name = state.get("department")
        return cls(
            topic=str(state.get("topic") or ""),
            items=[found[pk] for pk in state.get("items") or () if pk in found],
            options=[found[pk] for pk in state.get("options") or () if pk in found],
            ask=frozenset(state.get("ask") or ()),
            department=next((dept for dept in ctx.departments if dept.name == dept_name), None) if dept_name else None,
            words=tuple(str(word) for word in state.get("words") or ()),
        )

    def base(self) -> tuple[str, ...]:
        """The words the last item (or the options offered) share, without sizes: what "and the half inch" adds to."""
        named = self.options or self.items[:1]
        if not named:
            return ()
        common = set.intersection(*(set(name_words(item.name)) for item in named)) if len(named) > 1 else set(name_words(named[0].name))
        return tuple(word for word in name_words(named[0].name) if word in common and not word.isdigit() and word not in UNITS)

    def remember(self, intent: Intent) -> None:
        kind = intent.kind
        if kind in SILENT:
            return
        self.topic = kind
        if kind == "product":
            self.items = [intent.item, *intent.options] if intent.extra.get("several") else [intent.item]
            self.options = []
            self.ask = intent.ask or self.ask
            self.words = intent.words
            self.department = None
        elif kind == "ask_which":
            self.options = list(intent.options)
            self.items = []
            self.ask = intent.ask or self.ask
            self.words = intent.words
        elif kind in ("not_found",):
            self.items, self.options = [], []
            self.ask = intent.ask or self.ask
            self.words = intent.words
        elif kind == "deals":
            self.department = intent.department
            if intent.item is not None:
                self.items = [intent.item]
            self.words = intent.words
        elif kind in ("department", "person", "complaint"):
            self.department = intent.department
            self.words = intent.words or self.words
        else:
            self.words = intent.words or self.words

    def state(self) -> dict[str, Any]:
        """As Call.dialogue_state keeps it (JSON)."""
        state: dict[str, Any] = {"topic": self.topic}
        if self.items:
            state["items"] = [item.id for item in self.items][:4]
        if self.options:
            state["options"] = [item.id for item in self.options][:6]
        if self.ask:
            state["ask"] = sorted(self.ask)
        if self.department is not None:
            state["department"] = self.department.name
        if self.words:
            state["words"] = list(self.words)[:8]
        return state


def resolve(ctx: Context, intents: list[Intent]) -> tuple[list[Intent], Scene]:
    """The intents with their follow-ups made concrete, the superseded ones left out; and the scene after them."""
    scene = Scene.of(ctx) if _needs_scene(intents) or ctx.turn.state else Scene()
    resolved: list[Intent] = []
    this_turn: list[Item] = []
    for intent in intents:
        for one in _resolve(ctx, intent, scene):
            scene.remember(one)
            if not intent.superseded:
                resolved.append(one)
                if one.kind == "product":
                    this_turn.append(one.item)
    if len(this_turn) > 1:
        scene.items = list({item.id: item for item in this_turn}.values())
    return resolved or [Intent("miss")], scene


def _needs_scene(intents: list[Intent]) -> bool:
    return any(intent.kind in ("query", "followup", "accept", "person") for intent in intents)


def _resolve(ctx: Context, intent: Intent, scene: Scene) -> list[Intent]:
    kind = intent.kind
    if kind == "accept":
        offer = ctx.turn.offer
        if offer.get("kind") == "transfer":
            to = offer.get("to")
            dept = next((dept for dept in ctx.departments if dept.name == to), None)
            return [Intent("department", department=dept)] if dept else [Intent("operator")]
        if offer.get("kind") == "callback":
            return [Intent("accept_callback")]
        return [Intent("miss")]
    if kind == "person" and intent.department is None:
        # "can somebody help me with that": the department of what was talked about.
        for words in (intent.words, scene.words):
            match = match_department(ctx.departments, " ".join(words), related=True) if words else None
            if match is not None:
                return [replace(intent, kind="department", department=match.department)]
        if scene.department is not None and scene.topic in ("department", "deals"):
            return [replace(intent, kind="department", department=scene.department)]
        return [intent]
    if kind == "followup":
        items = scene.items or scene.options[:1]
        if not items:
            return [Intent("miss", text=intent.text)]
        ask = intent.ask or scene.ask
        return [Intent("product", item=item, ask=ask, text=intent.text, words=scene.words) for item in items]
    if kind != "query":
        return [intent]
    if intent.extra.get("day"):
        return [Intent("hours", text=intent.text)]
    dept_only = intent.department is not None and not intent.extra.get("leftover")
    if scene.topic == "deals" and not intent.asked:
        found = ctx.find_item(list(intent.words)) if intent.department is None and intent.words else None
        return [Intent("deals", department=intent.department, item=found.item if found else None, words=intent.words, text=intent.text)]
    talking_items = scene.topic in ("product", "not_found", "ask_which")
    if dept_only and not intent.asked and not talking_items:
        # "dairy please", "the pharmacy": a department by its name or keywords.
        return [Intent("department", department=intent.department, text=intent.text)]
    ask = intent.ask or scene.ask or frozenset({"stock"})
    found = ctx.find_item(list(intent.words), base=scene.base()) if intent.words else None
    if found is not None and found.ties and (intent.asked or talking_items):
        options = (found.item, *found.ties)
        if intent.ask == {"where"} and len({item.location for item in options}) == 1:
            # "where is the peanut butter": every kind is in the same place, so that is the answer.
            return [Intent("product", item=found.item, options=found.ties, ask=ask, words=intent.words, text=intent.text)]
        # Asked about one of several alike ("do you sell mulch"): which one? Never the first silently.
        return [Intent("ask_which", options=options, ask=ask, words=intent.words, text=intent.text)]
    if found is not None:
        return [Intent("product", item=found.item, ask=ask, words=intent.words, text=intent.text)]
    if dept_only or (intent.department is not None and (not intent.asked or intent.extra.get("in_department"))):
        return [Intent("department", department=intent.department, text=intent.text)]
    if intent.asked or scene.topic in ("product", "not_found", "ask_which"):
        return [Intent("not_found", words=intent.words, ask=ask, text=intent.text)]
    return [Intent("miss", text=intent.text)]
