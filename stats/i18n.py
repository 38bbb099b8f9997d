"""Translations (one TOML catalog per language in locales/) and Babel number and date formats."""
from __future__ import annotations

import tomllib
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, get_month_names
from babel.numbers import parse_pattern

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANG = "en"
BABEL_LOCALE = {"en": "en_CA", "fr": "fr_CA"}


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flat key → text catalog of a language (nested TOML tables become dotted keys)."""
    path = LOCALES_DIR / f"{lang}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def flat(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict):
                yield from flat(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}", v

    return dict(flat(data))


@lru_cache(maxsize=1)
def _languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LOCALES_DIR.glob("*.toml")))


def languages() -> list[str]:
    """Every language with a catalog file; adding a language is adding one file (read once per process)."""
    return list(_languages())


def norm_lang(lang: str | None) -> str:
    return lang if lang in _languages() else DEFAULT_LANG


# What the incident figures of the release being shown count: "incidents" (each once), or "offences" when the release
# says so (manifest "counts", from a profile's count = "offences"). Set by stats.views.context for each view of a release;
# t() then reads a key's wording from the catalog's [count_offences] table first, so every caption and sentence says
# which is counted.
_COUNT_UNIT: ContextVar[str] = ContextVar("bridges_count_unit", default="incidents")
COUNT_UNITS = ("incidents", "offences")


def set_count_unit(unit: str | None) -> None:
    """Say what the incident figures of the release being shown count, for every t() after it in this context."""
    _COUNT_UNIT.set(unit if unit in COUNT_UNITS else "incidents")


def count_unit() -> str:
    return _COUNT_UNIT.get()


# What the main areas of the release being shown are, when they are all one kind ("client_site", "beat", "campus" ...):
# t() then reads a key's wording from the catalog's [kind_<kind>] table first, so a private security company's pages say
# "Site" and "all sites", a police service's beats "Beat", rather than the generic "Area". None (mixed or unknown kinds):
# the generic words. Set by stats.views.context, as the count unit is.
_AREA_KIND: ContextVar[str | None] = ContextVar("bridges_area_kind", default=None)


def set_area_kind(kind: str | None) -> None:
    """Say what kind of area the release's main areas all are (None: mixed or unknown), for every t() after it here."""
    _AREA_KIND.set(kind if isinstance(kind, str) and kind.isidentifier() else None)


def area_kind() -> str | None:
    return _AREA_KIND.get()


def t(key: str, lang: str = DEFAULT_LANG, **kw) -> str:
    """The text for `key` in `lang` (falling back to English, then to the key), formatted with kw; in a release that
    counts offences, the key's [count_offences] wording where the catalogs have one; in a release whose main areas are all
    one kind, the key's [kind_<kind>] wording where the catalogs have one."""
    text = None
    if _COUNT_UNIT.get() == "offences":
        alt = f"count_offences.{key}"
        text = catalog(norm_lang(lang)).get(alt)  # never another language's wording for it
    kind = _AREA_KIND.get()
    if text is None and kind:
        text = catalog(norm_lang(lang)).get(f"kind_{kind}.{key}")  # "Site" for a provider of client sites
    text = text or catalog(norm_lang(lang)).get(key) or catalog(DEFAULT_LANG).get(key) or key
    return text.format(**kw) if kw else text


def locale(lang: str) -> str:
    return BABEL_LOCALE.get(norm_lang(lang), norm_lang(lang))


@lru_cache(maxsize=None)
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(locale(lang))


@lru_cache(maxsize=None)
def _pattern(fmt: str):
    return parse_pattern(fmt)


def num(x, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A number in the language's format (1,234.5 / 1 234,5)."""
    if x is None:
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return _pattern(fmt).apply(x, _babel_locale(lang))


def pct(x: float, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A share (0.12) as a percentage in the language's format (12 % / 12 %)."""
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return _pattern(fmt).apply(x, _babel_locale(lang))


@lru_cache(maxsize=4096)
def date(d, lang: str = DEFAULT_LANG, style: str = "long") -> str:
    return format_date(d, format=style, locale=locale(lang))


def month_names(lang: str = DEFAULT_LANG, width: str = "abbreviated") -> list[str]:
    """Month names January..December (plotly does not bundle French ones)."""
    names = get_month_names(width, locale=locale(lang))
    return [names[i] for i in range(1, 13)]


def quarter_label(q: str, lang: str = DEFAULT_LANG) -> str:
    """'2026Q3' → 'Q3 2026' / 'T3 2026'."""
    if not q or len(q) != 6:
        return q or ""
    return t("quarter_label", lang, year=q[:4], n=q[5])


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    return key in catalog(norm_lang(lang)) or key in catalog(DEFAULT_LANG)


def label(kind: str, value, lang: str = DEFAULT_LANG) -> str:
    """Display label of a coded value (kind 'category', 'status', 'channel', 'type', 'measure' …); the value itself when no catalog knows it."""
    if value is None:
        return t(f"{kind}._none", lang) if has(f"{kind}._none", lang) else ""
    key = f"{kind}.{value}"
    return t(key, lang) if has(key, lang) else str(value)


def day_names(lang: str = DEFAULT_LANG, width: str = "wide") -> list[str]:
    """Day names Monday..Sunday."""
    from babel.dates import get_day_names

    names = get_day_names(width, locale=locale(lang))
    return [names[i] for i in range(7)]


def language_name(lang: str) -> str:
    """The language's own name, from its catalog (shown in the language switch)."""
    return catalog(lang).get("language_name", lang)


def hour_label(h: int, lang: str = DEFAULT_LANG) -> str:
    """'14:00' (24-hour clock in both languages; Babel's short time pattern)."""
    import datetime as _dt

    from babel.dates import format_time

    return format_time(_dt.time(int(h), 0), format="HH:mm", locale=locale(lang))
