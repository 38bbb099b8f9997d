"""The mapping editor for an export Bridges does not know: each canonical field, a drop-down of the file's columns, example values."""
from __future__ import annotations

import hashlib

import streamlit as st

from loaders import profiles
from store import uploads
from model.schema import dataset as get_dataset
from loaders.placement import place_category
from loaders.mapping import NO_OFFENCE_VALUE
from loaders.suggest_columns import match_rule, rules

from ui.render import md_escape

NONE = "(not in this file)"
ROWHASH = "(make an ID from each row's values)"
CHOOSE = "(choose a group)"
SKIP = {"source", "quarter", "time_precision", "lat", "lon", "days_to_resolve"}
COORDS = {"lat": "latitude", "lon": "longitude", "x": "x (projected, e.g. easting)", "y": "y (projected, e.g. northing)",
          "point": "point (both coordinates in one column)"}


def _joined(cols) -> str:
    return " + ".join(cols)


def _current(spec: dict, fname: str):
    fs = (spec.get("fields") or {}).get(fname) or {}
    if fs.get("generate") == "row_hash":
        return ROWHASH
    col = fs.get("column")
    if isinstance(col, list):
        return _joined(col)
    return col or NONE


def _coord_keys(spec: dict) -> list[str]:
    co = spec.get("coordinates") or {}
    if "point" in co:
        return ["point"]
    if "x" in co or "y" in co:
        return ["x", "y"]
    return ["lat", "lon"]


def _enum_rules(dataset: str, fname: str):
    if fname == "category":
        return rules()["category"], "group"
    lst = rules().get("enums", {}).get(dataset, {}).get(fname)
    return (lst, "value") if lst else (None, None)


def _set_field(state: str, fname: str, wkey: str, path, sheet, dataset: str) -> None:
    """A new column for a field: its old settings go (format, join, value map), a value map is pre-filled from the keyword rules."""
    spec = st.session_state[state]
    fields = spec.setdefault("fields", {})
    value = st.session_state[wkey]
    fdef = get_dataset(dataset).field(fname)
    if value == NONE:
        fields.pop(fname, None)
    elif value == ROWHASH:
        fields[fname] = {"generate": "row_hash"}
    elif " + " in value and value not in uploads.samples(path, sheet):
        return  # the joined columns suggested: unchanged
    else:
        fields[fname] = {"column": value, **({"format": "auto"} if fdef.type == "timestamp" else {})}
        system = _code_system(path, sheet, value) if dataset == "incidents" and fname == "category" else None
        if system:  # a standard code column (NIBRS, UCR ...): every valid code maps by loaders/codes, no value map needed
            fields[fname]["codes"] = system
            spec.setdefault("crosswalks", {}).pop(fname, None)
            if (fields.get("offence_raw") or {}).get("column") in (None, value):
                fields["offence_raw"] = {"column": value}
            return
        if fdef.allowed:
            rule_list, key = _enum_rules(dataset, fname)
            cw = {}
            for v, _n in uploads.distinct_values(path, sheet, value):
                hit = place_category(v) if fname == "category" else match_rule(v, rule_list, key) if rule_list else None
                if hit:
                    cw[v] = hit[0]
                elif v.casefold() in fdef.allowed:
                    cw[v] = v.casefold()
            spec.setdefault("crosswalks", {})[fname] = cw
        if dataset == "incidents" and fname == "category":
            fields["offence_raw"] = {"column": value}
    if fdef.allowed and value in (NONE, ROWHASH):
        (spec.get("crosswalks") or {}).pop(fname, None)


COUNTS = {"incidents": "each incident once: further victims or offences of an incident are folded into it",
          "offences": "each offence: one per row, as NIBRS counts them (the pages then say offences)"}


def _count_choice(spec: dict, h: str) -> None:
    """The incident identifier repeats once per victim or offence: count incidents (the default) or offences."""
    cur = spec.get("count", "incidents")
    pick = st.radio("The incident identifier repeats once per victim or offence. Count…", list(COUNTS), index=list(COUNTS).index(cur),
                    format_func=COUNTS.get, key=f"map_{h}_count")
    if pick == "offences":
        spec["count"] = "offences"
    else:
        spec.pop("count", None)


