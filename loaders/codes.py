"""Standard offence code systems and service-call groups, kept as data in loaders/codes/: load them, find a code in a value, tell which system a column's values belong to, classify a value."""
from __future__ import annotations

import csv
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from model.errors import InputError
from model.schema import CATEGORIES

HERE = Path(__file__).parent
CODES_DIR = HERE / "codes"
CROSSWALKS_DIR = HERE / "crosswalks"
SERVICE_GROUPS_FILE = CODES_DIR / "service_groups.csv"
KINDS = ("crime", "service", "no_offence")
NULLS = frozenset({"", "NULL", "NONE", "NAN", "NA", "N/A", "#N/A", "-", "--"})

# A column is taken for a system only when at least half its rows hold one of the system's codes, ...
MIN_SHARE = 0.5
# ... a fair part of its distinct values do (a state's own codes overlap a standard's here and there, never mostly), ...
MIN_DISTINCT_SHARE = 0.3
# ... and the hits cannot be chance: bare numbers (years, beats, ids) hit some code in any numeric range, so bare
# values must beat this Poisson tail probability, unless at least two distinct values name the code by label or in text.
MAX_CHANCE = 1e-4
MAX_DISTINCT = 5000  # recognising a column looks at its most frequent distinct values only
QUICK_LOOK = 200

# Words that say nothing about which offence a label names, left out when a text is compared with a label.
_STOP = frozenset("""OTHER WITH FROM THAN ALL OFFENSES OFFENCES OFFENSE OFFENCE VIOLATIONS VIOLATION TOTAL LEVEL UNDER OVER
THE AND ETC LAW LAWS CRIME CRIMES CRIMINAL CODE INTO ONLY ACTS NONE""".split())
# A code inside text: 1-4 digits, an optional .1/.10 (Home Office), up to two letters, or the FBI's 23* placeholder.
_TOKEN = re.compile(r"(?<![0-9A-Z.*])([0-9]{1,4}(?:\.[0-9]{1,2})?[A-Z]{0,2}\*?)(?![0-9A-Z*]|\.[0-9])")
_WITH_EXTENSION = re.compile(r"([0-9][0-9A-Z.*]*?)\s*[/-]\s*[0-9A-Z]{1,4}")
_CODE_LIKE = re.compile(r"[0-9][0-9A-Z.*]{0,7}(?:\s*[/-]\s*[0-9A-Z]{1,4})?")
_EXCEL_FLOAT = re.compile(r"([0-9]+)\.0+")
_BRACKETED = re.compile(r"\S.*\[\s*([0-9]{1,4}[A-Z]{0,2})\s*\]$")  # 'Name [code]': a name, then the code in brackets at the end
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Code:
    """One code of a system: its label, category (a canonical group for a crime, a service group's id for a service
    call, None for no offence), kind, other names, and the system's own columns (crimes_against, part, section ...)."""

    system: str
    code: str
    label: str
    category: str | None
    kind: str
    aliases: tuple[str, ...] = ()
    attrs: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Block:
    """A range of numeric codes that share a category, for codes a system file does not list."""

    low: int
    high: int
    category: str
    label: str


@dataclass
class System:
    """A code system read from one CSV of loaders/codes/ with its `# key: value` header lines."""

    id: str
    title: str
    source: str
    covers: str
    codes: dict[str, Code]
    markers: tuple[str, ...] = ()
    codes_in_text: bool = False
    blocks: tuple[Block, ...] = ()
    path: Path | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self._exact = {c.upper(): c for c in self.codes}
        self._stripped = {}
        for c in self.codes:
            key = c.upper().lstrip("0") or "0"
            if key in self._stripped:
                raise InputError(f"{self._where()}: the codes {self._stripped[key]} and {c} are the same code once leading zeros are dropped.",
                                 "Keep one of them.")
            self._stripped[key] = c
        self.names: dict[str, str] = {}
        for c in self.codes.values():
            for name in (c.label, *c.aliases):
                key = normalise_name(name)
                if key and self.names.get(key, c.code) != c.code:
                    raise InputError(f"{self._where()}: the name '{name}' is given to both {self.names[key]} and {c.code}.",
                                     "Give each name to one code only.")
                self.names[key] = c.code
        markers = "|".join(re.escape(m) for m in self.markers)
        self.marker_before = re.compile(rf"\b(?:{markers})\W{{0,4}}(?:CODE\W{{0,3}})?$") if markers else None
        self.numeric = sorted(int(c) for c in self.codes if c.isdigit())
        self.shapes = Counter(_shape(c) for c in self.codes if not c.isdigit())

    def _where(self) -> str:
        return self.path.name if self.path else self.id

    def lookup(self, token: str) -> str | None:
        """The system's code for a token written as the code, in any case, with or without leading zeros."""
        t = token.strip().upper()
        return self._exact.get(t) or self._stripped.get(t.lstrip("0") or "0")

    def block(self, number: int) -> Block | None:
        """The narrowest block holding a numeric code, if the system has blocks."""
        held = [b for b in self.blocks if b.low <= number <= b.high]
        return min(held, key=lambda b: b.high - b.low) if held else None


