"""Row accounting, done in one place: rows read = rows accepted + rows folded + rows rejected, each rejection with a reason
and its group; a folded row is a further victim or offence of an incident already counted, never called rejected."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from . import mapping, validate
from .textio import ROW_COL, RawTable


@dataclass
class Accounting:
    """Where every row of one mapped file went."""

    frame: pd.DataFrame  # the accepted canonical rows; ROW_COL holds the source row each came from
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    reasons: dict[str, int]  # rejected rows by reason group, most frequent first (exact, however many rows)
    examples: list[dict]  # {row, column, value, reason, group}: the first MAX_EXAMPLES, or every itemised one
    rows_folded: int = 0  # further victims or offences of an incident already counted (one row per victim or offence)
    folded_by: str | None = None  # the column whose repeated identifier folds them
    folded_rows: set[int] = field(default_factory=set)  # their source row numbers (never listed as rejected)

    def folded_sentence(self) -> str | None:
        """'1,967 rows were further victims or offences of incidents already counted ...', or None."""
        return folded_sentence(self.rows_folded, self.folded_by)

    @property
    def accepted_rows(self) -> set[int]:
        """The source row numbers accepted (a row a family hook split into several canonical rows counts once)."""
        return set(self.frame[ROW_COL].astype("int64").tolist())


def folded_sentence(n: int, column: str | None) -> str | None:
    """The report's line for folded rows, the same on the command line and the upload page."""
    if not n:
        return None
    by = f" (the same '{column}' as an earlier row)" if column else ""
    return (f"{n:,} row{'s were' if n != 1 else ' was'} further victims or offences of incidents already counted{by}: "
            "each incident is counted once, from its first row.")



def reason_group(example: dict) -> str:
    """The group a rejection is counted under: its reason without the row-specific part ("first seen at row 12")."""
    return example.get("group") or example["reason"]


def account(raw: RawTable, res: mapping.MapResult, dataset: str, *, itemise_all: bool = False) -> Accounting:
    """Account for every row of one mapping run: lines the reader could not read as a record, rows the mapping rejected,
    and rows the schema's own checks (types, allowed values, ranges) reject, the last gate; every other row is accepted.
    Examples stop at mapping.MAX_EXAMPLES unless `itemise_all` (the mapping itself itemises at most that many)."""
    limit = None if itemise_all else mapping.MAX_EXAMPLES
    examples = [{**b, "group": b["reason"]} for b in raw.bad_rows] + list(res.rejections)
    rejected = len(raw.bad_rows) + res.rejected_count
    reasons = Counter(b["reason"] for b in raw.bad_rows)
    reasons.update(res.reason_counts)

    frame = res.frame.reset_index(drop=True)
    fails = validate.failures(frame, dataset, ROW_COL)
    if len(fails):
        first = fails.drop_duplicates("index")  # a row is rejected once, for its first failing check
        room = len(first) if limit is None else max(0, limit - len(examples))
        for r in first.head(room).itertuples():
            why = f"'{r.column}' {r.reason}"
            examples.append({"row": int(r.row), "column": r.column, "value": r.value, "reason": why, "group": why})
        rejected += len(first)
        reasons.update(f"'{c}' {r}" for c, r in zip(first["column"], first["reason"]))
        frame = frame.drop(index=first["index"].to_numpy()).reset_index(drop=True)

    rows_read = raw.rows_read
    folded = res.folded_count
    if frame[ROW_COL].duplicated().any():
        # a family hook made several canonical rows of one source row (e.g. one per survey measure):
        # the source row is accepted when at least one of its canonical rows is
        accepted = int(frame[ROW_COL].nunique())
        rejected = rows_read - accepted - folded
    else:
        accepted = len(frame)
    assert rows_read == accepted + folded + rejected, (rows_read, accepted, folded, rejected)
    return Accounting(frame, rows_read, accepted, rejected, dict(reasons.most_common()), examples if limit is None else examples[:limit],
                      rows_folded=folded, folded_by=res.folded_by,
                      folded_rows=set(res.folded_rows.tolist()) if res.folded_rows is not None else set())
