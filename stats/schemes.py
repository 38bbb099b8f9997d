"""Area schemes side by side (beats, districts, sectors, neighbourhoods): the key that names an area of any scheme, and the
areas of every scheme a release lists (docs/areas.md)."""
from __future__ import annotations

import re

import pandas as pd

from .i18n import has, t
from .read import Release

SEP = ":"  # "district:7" is district 7; an area of the main scheme is its bare id ("7", "MS")
_SCHEME = re.compile(r"^[a-z][a-z0-9_]*$")


def key(scheme: str | None, area_id: str | None) -> str | None:
    """The key of an area: its bare id in the main scheme (so every link made before schemes existed still works)."""
    if not area_id:
        return None
    return f"{scheme}{SEP}{area_id}" if scheme else str(area_id)


def split(area_key: str | None) -> tuple[str | None, str | None]:
    """(scheme, area id) of a key; (None, id) for the main scheme."""
    if not area_key:
        return None, None
    head, sep, tail = str(area_key).partition(SEP)
    if sep and tail and _SCHEME.match(head):
        return head, tail
    return None, str(area_key)


def scheme_areas(rel: Release) -> pd.DataFrame:
    """Every area of every scheme, ordered by scheme (main first) and name: key, scheme, area_id, name, kind, parent."""
    df = rel.query("SELECT scheme, area_id, name, kind, parent FROM areas ORDER BY scheme NULLS FIRST, name, area_id")
    df.insert(0, "key", [key(s if isinstance(s, str) else None, a) for s, a in zip(df["scheme"], df["area_id"])])
    return df


def schemes(rel: Release) -> list[str | None]:
    """The schemes a release lists, the main one (None) first when it has any areas."""
    s = scheme_areas(rel)["scheme"]
    out = [None] if s.isna().any() else []
    return out + sorted(x for x in s.dropna().unique())


def label(scheme: str | None, lang: str) -> str:
    """The words for a scheme's areas ("Districts", "Main areas"); a scheme the catalog lacks is its name, capitalised."""
    text = t(f"scheme.{scheme or 'main'}", lang)
    return text if text != f"scheme.{scheme or 'main'}" else str(scheme).replace("_", " ").capitalize()


def by_scheme(rel: Release) -> dict[str | None, dict[str, str]]:
    """{scheme: {key: name}} of every scheme a release lists (main first), each scheme's areas ordered by name: what a
    chooser of areas offers, and what the static site writes a page for."""
    df = scheme_areas(rel)
    out: dict[str | None, dict[str, str]] = {}
    for s, k, n in zip(df["scheme"], df["key"], df["name"].astype(str)):
        out.setdefault(s if isinstance(s, str) else None, {})[k] = n
    return {s: dict(sorted(v.items(), key=lambda kv: (kv[1].lower(), kv[0]))) for s, v in out.items()}


def parent_schemes(rel: Release) -> dict[str | None, str]:
    """The scheme each scheme's parents are in: the other scheme holding the most of its `parent` ids (ties: by name), as
    the gate counts the levels (gate.levels.parent_schemes; beats' parents are districts, sectors' are districts)."""
    df = scheme_areas(rel)
    sch = [s if isinstance(s, str) else None for s in df["scheme"]]
    ids: dict[str | None, set] = {}
    parents: dict[str | None, set] = {}
    for s, a, p in zip(sch, df["area_id"].astype(str), df["parent"]):
        ids.setdefault(s, set()).add(a)
        if isinstance(p, str) and p.strip():
            parents.setdefault(s, set()).add(p)
    out = {}
    for s, ps in parents.items():
        cands = sorted(((len(ps & v), o) for o, v in ids.items() if o is not None and o != s), key=lambda c: (-c[0], c[1]))
        if cands and cands[0][0]:
            out[s] = cands[0][1]
    return out


def children(rel: Release, area_key: str | None) -> pd.DataFrame:
    """The areas an area contains (its `parent` is the area, in the scheme their parents are in): key, scheme, area_id, name,
    kind, ordered by scheme (main first) and name. Empty for all areas and for an area that contains none."""
    df = scheme_areas(rel)
    if not area_key:
        return df.iloc[0:0]
    scheme, aid = split(area_key)
    up = parent_schemes(rel)
    mine = [up.get(s if isinstance(s, str) else None, SEP) == scheme and p == aid for s, p in zip(df["scheme"], df["parent"].astype(object))]
    return df[mine].reset_index(drop=True)


def main_kind(rel: Release) -> str | None:
    """The kind every main area is ("client_site", "beat" ...), or None where the kinds are mixed or unknown (the generic
    words "Area" and "all areas" are used then)."""
    df = scheme_areas(rel)
    kinds = df.loc[df["scheme"].isna(), "kind"]
    if not len(kinds) or kinds.isna().any():
        return None
    return str(kinds.iloc[0]) if kinds.nunique() == 1 else None


def area_word(scheme: str | None, lang: str) -> str:
    """What one area of a scheme is called, for a chooser's label: the main areas' word ("Site", "Beat", or the generic
    "Area": stats.i18n's area kind), a district's "District"; a scheme the catalog lacks is its name, capitalised."""
    if scheme is None:
        return t("select.area", lang)
    return t(f"kind_word.{scheme}", lang) if has(f"kind_word.{scheme}", lang) else scheme.replace("_", " ").capitalize()


def all_word(scheme: str | None, lang: str) -> str:
    """The chooser's "all" choice among a scheme's areas: "all areas" (or the main areas' "all sites", "all beats"), "all
    districts" among the districts."""
    key = f"kind_{scheme}.area.all"
    return t(key, lang) if scheme and has(key, lang) else t("area.all", lang)
