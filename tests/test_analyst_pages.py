"""The analyst pages in AppTest: who may see them, and a full upload → preview → publish → correct → roll back cycle on real exports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from accounts import audit
from loaders import profiles
from store.versioned import Store

from .analyst_kit import (LOCAL, OIDC, PASSWORD, VANCOUVER, analyst, app, check, errors, go, ok,
                          renamed_chicago, texts, upload, vancouver_q4)

PAGES = ("upload", "preview", "releases")
ROOT = Path(__file__).resolve().parents[1]


def _no_analyst_content(at) -> None:
    ok(at)
    assert not at.file_uploader and not at.multiselect
    body = texts(at)
    for word in ("Upload a quarter", "Drafts waiting", "Audit log", "With the draft", "incidents-2", "Signed in as"):
        assert word not in body


def _nothing_of_the_page(at) -> None:
    _no_analyst_content(at)
    assert not at.dataframe and not at.get("plotly_chart")


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_page_run_on_its_own_renders_nothing(store, page):
    """The page script itself checks the role (a fresh server can serve it without the entry script)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "analyst_pages" / f"{page}.py"), default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    _nothing_of_the_page(at)
    assert "This page is for analysts" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_dashboard_does_not_list_analyst_pages(store, page):
    at = app()
    at.run()
    ok(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"analyst_pages/{page}.py")
    at.switch_page("analyst_pages/signin.py").run()
    _nothing_of_the_page(at)
    assert [t.value for t in at.title] == ["Sign in for analysts"]


@pytest.mark.parametrize("page", PAGES)
def test_identity_provider_user_who_is_not_an_analyst_sees_nothing(store, page):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "analyst_pages" / f"{page}.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": "someone@else.example"}
    at.run()
    _nothing_of_the_page(at)


@pytest.mark.parametrize("page", PAGES)
def test_signed_in_analyst_sees_each_page(store, page):
    at = analyst(page)
    title = {"upload": "Upload a quarter", "preview": "Preview", "releases": "Publish and history"}[page]
    assert title in [t.value for t in at.title]
    assert f"Signed in as {OIDC}" in texts(at)
    if page == "upload":
        assert at.file_uploader
    if page == "releases":
        assert "Releases" in texts(at) and "Audit log" in texts(at)


def test_local_account_signs_in_through_the_form(store):
    at = app()
    at.run()
    at.switch_page("analyst_pages/signin.py").run()
    at.text_input(key="signin_name").input(LOCAL)
    at.text_input(key="signin_password").input("not the password")
    at.button[0].click().run()
    wrong = errors(at)
    assert wrong == ["The name or the password is wrong. Check both and try again."]
    at.text_input(key="signin_name").input("nobody-by-that-name")
    at.text_input(key="signin_password").input("not the password")
    at.button[0].click().run()
    assert errors(at) == wrong  # the same sentence whether the name exists or not
    at.text_input(key="signin_name").input(LOCAL.upper())
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    ok(at)
    assert "Upload a quarter" in [t.value for t in at.title]
    assert "Signed in as ana (analyst, local account)" in texts(at)
    events = [(e["event"], e["who"]) for e in reversed(audit.entries(store.root))]
    assert events[-3:] == [("sign-in-failed", LOCAL), ("sign-in-failed", "nobody-by-that-name"), ("sign-in", LOCAL)]
    # signing out ends the session's access
    go(at, "upload")
    at.button(key="analyst_sign_out").click().run()
    ok(at)
    with pytest.raises(ValueError):
        at.switch_page("analyst_pages/upload.py")


def test_removed_account_loses_access_on_the_next_page(store):
    from accounts import users

    at = app()
    at.run()
    at.switch_page("analyst_pages/signin.py").run()
    at.text_input(key="signin_name").input(LOCAL)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    go(at, "releases")
    users.remove_user(store.root, LOCAL)
    at.run()
    _no_analyst_content(at)  # the entry falls back to the public overview


# ---------------------------------------------------------------- the cycle with a known export


