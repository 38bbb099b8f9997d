"""Calls for service beside crime: a private-security guard log (alarms, medical assists, welfare checks, parking, a crisis
call, thefts and assaults) goes through the ordinary ingest with a crosswalk that marks service calls, and publishes.

No crime figure counts a service call (the release's count table and every crime query, page block, deck slide and site
page are checked), and the pages, the deck and the static site show the calls as service, in English and French.

Known values (two client sites: HQ with 500 people on site, MALL with 2,000):
- 2026Q2: 8 alarms (HQ), 3 medical assists (MALL), 2 welfare checks (HQ), 4 parking (MALL); 1 theft (MALL), 1 assault (HQ).
- 2026Q3: 12 alarms (7 HQ, 5 MALL), 5 medical assists (MALL), 3 welfare checks (HQ), 6 parking (MALL), 1 crisis call (HQ,
  sensitive: hidden, fewer than 3); 2 thefts (MALL), 1 assault (HQ).
- crimes: 2 in Q2, 3 in Q3 (MALL 2 → 1.0 per 1,000; HQ 1 → 2.0 per 1,000); service calls 17 in Q2, 26 shown in Q3 (+1 hidden).
- response: crimes 30 minutes, alarms 4, medical assists 6, welfare checks 10, parking 20, the crisis call 8.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders import mapping
from loaders.ingest import ingest
from loaders.mapping import Spec
from loaders.placement import place_category
from loaders.suggest import inspect_file
from model.errors import InputError
from model.schema import SERVICE_GROUPS
from outputs import deck as D
from outputs import site
from stats import queries, views
from stats.blocks import Chart, Heading, Metrics, charts
from stats.i18n import label
from stats.read import open_release
from store.versioned import Store
from tests.test_pages_app import DASHBOARD, _square

CROSSWALK = """value,category,kind
Alarm - Intrusion,alarm,service
Fire Alarm,alarm,service
Medical Assist,medical,service
Welfare Check,welfare_check,service
Parking Violation,traffic_parking,service
Person in Crisis,mental_health,service
Theft,other_theft,crime
Assault,violence,
"""
SERVICE_WORDS = {lang: [label("category", g, lang) for g in SERVICE_GROUPS] for lang in ("en", "fr")}
CRIME_Q3 = {"other_theft": 2, "violence": 1}


def _guard_rows() -> list[list]:
    rows, n = [], 0

    def add(count, day, time, issue, site_, resp, disposition="Closed"):
        nonlocal n
        for _ in range(count):
            n += 1
            lat, lon = {"HQ": (10.005, -59.995), "MALL": (10.005, -59.985)}[site_]
            rows.append([f"GL-{n:05d}", f"{day} {time}", issue, site_, disposition, resp, lat, lon])

    add(6, "2026-04-03", "02:10", "Alarm - Intrusion", "HQ", 4)
    add(2, "2026-05-03", "03:10", "Fire Alarm", "HQ", 4)
    add(3, "2026-05-09", "12:00", "Medical Assist", "MALL", 6)
    add(2, "2026-06-01", "09:30", "Welfare Check", "HQ", 10)
    add(4, "2026-06-11", "16:00", "Parking Violation", "MALL", 20)
    add(1, "2026-06-20", "15:00", "Theft", "MALL", 30, "Reported to police")
    add(1, "2026-06-21", "23:00", "Assault", "HQ", 30, "Reported to police")
    add(7, "2026-07-02", "01:00", "Alarm - Intrusion", "HQ", 4)
    add(5, "2026-07-12", "04:00", "Fire Alarm", "MALL", 4)
    add(5, "2026-08-01", "13:00", "Medical Assist", "MALL", 6)
    add(3, "2026-08-09", "09:00", "Welfare Check", "HQ", 10)
    add(6, "2026-08-20", "17:00", "Parking Violation", "MALL", 20)
    add(1, "2026-09-01", "21:00", "Person in Crisis", "HQ", 8)
    add(2, "2026-09-05", "15:00", "Theft", "MALL", 30, "Reported to police")
    add(1, "2026-09-06", "22:00", "Assault", "HQ", 30, "Reported to police")
    return rows


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


GUARD_HEADER = ["Report #", "Date/Time", "Issue Type", "Site", "Disposition", "Response (min)", "Latitude", "Longitude"]


@pytest.fixture(scope="module")
def guard(tmp_path_factory) -> dict:
    """The guard log, ingested with a profile whose crosswalk (a CSV with a kind column) marks service calls, and published."""
    root = tmp_path_factory.mktemp("guard")
    cw_dir = root / "crosswalks"
    cw_dir.mkdir()
    (cw_dir / "guard-log.csv").write_text(CROSSWALK, encoding="utf-8")
    log = _write(root / "guard_log.csv", GUARD_HEADER, _guard_rows())
    sites = _write(root / "sites.csv", ["Site", "Name", "People", "Source", "Year", "Shape"], [
        ["HQ", "Head office", "500", "Client headcount", "2026", _square(-60.00, 10.0)],
        ["MALL", "Riverside Mall", "2000", "Client headcount", "2026", _square(-59.99, 10.0)]])
    store = Store(root / "store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mapping, "CROSSWALKS_DIR", cw_dir)
        mp.setattr(mapping, "_CW_CACHE", {})
        a = ingest(sites, "areas", store, profile=Spec.from_dict({
            "id": "guard-sites", "dataset": "areas", "title": "Client sites (test fixture)", "fields": {
                "area_id": {"column": "Site"}, "name": {"column": "Name"}, "population": {"column": "People"},
                "population_source": {"column": "Source"}, "population_year": {"column": "Year"}, "geometry": {"column": "Shape"}}}))
        report = ingest(log, "incidents", store, profile=Spec.from_dict({
            "id": "guard-log", "dataset": "incidents", "title": "Guard log (test fixture)", "fields": {
                "incident_id": {"column": "Report #"}, "occurred_at": {"column": "Date/Time", "format": "%Y-%m-%d %H:%M"},
                "category": {"column": "Issue Type", "crosswalk": "guard-log"}, "offence_raw": {"column": "Issue Type"},
                "area": {"column": "Site"}, "status": {"column": "Disposition", "map": {"Closed": "cleared", "Reported to police": "open"}},
                "response_minutes": {"column": "Response (min)"}},
            "coordinates": {"lat": "Latitude", "lon": "Longitude"}}))
    store.publish([a["draft"], report["draft"]], "test", "Guard log fixture")
    return {"root": store.root, "report": report, "log": log, "dir": root}


@pytest.fixture(scope="module")
def rel(guard):
    return open_release(guard["root"])


def _no_service_words(text: str, lang: str = "en") -> None:
    for w in SERVICE_WORDS[lang]:
        assert w.lower() not in text.lower(), (w, text[:300])


# ---------------------------------------------------------------- the canonical model and the release


def test_guard_log_publishes_with_kinds(guard, rel):
    rows = _guard_rows()
    assert guard["report"]["rows_read"] == guard["report"]["rows_accepted"] == len(rows) and guard["report"]["rows_rejected"] == 0
    inc = rel.query("SELECT kind, category, count(*) AS n FROM incidents GROUP BY 1, 2 ORDER BY 1, 2")
    got = {(r.kind, r.category): int(r.n) for r in inc.itertuples()}
    assert got == {("crime", "other_theft"): 3, ("crime", "violence"): 2, ("service", "alarm"): 20, ("service", "medical"): 8,
                   ("service", "mental_health"): 1, ("service", "traffic_parking"): 10, ("service", "welfare_check"): 5}
    assert sum(got.values()) == len(rows)
    # the count table says which rows are crime: a reader summing crime can tell them apart without any list of groups
    cube = rel.query("SELECT DISTINCT kind, category FROM incident_counts")
    assert set(cube.itertuples(index=False, name=None)) == {(k, c) for k, c in got}


def test_sensitive_service_calls_are_masked_and_suppressed(rel):
    med = rel.query("SELECT lat, lon, block, time_precision, occurred_at FROM incidents WHERE category IN ('medical', 'mental_health')")
    assert len(med) == 9 and med["lat"].isna().all() and med["lon"].isna().all()
    assert set(med["time_precision"]) == {"day"} and (pd.to_datetime(med["occurred_at"]).dt.hour == 0).all()
    cell = rel.query("SELECT area, n, suppressed FROM incident_counts WHERE category = 'mental_health' AND quarter = '2026Q3'")
    assert cell["suppressed"].all() and cell["n"].isna().all(), cell  # one call at one site: hidden, and so is the total
    alarms = rel.query("SELECT count(*) FILTER (WHERE lat IS NOT NULL) AS pts FROM incidents WHERE category = 'alarm'")
    assert int(alarms["pts"].iloc[0]) == 20  # not sensitive: snapped points as any incident


# ---------------------------------------------------------------- no crime figure counts a service call


def test_crime_queries_count_crimes_only(rel):
    cube = queries.incidents_by_quarter(rel)
    assert set(cube["category"]) == {"other_theft", "violence"}
    assert cube.groupby("quarter")["n"].sum().to_dict() == {"2026Q2": 2, "2026Q3": 3}
    by_area = queries.incidents_by_area(rel, "2026Q3").set_index("area")["n"].to_dict()
    assert by_area == {"HQ": 1, "MALL": 2}
    assert int(queries.incident_points(rel, "2026Q3")["n"].sum()) == 3
    assert int(queries.incidents_by_hour(rel, None, "2026Q3")["n"].sum()) == 3
    assert int(queries.incidents_by_weekday(rel, None, "2026Q3")["n"].sum()) == 3
    assert int(queries.incident_precision(rel, None, "2026Q3")["n"].sum()) == 3
    assert queries.incident_status(rel, None, "2026Q3").set_index("status")["n"].to_dict() == {"open": 3}
    rt = queries.response_times(rel)
    assert list(rt["median"]) == [30.0, 30.0] and list(rt["n"]) == [2, 3]
    # the same queries of kind "service" give the calls
    svc = queries.incidents_by_quarter(rel, None, queries.SERVICE)
    assert set(svc["category"]) <= set(SERVICE_GROUPS)
    assert svc[~svc["suppressed"]].groupby("quarter")["n"].sum().to_dict() == {"2026Q2": 17, "2026Q3": 26}
    assert queries.service_calls(rel) == 44


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_crime_blocks_never_show_a_service_call(rel, lang):
    ctx = views.context(rel, None, "2026Q3", lang)
    blocks = views.incidents(ctx, "rate")
    helped_at = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.anchor == "helped")
    crime_part, service_part = blocks[:helped_at], blocks[helped_at:]
    crime_charts = charts(crime_part)
    assert [c.key for c in crime_charts] == ["incidents.trend", "incidents.map", "incidents.hour", "incidents.weekday", "incidents.status",
                                              "incidents.response"]
    for c in crime_charts:
        _no_service_words(c.sentence + " ".join(c.notes[:1]) + (c.table.to_csv() if c.table is not None else ""), lang)
    trend = crime_charts[0]
    assert [tr.name for tr in trend.figure.data] == [label("category", "other_theft", lang), label("category", "violence", lang)]
    assert [tr.y[-1] for tr in trend.figure.data] == [2, 1]
    amap = crime_charts[1]
    rates = {tr.meta["area"]: tr.meta["value"] for tr in amap.figure.data if isinstance(getattr(tr, "meta", None), dict)}
    assert rates == {"MALL": 1.0, "HQ": 2.0}  # crimes per 1,000 people on site, never alarms
    assert sum(crime_charts[2].figure.data[0].y) == 3  # time of day: three crimes
    assert list(crime_charts[5].table.iloc[:, 2]) == ["30.0" if lang == "en" else "30,0"] * 2  # crime response times: 30 min
    # the overview: the crime headline counts crimes; calls for service have their own figure
    ov = views.overview(ctx)
    metrics = {m.key: m for m in next(b for b in ov if isinstance(b, Metrics)).items}
    assert metrics["incidents"].value == "3" and metrics["service"].value == "26"
    if lang == "en":  # the hidden crisis call is said to be left out, and the figure says it is not crime
        assert metrics["service"].detail[-2:] == ["(1 hidden counts are not included.)", "Not crimes: counted apart, and in no crime figure."]
    for b in ov:
        if isinstance(b, Chart):
            _no_service_words(b.sentence + (b.table.to_csv() if b.table is not None else ""), lang)
    changed = next(b for b in ov if type(b).__name__ == "Bullets")
    for item in changed.items:
        _no_service_words(item, lang)
    # "how we helped" shows them, apart
    keys = [c.key for c in charts(service_part)]
    assert keys == ["incidents.service_types", "incidents.service_trend", "incidents.service_response"]
    types = charts(service_part)[0]
    shown = dict(zip(types.figure.data[0].y, types.figure.data[0].x))
    assert shown == {label("category", "alarm", lang): 12, label("category", "traffic_parking", lang): 6,
                     label("category", "medical", lang): 5, label("category", "welfare_check", lang): 3}
    assert label("category", "mental_health", lang) in types.table.iloc[:, 0].tolist()  # listed, its count hidden
    resp = charts(service_part)[2]  # 27 timed calls in Q3 (the hidden crisis call's time is published row by row): median 6
    assert list(resp.table.iloc[:, 2]) == (["6.0", "6.0"] if lang == "en" else ["6,0", "6,0"])  # 17 calls in Q2: median 6 too


def test_service_sentences_in_english_and_french(rel):
    en = views.service_types_chart(views.context(rel, None, "2026Q3", "en"))
    assert en.sentence.startswith("All areas, Q3 2026: 26 calls for service that reported no offence. (1 hidden counts are not included.)")
    assert "Compared with earlier: up 53 % from 17 in Q2 2026, within normal variation." in en.sentence and "alarm responses (12), traffic and parking (6) and medical assists (5)" in en.sentence
    fr = views.service_types_chart(views.context(rel, None, "2026Q3", "fr"))
    assert fr.sentence.startswith("Tous les secteurs, T3 2026 : 26 appels de service sans infraction signalée.")
    assert "réponses aux alarmes (12)" in fr.sentence
    resp = views.response_chart(views.context(rel, None, "2026Q3", "en"), queries.SERVICE)
    assert "half of the 27 calls for service with a response time were reached within 6 minutes" in resp.sentence


def test_a_release_published_before_kinds_reads_as_crime(rel, tmp_path):
    """Public files written before incidents had a kind (no `kind` column) still open: every row reads as a crime."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from stats.read import public_dir, release_from_folder

    old = tmp_path / "old"
    old.mkdir()
    for f in public_dir(rel.store, rel.manifest).glob("*.parquet"):
        t = pq.read_table(f)
        if "kind" in t.column_names:  # an old release held crimes only
            t = t.filter(pc.equal(t["kind"], "crime")).drop_columns(["kind"])
        pq.write_table(t, old / f.name)
    before = release_from_folder(rel.store, rel.manifest, old)
    assert queries.incidents_by_quarter(before).groupby("quarter")["n"].sum().to_dict() == {"2026Q2": 2, "2026Q3": 3}
    assert int(queries.incidents_by_hour(before, None, "2026Q3")["n"].sum()) == 3 and queries.service_calls(before) == 0
    assert not any(isinstance(b, Heading) and b.anchor == "helped" for b in views.incidents(views.context(before, None, "2026Q3", "en")))


