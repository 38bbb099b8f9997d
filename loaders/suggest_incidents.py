"""Inspect's choices for an incident export: a standard code column over local text, the incident identifier that repeats
once per victim or offence (its further rows folded), the date that comes first in an incident's life, and the offence a
file's name gives when no column holds one."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from .suggest_columns import Column, contains_seq, is_narrative, match_rule, norm_header, rules

if TYPE_CHECKING:  # pragma: no cover
    from .suggest import Draft

FILLED = 0.99  # a date column filled in this share of rows counts as filled
AGREE = 0.9  # rows sharing an identifier must share their date in this share of repeated identifiers to be one incident
MIN_ID_HEADER = 0.45  # header score (suggest.header_score) an identifier's header needs
UNKNOWN_STAGE = 0.5
MIN_CODE_FILL = 0.5  # a code column for the offence group is filled in at least this share of rows
MAX_CODE_VALUES = 3000  # a column with more distinct values is not a code column (codes inside text included)  # a date column whose header names no stage ('Date', 'Epoch') sits right after the occurrence dates


# ------------------------------------------------------------------------------------------------
# dates: occurred, then reported, then call, entered, updated


def _stage_words() -> list[tuple[str, list[list[str]]]]:
    return [(name, [norm_header(w).split() for w in words]) for name, words in rules().get("date_stages", {}).items()]


def stage(c: Column) -> float:
    """Where a date column sits in an incident's life (0 = occurred, 1 = reported, 2 = call, ...), by its header words; a
    later stage's words win ('Offense Report Date' is a report date)."""
    stages = _stage_words()
    for i in range(len(stages) - 1, -1, -1):
        if any(contains_seq(c.tokens, w) for w in stages[i][1]):
            return float(i)
    return UNKNOWN_STAGE


def _dates(draft: "Draft") -> list[Column]:
    personal = {p["column"] for p in draft.personal}
    return [c for c in draft.columns if c.name not in personal and c.date_rate >= 0.9 and c.date_formats not in (["excel"], ["%Y%m%d"])]


def choose_dates(draft: "Draft") -> None:
    """Among several date columns, occurred_at takes the one that is filled and comes earliest in an incident's life
    (occurred, then reported, call, entered, updated); a time of day in it breaks a tie. reported_at takes the filled
    report date. `Call Date Time` empty in 95 of 751 rows loses to `Date1 of Occurrence` filled in every row."""
    from .suggest import Pick, header_score
    from .suggest_columns import has_time

    cands = _dates(draft)
    cur = draft.picks.get("occurred_at")
    cur_name = cur.columns[0] if cur else None
    names = [n for n, _ in _stage_words()]
    reported = float(names.index("reported")) if "reported" in names else 1.0
    # the end of an occurrence range ('Occurred To') is never when it began, however well filled
    end_spec = rules()["datasets"]["incidents"]["fields"].get("occurred_end", {})
    ends = {c.name for c in cands if header_score(c, end_spec)[0] >= 0.8} if end_spec else set()
    early = [c for c in cands if (stage(c) < reported or c.name == cur_name) and c.name not in ends]
    if not early:  # only report, call or entry dates: the report date stands in, with a CHECK (suggest._finish)
        return

    def order(c: Column):
        return (c.fill_rate < FILLED, stage(c), -round(c.fill_rate, 3), not any(has_time(f) for f in c.date_formats), c.name != cur_name, c.index)

    best = min(early, key=order)
    if best.name != cur_name:
        why = f"of {len(cands)} date columns, {best.name!r} is {'filled in every row' if best.fill_rate >= FILLED else f'the most filled ({best.fill_rate:.0%})'} " \
              "and comes earliest in an incident's life (occurred, then reported, call, entered, updated)"
        draft.picks["occurred_at"] = Pick("occurred_at", [best.name], 0.8 if stage(best) < reported else 0.6, why, samples=best.examples())
        for fname, p in list(draft.picks.items()):
            if fname != "occurred_at" and p.columns == [best.name]:
                del draft.picks[fname]
    if "reported_at" in get_fields(draft):
        rep = [c for c in cands if stage(c) == reported and c.name != best.name]
        if rep:
            r = min(rep, key=order)
            have = draft.picks.get("reported_at")
            if have is None or have.columns[0] == best.name or stage(next(c for c in draft.columns if c.name == have.columns[0])) != reported:
                draft.picks["reported_at"] = Pick("reported_at", [r.name], 0.8, f"header {r.name!r} names the report date; {r.fill_rate:.0%} filled",
                                                  samples=r.examples())


def get_fields(draft: "Draft") -> set[str]:
    from model.schema import dataset as get_dataset

    return set(get_dataset(draft.dataset).names)


# ------------------------------------------------------------------------------------------------
# standard offence codes