@pytest.mark.slow  # Vancouver's real export through upload, preview, publish, correction and rollback
def test_known_export_upload_preview_publish_correct_and_roll_back(store, realdata, tmp_path):
    at = analyst("upload")
    src = realdata / VANCOUVER
    upload(at, src.name, src.read_bytes())
    assert "Recognised as a known export: Vancouver Police Department" in texts(at)
    rep = check(at)
    assert rep["rows_read"] == 32411 == rep["rows_accepted"] + rep["rows_rejected"]
    body = texts(at)
    assert "Rows read" in body and "32,411" in body
    assert "location unknown, withheld by the source" in "\n".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    draft = rep["draft"]
    assert draft in Store(store.root).list_drafts()
    up = [e for e in audit.entries(store.root) if e["event"] == "upload"][0]
    assert up["sha256"] == rep["sha256"] and up["who"] == OIDC

    # preview: the page as published beside the page with the draft; the 2025 quarters replace the demo's
    go(at, "preview")
    assert "Published now (release 1)" in texts(at) and "With the draft" in texts(at)
    assert len(at.get("plotly_chart")) >= 2

    # publish with a note
    go(at, "releases")
    at.text_input(key="rel_note").input("Vancouver 2025")
    at.button(key="rel_publish").click().run()
    ok(at)
    assert "Release 2 is published." in texts(at)
    assert store.current()["version"] == 2 and store.current()["by"] == OIDC
    assert draft not in store.list_drafts()

    # re-upload Q4 with some break-ins removed: the preview shows it as a correction, with the counts
    go(at, "upload")
    q4 = vancouver_q4(realdata, tmp_path / "crimedata_q4_revised.csv", drop_every=10)
    upload(at, q4.name, q4.read_bytes(), quarter="2025Q4")
    rep2 = check(at)
    go(at, "preview")
    body = texts(at)
    assert "This upload replaces Q4 2025, already published" in body
    diff = [r for r in __import__("store.preview", fromlist=["x"]).count_diff(store, [rep2["draft"]]) if r["change"]]
    assert diff and all(r["quarter"] == "2025Q4" for r in diff)
    burg = next(r for r in diff if r["category"] == "burglary")
    assert f"Q4 2025 break and enter {burg['published']:,} → {burg['draft']:,}" in body
    go(at, "releases")
    at.text_input(key="rel_note").input("Q4 2025 corrected")
    at.button(key="rel_publish").click().run()
    ok(at)
    m = store.current()
    assert m["version"] == 3 and any(c["quarter"] == "2025Q4" and c.get("category") == "burglary" for c in m["corrections"])
    assert f"Q4 2025 break and enter {burg['published']:,} → {burg['draft']:,}" in texts(at)

    # roll back to release 2: a new release, nothing lost
    at.selectbox(key="rel_restore_pick").set_value(2)
    at.text_input(key="rel_restore_note").input("the Q4 file was cut short")
    at.button(key="rel_restore").click().run()
    ok(at)
    assert "Release 4 restores release 2." in texts(at)
    m4 = store.current()
    assert m4["version"] == 4 and m4["restores"] == 2 and m4["tables"] == store.release(2)["tables"]
    events = [e["event"] for e in reversed(audit.entries(store.root))]
    for e in ("upload", "draft", "publish", "rollback"):
        assert e in events


# ---------------------------------------------------------------- an export no loader knows