def test_no_helped_section_or_slide_without_service_calls(acme_store):
    acme = open_release(acme_store)
    assert queries.service_calls(acme) == 0
    ctx = views.context(acme, "N1", "2026Q3", "en")
    assert not any(isinstance(b, Heading) and b.anchor == "helped" for b in views.incidents(ctx))
    assert "service" not in {m.key for m in next(b for b in views.overview(ctx) if isinstance(b, Metrics)).items}
    assert [s.key for s in D.build(acme, "N1", "2026Q3", "en").slides] == list(D.SLIDES)


# ---------------------------------------------------------------- the deck


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_deck_has_a_helped_slide_and_crime_slides_without_calls(rel, lang):
    deck = D.build(rel, None, "2026Q3", lang)
    keys = [s.key for s in deck.slides]
    assert keys == ["title", "headlines", "changed", "categories", "map", D.HELPED, "closing"]  # no events, concerns or survey
    s = {x.key: x for x in deck.slides}
    figs = {f.label: f for f in s["headlines"].figures}
    crime_label = "Incidents reported" if lang == "en" else "Incidents signalés"
    assert figs[crime_label].value == "3"
    cats = s["categories"].chart
    assert set(cats.table.iloc[:, 0]) == {label("category", "other_theft", lang), label("category", "violence", lang)}
    for key in ("changed", "categories", "map"):
        for text in (*s[key].bullets, *s[key].text, s[key].chart.sentence if s[key].chart else ""):
            _no_service_words(text, lang)
    helped = s[D.HELPED]
    assert helped.heading == ("How we helped" if lang == "en" else "Comment nous avons aidé")
    hf = {f.label: f for f in helped.figures}
    calls = "Calls for service" if lang == "en" else "Appels de service"
    assert hf[calls].value == "26" and hf[calls].detail
    assert helped.chart is not None and helped.chart.key == "incidents.service_types" and helped.notes