def standard_codes(draft: "Draft") -> dict | None:
    """The column whose values are a standard system's offence codes (NIBRS, UCR, UCR2, police.uk, Home Office, Clery),
    found by its values (loaders.codes.recognise_column), even with codes inside text or with extensions. It becomes
    `category` with `codes = "<system>"`, and the local offence text, if any, `offence_raw`. Returns what was found."""
    from .codes import recognise_column, system
    from .suggest import Pick, header_score

    personal = {p["column"] for p in draft.personal}
    found = []
    for c in draft.columns:
        if c.name in personal or not c.filled or c.date_rate >= 0.9 or c.time_format or c.point_rate >= 0.5 or c.geometry_rate >= 0.5:
            continue
        if (c.unique and c.distinct > 50) or c.distinct > MAX_CODE_VALUES or (c.numeric_rate >= 0.9 and c.int_rate < 0.5):
            continue  # identifiers, free text and coordinates are never a code column; skipping them keeps inspect quick
        if c.fill_rate < MIN_CODE_FILL:
            continue  # every row needs its offence: a column empty in most rows is a flag beside it (a campus's VAWA offense)
        sid, share = recognise_column(c.sample)
        if sid:
            found.append((share, c.mean_len <= 12, c.index, c, sid))
    if not found:
        return None
    share, _, _, col, sid = max(found, key=lambda t: (round(t[0], 2), t[1], -t[2]))
    sys = system(sid)
    old = draft.picks.get("category")
    local = old.columns[0] if old and old.columns and old.columns[0] != col.name else _local_text(draft, col.name, personal)
    draft.picks["category"] = Pick("category", [col.name], round(0.6 + 0.4 * share, 2),
                                   f"the values of {col.name!r} are {sys.title} codes ({share:.0%} of rows): every valid code is placed in "
                                   f"its group by loaders/codes/{sys.path.name if sys.path else sid + '.csv'}, codes meaning no offence are set aside",
                                   settings={"codes": sid}, samples=col.examples())
    if local and local != col.name:
        draft.picks["offence_raw"] = Pick("offence_raw", [local], 0.8, "the agency's own offence text beside the standard code, kept for "
                                          "traceability (never published as is)", samples=next(c for c in draft.columns if c.name == local).examples())
    for fname, p in list(draft.picks.items()):
        if fname not in ("category", "offence_raw") and p.columns and p.columns[0] in (col.name, local):
            del draft.picks[fname]
    return {"column": col.name, "system": sid, "title": sys.title, "share": share, "local": local}


def _local_text(draft: "Draft", code_col: str, personal: set[str]) -> str | None:
    """The agency's own offence text: the column whose header best names an offence, other than the code column."""
    from .suggest import header_score

    fspec = rules()["datasets"]["incidents"]["fields"]["category"]
    best = None
    for c in draft.columns:
        if c.name in (code_col, *personal) or not c.filled or is_narrative(c) or c.numeric_rate > 0.5 or c.date_rate > 0.5:
            continue
        hs = header_score(c, fspec)[0]
        if hs >= MIN_ID_HEADER and (best is None or hs > best[0]):
            best = (hs, c.name)
    return best[1] if best else None


def code_crosswalk(draft: "Draft", found: dict, limit: int, place=None) -> None:
    """The draft's [crosswalks.category] for a code column: only the values that hold no code of the system, placed by the
    keyword rules where they can be, else left for the analyst. Every value holding a valid code maps without a line."""
    from .codes import classify

    col = next(c for c in draft.columns if c.name == found["column"])
    entries, coded_values, coded_rows, aside = [], 0, 0, 0
    for v, n in col.counts():
        hit = classify(v, found["system"])
        if hit is not None:
            coded_values += 1
            coded_rows += n
            aside += n if hit[1] == "no_offence" else 0
            continue
        placed = place_offence(v, place)
        entries.append({"value": v.strip(), "rows": n, "to": placed[0] if placed else None, "rule": placed[1] if placed else None})
    draft.crosswalks["category"] = {"column": col.name, "entries": entries[:limit], "more": max(0, len(entries) - limit),
                                    "more_rows": sum(e["rows"] for e in entries[limit:]), "codes": found["system"],
                                    "codes_title": found["title"], "coded_values": coded_values, "coded_rows": coded_rows, "no_offence_rows": aside}


def place_offence(value: str, place=None) -> tuple[str, str] | None:
    """(group, rule) for a raw offence value: 'no_offence' when the value says it is none ('Non-Criminal', 'Case
    Closure': its rows are set aside like NIBRS 999), else what `place(value)` says (default: the offence keyword
    rules), else None."""
    from .mapping import NO_OFFENCE_VALUE

    hit = match_rule(value, [{"group": NO_OFFENCE_VALUE, "keywords": rules().get("no_offence", {}).get("keywords", [])}], "group")
    if hit:
        return hit
    return place(value) if place is not None else match_rule(value, rules()["category"], "group")


# ------------------------------------------------------------------------------------------------
# the incident identifier