@pytest.mark.slow
def test_unknown_export_is_mapped_once_and_recognised_next_quarter(store, realdata, tmp_path):
    at = analyst("upload")
    # without its FBI Code (a standard UCR code column, which inspect would prefer): the local offence text is mapped and assigned
    first = renamed_chicago(realdata, tmp_path / "acme_rms_q1.csv", months=(1, 2, 3), drop=("FBI Code",))
    upload(at, first.name, first.read_bytes())
    body = texts(at)
    assert "Map the columns of this export" in body and "is not a known export" in body
    # the suggestion as an editable table: each field with a drop-down of the file's columns and example values
    area = at.selectbox(key=next(k for k in at.session_state if isinstance(k, str) and k.startswith("map_") and k.endswith("_area")))
    assert area.value == "Patrol Beat" and "Division" in area.options
    area.set_value("Division").run()
    ok(at)
    assert "e.g. 009" in texts(at) or "e.g. 0" in texts(at)
    # three offence values no keyword rule knows: assign two now, leave one for the report
    todo = {at.selectbox(key=k).label.removeprefix("group for "): k for k in at.session_state
            if isinstance(k, str) and "_cw_category_" in k}
    assert set(todo) == {"DECEPTIVE PRACTICE", "OFFENSE INVOLVING CHILDREN", "INTERFERENCE WITH PUBLIC OFFICER"}
    at.selectbox(key=todo["DECEPTIVE PRACTICE"]).set_value("other_theft")
    at.selectbox(key=todo["INTERFERENCE WITH PUBLIC OFFICER"]).set_value("public_order")
    name_key = next(k for k in at.session_state if isinstance(k, str) and k.startswith("map_") and k.endswith("_name"))
    at.text_input(key=name_key).input("Acme RMS")
    at.button(key=next(k for k in at.session_state if isinstance(k, str) and k.startswith("map_") and k.endswith("_save"))).click().run()
    ok(at)
    saved = profiles.load(store.root, "acme-rms")
    assert saved.fields["area"]["column"] == "Division" and saved.crosswalks["category"]["DECEPTIVE PRACTICE"] == "other_theft"
    assert "Recognised by your saved mapping profile 'acme-rms'" in texts(at)
    rep = at.session_state["upl_report"]
    assert rep["source"] == "acme-rms" and rep["rows_read"] == rep["rows_accepted"] + rep["rows_rejected"]
    assert "OFFENSE INVOLVING CHILDREN" in rep["unmapped"]["category"]
    # the report lists the value left over with its count; assigning it saves it with the profile and checks again
    key = next(k for k in at.session_state if isinstance(k, str) and k.startswith("asg_") and k.endswith("_category_0"))
    at.selectbox(key=key).set_value("violence").run()
    at.button(key=next(k for k in at.session_state if isinstance(k, str) and k.startswith("asg_") and k.endswith("_save"))).click().run()
    ok(at)
    rep2 = at.session_state["upl_report"]
    assert not rep2["unmapped"] and rep2["rows_accepted"] > rep["rows_accepted"]
    assert profiles.load(store.root, "acme-rms").crosswalks["category"]["OFFENSE INVOLVING CHILDREN"] == "violence"
    assert store.list_drafts() == [rep2["draft"]]  # the first check's draft was replaced, not left behind
    go(at, "releases")
    at.text_input(key="rel_note").input("Acme Q1 2024")
    at.button(key="rel_publish").click().run()
    ok(at)
    assert store.current()["row_counts"]["incidents"] > 0

    # next quarter: same headers, recognised by the saved profile, no editor
    go(at, "upload")
    second = renamed_chicago(realdata, tmp_path / "acme_rms_q2.csv", months=(4, 5, 6), drop=("FBI Code",))
    upload(at, second.name, second.read_bytes())
    assert "Recognised by your saved mapping profile 'acme-rms'" in texts(at)
    assert "Map the columns of this export" not in texts(at)
    rep3 = check(at)
    assert rep3["source"] == "acme-rms" and set(rep3["quarters"]) == {"2024Q2"}
    # offences first seen this quarter are listed with their counts, never turned into "other": assign them, check again
    new = rep3["unmapped"]["category"]
    assert new and not set(new) & set(profiles.load(store.root, "acme-rms").crosswalks["category"])
    assert all(f"category: '{v}' ({n:,} rows)" in texts(at) for v, n in new.items())
    for i in range(len(new)):
        at.selectbox(key=f"asg_{rep3['draft']}_category_{i}").set_value("other")
    at.run()
    at.button(key=f"asg_{rep3['draft']}_save").click().run()
    ok(at)
    rep4 = at.session_state["upl_report"]
    assert not rep4["unmapped"] and rep4["rows_accepted"] == rep3["rows_accepted"] + sum(new.values())

    # the saved profile opens in the editor again: area back to the beat, and a keyword guess corrected
    at.button(key="upl_edit_open").click().run()
    ok(at)
    assert "Editing the saved mapping profile 'acme-rms'" in texts(at)
    area = at.selectbox(key=next(k for k in at.session_state if isinstance(k, str) and k.startswith("map_") and k.endswith("_area")))
    assert area.value == "Division"
    area.set_value("Patrol Beat").run()
    fix = next(k for k in at.session_state if isinstance(k, str) and k.endswith("_fix_category_v"))
    at.selectbox(key=fix).set_value("ARSON").run()
    becomes = next(k for k in at.session_state if isinstance(k, str) and "_fix_category_g_" in k)
    at.selectbox(key=becomes).set_value("other").run()
    at.button(key=fix.replace("_v", "_b")).click().run()
    ok(at)
    at.button(key=next(k for k in at.session_state if isinstance(k, str) and k.startswith("map_") and k.endswith("_save"))).click().run()
    ok(at)
    again = profiles.load(store.root, "acme-rms")
    assert again.id == "acme-rms" and again.fields["area"]["column"] == "Patrol Beat"
    assert again.crosswalks["category"]["ARSON"] == "other" and again.crosswalks["category"]["OFFENSE INVOLVING CHILDREN"] == "violence"
    assert at.session_state["upl_report"]["source"] == "acme-rms" and len(store.list_drafts()) == 1


