"""The store's FAQ as the voice agent reads it: which active entry a caller's words ask about.

Each entry is ranked on its keywords (the owner's words for it: "refund", "bring back"), its question
and, to break ties, its answer, with rapidfuzz (small misspellings and word forms: "delivering",
"applying"). A keyword phrase whose every word was said is the strongest sign; a question said nearly
as written comes next. Entries are cached under the store's data version (voice.selectors), so an
edit on the FAQ page is heard on the next turn and a turn costs no query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from store.models import Faq, Store, fold
from voice import selectors

# Words that carry no topic: question words, fillers, pronouns (a topic word such as "open" stays).
STOPWORDS = frozenset(
    """a an the and or of for to in on at is are am be was it its this that these those i im me my we you your
    do does did have has had got get can could would will should please um uh er ah hmm like just so well okay ok
    yes yeah no hi hello hey there any some how what where which when who why whats wheres
    about with from into by if than then them they their our us guys guy folks yall also really kind sort
    tell know wanted want wondering question ask asking quick one thing sorry thanks thank""".split()
)
STRONG, WEAK = 90.0, 80.0
# Endings that keep a word's sense: deliver/delivery/delivering, park/parking, apply/applying (not open/openings).
INFLECTIONS = frozenset({"s", "es", "d", "ed", "er", "ers", "ing", "y", "ery", "ies", "ment", "ments"})


@dataclass(frozen=True)
class FaqEntry:
    id: int
    question: str
    answer: str
    keywords: tuple[tuple[str, ...], ...]  # each phrase as its words
    question_words: tuple[str, ...]
    answer_words: frozenset[str]


@dataclass(frozen=True)
class FaqMatch:
    faq: FaqEntry
    score: float
    # A keyword phrase of the owner's was said whole (or a question nearly word for word): it outranks
    # a product or department that the same words could name ("do you cut keys" is not Lumber).
    strong: bool


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text).replace("'", "").replace("’", ""))


def topic_words(text: str) -> list[str]:
    return [word for word in words(text) if word not in STOPWORDS]


@lru_cache(maxsize=4096)
def _entry(pk: int, question: str, answer: str, keywords: tuple[str, ...]) -> FaqEntry:
    phrases = tuple(tuple(words(keyword)) for keyword in keywords if words(keyword))
    return FaqEntry(pk, question, answer, phrases, tuple(topic_words(question)), frozenset(topic_words(answer)))


def entry_of(faq: Faq) -> FaqEntry:
    return _entry(faq.pk, faq.question, faq.answer, tuple(str(k) for k in faq.keywords or []))


def store_faqs(store: Store, *, version: int | None = None) -> tuple[FaqEntry, ...]:
    """The store's active FAQ entries, as of its last change (loaded and cached with its other data, voice.selectors)."""
    return tuple(_entry(*row) for row in selectors.store_data(store, version=version).faqs)


@lru_cache(maxsize=1 << 14)
def same_word(said: str, known: str) -> bool:
    """The same word, a form of it (deliver/delivering, park/parking) or a near misspelling."""
    if said == known:
        return True
    short, long = sorted((said, known), key=len)
    if len(short) >= 3 and long.startswith(short) and long[len(short):] in INFLECTIONS:
        return True
    if len(short) >= 4 and short.endswith("e") and long.startswith(short[:-1]) and long[len(short) - 1:] in INFLECTIONS:
        return True  # hire / hiring, exchange / exchanging
    return min(len(said), len(known)) >= 5 and fuzz.ratio(said, known) >= 88


def _has_phrase(said: list[str], phrase: tuple[str, ...]) -> bool:
    return all(any(same_word(word, known) for word in said) for known in phrase)


def score(entry: FaqEntry, said_all: list[str], said_topic: list[str]) -> tuple[float, bool]:
    """How well the words ask this entry (0-100+) and whether the sign is strong."""
    best = 0.0
    strong = False
    for phrase in entry.keywords:
        if _has_phrase(said_all, phrase):
            # Longer phrases say more ("pharmacy hours" over "hours"); a one-word keyword is a plain sign.
            best = max(best, STRONG + 3 * (len(phrase) - 1) if len(phrase) > 1 else WEAK + 8)
            strong = strong or len(phrase) > 1 or len(phrase[0]) >= 3
    if said_topic and entry.question_words:
        question = fuzz.token_set_ratio(" ".join(said_topic), " ".join(entry.question_words))
        covered = sum(any(same_word(word, known) for known in entry.question_words) for word in said_topic) / len(said_topic)
        if covered == 1 and question >= STRONG and len(said_topic) >= 2:
            strong = True
        best = max(best, question * min(1.0, 0.5 + covered / 2))
    # The answer only breaks ties: its words are many and common.
    if said_topic and best:
        best += sum(word in entry.answer_words for word in said_topic) / len(said_topic)
    return best, strong


def best_faq(store: Store, text: str, *, version: int | None = None, entries: tuple[FaqEntry, ...] | None = None) -> FaqMatch | None:
    """The active entry the words ask about, or None when none clears the bar (80 of 100)."""
    entries = store_faqs(store, version=version) if entries is None else entries
    if not entries:
        return None
    said_all, said_topic = words(text), topic_words(text)
    ranked = sorted(((score(entry, said_all, said_topic), entry) for entry in entries), key=lambda pair: (-pair[0][0], pair[1].id))
    (top, strong), entry = ranked[0]
    return FaqMatch(entry, top, strong) if top >= WEAK else None
