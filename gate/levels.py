"""Counts at every level a release has (beats, their districts, the source's districts), suppressed across levels: incidents
by group, and concerns (feedback) by topic."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.public import ALL_AREAS, UNKNOWN_AREA
from model.schema import category_kind

from .suppression import suppress_graph

DISTRICT = "district"  # the scheme incidents' `district` column is counted in
# cells the main table already published cost this much more to hide, so the other levels take the complementary cells
_KEPT = 1000.0


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or str(v).strip() == ""


def scheme_of(v) -> str | None:
    """A stored scheme as the gate keys it: None for the main scheme."""
    return None if _blank(v) else str(v)


def parent_schemes(areas: pd.DataFrame | None) -> dict[str | None, str]:
    """The scheme each scheme's parents are in: the other scheme that holds the most of its `parent` ids (ties: by name)."""
    if areas is None or areas.empty or "parent" not in areas.columns:
        return {}
    schemes = [scheme_of(s) for s in (areas["scheme"] if "scheme" in areas.columns else [None] * len(areas))]
    ids: dict[str | None, set] = {}
    parents: dict[str | None, set] = {}
    for s, i, p in zip(schemes, areas["area_id"], areas["parent"]):
        ids.setdefault(s, set()).add(str(i))
        if not _blank(p):
            parents.setdefault(s, set()).add(str(p))
    out = {}
    for s, ps in parents.items():
        cands = sorted(((len(ps & ids_), o) for o, ids_ in ids.items() if o is not None and o != s), key=lambda c: (-c[0], c[1]))
        if cands and cands[0][0]:
            out[s] = cands[0][1]
    return out


@dataclass(frozen=True)
class Levels:
    """The levels a release counts incidents at above its main areas: each main area's chain of parents
    [(scheme, id), ...], nearest first, and whether incidents' `district` column is a scheme of its own."""

    chain: dict[str, tuple[tuple[str, str], ...]]
    district: bool

    @property
    def schemes(self) -> list[str]:
        out = sorted({s for c in self.chain.values() for s, _ in c})
        return out + ([DISTRICT] if self.district else [])


def area_levels(inc: pd.DataFrame, areas: pd.DataFrame | None) -> Levels | None:
    """The levels above the main areas, from the areas' parents and the incidents' districts; None for a single level."""
    chain: dict[str, tuple] = {}
    up = parent_schemes(areas)
    if up.get(None):
        schemes = [scheme_of(s) for s in areas["scheme"]]  # plain lists: a column would turn None into NaN
        ids = [str(i) for i in areas["area_id"]]
        parent = {(s, i): (None if _blank(p) else str(p)) for s, i, p in zip(schemes, ids, areas["parent"])}
        for aid in [i for s, i in zip(schemes, ids) if s is None]:
            links, s, i, seen = [], None, aid, set()
            while parent.get((s, i)) and up.get(s) and (s, i) not in seen:
                seen.add((s, i))
                s, i = up[s], parent[(s, i)]
                links.append((s, i))
            if links:
                chain[aid] = tuple(links)
    schemes = {s for c in chain.values() for s, _ in c}
    district = "district" in inc.columns and inc["district"].notna().any() and DISTRICT not in schemes
    if not chain and not district:
        return None
    return Levels(chain, bool(district))


ROWS = "__rows__"  # in a compact frame of incidents (gate.batches.count_frame): how many incidents a row stands for


def _true_counts(inc: pd.DataFrame, col: str, group: str = "category") -> pd.DataFrame:
    s = inc[col].astype(object).where(inc[col].notna(), UNKNOWN_AREA).astype(str)
    g = inc.assign(_a=s).groupby(["quarter", "_a", group], observed=True)
    n = g[ROWS].sum() if ROWS in inc.columns else g.size()  # a compact frame (gate.batches) says how many rows each of its rows is
    return n.rename("n").reset_index().rename(columns={"_a": "area"})


# The all-areas total of a topic is known from the row-level concerns whatever the count table says (every concern is a row,
# and every row has its topic), so the feedback graph never takes it as a complementary cell while any other cycle exists.
_KNOWN = 1e9