# ---------------------------------------------------------------- privacy report and redaction


def test_personal_data_blocks_publishing_until_redacted(store, tmp_path):
    from .analyst_kit import write_csv

    f = write_csv(tmp_path / "events.csv", ["Ev", "Day", "Kind", "Zone", "People", "Title"], [
        ["E1", "2025-07-05", "Patrol", "N1", "30", "Evening foot patrol"],
        ["E2", "2025-07-06", "Meeting", "N1", "40", "Call Jane Smith on 604-555-0199 or jane.smith@example.org"],
    ])
    spec = {"id": "acme-events", "dataset": "engagement", "title": "Acme events",
            "fields": {"event_id": {"column": "Ev"}, "date": {"column": "Day", "format": "%Y-%m-%d"},
                       "type": {"column": "Kind", "map": {"Patrol": "foot_patrol", "Meeting": "town_hall"}}, "area": {"column": "Zone"},
                       "attendees": {"column": "People"}, "title": {"column": "Title"}}}
    profiles.save(store.root, "acme-events", spec, ["Ev", "Day", "Kind", "Zone", "People", "Title"], "test")
    at = analyst("upload")
    upload(at, f.name, f.read_bytes(), dataset="engagement")
    rep = check(at)
    assert rep["privacy_hit_count"] >= 2
    assert "piece(s) of personal data found" in texts(at)
    go(at, "releases")
    at.text_input(key="rel_note").input("events")
    at.button(key="rel_publish").click().run()
    ok(at)
    assert any("personal data" in e for e in errors(at)) and store.current()["version"] == 1
    go(at, "upload")
    at.button(key=f"red_all_{rep['draft']}").click().run()
    ok(at)
    assert "redacted, 0 left" in texts(at)
    assert "jane.smith@example.org" not in json.dumps(store.draft_rows(rep["draft"]).to_pylist(), default=str)
    go(at, "releases")
    at.text_input(key="rel_note").input("events")
    at.button(key="rel_publish").click().run()
    ok(at)
    assert store.current()["version"] == 2
    assert any(e["event"] == "redact" for e in audit.entries(store.root))


# ---------------------------------------------------------------- delete a draft; a busy store on the page


def _draft(store, at, realdata, tmp_path) -> str:
    q4 = vancouver_q4(realdata, tmp_path / "crimedata_q4.csv")
    upload(at, q4.name, q4.read_bytes(), quarter="2025Q4")
    return check(at)["draft"]


def test_delete_a_draft_on_the_releases_page(store, realdata, tmp_path):
    at = analyst("upload")
    draft = _draft(store, at, realdata, tmp_path)
    sha = store.draft(draft)["sha256"]
    go(at, "releases")
    assert at.button(key="rel_delete").disabled  # not without saying yes
    at.selectbox(key="rel_del_pick").set_value(draft)
    at.checkbox(key="rel_del_sure").check().run()
    at.button(key="rel_delete").click().run()
    ok(at)
    assert f"Draft {draft} is deleted." in texts(at)
    assert store.list_drafts() == [] and "No draft is waiting. Upload a file first." in texts(at)
    assert store.current()["version"] == 1  # nothing was published
    assert store.raw_path(sha).exists()  # the uploaded file itself is kept
    gone = [e for e in audit.entries(store.root) if e["event"] == "draft-deleted"]
    assert gone and gone[0]["draft"] == draft and gone[0]["sha256"] == sha and gone[0]["who"] == OIDC


