"""The /upload page body: a file in, recognised or mapped, checked by loaders.ingest into a draft (never public), with its report."""
from __future__ import annotations

import math
from pathlib import Path

import streamlit as st

from bridges import actions
from accounts import audit
from loaders import profiles
from store import uploads
from model.errors import InputError
from loaders.mapping import Spec, builtin_specs
from model.schema import DATASETS

from ui.analyst import mapping_editor, report
from ui.render import md_escape

LABELS = {"incidents": "incidents (crimes, calls)", "engagement": "community events", "feedback": "concerns and complaints",
          "survey": "trust and safety survey", "areas": "areas (boundaries, population)"}
PICK_SHEET = "(choose a sheet)"


@st.cache_data(max_entries=16, show_spinner="Reading the file…")
def _inspect(path: str, sha: str, sheet: str | None, dataset: str) -> dict:
    from store import worker

    # read in a worker with the store's memory and time limits: a hostile file ends that process, never the server
    return worker.run(_store().root, "loaders.suggest:inspect_file", Path(path), sheet=sheet, dataset=dataset)


def _store():
    from ui.analyst.guard import store

    return store()


def body(user) -> None:
    store = _store()
    st.title("Upload a quarter")
    st.markdown("Upload the export as it comes from your records system. Bridges reads it, tells you exactly what is wrong with it, "
                "and keeps the result as a draft: nothing is public until you publish it on the releases page.")
    c1, c2 = st.columns(2)
    dataset = c1.selectbox("What the file holds", list(DATASETS), format_func=lambda d: LABELS.get(d, d), key="upl_dataset")
    quarter = c2.text_input("Quarter this upload replaces (optional, e.g. 2026Q3)", key="upl_quarter",
                            help="Leave it empty to place each row in the quarter of its date.").strip() or None
    limit = uploads.max_bytes(store.root)
    # no type= here: Streamlit would refuse another type with an error of its own; uploads.check says it in a sentence
    f = st.file_uploader(f"Export file: CSV, XLSX or JSON, up to {uploads.size_text(limit)}", key="upl_file",
                         max_upload_size=max(1, math.ceil(limit / 1048576)))
    if f is None:
        _waiting(store, user)
        return
    staged = _stage(store, user, f, dataset)
    sheet = _sheet(staged)
    spec, how = _recognise(store, staged, dataset, sheet)
    if spec is None:
        saved = mapping_editor.edit(staged, dataset, sheet, how)
        if saved is None:
            return
        name, spec_doc = saved
        profiles.save(store.root, name, spec_doc, list(uploads.samples(staged.path, sheet)), user.name)
        audit.record(store.root, "profile-saved", user.name, profile=profiles.slug(name), dataset=dataset, file=staged.name)
        _check(store, user, staged.path, dataset, sheet, quarter, profiles.load(store.root, name))
        st.rerun()
    st.success(md_escape(how))
    if spec.path is not None and spec.path.parent.name == profiles.DIR and _edit_profile(store, user, staged, dataset, sheet, quarter, spec):
        return
    pop = _population(store, user, dataset, limit)
    key = [staged.sha256, sheet, dataset, quarter, spec.id] + ([pop[0].sha256] if pop else [])
    if st.button("Check the file and make a draft", key="upl_check", type="primary"):
        _check(store, user, staged.path, dataset, sheet, quarter, spec, population=pop)
    rep = st.session_state.get("upl_report")
    if rep and st.session_state.get("upl_report_for") == key:
        report.show(store, user, rep["draft"], rep.get("rejections"), lambda chosen, name: _assign(store, user, rep["draft"], chosen, name))
    elif rep and st.session_state.get("upl_report_for", [None])[0] == staged.sha256:
        st.info("The quarter, sheet or dataset changed since the last check: check the file again.")


