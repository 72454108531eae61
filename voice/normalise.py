"""The first stage of a turn: the caller's words as the rest of the engine reads them (folded, split into
words, plurals made singular) and the tests for phrases said as whole words. No store data here."""
from __future__ import annotations

import re
from functools import lru_cache

from store.models import fold

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
    sorry thanks thank keep wondering actually
    el la los las de del un una unos unas por favor que cuanto cuesta cuestan tienen tiene hay donde esta estan busco quiero precio
    kya hai hain ka ki ke kitne kitna kitni mein me milega milegi chahiye aap apke paas mujhe koi kahan""".split()
)


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


# A unit said after a number, as item names abbreviate it ("10 ounce" is "10 oz", as in "Extension Cord 50 ft").
UNITS = {
    "ounce": "oz", "ounces": "oz", "pound": "lb", "pounds": "lb", "lbs": "lb", "foot": "ft", "feet": "ft", "milliliter": "ml",
    "milliliters": "ml", "liter": "l", "liters": "l", "count": "ct", "inches": "inch", "gallons": "gallon", "quarts": "quart",
}  # fmt: skip


UNIT_WORDS = frozenset(UNITS.values()) | {"oz", "fl"}


def normalise(speech: str) -> str:
    """The utterance as the engine reads it: folded words, one space apart, a unit after a number as names write it."""
    said = words(speech)
    return " ".join(UNITS.get(word, word) if index and said[index - 1].isdigit() else word for index, word in enumerate(said))


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


def phrases(text: str) -> tuple[str, ...]:
    """A comma-separated list of phrases, folded."""
    return tuple(fold(phrase.strip()) for phrase in text.split(",") if phrase.strip())


@lru_cache(maxsize=256)
def _any_of(options: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for the phrases, each as whole words."""
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(re.escape(phrase) for phrase in options)})(?![^\W_])")


def said(text: str, options: tuple[str, ...]) -> bool:
    """Whether one of the phrases is in the text as whole words."""
    return bool(options) and _any_of(options).search(text) is not None
