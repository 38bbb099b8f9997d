"""Every output knows every area scheme (issue 12): the static site, the deck's chooser and page, the deck file and the
images list and show areas of every scheme a release has, with URLs that name the scheme; feedback counts are published at
parent levels too, and their suppression holds across levels (checked by tests/test_area_hierarchy.py's LP attacker).

The store is a small fixture of beats within districts: a list file (districts D1 and D2, beats B11 and B12 in D1, B21 and
B22 in D2),
incidents, concerns and foot patrols by beat.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from gate.public import ALL_AREAS, UNKNOWN_AREA, PrivacyConfig, public_feedback
from loaders.ingest import ingest
from loaders.mapping import Spec
from stats import schemes
from stats.blocks import Text
from stats.read import open_release
from store.versioned import Store
from tests.test_area_hierarchy import FEW, derivable
from tests.analyst_kit import town_hall, write_csv

LIST = "id,name,population,parent,kind\nD1,North District,,,district\nD2,South District,,,district\n" \
       "B11,Beat 11,1200,D1,beat\nB12,Beat 12,900,D1,beat\nB21,Beat 21,1500,D2,beat\nB22,Beat 22,800,D2,beat\n"


def build_beats(root: Path) -> Path:
    """Publish the fixture: beats within districts, incidents, concerns and foot patrols by beat (Q3 2026, one Q2 row)."""
    raw = root / "exports"
    raw.mkdir(parents=True, exist_ok=True)
    store = Store(root / "store")
    drafts = [ingest(write_csv(raw / "beats.csv", ["id", "name", "population", "parent", "kind"],
                            [r.split(",") for r in LIST.strip().splitlines()[1:]]), "areas", store)["draft"]]
    inc = []
    for beat, cat, n in (("B11", "BURG", 6), ("B12", "BURG", 4), ("B21", "BURG", 5), ("B11", "SEX", 1), ("B12", "SEX", 4),
                         ("B21", "SEX", 4)):
        inc += [[f"I-{beat}-{cat}-{i}", f"2026-08-{1 + i:02d} 10:00", cat, beat] for i in range(n)]
    inc.append(["I-Q2", "2026-05-02 10:00", "BURG", "B11"])
    drafts.append(ingest(write_csv(raw / "rms.csv", ["Ref", "When", "Kind", "Beat"], inc), "incidents", store, profile=Spec.from_dict({
        "id": "beats-rms", "dataset": "incidents", "title": "Beats RMS (test fixture)", "fields": {
            "incident_id": {"column": "Ref"}, "occurred_at": {"column": "When", "format": "%Y-%m-%d %H:%M"},
            "category": {"column": "Kind", "map": {"BURG": "burglary", "SEX": "sexual_offences"}}, "area": {"column": "Beat"}}}))["draft"])
    fb = []
    for beat, topic, n in (("B11", "Noise", 1), ("B12", "Noise", 4), ("B21", "Noise", 5), ("B22", "Noise", 6),
                           ("B11", "Parking", 3), ("B12", "Parking", 3), ("B21", "Parking", 3), ("B22", "Parking", 4)):
        fb += [[f"F-{beat}-{topic}-{i}", f"2026-07-{1 + i:02d} 09:00", topic, beat, "Fixed", f"2026-07-{2 + i:02d} 09:00", "Spoke with the owner."]
               for i in range(n)]
    drafts.append(ingest(write_csv(raw / "311.csv", ["Case", "Opened", "Subject", "Beat", "State", "Closed", "Done"], fb), "feedback", store,
                         profile=Spec.from_dict({"id": "beats-311", "dataset": "feedback", "title": "Beats concerns (test fixture)", "fields": {
                             "feedback_id": {"column": "Case"}, "received_at": {"column": "Opened", "format": "%Y-%m-%d %H:%M"},
                             "topic": {"column": "Subject"}, "area": {"column": "Beat"},
                             "status": {"column": "State", "map": {"Fixed": "resolved"}},
                             "resolved_at": {"column": "Closed", "format": "%Y-%m-%d %H:%M"}, "action_taken": {"column": "Done"}}}))["draft"])
    ev = [["E1", "2026-07-05", "Patrol", "B11", "", 2, "Evening foot patrol"], ["E2", "2026-08-05", "Patrol", "B11", "", 3, "Foot patrol"],
          ["E3", "2026-08-06", "Patrol", "B21", "", 1.5, "Foot patrol"]]
    drafts.append(ingest(write_csv(raw / "events.csv", ["Ev", "Day", "Kind", "Beat", "People", "Hours", "Title"], ev), "engagement", store,
                         profile=Spec.from_dict({"id": "beats-events", "dataset": "engagement", "title": "Beats events (test fixture)", "fields": {
                             "event_id": {"column": "Ev"}, "date": {"column": "Day", "format": "%Y-%m-%d"},
                             "type": {"column": "Kind", "map": {"Patrol": "foot_patrol"}}, "area": {"column": "Beat"},
                             "attendees": {"column": "People"}, "staff_hours": {"column": "Hours"}, "title": {"column": "Title"}}}))["draft"])
    store.publish(drafts, "test", "beats fixture")
    return store.root


@pytest.fixture(scope="module")
def beats(tmp_path_factory) -> Path:
    return build_beats(tmp_path_factory.mktemp("beats"))


def test_the_fixture_has_two_schemes(beats):
    rel = open_release(beats)
    by = schemes.by_scheme(rel)
    assert list(by) == [None, "district"]
    assert by["district"] == {"district:D1": "North District", "district:D2": "South District"}
    assert list(by[None]) == ["B11", "B12", "B21", "B22"]


# ---------------------------------------------------------------- feedback at parent levels


def test_feedback_counts_roll_up_to_districts(beats):
    rel = open_release(beats)
    fc = rel.query("SELECT scheme, area, topic, n, suppressed FROM feedback_counts WHERE quarter = '2026Q3'")
    d = fc[fc["scheme"] == "district"].set_index(["area", "topic"])
    # B11's one noise concern is hidden, and so are B12's cells (the main table's cycle: B11 and B12, Noise and Parking);
    # the districts' totals add up from every beat and publish, since B11 and B12 can still trade within D1
    main = fc[fc["scheme"].isna()].set_index(["area", "topic"])
    assert main.loc[[("B11", "Noise"), ("B11", "Parking"), ("B12", "Noise"), ("B12", "Parking")], "suppressed"].all()
    assert {k: int(v) for k, v in d["n"].items()} == {("D1", "Noise"): 5, ("D1", "Parking"): 6, ("D2", "Noise"): 11, ("D2", "Parking"): 7}
    note = rel.privacy_note["feedback"]
    assert note["levels"] == ["district"]
    # the page of a district reads its own level
    from stats import queries

    topics = queries.feedback_topics(rel, "district:D2", "2026Q3").set_index("topic")
    assert int(topics.loc["Parking", "n"]) == 7


def feedback_frame(records: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Canonical concerns from (quarter, area, topic)."""
    n = len(records)
    return pd.DataFrame({"feedback_id": [f"f{i}" for i in range(n)], "source": "test", "received_at": pd.Timestamp("2026-01-05 10:00"),
                         "channel": None, "topic": [r[2] for r in records], "area": [r[1] for r in records], "status": None,
                         "resolved_at": None, "action_taken": None, "days_to_resolve": None, "quarter": [r[0] for r in records]})