def normalise_name(text: str) -> str:
    """A label as compared: upper case, '&' as AND, punctuation as spaces ('Burglary/Breaking & Entering' = 'BURGLARY BREAKING AND ENTERING')."""
    text = str(text).translate(_DASHES).upper().replace("&", " AND ")
    return " ".join(re.sub(r"[^0-9A-Z]+", " ", text).split())


def _shape(code: str) -> str:
    return re.sub(r"[A-Z]", "L", re.sub(r"[0-9]", "D", code.upper()))


def _read(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The `# key: value` lines at the top of a codes file, and its rows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    meta, i = {}, 0
    while i < len(lines) and lines[i].startswith("#"):
        key, _, value = lines[i][1:].partition(":")
        meta[key.strip()] = value.strip()
        i += 1
    return meta, list(csv.DictReader(lines[i:]))


def _crosswalk(name: str) -> dict[str, str]:
    """A crosswalk of loaders/crosswalks/ (value,category), keyed by upper-case value: the one place a source's values map."""
    path = CROSSWALKS_DIR / f"{name}.csv"
    if not path.exists():
        raise InputError(f"The crosswalk '{name}' named by a codes file does not exist.", f"Add {path} or fix the `# categories:` line.")
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["value"].strip().upper(): r["category"].strip() for r in csv.DictReader(fh)}


def load_system(path: str | Path) -> System:
    """Read one system file; every row must name a valid category and kind, so no code is left for an analyst to place."""
    path = Path(path)
    meta, rows = _read(path)
    sid = meta.get("system") or path.stem
    cw = _crosswalk(meta["categories"]) if meta.get("categories") else None
    groups = {g.id for g in service_group_list()} if path != SERVICE_GROUPS_FILE else set()
    codes: dict[str, Code] = {}
    for n, r in enumerate(rows, start=2 + len(meta)):  # line numbers as an editor shows them
        code, label, kind = (r.get("code") or "").strip(), (r.get("label") or "").strip(), (r.get("kind") or "").strip()
        category = (r.get("category") or "").strip()
        if cw is not None and not category:
            category = cw.get(code.upper()) or cw.get(label.upper()) or ""
        where = f"{path.name}, line {n}"
        if not code or not label:
            raise InputError(f"{where}: a code or its label is missing.", "Give every row a code and a label.")
        if code in codes:
            raise InputError(f"{where}: the code {code} is listed twice.", "Keep one row per code.")
        if kind not in KINDS:
            raise InputError(f"{where}: the kind '{kind}' of {code} is not one of {', '.join(KINDS)}.", "Fix the kind column.")
        if kind == "crime" and category not in CATEGORIES:
            raise InputError(f"{where}: the category '{category}' of {code} is not a canonical group.",
                             f"Use one of {', '.join(CATEGORIES)}.")
        if kind == "service":
            category = (r.get("service_group") or "").strip()
            if category not in groups:
                raise InputError(f"{where}: the service call {code} names no service group of {SERVICE_GROUPS_FILE.name}.",
                                 "Fill its service_group column with one of the groups' ids.")
        if kind == "no_offence" and category:
            raise InputError(f"{where}: {code} means no offence but has the category '{category}'.", "Leave its category empty.")
        extra = {k: (v or "").strip() for k, v in r.items() if k not in {"code", "label", "category", "kind", "aliases"}}
        aliases = tuple(a.strip() for a in (r.get("aliases") or "").split("|") if a.strip())
        codes[code] = Code(sid, code, label, category or None, kind, aliases, extra)
    blocks = _read_blocks(path.parent / meta["blocks"]) if meta.get("blocks") else ()
    return System(sid, meta.get("title", sid), meta.get("source", ""), meta.get("covers", ""), codes,
                  markers=tuple(m.strip().upper() for m in meta.get("markers", "").split("|") if m.strip()),
                  codes_in_text=meta.get("codes_in_text", "").lower() == "yes", blocks=blocks, path=path, meta=meta)


def _read_blocks(path: Path) -> tuple[Block, ...]:
    _, rows = _read(path)
    blocks = []
    for r in rows:
        if r["category"] not in CATEGORIES:
            raise InputError(f"{path.name}: the block {r['from']}-{r['to']} has the category '{r['category']}', not a canonical group.",
                             f"Use one of {', '.join(CATEGORIES)}.")
        blocks.append(Block(int(r["from"]), int(r["to"]), r["category"], r["label"]))
    return tuple(blocks)


