"""Free-text privacy scanner: finds emails, phone numbers, exact addresses, postcodes and personal names."""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from phonenumbers import Leniency, PhoneNumberMatcher

WORDS_FILE = Path(__file__).with_name("scanner_words.toml")
PHONE_REGIONS = ("US", "CA", "GB")
KINDS = ("email", "phone", "address", "postcode", "name")


class Hit(NamedTuple):
    """One finding: what kind, the text matched, and where (text[start:end] == match)."""

    kind: str
    match: str
    start: int
    end: int


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _lower(words: Iterable[str]) -> set[str]:
    return {w.lower() for w in words}


_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*|\d+|[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s?$")
_ORDINAL = re.compile(r"^\d(?:st|nd|rd|th)$", re.IGNORECASE)
_ORDINAL_ANY = re.compile(r"^\d+(?:st|nd|rd|th)?$", re.IGNORECASE)
_SUFFIX_WORDS = {"jr", "sr", "ii", "iii", "iv"}
# short street types that are also surnames: still names after a title ("Officer Lane")
_SURNAME_LIKE = {"way", "lane", "line", "loop", "pike", "cove", "quay", "wynd", "mews", "row", "gate", "bay",
                 "glen", "dale", "end", "run", "view", "path", "yard", "walk", "park", "hill", "rise", "vale",
                 "mount", "hall", "field", "green", "close", "brook", "court"}
_LOOKS_NUMERIC_END = r"(?![\w/-]|\.\d)"


class Scanner:
    """A scanner built from a word-list file (default gate/scanner_words.toml)."""

    def __init__(self, words_file: Path | str = WORDS_FILE):
        with open(words_file, "rb") as fh:
            w = tomllib.load(fh)
        self.words = w
        # the batches of a long file hold the same texts again and again (blocks): each is scanned once a process
        self._scan_memo = lru_cache(maxsize=1 << 16)(self.scan)
        t, c, s, e = w["titles"], w["context"], w["streets"], w["email"]
        self.titles = {x.lower(): x for x in t["words"]}
        self.titles_lower_ok = _lower(t["lowercase_ok"])
        self.titles_exact = set(t["exact_case"])
        self.ctx_before = _lower(c["before"])
        self.ctx_before_sentence = _lower(c["before_sentence_case"])
        self.ctx_after = _lower(c["after"])
        self.fillers = _lower(c["fillers"])
        self.person_nouns = _lower(c["person_nouns"])
        self.particles = _lower(c["name_particles"])
        self.not_names = _lower(w["not_names"]["words"]) | self.ctx_before | self.ctx_before_sentence | self.ctx_after
        self.ambiguous = _lower(s["ambiguous_suffixes"]) | _lower(s["french_ambiguous_types"])
        self.count_preceders = _lower(s["count_preceders"])
        self.count_followers = _lower(s["count_followers"])
        self.event_words = _lower(s["event_words"])
        self.locational = _lower(s["locational"])
        self.street_types = _lower(s["suffixes"]) | _lower(s["ambiguous_suffixes"])
        self.street_titles = {"dr", "st"}  # abbreviations that are titles or street types
        self.street_abbrevs = {x for x in self.street_types if len(x) <= 4} - _SURNAME_LIKE
        self.not_local = _lower(e["not_local_parts"])
        self.providers = _lower(e["mail_providers"])
        self._compile(s, e)

    # ------------------------------------------------------------------------------ patterns
    def _compile(self, s: dict, e: dict) -> None:
        house = r"\d{1,6}(?:[A-WYZa-wyz](?![A-Za-z]))?(?:\s?[-–]\s?\d{1,6}(?:[A-WYZa-wyz](?![A-Za-z]))?)?(?:\s+1/2)?"
        before = r"(?<![\w$£€#.,:/+-])"
        stop = _alt(s["not_street_words"])
        word = rf"(?!(?:{stop})(?![\w'’-]))(?:\d{{1,3}}(?:st|nd|rd|th)|[^\W\d_][\w'’.-]*)"
        suffixes = _alt(list(s["suffixes"]) + list(s["ambiguous_suffixes"]))
        dirs = _alt(s["directions"])
        self.re_address = re.compile(
            rf"{before}(?P<num>{house}),?\s+(?:(?:{dirs})\.?\s+)?(?P<name>(?:{word}\s+){{0,3}}{word})\s+"
            rf"(?P<suffix>{suffixes})\.?(?![\w'’-])",
            re.IGNORECASE,
        )
        ftypes = _alt(list(s["french_types"]) + list(s["french_ambiguous_types"]))
        self.re_address_fr = re.compile(
            rf"{before}(?P<num>\d{{1,6}}[A-Za-z]?),?\s+(?P<suffix>(?i:{ftypes}))\.?\s+"
            r"(?:(?i:de\s+la|de\s+l['’]|du|des|de|d['’]|la|le|les)\s*)?(?P<name>[A-ZÀ-ÖØ-Þ][\w'’-]+)"
        )
        self.re_pobox = re.compile(r"\b(?:P\.?\s?O\.?\s*|Post\s+Office\s+)Box\s+#?\d+", re.IGNORECASE)
        self.re_uk_postcode = re.compile(
            r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?(?P<inward>\d[ABD-HJLNP-UW-Z]{2}))(?![\w])",
            re.IGNORECASE,
        )
        self.re_ca_postcode = re.compile(
            r"(?<![\w])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w])", re.IGNORECASE
        )
        # emails: plain, and obfuscated ("name at domain dot com", "name [at] domain [dot] com")
        self.re_email = re.compile(
            r"(?<![\w.%+-])[A-Za-z0-9._%+-]+\s?@\s?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
        )
        at = r"(?:\s*[\[\(\{<]\s*at\s*[\]\)\}>]\s*|\s+at\s+)"
        dot = r"(?:\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*|\s+dot\s+|\.)"
        label = r"[A-Za-z0-9-]+"
        self.re_email_obf = re.compile(
            rf"(?<![\w.%+-])(?P<local>[A-Za-z0-9_%+-]+(?:{dot}[A-Za-z0-9_%+-]+)*)(?P<at>{at})"
            rf"(?P<domain>{label}(?:{dot}{label})*){dot}(?P<tld>{_alt(e['tlds'])})(?![\w-])",
            re.IGNORECASE,
        )
        self.re_obf_marker = re.compile(r"[\[\(\{<]\s*(?:at|dot)\s*[\]\)\}>]|\sdot\s", re.IGNORECASE)
        # phone safety net, for numbers phonenumbers calls invalid (fictional 555 / Ofcom drama ranges)
        self.re_nanp = re.compile(
            r"(?<![\w/.+-])(?:\+?1[\s.-]?)?(?:\(\s?[2-9]\d{2}\s?\)\s?|[2-9]\d{2}[\s.-]?)\d{3}[\s.-]?\d{4}" + _LOOKS_NUMERIC_END
        )
        self.re_nanp7 = re.compile(r"(?<![\w/.:+-])(?P<a>[2-9]\d{2})[-.](?P<b>\d{4})" + _LOOKS_NUMERIC_END)
        self.re_uk_phone = re.compile(
            r"(?<![\w/.+-])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|0)(?:\d[\s-]?){8,9}\d" + _LOOKS_NUMERIC_END
        )
        self.re_phone_context = re.compile(
            r"(?:call|phone|tel|telephone|ph|cell|mobile|text|fax|contact|number|no|#|at|dial|ring)\W{0,3}$", re.IGNORECASE
        )
        triggers = (
            list(self.titles) + list(self.titles_exact) + list(self.ctx_before) + list(self.ctx_before_sentence)
            + list(self.ctx_after)
        )
        self.re_trigger = re.compile(rf"\d|@|\bat\b|\b(?:{_alt(triggers)})\b", re.IGNORECASE)

    # ------------------------------------------------------------------------------ finders
    def emails(self, text: str) -> list[Hit]:
        hits = [Hit("email", m.group(), m.start(), m.end()) for m in self.re_email.finditer(text)]
        for m in self.re_email_obf.finditer(text):
            local = m.group("local")
            if local.lower() in self.not_local:
                continue
            obfuscated = bool(self.re_obf_marker.search(m.group()))
            bracket_at = "at" != m.group("at").strip().lower()
            if not (obfuscated or bracket_at):
                first_label = re.split(r"\.", m.group("domain"))[0].lower()
                if not (re.search(r"[\d._]", local) or first_label in self.providers):
                    continue
            hits.append(Hit("email", m.group(), m.start(), m.end()))
        return hits

    def phones(self, text: str) -> list[Hit]:
        if sum(ch.isdigit() for ch in text) < 7:
            return []
        hits = []
        for region in PHONE_REGIONS:
            for m in PhoneNumberMatcher(text, region, leniency=Leniency.STRICT_GROUPING):
                hits.append(Hit("phone", m.raw_string, m.start, m.end))
        for rx in (self.re_nanp, self.re_uk_phone):
            hits.extend(Hit("phone", m.group(), m.start(), m.end()) for m in rx.finditer(text))
        for m in self.re_nanp7.finditer(text):
            a, b = int(m.group("a")), int(m.group("b"))
            ranged = b > a and (a % 50 == 0 and b % 50 == 0 or _hhmm(a) and _hhmm(b))
            if ranged and not self.re_phone_context.search(text[: m.start()]):
                continue
            hits.append(Hit("phone", m.group(), m.start(), m.end()))
        return hits

    def addresses(self, text: str) -> list[Hit]:
        hits = []
        for rx in (self.re_address, self.re_address_fr):
            pos = 0
            while True:
                m = rx.search(text, pos)
                if not m:
                    break
                if self._address_ok(text, m):
                    hits.append(Hit("address", m.group(), m.start(), m.end()))
                    pos = m.end()
                else:
                    pos = m.start() + 1
        hits.extend(Hit("address", m.group(), m.start(), m.end()) for m in self.re_pobox.finditer(text))
        return hits

    def _address_ok(self, text: str, m: re.Match) -> bool:
        num = m.group("num")
        before = text[: m.start()]
        prev = re.findall(r"[^\W\d_]+", before[-30:])
        prev_word = prev[-1].lower() if prev and before.rstrip().endswith(prev[-1]) else ""
        after = re.match(r"\s*([^\W\d_][\w-]*)", text[m.end():])
        next_word = after.group(1).lower() if after else ""
        yearlike = bool(re.fullmatch(r"(19|20)\d\d", num))
        if prev_word in self.count_preceders or next_word in self.count_followers:
            return False
        if yearlike and next_word in self.event_words:
            return False
        if m.group("suffix").lower().rstrip(".") in self.ambiguous:
            if m.group("suffix").islower() and not text.islower():  # "53 Real estate": a word, not a street type
                return False
            stripped = before.rstrip()
            at_start = not stripped or stripped[-1] in ",;:(\n"
            if yearlike or not (at_start or prev_word in self.locational):
                return False
        return True

    def postcodes(self, text: str) -> list[Hit]:
        hits = []
        for m in self.re_uk_postcode.finditer(text):
            inward = m.group("inward") or ""
            if _ORDINAL.match(inward):
                continue
            hits.append(Hit("postcode", m.group(), m.start(), m.end()))
        hits.extend(Hit("postcode", m.group(), m.start(), m.end()) for m in self.re_ca_postcode.finditer(text))
        return hits

    # ------------------------------------------------------------------------------ names
    def names(self, text: str) -> list[Hit]:
        toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        if not toks:
            return []
        mode = _case_mode(toks)
        n = len(toks)

        def base(i):
            return _POSSESSIVE.sub("", toks[i][0]) if "'" in toks[i][0] or "’" in toks[i][0] else toks[i][0]

        def name_word(i):
            tok = toks[i][0]
            b = base(i)
            if not b[:1].isupper() or not any(ch.isalpha() for ch in b) or len(b) < 2:
                return False
            if b.lower() in self.not_names or b.lower() in self.titles or b in self.titles_exact:
                return False
            if b.lower() in self.street_abbrevs:  # "ST", "AVE", "RD" end a street name, not a person's
                return False
            if mode != "caps" and b.isupper() and len(b) <= 4:  # an acronym in mixed-case text (AGM, BBQ)
                return False
            return tok[0].isalpha()

        def initial(i):
            tok = toks[i][0]
            return len(tok) == 1 and tok.isupper() and i + 1 < n and toks[i + 1][0] == "." and _adjacent(toks, i)

        def collect(j):
            """(first, last, words) of the name starting at token j: words counts the name's words
            and initials, and is 0 unless at least one full word is there ("D. Okafor" has 2)."""
            words, initials, k, last = 0, 0, j, None
            while k < n and words < 4:
                if last is not None and not _spaced(text, toks[last][2], toks[k][1]):
                    break
                if initial(k):
                    initials, last, k = initials + 1, k + 1, k + 2
                    continue
                if name_word(k):
                    words, last, k = words + 1, k, k + 1
                    continue
                if words and toks[k][0].lower() in self.particles and k + 1 < n and name_word(k + 1):
                    k += 1
                    continue
                tok = toks[k][0]
                if words and len(tok) == 1 and tok.isupper() and k + 1 < n and name_word(k + 1):
                    initials, last, k = initials + 1, k, k + 1  # a middle initial without a period
                    continue
                if words == 1 and tok == "," and k + 1 < n and name_word(k + 1) and k == last + 1:
                    words, last, k = 2, k + 1, k + 2  # "Smith, John": surname first
                    break
                break
            return j, last, (words + initials if words else 0)

        def title_at(i):
            tok = toks[i][0]
            if tok in self.titles_exact:
                return True
            canon = self.titles.get(tok.lower())
            if canon is None:
                return False
            if tok.lower() in self.street_titles and i > 0:  # "LAKE SHORE DR SB": Drive, not Doctor
                prev = toks[i - 1][0]
                if prev.isdigit() or _ORDINAL_ANY.match(prev) or (prev[:1].isupper() and prev.lower() not in self.not_names):
                    return False
            if tok == canon or tok == canon.capitalize() or (mode == "caps" and tok.isupper()):
                return True
            return tok.islower() and tok in self.titles_lower_ok

        hits: list[Hit] = []

        def add(first, last):
            k = last + 1
            while k < n and toks[k][0].lower().rstrip(".") in _SUFFIX_WORDS | {"."}:
                k += 1
            if k < n and toks[k][0].lower() in self.street_types:  # "Dr Martin Luther King Jr Dr": a street
                return
            s, e = toks[first][1], toks[last][2]
            hits.append(Hit("name", text[s:e], s, e))

        for i in range(n):
            low = base(i).lower()
            # 1. a title, maybe several ("Detective Sergeant", "Det. Sgt."), then a name
            if title_at(i):
                j = i + 1
                while j < n and (toks[j][0] == "." or title_at(j)):
                    j += 1
                first, last, words = collect(j) if j < n else (j, None, 0)
                while words >= 1:
                    add(first, last)
                    # "Officers Smith and Jones", "PCs Lee, Khan & Roy": the names that follow too
                    j = last + 1
                    if j + 1 < n and toks[j][0].lower() in ("and", "&", ","):
                        first, last, words = collect(j + 1)
                    else:
                        words = 0
                continue
            # 2. a context word, fillers, then a name
            if low in self.ctx_before or (mode != "caps" and low in self.ctx_before_sentence):
                j, skipped = i + 1, 0
                while j < n and skipped < 4 and (toks[j][0] in ":,-–—(\"'" or toks[j][0].lower() in self.fillers):
                    j, skipped = j + 1, skipped + 1
                if j >= n:
                    continue
                need = 1 if mode == "sentence" else 2
                if low in ("named", "called", "aka") or any(toks[x][0].lower() in ("named", "called") for x in range(i + 1, j)):
                    back = [toks[x][0].lower() for x in range(max(0, i - 3), i + 1)]
                    need = 1 if any(b in self.person_nouns for b in back) else 2
                first, last, words = collect(j)
                if words >= need:
                    add(first, last)
                continue
            # 3. a name of two words or more, then a context word ("John Smith, the victim")
            if name_word(i) and not (i > 0 and name_word(i - 1) and _spaced(text, toks[i - 1][2], toks[i][1])):
                first, last, words = collect(i)
                if words >= 2:
                    j, skipped = last + 1, 0
                    while j < n and skipped < 3 and (toks[j][0] in ",(-–—" or toks[j][0].lower() in self.fillers):
                        j, skipped = j + 1, skipped + 1
                    if j < n and base(j).lower() in self.ctx_after:
                        add(first, last)
        return hits

    # ------------------------------------------------------------------------------ entry points
    def scan(self, text) -> list[Hit]:
        """Every finding in `text`, sorted by position; overlapping findings of one kind are merged."""
        if not isinstance(text, str) or not text.strip() or not self.re_trigger.search(text):
            return []
        found = self.emails(text) + self.phones(text) + self.addresses(text) + self.postcodes(text) + self.names(text)
        found.sort(key=lambda h: (h.start, -(h.end - h.start), h.kind))
        out: list[Hit] = []
        for h in found:
            if any(o.kind == h.kind and o.start <= h.start and h.end <= o.end for o in out):
                continue
            out.append(h)
        return out

    def scan_column(self, values) -> list[tuple[object, list[Hit]]]:
        """(index, hits) for each value of a Series (or position of a sequence) with at least one hit.

        Each distinct text is scanned once, and texts with no digit, '@', 'at', title or context
        word are skipped without running the finders.
        """
        s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        texts = s[s.map(lambda v: isinstance(v, str))]
        if texts.empty:
            return []
        uniq = pd.unique(texts)
        found = {u: self._scan_memo(u) for u in uniq}
        return [(idx, found[v]) for idx, v in texts.items() if found[v]]


