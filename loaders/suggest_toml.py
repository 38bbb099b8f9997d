"""Write a drafted mapping profile as commented TOML that the mapping engine reads unchanged."""
from __future__ import annotations

import datetime as dt
import re
import textwrap
from typing import TYPE_CHECKING

from model.schema import SERVICE_GROUPS, dataset as get_dataset

if TYPE_CHECKING:  # pragma: no cover
    from .suggest import Draft

WIDTH = 100


def q(s: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in str(s):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def tval(v) -> str:
    """A TOML value: string, number, list or inline table."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(tval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{q(k)} = {tval(x)}" for k, x in v.items()) + " }"
    return q(v)


def safe(s: str, width: int = 200) -> str:
    """Text fit for a comment: one line, no control characters."""
    s = re.sub(r"[\x00-\x1f\x7f]+", " ", str(s))
    return s if len(s) <= width else s[: width - 1] + "…"


def comment(text: str, indent: str = "") -> list[str]:
    """Wrapped comment lines."""
    return textwrap.wrap(safe(text, 2000), WIDTH, initial_indent=f"# {indent}", subsequent_indent=f"# {indent}  ",
                         break_long_words=False, break_on_hyphens=False) or ["#"]


def _crs_hint(rng: list[float]) -> str:
    x0, x1, y0, y1 = rng
    if 0 <= x0 and x1 <= 700_000 and 0 <= y0 and y1 <= 1_300_000:
        return 'the ranges fit the British National Grid, "EPSG:27700"'
    if 100_000 <= x0 and x1 <= 900_000 and 0 <= y0 and y1 <= 10_000_000:
        return ('the ranges fit a UTM zone: "EPSG:326NN" (WGS84) or "EPSG:269NN" (NAD83), where NN is the zone of the '
                'service area (e.g. Vancouver EPSG:26910, Toronto EPSG:26917)')
    return "large numbers like these are often a state plane in US feet (e.g. Illinois East EPSG:3435)"


def render(d: "Draft") -> str:
    """The profile text, with comments telling the analyst what to check."""
    ds = get_dataset(d.dataset)
    raw = d.raw
    out: list[str] = []
    add = out.append
    ext = out.extend
    name = raw.path.name
    where = f"sheet {raw.sheet!r} of " if raw.sheet else ""

    ext(comment(f"Mapping profile DRAFTED by `python -m bridges inspect` from {where}{name} ({raw.kind}, {raw.rows_read:,} rows, "
                f"{len(raw.columns)} columns) on {dt.date.today().isoformat()}. It is a suggestion, not a decision: an analyst must check it "
                "before the first ingest, and can then reuse it every quarter for exports of the same system."))
    add("#")
    add("# What to check:")
    ext(comment("1. every line marked CHECK or TODO below;", "  "))
    ext(comment("2. that each [fields.X] table names the right column (X is the canonical field; see docs/mapping-profiles.md and the data dictionary);", "  "))
    if d.crosswalks:
        ext(comment("3. each crosswalk line: a raw value and the canonical value it becomes. Lines marked TODO are unassigned: "
                    "their rows are rejected (and listed as unmapped) until you assign them. Nothing is turned into \"other\" for you;", "  "))
    ext(comment(f"4. then run: python -m bridges ingest {name} --dataset {d.dataset} --profile THIS_FILE and read the report "
                "(rows read = accepted + rejected, with a reason for every rejected row).", "  "))
    if d.trial:
        add("#")
        t = d.trial
        if "rows_read" in t:
            folded = f"{t['rows_folded']:,} folded into incidents already counted, " if t.get("rows_folded") else ""
            ext(comment(f"Trial run of this draft on the file: {t['rows_accepted']:,} of {t['rows_read']:,} rows accepted, "
                        f"{folded}{t['rows_rejected']:,} rejected."))
            if not t["rows_accepted"]:
                ext(comment("No row is accepted yet: ingest refuses a draft with no accepted row. Do the TODO lines below first."))
            for reason, n in list(t["rejection_reasons"].items())[:6]:
                ext(comment(f"- {n:,} × {reason}", "  "))  # exact counts (loaders.accounting), not capped examples
        else:
            ext(comment(f"Trial run of this draft FAILED: {t['error']}"))
    if d.near_builtin:
        nb = d.near_builtin
        add("#")
        ext(comment(f"CHECK: the columns resemble the built-in source {nb['source']!r} ({nb['title']}), but "
                    f"{', '.join(repr(m) for m in nb['missing_headers'])} {'is' if len(nb['missing_headers']) == 1 else 'are'} missing. "
                    "If this is that system's export with renamed or dropped columns, the built-in mapping may be a better start."))
    add("#")
    ext(comment("Confidence (0 to 1) says how sure each guess is, from the header name and the values seen."))
    add("")

    add(f"id = {q(_slug(raw.path.stem))}")
    ext(comment("CHECK: a short name of the records system (e.g. \"acme-rms\"); it fills the `source` column of every row."))
    add(f"dataset = {q(d.dataset)}")
    scores = ", ".join(f"{k} {v:g}" for k, v in sorted(d.dataset_scores.items(), key=lambda kv: -kv[1]))
    if d.dataset_given:
        ext(comment(f"given with --dataset (scores from the columns: {scores})"))
    else:
        ext(comment(f"CHECK: guessed from the columns (scores: {scores}). If it is wrong, run inspect again with --dataset NAME."))
    add(f"title = {q(f'Profile for exports like {name}')}")
    if d.null_values:
        add(f"null_values = {tval(d.null_values)}")
        ext(comment("found in the file as whole values; read as empty in every column. CHECK none of them is a real value."))
    if isinstance(d.time_precision, dict) and "time_precision" in ds.names:
        add(f"time_precision = {tval(d.time_precision)}")
        ext(comment(f"occurred_at has the time of day of {d.time_precision['column']!r}; a row whose time is NULL or blank keeps its "
                    "date with day precision (this quarter's file or the next)."))
    elif d.time_precision and "time_precision" in ds.names:
        add(f"time_precision = {q(d.time_precision)}")
        ext(comment({"exact": "occurred_at has a time of day.",
                     "day": "occurred_at has a date but no time of day (every time is missing or 00:00).",
                     "month": "occurred_at gives only the month."}[d.time_precision]))
    if d.duplicates == "fold":
        add('duplicates = "fold"')
        ext(comment(f"the identifier repeats in {d.folds:,} rows that are further victims or offences of an incident already counted: "
                    "they are folded into it (rows read = accepted + folded + rejected), never counted twice, never rejected."))
        add('# count = "offences"')
        ext(comment("CHECK: each incident is counted once. To publish offences instead (one per row, as NIBRS counts them), "
                    "uncomment the line above; the pages then say that offences are counted."))
    if d.duplicates_hint:
        add('# duplicates = "suffix"')
        ext(comment(f"CHECK: {d.duplicates_hint}."))
    for line in d.checks:
        ext(comment(f"CHECK: {line}"))
    add("")

    if d.personal:
        add("# Columns that look PERSONAL: NOT PUBLISHED. They are not mapped and must never be:")
        for p in d.personal:
            ext(comment(f"{p['column']!r}: {p['reason']}", "  "))
        add("")
    if d.unused:
        add("# Columns not used. Add a [fields.X] table if one of them should be published:")
        for u in d.unused:
            ext(comment(f"{u['column']!r}: {u['note']}", "  "))
        add("")

    for f in ds.fields:
        if f.name in ("source", "quarter", "time_precision", "lat", "lon"):
            continue
        p = d.picks.get(f.name)
        if p is None:
            if f.name == ds.key and d.generate_key:
                add(f"[fields.{f.name}]")
                ext(comment("CHECK: no column holds a unique identifier, so each row gets a stable hash of its values. "
                            "If the export has a case or report number, name it here instead: column = \"...\""))
                add('generate = "row_hash"')
                add("")
            elif f.name in d.constants:
                value, why = d.constants[f.name]
                add(f"[fields.{f.name}]")
                ext(comment(why))
                add(f"value = {q(value)}")
                add("")
            elif f.name in d.missing:
                add(f"[fields.{f.name}]")
                ext(comment(f"TODO: no column looked like {f.name} ({f.description}). It is required: name the column, "
                            f"or give one value for every row (value = \"...\")."))
                add('# column = ""')
                add("")
            elif f.name in d.recommended:
                add(f"[fields.{f.name}]")
                ext(comment(f"TODO: {d.recommended[f.name]}."))
                add('# value = ""')
                add("")
            continue
        add(f"[fields.{f.name}]")
        ext(comment(f"confidence {p.confidence:.2f}: {p.how}"))
        if p.samples:
            ext(comment("e.g. " + ", ".join(q(safe(s, 60)) for s in p.samples)))
        add(f"column = {tval(p.columns[0] if len(p.columns) == 1 else p.columns)}")
        for k, v in p.settings.items():
            add(f"{k} = {tval(v)}")
        if f.name in d.crosswalks and d.crosswalks[f.name].get("codes"):
            ext(comment(f"codes = {q(d.crosswalks[f.name]['codes'])}: Bridges knows every code of this system (loaders/codes/); values "
                        f"holding no code are listed in [crosswalks.{f.name}] below"))
        elif f.name in d.crosswalks:
            ext(comment(f"its values are turned into canonical ones by [crosswalks.{f.name}] below"))
        for c in p.checks:
            ext(comment(f"CHECK: {c}"))
        add("")

    if d.coordinates:
        co = d.coordinates
        add("[coordinates]")
        ext(comment(f"confidence {co['confidence']:.2f}: {co['how']}"))
        for k in ("lat", "lon", "point", "order"):
            if k in co:
                add(f"{k} = {q(co[k])}")
        ext(comment("Points at 0,0, missing or out of range are kept without a map point; they still count in area totals."))
        add("")
    elif d.coordinates_hint:
        h = d.coordinates_hint
        x0, x1, y0, y1 = h["range"]
        ext(comment(f"TODO: {h['x']!r} and {h['y']!r} look like projected coordinates in metres or feet (x {x0:,.0f} to {x1:,.0f}, "
                    f"y {y0:,.0f} to {y1:,.0f}). The coordinate system cannot be told from the numbers alone: uncomment the four "
                    f"lines below and set crs to the one your records system uses; {_crs_hint(h['range'])}. Until then the rows "
                    "have no map point (they still count in area totals)."))
        add("# [coordinates]")
        add(f"# x = {q(h['x'])}")
        add(f"# y = {q(h['y'])}")
        add('# crs = "EPSG:?????"')
        add("")

    for fname, cw in d.crosswalks.items():
        allowed = list(ds.field(fname).allowed or [])
        add(f"[crosswalks.{fname}]")
        if cw.get("codes"):
            ext(comment(f"{cw['coded_values']:,} distinct values of {cw['column']!r} ({cw['coded_rows']:,} rows) hold a {cw['codes_title']} code: "
                        "each is placed by the code, with no line here"
                        + (f"; {cw['no_offence_rows']:,} rows hold a code meaning no offence and are set aside" if cw.get("no_offence_rows") else "")
                        + f". The {len(cw['entries']) + cw['more']:,} values below hold no code: CHECK each line (a keyword rule placed it), "
                        "assign the TODO ones, or write \"no_offence\" for a value that is no offence."))
        else:
            ext(comment(f"Every distinct value of {cw['column']!r} ({len(cw['entries']) + cw['more']:,}), most frequent first, with the "
                        "keyword rule (loaders/suggest_rules.toml) that placed it. CHECK each line; change the value on the right "
                        "where the rule guessed wrong."))
        ext(comment(f"Allowed: {', '.join(allowed)}."))
        if fname == "category":
            ext(comment("\"other\" is only for offences you decide belong in no other group. A call for service that reports no "
                        f"offence (an alarm, a medical assist, a welfare check) goes in a service group ({', '.join(SERVICE_GROUPS)}): "
                        "it is shown as service, never counted as crime."))
        todo = [e for e in cw["entries"] if e["to"] is None]
        for e in cw["entries"]:
            if e["to"] is not None:
                add(f"{q(e['value'])} = {q(e['to'])}   # {e['rows']:,} row{'s' if e['rows'] != 1 else ''}; rule {safe(e['rule'], 40)!r}")
        if todo:
            ext(comment(f"{len(todo)} value(s) no rule recognised. Uncomment each line and assign a value:"))
            what = "a group" if fname == "category" else "a value"
            for e in todo:
                add(f"# {q(e['value'])} = \"\"   # TODO: assign {what} ({e['rows']:,} row{'s' if e['rows'] != 1 else ''})")
        if cw["more"]:
            ext(comment(f"TODO: {cw['more']:,} more values ({cw['more_rows']:,} rows) are not listed here; ingest lists them "
                        "under 'unmapped'. Add a line for each."))
        add("")
    return "\n".join(out).rstrip() + "\n"


def _slug(stem: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return (s or "export")[:40]