@functools.cache
def systems() -> dict[str, System]:
    """Every standard code system in loaders/codes/ by id (the service groups are not one)."""
    found = [load_system(p) for p in sorted(CODES_DIR.glob("*.csv")) if p != SERVICE_GROUPS_FILE and _read(p)[0].get("system")]
    return {s.id: s for s in found}


def system(name: str) -> System:
    """One code system by id."""
    try:
        return systems()[name]
    except KeyError:
        raise InputError(f"There is no offence code system called '{name}'.", f"Use one of {', '.join(systems())}.") from None


def _agrees(text: str, code: Code) -> bool:
    """Whether a text shares a meaningful word with the code's label or aliases (first five letters compared)."""
    def stems(s: str) -> set[str]:
        return {w[:5] for w in normalise_name(s).split() if len(w) >= 4 and w.isalpha() and w not in _STOP}
    return bool(stems(text) & set().union(*(stems(n) for n in (code.label, *code.aliases))))


def _bare(sys: System, u: str) -> str | None:
    """The code a value is when it is nothing but a code: padded, lower-case, with an extension (1430/100) or as an Excel float."""
    found = sys.lookup(u)
    if found is None and (m := _EXCEL_FLOAT.fullmatch(u)):
        found = sys.lookup(m.group(1))
    if found is None and (m := _WITH_EXTENSION.fullmatch(u)):
        found = sys.lookup(m.group(1))
    return found


def _in_text(sys: System, u: str) -> str | None:
    """A code written inside text, accepted only when the text makes it plain: a marker before it (NIBRS 90Z), a word
    shared with the code's label ('Assault, level 1 [1430]'), a code in brackets closing the text as Statistics Canada
    prints every violation ('Total other Criminal Code violations [300]', whose label has no telling word), or a code
    with letters at either end ('13A AGG ASSAULT')."""
    if (m := _BRACKETED.search(u)) and (code := sys.lookup(m.group(1))) is not None:
        return code
    for m in _TOKEN.finditer(u):
        code = sys.lookup(m.group(1))
        if code is None:
            continue
        before, after = u[:m.start()], u[m.end():]
        if sys.marker_before and sys.marker_before.search(before):
            return code
        if _agrees(before + " " + after, sys.codes[code]):
            return code
        at_edge = not before.strip(" -:([#") or not re.sub(r"^\s*[/-]\s*[0-9]{1,4}", "", after).strip(" -:)].")
        if at_edge and re.search(r"[A-Z]", m.group(1)):
            return code
    return None


def _match(sys: System, value) -> tuple[str, str] | None:
    """(code, how) for a value: how is 'bare' (the value is a code), 'label' (a label, alias or word-like code) or 'text'."""
    if value is None:
        return None
    u = " ".join(str(value).translate(_DASHES).upper().split())
    if u in NULLS:
        return None
    code = _bare(sys, u)
    if code is not None:
        return code, ("bare" if u[0].isdigit() else "label")
    code = sys.names.get(normalise_name(u))
    if code is not None:
        return code, "label"
    if sys.codes_in_text and (code := _in_text(sys, u)) is not None:
        return code, "text"
    return None


def find_code(value, system_id: str) -> str | None:
    """The code of `system_id` that a value holds (`13b`, `09A`, `1430/100`, `ASSAULT - 2ND DEGREE (NIBRS 90Z)`, a label), or None."""
    hit = _match(system(system_id), value)
    return hit[0] if hit else None


def classify(value, system_id: str) -> tuple[str | None, str, str] | None:
    """(category, kind, code) for a value of a column known to hold `system_id`'s codes; None when it holds none.

    `category` is a canonical group for a crime, the service group's id for a service call, None for no offence. A
    4-digit code the system file does not list takes the category of its block (ucr2_canada_blocks.csv), if any."""
    sys = system(system_id)
    hit = _match(sys, value)
    if hit:
        c = sys.codes[hit[0]]
        return c.category, c.kind, c.code
    if sys.blocks and value is not None:
        # a bare code (with its extension), or a code in brackets at the end as Statistics Canada prints them
        u = " ".join(str(value).split()).upper()
        m = re.fullmatch(r"0*([0-9]{4})(?:\s*[/-]\s*[0-9A-Z]{1,4})?", u) or re.search(r"\[\s*0*([0-9]{4})\s*\]$", u)
        if m and (b := sys.block(int(m.group(1)))):
            return b.category, "crime", m.group(1)
    return None


def _poisson_tail(hits: int, mu: float) -> float:
    """P(X >= hits) for X ~ Poisson(mu), summed in log space so tiny tails stay exact."""
    if hits <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    logs = [-mu + i * math.log(mu) - math.lgamma(i + 1) for i in range(hits, hits + 60 + int(mu + 10 * math.sqrt(mu)))]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in logs))


@dataclass
class _Evidence:
    system: str
    share: float
    distinct_hits: int
    ok: bool