def _hhmm(x: int) -> bool:
    return x % 100 < 60 and x // 100 <= 24


def _adjacent(toks, i) -> bool:
    return toks[i][2] == toks[i + 1][1]


def _spaced(text: str, end: int, start: int) -> bool:
    """Only blanks (or a period after an initial) between two tokens."""
    gap = text[end:start]
    return gap.strip() == "" and "\n" not in gap


_SMALL = {"and", "the", "for", "with", "from", "into", "onto", "over", "near", "of", "at", "on", "in", "to", "a", "an", "by", "or"}


def _case_mode(toks) -> str:
    """'caps' (no lower-case letters), 'title' (most longer words capitalised) or 'sentence'."""
    words = [t for t, _, _ in toks if t[0].isalpha()]
    if not words:
        return "sentence"
    if not any(ch.islower() for w in words for ch in w) and sum(len(w) for w in words) >= 2:
        return "caps"
    long = [w for w in words if len(w) >= 4 and w.lower() not in _SMALL]
    if len(long) >= 2 and sum(w[0].isupper() for w in long) / len(long) >= 0.6:
        return "title"
    return "sentence"


@lru_cache(maxsize=1)
def default_scanner() -> Scanner:
    """The scanner built from gate/scanner_words.toml (built once)."""
    return Scanner()


def scan(text) -> list[Hit]:
    """Findings in one text: emails, phone numbers, exact addresses, postcodes, personal names."""
    return default_scanner().scan(text)


def scan_column(values) -> list[tuple[object, list[Hit]]]:
    """Vectorised `scan` over a column: (index, hits) for every value with a hit."""
    return default_scanner().scan_column(values)
