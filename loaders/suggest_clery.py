"""Inspect's choices for a campus's Clery export: the columns holding Clery geography, the Clery category, a VAWA offense,
a hate crime's bias and an arrest or disciplinary referral, found by header and by values, each with a crosswalk from
the campus's own words ("ON-CAMPUS RESIDENTIAL", "OCSH", "MV Theft", "Referred to Student Conduct") to Bridges' codes
(loaders/codes/clery.csv and clery_terms.csv). Drafted only for a campus, so a police export's profile never gains them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .suggest_columns import Column, is_narrative, match_rule, rules

if TYPE_CHECKING:  # pragma: no cover
    from .suggest import Draft

FIELDS = ("clery_geography", "clery_category", "vawa_offense", "bias", "clery_action")
ASK = "?"  # a rule's value for a word that is ambiguous: left to the analyst
MIN_HEADER = 0.6  # header score (suggest.header_score) that names a field (a weak synonym: 'Location Type') ...
FIRM_HEADER = 0.8  # ... and that names it plainly ('Clery Geography', 'Hate Bias'), with values the rules mostly know
MAX_CROSSWALK = 300
WHAT = {"clery_geography": "Clery geography", "clery_category": "Clery category", "vawa_offense": "VAWA offense",
        "bias": "hate-crime bias", "clery_action": "arrest or disciplinary referral"}


def _settings() -> dict:
    return rules()["clery"]


def place(value: str, fname: str) -> tuple[str | None, str] | None:
    """(code, why) for one raw value of a Clery field: a code of the field, "" for a value that says none (not Clery
    geography, no bias ...), None for one the analyst must decide; None when nothing recognises the value. A Clery
    category named as the Department of Education names it is read by the Clery code list first."""
    if fname == "clery_category":
        from .codes import classify

        hit = classify(value, "clery")
        if hit is not None:
            _, kind, code = hit
            if kind == "no_offence":  # 'Unfounded' says what became of the crime, not which crime it was
                return None, "unfounded, no category"
            from model.clery import CATEGORIES

            # a VAWA offense named in an offence text is a field of its own, not a category
            return (code, "Clery code list") if code in CATEGORIES else ("", "a VAWA offense")
    hit = match_rule(value, _settings()["values"][fname], "value")
    if hit is None:
        return None
    code, keyword = hit
    return (None, keyword) if code == ASK else (code, keyword)


def _coverage(c: Column, fname: str) -> tuple[float, set[str]]:
    """The share of a column's filled rows the value rules recognise, and the distinct codes they give."""
    hit_rows, codes = 0, set()
    for v, n in c.counts():
        hit = place(v, fname)
        if hit is not None:
            hit_rows += n
            if hit[0]:
                codes.add(hit[0])
    return (hit_rows / c.filled if c.filled else 0.0), codes


def _eligible(draft: "Draft", c: Column, taken: set[str]) -> bool:
    personal = {p["column"] for p in draft.personal}
    return (c.name not in personal and c.name not in taken and c.filled > 0 and not is_narrative(c) and c.date_rate < 0.5
            and not c.time_format and c.distinct <= _settings()["max_distinct"] and c.numeric_rate < 0.5)


def _find(draft: "Draft", fname: str, taken: set[str], by_values: bool = True) -> tuple[Column, float, float, set[str]] | None:
    """The column that holds a Clery field: a header naming it with values the rules mostly know, or (by_values) values
    the rules nearly all know, with two distinct codes at least. Best header and coverage together win."""
    from .suggest import header_score

    s = _settings()
    fspec = s["fields"][fname]
    best = None
    for c in draft.columns:
        if not _eligible(draft, c, taken):
            continue
        hs, _ = header_score(c, fspec)
        if hs < MIN_HEADER and not by_values:
            continue
        cov, codes = _coverage(c, fname)
        named = hs >= FIRM_HEADER and cov >= s["with_header"] or hs >= MIN_HEADER and cov >= s["by_values"]
        seen = by_values and cov >= s["by_values"] and len(codes) >= 2
        if not (named or seen) or not codes:
            continue
        key = (hs + cov, len(codes), -c.index)
        if best is None or key > best[0]:
            best = (key, c, hs, cov, codes)
    return best[1:] if best else None