def _code_system(path, sheet, column: str) -> str | None:
    """The standard offence code system a column's values belong to (loaders.codes.recognise_column), or None."""
    from loaders.codes import recognise_column

    values = [v for v, n in uploads.distinct_values(path, sheet, column, limit=2000) for _ in range(min(n, 50))]
    return recognise_column(values)[0]


def _set_coord(state: str, k: str, wkey: str) -> None:
    spec = st.session_state[state]
    co = dict(spec.get("coordinates") or {})
    value = st.session_state[wkey]
    if value == NONE:
        co.pop(k, None)
    else:
        co[k] = value
    spec["coordinates"] = co if any(x in co for x in ("lat", "lon", "x", "y", "point")) else None


def edit(staged, dataset: str, sheet: str | None, suggestion: dict, name: str | None = None) -> tuple[str, dict] | None:
    """Draw the editor seeded with a suggestion (inspect's, or a saved profile when `name` is given); (profile name, spec) when
    the analyst saves it, else None. A saved profile keeps its id (it fills the source column)."""
    h = hashlib.sha256(f"{staged.sha256}|{dataset}|{sheet}|{name}".encode()).hexdigest()[:10]
    state = f"map_spec_{h}"
    if state not in st.session_state:
        spec = profiles.parse_text(suggestion["toml"])
        spec.setdefault("crosswalks", {})
        st.session_state[state] = spec
    spec = st.session_state[state]
    samples = uploads.samples(staged.path, sheet)
    columns = list(samples)
    ds = get_dataset(dataset)

    st.subheader("Map the columns of this export")
    st.markdown(md_escape(suggestion["message"]))
    st.markdown("Each row is a field the public pages use. Pick the column of your file that holds it, and check the example values. "
                "The mapping is saved as a profile and used again automatically for the next file with the same columns.")
    for p in suggestion.get("personal_columns") or []:
        st.info(md_escape(f"Column '{p['column']}' is left out and never published: {p['reason']}."))
    for fdef in ds.fields:
        if fdef.name in SKIP or fdef.derived:  # a derived field (days_to_resolve, kind) is worked out, never mapped
            continue
        cur = _current(spec, fdef.name)
        opts = [NONE] + ([ROWHASH] if fdef.name == ds.key else []) + ([cur] if " + " in cur else []) + columns
        _row(fdef.name + (" (required)" if fdef.required else ""), fdef.description, opts, cur, f"map_{h}_f_{fdef.name}",
             _set_field, (state, fdef.name, f"map_{h}_f_{fdef.name}", staged.path, sheet, dataset), samples, spec)
    if dataset == "incidents":
        co = spec.get("coordinates") or {}
        for k in _coord_keys(spec):
            cur = co.get(k) or NONE
            _row(f"map point: {COORDS[k]}", "Coordinates of the incident; the public pages show them only snapped to a grid.",
                 [NONE] + columns, cur, f"map_{h}_co_{k}", _set_coord, (state, k, f"map_{h}_co_{k}"), samples, spec)
        if "x" in co or "y" in co:
            st.markdown(md_escape(f"Projected coordinates are read in {co.get('crs') or '(no coordinate system given)'}."))
    if dataset == "incidents" and spec.get("duplicates") == "fold":
        _count_choice(spec, h)
    _assignments(spec, suggestion, dataset, h)
    st.divider()
    if name is None:
        given = st.text_input("Name of this mapping profile (your records system, e.g. 'acme-rms')", value=spec.get("id") or "", key=f"map_{h}_profile_name")
    if st.button("Save this mapping and check the file", key=f"map_{h}_save", type="primary"):
        out = profiles.with_assignments(spec, _chosen(spec, h))
        if name is None:
            out["id"] = profiles.slug(given)
            out["title"] = given.strip() or out["id"]
        st.session_state.pop(state, None)
        return name or given, out
    return None


