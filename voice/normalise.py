"""The first stage of a turn: the caller's words as the rest of the engine reads them, and the tests for
phrases said as whole words. No store data here.

`normalise()` folds the text (lower case, no accents), expands contractions ("what's" -> "what is"), turns
number words into digits (text2num's alpha2digit: "eighty one" -> 81, "two by fours" -> 2x4) and sizes into
the forms item names use ("three quarter inch" -> 3/4 inch, "half inch" -> 1/2 inch, "eight foot" -> 8 ft,
"triple a" -> aaa, "two hundred milligram" -> 200 mg)."""
from __future__ import annotations

import re
from functools import lru_cache

from text_to_num import alpha2digit

from store.models import fold

# Words that say nothing about which product or department: fillers, politeness, question words, and the
# words of the questions themselves ("how much is", "do you have").
STOPWORDS = set(
    """a an the and or of for to in on at is are am be was it its this that these those i me my we
    you your do does did have has had got get can could would will please um uh er ah hmm mm mhm like just so well okay ok
    yes yeah yep no nope not hi hello hey there any some much many how what where which when who why
    price prices cost costs costing priced dollars stock stocked available availability left carry sell sold selling
    find found looking look search need want wanted buy aisle aisles shelf located location
    right now today currently still also very really kind sort one ones bit little tell know check see
    about with from into by if than then them they their our us guys guy folks yall order ordering
    sorry oh actually quick question wondering wonder ask asking excuse pardon sure great thanks thank perfect
    alright all im id ill ive dont doesnt whats wheres thats theres full regular normal plain again keep
    el la los las de del un una unos unas por favor que cuanto cuesta cuestan tienen tiene hay donde esta estan busco quiero precio
    kya hai hain ka ki ke kitne kitna kitni mein me milega milegi chahiye aap apke paas mujhe koi kahan""".split()
)
# Words of measure and packaging: they pick among an item's sizes when said, and a name need not hold them.
UNITS = set(
    """gallon gallons pack packs lb lbs oz ft inch mg ct piece pieces bag bags box boxes sheet sheets loaf loaves
    dozen each bunch head pint quart jar bottle bottles can cans count size amp cu ml liter litre
    kg g v w watt pound pounds foot feet ounce large small medium jumbo mini regular""".split()
)

CONTRACTIONS = [
    (re.compile(r"\b(can|won|don|doesn|didn|isn|aren|wasn|weren|haven|hasn|couldn|wouldn|shouldn|ain)['’]t\b"), lambda m: {"can": "can", "won": "will", "ain": "is"}.get(m[1], m[1][:-1] if m[1].endswith("n") else m[1]) + " not"),
    (re.compile(r"\b(what|where|that|it|there|here|who|how|he|she|let)['’]s\b"), lambda m: m[1] + (" us" if m[1] == "let" else " is")),
    (re.compile(r"\bi['’]m\b"), lambda m: "i am"),
    (re.compile(r"\b(\w+)['’]re\b"), lambda m: m[1] + " are"),
    (re.compile(r"\b(\w+)['’]ve\b"), lambda m: m[1] + " have"),
    (re.compile(r"\b(\w+)['’]ll\b"), lambda m: m[1] + " will"),
    (re.compile(r"\b(\w+)['’]d\b"), lambda m: m[1] + " would"),
]
# "one" and "ones" are a number before a measure ("the one inch"), otherwise a pronoun ("the milwaukee one").
PRONOUN_ONE = re.compile(r"\b(ones?|first|second)\b(?!\s+(?:inch|inches|foot|feet|ft|gallon|gallons|pound|pounds|lb|ounce|ounces|oz|by|and a half|percent|quarter|half|hundred|thousand|mm|milligrams?|amp|amps|cubic|liter|litre|dozen|piece|pack)\b)")
MASK = "qqpronoun"
UNIT_WORDS = [
    (re.compile(r"\b(\d+) (?:foot|feet)\b"), r"\1 ft"),
    (re.compile(r"\b(\d+)-?(?:ft|feet|foot)\b"), r"\1 ft"),
    (re.compile(r"\binches\b"), "inch"),
    (re.compile(r"\b(\d+) ?(?:milligrams?|mgs)\b"), r"\1 mg"),
    (re.compile(r"\b(\d+) ?(?:pounds?|lbs)\b"), r"\1 lb"),
    (re.compile(r"\b(\d+) ?(?:ounces?)\b"), r"\1 oz"),
    (re.compile(r"\bcubic (?:feet|foot|ft)\b"), "cu ft"),
    (re.compile(r"\b(\d+) ?(?:amps?)\b"), r"\1 amp"),
    (re.compile(r"\b(\d+) ?(?:volts?)\b"), r"\1v"),
    (re.compile(r"\b(\d+) ?(?:watts?)\b"), r"\1w"),
]
FRACTIONS = [
    (re.compile(r"\b(\d+) and (?:a|one) half\b"), r"\1-1/2"),
    (re.compile(r"\b(\d+) and (?:a|one) quarter\b"), r"\1-1/4"),
    (re.compile(r"\b(\d+) quarters?(?: of an?)?\b"), r"\1/4"),
    (re.compile(r"\b(?:a|one) quarter(?: of an?)?\b(?= inch)"), "1/4"),
    (re.compile(r"\b(\d+) (\d+)(?:th|ths|nds|rds)\b"), r"\1/\2"),
    (re.compile(r"\b(?:a |one )?half (?:an? )?(?=inch\b)"), "1/2 "),
    (re.compile(r"\b(\d+) ?(?:by|x) ?(\d+)s?\b"), r"\1x\2"),
    (re.compile(r"\bdouble ([a-z])\b"), r"\1\1"),
    (re.compile(r"\btriple ([a-z])\b"), r"\1\1\1"),
]


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