@st.composite
def beat_feedback(draw):
    n_d = draw(st.integers(1, 3))
    beats = {f"B{d}{b}": f"D{d}" for d in range(n_d) for b in range(draw(st.integers(1, 3)))}
    records = []
    for b in beats:
        for topic in ("Noise", "Parking"):
            records += [("2026Q1", b, topic)] * draw(st.integers(0, 5))
    records += [("2026Q1", None, "Noise")] * draw(st.integers(0, 2))
    return beats, records


def _areas(beats: dict) -> pd.DataFrame:
    rows = [{"area_id": d, "name": d, "scheme": "district", "kind": "district", "parent": None} for d in sorted(set(beats.values()))]
    rows += [{"area_id": b, "name": b, "scheme": None, "kind": "beat", "parent": d} for b, d in beats.items()]
    return pd.DataFrame(rows)


@pytest.mark.slow  # the gate and an LP per hidden cell, twenty times
@FEW
@given(beat_feedback())
def test_feedback_suppression_cannot_be_undone_across_levels(s):
    """Per topic, a district's count is the sum of its beats' and all areas' the sum of every beat's (and the unknown area's);
    the topic's all-areas total is known from the row-level concerns. Whatever these equations fix with the district counts
    published, they fixed already with the beats alone (the one-level release): a lone concern of a topic is given away by
    the rows' total at any level, so that is the baseline, and where the one-level release gives nothing away, neither does
    this one."""
    beats, records = s
    if not records:
        return
    fb = feedback_frame(records)
    rows, cube, note = public_feedback(fb, PrivacyConfig(), b"k" * 32, _areas(beats))
    _, alone, _ = public_feedback(fb, PrivacyConfig(), b"k" * 32)
    assert set(cube.columns) >= {"quarter", "scheme", "area", "topic", "n", "suppressed"}
    leaves = [("main", b) for b in beats] + [("main", UNKNOWN_AREA)]
    total_eq = [[(("main", ALL_AREAS), 1)] + [(c, -1) for c in leaves]]
    district_eqs = [[(("district", d), 1)] + [(("main", b), -1) for b, p in beats.items() if p == d] for d in sorted(set(beats.values()))]

    def known(c: pd.DataFrame, topic: str, eqs: list) -> set:
        g = c[c["topic"] == topic]
        cell = {(s if isinstance(s, str) else "main", a): (None if sup else int(n)) for s, a, n, sup in zip(g["scheme"], g["area"], g["n"], g["suppressed"])}
        cell[("main", ALL_AREAS)] = int((fb["topic"] == topic).sum())  # every concern is a row with its topic: the total is known
        hidden = {k for k, v in cell.items() if v is None}
        return {k for k, v in cell.items() if v is not None} | set(derivable({k: v for k, v in cell.items() if v is not None}, hidden, eqs))

    for topic in sorted(set(fb["topic"])):
        base = known(alone, topic, total_eq)
        now = known(cube, topic, district_eqs + total_eq)
        gained = {c for c in now - base if c[0] == "main"}
        assert not gained, (topic, gained)
        g = cube[cube["topic"] == topic]
        for d in set(beats.values()):  # a roll-up is the sum of its beats
            cell = g[(g["scheme"] == "district") & (g["area"] == d)]
            if len(cell) and not cell["suppressed"].iloc[0]:
                assert int(cell["n"].iloc[0]) == int(fb.loc[fb["topic"] == topic, "area"].map(beats).eq(d).sum())
        # a hidden district is not fixed either, unless the beats alone fix it (a district of one beat whose count is known)
        hidden_d = set(g.loc[g["suppressed"] & g["scheme"].eq("district"), "area"])
        for d in hidden_d:
            kids = [("main", b) for b, p in beats.items() if p == d and ((fb["area"] == b) & (fb["topic"] == topic)).any()]  # zeros are published
            if ("district", d) in now:
                assert all(k in base for k in kids), (topic, d)
    # a hidden cell's concerns carry no area; the others' rows add up to their cells
    hid = cube[cube["suppressed"] & cube["scheme"].isna()]
    for a, topic in zip(hid["area"], hid["topic"]):
        assert not ((rows["area"] == a) & (rows["topic"] == topic)).any()
    for (a, topic), n in rows[rows["area"].notna()].groupby(["area", "topic"]).size().items():
        c = cube[cube["scheme"].isna() & (cube["area"] == a) & (cube["topic"] == topic)]
        assert int(c["n"].iloc[0]) == n


