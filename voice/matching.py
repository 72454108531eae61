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
from voice.normalise import STOPWORDS, UNITS, singular, words
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
    # The name or keyword phrase said whole ("special cut"), if one was.
    phrase: str = ""


# What callers call a department by, when the store's own words do not say it ("fresh fish" for Meat & Seafood):
# general words of shops, read only when someone asks for a person about something.
RELATED = {
    "fish": ("seafood",), "butcher": ("meat",), "steak": ("meat",), "beef": ("meat",), "roast": ("meat",),
    "prescription": ("pharmacy",), "medicine": ("pharmacy",), "medication": ("pharmacy",), "pill": ("pharmacy",),
    "pharmacist": ("pharmacy",), "cake": ("bakery", "baked"), "bread": ("bakery", "baked"), "pastry": ("bakery", "baked"),
    "vegetable": ("produce",), "veggie": ("produce",), "fruit": ("produce",), "toy": ("toy",), "game": ("game",),
    "dog": ("pet",), "cat": ("pet",), "drink": ("beverage",), "wine": ("beverage",), "beer": ("beverage",),
}  # fmt: skip
# Words of descriptions that tell no department apart.
VAGUE = {"fresh", "food", "foods", "item", "items", "product", "products", "general", "inquiry", "inquiries", "other", "daily", "all", "more", "health"}


@lru_cache(maxsize=4096)
def _department_terms(name: str, keywords: tuple[str, ...]) -> tuple[re.Pattern[str] | None, frozenset[str], frozenset[str]]:
    """A department's name and keyword phrases (singular words) as one whole-words pattern, the words in them that
    tell it apart, and its name's own words."""
    phrases = [phrase for phrase in (" ".join(singular(w) for w in words(text)) for text in (name, *keywords)) if phrase]
    pattern = re.compile(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, sorted(phrases, key=len, reverse=True)))})(?![^\W_])") if phrases else None
    known = frozenset(word for phrase in phrases for word in phrase.split()) - GENERIC_DEPARTMENT_WORDS - STOPWORDS
    own = frozenset(singular(w) for w in words(name)) - GENERIC_DEPARTMENT_WORDS - STOPWORDS
    return pattern, known, own


@lru_cache(maxsize=4096)
def _description_words(description: str) -> frozenset[str]:
    return frozenset(singular(word) for word in words(description)) - STOPWORDS - GENERIC_DEPARTMENT_WORDS - VAGUE


@lru_cache(maxsize=1 << 14)
def _near(said: str, known: frozenset[str]) -> bool:
    """A department's word misspelt ("farmacy", "lumbar", "electical"): departments are few, so closer calls pass."""
    if said in known:
        return True
    if len(said) < 4:
        return False
    return any(_close(said, word) or (len(said) >= 5 and len(word) >= 5 and fuzz.ratio(said, word) >= 83) for word in known)


def match_department(departments: list[Department] | tuple[Department, ...], text: str, *, related: bool = False) -> DepartmentMatch | None:
    """The department the words name: a name or keyword phrase (100), one of their words (90), a near spelling (80);
    with `related` (a person is asked for about something) also a word shops use for it (70) or of its description (60).
    Among equals, the one more words name; a name before a keyword."""
    folded = " ".join(singular(word) for word in words(text))
    spoken = set(folded.split())
    best: tuple[tuple[int, int, int], DepartmentMatch] | None = None
    for dept in departments:
        pattern, known, own = _department_terms(dept.name, tuple(dept.keywords or ()))
        used = frozenset(said for said in spoken if _near(said, known))
        found = pattern.search(folded) if pattern is not None else None
        if found is not None:
            score = 100
        elif used & known:
            score = 90
        elif used:
            score = 80
        elif related and (
            near := frozenset(said for said in spoken if any(_near(other, known | _description_words(dept.description)) for other in RELATED.get(said, ())))
        ):
            score, used = 70, near
        elif related and (described := frozenset(said for said in spoken if len(said) >= 4 and said in _description_words(dept.description))):
            score, used = 60, described
        else:
            continue
        rank = (score, len(used), 1 if used & own else 0)
        if best is None or rank > best[0]:
            best = (rank, DepartmentMatch(dept, score, used | (spoken & GENERIC_DEPARTMENT_WORDS), found.group(0) if found else ""))
    return best[1] if best else None


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
    # Other items that answer the words as well (the 1/2 inch and the 3/4 inch pipe for "pvc pipe"): the agent
    # asks which, with `item` first. Empty when one item is the answer.
    ties: tuple[Item, ...] = ()


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
    return tuple(singular(word) for word in words(SIZE.sub(" ", name)) if len(word) > 1 or word.isdigit())


@lru_cache(maxsize=65536)
def size_words(name: str) -> frozenset[str]:
    """The words of the sizes in brackets ("(Half Gallon)", "(per lb)"): they pick an item when said, and need not be."""
    return frozenset(singular(word) for size in SIZE.findall(name) for word in words(size))


# Endings that make a word of a name another form of it ("decking" for "deck"), not another word ("deliver", "deli").
INFLECTIONS = ("s", "es", "ing", "ed", "er", "ers")


def _said_in(said: str, known: frozenset[str] | set[str]) -> bool:
    """Whether a word of the caller's is one of these: the same, nearly ("avacado"), or made longer ("decking")."""
    if said in known:
        return True
    if said.isdigit():
        return False
    return any(_close(said, word) or (len(word) >= 4 and said.startswith(word) and said[len(word):] in INFLECTIONS) for word in known)