def _edit_profile(store, user, staged, dataset, sheet, quarter, spec: Spec) -> bool:
    """A saved profile can be opened in the editor again; True while it is open."""
    flag = f"upl_edit_{staged.sha256}"
    if not st.session_state.get(flag):
        if st.button("Edit this mapping", key="upl_edit_open"):
            st.session_state[flag] = True
            st.rerun()
        return False
    doc = {k: v for k, v in spec.raw.items() if k != "detect"}
    cws = {f: {"column": spec.fields[f]["column"], "todo": []} for f in spec.crosswalks if isinstance(spec.fields.get(f, {}).get("column"), str)}
    seed = {"toml": profiles.spec_text(doc), "message": f"Editing the saved mapping profile '{spec.path.stem}'.", "crosswalks": cws}
    saved = mapping_editor.edit(staged, dataset, sheet, seed, name=spec.path.stem)
    if saved is None:
        if st.button("Close the editor without saving", key="upl_edit_close"):
            st.session_state.pop(flag, None)
            st.rerun()
        return True
    profiles.save(store.root, saved[0], saved[1], list(uploads.samples(staged.path, sheet)), user.name)
    audit.record(store.root, "profile-saved", user.name, profile=spec.path.stem, dataset=dataset, file=staged.name)
    st.session_state.pop(flag, None)
    _check(store, user, staged.path, dataset, sheet, quarter, profiles.load(store.root, saved[0]))
    st.rerun()


def _waiting(store, user) -> None:
    """With no file chosen: the report of any draft waiting (this session's last one first), to fix it before publishing."""
    ids = store.list_drafts()
    if not ids:
        return
    mine = (st.session_state.get("upl_report") or {}).get("draft")
    if st.session_state.get("upl_open") not in ids:
        st.session_state["upl_open"] = mine if mine in ids else ids[-1]
    st.divider()
    draft = st.selectbox("Or open the report of a draft waiting", ids, key="upl_open")
    examples = (st.session_state.get("upl_report") or {}).get("rejections") if draft == mine else None
    report.show(store, user, draft, examples, lambda chosen, name: _assign(store, user, draft, chosen, name))


def _stage(store, user, f, dataset, slot: str = "upl_staged"):
    """Keep the upload once (checked on the server: type, size, not empty) and log it with its sha256."""
    have = st.session_state.get(slot)
    if have and have["file_id"] == f.file_id:
        return have["staged"]
    st.session_state.pop(slot, None)
    uploads.check(f.name, f.size, uploads.max_bytes(store.root))
    staged = uploads.stage(store.root, f.name, f.getvalue())
    audit.record(store.root, "upload", user.name, file=staged.name, sha256=staged.sha256, bytes=staged.size, dataset=dataset)
    st.session_state[slot] = {"file_id": f.file_id, "staged": staged}
    return staged


def _population(store, user, dataset: str, limit: int):
    """With boundaries: an optional population file, recognised or mapped like an export; (staged, Spec, sheet) or None.
    While its mapping is being made, the page stops there."""
    if dataset != "areas":
        return None
    f = st.file_uploader("Population by area (optional): a CSV, XLSX or JSON file with each area's name or ID and its population",
                         key="upl_pop", max_upload_size=max(1, math.ceil(limit / 1048576)))
    if f is None:
        return None
    staged = _stage(store, user, f, dataset, slot="upl_pop_staged")
    sheet = _sheet(staged, key="upl_pop_sheet")
    spec, how = _recognise(store, staged, "areas", sheet)
    if spec is None:
        st.markdown(md_escape(f"{staged.name}: Bridges does not know this population file yet. Map its area and population columns below; "
                              "the mapping is saved and used again for the next file with the same columns."))
        saved = mapping_editor.edit(staged, "areas", sheet, how)
        if saved is None:
            st.stop()
        name, spec_doc = saved
        profiles.save(store.root, name, spec_doc, list(uploads.samples(staged.path, sheet)), user.name)
        audit.record(store.root, "profile-saved", user.name, profile=profiles.slug(name), dataset="areas", file=staged.name)
        st.rerun()
    st.success(md_escape(f"Population file {staged.name}: {how[0].lower()}{how[1:]}"))
    return staged, spec, sheet


def _sheet(staged, key: str = "upl_sheet") -> str | None:
    names = uploads.sheets(staged.path)
    if len(names) <= 1:
        return names[0] if names else None
    pick = st.selectbox(md_escape(f"{staged.name} has {len(names)} sheets with data. Which one holds the export?"), [PICK_SHEET, *names], key=key)
    if pick == PICK_SHEET:
        st.stop()
    return pick


