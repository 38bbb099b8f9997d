"""Small-cell suppression of count tables, with complementary cells so no hidden count can be worked back from totals."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_K = 3
PRIMARY, COMPLEMENTARY = "primary", "complementary"
_TIE = 1e-6  # per-cell cost added to a cell's count, so that among equal totals fewer cells are hidden


@dataclass(frozen=True)
class SuppressedTable:
    """A count table with its margins, after suppression.

    values: the table with a total row and a total column (labelled `margins_name`); float,
        NaN where a cell is suppressed.
    status: same shape; "" (published), "primary" (0 < count < k) or "complementary" (hidden so
        that a primary cell cannot be worked out from the published cells and totals).
    """

    values: pd.DataFrame
    status: pd.DataFrame
    k: int
    margins_name: str

    @property
    def mask(self) -> pd.DataFrame:
        """True where a cell (or total) is suppressed."""
        return self.status.ne("")

    @property
    def n_primary(self) -> int:
        return int(self.status.eq(PRIMARY).to_numpy().sum())

    @property
    def n_complementary(self) -> int:
        return int(self.status.eq(COMPLEMENTARY).to_numpy().sum())

    @property
    def counts(self) -> dict[str, int]:
        return {"primary": self.n_primary, "complementary": self.n_complementary, "cells": int(self.status.size)}


# --------------------------------------------------------------------------------------------
# The model. Augment the table with its margins: R = rows + 1 (total row last), C = cols + 1
# (total column last). Negate the row and column totals (not the grand total) and every row and
# every column sums to zero; a change to the hidden cells that keeps all published numbers right
# is therefore a sum of cycles through hidden cells, alternating +t and -t (in negated terms).
# An attacker knows each hidden cell is at least 1 (zeros are always published). A hidden cell p
# can be worked out unless some cycle through it lets it move: increasing p by t (or decreasing
# it, when p >= 2) must only decrease hidden cells that are at least 2. So each hidden cell needs
# such a cycle; the gate adds the cheapest one where it is missing.


def _flips(R: int, C: int) -> np.ndarray:
    """+1 for inner cells and the grand total, -1 for row and column totals (the negated margins)."""
    f = np.ones((R, C), np.int8)
    f[: R - 1, C - 1] = -1
    f[R - 1, : C - 1] = -1
    return f


def _eligible(a: np.ndarray, f: np.ndarray, p: tuple[int, int], s: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells usable on a cycle through p that moves p by s (+1 up, -1 down), walked row->col and col->row.

    Walking row->col a cell changes by -s*f[p]*f[cell] times t, col->row by +s*f[p]*f[cell]; a
    cell that goes down must be at least 2. Zero cells and p itself are never usable.
    """
    fp = int(f[p])
    pos = a > 0
    roomy = a >= 2
    down_rc = (-s * fp * f) < 0
    down_cr = (s * fp * f) < 0
    rc = pos & (~down_rc | roomy)
    cr = pos & (~down_cr | roomy)
    rc[p] = cr[p] = False
    return rc, cr


def _cycle_exists(supp: np.ndarray, rc: np.ndarray, cr: np.ndarray, p: tuple[int, int]) -> bool:
    """Is there a walk row p[0] -> ... -> column p[1] through suppressed, usable cells (BFS)?"""
    R, C = supp.shape
    ok_rc, ok_cr = supp & rc, supp & cr
    seen_r = np.zeros(R, bool)
    seen_c = np.zeros(C, bool)
    seen_r[p[0]] = True
    frontier = [p[0]]
    while frontier:
        cols = np.zeros(C, bool)
        for r in frontier:
            cols |= ok_rc[r]
        cols &= ~seen_c
        if cols[p[1]]:
            return True
        seen_c |= cols
        rows = ok_cr[:, cols].any(axis=1) & ~seen_r
        seen_r |= rows
        frontier = list(np.nonzero(rows)[0])
    return False


