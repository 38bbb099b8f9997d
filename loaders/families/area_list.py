"""A plain list of areas: checked as a whole (ids, names, parents, kinds) and each row given its scheme."""
from __future__ import annotations

import re

import pyarrow as pa

from model.errors import InputError
from model.schema import AREA_KINDS
from loaders.textio import ROW_COL

COLUMNS = ("id", "name", "population", "parent", "kind", "scheme")
KINDS_SAID = ", ".join(k.replace("_", " ") for k in AREA_KINDS)


def _kind(value: str) -> str | None:
    """'Client site', 'client-site', 'CLIENT_SITE' -> 'client_site'; None when it is no kind Bridges knows."""
    k = re.sub(r"[\s\-_]+", "_", value.strip().casefold())
    k = {"neighborhood": "neighbourhood", "site": "client_site", "zone": "patrol_zone"}.get(k, k)
    return k if k in AREA_KINDS else None


def prepare(table: pa.Table) -> pa.Table:
    """AREA_ID, AREA_NAME, AREA_POPULATION, AREA_PARENT, AREA_KIND (canonical) and AREA_SCHEME for each row, or an InputError.

    The scheme: a `scheme` column wins where filled; otherwise areas whose kind is the kind of some parent (the districts of
    a beat list) are the scheme of that kind, and every other area is in the main scheme (empty)."""
    by_name = {c.strip().casefold(): c for c in table.column_names if c != ROW_COL}
    col = {c: [("" if v is None else str(v).strip()) for v in table[by_name[c]].to_pylist()] if c in by_name else None for c in COLUMNS}
    rows = table[ROW_COL].to_pylist()
    n = table.num_rows
    ids, names = col["id"], col["name"]
    for what, vals in (("id", ids), ("name", names)):
        for i, v in enumerate(vals):
            if not v:
                raise InputError(f"the area has no {what}", f"Give every row an {what} (the {what}s of the list are what the other "
                                 "files and the pages name), or remove the empty row, then load the list again.",
                                 row=rows[i], column=by_name[what])
    first: dict[str, int] = {}
    for i, v in enumerate(ids):
        if v in first:
            raise InputError(f"the id '{v}' is already used by row {rows[first[v]]}",
                             "Give each area its own id, then load the list again.", row=rows[i], column=by_name["id"])
        first[v] = i
    kinds = [None] * n
    if col["kind"]:
        for i, v in enumerate(col["kind"]):
            if v:
                kinds[i] = _kind(v)
                if kinds[i] is None:
                    raise InputError(f"'{v}' is not a kind of area Bridges knows", f"Write one of: {KINDS_SAID}; or leave it empty.",
                                     row=rows[i], column=by_name["kind"])
    parents = col["parent"] or [""] * n
    for i, p in enumerate(parents):
        if p and p not in first:
            raise InputError(f"the parent '{p}' is not an id of this list",
                             "Add a row for the area that contains this one, or correct its parent, then load the list again.",
                             row=rows[i], column=by_name["parent"])
    for i in range(n):  # a parent's parent's ... parent may not be the area itself
        path, j = [ids[i]], i
        while parents[j]:
            j = first[parents[j]]
            if j == i:
                raise InputError("the parents go round in a circle: " + " → ".join(path + [ids[i]]),
                                 "An area cannot contain itself: correct one of these parents, then load the list again.",
                                 row=rows[i], column=by_name["parent"])
            if ids[j] in path:
                break  # a circle further up: reported at its own row
            path.append(ids[j])
    parent_kinds = {kinds[first[p]] for p in parents if p and kinds[first[p]]}
    is_parent = {p for p in parents if p}
    scheme = []
    for i in range(n):
        given = col["scheme"][i] if col["scheme"] else ""
        if given:
            scheme.append(given)
        elif ids[i] in is_parent or (kinds[i] in parent_kinds):
            if not kinds[i]:
                raise InputError(f"the area '{ids[i]}' contains other areas but has no kind",
                                 "Give the areas that contain others their kind (e.g. district), so they form a scheme of their own, "
                                 "then load the list again.", row=rows[i], column=by_name.get("kind", "kind"))
            scheme.append(kinds[i])
        else:
            scheme.append(None)
    pop = col["population"] or [""] * n
    return pa.table({
        ROW_COL: table[ROW_COL],
        "AREA_ID": pa.array(ids, pa.string()),
        "AREA_NAME": pa.array(names, pa.string()),
        "AREA_POPULATION": pa.array([p or None for p in pop], pa.string()),
        "AREA_PARENT": pa.array([p or None for p in parents], pa.string()),
        "AREA_KIND": pa.array(kinds, pa.string()),
        "AREA_SCHEME": pa.array(scheme, pa.string()),
    })