# ---------------------------------------------------------------- the pages and the static site


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_incidents_page_shows_how_we_helped(guard, monkeypatch, lang):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(guard["root"]))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    params = {"lang": lang, "quarter": "2026Q3"}
    at.query_params.update(params)
    at.run()
    at.query_params.update(params)
    at.switch_page("public_pages/incidents.py").run()
    assert not at.exception, [e.value for e in at.exception]
    body = "\n".join(str(x.value) for x in [*at.markdown, *at.header, *at.subheader, *at.caption])
    body = re.sub(r"\\(.)", r"\1", body).replace("\u2060", "")
    assert ("How we helped" if lang == "en" else "Comment nous avons aidé") in body
    assert ("26 calls for service that reported no offence" if lang == "en" else "26 appels de service sans infraction signalée") in body
    assert len(at.get("plotly_chart")) == 9  # six crime charts, three of calls for service


def test_static_site_shows_service_apart(guard, tmp_path):
    out = tmp_path / "site"
    site.build(guard["root"], out)
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    everywhere = [name for name, text in pages.items() if "How we helped" in text]
    assert everywhere, sorted(pages)
    index = pages["index.html"]
    assert "All areas: 3 incidents reported in Q3 2026." in index  # the crime line of the index counts crimes only
    french = [name for name, text in pages.items() if "Comment nous avons aidé" in text]
    assert french


