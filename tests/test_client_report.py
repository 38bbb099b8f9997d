"""The client-site report of a private-security company (issue 12, item 3): a guard log whose sites are only a `Site` column
(no areas file, no shapes) and a patrol log go through the ordinary ingest and publish; the report of each site and
period must show the release's own counts, crimes and calls for service apart, hidden cells hidden, patrols, response
times and judged changes; a client copy needs an analyst's approval, which is audited and voided by a new release.

Known values (k = 3; medical assists are sensitive):
- Riverside Mall 2026Q2: 6 alarms (April 3, May 3), 3 parking (June), 2 medical assists (May; hidden: fewer than 3), 4 crisis
  calls (sensitive, shown: 4 in the quarter, but April's 1 is hidden in April's report), 1 theft (June); patrols 2 visits, 3 hours.
- Riverside Mall 2026Q3: 10 alarms (July 4, August 3, September 3), 2 welfare checks (September), 4 medical assists (July 1,
  August 3), 3 thefts (July 2, September 1), 1 assault (August); patrols 4 visits (July, August, September twice), 6 hours
  and one visit without hours; a community event (not a patrol) in August.
- Harbour Tower 2026Q2: 2 alarms. 2026Q3: 2 alarms, 1 medical assist (hidden), 1 theft; 1 patrol of 1 hour.
- Northgate Depot 2026Q3: 1 medical assist (hidden), 4 alarms.
- Every medical assist of 2026Q3 is hidden at every site (Harbour Tower's and Northgate Depot's 1 each, and Riverside Mall's 4
  with them, so that theirs cannot be worked out from the total): those rows carry no site in the release.
- Response minutes: alarms 4 (Q2 5), medical assists 6 (Q2 7), crisis calls 8, welfare checks 10, parking 15, thefts 20 (Q2 25),
  the assault 12.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from accounts import audit, users
from bridges import actions, cli
from loaders import mapping
from loaders.ingest import ingest
from loaders.mapping import Spec
from model.errors import InputError
from model.schema import CRIME, SERVICE
from outputs import client_report, images
from stats.compare import compare
from stats.read import open_release
from store.versioned import Store
from tests import analyst_kit as kit
from tests.analyst_kit import LOCAL, OIDC, PASSWORD

CROSSWALK = """value,category,kind
Alarm,alarm,service
Medical Assist,medical,service
Person in Crisis,mental_health,service
Welfare Check,welfare_check,service
Parking Complaint,traffic_parking,service
Theft,other_theft,crime
Assault,violence,crime
"""
RM, HT, ND = "Riverside Mall", "Harbour Tower", "Northgate Depot"
GUARD_HEADER = ["Report #", "Date/Time", "Issue Type", "Site", "Response (min)", "Guard"]
PATROL_HEADER = ["Tour", "Date", "Kind", "Site", "Hours", "Note"]


def _guard_rows() -> list[list]:
    rows = []

    def add(count, day, issue, site, resp):
        for _ in range(count):
            # a guard's name in the log: a column no profile maps, so it must never reach a release or a report
            rows.append([f"GL-{len(rows) + 1:05d}", f"{day} 10:00", issue, site, resp, "Guard Jane Doe"])

    add(3, "2026-04-03", "Alarm", RM, 5)
    add(3, "2026-05-10", "Alarm", RM, 5)
    add(2, "2026-05-12", "Medical Assist", RM, 7)
    add(1, "2026-06-20", "Theft", RM, 25)
    add(3, "2026-06-02", "Parking Complaint", RM, 15)
    add(2, "2026-04-20", "Alarm", HT, 6)
    add(1, "2026-04-25", "Person in Crisis", RM, 8)
    add(3, "2026-05-25", "Person in Crisis", RM, 8)
    add(4, "2026-07-04", "Alarm", RM, 4)
    add(3, "2026-08-09", "Alarm", RM, 4)
    add(3, "2026-09-12", "Alarm", RM, 4)
    add(1, "2026-07-05", "Medical Assist", RM, 6)
    add(3, "2026-08-15", "Medical Assist", RM, 6)
    add(2, "2026-07-20", "Theft", RM, 20)
    add(1, "2026-09-03", "Theft", RM, 20)
    add(1, "2026-08-22", "Assault", RM, 12)
    add(2, "2026-09-01", "Welfare Check", RM, 10)
    add(1, "2026-07-08", "Medical Assist", HT, 6)
    add(2, "2026-07-09", "Alarm", HT, 4)
    add(1, "2026-09-09", "Theft", HT, 20)
    add(1, "2026-08-01", "Medical Assist", ND, 6)
    add(4, "2026-08-02", "Alarm", ND, 4)
    return rows


PATROLS = [["T1", "2026-05-05", "Foot patrol", RM, "2", "Loading dock"], ["T2", "2026-06-06", "Foot patrol", RM, "1", "Car park"],
           ["T3", "2026-07-07", "Foot patrol", RM, "2", "Car park"], ["T4", "2026-08-08", "Foot patrol", RM, "1.5", "Food court"],
           ["T5", "2026-09-09", "Foot patrol", RM, "2.5", "Loading dock"], ["T6", "2026-09-20", "Foot patrol", RM, "", "Car park"],
           ["T7", "2026-08-12", "Tenant meeting", RM, "3", "Tenant safety meeting"], ["T8", "2026-07-10", "Foot patrol", HT, "1", "Lobby"]]


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def build_store(root: Path) -> Path:
    """The guard log and the patrol log, ingested with their profiles and published as release 1; returns the store's folder."""
    cw_dir = root / "crosswalks"
    cw_dir.mkdir(parents=True)
    (cw_dir / "guard-log.csv").write_text(CROSSWALK, encoding="utf-8")
    log = _write(root / "guard_log.csv", GUARD_HEADER, _guard_rows())
    tours = _write(root / "patrols.csv", PATROL_HEADER, PATROLS)
    store = Store(root / "store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mapping, "CROSSWALKS_DIR", cw_dir)
        mp.setattr(mapping, "_CW_CACHE", {})
        inc = ingest(log, "incidents", store, profile=Spec.from_dict({
            "id": "guard-log", "dataset": "incidents", "title": "Guard log (test fixture)", "fields": {
                "incident_id": {"column": "Report #"}, "occurred_at": {"column": "Date/Time", "format": "%Y-%m-%d %H:%M"},
                "category": {"column": "Issue Type", "crosswalk": "guard-log"}, "offence_raw": {"column": "Issue Type"},
                "area": {"column": "Site"}, "response_minutes": {"column": "Response (min)"}}}))
        ev = ingest(tours, "engagement", store, profile=Spec.from_dict({
            "id": "guard-tours", "dataset": "engagement", "title": "Patrol log (test fixture)", "fields": {
                "event_id": {"column": "Tour"}, "date": {"column": "Date", "format": "%Y-%m-%d"},
                "type": {"column": "Kind", "map": {"Foot patrol": "foot_patrol", "Tenant meeting": "community_event"}},
                "area": {"column": "Site"}, "staff_hours": {"column": "Hours"}, "title": {"column": "Note"}}}))
    store.publish([inc["draft"], ev["draft"]], "test", "Guard log fixture")
    return store.root


@pytest.fixture(scope="module")
def guard_store(tmp_path_factory) -> Path:
    """The published guard log, built once for the module. Read only: tests that approve or publish take `guard_copy`."""
    return build_store(tmp_path_factory.mktemp("client-report"))


@pytest.fixture
def guard_copy(guard_store, tmp_path) -> Path:
    return Path(shutil.copytree(guard_store, tmp_path / "store"))


@pytest.fixture
def rel(guard_store):
    return open_release(guard_store)


def _groups(rep) -> dict:
    return {(g.kind, g.category): g.n for g in rep.groups}


# ---------------------------------------------------------------- what the report counts


def test_sites_come_from_the_site_column_alone(rel):
    # no areas file and no shapes: the sites are the guard log's own names
    assert rel.query("SELECT count(*) AS n FROM areas WHERE geometry IS NOT NULL")["n"].iloc[0] == 0
    assert list(client_report.sites(rel)["name"]) == [HT, ND, RM]
    assert client_report.find_site(rel, "riverside MALL") == (RM, RM)
    with pytest.raises(InputError, match="has no site 'Riverside Mal'.*Choose one of: 'Harbour Tower', 'Northgate Depot', 'Riverside Mall'"):
        client_report.find_site(rel, "Riverside Mal")


def test_periods_quarters_and_their_months(rel):
    assert [p.slug for p in client_report.available_periods(rel, RM)] == [
        "2026-Q3", "2026-09", "2026-08", "2026-07", "2026-Q2", "2026-06", "2026-05", "2026-04"]
    assert [p.slug for p in client_report.available_periods(rel, ND)] == ["2026-Q3", "2026-09", "2026-08", "2026-07"]  # a client since Q3
    assert client_report.parse_period("2026-Q3") == client_report.parse_period("2026q3") == client_report.Period("2026Q3")
    assert client_report.parse_period("2026-7").key == "2026-07"
    assert client_report.Period("2026-07").previous().key == "2026-06" and client_report.Period("2026Q1").previous().key == "2025Q4"
    for bad in ("2026-Q5", "Q3", "2026-13", ""):
        with pytest.raises(InputError, match="is not a period"):
            client_report.parse_period(bad)
    with pytest.raises(InputError, match=r"no report for 'Northgate Depot' in 2026-Q2\. Choose one of: 2026-Q3, 2026-09"):
        client_report.build(rel, ND, "2026-Q2")


@pytest.mark.parametrize("site", [RM, HT, ND])
@pytest.mark.parametrize("quarter", ["2026Q2", "2026Q3"])
def test_quarter_counts_are_the_releases_counts(rel, site, quarter):
    """Every cell of the release's count table for the site is in the report as published (hidden stays hidden), crimes and
    calls for service apart, and the totals add up the visible cells only."""
    cube = rel.query("SELECT kind, category, n, suppressed FROM incident_counts WHERE quarter = ? AND area = ?", [quarter, site])
    if cube.empty:
        with pytest.raises(InputError):
            client_report.build(rel, site, quarter)
        return
    rep = client_report.build(rel, site, quarter)
    want = {(k, c): (None if s else int(n)) for k, c, n, s in cube.itertuples(index=False)}
    got = {kc: n for kc, n in _groups(rep).items() if n != 0}
    assert got == want
    for kind in (CRIME, SERVICE):
        visible = cube[(cube["kind"] == kind) & ~cube["suppressed"]]["n"].sum()
        assert rep.total(kind) == int(visible)
        assert rep.hidden(kind) == int((cube[cube["kind"] == kind]["suppressed"]).sum())
    assert all(g.kind == CRIME for g in rep.groups if g.category in ("other_theft", "violence"))
    assert all(g.kind == SERVICE for g in rep.groups if g.category in ("alarm", "medical", "mental_health", "welfare_check", "traffic_parking"))


def test_riverside_mall_q3_known_values(rel):
    rep = client_report.build(rel, RM, "2026-Q3")
    assert _groups(rep) == {(SERVICE, "alarm"): 10, (SERVICE, "medical"): None, (SERVICE, "welfare_check"): 2,
                            (SERVICE, "traffic_parking"): 0, (SERVICE, "mental_health"): 0, (CRIME, "other_theft"): 3, (CRIME, "violence"): 1}
    assert (rep.total(CRIME), rep.total(SERVICE), rep.hidden(SERVICE)) == (4, 12, 1)
    assert (rep.total(CRIME, True), rep.total(SERVICE, True), rep.hidden(SERVICE, True)) == (1, 13, 1)  # Q2: 6 + 3 + 4 crisis calls
    assert rep.patrol == {"visits": 4, "hours": 6.0, "missing_hours": 1}  # the tenant meeting is no patrol
    assert rep.patrol_before == {"visits": 2, "hours": 3.0, "missing_hours": 0}
    # the medical assists carry no site in the release (their cell is hidden), so no response time of theirs counts here
    assert rep.response == {SERVICE: {"n": 12, "median": 4.0, "p90": pytest.approx(9.4)}, CRIME: {"n": 4, "median": 20.0, "p90": None}}
    assert [(p.key, a, b) for p, a, b in rep.trend] == [("2026Q2", 1, 13), ("2026Q3", 4, 12)]


def test_months_add_up_to_the_quarter_and_hide_what_it_hides(rel):
    months = {m: _groups(client_report.build(rel, RM, m)) for m in ("2026-07", "2026-08", "2026-09")}
    # July against June: June's parking calls and theft are rows of the table too (0 in July)
    assert months["2026-07"] == {(SERVICE, "alarm"): 4, (SERVICE, "medical"): None, (SERVICE, "traffic_parking"): 0, (CRIME, "other_theft"): 2}
    assert months["2026-08"][(CRIME, "violence")] == 1 and months["2026-08"][(SERVICE, "alarm")] == 3
    assert months["2026-09"][(SERVICE, "welfare_check")] == 2 and months["2026-09"][(CRIME, "other_theft")] == 1
    quarter = _groups(client_report.build(rel, RM, "2026-Q3"))
    for kc, n in quarter.items():
        if n is None:  # hidden in the quarter: hidden in every month, never shown as a number
            assert all(m.get(kc, None) is None for m in months.values()), kc
        else:
            assert sum(m.get(kc) or 0 for m in months.values()) == n, kc


def test_a_month_hides_a_small_sensitive_count_the_quarter_shows(rel):
    """4 crisis calls in Q2 are shown (k = 3); April's 1 is hidden in April's report and out of its total, May's 3 are shown."""
    assert _groups(client_report.build(rel, RM, "2026-Q2"))[(SERVICE, "mental_health")] == 4
    april = client_report.build(rel, RM, "2026-04")
    assert _groups(april)[(SERVICE, "mental_health")] is None and april.total(SERVICE) == 3 and april.hidden(SERVICE) == 2
    assert _groups(client_report.build(rel, RM, "2026-05"))[(SERVICE, "mental_health")] == 3
    page = client_report.html_page(april)
    assert "fewer than 3*" in page and "Counts hidden to protect privacy: 2" in page


def test_changes_are_judged_never_a_bare_percentage(rel):
    rep = client_report.build(rel, RM, "2026-Q3")
    judged = {what: c for what, _, c in client_report.changes(rep)}
    assert (judged["crime"].before, judged["crime"].after) == (1, 4) and judged["crime"] == compare(1, 4)
    assert not judged["crime"].significant  # 1 → 4 is within normal variation, however large "+300 %" would look
    assert (judged["service"].before, judged["service"].after, judged["visits"].after) == (13, 12, 4)
    assert "medical" not in judged  # hidden in both quarters: no comparison of hidden counts
    page = client_report.html_page(rep)
    body = page.split("</style>", 1)[1].replace('width="100%"', "")  # the style's and the SVGs' sizes aside
    assert "%" not in body
    assert "Crimes: 4, against 1 in Q2 2026 (+3), within normal variation." in page
    assert "Hidden counts are in neither period" in page
    first = client_report.build(rel, RM, "2026-04")  # the release's first month of this site: nothing to compare with
    assert first.previous is None and client_report.changes(first) == []
    assert "no earlier period for this site" in client_report.html_page(first)


def test_the_report_holds_no_free_text(rel):
    """Nothing from the log beyond what the release publishes as counts: no guard's name, no patrol note, no raw issue type."""
    for lang in ("en", "fr"):
        page = client_report.html_page(client_report.build(rel, RM, "2026-Q3", lang), lang)
        for text in ("Jane Doe", "Loading dock", "Car park", "Tenant safety meeting", "Medical Assist", "GL-0"):
            assert text not in page
        assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page


def test_print_ready_html(rel):
    rep = client_report.build(rel, RM, "2026-Q3")
    page = client_report.html_page(rep)
    assert "@page { size: A4;" in page and "<svg" in page and 'role="img"' in page
    assert "@page { size: letter;" in client_report.html_page(rep, paper="letter")
    draft = client_report.html_page(rep, draft=True)
    assert 'class="watermark"' in draft and ">DRAFT<" in draft and 'class="watermark"' not in page
    fr = client_report.html_page(client_report.build(rel, RM, "2026-Q3", "fr"), "fr")
    assert 'lang="fr-CA"' in fr and "Appels de service" in fr and "T3 2026" in fr
    with pytest.raises(InputError, match="no paper size 'a3'"):
        client_report.html_page(rep, paper="a3")


# ---------------------------------------------------------------- approval


def test_a_client_copy_needs_an_audited_approval_that_a_new_release_voids(guard_copy):
    store = Store(guard_copy)
    with pytest.raises(InputError, match=r"the report for Riverside Mall in 2026-Q3 is not approved for the client in release 1, so no "
                                         r"client copy was written"):
        actions.client_report_copy(store, RM, "2026-Q3", "ana", "html")
    assert not (guard_copy / actions.APPROVALS).exists()
    # an analyst may preview: a draft copy is written, marked DRAFT, and logged as a draft
    data, name, approval = actions.client_report_copy(store, RM, "2026-Q3", "ana", "html", draft=True)
    assert approval is None and name.endswith("-DRAFT.html") and b">DRAFT<" in data and b"Approved for the client" not in data

    entry = actions.approve_client_report(store, "riverside mall", "2026-Q3", "ana")
    assert {k: entry[k] for k in ("site", "period", "release", "by")} == {"site": RM, "period": "2026Q3", "release": 1, "by": "ana"}
    assert json.loads((guard_copy / actions.APPROVALS).read_text(encoding="utf-8"))["approvals"] == [entry]
    assert (guard_copy / actions.APPROVALS).stat().st_mode & 0o077 == 0  # owner-only, like the rest of the data folder
    logged = audit.entries(guard_copy, 10)
    approved = next(e for e in logged if e["event"] == "client-report-approved")
    assert {k: approved[k] for k in ("who", "origin", "site", "period", "release")} == {
        "who": "ana", "origin": audit.BROWSER, "site": RM, "period": "2026-Q3", "release": 1}
    assert approved["sha256"] == entry["sha256"] and len(entry["sha256"]) == 64
    assert any(e["event"] == "client-report-draft" for e in logged)

    data, name, approval = actions.client_report_copy(store, RM, "2026-Q3", "bob", "html")
    assert approval == entry and not name.endswith("-DRAFT.html")
    assert b"Approved for the client by ana" in data and b'class="watermark"' not in data
    shared = audit.entries(guard_copy, 1)[0]
    assert (shared["event"], shared["who"], shared["approved_by"], shared["release"]) == ("client-report-shared", "bob", "ana", 1)
    # the approval is of one site and one period
    with pytest.raises(InputError, match="not approved"):
        actions.client_report_copy(store, RM, "2026-08", "bob", "html")
    with pytest.raises(InputError, match="not approved"):
        actions.client_report_copy(store, HT, "2026-Q3", "bob", "html")

    # a new release (here a restore of release 1, with the same figures) needs a new approval
    assert actions.rollback(store, 1, "ana", "restore to test approvals")["ok"]
    assert actions.client_report_approval(guard_copy, RM, "2026Q3", 2) is None
    assert actions.client_report_approvals(guard_copy, RM, "2026Q3") == [entry]  # the old approval stays on record
    with pytest.raises(InputError, match="not approved for the client in release 2"):
        actions.client_report_copy(store, RM, "2026-Q3", "bob", "html")
    again = actions.approve_client_report(store, RM, "2026-Q3", "ana")
    assert again["release"] == 2
    assert b"(release 2)" in actions.client_report_copy(store, RM, "2026-Q3", "bob", "html")[0]


def test_approving_what_does_not_exist_is_refused(guard_copy):
    store = Store(guard_copy)
    with pytest.raises(InputError, match="has no site 'Nowhere'"):
        actions.approve_client_report(store, "Nowhere", "2026-Q3", "ana")
    with pytest.raises(InputError, match="no report for 'Riverside Mall' in 2025-Q3"):
        actions.approve_client_report(store, RM, "2025-Q3", "ana")
    with pytest.raises(InputError, match="PDF or HTML"):
        actions.client_report_copy(store, RM, "2026-Q3", "ana", "docx", draft=True)
    assert not (guard_copy / actions.APPROVALS).exists()
    assert not [e for e in audit.entries(guard_copy, 10) if e["event"].startswith("client-report")]


def test_command_line(guard_copy, tmp_path, capsys):
    data = ["--data-dir", str(guard_copy)]
    out = tmp_path / "riverside.html"
    assert cli.main(["client-report", *data, "--site", RM, "--period", "2026-Q3", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is not approved for the client in release 1, so no client copy was written" in err
    assert f'python -m bridges approve-report --site "{RM}" --period 2026-Q3 --by NAME, or add --draft' in err and not out.exists()
    assert cli.main(["client-report", *data, "--site", RM, "--period", "2026-Q3", "--draft", str(out)]) == 0
    assert "a DRAFT copy" in capsys.readouterr().out and ">DRAFT<" in out.read_text(encoding="utf-8")
    assert cli.main(["approve-report", *data, "--site", RM, "--period", "2026-Q3", "--by", "ana"]) == 0
    assert "is approved for the client by ana (release 1)" in capsys.readouterr().out
    assert cli.main(["client-report", *data, "--site", RM, "--period", "2026-Q3", "--paper", "letter", str(out)]) == 0
    assert "the client copy, approved by ana" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert "Approved for the client by ana" in page and "size: letter" in page and 'class="watermark"' not in page
    entry = audit.entries(guard_copy, 1)[0]
    assert (entry["event"], entry["origin"]) == ("client-report-shared", audit.COMMAND_LINE)
    assert cli.main(["client-report", *data, "--site", RM, "--period", "2026-13", str(out)]) == 2
    assert "'2026-13' is not a period. Give a quarter like 2026-Q3 or a month like 2026-07." in capsys.readouterr().err
    assert cli.main(["client-report", *data, "--site", RM, "--period", "2026-Q3", str(tmp_path / "r.docx")]) == 2


@pytest.mark.browser
@pytest.mark.slow
def test_pdf_of_an_approved_report(guard_copy, tmp_path, capsys):
    if not images.available():
        pytest.skip("no chromium")
    store = Store(guard_copy)
    actions.approve_client_report(store, RM, "2026-08", "ana")
    data, name, _ = actions.client_report_copy(store, RM, "2026-08", "ana", "pdf")
    assert data[:5] == b"%PDF-" and name == "bridges-release-1-client-report-riverside-mall-2026-08-en.pdf"
    assert set(re.findall(rb"/MediaBox \[([^\]]*)\]", data)) == {b"0 0 594.95996 841.91998"}  # A4 (210 × 297 mm as chromium rounds it), every page
    out = tmp_path / "draft.pdf"
    assert cli.main(["client-report", "--data-dir", str(guard_copy), "--site", HT, "--period", "2026-Q3", "--draft", "--paper", "letter",
                     str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-" and set(re.findall(rb"/MediaBox \[([^\]]*)\]", out.read_bytes())) == {b"0 0 612 792"}


# ---------------------------------------------------------------- the analyst page


@pytest.fixture
def page_store(guard_copy, monkeypatch) -> Path:
    """The guard store with the analysts of tests.analyst_kit, served to the dashboard (BRIDGES_DATA_DIR)."""
    users.add_user(guard_copy, LOCAL, "analyst", PASSWORD)
    users.add_user(guard_copy, OIDC, "analyst", oidc=True)
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(guard_copy))
    return guard_copy


def _page(user: dict | None):
    at = kit.app(user).run()  # run once first: the page's address (client-reports) is not its file's name
    at.switch_page("analyst_pages/client_reports.py").run()
    kit.ok(at)
    return at


def test_page_is_for_analysts_only(page_store):
    from streamlit.testing.v1 import AppTest

    alone = AppTest.from_file(str(kit.ROOT / "analyst_pages" / "client_reports.py"), default_timeout=60)
    alone.user = {"is_logged_in": True, "email": "someone@else.example"}
    alone.run()
    kit.ok(alone)
    assert "This page is for analysts" in kit.texts(alone) and not alone.selectbox and not alone.get("iframe")
    signed_out = kit.app().run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_out.switch_page("analyst_pages/client_reports.py")


@pytest.mark.slow
def test_page_previews_approves_and_offers_the_client_copy(page_store):
    at = _page({"is_logged_in": True, "email": OIDC, "name": "Ana Lyst"})
    assert [t.value for t in at.title] == ["Client reports"]
    assert at.selectbox(key="cr_site").options == [HT, ND, RM]
    at.selectbox(key="cr_site").set_value(RM).run()
    assert at.selectbox(key="cr_period").options[:4] == ["Q3 2026", "September 2026", "August 2026", "July 2026"]
    at.selectbox(key="cr_period").set_value("2026-08").run()
    kit.ok(at)
    assert "Not approved for the client in release 1" in kit.texts(at)
    preview = at.get("iframe")[0].proto.srcdoc
    assert "Riverside Mall, August 2026" in preview and ">DRAFT<" in preview
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download the draft copy, marked DRAFT (PDF)", "Download the draft copy, marked DRAFT (HTML)"]

    at.button(key="cr_approve").click().run()
    kit.ok(at)
    assert "is approved for the client (release 1)" in kit.texts(at) and "Approved for the client by ana@force.example" in kit.texts(at)
    assert not [b for b in at.button if b.key == "cr_approve"]
    preview = at.get("iframe")[0].proto.srcdoc
    assert "Approved for the client by ana@force.example" in preview and ">DRAFT<" not in preview
    assert [b.label for b in at.get("download_button")] == ["Download the client copy (PDF)", "Download the client copy (HTML)"]
    entry = next(e for e in audit.entries(page_store, 10) if e["event"] == "client-report-approved")
    assert (entry["who"], entry["origin"], entry["site"], entry["period"], entry["release"]) == (OIDC, audit.BROWSER, RM, "2026-08", 1)

    at.selectbox(key="cr_lang").set_value("fr").run()  # the same approval, whatever the language
    kit.ok(at)
    assert "Approuvé pour le client par ana@force.example" in at.get("iframe")[0].proto.srcdoc