def _row(label, help_, opts, cur, wkey, callback, args, samples, spec) -> None:
    c1, c2, c3 = st.columns([3, 3, 4])
    c1.markdown(f"**{md_escape(label)}**  \n:small[{md_escape(help_.replace('`', ''))}]")  # the dictionary's code quotes read as noise here
    idx = opts.index(cur) if cur in opts else 0
    c2.selectbox(label, opts, index=idx, key=wkey, on_change=callback, args=args, label_visibility="collapsed")
    chosen = st.session_state.get(wkey, cur)
    if chosen in samples:
        shown = ", ".join(samples[chosen][:3]) or "(empty in the first rows)"
    elif " + " in str(chosen):
        parts = [samples.get(c, [""]) for c in str(chosen).split(" + ")]
        shown = ", ".join(" ".join(p[i] if i < len(p) else "" for p in parts) for i in range(min(3, min(len(p) for p in parts) or 1)))
    elif chosen == ROWHASH:
        shown = "a stable ID made from the row's values"
    else:
        shown = "–"
    c3.markdown(md_escape(f"e.g. {shown}"))


def _assignments(spec: dict, suggestion: dict, dataset: str, h: str) -> None:
    """Values no keyword rule placed, with their counts: the analyst assigns each a canonical value (saved with the profile)."""
    trial = (suggestion.get("trial") or {}).get("unmapped") or {}
    todos = {f: list(info.get("todo", []))[:100] for f, info in (suggestion.get("crosswalks") or {}).items()}
    st.session_state[f"map_suggestion_{h}"] = todos
    for fname, info in (suggestion.get("crosswalks") or {}).items():
        if _current(spec, fname) != info["column"]:
            continue  # the analyst chose another column: its values are assigned from the report after the check
        allowed = get_dataset(dataset).field(fname).allowed or ()
        if fname == "category":  # a value that is no offence at all is set aside like NIBRS 999, never counted
            allowed = (*allowed, NO_OFFENCE_VALUE)
        todo = todos[fname]
        have = (spec.get("crosswalks") or {}).get(fname, {})
        if info.get("codes"):
            st.markdown(md_escape(f"Values of '{info['column']}' ({fname}): {info.get('coded_values', 0):,} hold a {info['codes']} code and are "
                                  f"placed by it; of the values with no code, {len(have)} placed by keyword rules, {len(todo)} to assign."))
        else:
            st.markdown(md_escape(f"Values of '{info['column']}' ({fname}): {len(have)} placed by keyword rules, {len(todo)} to assign."))
        if have:
            with st.expander(md_escape(f"Check the {len(have)} values placed by keyword rules")):
                st.dataframe({"value in the file": list(have), fname: list(have.values())}, hide_index=True)
                _fix_one(spec, fname, have, allowed, h)
        for i, v in enumerate(todo):
            c1, c2 = st.columns([6, 4])
            c1.markdown(md_escape(f"'{v}' ({trial.get(fname, {}).get(v, '?')} rows)"))
            c2.selectbox(f"group for {v}", [CHOOSE, *allowed], key=f"map_{h}_cw_{fname}_{i}", label_visibility="collapsed")


def _fix_one(spec: dict, fname: str, have: dict, allowed, h: str) -> None:
    """Change the value a keyword rule gave one raw value."""
    values = list(have)
    c1, c2, c3 = st.columns([5, 3, 2], vertical_alignment="bottom")
    v = c1.selectbox("Value in the file", values, key=f"map_{h}_fix_{fname}_v")
    cur = list(allowed).index(have[v]) if have[v] in allowed else 0
    g = c2.selectbox("Becomes", list(allowed), index=cur, key=f"map_{h}_fix_{fname}_g_{values.index(v)}")
    if c3.button("Change", key=f"map_{h}_fix_{fname}_b"):
        spec["crosswalks"][fname][v] = g
        st.rerun()


def _chosen(spec: dict, h: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    prefix = f"map_{h}_cw_"
    sugg = st.session_state.get(f"map_suggestion_{h}") or {}
    for k, v in st.session_state.items():
        if isinstance(k, str) and k.startswith(prefix) and v and v != CHOOSE:
            fname, i = k[len(prefix):].rsplit("_", 1)
            values = sugg.get(fname, [])
            if int(i) < len(values):
                out.setdefault(fname, {})[values[int(i)]] = v
    return out