# (coverage, the name or an alias said exactly, a name over an alias, -extra numbers (another size), -extra words of
# the name, unit words matched, -extra size words, closeness)
Rank = tuple[float, int, int, int, int, int, int, float]


def _rank(query: list[str], item: Item, also: tuple[str, ...] | list[str] = ()) -> Rank | None:
    """How well the item answers the words: coverage first (of the words that are not units: "a bag of mulch" needs
    no "bag"), then a name over an alias, fewer extra words, the units said, fewer extra size words, closeness."""
    best = None
    spoken = {*query, *also}
    required = [said for said in query if said not in UNITS] or query
    for is_name, name in [(1, item.name), *((0, alias) for alias in item.aliases or [])]:
        if not isinstance(name, str):
            continue
        said_words = name_words(name)
        known = frozenset(said_words)
        sizes = size_words(name)
        # Exact words first; the fuzzy comparison only for what is left.
        matched = [said for said in required if _said_in(said, known) or said in sizes]
        if not matched:
            continue
        units = sum(1 for said in query if said in UNITS and (said in known or said in sizes))
        unsaid = [word for word in said_words if word not in UNITS and word not in spoken and not any(_said_in(said, frozenset((word,))) for said in spoken)]
        extra, numbers = len(unsaid), sum(1 for word in unsaid if word.isdigit())
        size_extra = sum(1 for word in sizes if word not in spoken and word not in UNITS and not word.isdigit() and word != "per")
        coverage = len(matched) / len(required)
        # The name or an alias said exactly ("salmon", an alias of each salmon fillet): those items are what was meant.
        exact = 1 if coverage == 1 and extra == 0 else 0
        key = (coverage, exact, is_name, -numbers, -extra, units, -size_extra, fuzz.ratio(" ".join(query), " ".join(said_words)))
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
    return [_item(row) for row in rows]


def items_by_id(store: Store, ids: list[int]) -> list[Item]:
    """The active items of these ids (one query): what the dialogue state names, read fresh (price and stock)."""
    if not ids:
        return []
    item, department = InventoryItem._meta.db_table, Department._meta.db_table
    sql = (
        f"SELECT i.id, i.name, i.sku, i.aliases, i.price, i.stock_quantity, i.location, i.department_id, d.name"
        f" FROM {item} i LEFT JOIN {department} d ON d.id = i.department_id"
        f" WHERE i.store_id = %s AND i.is_active AND i.id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [store.pk, *ids])
        return [_item(row) for row in cursor.fetchall()]


def _item(row: tuple) -> Item:
    pk, name, sku, aliases, price, stock, location, department_id, department_name = row
    return Item(
        id=pk, name=name, sku=sku, aliases=json.loads(aliases) if isinstance(aliases, str) else aliases or [],
        price=price if isinstance(price, Decimal) else Decimal(str(price)).quantize(CENTS), stock_quantity=stock,
        location=location, department_id=department_id, department_name=department_name or "",
    )


def search_items(
    store: Store, content: list[str], *, limit: int = 50, version: int | None = None, base: tuple[str, ...] | list[str] = ()
) -> ItemMatch | None:
    """The best of the candidates for these words, as they are (no misspelling correction): one query.

    `base`: words of what was talked about ("pvc pipe" before "and the one inch"): every word said must still be
    accounted for, and among those that are, the item that also has these words is preferred."""
    exact, _ = _keys(content)
    query = list(dict.fromkeys(singular(word) for word in content))
    around = [word for word in dict.fromkeys(singular(word) for word in base) if word not in query]
    ranked: list[tuple[tuple, Item]] = []
    for item in candidates(store, [*content, *around], limit=limit, version=version):
        if item.sku and fold(item.sku) in exact:
            return ItemMatch(item, 1.0)
        key = _rank(query, item, around)
        if key is not None:
            near = _rank(around, item, query) if around else None
            ranked.append(((key[0], near[0] if near else 0.0, *key[1:]), item))
    if not ranked:
        return None
    ranked.sort(key=lambda row: row[0], reverse=True)
    key, item = ranked[0]
    ties = _ties(key, ranked)
    return ItemMatch(item, key[0], tuple(other for other in ties if other.id != item.id))


MAX_CHOICES = 4  # more than this many items alike: the best is answered (a caller cannot hold five options)


def _ties(best: tuple, ranked: list[tuple[tuple, Item]]) -> tuple[Item, ...]:
    """The items as good as the best for every word said, when the name said is none of theirs exactly: each has
    a word of its own (a size, a variant: "Brown Mulch", "Black Mulch") that the caller did not say.
    (A key: coverage, coverage of the base words, exact, a name, -extra numbers, -extra words, units, -extra size
    words, closeness.)"""
    if best[0] < 1 or (best[2] and best[3]):  # the very name said ("bananas"): that item
        return ()
    if best[2]:  # an alias said exactly, of several items ("salmon"): those items
        alike = [item for key, item in ranked if key[:4] == best[:4]]
    else:
        alike = [item for key, item in ranked if key[:5] == best[:5] and key[5] >= best[5] - 1 and key[6:8] == best[6:8]]
    names = list(dict.fromkeys(item.name for item in alike))
    if not 2 <= len(names) <= MAX_CHOICES:
        return ()
    return tuple(next(item for item in alike if item.name == name) for name in names)


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
