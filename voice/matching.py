"""Finding what a caller means in the store's data, tolerating speech recognition's noise:
plurals, filler words and small misspellings (rapidfuzz scores the candidates)."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.core.cache import cache
from django.db import connection
from rapidfuzz import fuzz, process

from store.models import Department, InventoryItem, InventoryWord, Store, fold
from voice.normalise import STOPWORDS, content_words, singular, words  # noqa: F401 (content_words: for voice.context)
from voice.selectors import data_version, vocabulary

# Words that name the kind of place, not which one ("the pharmacy department").
GENERIC_DEPARTMENT_WORDS = {"department", "dept", "section", "counter", "desk", "services", "service", "and", "goods", "supplies", "products"}


DIGIT = re.compile(r"[0-9]")  # a word with one is a SKU (voice.selectors keeps SKUs out of the vocabulary)
SIZE = re.compile(r"\((?=[^)]*(?:\d|\b(?:per|each|dozen|loaf|bunch|head|pint|quart|gallon|half|jar|bag|pack|box)\b))[^)]*\)", re.I)


@lru_cache(maxsize=1 << 16)  # the same pairs of words come back turn after turn
def _close(said: str, known: str) -> bool:
    """The same word, or nearly: a plural, or a misspelling of a longer word (avacado, brocolli)."""
    if said == known:
        return True
    if len(said) < 4 or len(known) < 4:
        return False
    # Short words need to be closer: "salsa" is not "salad", but "farmacy" is "pharmacy".
    return fuzz.ratio(said, known) >= (80 if min(len(said), len(known)) >= 7 else 85)


@dataclass(frozen=True)
class DepartmentMatch:
    department: Department
    score: int
    # The caller's words that named it: what is left over may be a product in that department.
    words: frozenset[str]


@lru_cache(maxsize=4096)
def _department_terms(name: str, keywords: tuple[str, ...]) -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """A department's name and keyword phrases (singular words) as one whole-words pattern, and the words in
    them that tell it apart."""
    phrases = [phrase for phrase in (" ".join(singular(w) for w in words(text)) for text in (name, *keywords)) if phrase]
    pattern = re.compile(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, phrases))})(?![^\W_])") if phrases else None
    known = frozenset(word for phrase in phrases for word in phrase.split()) - GENERIC_DEPARTMENT_WORDS - STOPWORDS
    return pattern, known


def match_department(departments: list[Department] | tuple[Department, ...], text: str) -> DepartmentMatch | None:
    """The department the words name: a name or keyword phrase (100), one of their words (90), a near spelling (80)."""
    folded = " ".join(singular(word) for word in words(text))
    spoken = set(folded.split())
    best: DepartmentMatch | None = None
    for dept in departments:
        pattern, known = _department_terms(dept.name, tuple(dept.keywords or ()))
        used = frozenset(said for said in spoken if said in known or any(_close(said, word) for word in known))
        if pattern is not None and pattern.search(folded):
            score = 100
        elif used & known:
            score = 90
        elif used:
            score = 80
        else:
            continue
        if best is None or score > best.score:
            best = DepartmentMatch(dept, score, used | (spoken & GENERIC_DEPARTMENT_WORDS))
    return best


@dataclass(frozen=True, slots=True)
class Item:
    """What the agent says about an item, read as plain values (no model instance on the hot path)."""

    id: int
    name: str
    sku: str
    aliases: list[str]
    price: Decimal
    stock_quantity: int
    location: str
    department_id: int | None
    department_name: str


CENTS = Decimal("0.01")


@dataclass(frozen=True)
class ItemMatch:
    item: Item
    # The share of the caller's words the item's name (or an alias) accounts for.
    coverage: float


def _keys(content: list[str], known: Callable[[str], bool] = lambda said: False) -> tuple[set[str], set[str]]:
    exact = {word for said in content for word in (said, singular(said))}
    # Misspellings keep their first letters: "avacado" finds "avocado" by "ava". A word the store's
    # index holds is no misspelling: its prefix would only bring in other words' items ("cra" for
    # "cranberry" is every cracker), thousands of index rows to count in a big store.
    prefixes = {singular(said)[: 3 if len(said) >= 6 else 4] for said in content if len(said) >= 5 and not known(said)}
    return exact, prefixes


def _known_to(store: Store, version: int | None) -> Callable[[str], bool]:
    """Whether the store's index holds a word (or its singular), from the cached vocabulary; without a cache, never."""
    version = version or data_version(store.pk)
    if version is None:
        return lambda said: False

    def known(said: str) -> bool:
        if DIGIT.search(said):  # a SKU: not in the vocabulary; its first letters find its siblings, as ever
            return False
        bucket = vocabulary(store, said[:2], version=version).words
        return said in bucket or singular(said) in bucket

    return known