def _crosswalk(draft: "Draft", fname: str, c: Column, borrowed: bool) -> list[dict]:
    """Every distinct value of the column with the code it becomes. In a column the field borrows, a value that names no
    such thing is left empty; in the field's own column it is a TODO for the analyst."""
    from .suggest import merged_counts

    entries = []
    for v, n in merged_counts(c):
        hit = place(v, fname)
        if hit is None and borrowed:
            hit = ("", f"names no {WHAT[fname]}")
        entries.append({"value": v, "rows": n, "to": hit[0] if hit else None, "rule": hit[1] if hit else None})
    draft.crosswalks[fname] = {"column": c.name, "entries": entries[:MAX_CROSSWALK], "more": max(0, len(entries) - MAX_CROSSWALK),
                               "more_rows": sum(e["rows"] for e in entries[MAX_CROSSWALK:])}
    return entries


def _pick(draft: "Draft", fname: str, c: Column, confidence: float, how: str, borrowed: bool = False) -> None:
    from .suggest import Pick

    if not borrowed:
        _release(draft, c.name)
    entries = _crosswalk(draft, fname, c, borrowed)
    codes = sorted({e["to"] for e in entries if e["to"]})
    todo = sum(e["rows"] for e in entries if e["to"] is None)
    p = Pick(fname, [c.name], round(min(1.0, confidence), 2), f"{how}; {len(codes)} {WHAT[fname]} value{'s' if len(codes) != 1 else ''} "
             f"recognised ({', '.join(codes[:6])}{' …' if len(codes) > 6 else ''})", samples=c.examples())
    if todo:
        p.checks.append(f"{todo:,} rows hold a value no rule recognised as a {WHAT[fname]}: assign each TODO line of "
                        f"[crosswalks.{fname}] (until then the field is left empty in those rows, with a warning)")
    draft.picks[fname] = p


def _release(draft: "Draft", name: str) -> None:
    """A column that holds a Clery field is no other field's (a header such as 'Clery Area' or 'Clery Crime Type' can draw
    the area or the offence group to it); the offence group goes back to the campus's own offence text, if there is one."""
    from .suggest import Pick
    from .suggest_incidents import _local_text

    for f, p in list(draft.picks.items()):
        if f in FIELDS or p.columns != [name]:
            continue
        if f == "category":
            local = _local_text(draft, name, {x["column"] for x in draft.personal})
            if local is None:
                continue  # no other offence text: the group stays on the Clery column
            draft.picks["category"] = Pick("category", [local], 0.7, f"the campus's own offence text ({name!r} holds the Clery "
                                           "category)", samples=_col(draft, local).examples())
            draft.picks.pop("offence_raw", None)
            continue
        del draft.picks[f]


def _col(draft: "Draft", name: str) -> Column:
    return next(c for c in draft.columns if c.name == name)