def _protected(a, f, supp, p) -> bool:
    for s in (1, -1) if a[p] >= 2 else (1,):
        rc, cr = _eligible(a, f, p, s)
        if _cycle_exists(supp, rc, cr, p):
            return True
    return False


def _cheapest_path(cost_rc: np.ndarray, cost_cr: np.ndarray, start_row: int, end_col: int):
    """(cost, cells) of the cheapest walk start_row -> ... -> end_col (dense Dijkstra), or (inf, [])."""
    R, C = cost_rc.shape
    INF = np.inf
    dist_r = np.full(R, INF)
    dist_c = np.full(C, INF)
    prev_r = np.full(R, -1)  # the column a row was reached from
    prev_c = np.full(C, -1)  # the row a column was reached from
    done_r = np.zeros(R, bool)
    done_c = np.zeros(C, bool)
    dist_r[start_row] = 0.0
    while True:
        dr = np.where(done_r, INF, dist_r)
        dc = np.where(done_c, INF, dist_c)
        ir, ic = int(dr.argmin()), int(dc.argmin())
        if dr[ir] == INF and dc[ic] == INF:
            return INF, []
        if dr[ir] <= dc[ic]:
            done_r[ir] = True
            cand = dist_r[ir] + cost_rc[ir, :]
            better = (cand < dist_c) & ~done_c
            dist_c[better] = cand[better]
            prev_c[better] = ir
        else:
            if ic == end_col:
                break
            done_c[ic] = True
            cand = dist_c[ic] + cost_cr[:, ic]
            better = (cand < dist_r) & ~done_r
            dist_r[better] = cand[better]
            prev_r[better] = ic
    path = []
    c = end_col
    while True:
        r = int(prev_c[c])
        path.append((r, c))
        if r == start_row:
            break
        c = int(prev_r[r])
        path.append((r, c))
    return float(dist_c[end_col]), path


def _protect(a, f, status, p) -> None:
    """Mark the cheapest set of extra cells that gives hidden cell p a cycle to move along."""
    supp = status > 0
    base = np.where(supp, 0.0, a.astype(float) + _TIE)
    best = (np.inf, [])
    for s in (1, -1) if a[p] >= 2 else (1,):
        rc, cr = _eligible(a, f, p, s)
        found = _cheapest_path(np.where(rc, base, np.inf), np.where(cr, base, np.inf), p[0], p[1])
        if found[0] < best[0]:
            best = found
    if not best[1]:  # pragma: no cover - the walk through p's row total, the grand total and p's column total always works
        raise RuntimeError(f"no complementary cells can protect cell {p}")
    for cell in best[1]:
        if status[cell] == 0:
            status[cell] = 2


def _suppress_array(a: np.ndarray, k: int, protect_totals: bool) -> np.ndarray:
    """Status codes (0 published, 1 primary, 2 complementary) for an augmented table `a`."""
    R, C = a.shape
    f = _flips(R, C)
    status = np.zeros((R, C), np.int8)
    primary = (a > 0) & (a < k)
    if not protect_totals:
        primary[R - 1, :] = False
        primary[:, C - 1] = False
    status[primary] = 1
    todo = sorted(zip(*np.nonzero(status)), key=lambda rc: (a[rc], rc))
    while todo:
        supp = status > 0
        todo = [(int(r), int(c)) for r, c in todo if not _protected(a, f, supp, (r, c))]
        if not todo:
            break
        before = set(zip(*np.nonzero(status)))
        _protect(a, f, status, todo[0])
        added = set(zip(*np.nonzero(status))) - before
        # the new cells need a cycle of their own too; the smallest hidden value goes first
        todo = sorted(set(todo) | {(int(r), int(c)) for r, c in added}, key=lambda rc: (a[rc], rc))
    return status


# --------------------------------------------------------------------------------------------
# public API


