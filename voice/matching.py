"""Finding what a caller means in the store's data, tolerating speech recognition's noise:
plurals, filler words and small misspellings (rapidfuzz scores the candidates)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Min, Q
from rapidfuzz import fuzz, process

from store.models import Department, InventoryItem, InventoryWord, Store, fold

# Words that say nothing about which product or department: fillers, question words, and the
# words of the questions themselves ("how much is", "do you have").
STOPWORDS = set(
    """a an the and or of for to in on at is are am be was it its it's this that these those i i'm im me my we
    you your do does did have has had got get can could would will please um uh er ah hmm like just so well okay ok
    yes yeah no not hi hello hey there any some much many how what where which when who why
    price prices cost costs costing priced dollars stock stocked available availability left carry sell sold selling
    find found looking look search need want wanted buy aisle aisles shelf located location where's whats what's
    right now today currently still also very really kind sort one ones bit little tell know check see
    about with from into by if than then them they their our us guys guy folks yall order ordering
    gallon pack
    el la los las de del un una unos unas por favor que cuanto cuesta cuestan tienen tiene hay donde esta estan busco quiero precio
    kya hai hain ka ki ke kitne kitna kitni mein me milega milegi chahiye aap apke paas mujhe koi kahan""".split()
)
# Words that name the kind of place, not which one ("the pharmacy department").
GENERIC_DEPARTMENT_WORDS = {"department", "dept", "section", "counter", "desk", "services", "service", "and", "goods", "supplies", "products"}


SIZE = re.compile(r"\((?=[^)]*(?:\d|\b(?:per|each|dozen|loaf|bunch|head|pint|quart|gallon|half|jar|bag|pack|box)\b))[^)]*\)", re.I)


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


def singular(word: str) -> str:
    """Good enough for speech: berries -> berry, tomatoes -> tomato, eggs -> egg; not 'glass' or 'hummus'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("oes", "ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The words that can name a product or department: no fillers, no question words, no stray letters."""
    return [word for word in words(text) if len(word) > 1 and word not in STOPWORDS and (not word.isdigit() or len(word) > 3)]


def _phrase_in(phrase: str, text: str) -> bool:
    return bool(phrase) and re.search(rf"(?<![^\W_]){re.escape(phrase)}(?![^\W_])", text) is not None


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


def match_department(departments: list[Department], text: str) -> DepartmentMatch | None:
    """The department the words name: a name or keyword phrase (100), one of their words (90), a near spelling (80)."""
    folded = " ".join(singular(word) for word in words(text))
    spoken = set(folded.split())
    best: DepartmentMatch | None = None
    for dept in departments:
        phrases = [" ".join(singular(w) for w in words(phrase)) for phrase in [dept.name, *(dept.keywords or [])]]
        known = {word for phrase in phrases for word in phrase.split()} - GENERIC_DEPARTMENT_WORDS - STOPWORDS
        used = frozenset(said for said in spoken if any(_close(said, word) for word in known))
        if any(_phrase_in(phrase, folded) for phrase in phrases):
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


@dataclass(frozen=True)
class ItemMatch:
    item: InventoryItem
    # The share of the caller's words the item's name (or an alias) accounts for.
    coverage: float


def _keys(content: list[str]) -> tuple[set[str], set[str]]:
    exact = {word for said in content for word in (said, singular(said))}
    # Misspellings keep their first letters: "avacado" finds "avocado" by "ava".
    prefixes = {singular(said)[: 3 if len(said) >= 6 else 4] for said in content if len(said) >= 5}
    return exact, prefixes


def _rank(query: list[str], item: InventoryItem) -> tuple[float, int, int, float] | None:
    """How well the item answers the words: coverage first, then a name over an alias, fewer extra words, closeness."""
    best = None
    for is_name, name in [(1, item.name), *((0, alias) for alias in item.aliases or [])]:
        # Sizes in brackets ("(per lb)", "(12 oz)") are not what a caller names; "(Whole Wheat)" is.
        name_words = [singular(word) for word in words(SIZE.sub(" ", name))]
        known = set(name_words)
        # Exact words first; the fuzzy comparison only for what is left.
        matched = [said for said in query if said in known or any(_close(said, word) for word in known)]
        if not matched:
            continue
        spoken = set(query)
        extra = sum(1 for word in name_words if word not in spoken and not any(_close(said, word) for said in spoken))
        key = (len(matched) / len(query), is_name, -extra, fuzz.ratio(" ".join(query), " ".join(name_words)))
        best = key if best is None or key > best else best
    return best


def corrected(store: Store, content: list[str]) -> list[str]:
    """The words with misspellings replaced by the nearest word of the store's index ("avacado" -> "avocados")."""
    candidates = [said for said in content if len(said) >= 5]
    # A word the store knows is not a misspelling: one query rules those out.
    known_words = set(InventoryWord.objects.filter(store=store, word__in=candidates).values_list("word", flat=True).distinct()) if candidates else set()
    fixed = []
    for said in content:
        best = None
        if said in candidates and said not in known_words:
            near = InventoryWord.objects.filter(store=store, word__startswith=said[:2]).values_list("word", flat=True).distinct()[:3000]
            best = process.extractOne(said, list(near), scorer=fuzz.ratio, score_cutoff=80)
        fixed.append(best[0] if best else said)
    return fixed


def match_item(store: Store, content: list[str], *, limit: int = 50, correct: bool = True) -> ItemMatch | None:
    """The item the caller means: candidates from the word index, ranked by how many of the words it explains."""
    if not content:
        return None
    found = _match_item(store, content, limit=limit)
    if correct and (found is None or found.coverage < 1):
        # Only on a miss: one query per word for the store's nearest spellings, then once more.
        retry = corrected(store, content)
        if retry != content:
            second = _match_item(store, retry, limit=limit)
            if second is not None and (found is None or second.coverage > found.coverage):
                return second
    return found


def _match_item(store: Store, content: list[str], *, limit: int) -> ItemMatch | None:
    exact, prefixes = _keys(content)
    condition = Q(word__in=exact)
    for prefix in prefixes:
        condition |= Q(word__startswith=prefix)
    # Items sharing the most words with the question first, then the shortest names (the plain
    # "Milk" before "Organic Chocolate Milk"): a cheap ranking in the database.
    top = (
        InventoryWord.objects.filter(condition, store=store)
        .values("item_id")
        .annotate(hits=Count("id"), size=Min("name_words"))
        .order_by("-hits", "size", "item_id")[:limit]
    )
    # Only what ranking and the answer need: the voice turn's budget is a few milliseconds.
    candidates = (
        InventoryItem.objects.filter(pk__in=[row["item_id"] for row in top], is_active=True)
        .select_related("department")
        .only("store_id", "name", "sku", "aliases", "price", "stock_quantity", "location", "department__name")
    )
    query = list(dict.fromkeys(singular(word) for word in content))
    ranked: list[tuple[tuple[float, int, int, float], InventoryItem]] = []
    for item in candidates:
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
# always read fresh. Kept in the cache (Redis when REDIS_URL is set), keyed by store.
HINTS_TTL = 60


def hints_for(store: Store, *, items: int = 40) -> list[str]:
    """Speech hints: department names and keywords, and the best-stocked products' names."""
    key = f"voice:hints:{store.pk}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    hints: list[str] = []
    for name, keywords in Department.objects.filter(store=store, is_active=True).values_list("name", "keywords"):
        hints.append(name)
        hints.extend(keywords or [])
    names = InventoryItem.objects.filter(store=store, is_active=True).order_by("-stock_quantity", "id").values_list("name", flat=True)[:items]
    hints.extend(re.sub(r"\s*\(.*?\)", "", name) for name in names)
    found = list(dict.fromkeys(hint[:100] for hint in hints if hint))
    cache.set(key, found, HINTS_TTL)
    return found
