"""The store's data for one turn, as every stage after normalisation reads it: settings, departments and
templates from the cache (voice/selectors.py), and the lookups of items (voice/matching.py), made once per turn.
Items and coupons are read only when the question needs them (a turn that needs no coupons never loads them)."""
from __future__ import annotations

import datetime as dt

from store.models import Department, Store, StoreSettings
from voice.matching import Item, ItemMatch, corrected, items_by_id, search_items
from voice.normalise import normalise
from voice.prompts import Prompts, span_text
from voice.selectors import data_version, store_data
from voice.turn import Turn


class Context:
    """One turn: the caller's words normalised, the store's cached data, the clock, and the item lookups."""

    def __init__(self, store: Store, turn: Turn, now: dt.datetime, *, version: int | None = None) -> None:
        self.store, self.turn, self.now = store, turn, now
        self.text = normalise(turn.speech)
        # Settings, departments and templates come cached under the store's data version (voice/selectors.py):
        # a change through store.services gives a new version, so the next turn reads it.
        self.version = version or data_version(store.pk)
        data = store_data(store, version=self.version)
        self.settings: StoreSettings = data.settings
        self.departments: tuple[Department, ...] = data.departments
        self.prompts = Prompts(store, turn.language, variant=turn.misses, data=data)
        self._searched: dict[tuple[tuple[str, ...], tuple[str, ...]], ItemMatch | None] = {}

    @property
    def local_today(self) -> dt.date:
        return self.now.astimezone(self.store.tzinfo).date()

    def today_hours(self) -> str:
        if self.store.opening_hours or self.store.holiday_hours:
            return span_text(self.store.hours_on(self.local_today))
        return self.store.hours

    def item(self, content: list[str], *, correct: bool = True) -> Item | None:
        """The product meant; it must account for every word said, or for most of a longer question."""
        found = self.find_item(content, correct=correct)
        return found.item if found else None

    def find_item(self, content: list[str], *, base: tuple[str, ...] = (), correct: bool = True) -> ItemMatch | None:
        """The item these words name (with the items as good as it: `ties`), read with `base`, the words of what was
        talked about; misspellings corrected from the store's words when they find nothing better."""
        if not content:
            return None
        found = self.search(content, base)
        if correct and (found is None or found.coverage < 1):
            # Only on a miss: the store's nearest spellings (cached), then the index once more.
            retry = corrected(self.store, content, version=self.version)
            if retry != content:
                second = self.search(retry, base)
                if second is not None and (found is None or second.coverage > found.coverage):
                    found = second
        if found and (found.coverage == 1 or (found.coverage >= 0.6 and len(content) >= 3)):
            return found
        return None

    def search(self, content: list[str], base: tuple[str, ...] = ()) -> ItemMatch | None:
        """The item index searched for these words once per turn (understanding may ask twice: before and with corrections)."""
        key = (tuple(content), tuple(base))
        if key not in self._searched:
            self._searched[key] = search_items(self.store, content, version=self.version, base=base)
        return self._searched[key]

    def items_by_id(self, ids: list[int]) -> list[Item]:
        """The items the dialogue state names, read fresh (one query)."""
        return items_by_id(self.store, ids)