def test_feedback_of_a_single_level_store_is_as_before():
    fb = feedback_frame([("2026Q1", "A", "Noise")] * 2 + [("2026Q1", "B", "Noise")] * 4)
    _, cube, note = public_feedback(fb, PrivacyConfig(), b"k" * 32)
    assert "levels" not in note and cube["scheme"].isna().all()
    assert list(cube.columns) == ["quarter", "scheme", "area", "topic", "n", "suppressed"]


# ---------------------------------------------------------------- the deck: chooser, page and file


def test_the_deck_chooser_offers_every_scheme(beats, monkeypatch):
    at = town_hall(beats, monkeypatch, lang="en", scheme="district")
    scheme, area = at.selectbox[0], at.selectbox[1]
    assert scheme.label == "Areas by" and scheme.value == "district" and list(scheme.options) == ["Main areas", "Districts"]
    assert area.label == "District" and list(area.options) == ["all districts", "North District", "South District"]
    area.set_value("district:D2").run()
    link = next(b for b in at.get("link_button"))
    assert "scheme=district" in link.proto.url and "area=D2" in link.proto.url
    at.selectbox[0].set_value("").run()  # back to the main areas: the beats
    # the main areas are all beats: the words say so (stats.i18n's area kind)
    assert at.selectbox[1].label == "Beat" and list(at.selectbox[1].options) == ["all beats", "Beat 11", "Beat 12", "Beat 21", "Beat 22"]