def _expand(text: str) -> str:
    for pattern, repl in CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text.replace("'", "").replace("’", "")


@lru_cache(maxsize=4096)
def _number_plural(word: str) -> str:
    """'fours' -> 'four', 'sixes' -> 'six' (a number word made plural), any other word as it is."""
    for cut in (1, 2):
        stem = word[:-cut]
        if len(stem) >= 3 and alpha2digit(stem, "en", threshold=0).isdigit():
            return stem
    return word


@lru_cache(maxsize=4096)
def _digits(text: str) -> str:
    text = " ".join(_number_plural(word) if word.endswith("s") else word for word in text.split())
    masked = PRONOUN_ONE.sub(lambda m: MASK + m[1], text)
    converted = alpha2digit(masked, "en", threshold=0)
    return re.sub(MASK + r"(\w+)", r"\1", converted)


@lru_cache(maxsize=8192)
def normalise(speech: str) -> str:
    """The utterance as the engine reads it: folded words, one space apart, numbers and sizes as item names write them."""
    text = " ".join(re.findall(r"[^\W_]+(?:['’][^\W_]+)?", _expand_apostrophes(fold(speech or ""))))
    text = _expand(text)
    if not text:
        return ""
    text = _digits(text)
    for pattern, repl in UNIT_WORDS:
        text = pattern.sub(repl, text)
    for pattern, repl in FRACTIONS:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def _expand_apostrophes(text: str) -> str:
    return text


def singular(word: str) -> str:
    """Good enough for speech: berries -> berry, tomatoes -> tomato, eggs -> egg; not 'glass' or 'hummus'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("oes", "ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The words of a normalised text as matching reads them: fractions and sizes ("3/4", "2-1/2") split at their marks."""
    return re.findall(r"[^\W_]+", text)


def content_words(text: str) -> list[str]:
    """The words that can name a product or department: no fillers, no question words, no stray letters."""
    return [word for word in tokens(text) if (len(word) > 1 or word.isdigit()) and word not in STOPWORDS]


def phrases(text: str) -> tuple[str, ...]:
    """A comma-separated list of phrases, normalised as speech is."""
    return tuple(dict.fromkeys(normal for phrase in text.split(",") if (normal := normalise(phrase.strip()))))


@lru_cache(maxsize=256)
def _any_of(options: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for the phrases, each as whole words."""
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(re.escape(phrase) for phrase in options)})(?![^\W_])")


def said(text: str, options: tuple[str, ...]) -> bool:
    """Whether one of the phrases is in the text as whole words."""
    return bool(options) and _any_of(options).search(text) is not None


def find(text: str, options: tuple[str, ...]) -> re.Match[str] | None:
    """The first of the phrases in the text, as whole words."""
    return _any_of(options).search(text) if options else None