def suppress_table(
    table: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    margins_name: str = "Total",
    protect_totals: bool = True,
) -> SuppressedTable:
    """Suppress small cells of a wide count table (rows × columns) and the cells that would give them away.

    The published table is assumed to carry every cell, each row total, each column total and
    the grand total. Primary suppression: every cell with 0 < count < k (and, with
    `protect_totals`, every total with 0 < total < k). Complementary suppression: while some
    suppressed cell could be worked out exactly from what is published (it lies on no cycle of
    suppressed cells through the table with its margins; in the simplest form, it is alone in its
    row or column), hide the cheapest set of further non-zero cells or totals that closes a cycle
    through it (cost = the counts hidden). Zeros are never hidden, so an attacker knows every
    hidden cell is known to be at least 1; complementary cells are chosen so that every hidden
    cell can still move by at least 1 (up, or down, while every hidden cell stays >= 1) with all
    published cells and totals unchanged. The public must see one mark for every hidden cell
    (not "primary" vs "complementary"), or the gaps could narrow.
    Missing values (NaN) count as 0. Only the two-way margins are protected: a publisher that
    also shows other aggregates of the same records (subtotals by a coarser area, say) must put
    them in the table or suppress them separately.
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number of at least 1, got {k!r}")
    body = table.apply(pd.to_numeric, errors="raise").fillna(0)
    arr = body.to_numpy(dtype=float)
    if (arr < 0).any():
        raise ValueError("counts must not be negative")
    if not np.allclose(arr, np.round(arr)):
        raise ValueError("counts must be whole numbers")
    arr = np.round(arr).astype(np.int64)
    if margins_name in list(map(str, body.index)) or margins_name in list(map(str, body.columns)):
        raise ValueError(f"'{margins_name}' is already a row or column label: pass another margins_name")
    R, C = arr.shape
    aug = np.zeros((R + 1, C + 1), np.int64)
    aug[:R, :C] = arr
    aug[:R, C] = arr.sum(axis=1)
    aug[R, :C] = arr.sum(axis=0)
    aug[R, C] = arr.sum()
    codes = _suppress_array(aug, int(k), protect_totals)
    index = list(body.index) + [margins_name]
    columns = list(body.columns) + [margins_name]
    if isinstance(body.index, pd.MultiIndex):
        index = pd.MultiIndex.from_tuples(
            list(body.index) + [(margins_name,) * body.index.nlevels], names=body.index.names
        )
    if isinstance(body.columns, pd.MultiIndex):
        columns = pd.MultiIndex.from_tuples(
            list(body.columns) + [(margins_name,) * body.columns.nlevels], names=body.columns.names
        )
    values = pd.DataFrame(np.where(codes > 0, np.nan, aug.astype(float)), index=index, columns=columns)
    labels = np.array(["", PRIMARY, COMPLEMENTARY], dtype=object)[codes]
    status = pd.DataFrame(labels, index=index, columns=columns)
    if not isinstance(body.index, pd.MultiIndex):
        values.index.name = status.index.name = body.index.name
    if not isinstance(body.columns, pd.MultiIndex):
        values.columns.name = status.columns.name = body.columns.name
    return SuppressedTable(values=values, status=status, k=int(k), margins_name=margins_name)


def suppress_long(
    df: pd.DataFrame,
    row_dim: str | Sequence[str],
    col_dim: str | Sequence[str],
    count_col: str,
    k: int = DEFAULT_K,
    *,
    margins_name: str = "Total",
    protect_totals: bool = True,
    include_margins: bool = True,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """`suppress_table` for a long table: one row per (row_dim, col_dim) with a count.

    Repeated combinations are summed; combinations that do not appear count as 0 (they are
    published as 0). Returns a long frame with the dimension columns, `count_col` (nullable
    Int64, <NA> where suppressed), `suppressed` (bool) and `suppression` ("", "primary",
    "complementary"); with `include_margins`, also the totals, whose dimension values are
    `margins_name`. And the counts {"primary", "complementary", "cells"}.
    """
    rows = [row_dim] if isinstance(row_dim, str) else list(row_dim)
    cols = [col_dim] if isinstance(col_dim, str) else list(col_dim)
    missing = [c for c in rows + cols + [count_col] if c not in df.columns]
    if missing:
        raise KeyError(f"missing column(s): {', '.join(missing)}")
    grouped = df.groupby(rows + cols, observed=False, dropna=False)[count_col].sum()
    wide = grouped.unstack(cols if len(cols) > 1 else cols[0], fill_value=0)
    result = suppress_table(wide, k, margins_name=margins_name, protect_totals=protect_totals)
    stack_levels = list(range(result.values.columns.nlevels))
    vals = result.values.stack(stack_levels, future_stack=True)
    stat = result.status.stack(stack_levels, future_stack=True)
    out = pd.DataFrame({count_col: vals, "suppression": stat}).reset_index()
    out.columns = rows + cols + [count_col, "suppression"]
    out[count_col] = out[count_col].astype("Int64")
    out["suppressed"] = out["suppression"].ne("")
    out = out[rows + cols + [count_col, "suppressed", "suppression"]]
    if not include_margins:
        is_margin = np.zeros(len(out), bool)
        for c in rows + cols:
            is_margin |= out[c].astype(object).eq(margins_name).to_numpy()
        out = out[~is_margin].reset_index(drop=True)
    return out, result.counts


def exposed_cells(table: pd.DataFrame, result: SuppressedTable) -> list[tuple]:
    """Hidden cells (row label, column label) that the published cells and totals would give away.

    `table` is the true table given to `suppress_table`; `result` what it returned, possibly changed
    by hand. Empty for every untouched result of `suppress_table`. A hidden cell is given away when
    no cycle through hidden cells lets it move while every hidden cell stays at 1 or more.
    """
    arr = table.apply(pd.to_numeric, errors="raise").fillna(0).to_numpy(dtype=float).round().astype(np.int64)
    R, C = arr.shape
    a = np.zeros((R + 1, C + 1), np.int64)
    a[:R, :C] = arr
    a[:R, C] = arr.sum(axis=1)
    a[R, :C] = arr.sum(axis=0)
    a[R, C] = arr.sum()
    supp = result.mask.to_numpy()
    if supp.shape != a.shape:
        raise ValueError("the result does not belong to this table (shapes differ)")
    f = _flips(R + 1, C + 1)
    idx, cols = list(result.values.index), list(result.values.columns)
    return [(idx[r], cols[c]) for r, c in zip(*np.nonzero(supp)) if not _protected(a, f, supp, (int(r), int(c)))]


# --------------------------------------------------------------------------------------------
# Counts at several levels (beats within districts, districts as a second partition of the same total): the published
# sums are equations that a graph carries. Each equation is a node, plus a ground node 0 for "no equation"; each cell is an
# edge from the equation where it is the sum (or ground, for a finest-level cell) to the equation where it is a term (or
# ground, for the top). A change to hidden cells that keeps every published number right is a circulation on hidden edges,
# so, as in the two-way table above, a hidden cell can be worked out unless it lies on a cycle of hidden edges along which
# it can move by one, every cell that goes down being at least 2 (zeros are published, so each hidden cell is >= 1). Exact
# for integer counts: the equations form a network matrix, whose integer solutions differ by sums of such cycles.


def _steps(x: int, e: int, tails: np.ndarray, heads: np.ndarray, values: np.ndarray) -> int | None:
    """The node reached from x along edge e (forward raises the cell, backward lowers it, so needs a cell of at least 2)."""
    if tails[e] == x:
        return int(heads[e])
    if heads[e] == x and values[e] >= 2:
        return int(tails[e])
    return None


def _graph_moves(p: int, values: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of the return walks that move edge p: up always, down when p is at least 2."""
    return [("head", "tail")] + ([("tail", "head")] if values[p] >= 2 else [])