@lru_cache(maxsize=65536)
def name_words(name: str) -> tuple[str, ...]:
    """The words of an item's name or alias as a caller says them: singular, without the size in brackets."""
    # Sizes in brackets ("(per lb)", "(12 oz)") are not what a caller names; "(Whole Wheat)" is.
    return tuple(singular(word) for word in words(SIZE.sub(" ", name)))


def _rank(query: list[str], item: Item) -> tuple[float, int, int, float] | None:
    """How well the item answers the words: coverage first, then a name over an alias, fewer extra words, closeness."""
    best = None
    spoken = set(query)
    for is_name, name in [(1, item.name), *((0, alias) for alias in item.aliases or [])]:
        if not isinstance(name, str):
            continue
        said_words = name_words(name)
        known = set(said_words)
        # Exact words first; the fuzzy comparison only for what is left.
        matched = [said for said in query if said in known or any(_close(said, word) for word in known)]
        if not matched:
            continue
        extra = sum(1 for word in said_words if word not in spoken and not any(_close(said, word) for said in spoken))
        key = (len(matched) / len(query), is_name, -extra, fuzz.ratio(" ".join(query), " ".join(said_words)))
        best = key if best is None or key > best else best
    return best


def corrected(store: Store, content: list[str], *, version: int | None = None) -> list[str]:
    """The words with misspellings replaced by the nearest word of the store's index ("avacado" -> "avocados").

    A word the store knows is not a misspelling. The store's words come from the cache (voice.selectors.vocabulary,
    by their first two letters), so a correction costs no query once a bucket is loaded."""
    version = version or data_version(store.pk)
    fixed = []
    for said in content:
        best = None
        if len(said) >= 5 and not DIGIT.search(said):  # SKUs (with digits) are matched exactly, never corrected
            bucket = vocabulary(store, said[:2], version=version)
            if said not in bucket.words:
                best = process.extractOne(said, bucket.fuzzy, scorer=fuzz.ratio, score_cutoff=80)
        fixed.append(best[0] if best else said)
    return fixed


def match_item(
    store: Store,
    content: list[str],
    *,
    limit: int = 50,
    correct: bool = True,
    version: int | None = None,
    search: Callable[[list[str]], ItemMatch | None] | None = None,
) -> ItemMatch | None:
    """The item the caller means: candidates from the word index, ranked by how many of the words it explains.
    `search` (words -> match, one query) lets a turn that asks twice about the same words query once."""
    if not content:
        return None
    search = search or (lambda words: search_items(store, words, limit=limit, version=version))
    found = search(content)
    if correct and (found is None or found.coverage < 1):
        # Only on a miss: the store's nearest spellings (cached), then the index once more.
        retry = corrected(store, content, version=version)
        if retry != content:
            second = search(retry)
            if second is not None and (found is None or second.coverage > found.coverage):
                return second
    return found