def _text(at: AppTest) -> str:
    import html as htmllib

    raw = "\n".join([h.proto.body for h in at.get("html")] + [m.value for m in at.markdown])
    raw = re.sub(r"<style>.*?</style>|<script>.*?</script>", " ", raw, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", raw))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_deck_page_of_a_district(beats, monkeypatch, lang):
    at = town_hall(beats, monkeypatch, scheme="district", area="D2", quarter="2026Q3", lang=lang)
    body = _text(at)
    assert "South District" in body and ("Slide 1 of " if lang == "en" else "Diapositive 1 sur ") in body
    assert at.query_params.get("scheme") == "district" and at.query_params.get("area") == "D2"
    at.button(key="deck-key-Right").click().run()  # the headlines: the district's own count (5 burglaries, 4 sexual offences)
    assert " 9 " in _text(at)


def test_the_deck_file_of_a_district(beats, tmp_path, capsys):
    from bridges.cli import main

    out = tmp_path / "d1.html"
    assert main(["deck", str(out), "--scheme", "district", "--area", "North District", "--data-dir", str(beats)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "North District" in text and text.count('<section class="slide ') >= 8  # no survey: no trust slide
    assert "North District, Q3 2026" in capsys.readouterr().out
    assert main(["deck", str(out), "--scheme", "sector", "--area", "1", "--data-dir", str(beats)]) == 2
    err = capsys.readouterr().err
    assert "no area scheme 'sector'" in err and "choose one of: district" in err


# ---------------------------------------------------------------- the static site


@pytest.fixture(scope="module")
def site(beats, tmp_path_factory) -> Path:
    from outputs import site as S

    (beats / "provider.toml").write_text('[site]\nlive_url = "https://stats.example"\n', encoding="utf-8")
    out = tmp_path_factory.mktemp("site") / "public"
    S.build(beats, out)
    return out


def _plain(path: Path) -> str:
    import html as htmllib

    text = re.sub(r"<script.*?</script>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.mark.slow  # the whole site, both languages
def test_the_site_has_a_page_for_every_area_of_every_scheme(site):
    pages = {p.name for p in site.glob("*.html")}
    for stem in ("area-all", "area-B11", "area-B12", "area-B21", "area-B22", "district-D1", "district-D2", "index", "data"):
        assert {f"{stem}.html", f"{stem}.fr.html"} <= pages, stem
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<h3 id="areas-main">Main areas</h3>' in index and '<h3 id="areas-district">Districts</h3>' in index
    assert 'href="district-D1.html"' in index and 'href="district-D1.fr.html"' in (site / "index.fr.html").read_text(encoding="utf-8")
    # the district's page: its own counts, as the release publishes them at that level
    d1 = _plain(site / "district-D1.html")
    assert "North District, Q3 2026" in d1
    assert "https://stats.example/overview?scheme=district&amp;area=D1&amp;lang=en" in (site / "district-D1.html").read_text(encoding="utf-8")
    assert "Parking 6" in d1 or "Parking: 6" in d1, d1[:2000]


def test_the_static_twin_of_a_district_names_its_scheme(beats):
    from outputs import site as S
    from stats import views

    (beats / "provider.toml").write_text('[site]\nstatic_url = "/statistics"\n', encoding="utf-8")
    try:
        ctx = views.context(open_release(beats), "district:D2", None, "fr")
        assert S.static_twin(ctx, "feedback") == "/statistics/district-D2.fr.html#feedback"
        ctx = views.context(open_release(beats), "B21", None, "en")
        assert S.static_twin(ctx, "trust") == "/statistics/area-B21.html#trust"
    finally:
        (beats / "provider.toml").unlink()


def test_area_stems_are_unique_across_schemes():
    from outputs.site import area_stems

    stems = area_stems(["7", "district-7", "district:7", "sector:7", "district:x/y"])
    assert stems == {"7": "area-7", "district-7": "area-district-7", "district:7": "district-7", "sector:7": "sector-7",
                     "district:x/y": "district-x_y"}
    assert len(set(stems.values())) == len(stems)


# ---------------------------------------------------------------- Chicago's survey: sectors within their districts


@pytest.fixture(scope="module")
def chicago_survey(realdata, tmp_path_factory) -> Path:
    store = Store(tmp_path_factory.mktemp("chicago-survey") / "store")
    rep = ingest(realdata / "chicago-police-sentiment-scores" / "Police_Sentiment_Scores.csv", "survey", store)
    store.publish([rep["draft"]], "test", "Chicago sentiment survey")
    return store.root


def test_survey_sectors_are_listed_within_the_district_their_rows_name(chicago_survey, realdata):
    """Every sector row of the export names its DISTRICT (6,486 of 6,486): the sector is listed with that district as its
    parent. The parent comes from that column, never from the sector's digits."""
    raw = pd.read_csv(realdata / "chicago-police-sentiment-scores" / "Police_Sentiment_Scores.csv", dtype=str)
    raw = raw[raw["SECTOR"].notna()]
    named = raw.groupby("SECTOR")["DISTRICT"].agg(lambda d: set(d.str.lstrip("0")))
    assert named.map(len).eq(1).all()  # each sector's rows all name one district
    rel = open_release(chicago_survey)
    areas = schemes.scheme_areas(rel)
    sectors = areas[areas["scheme"] == "sector"]
    assert len(sectors) == 69 and sectors["parent"].notna().all()
    assert {a: p for a, p in zip(sectors["area_id"], sectors["parent"])} == {s: next(iter(d)) for s, d in named.items() if s in set(sectors["area_id"])}
    assert areas.loc[areas["scheme"] == "district", "parent"].isna().all()
    assert schemes.parent_schemes(rel) == {"sector": "district"}
    kids = schemes.children(rel, "district:16")
    assert set(kids["key"]) == {f"sector:{s}" for s, d in named.items() if d == {"16"}} and len(kids) >= 3
    # the survey's own rows keep no parent column: it is published once per area, in areas.parent
    assert "parent" not in rel.query("SELECT * FROM survey LIMIT 1").columns


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_district_page_ranks_its_sectors(chicago_survey, lang):
    from stats import views

    rel = open_release(chicago_survey)
    ctx = views.context(rel, "district:16", "2021Q2", lang)
    blocks = views.trust(ctx, "trust")
    chart = next(b for b in blocks if getattr(b, "key", None) == "trust.children")
    want = rel.query("SELECT area, avg(score) AS s FROM survey WHERE scheme = 'sector' AND quarter = '2021Q2' AND measure = 'trust' "
                     "AND area IN (SELECT area_id FROM areas WHERE scheme = 'sector' AND parent = '16') GROUP BY area ORDER BY s DESC, area")
    meta = chart.figure.data[0].meta
    assert meta["areas"] == [f"sector:{a}" for a in want["area"]]
    assert meta["values"] == [round(v, 1) for v in want["s"]]
    assert ("Sector 1610" in chart.title) is False and ("Police district 16" in chart.title or "District 16" in chart.title)
    assert chart.title.startswith("Trust score (0 to 100) in each sector of" if lang == "en" else "Score « Confiance » (0 à 100) dans chaque secteur de")


# ---------------------------------------------------------------- words by area kind, and patrols at a site


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Path:
    """A data folder serving the demo's private security company (providers/beacon-guard/): five client sites, no shapes."""
    from demo import build as demo

    root = tmp_path_factory.mktemp("sites") / "data"
    demo.build_demo(Store(demo.kind_root(root, demo.SECURITY)), kind=demo.SECURITY)
    return root


def _sites_rel(sites: Path):
    from demo import build as demo

    return open_release(demo.kind_root(sites, demo.SECURITY))


@pytest.mark.parametrize("lang, site, sites_, all_", [("en", "Site", "by site", "all sites"), ("fr", "Site", "par site", "tous les sites")])
def test_a_provider_of_client_sites_says_site(sites, lang, site, sites_, all_):
    from outputs import deck as D
    from stats import views

    rel = _sites_rel(sites)
    assert schemes.main_kind(rel) == "client_site"
    ctx = views.context(rel, None, None, lang)
    assert ctx.where == all_
    chart = views.map_chart(ctx, "count")
    assert sites_ in chart.title and list(chart.table.columns)[0] == site
    assert views.incidents(ctx)[2].text == ("By site" if lang == "en" else "Par site")
    assert D.build(rel, None, None, lang).where == all_


def test_mixed_or_unknown_kinds_keep_the_generic_words(acme_store, beats):
    from stats import views

    assert schemes.main_kind(open_release(acme_store)) is None
    assert views.context(open_release(acme_store), None, None, "en").where == "all areas"
    ctx = views.context(open_release(beats), None, None, "en")  # the fixture's main areas are beats
    assert ctx.where == "all beats" and views.map_chart(ctx, "count").title.startswith("Reported incidents by beat")


def test_the_community_page_of_a_site_shows_patrols_and_no_reach(sites):
    from stats import queries, views

    rel = _sites_rel(sites)
    for lang in ("en", "fr"):
        ctx = views.context(rel, "RSM", None, lang)
        blocks = views.community(ctx)
        keys = [getattr(b, "key", None) for b in blocks]
        assert "community.patrols" in keys and "community.reach" not in keys and "community.attendance" not in keys
        patrols = blocks[keys.index("community.patrols")]
        want = rel.query("SELECT count(*) AS v, sum(staff_hours) AS h FROM engagement WHERE type = 'foot_patrol' AND area = 'RSM' "
                         "AND quarter = ?", [ctx.quarter]).iloc[0]
        assert patrols.figure is not None
        if lang == "en":
            assert patrols.sentence.startswith(f"Riverside Mall, {ctx.ql(ctx.quarter)}: {int(want['v'])} foot patrol visits, "
                                               f"{float(want['h']):,.1f} hours of patrol in all.")
        assert any(("reach" if lang == "en" else "portée") in b.text.lower() for b in blocks if isinstance(b, Text))
        assert "0 attendances" not in blocks[keys.index("community.type")].sentence
    assert queries.attendance_known(rel) is False


def test_the_community_page_of_a_police_area_is_unchanged(acme_store):
    from stats import views

    blocks = views.community(views.context(open_release(acme_store), "N1", "2026Q3", "en"))
    keys = [getattr(b, "key", None) for b in blocks]
    assert "community.attendance" in keys and "community.reach" in keys
    assert "community.patrols" not in keys  # attendance and reach per resident say it there


@pytest.mark.browser  # kaleido draws the PNG with Debian's chromium
def test_a_stamped_png_of_the_ranked_chart_for_a_shapeless_store(sites):
    from outputs import images
    from stats import views

    if not images.available():
        pytest.skip("no chromium")
    rel = _sites_rel(sites)
    ctx = views.context(rel, "HPO", None, "en")
    chart = views.map_chart(ctx, "count")
    assert chart.figure is not None and chart.figure.data[0].meta["ranked"]
    stamp = images.stamp_for(chart, "Harbour Point Office Park", ctx.ql(ctx.quarter), rel.version, "en", ctx.area, ctx.quarter)
    png = images.chart_png(chart.figure, stamp)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (images.WIDTH * images.PNG_SCALE, images.HEIGHT * images.PNG_SCALE)
    assert b"iTXt" in png and "All sites".encode() in png  # the stamp: a chart of every site says so, in the PNG's text


def test_the_audit_log_names_every_event_the_actions_record():
    """accounts.audit.EVENTS lists every event bridges.actions writes (the client-report events too), and `audit --help` names
    the client-report ones."""
    from accounts.audit import EVENTS
    from bridges.cli import build_parser

    src = (Path(__file__).resolve().parents[1] / "bridges" / "actions.py").read_text(encoding="utf-8")
    written = set(re.findall(r'audit\.record\([^,]+,\s*"([a-z-]+)"', src)) | set(re.findall(r'"(client-report-[a-z]+)"', src))
    assert {"client-report-approved", "client-report-shared", "client-report-draft"} <= written <= set(EVENTS)
    sub = next(a for a in build_parser()._subparsers._group_actions[0].choices.items() if a[0] == "audit")[1]
    assert all(e in " ".join(sub.description.split()) for e in ("client-report-approved", "client-report-shared", "client-report-draft"))


def test_a_district_ranks_its_beats_on_its_page_and_its_deck(beats):
    """The incidents page and the deck's map slide of a district rank its beats at their published level: Beat 11 6
    burglaries (its one sexual offence hidden), Beat 12 4 (its 4 hidden as the complementary cell), each hidden cell said."""
    from outputs import deck as D
    from stats import views

    rel = open_release(beats)
    ctx = views.context(rel, "district:D1", "2026Q3", "en")
    chart = next(b for b in views.incidents(ctx) if getattr(b, "key", None) == "incidents.children")
    meta = chart.figure.data[0].meta
    cube = rel.query("SELECT area, sum(n) FILTER (WHERE NOT suppressed) AS n, count(*) FILTER (WHERE suppressed) AS h FROM incident_counts "
                     "WHERE quarter = '2026Q3' AND scheme IS NULL AND area IN ('B11', 'B12') AND kind = 'crime' GROUP BY area ORDER BY n DESC")
    assert meta["areas"] == list(cube["area"]) and meta["values"] == [int(v) for v in cube["n"]]
    assert chart.title == "Reported incidents in each beat of North District, Q3 2026"
    assert list(chart.table.iloc[:, 1]) == [f"{int(n)} + {int(h)} hidden*" if h else f"{int(n)}" for n, h in zip(cube["n"], cube["h"])]
    assert any("hidden" in n for n in chart.notes)
    slide = next(s for s in D.build(rel, "district:D1", "2026Q3", "en").slides if s.key == "map")
    assert slide.chart.key == "incidents.children"
    # a beat has no children: its page has no such chart
    assert not any(getattr(b, "key", None) == "incidents.children" for b in views.incidents(views.context(rel, "B11", "2026Q3", "en")))


def test_survey_sectors_get_no_ranking_of_incidents(chicago_survey):
    """Incidents are not counted by survey sector: a district's incidents page ranks no sectors (it would rank zeros)."""
    from stats import views

    rel = open_release(chicago_survey)
    assert views.children_chart(views.context(rel, "district:16", "2021Q2", "en")) is None