def _graph_walk(p, start, end, hidden, values, tails, heads, adj, cost=None):
    """Cheapest walk start -> end avoiding edge p (with `cost`, any non-zero edge, Dijkstra); without `cost`, only hidden
    edges (a reachability test). Returns (cost, edges) or (inf, [])."""
    import heapq

    dist = {start: 0.0}
    prev: dict[int, tuple[int, int]] = {}
    heap = [(0.0, start)]
    while heap:
        d, x = heapq.heappop(heap)
        if d > dist.get(x, np.inf):
            continue
        if x == end:
            path, y = [], end
            while y != start:
                e, y = prev[y]
                path.append(e)
            return d, path
        for e in adj[x]:
            if e == p or values[e] <= 0 or (cost is None and not hidden[e]):
                continue
            y = _steps(x, e, tails, heads, values)
            if y is None:
                continue
            nd = d + (0.0 if cost is None or hidden[e] else cost[e])
            if nd < dist.get(y, np.inf):
                dist[y] = nd
                prev[y] = (e, x)
                heapq.heappush(heap, (nd, y))
    return np.inf, []


def graph_protected(values, tails, heads, hidden, p: int, adj=None) -> bool:
    """Can hidden edge p move by one with every published number unchanged and every hidden cell at least 1?"""
    adj = adj if adj is not None else _adjacency(tails, heads)
    ends = {"head": int(heads[p]), "tail": int(tails[p])}
    return any(_graph_walk(p, ends[s], ends[t], hidden, values, tails, heads, adj)[1] or ends[s] == ends[t]
               for s, t in _graph_moves(p, values))