def _recognise(store, staged, dataset: str, sheet: str | None):
    """(Spec, sentence) for a saved profile or a built-in source; (None, inspect's suggestion) for an unknown export."""
    headers = list(uploads.samples(staged.path, sheet))
    prof = profiles.find(store.root, headers, dataset)
    if prof is not None:
        return prof, f"Recognised by your saved mapping profile '{prof.path.stem}' ({prof.title})."
    for other in [d for d in DATASETS if d != dataset]:
        p = profiles.find(store.root, headers, other)
        if p is not None:
            raise InputError(f"this file matches your saved profile '{p.path.stem}', which is for {other}, not {dataset}",
                             f"Choose '{other}' as the dataset above.", file=staged.name)
    found = _inspect(str(staged.path), staged.sha256, sheet, dataset)
    if found.get("detected_source"):
        spec = next(s for s in builtin_specs() if s.id == found["detected_source"])
        return spec, f"Recognised as a known export: {spec.title}."
    scores = found.get("dataset_scores") or {}
    best = max(scores, key=scores.get) if scores else dataset
    if best != dataset and scores.get(dataset, 0) < scores[best] / 2:
        st.warning(md_escape(f"This file looks more like {LABELS[best]} than {LABELS[dataset]}. If so, choose '{best}' as the dataset above."))
    return None, found


def _check(store, user, path: Path, dataset, sheet, quarter, spec: Spec, replaces: str | None = None, population=None) -> dict:
    """Run loaders.ingest (as the CLI does); the previous draft of this same upload is replaced. `population`: (staged, Spec, sheet)."""
    old = replaces or (st.session_state.get("upl_report") or {}).get("draft")
    pop_path, pop_spec, pop_sheet = (population[0].path, population[1], population[2]) if population else (None, None, None)
    with st.spinner("Checking every row…"):
        rep = actions.ingest_upload(store, path, dataset, user.name, profile=spec, quarter=quarter, sheet=sheet, population=pop_path,
                                    population_profile=pop_spec, population_sheet=pop_sheet)
    if old and old != rep["draft"] and old in store.list_drafts() and store.draft(old).get("sha256") == rep["sha256"]:
        actions.delete_draft(store, old, user.name, why="replaced by a new check of the same upload")
    st.session_state["upl_report"] = rep
    st.session_state["upl_report_for"] = [rep["sha256"], sheet, dataset, quarter, spec.id] + ([population[0].sha256] if population else [])
    return rep


def _assign(store, user, draft_id: str, chosen: dict, name: str) -> None:
    """Save value assignments with the profile (one built on a known source keeps its source id), then check the file again."""
    meta = store.draft(draft_id)
    have = st.session_state.get("upl_staged")
    if have and have["staged"].sha256 == meta["sha256"]:
        path = have["staged"].path
    else:  # a draft from another session: its raw file, under the name it came with
        path = uploads.stage(store.root, meta["file"], store.raw_path(meta["sha256"]).read_bytes()).path
    headers = list(uploads.samples(path, meta.get("sheet")))
    prof = profiles.find(store.root, headers, meta["dataset"])
    prof_name = prof.path.stem if prof else name
    doc = profiles.with_assignments(meta["spec"], chosen)
    profiles.save(store.root, prof_name, doc, headers, user.name)
    audit.record(store.root, "profile-saved", user.name, profile=profiles.slug(prof_name), dataset=meta["dataset"],
                 assigned=sum(len(v) for v in chosen.values()))
    popm = meta.get("population") or {}
    pop = None
    if popm.get("sha256"):  # boundaries checked with a population file: check them with it again
        pstaged = uploads.stage(store.root, popm.get("file") or "population.csv", store.raw_path(popm["sha256"]).read_bytes())
        pop = (pstaged, Spec.from_dict(popm["spec_doc"]) if popm.get("spec_doc") else None, popm.get("sheet"))
    rep = _check(store, user, path, meta["dataset"], meta.get("sheet"), meta.get("quarter"), profiles.load(store.root, prof_name), replaces=draft_id,
                 population=pop)
    st.session_state["upl_open"] = rep["draft"]
    st.rerun()