def campus_fields(draft: "Draft") -> None:
    """Draft the Clery fields of a campus's export, each with its crosswalk. A campus is an export with a column of Clery
    geography or of Clery categories; in it, a Clery category column the code list recognised (suggest_incidents
    .standard_codes took it for the offence group) becomes clery_category, and the campus's own offence text the group
    again; with no Clery category column, the offence text is read for the Clery categories it names."""
    from .suggest import header_score

    if draft.dataset != "incidents":
        return
    # a column firmly another field's is not a Clery field's, unless its header says Clery or VAWA
    firm = {n for f, p in draft.picks.items() if p.confidence >= 0.8 and f not in FIELDS for n in p.columns
            if not {"clery", "vawa"} & set(_col(draft, n).tokens)}
    coded = draft.codes if draft.codes and draft.codes.get("system") == "clery" else None
    taken = firm - ({coded["column"]} if coded else set())
    geo = _find(draft, "clery_geography", taken)
    cat = _find(draft, "clery_category", taken | ({geo[0].name} if geo else set()), by_values=False)
    if coded and cat is None:
        c = _col(draft, coded["column"])
        cat = (c, header_score(c, _settings()["fields"]["clery_category"])[0], *_coverage(c, "clery_category"))
    if geo is None and cat is None:
        return
    if coded:
        _give_back_category(draft, coded)
    used = set(taken)
    if geo:
        c, hs, cov, _ = geo
        said = f"header {c.name!r} names the Clery geography" if hs >= MIN_HEADER else f"the values of {c.name!r} are Clery geography"
        _pick(draft, "clery_geography", c, 0.5 + 0.5 * cov if hs < MIN_HEADER else 0.4 * hs + 0.6 * cov, said)
        used.add(c.name)
    if cat:
        c, hs, cov, _ = cat
        said = (f"header {c.name!r} names the Clery category" if hs >= MIN_HEADER
                else f"the values of {c.name!r} are the Clery categories as the Department of Education names them")
        _pick(draft, "clery_category", c, max(0.6, 0.4 * hs + 0.6 * cov), said)
        used.add(c.name)
    elif "category" in draft.picks:
        c = _col(draft, draft.picks["category"].columns[0])
        _pick(draft, "clery_category", c, 0.6, f"no column names the Clery category: the offence text of {c.name!r} is read for "
              "the Clery categories it names (a value naming none is no Clery crime)", borrowed=True)
        draft.picks["clery_category"].checks.append("read each line of [crosswalks.clery_category]: an offence text is not always "
                                                    "precise enough for the Clery Act's categories")
    for fname in ("vawa_offense", "bias"):
        found = _find(draft, fname, used)
        if found:
            c, hs, cov, _ = found
            said = f"header {c.name!r} names the {WHAT[fname]}" if hs >= MIN_HEADER else f"the values of {c.name!r} are {WHAT[fname]}"
            _pick(draft, fname, c, 0.4 * hs + 0.6 * cov if hs >= MIN_HEADER else 0.5 + 0.4 * cov, said)
            used.add(c.name)
    if "vawa_offense" not in draft.picks and "category" in draft.picks:
        c = _col(draft, draft.picks["category"].columns[0])
        if any((hit := place(v, "vawa_offense")) and hit[0] for v, _ in c.counts()):
            _pick(draft, "vawa_offense", c, 0.6, f"no column of its own: the offence text of {c.name!r} names VAWA offenses "
                  "(a value naming none is no VAWA offense)", borrowed=True)
    _action(draft, used)
    fields = ", ".join(f for f in FIELDS if f in draft.picks)
    draft.checks.append(f"this looks like a campus's Clery export ({fields}): each release will count its Annual Security Report "
                        "(clery_counts) and show its daily crime log. Read each line of the Clery crosswalks below")


def _give_back_category(draft: "Draft", coded: dict) -> None:
    """A Clery column was taken for the offence group (its values are the Clery code list's): it is a Clery field, and the
    campus's own offence text (if any) is the group again, placed by the keyword rules like any local text."""
    from .suggest import Pick

    local = coded.get("local")
    if local:
        draft.picks.pop("offence_raw", None)
        draft.picks["category"] = Pick("category", [local], 0.8, f"the campus's own offence text; {coded['column']!r} holds Clery "
                                       "categories, drafted as a Clery field", samples=_col(draft, local).examples())
        draft.codes = None


def _action(draft: "Draft", used: set[str]) -> None:
    """Arrest or referral: a column of its own, else the Clery category's text ('Liquor Law Violation - Referral'), else
    the disposition ('Closed - Referred to Student Conduct'), when their values say it."""
    found = _find(draft, "clery_action", used)
    if found:
        c, hs, cov, _ = found
        said = f"header {c.name!r} names the arrest or referral" if hs >= MIN_HEADER else f"the values of {c.name!r} are arrests and referrals"
        _pick(draft, "clery_action", c, 0.4 * hs + 0.6 * cov if hs >= MIN_HEADER else 0.5 + 0.4 * cov, said)
        return
    from model.clery import ARRESTS_REFERRALS, codes as clery_codes

    violations = set(clery_codes(ARRESTS_REFERRALS))
    for fname in ("clery_category", "status"):
        p = draft.picks.get(fname)
        if p is None:
            continue
        c = _col(draft, p.columns[0])
        # in the category's text, only a weapons, drug or liquor law violation says it ('Liquor Law Violation - Referral';
        # 'Disorderly Conduct' says nothing of a referral)
        values = [v for v, _ in c.counts() if fname != "clery_category" or (place(v, "clery_category") or ("",))[0] in violations]
        codes = {hit[0] for v in values if (hit := match_rule(v, _settings()["values"]["clery_action"], "value")) and hit[0]}
        if codes:
            _pick(draft, "clery_action", c, 0.6, f"no column of its own: the values of {c.name!r} (the {fname.replace('_', ' ')}) say "
                  "whether a person was arrested or referred", borrowed=True)
            return
