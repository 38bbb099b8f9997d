"""Headers as real exports write them, turned into words: run together (`occurrencedate`), camelCase, padded, with digits
(`Date1`), misspelled (`Y Cordinate`); and how alike two headers are, to find a renamed column again."""
from __future__ import annotations

import re
from functools import lru_cache

NUMBER_WORDS = {"#": "number", "no": "number", "num": "number", "nbr": "number", "nr": "number"}
FUZZY_CUTOFF = 90  # rapidfuzz ratio (0-100) for a misspelled word: 'cordinate' ~ 'coordinate' 95, 'reporter' ~ 'reported' 88 (not taken)
FUZZY_MIN_LEN = 6  # shorter words are too easily one letter from another word
DOMAIN_COST = 2.0  # a header word of the rules costs as little as the commonest English word, so 'nibrscode' splits as 'nibrs code'


def basic_words(h: str) -> list[str]:
    """Lower-case words: camelCase apart, punctuation and '_' as spaces, '#' 'no' 'num' as 'number'."""
    s = str(h).replace("\ufeff", "").replace("#", " # ")
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    s = re.sub(r"[^a-z0-9#]+", " ", s.lower())
    return [NUMBER_WORDS.get(t, t) for t in s.split()]


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset, dict[str, str], tuple[str, ...]]:
    """(the words of every header synonym and rule, squashed phrase -> phrase, fuzzy choices): all from suggest_rules.toml."""
    from .suggest_columns import rules

    r = rules()
    phrases: set[str] = set()
    for ds in r["datasets"].values():
        for fs in ds["fields"].values():
            for key in ("strong", "weak", "avoid"):
                phrases.update(fs.get(key, []))
    for key, words in r["date_parts"].items():
        phrases.update(words)
    p = r["personal"]
    phrases.update(p["tokens"] + p["phrases"] + p["name_tokens"] + p["place_words"])
    phrases.update(r.get("headers", {}).get("words", []))
    for fs in r.get("clery", {}).get("fields", {}).values():
        for key in ("strong", "weak"):
            phrases.update(fs.get(key, []))
    for stage in r.get("date_stages", {}).values():
        phrases.update(stage)
    normal = {" ".join(basic_words(x)) for x in phrases}
    words = frozenset(w for x in normal for w in x.split() if w.isalnum() and not w.isdigit())
    squashed: dict[str, str] = {}
    for x in sorted(normal, key=lambda x: (-len(x.split()), x)):  # 'incident date time' before 'incident datetime': one answer, every run
        if " " in x:
            squashed.setdefault(x.replace(" ", ""), x)
    choices = tuple(sorted({w for w in words if len(w) >= FUZZY_MIN_LEN - 1} | set(squashed)))
    return words, squashed, choices


@lru_cache(maxsize=1)
def _splitter():
    """wordninja's English word-frequency model, with the rules' header words made as cheap as its commonest words."""
    import wordninja

    base = wordninja.DEFAULT_LANGUAGE_MODEL
    lm = wordninja.LanguageModel.__new__(wordninja.LanguageModel)
    lm._wordcost = dict(base._wordcost)
    for w in _vocabulary()[0]:
        lm._wordcost[w] = min(lm._wordcost.get(w, DOMAIN_COST), DOMAIN_COST)
    lm._maxword = max(base._maxword, *(len(w) for w in _vocabulary()[0]))
    return lm


def _is_english(word: str) -> bool:
    return word in _splitter()._wordcost


def _split(word: str) -> list[str] | None:
    """A run-together word as words ('occurrencedate' -> occurrence date), or None when the only split leaves stray letters."""
    pieces = [p.lower() for p in _splitter().split(word)]
    if len(pieces) < 2:
        return None
    for i, piece in enumerate(pieces):
        if len(piece) == 1 and not piece.isdigit() and not (i == 0 and piece in "xyz"):
            return None
    return pieces


@lru_cache(maxsize=8192)
def _expand(word: str) -> tuple[str, ...]:
    words, squashed, choices = _vocabulary()
    if len(word) <= 3 or word.isdigit() or word in words:
        return (word,)
    if word in squashed:  # a synonym written run together: 'dateoccurred'
        return tuple(squashed[word].split())
    if len(word) >= FUZZY_MIN_LEN:
        from rapidfuzz import fuzz, process

        hit = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if hit:  # a misspelled word or run-together synonym: 'cordinate', 'dateocurred'
            return tuple(squashed.get(hit[0], hit[0]).split())
    if _is_english(word):
        return (word,)
    return tuple(_split(word) or (word,))


@lru_cache(maxsize=16384)
def header_words(h: str) -> tuple[str, ...]:
    """A header as the words it means: 'occurrencedate' -> (occurrence, date), 'Y Cordinate' -> (y, coordinate),
    ' UCR Code' -> (ucr, code), 'Case #' -> (case, number)."""
    out: list[str] = []
    for w in basic_words(h):
        out.extend(NUMBER_WORDS.get(x, x) for x in _expand(w))
    return tuple(out)


def similarity(a: str, b: str) -> float:
    """How alike two headers are, 0 to 1, by the words they mean: 'IncidentDate' and 'Incident Date ' are 1.0, 'Date of
    Incident' and 'Incident Date' 0.9, 'Call ID' and 'ID' 0.44 (a word more is another column, not the same one renamed).
    Word order counts little (token sort ratio)."""
    from rapidfuzz import fuzz

    wa, wb = " ".join(header_words(a)), " ".join(header_words(b))
    if not wa or not wb:
        return 0.0
    if wa == wb:
        return 1.0
    return max(fuzz.ratio(wa, wb), fuzz.token_sort_ratio(wa, wb)) / 100
