"""NOPD misconduct complaints: one row per officer-allegation becomes one complaint, carried by its first row."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

ID = "Complaint Tracking Number"
TYPE = "Incident Type"
STATUS = "Investigation status"
RECEIVED = "Date Complaint Received by NOPD (PIB)"
COMPLETE = "Date Complaint Investigation Complete"
RULE = "Rule Violation"
CLASS = "Complaint classification"
DISPOSITION = "Disposition"
DATE_FMT = "%Y/%m/%d"
# the least advanced allegation decides where the complaint stands
STAGE = {"INITIAL": 0, "FORWARDED": 1, "ACTIVE": 1, "COMPLETED": 2}


def _text(arr) -> pd.Series:
    s = pd.Series(arr.to_pylist(), dtype="object").astype("string").str.strip()
    return s.mask(s == "")


def _iso(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%d").astype("object").where(ts.notna(), None)


def prepare(table: pa.Table) -> pa.Table:
    """Add complaint-level columns (COMPLAINT_*) worked out over all allegation rows of a tracking number.

    The tracking number is compared trimmed and upper-cased ('2016-0130-P ' is '2016-0130-P').
    COMPLAINT_ROW is "first" on the row that carries the complaint and "additional allegation" on
    the others (the spec rejects those with that reason). A complaint is public-initiated when any
    allegation is; it stands at its least advanced allegation's status; it was received on its
    earliest date; it is resolved on its latest completion date, and only once every allegation is
    completed; its outcome lists the allegations' distinct dispositions, once it is resolved.
    Rows without a tracking number stay on their own (the engine rejects them).
    """
    df = pd.DataFrame({c: _text(table[c]) for c in (ID, TYPE, STATUS, RECEIVED, COMPLETE, RULE, CLASS, DISPOSITION)})
    key = df[ID].str.upper()
    group = key.fillna(pd.Series([f"\x00row{i}" for i in range(len(df))], index=df.index, dtype="string"))
    by = df.groupby(group, sort=False)

    stage = df[STATUS].str.upper().map(STAGE).astype("float")
    df["_stage"] = stage
    least = by["_stage"].transform("min")
    # the status word of the least advanced allegation (first such row)
    at_least = df[STATUS].where(stage == least)
    status = at_least.groupby(group, sort=False).transform("first").fillna(by[STATUS].transform("first"))

    public = df[TYPE].str.upper().eq("PUBLIC INITIATED").groupby(group, sort=False).transform("any")
    kind = by[TYPE].transform("first").where(~public, "Public Initiated")

    received = pd.to_datetime(df[RECEIVED], format=DATE_FMT, errors="coerce").groupby(group, sort=False).transform("min")
    complete = pd.to_datetime(df[COMPLETE], format=DATE_FMT, errors="coerce").groupby(group, sort=False).transform("max")
    all_done = stage.eq(STAGE["COMPLETED"]).groupby(group, sort=False).transform("all")
    resolved = complete.where(all_done)

    # every distinct outcome of the complaint's allegations, in order ("Sustained; Not Sustained"),
    # once the complaint is resolved (a pending allegation has no outcome yet)
    pairs = pd.DataFrame({"g": group, "d": df[DISPOSITION]}).dropna().drop_duplicates()
    disposition = group.map(pairs.groupby("g", sort=False)["d"].agg("; ".join)).where(all_done)

    out = {
        "COMPLAINT_ID": key,
        "COMPLAINT_ROW": pd.Series("first", index=df.index).where(~group.duplicated(keep="first"), "additional allegation"),
        "COMPLAINT_TYPE": kind,
        "COMPLAINT_CLASSIFICATION": by[CLASS].transform("first"),
        "COMPLAINT_STATUS": status,
        "COMPLAINT_RECEIVED": _iso(received),
        "COMPLAINT_RESOLVED": _iso(resolved),
        "COMPLAINT_TOPIC": by[RULE].transform("first"),
        "COMPLAINT_DISPOSITION": disposition,
    }
    for name, s in out.items():
        vals = [None if pd.isna(v) else str(v) for v in s.astype("object").tolist()]
        table = table.append_column(name, pa.array(vals, pa.string()))
    return table
