"""Reads the voice webhooks need: the store a number rings, the call a CallSid names, and the
store's data the dialogue engine reads on every turn (cached under the store's data version)."""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from calls.models import Call
from store.models import Department, Faq, InventoryWord, StaffMember, Store, StoreSettings, VoiceTemplate
from store.services import DATA_VERSION_KEY, new_data_version, settings_of
from voice.languages import template_language

logger = logging.getLogger(__name__)


def store_for_number(number: str) -> Store | None:
    """The store whose Twilio numbers include `number` (E.164, as Twilio sends `To`)."""
    number = (number or "").strip()
    if not number.startswith("+"):
        return None
    if connection.vendor == "postgresql":
        candidates = Store.objects.filter(twilio_numbers__contains=[number])
    else:
        # SQLite has no JSON containment: narrow by the quoted number in the JSON text, then check exactly.
        candidates = Store.objects.annotate(numbers_text=Cast("twilio_numbers", TextField())).filter(
            numbers_text__contains=f'"{number}"'
        )
    # Store services keep a number on one store only; the oldest wins if data says otherwise.
    return next((store for store in candidates.order_by("pk")[:5] if number in (store.twilio_numbers or [])), None)


def call_for_sid(call_sid: str, *, numbers: tuple[str, ...] = ()) -> Call | None:
    """The call Twilio names by CallSid; among several stores' rows, the one whose store owns one of `numbers`."""
    if not call_sid:
        return None
    calls = list(Call.objects.select_related("store").filter(call_id=call_sid).order_by("pk")[:5])
    wanted = {number for number in numbers if number}
    for call in calls:
        # A bot may log a call under any id; the store that owns the dialled number is the real one.
        if wanted & set(call.store.twilio_numbers or []):
            return call
    return calls[0] if calls else None


# -- the store's data the voice agent reads on every turn, cached ----------------------------------
#
# Settings, departments, templates and the words of the inventory change rarely and are read on
# every turn. They are kept in the Django cache (Redis when REDIS_URL is set) and, unpickled, in this
# process, under the store's data version (store.services.bump_data_version: every audited change of
# the store's data gives it a new one), so a change on the dashboard is heard on the very next turn.
# Items and coupons are not cached: price and stock are read fresh on every turn.

DATA_TTL = 3600  # an old version's entries are never read again; let the cache forget them
VOCABULARY_FUZZY_LIMIT = 3000  # words of one two-letter bucket compared to a misspelling, at most
# Entries of this process's copy, least recently used first: a store's settings and each bucket of its
# words it has been asked about. Old versions' entries fall off the end; other stores' stay.
_LOCAL_LIMIT = 4096
_local: OrderedDict[str, Any] = OrderedDict()
_local_lock = threading.Lock()  # threaded servers: one request's reads must not meet another's eviction


@dataclass(frozen=True)
class StoreData:
    """What a turn needs of the store besides its row, its items and its coupons."""

    settings: StoreSettings
    # Active departments in menu order (extension, then id): the n-th answers the digit n.
    departments: tuple[Department, ...]
    # (template_type, language spoken: voice.languages.template_language) -> the active templates' texts in variation order.
    templates: dict[tuple[str, str], tuple[str, ...]]
    # The active FAQ entries (id, question, answer, keywords) and staff (name, department id): voice/faq.py, voice/dead_ends.py.
    faqs: tuple[tuple[int, str, str, tuple[str, ...]], ...] = ()
    staff: tuple[tuple[str, int | None], ...] = ()


def _read_version(key: str) -> int | None:
    value = cache.get(key)  # one Redis client per process (callcenter/cache.py), not one per call
    return value if isinstance(value, int) else None


def data_version(store_id: int) -> int | None:
    """The store's data version; a new one when the cache has none (or forgot it). None when the cache is down."""
    key = DATA_VERSION_KEY.format(store_id)
    try:
        version = _read_version(key)
        if version is None:
            version = new_data_version()
            if not cache.add(key, version, None):  # another turn made one meanwhile, or the value is not ours
                found = _read_version(key)
                if found is None:
                    cache.set(key, version, None)
                else:
                    version = found
        return version
    except Exception:  # the cache is down: read from the database, as without a cache
        logger.warning("voice: cache unavailable, store %s read from the database", store_id, exc_info=True)
        return None


def _cached(key: str, load: Callable[[], Any]) -> Any:
    """This process's copy, else the Django cache's, else `load()` (and keep it in both)."""
    with _local_lock:
        found = _local.get(key)
        if found is not None:
            _local.move_to_end(key)
            return found
    try:
        found = cache.get(key)
    except Exception:
        found = None
    if found is None:
        found = load()
        try:
            cache.set(key, found, DATA_TTL)
        except Exception:
            logger.warning("voice: could not cache %s", key, exc_info=True)
    with _local_lock:
        _local[key] = found
        while len(_local) > _LOCAL_LIMIT:
            _local.popitem(last=False)
    return found


def _load_store_data(store: Store) -> StoreData:
    found = settings_of(store)
    found._state.fields_cache = {}  # not the store: the turn has its row, fresh
    departments = tuple(Department.objects.filter(store_id=store.pk, is_active=True).order_by("phone_extension", "id"))
    templates: dict[tuple[str, str], list[str]] = {}
    rows = VoiceTemplate.objects.filter(store_id=store.pk, is_active=True).order_by("variation_number", "id")
    for template_type, language, text in rows.values_list("template_type", "language", "text_content"):
        templates.setdefault((template_type, template_language(language)), []).append(text)
    faqs = tuple(
        (pk, question, answer, tuple(str(k) for k in keywords or []))
        for pk, question, answer, keywords in Faq.objects.filter(store_id=store.pk, is_active=True).order_by("id").values_list("id", "question", "answer", "keywords")
    )
    staff = tuple(StaffMember.objects.filter(store_id=store.pk, is_active=True).order_by("id").values_list("name", "department_id"))
    return StoreData(settings=found, departments=departments, templates={key: tuple(texts) for key, texts in templates.items()}, faqs=faqs, staff=staff)


def store_data(store: Store, *, version: int | None = None) -> StoreData:
    """The store's settings, active departments and templates, as of its last change."""
    version = version or data_version(store.pk)
    if version is None:
        return _load_store_data(store)
    return _cached(f"voice:data:{store.pk}:{version}", lambda: _load_store_data(store))


@dataclass(frozen=True)
class Vocabulary:
    """The store's index words (not SKUs) starting with two letters: all of them (is a word known?) and
    the first ones in order (what a misspelling is compared to)."""

    words: frozenset[str]
    fuzzy: tuple[str, ...]


def _load_vocabulary(store_id: int, prefix: str) -> Vocabulary:
    # Words with digits are SKUs, matched exactly, never corrected: a store's SKUs all starting
    # "gen00..." would otherwise make one bucket of 50,000 words.
    found = list(
        InventoryWord.objects.filter(store_id=store_id, word__startswith=prefix)
        .exclude(word__regex=r"[0-9]")
        .order_by("word")
        .values_list("word", flat=True)
        .distinct()
    )
    return Vocabulary(words=frozenset(found), fuzzy=tuple(found[:VOCABULARY_FUZZY_LIMIT]))


def vocabulary(store: Store, prefix: str, *, version: int | None = None) -> Vocabulary:
    """The store's words starting with `prefix` (two letters), for misspelling correction."""
    version = version or data_version(store.pk)
    if version is None:
        return _load_vocabulary(store.pk, prefix)
    return _cached(f"voice:words:{store.pk}:{version}:{prefix}", lambda: _load_vocabulary(store.pk, prefix))