# ---------------------------------------------------------------- crosswalks and keyword rules place service types


def test_crosswalk_kind_column_is_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(mapping, "CROSSWALKS_DIR", tmp_path)
    monkeypatch.setattr(mapping, "_CW_CACHE", {})
    (tmp_path / "bad.csv").write_text("value,category,kind\nFire Alarm,violence,service\n", encoding="utf-8")
    with pytest.raises(InputError, match="'Fire Alarm' is a service, but 'violence' is not a service group"):
        mapping.load_crosswalk("bad")
    (tmp_path / "odd.csv").write_text("value,category,kind\nFire Alarm,alarm,call\n", encoding="utf-8")
    with pytest.raises(InputError, match="neither crime nor service"):
        mapping.load_crosswalk("odd")
    (tmp_path / "ok.csv").write_text(CROSSWALK, encoding="utf-8")
    assert mapping.load_crosswalk("ok")["FIRE ALARM"] == "alarm"


@pytest.mark.parametrize("value,group", [
    ("Fire Alarm", "alarm"), ("BURGLAR ALARM", "alarm"), ("Medical assist", "medical"), ("Welfare check", "welfare_check"),
    ("Parking complaint", "traffic_parking"), ("Noise complaint", "disturbance"), ("Suspicious person", "suspicious"),
    ("Lockout", "assist_public"), ("Theft", "other_theft"), ("Assault", "violence"), ("Traffic collision", "traffic"),
    # offence names that hold a service word stay offences, or are left to the analyst
    ("Aiding suicide", None), ("Public fear, alarm or distress", None), ("Causing death or serious injury by driving", None),
])
def test_keyword_rules_place_service_types(value, group):
    hit = place_category(value)
    assert (hit[0] if hit else None) == group, hit


def test_inspect_drafts_service_groups_for_an_unknown_guard_log(guard):
    """With no profile, the draft's crosswalk places the call types in service groups by keyword; none is left as crime."""
    res = inspect_file(guard["log"], dataset="incidents")
    toml = res["toml"]
    for value, group in [("Alarm - Intrusion", "alarm"), ("Fire Alarm", "alarm"), ("Medical Assist", "medical"),
                         ("Welfare Check", "welfare_check"), ("Parking Violation", "traffic_parking"), ("Person in Crisis", "mental_health"),
                         ("Theft", "other_theft"), ("Assault", "violence")]:
        assert re.search(rf'^"{re.escape(value)}" = "{group}"', toml, re.M), (value, toml)
