"""Area schemes side by side (beats, districts, sectors, neighbourhoods): the key that names an area of any scheme, and the
areas of every scheme a release lists (docs/areas.md)."""
from __future__ import annotations

import re

import pandas as pd

from .i18n import t
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