def test_publish_while_another_analyst_publishes_says_try_again(store, realdata, tmp_path, monkeypatch):
    """Another process holds the store's lock: the page says so in a sentence, the draft waits, and publishing later works."""
    import subprocess
    import sys

    from bridges import actions

    at = analyst("upload")
    draft = _draft(store, at, realdata, tmp_path)
    go(at, "releases")
    monkeypatch.setattr(actions, "PUBLISH_WAIT", 0.5)
    monkeypatch.setattr(actions.publish, "__defaults__", (0.5,))
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire();"
                               " print('held', flush=True); time.sleep(60)", str(store.root / "store.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        at.text_input(key="rel_note").input("Q4 2025")
        at.button(key="rel_publish").click().run()
        ok(at)
        assert [w for w in at.warning if "Another analyst" in w.value] and actions.BUSY in texts(at)  # beside the demo warning
        assert store.current()["version"] == 1 and store.list_drafts() == [draft]
    finally:
        holder.kill()
        holder.wait()
    at.button(key="rel_publish").click().run()
    ok(at)
    assert "Release 2 is published." in texts(at) and store.current()["version"] == 2
    assert [e["event"] for e in audit.entries(store.root)][:2] == ["publish", "publish-busy"]


# ---------------------------------------------------------------- boundaries with a population file


@pytest.mark.slow
def test_boundaries_with_a_population_file_known_and_unknown(store, realdata, tmp_path):
    """Areas: the boundary file plus a population file, one Bridges knows (Vancouver 2016) and one it maps once (renamed)."""
    from .analyst_kit import read_csv, write_csv

    van = realdata / "vancouver-vpd-crimedata"
    at = analyst("upload")
    upload(at, "local-area-boundary.geojson", (van / "local-area-boundary.geojson").read_bytes(), dataset="areas")
    at.file_uploader(key="upl_pop").set_value(("van_pop_2016.csv", (van / "van_pop_2016.csv").read_bytes(), "text/csv")).run()
    ok(at)
    assert "Population file van_pop_2016.csv: recognised as a known export" in texts(at)
    rep = check(at)
    assert rep["population"]["matched"] == 22 and "Population from van_pop_2016.csv: 22 of 22 areas matched" in texts(at)
    rows = store.draft_rows(rep["draft"]).to_pandas()
    assert rows["population"].notna().all() and rows.loc[rows["area_id"] == "Kitsilano", "population"].iloc[0] > 40000

    # the same figures under headers no loader knows: mapped once on the page, then the boundaries are checked with it
    header, body = read_csv(van / "van_pop_2016.csv")
    renamed = write_csv(tmp_path / "residents_by_local_area.csv", ["Local Area Name" if h == header[0] else f"Col {i}" for i, h in enumerate(header)], body)
    at.file_uploader(key="upl_pop").set_value((renamed.name, renamed.read_bytes(), "text/csv")).run()
    ok(at)
    assert "Bridges does not know this population file yet" in texts(at)
    assert not [b for b in at.button if b.key == "upl_check"]  # no check until the population file is mapped

    def key(end: str) -> str:
        return next(k for k in at.session_state if isinstance(k, str) and k.startswith("map_") and k.endswith(end))

    assert at.selectbox(key=key("_f_area_id")).value == "Local Area Name"
    at.selectbox(key=key("_f_population")).set_value("Col 1").run()
    ok(at)
    at.text_input(key=key("_profile_name")).input("Residents by area")
    at.button(key=key("_save")).click().run()
    ok(at)
    assert profiles.load(store.root, "residents-by-area").fields["population"]["column"] == "Col 1"
    assert "Population file residents_by_local_area.csv: recognised by your saved mapping profile 'residents-by-area'" in texts(at)
    rep2 = check(at)
    # the file says "Downtown" where the boundaries say "Central Business District" (the built-in source knows; a new profile does not)
    assert rep2["population"]["matched"] == 21 and rep2["population"]["spec"] == "residents-by-area"
    w = next(w for w in rep2["warnings"] if w["column"] == "population")
    assert "1 area(s) have no population in residents_by_local_area.csv" in w["reason"] and w["examples"][0]["value"] == "Central Business District"
    assert "1 area(s) have no population" in texts(at) or any("1 area(s) have no population" in str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    again = store.draft_rows(rep2["draft"]).to_pandas().set_index("area_id")["population"]
    known = rows.set_index("area_id")["population"]
    assert again.drop("Central Business District").to_dict() == known.drop("Central Business District").to_dict()
    assert again.isna().sum() == 1
    assert store.list_drafts() == [rep2["draft"]]  # the first check's draft was replaced
    # publish: the release records the population file and its mapping, and a rebuild from the raw files gives the same tables
    go(at, "releases")
    at.text_input(key="rel_note").input("Vancouver boundaries and population")
    at.button(key="rel_publish").click().run()
    ok(at)
    op = store.current()["ops"][0]
    assert op["population"]["file"] == "residents_by_local_area.csv" and op["population"]["spec_doc"]["id"] == "residents-by-area"
    from store.rebuild import rebuild

    rebuild(store, tmp_path / "rebuilt")
    assert Store(tmp_path / "rebuilt").current()["row_counts"] == store.current()["row_counts"]


# ---------------------------------------------------------------- the fictional demo and a real service's store


DEMO_MIX = "The release published now holds the fictional Riverton demo"


def test_publishing_real_data_over_the_demo_is_warned(store, realdata, tmp_path):
    """The store holds the demo: a real export's draft gets a warning on the preview and the releases pages; demo drafts do not."""
    at = analyst("upload")
    q4 = vancouver_q4(realdata, tmp_path / "crimedata_q4.csv")
    upload(at, q4.name, q4.read_bytes(), quarter="2025Q4")
    check(at)
    for page in ("preview", "releases"):
        go(at, page)
        warn = [w.value.replace("\\", "") for w in at.warning if DEMO_MIX in w.value.replace("\\", "")]
        assert len(warn) == 1 and "set BRIDGES_DATA_DIR to a new folder" in warn[0], page
        assert "incidents" in warn[0] and "areas" in warn[0]


@pytest.mark.slow
def test_a_store_of_its_own_starts_empty_and_the_checkout_gets_the_demo(tmp_path, monkeypatch):
    """BRIDGES_DATA_DIR at an empty folder: the public page says nothing is published and no demo is built there;
    BRIDGES_DEMO=1 builds it; the checkout's own data/ folder is the one that gets it by default."""
    from demo import build as demo

    root = tmp_path / "service"
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    monkeypatch.delenv("BRIDGES_DEMO", raising=False)
    at = app()
    at.run()
    ok(at)
    assert "Nothing is published yet. Analysts sign in at /sign-in" in "\n".join(i.value.replace("\\", "") for i in at.info)
    assert Store(root).current() is None
    assert demo.wanted(demo.CHECKOUT_DATA) and not demo.wanted(root)
    monkeypatch.setenv("BRIDGES_DEMO", "1")
    assert demo.wanted(root)
    trial = tmp_path / "trial"
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(trial))
    at = app()
    at.run()
    ok(at)
    assert Store(trial).current()["note"] == demo.NOTE and not at.info


def test_sign_in_page_of_a_new_installation_says_how_to_make_the_first_account(tmp_path, monkeypatch):
    from accounts import users

    root = tmp_path / "new"
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    at = app()
    at.run()
    at.switch_page("analyst_pages/signin.py").run()
    ok(at)
    first = "No analyst account exists on this server yet"
    assert any(first in i.value for i in at.info) and "python -m bridges add-user NAME --role analyst" in texts(at)
    users.add_user(root, "first-analyst", "analyst", "a long enough password")
    at.run()
    ok(at)
    assert not any(first in i.value for i in at.info)