def _dates_agree(c: Column, date: Column | None) -> float | None:
    """Of the identifiers that repeat, the share whose rows all give the same date: one incident told over several rows
    (one per victim or offence) has one date; a code or a place that repeats has many."""
    if date is None or c._array is None or date._array is None:
        return None
    t = pa.table({"k": c._array, "d": date._array}).filter(pc.is_valid(c._array))
    g = t.group_by("k").aggregate([("d", "count_distinct"), ("k", "count")])
    rep = g.filter(pc.greater(g["k_count"], 1))
    if rep.num_rows == 0:
        return 1.0
    return pc.mean(pc.cast(pc.less_equal(rep["d_count_distinct"], 1), pa.int64())).as_py()


def incident_key(draft: "Draft") -> None:
    """The incident identifier. An identifier-like column that repeats, whose repeated rows share their date, is one
    incident told over several rows (one per victim or offence): it is the key, with duplicates = "fold", so the
    further rows are folded into their incident, not counted again and not rejected. It beats a column unique per row
    ('Row ID', 'Offense ID'). Rows with no identifier get a hash of their values (empty = "row_hash")."""
    from model.schema import dataset as get_dataset

    from .suggest import Pick, header_score

    key = get_dataset(draft.dataset).key
    fspec = rules()["datasets"][draft.dataset]["fields"][key]
    row_level = {norm_header(x) for x in fspec.get("row_level", [])}
    personal = {p["column"] for p in draft.personal}
    occ = draft.picks.get("occurred_at")
    date = next((c for c in draft.columns if occ and occ.columns and c.name == occ.columns[0]), None)
    used = {n for f, p in draft.picks.items() if f != key for n in p.columns}
    cands = []
    for c in draft.columns:
        dates = c.date_rate > 0.5 and c.date_formats not in (["excel"], ["%Y%m%d"])  # 743396 reads as a date, but is a number
        if c.name in personal or c.name in used or not c.filled or c.fill_rate < 0.5 or dates or c.time_format:
            continue
        hs, _syn = header_score(c, fspec)
        if hs < MIN_ID_HEADER or c.distinct / c.filled < 0.3:
            continue
        if c.unique:
            cands.append((round(hs - (0.5 if c.norm in row_level else 0.0), 2), 0, 0, c, None))
            continue
        agree = _dates_agree(c, date)
        if agree is not None and agree < AGREE:
            continue
        cands.append((round(hs, 2), 1, -c.distinct, c, agree))
    if not cands:
        return
    hs, repeats, _, c, agree = max(cands, key=lambda t: t[:3])
    have = draft.picks.get(key)
    if have is not None and have.columns == [c.name] and not repeats and c.fill_rate >= 1:
        return
    if repeats:
        n = c.filled - c.distinct
        how = (f"header {c.name!r} names an identifier; it repeats in {n:,} rows whose date is the same as their first row's"
               f"{f' ({agree:.0%} of repeated identifiers)' if agree is not None else ''}: one incident told over several rows "
               "(one per victim or offence). The further rows are folded into their incident, counted once")
        draft.duplicates = "fold"
        draft.folds = n
    else:
        how = f"header {c.name!r} names an identifier; every value is unique"
    pick = Pick(key, [c.name], min(1.0, max(hs, 0.5)), how, samples=c.examples())
    if c.fill_rate < 1:
        pick.settings["empty"] = "row_hash"
        pick.checks.append(f"{c.rows - c.filled:,} rows have no {c.name!r}: each gets a stable hash of its values as its identifier "
                           "(e.g. anti-social behaviour that has no crime number)")
    draft.picks[key] = pick
    draft.generate_key = False


# ------------------------------------------------------------------------------------------------
# no offence column: the file's name


def category_from_name(draft: "Draft") -> None:
    """An export of one kind of incident ('NYPD_Shooting_Incident_Data.csv') may have no offence column: the keyword
    rules read the sheet's name, the file's name, then the name of the folder it sits in (a download is often saved in
    a folder named for its dataset: 'toronto-tps-shootings/raw_data.csv'), and every row gets that group, with a CHECK
    line saying where it came from; the analyst can change the value. A folder named by a hash (an upload's staging
    folder) says nothing and is skipped."""
    if "category" in draft.picks:
        return
    path = draft.raw.path
    for what, text in (("sheet", draft.raw.sheet), ("file", path.stem), ("folder", path.parent.name)):
        if not text or (what == "folder" and _hash_like(text)):
            continue
        words = " ".join(norm_header(text).split())
        hit = match_rule(words, rules()["category"], "group")
        if hit:
            draft.constants["category"] = (hit[0], f"no column names the offence, but the {what}'s name {text!r} says {hit[1].lower()!r}: "
                                                   f"every row is placed in '{hit[0]}'. CHECK that the file holds nothing else, or "
                                                   "change the value")
            return


def _hash_like(name: str) -> bool:
    """A folder name that is a hash or a number, not words ('3fa9c01b', '2024')."""
    return bool(re.fullmatch(r"[0-9a-fA-F_-]{6,}|[0-9_-]+", name))