@lru_cache(maxsize=256)
def _candidates_sql(exact: int, prefixes: int, vendor: str) -> str:
    item, word, department = InventoryItem._meta.db_table, InventoryWord._meta.db_table, Department._meta.db_table
    # SQLite's LIKE has no escape character unless told; PostgreSQL's is the backslash.
    like = " OR w.word LIKE %s" + (" ESCAPE '\\'" if vendor == "sqlite" else "")
    return (
        f"SELECT i.id, i.name, i.sku, i.aliases, i.price, i.stock_quantity, i.location, i.department_id, d.name"
        f" FROM {item} i LEFT JOIN {department} d ON d.id = i.department_id"
        f" WHERE i.is_active AND i.id IN ("
        f"SELECT w.item_id FROM {word} w WHERE w.store_id = %s AND (w.word IN ({', '.join(['%s'] * exact)}){like * prefixes})"
        f" GROUP BY w.item_id ORDER BY COUNT(*) DESC, MIN(w.name_words), w.item_id LIMIT %s)"
        f" ORDER BY i.name, i.id"
    )


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def candidates(store: Store, content: list[str], *, limit: int = 50, version: int | None = None) -> list[Item]:
    """One query: the `limit` items sharing the most words with the question (then the shortest names: the
    plain "Milk" before "Organic Chocolate Milk"), the active ones among them, in name order.

    Plain SQL (PostgreSQL and SQLite): building this query with the ORM cost more CPU than running it."""
    exact, prefixes = _keys(content, _known_to(store, version))
    exact_words, prefix_list = sorted(exact), sorted(prefixes)
    sql = _candidates_sql(len(exact_words), len(prefix_list), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [store.pk, *exact_words, *(_like_prefix(prefix) for prefix in prefix_list), limit])
        rows = cursor.fetchall()
    return [
        Item(
            id=pk, name=name, sku=sku, aliases=json.loads(aliases) if isinstance(aliases, str) else aliases or [],
            price=price if isinstance(price, Decimal) else Decimal(str(price)).quantize(CENTS), stock_quantity=stock,
            location=location, department_id=department_id, department_name=department_name or "",
        )
        for pk, name, sku, aliases, price, stock, location, department_id, department_name in rows
    ]


def search_items(store: Store, content: list[str], *, limit: int = 50, version: int | None = None) -> ItemMatch | None:
    """The best of the candidates for these words, as they are (no misspelling correction): one query."""
    exact, _ = _keys(content)
    query = list(dict.fromkeys(singular(word) for word in content))
    ranked: list[tuple[tuple[float, int, int, float], Item]] = []
    for item in candidates(store, content, limit=limit, version=version):
        if item.sku and fold(item.sku) in exact:
            return ItemMatch(item, 1.0)
        key = _rank(query, item)
        if key is not None:
            ranked.append((key, item))
    if not ranked:
        return None
    key, item = max(ranked, key=lambda row: row[0])
    return ItemMatch(item, key[0])


# Hints only help speech recognition, so a minute-old list is fine; the answers themselves are
# always read fresh. Kept in the cache (Redis when REDIS_URL is set) and in this process, keyed by the
# store's data version (a new department is hinted at once) and good for HINTS_TTL seconds.
HINTS_TTL = 60
_hints: dict[str, tuple[float, list[str]]] = {}


def hints_for(store: Store, *, items: int = 40, version: int | None = None) -> list[str]:
    """Speech hints: department names and keywords, and the best-stocked products' names."""
    key = f"voice:hints:{store.pk}:{version or data_version(store.pk)}"
    now = time.time()
    local = _hints.get(key)
    if local is not None and local[0] > now:
        return local[1]
    try:
        cached = cache.get(key)
    except Exception:
        cached = None
    if cached is None or cached[0] <= now:
        cached = (now + HINTS_TTL, _hints_of(store, items=items))
        try:
            cache.set(key, cached, HINTS_TTL)
        except Exception:
            pass
    if len(_hints) >= 512:
        _hints.clear()
    _hints[key] = cached
    return cached[1]


def _hints_of(store: Store, *, items: int) -> list[str]:
    hints: list[str] = []
    for name, keywords in Department.objects.filter(store=store, is_active=True).values_list("name", "keywords"):
        hints.append(name)
        hints.extend(keywords or [])
    names = InventoryItem.objects.filter(store=store, is_active=True).order_by("-stock_quantity", "id").values_list("name", flat=True)[:items]
    hints.extend(re.sub(r"\s*\(.*?\)", "", name) for name in names)
    return list(dict.fromkeys(hint[:100] for hint in hints if hint))
