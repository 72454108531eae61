"""Finding what a caller means in the store's data, tolerating speech recognition's noise:
plurals, filler words and small misspellings (rapidfuzz scores the candidates)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from rapidfuzz import fuzz

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
    about with from into by if than then them they their our us
    gallon pack
    el la los las de del un una unos unas por favor que cuanto cuesta cuestan tienen tiene hay donde esta estan busco quiero precio
    kya hai hain ka ki ke kitne kitna kitni mein me milega milegi chahiye aap apke paas mujhe koi kahan""".split()
)
# Words that name the kind of place, not which one ("the pharmacy department").
GENERIC_DEPARTMENT_WORDS = {"department", "dept", "section", "counter", "desk", "services", "service", "and", "goods", "supplies", "products"}


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
    return [word for word in words(text) if word not in STOPWORDS and not word.isdigit() or (word.isdigit() and len(word) > 3)]


def _phrase_in(phrase: str, text: str) -> bool:
    return bool(phrase) and re.search(rf"(?<![^\W_]){re.escape(phrase)}(?![^\W_])", text) is not None


@dataclass(frozen=True)
class DepartmentMatch:
    department: Department
    score: int


def match_department(departments: list[Department], text: str) -> DepartmentMatch | None:
    """The department the words name: by name, keyword or synonym, then by a near spelling."""
    folded = " ".join(words(text))
    spoken = {singular(word) for word in words(text)}
    best: DepartmentMatch | None = None
    for dept in departments:
        phrases = [" ".join(words(dept.name))] + [" ".join(words(keyword)) for keyword in dept.keywords or []]
        name_words = {singular(word) for word in words(dept.name)} - GENERIC_DEPARTMENT_WORDS - STOPWORDS
        keyword_words = {singular(word) for keyword in dept.keywords or [] for word in words(keyword)} - STOPWORDS
        if any(_phrase_in(phrase, folded) for phrase in phrases) or any(_phrase_in(singular(p), " ".join(sorted(spoken))) for p in phrases if " " not in p):
            score = 100
        elif (name_words | keyword_words) & spoken:
            score = 90
        else:
            close = max(
                (fuzz.ratio(said, known) for said in spoken if len(said) >= 5 for known in name_words | keyword_words if len(known) >= 5),
                default=0,
            )
            score = 80 if close >= 80 else 0
        if score and (best is None or score > best.score):
            best = DepartmentMatch(dept, score)
    return best


@dataclass(frozen=True)
class ItemMatch:
    item: InventoryItem
    score: float


def _keys(content: list[str]) -> tuple[set[str], set[str]]:
    exact = {word for said in content for word in (said, singular(said))}
    prefixes = {singular(said)[:4] for said in content if len(said) >= 5}
    return exact, prefixes


def match_item(store: Store, content: list[str], *, limit: int = 60) -> ItemMatch | None:
    """The item the caller means: candidates from the word index, ranked by rapidfuzz."""
    if not content:
        return None
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
    candidates = InventoryItem.objects.filter(pk__in=[row["item_id"] for row in top], is_active=True).select_related("department")
    query = " ".join(content)
    ranked: list[tuple[tuple[float, float, int], InventoryItem]] = []
    for item in candidates:
        if item.sku and fold(item.sku) in exact:
            return ItemMatch(item, 100.0)
        names = [fold(item.name)] + [fold(alias) for alias in item.aliases or []]
        item_words = {singular(word) for name in names for word in words(name)}
        # At least one word must be the same or nearly so, or "bread" would match "breadcrumbs" by prefix.
        if not any(singular(said) in item_words or max((fuzz.ratio(singular(said), known) for known in item_words), default=0) >= 80 for said in content):
            continue
        score = max(fuzz.token_set_ratio(query, " ".join(singular(w) for w in words(name))) for name in names)
        # Ties go to the name closest to what was said, then to the shorter name.
        closeness = max(fuzz.token_sort_ratio(query, name) for name in names)
        ranked.append(((score, closeness, -len(item.name)), item))
    if not ranked:
        return None
    (score, _, _), item = max(ranked, key=lambda row: row[0])
    return ItemMatch(item, score) if score >= 70 else None


def hints_for(store: Store, *, items: int = 40) -> list[str]:
    """Speech hints: department names and keywords, and the best-stocked products' names."""
    hints: list[str] = []
    for name, keywords in Department.objects.filter(store=store, is_active=True).values_list("name", "keywords"):
        hints.append(name)
        hints.extend(keywords or [])
    names = InventoryItem.objects.filter(store=store, is_active=True).order_by("-stock_quantity", "id").values_list("name", flat=True)[:items]
    hints.extend(re.sub(r"\s*\(.*?\)", "", name) for name in names)
    return list(dict.fromkeys(hint[:100] for hint in hints if hint))