def _chance(sys: System, bare_values: list[str], hit: set[str]) -> float:
    """How likely the bare values' hits are by chance: numbers against the share of codes in the column's numeric range,
    letter codes against the share of codes among all tokens of their shape (a 'DDL' such as 13A: 2,600 possible)."""
    numbers = {v: int(re.match(r"[0-9]+", v).group()) for v in bare_values if re.fullmatch(r"[0-9]+(?:\s*[/-]\s*[0-9A-Z]{1,4}|\.0+)?", v)}
    p = 1.0
    if numbers:
        low, high = min(numbers.values()), max(numbers.values())
        in_range = sum(1 for n in sys.numeric if low <= n <= high)
        density = in_range / (high - low + 1)
        p = min(p, _poisson_tail(sum(1 for v in numbers if v in hit), len(numbers) * density))
    others = [v for v in bare_values if v not in numbers]
    if others:
        mu = 0.0
        for v in others:
            shape = _shape(v)
            mu += min(1.0, sys.shapes.get(shape, 0) / (10 ** shape.count("D") * 26 ** shape.count("L") or 1))
        p = min(p, _poisson_tail(sum(1 for v in others if v in hit), mu))
    return p


def _evidence(sys: System, counts: Counter) -> _Evidence:
    total = sum(counts.values())
    hits = {v: _match(sys, v) for v in counts}
    hit_rows = sum(n for v, n in counts.items() if hits[v])
    distinct_hits = sum(1 for h in hits.values() if h)
    share = hit_rows / total if total else 0.0
    strong = sum(1 for h in hits.values() if h and h[1] != "bare")
    bare_values = [v for v in counts if (hits[v] is None or hits[v][1] == "bare") and _CODE_LIKE.fullmatch(v)]
    chance = _chance(sys, bare_values, {v for v in bare_values if hits[v]})
    ok = (share >= MIN_SHARE and distinct_hits >= 2 and distinct_hits / len(counts) >= MIN_DISTINCT_SHARE
          and (strong >= 2 or chance < MAX_CHANCE))
    return _Evidence(sys.id, share, distinct_hits, ok)


def recognise_column(values: Iterable) -> tuple[str | None, float]:
    """(system id, share of non-empty values that hold one of its codes) for the system a column's values belong to, by
    the values alone; (None, 0.0) when no system fits. Plain numbers (years, beats, ids) are not taken for codes unless
    their hits are far beyond chance; a tie goes to the system with more distinct codes seen, then to file order."""
    counts = Counter()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        u = " ".join(str(v).translate(_DASHES).upper().split())
        if u not in NULLS:
            counts[u] += 1
    if not counts:
        return None, 0.0
    counts = Counter(dict(counts.most_common(MAX_DISTINCT)))
    # A first look at the most frequent values rules out most systems (and id or date columns) cheaply.
    head = counts.most_common(QUICK_LOOK)
    head_rows = sum(n for _, n in head)
    best = None
    for sys in systems().values():
        if sum(n for v, n in head if _match(sys, v)) < head_rows * MIN_SHARE / 2:
            continue
        ev = _evidence(sys, counts)
        if ev.ok and (best is None or (ev.share, ev.distinct_hits) > (best.share, best.distinct_hits)):
            best = ev
    return (best.system, round(best.share, 4)) if best else (None, 0.0)


@dataclass(frozen=True)
class ServiceGroup:
    """A group of calls for service that report no offence, with the keywords that place a free-text call type in it."""

    id: str
    label: str
    keywords: tuple[str, ...]


@functools.cache
def service_group_list() -> tuple[ServiceGroup, ...]:
    """The service-call groups of loaders/codes/service_groups.csv, in file order."""
    _, rows = _read(SERVICE_GROUPS_FILE)
    return tuple(ServiceGroup(r["id"].strip(), r["label"].strip(),
                              tuple(normalise_name(k) for k in r["keywords"].split("|") if normalise_name(k))) for r in rows)


def service_group(text) -> str | None:
    """The service group of a free-text call type ('FIRE ALARM', 'Welfare check', 'lockout'), or None.

    Keywords match whole words; the longest keyword found wins ('LOST PERSON' is assisting the public, not lost
    property), then the group listed first ('ALARM - MEDICAL' is an alarm)."""
    hit = service_match(text)
    return hit[0] if hit else None


def service_match(text) -> tuple[str, str] | None:
    """(service group, the keyword that placed it) for a free-text call type, by the rules of `service_group`; or None."""
    if text is None:
        return None
    padded = f" {normalise_name(text)} "
    best, best_len = None, 0
    for g in service_group_list():
        for kw in g.keywords:
            size = kw.count(" ") + 1
            if size > best_len and f" {kw} " in padded:
                best, best_len = (g.id, kw), size
    return best