def _adjacency(tails, heads) -> dict[int, list[int]]:
    adj: dict[int, list[int]] = {}
    for e, (a, b) in enumerate(zip(tails.tolist(), heads.tolist())):
        adj.setdefault(a, []).append(e)
        if b != a:
            adj.setdefault(b, []).append(e)
    return adj


def suppress_graph(values, tails, heads, status, k: int = DEFAULT_K, weight=None) -> np.ndarray:
    """Status codes (0 published, 1 primary, 2 complementary) for the cells of a graph of equations (see above).

    `status` gives cells already hidden (1 or 2: kept hidden); every other cell with 0 < value < k becomes primary. Then,
    while some hidden cell could be worked out, the cheapest set of published cells that closes a cycle through it is
    hidden, cost = weight × count (`weight` makes some cells dearer: cells another table already published)."""
    values = np.asarray(values, np.int64)
    tails, heads = np.asarray(tails, np.int64), np.asarray(heads, np.int64)
    status = np.array(status, np.int8, copy=True)
    if (values < 0).any():
        raise ValueError("counts must not be negative")
    status[(status == 0) & (values > 0) & (values < k)] = 1
    status[values <= 0] = 0  # a zero is published: it gives nothing away
    weight = np.ones(len(values)) if weight is None else np.asarray(weight, float)
    cost = weight * values + _TIE
    adj = _adjacency(tails, heads)
    ends = lambda e: {"head": int(heads[e]), "tail": int(tails[e])}  # noqa: E731
    todo = sorted(map(int, np.flatnonzero(status)), key=lambda e: (values[e], e))
    while todo:
        hidden = status > 0
        todo = [e for e in todo if not graph_protected(values, tails, heads, hidden, e, adj)]
        if not todo:
            break
        p = todo[0]
        best = (np.inf, [])
        for s, t in _graph_moves(p, values):
            found = _graph_walk(p, ends(p)[s], ends(p)[t], hidden, values, tails, heads, adj, cost)
            if found[0] < best[0]:
                best = found
        if not best[1]:  # pragma: no cover - the walk up through the parents to the top and back always exists
            raise RuntimeError(f"no complementary cells can protect cell {p}")
        added = [e for e in best[1] if status[e] == 0]
        status[added] = 2
        todo = sorted(set(todo) | set(added), key=lambda e: (values[e], e))
    return status