def level_counts(inc: pd.DataFrame, cube: pd.DataFrame, levels: Levels, k: int, sensitive: frozenset | None,
                 group: str = "category") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The count rows of the other levels, and the main cube with any further cells hidden so that no suppressed cell of any
    level can be worked out from a parent's total and its published children, or from the other partition of the total.

    `cube` is the main table (quarter, area, [kind,] group, n, suppressed) from the one-level rules; `group` the column the
    counts are by (incidents' `category`; feedback's `topic`, where every topic is suppressed: `sensitive` None). Returns
    (cube with the new rows and a `scheme` column, main cells newly hidden (quarter, area, group), counts)."""
    every = sensitive is None
    leaves = _true_counts(inc, "area", group)
    leaves["area"] = leaves["area"].where(leaves["area"] != UNKNOWN_AREA, UNKNOWN_AREA)
    dist = _true_counts(inc, "district", group) if levels.district else leaves.iloc[0:0]
    rows, newly = [], []
    n_primary = n_comp = 0
    main = cube.set_index(["quarter", "area", group])
    for (q, cat), g in leaves.groupby(["quarter", group], observed=True):
        sub_d = dist[(dist["quarter"] == q) & (dist[group] == cat)] if levels.district else dist
        cells: list[dict] = []
        nodes: dict = {"G": 0, "A": 1, "B": 2}

        def node(key):
            return nodes.setdefault(key, len(nodes))

        anc: dict[tuple, int] = {}
        for aid, n in zip(g["area"], g["n"]):
            links = levels.chain.get(aid, ())
            cells.append({"scheme": None, "area": aid, "n": int(n), "tail": 0, "head": node(links[0]) if links else 1, "kept": True})
            for j, link in enumerate(links):
                anc[link] = anc.get(link, 0) + int(n)
        for link, n in anc.items():
            chain_up = next((c for c in levels.chain.values() if link in c), ())
            nxt = chain_up[chain_up.index(link) + 1] if chain_up.index(link) + 1 < len(chain_up) else None
            cells.append({"scheme": link[0], "area": link[1], "n": n, "tail": node(link), "head": node(nxt) if nxt else 1, "kept": False})
        total = int(g["n"].sum())
        cells.append({"scheme": None, "area": ALL_AREAS, "n": total, "tail": 1, "head": 2 if levels.district else 0, "kept": True})
        for d, n in zip(sub_d["area"], sub_d["n"]):
            cells.append({"scheme": DISTRICT, "area": d, "n": int(n), "tail": 2, "head": 0, "kept": False})
        cf = pd.DataFrame(cells)
        if every or cat in sensitive:
            was = np.array([bool(main["suppressed"].get((q, a, cat), False)) if kept else False for a, kept in zip(cf["area"], cf["kept"])])
            weight = np.where(cf["kept"], _KEPT, 1.0)
            if every:
                weight = np.where(cf["area"].eq(ALL_AREAS) & cf["kept"], _KNOWN, weight)
            status = suppress_graph(cf["n"].to_numpy(), cf["tail"].to_numpy(), cf["head"].to_numpy(), np.where(was, 2, 0).astype(np.int8),
                                    k, weight)
            hidden = status > 0
            n_primary += int(((status == 1) & ~cf["kept"]).sum())
            n_comp += int(((status == 2) & ~was).sum())
            for a in cf.loc[hidden & ~was & cf["kept"].to_numpy(), "area"]:
                newly.append((q, a, cat))
        else:
            hidden = np.zeros(len(cf), bool)
        new = cf[~cf["kept"]].assign(suppressed=hidden[~cf["kept"].to_numpy()])
        new = new[(new["n"] > 0) | new["suppressed"]]
        rows.append(new.assign(quarter=q, **{group: cat})[["quarter", "scheme", "area", group, "n", "suppressed"]])
    out = cube.copy()
    if newly:
        hit = pd.MultiIndex.from_tuples(newly, names=["quarter", "area", group])
        sel = pd.MultiIndex.from_frame(out[["quarter", "area", group]].astype(object)).isin(hit)
        out.loc[sel, "suppressed"] = True
        out.loc[sel, "n"] = pd.NA
    out.insert(1, "scheme", None)
    if rows:
        extra = pd.concat(rows, ignore_index=True)
        extra["n"] = extra["n"].astype("Int64").mask(extra["suppressed"])
        if "kind" in out.columns:
            extra.insert(3, "kind", [category_kind(c) for c in extra[group]])
        out = pd.concat([out, extra[out.columns]], ignore_index=True)
    out = out.sort_values(["quarter", "scheme", "area", group], na_position="first", kind="stable").reset_index(drop=True)
    return out, pd.DataFrame(newly, columns=["quarter", "area", group]), {"primary": n_primary, "complementary": n_comp}


def _auto_name(scheme: str | None, aid: str) -> str:
    """The name of an area known only from the data: its id ("Riverside Mall", "MS"), or "District 7" for a bare number."""
    return f"{scheme.capitalize()} {aid}" if scheme and aid.isdigit() else aid


def areas_with_data(areas: pd.DataFrame | None, data: dict[str, pd.DataFrame | None], fields: list[str]) -> pd.DataFrame | None:
    """The areas table with every area the data names that it lacks (a site, post, beat or district column, a survey's
    sectors): listed with its id as its name, no population and no shape, so every page and output can offer it.
    Main areas come from incidents', engagement's and feedback's `area`; districts from incidents' `district` (when they are
    counted as a scheme: no area has a parent there); a survey's areas in its own `scheme`, each with the `parent` its rows
    name (a Chicago sector's district), when they all name the same one: a parent is never guessed from an id."""
    have = pd.DataFrame(columns=fields) if areas is None else areas.copy()
    for f in fields:
        if f not in have.columns:
            have[f] = None
    known = {(scheme_of(s), str(a)) for s, a in zip(have["scheme"], have["area_id"])}
    wanted: dict[tuple, str | None] = {}  # (scheme, id): the parent the data names, if it names one

    def add(scheme, values, parents=None):
        vals = values.astype(object).where(values.notna(), None)
        if parents is None:
            named: dict = {}
        else:  # the one parent every row of the area names; none where rows disagree or some name none
            pairs = pd.DataFrame({"a": vals, "p": parents.astype(object).where(parents.notna() & parents.astype(str).str.strip().ne(""), None)})
            pairs = pairs[pairs["a"].notna()]
            one = pairs.groupby("a", dropna=False)["p"].agg(lambda p: p.iloc[0] if p.notna().all() and p.nunique() == 1 else None)
            named = {str(a): str(p) for a, p in one.items() if not _blank(p)}
        for v in pd.unique(vals.dropna().astype(str)):
            if v.strip() and (scheme, v) not in known:
                wanted[(scheme, v)] = named.get(v) or wanted.get((scheme, v))

    for name in ("incidents", "engagement", "feedback"):
        f = data.get(name)
        if f is not None and "area" in f.columns:
            add(None, f["area"])
    inc = data.get("incidents")
    if inc is not None and "district" in inc.columns and parent_schemes(have).get(None) != DISTRICT:  # sectors' districts do not count
        add(DISTRICT, inc["district"])
    sv = data.get("survey")
    if sv is not None and "area" in sv.columns:
        sch = sv["scheme"] if "scheme" in sv.columns else pd.Series([None] * len(sv), index=sv.index)
        for s in pd.unique(sch.astype(object).where(sch.notna(), None)):
            rows = sch.isna() if scheme_of(s) is None else sch.eq(s)
            add(scheme_of(s), sv.loc[rows, "area"], sv.loc[rows, "parent"] if "parent" in sv.columns else None)
    if not wanted and areas is None:
        return None
    extra = pd.DataFrame([{"area_id": a, "source": "data", "name": _auto_name(s, a), "scheme": s, "kind": s if s in KIND_OF_SCHEME else None,
                           "parent": wanted[(s, a)]}
                          for s, a in sorted(wanted, key=lambda k: (k[0] or "", k[1]))], columns=["area_id", "source", "name", "scheme", "kind", "parent"])
    out = pd.concat([have[fields], extra.reindex(columns=fields)], ignore_index=True) if len(extra) else have[fields]
    return out.reset_index(drop=True)


KIND_OF_SCHEME = frozenset({"beat", "district", "sector", "neighbourhood", "campus", "client_site", "patrol_zone"})
