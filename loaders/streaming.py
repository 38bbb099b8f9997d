"""What a file read in batches must remember from one batch to the next: the identifiers already seen, kept compact."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from gate.batches import duckdb_cursor  # one DuckDB database a process, a cursor a call

# a level grows by merging with the next until it holds this many keys: merging costs memory in proportion to its size,
# and time: with the filter below, searching several levels costs less than merging them into one
MAX_LEVEL = 1_000_000
# the filter of hashes held has 2**FILTER_BITS bits (64 MiB at most; a page is memory only once a key falls in it): at 3M
# keys 0.6 % are set, so 99 % of new keys are known new without a search; at 20M, 96 %
FILTER_BITS = 29


def key_hashes(keys) -> np.ndarray:
    """A 64-bit hash of each value (DuckDB's, computed in bulk); equal values hash equal within one run."""
    arr = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    t = pa.table({"k": pc_cast_text(arr)})
    con = duckdb_cursor()
    try:
        return con.sql("SELECT hash(k) AS h FROM t").fetchnumpy()["h"].astype(np.uint64, copy=False)
    finally:
        con.close()


def pc_cast_text(arr: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else pc.cast(arr, pa.string())


class KeySet:
    """The identifiers seen so far as sorted levels of 64-bit hashes, each with how often it was seen and the first row
    it was seen on (16 bytes a key: 20 million identifiers take 320 MB). Every key is held once, in one level; a new
    batch's new keys make a level, merged with the one before while that is under four times its size (a log-structured
    merge; fewer, larger merges cost less than many small ones: 0.77 s against 1.04 s at 3M keys with a factor of two),
    so a lookup searches a handful of sorted arrays.

    Two different identifiers share a 64-bit hash with a probability of about n²/2⁶⁵ (1 in 100,000 for 20 million);
    the later would then be taken for a repeat of the earlier."""

    def __init__(self):
        self.levels: list[list[np.ndarray]] = []  # [hashes (sorted, uint64), counts (uint32), first rows (uint32)]
        self.seen: np.ndarray | None = None  # the filter: a bit set at the slot of every hash held (its top FILTER_BITS bits)

    def __len__(self) -> int:
        return sum(len(lv[0]) for lv in self.levels)

    def _find(self, h: np.ndarray, ordered: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """For each hash, the level holding it (-1 when none) and its place there; `ordered`: the hashes are sorted."""
        where = np.full(len(h), -1, dtype=np.int64)
        at = np.zeros(len(h), dtype=np.int64)
        if not len(h) or not self.levels:
            return where, at
        slot = h >> (64 - FILTER_BITS)
        maybe = np.flatnonzero(self.seen[slot >> 3] & (1 << (slot & 7)).astype(np.uint8))  # an empty slot: not held
        if not len(maybe):
            return where, at
        order = maybe if ordered else maybe[np.argsort(h[maybe], kind="stable")]  # sorted queries search several times faster
        hs = h[order]
        for li, (keys, _, _) in enumerate(self.levels):
            i = np.searchsorted(keys, hs)
            i_ok = np.minimum(i, len(keys) - 1)
            hit = (i < len(keys)) & (keys[i_ok] == hs)
            sel = order[hit]
            where[sel] = li
            at[sel] = i[hit]
        return where, at

    def contains(self, h: np.ndarray) -> np.ndarray:
        return self._find(h)[0] >= 0

    def update(self, h: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each hash, how many times it was seen before, in earlier batches or earlier in this one (0 for none), and
        the row it was first seen on (its own row the first time); then each is counted once more. `rows` ascend.
        One stable sort of the batch's hashes finds its repeats and its distinct hashes, which are looked up at once."""
        n = len(h)
        rows = np.asarray(rows, dtype=np.int64)
        if not n:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        order = np.argsort(h, kind="stable")  # equal hashes keep their row order: the first of each comes first
        sh = h[order]
        starts = np.ones(n, dtype=bool)
        starts[1:] = sh[1:] != sh[:-1]
        begin = np.flatnonzero(starts)  # where each distinct hash begins in sorted order
        uniq, first_u = sh[begin], rows[order[begin]]
        sizes = np.diff(np.append(begin, n))
        if len(begin) == n:  # no repeat within the batch (the usual case): each row is its own group
            gid, within = None, None
        else:
            gid = np.cumsum(starts) - 1
            within = np.arange(n) - begin[gid]
        where, at = self._find(uniq, ordered=True)
        before = np.zeros(len(uniq), dtype=np.int64)
        for li, (_, counts, firsts) in enumerate(self.levels):
            sel = np.flatnonzero(where == li)
            if len(sel):
                before[sel] = counts[at[sel]]
                first_u[sel] = firsts[at[sel]]
                counts[at[sel]] += sizes[sel].astype(np.uint32)  # each key is held once, so no two updates hit one place
        occ = np.empty(n, dtype=np.int64)
        first = np.empty(n, dtype=np.int64)
        if gid is None:
            occ[order], first[order] = before, first_u
        else:
            occ[order], first[order] = before[gid] + within, first_u[gid]
        new = where < 0
        if new.any():
            self._mark(uniq[new])
            self.levels.append([uniq[new], sizes[new].astype(np.uint32), first_u[new].astype(np.uint32)])
            self._compact()
        return occ, first

    def _mark(self, h: np.ndarray) -> None:
        """Set the filter's bit of each hash (sorted): the bits falling in one byte are put together first."""
        if self.seen is None:
            self.seen = np.zeros(1 << (FILTER_BITS - 3), dtype=np.uint8)
        slot = h >> (64 - FILTER_BITS)
        byte, bit = slot >> 3, (1 << (slot & 7)).astype(np.uint8)
        starts = np.flatnonzero(np.concatenate(([True], byte[1:] != byte[:-1])))
        self.seen[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)

    def _compact(self) -> None:
        while len(self.levels) > 1:
            a, b = self.levels[-2], self.levels[-1]
            if len(a[0]) > 4 * len(b[0]) or len(a[0]) + len(b[0]) > MAX_LEVEL:
                return
            self.levels[-2:] = [_merge(a, b)]


def _merge(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    """Two levels with no hash in common, as one sorted level (a linear merge: no sort of the whole)."""
    n = len(a[0]) + len(b[0])
    pos_b = np.searchsorted(a[0], b[0]) + np.arange(len(b[0]))
    take_a = np.ones(n, dtype=bool)
    take_a[pos_b] = False
    out = []
    for xa, xb in zip(a, b):
        m = np.empty(n, dtype=xa.dtype)
        m[pos_b] = xb
        m[take_a] = xa
        out.append(m)
    return out


class StreamState:
    """Cross-batch state of one mapping run over a file read in batches (loaders.mapping.apply_spec's `state`):
    the identifiers counted so far (for repeats across batches), the row hashes of exports without identifiers, and the
    rows set aside as no offence whose incident may be counted from a later batch."""

    def __init__(self):
        self.keys = KeySet()
        self.row_hashes: dict[str, KeySet] = {}
        self.aside_hashes: list[np.ndarray] = []
        self.aside_rows: list[np.ndarray] = []

    def occurrences(self, keyset: KeySet, keys, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Occurrence numbers (0 for a first sighting) and the row of each value's first sighting, over the whole file
        so far, this batch included; then the batch's keys are remembered. `keys`: null where a row does not take part
        (already rejected): such a row counts as a first sighting on its own row."""
        import pyarrow.compute as pc

        rows = np.asarray(rows, dtype=np.int64)
        occ, first = np.zeros(len(rows), dtype=np.int64), rows.copy()
        valid = pc.is_valid(keys)
        valid = (valid.combine_chunks() if isinstance(valid, pa.ChunkedArray) else valid).to_numpy(zero_copy_only=False).astype(bool)
        idx = np.flatnonzero(valid)
        if len(idx):
            occ[idx], first[idx] = keyset.update(key_hashes(keys if len(idx) == len(rows) else pc.filter(keys, pa.array(valid))), rows[idx])
        return occ, first

    def counted(self, keys) -> np.ndarray:
        """Whether each key (null: no) was counted in this batch or an earlier one."""
        import pyarrow.compute as pc

        valid = pc.is_valid(keys)
        valid = (valid.combine_chunks() if isinstance(valid, pa.ChunkedArray) else valid).to_numpy(zero_copy_only=False).astype(bool)
        out = np.zeros(len(valid), dtype=bool)
        if valid.any():
            out[valid] = self.keys.contains(key_hashes(pc.filter(keys, pa.array(valid))))
        return out

    def set_aside(self, keys, mask: np.ndarray, rows: np.ndarray) -> None:
        """Rows set aside as no offence (rejected) whose incident might still be counted from a later batch."""
        import pyarrow.compute as pc

        if not mask.any():
            return
        valid = (pc.is_valid(keys).combine_chunks() if isinstance(keys, pa.ChunkedArray) else pc.is_valid(keys)).to_numpy(zero_copy_only=False).astype(bool)
        sel = mask & valid
        if sel.any():
            self.aside_hashes.append(key_hashes(pc.filter(keys, pa.array(sel))))
            self.aside_rows.append(np.asarray(rows)[sel].astype(np.int64))

    def late_folds(self) -> np.ndarray:
        """The rows set aside whose incident was counted from a later batch: folded into it, not rejected."""
        if not self.aside_rows:
            return np.zeros(0, dtype=np.int64)
        h, r = np.concatenate(self.aside_hashes), np.concatenate(self.aside_rows)
        return r[self.keys.contains(h)]
