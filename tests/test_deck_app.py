"""The town-hall deck: every slide's content for a fixture area and quarter, in English and French (outputs.deck directly,
then the /town-hall page in AppTest), the closing slide from provider.toml, the speaker-notes view and the CLI.

The store is the "Acme" fixture of test_pages_app.py (known numbers; see its docstring): Northgate (N1), Q3 2026.
"""
from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from outputs import deck as D
from outputs import deck_html as H
from stats.i18n import t
from stats.read import open_release
from tests.analyst_kit import town_hall
from tests.test_pages_app import DASHBOARD, TRICKY_NAME

PROVIDER = """
[en]
name = "Acme Campus Security"
contact = ["Community desk: 555-0100", "safety@acme.example", "<b>not markup</b>"]
data = ["https://data.acme.example/bridges"]
[fr]
name = "Sécurité du campus Acme"
contact = ["Bureau communautaire : 555-0100"]
"""


@pytest.fixture(scope="module")
def store(acme_store, tmp_path_factory) -> Path:
    """A copy of the session's Acme store with a provider.toml written into it."""
    import shutil

    root = Path(shutil.copytree(acme_store, tmp_path_factory.mktemp("deck") / "store"))
    (root / "provider.toml").write_text(PROVIDER, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def decks(store) -> dict:
    rel = open_release(store)
    return {lang: D.build(rel, "N1", "2026Q3", lang) for lang in ("en", "fr")}


def slide(deck: D.Deck, key: str) -> D.Slide:
    return next(s for s in deck.slides if s.key == key)


def figs(s: D.Slide) -> dict:
    return {f.label: (f.value, f.detail) for f in s.figures}


def test_nine_slides_in_order(decks):
    for d in decks.values():
        assert [s.key for s in d.slides] == list(D.SLIDES)
        assert d.where == "Northgate" and d.version == 1
        assert all(s.notes for s in d.slides), "every slide has speaker notes"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_title_and_headlines(decks, lang):
    d = decks[lang]
    title = slide(d, "title")
    assert title.heading == "Northgate"
    assert title.text[0] == ("Community safety report, Q3 2026" if lang == "en" else "Bilan de la sécurité du quartier, T3 2026")
    assert re.search(r"Release 1 of the published data, published .+\. Data up to September 30, 2026\." if lang == "en"
                     else r"Version 1 des données publiées, publiée le .+\. Données jusqu’au 30 septembre 2026\.", title.text[1])
    assert title.text[2] == ("Acme Campus Security" if lang == "en" else "Sécurité du campus Acme")
    h = figs(slide(d, "headlines"))
    if lang == "en":
        assert h["Incidents reported"][0] == "14"  # the sexual offence is a hidden cell
        assert "Up 180 % from 5 in Q2 2026, within normal variation" in h["Incidents reported"][1]
        assert "Up 250 % from 4 in Q3 2025, a real rise (more than normal variation)" in h["Incidents reported"][1]
        assert h["Community events"][0] == "3" and h["Concerns received"][0] == "7"
        assert h["Trust score"][0] == "70 / 100"
        assert "Up 10 points from 60 in Q2 2026, a real rise (more than normal variation)" in h["Trust score"][1]
    else:
        assert h["Incidents signalés"][0] == "14"
        assert "En hausse de 180 % par rapport à 5 au T2 2026, dans la variation normale" in h["Incidents signalés"][1]
        assert h["Score de confiance"][0] == "70 / 100"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_what_changed_and_top_categories(decks, lang):
    d = decks[lang]
    ch = slide(d, "changed")
    if lang == "en":
        assert ch.heading == "What changed since the last meeting (Q2 2026)"
        assert ch.bullets[0] == "All incidents: 14 in Q3 2026, up 180 % from 5 in Q2 2026, within normal variation."
        assert any(b.startswith("Break and enter: 10 in Q3 2026, up 900 % from 1 in Q2 2026, a real rise") for b in ch.bullets)
    else:
        assert ch.bullets[0] == "Tous les incidents : 14 au T3 2026, en hausse de 180 % par rapport à 5 au T2 2026, dans la variation normale."
    assert ch.figure is not None and len(ch.figure.data) == 3  # break and enter, violence, sexual offences (hidden cells: gaps)
    cat = slide(d, "categories")
    bars = cat.figure.data[0]
    burg = "break and enter" if lang == "en" else "introductions par effraction"
    assert dict(zip(bars.y, bars.x)) == {burg: 10, "violence": 4}  # the hidden sexual-offence cell is not drawn
    assert cat.bullets[0].startswith("Break and enter: 10, up 900 % from 1 in Q2 2026, a real rise" if lang == "en"
                                     else "Introductions par effraction : 10, en hausse de 900 %")
    assert any("Hidden to protect privacy" in n or "Masqué pour protéger" in n for n in cat.notes)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_map_engagement_said_did_trust_closing(decks, lang):
    d = decks[lang]
    m = slide(d, "map")
    areas = {tr.meta["area"]: tr.meta["value"] for tr in m.figure.data if isinstance(tr.meta, dict)}
    assert areas == {"N1": 7.0, "S2": None, "E3": None}
    assert m.figures[0].value == ("7.0" if lang == "en" else "7,0")
    assert m.figures[0].detail == (["14 incidents among 2,000 residents."] if lang == "en" else ["14 incidents pour 2\xa0000 habitants."])
    e = figs(slide(d, "engagement"))
    if lang == "en":
        assert e["Community events"][0] == "3" and e["Attendances"][0] == "150" and e["School programs"][0] == "0"
        assert e["Attendances"][1] == ["20 staff hours."]
    else:
        assert e["Activités communautaires"][0] == "3" and e["Participations"][0] == "150" and e["Programmes scolaires"][0] == "0"
    s = slide(d, "said_did")
    f = figs(s)
    if lang == "en":
        assert f["Concerns received"] == ("7", ["6 resolved or closed so far (86 %)."])
        assert f["Median days to resolve"] == ("7.0", ["Within the target of 30 days."])
        assert s.bullets == ["You said: Speeding (4). We did: Added speed checks on Main Road.",
                             "You said: Noise (3). We did: Added patrols on weekend nights."]
    else:
        assert f["Délai médian de règlement, en jours"][0] == "7,0"
        assert s.bullets[0] == "Vous avez dit : Speeding (4). Nous avons fait : Added speed checks on Main Road."
    assert dict(zip(s.figure.data[0].y, s.figure.data[0].x)) == {"Speeding": 4, "Noise": 3}
    tr = figs(slide(d, "trust"))
    trust, safe = ("Trust", "Feeling safe") if lang == "en" else ("Confiance", "Sentiment de sécurité")
    assert tr[trust][0] == "70 / 100" and tr[safe][0] == "55 / 100"
    c = slide(d, "closing")
    if lang == "en":
        assert c.contact == ["Community desk: 555-0100", "safety@acme.example", "<b>not markup</b>"]
        assert c.data == ["https://data.acme.example/bridges"]
    else:
        assert c.contact == ["Bureau communautaire : 555-0100"]
        assert c.data == ["https://data.acme.example/bridges"]  # [fr] has no data: English is used


def test_chart_fonts_are_scaled_for_the_room(decks):
    for s in decks["en"].slides:
        if s.figure is None:
            continue
        lay = s.figure.layout
        assert lay.font.size >= 26
        for name in ("xaxis", "yaxis"):
            ax = lay[name]
            if ax.visible is not False:
                assert ax.tickfont.size >= 26, (s.key, name)
        for tr in s.figure.data:
            if getattr(tr, "text", None) is not None:
                assert tr.textfont.size >= 26, s.key
        assert lay.title.text is None  # the slide says it (bigger)


def test_defaults_without_provider_file(tmp_path):
    p = D.provider(tmp_path, "fr")
    assert p["name"] == "Votre service de sécurité" and not p["configured"]
    (tmp_path / "provider.toml").write_text("this is = not [toml", encoding="utf-8")
    assert D.provider(tmp_path, "en")["name"] == "Your security provider"


def test_text_from_the_data_is_escaped_in_the_html(store):
    rel = open_release(store)
    d = D.build(rel, None, "2026Q3", "en")
    doc = H.document(d)
    assert TRICKY_NAME not in doc  # the area name with <b> and a Markdown link …
    assert htmllib.escape(TRICKY_NAME, quote=True) in doc or json.dumps(htmllib.escape(TRICKY_NAME, quote=False))[1:-1] in doc
    assert "&lt;b&gt;not markup&lt;/b&gt;" in doc and "<b>not markup</b>" not in doc


# ---------------------------------------------------------------- the page (AppTest)


def _text(at: AppTest) -> str:
    parts = [h.proto.body for h in at.get("html")] + [m.value for m in at.markdown] + [x.value for x in at.title]
    raw = "\n".join(parts)
    raw = re.sub(r"<style>.*?</style>|<script>.*?</script>", " ", raw, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", raw)).replace("\\", "")


EXPECT = {  # per slide: text the page shows (English, French)
    1: (["Northgate", "Community safety report, Q3 2026"], ["Northgate", "Bilan de la sécurité du quartier, T3 2026"]),
    2: (["14", "Up 180 % from 5 in Q2 2026, within normal variation"], ["14", "En hausse de 180 % par rapport à 5 au T2 2026"]),
    3: (["What changed since the last meeting (Q2 2026)", "Break and enter: 10 in Q3 2026"],
        ["Ce qui a changé depuis la dernière rencontre (T2 2026)", "Introductions par effraction : 10 au T3 2026"]),
    4: (["The top categories", "Violence: 4"], ["Les principales catégories", "Violence : 4"]),
    5: (["Incidents per 1,000 residents here", "7.0"], ["Incidents pour 1 000 habitants ici", "7,0"]),
    6: (["What we did with you", "150"], ["Ce que nous avons fait avec vous", "150"]),
    7: (["You said: Speeding (4).", "Added speed checks on Main Road."], ["Vous avez dit : Speeding (4).", "Added speed checks on Main Road."]),
    8: (["Trust and safety: what you told the survey", "70 / 100"], ["Confiance et sécurité : ce que vous avez répondu au sondage", "70 / 100"]),
    9: (["Questions? How to reach us", "555-0100"], ["Des questions? Pour nous joindre", "555-0100"]),
}
CHARTS = {3, 4, 5, 6, 7, 8}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("n", sorted(EXPECT))
def test_page_shows_each_slide(store, monkeypatch, lang, n):
    at = town_hall(store, monkeypatch, area="N1", quarter="2026Q3", lang=lang, slide=str(n))
    body = _text(at)
    for text in EXPECT[n][0 if lang == "en" else 1]:
        assert text in body, (n, lang, text)
    assert (f"Slide {n} of 9" if lang == "en" else f"Diapositive {n} sur 9") in body
    charts = at.get("plotly_chart")
    assert len(charts) == (1 if n in CHARTS else 0)
    if charts:
        spec = json.loads(charts[0].proto.spec)
        assert spec["layout"]["font"]["size"] >= 26
    assert "stHeader" in "".join(h.proto.body for h in at.get("html"))  # the chrome-hiding style is on the page


def test_page_keys_move_between_slides(store, monkeypatch):
    at = town_hall(store, monkeypatch, area="N1", quarter="2026Q3", lang="en")
    assert "Slide 1 of 9" in _text(at)
    shortcuts = {b.key: b.proto.shortcut for b in at.button if b.key and b.key.startswith("deck-key-")}
    assert shortcuts == {"deck-key-Right": "right", "deck-key-PageDown": "pagedown", "deck-key-Space": "space",
                         "deck-key-Left": "left", "deck-key-PageUp": "pageup"}
    at.button(key="deck-key-Right").click().run()
    assert "Slide 2 of 9" in _text(at) and at.query_params.get("slide") == "2"  # a reload keeps the slide
    at.button(key="deck-key-PageDown").click().run()
    at.button(key="deck-key-Space").click().run()
    assert "Slide 4 of 9" in _text(at)
    at.button(key="deck-key-Left").click().run()
    at.button(key="deck-key-PageUp").click().run()
    assert "Slide 2 of 9" in _text(at)
    for _ in range(12):  # stops at the last slide
        at.button(key="deck-next").click().run()
    assert "Slide 9 of 9" in _text(at)


def test_notes_view(store, monkeypatch):
    at = town_hall(store, monkeypatch, area="N1", quarter="2026Q3", lang="fr", notes="1", slide="2", room="test-room")
    body = _text(at)
    assert "Diapositive 2 sur 9" in body and "Ensuite : Ce qui a changé depuis la dernière rencontre (T2 2026)" in body
    assert "Chaque chiffre est comparé au trimestre précédent" in body
    assert not at.get("plotly_chart")


def test_page_without_area_offers_a_choice(store, monkeypatch):
    at = town_hall(store, monkeypatch, lang="en")
    assert "Town-hall deck: choose an area and a quarter" in _text(at)
    assert len(at.selectbox) == 2


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_public_page_links_to_the_deck_of_its_area_and_quarter(store, monkeypatch, lang):
    """Presenters find the deck from the public pages: the footer links to /town-hall with the area, quarter and language shown."""
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(store))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    params = {"area": "N1", "quarter": "2026Q2", "lang": lang}
    at.query_params.update(params)
    at.run()
    for page in ("overview", "incidents", "community", "feedback", "trust"):
        at.query_params.update(params)
        at.switch_page(f"public_pages/{page}.py").run()
        assert not at.exception
        deck = [x.proto for x in at.get("page_link") if x.proto.page == "town-hall"]
        assert len(deck) == 1, page
        assert deck[0].query_string == f"lang={lang}&area=N1&quarter=2026Q2"
        assert deck[0].label.replace("\\", "") == t("footer.deck", lang)  # Markdown-escaped on the page


def test_unknown_area_and_quarter_fall_back(store, monkeypatch):
    at = town_hall(store, monkeypatch, area="NOPE", quarter="1999Q1", lang="en", slide="99")
    body = _text(at)
    assert "All areas · Q3 2026" in body or "all areas" in body.lower()
    assert "Slide 9 of 9" in body


# ---------------------------------------------------------------- command line


def test_cli_deck(store, tmp_path, capsys):
    from bridges.cli import main

    out = tmp_path / "deck.html"
    assert main(["deck", str(out), "--area", "N1", "--quarter", "latest", "--lang", "fr", "--data-dir", str(store)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count('<section class="slide') == 9 and "Northgate" in text and 'lang="fr-CA"' in text
    assert re.search(r"https?://(?!www\.w3\.org)", text.split("<script>")[0]) is None or "data.acme.example" in text
    assert main(["deck", str(out), "--area", "all", "--data-dir", str(store)]) == 0
    assert "All areas" in out.read_text(encoding="utf-8")
    assert main(["deck", str(out), "--area", "XX", "--data-dir", str(store)]) == 2
    assert "no area 'XX'" in capsys.readouterr().err
    assert main(["deck", str(out), "--quarter", "2001Q1", "--data-dir", str(store)]) == 2
    assert main(["deck", str(out), "--lang", "de", "--data-dir", str(store)]) == 2


@pytest.mark.slow
def test_deck_and_site_read_only_the_public_tables(store, tmp_path, monkeypatch):
    """With Delta Lake unusable and the canonical tables, raw files and drafts gone, the deck file and the static site
    are built all the same, with the same content: they read the release's public Parquet (open_release) and nothing else."""
    import shutil
    import sys

    import deltalake

    from outputs import site as S

    before_deck = H.document(D.build(open_release(store), "N1", "2026Q3", "en"))
    S.build(store, tmp_path / "site-before")
    copy = tmp_path / "store"
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns("tables", "raw", "drafts"))
    real = deltalake.DeltaTable

    class NoCanonical:
        def __init__(self, *a, **k):
            raise AssertionError("the deck or the site opened a canonical Delta table")

        @staticmethod
        def is_deltatable(*a, **k):
            raise AssertionError("the deck or the site looked for a canonical Delta table")

    for mod in list(sys.modules.values()):
        if getattr(mod, "DeltaTable", None) is real:
            monkeypatch.setattr(mod, "DeltaTable", NoCanonical)
    after_deck = H.document(D.build(open_release(copy), "N1", "2026Q3", "en"))
    assert after_deck == before_deck
    S.build(copy, tmp_path / "site-after")
    for p in sorted((tmp_path / "site-before").glob("*.html")):
        a = (tmp_path / "site-after" / p.name).read_text(encoding="utf-8")
        b = p.read_text(encoding="utf-8")
        assert re.sub(r'id="plot-\d+"|"plot-\d+"', "", a) == re.sub(r'id="plot-\d+"|"plot-\d+"', "", b), p.name
    assert not (copy / "tables").exists()


def test_slides_of_datasets_not_published_are_left_out(tmp_path, realdata):
    """A service that publishes only incidents (Vancouver's real export and boundaries): no "no data" slide in front of the
    room; the closing slide's speaker notes say what is missing, and the offline file has the same six slides."""
    from loaders.ingest import ingest
    from store.versioned import Store

    van = realdata / "vancouver-vpd-crimedata"
    s = Store(tmp_path / "store")
    a = ingest(van / "local-area-boundary.geojson", "areas", s, population=van / "van_pop_2016.csv")
    i = ingest(van / "crimedata_csv_AllNeighbourhoods_2025.csv", "incidents", s)
    s.publish([a["draft"], i["draft"]], "t", "incidents only")
    for lang in ("en", "fr"):
        d = D.build(open_release(s.root), "Kitsilano", "latest", lang)
        assert [x.key for x in d.slides] == ["title", "headlines", "changed", "categories", "map", "closing"]
        notes = " ".join(d.slides[-1].notes)
        for key in ("nodata.engagement", "nodata.feedback", "nodata.survey"):
            assert t(key, lang) in notes
        html = H.document(d)
        assert html.count('<section class="slide ') == 6


@pytest.mark.slow  # 11 areas × 2 quarters × 2 languages of decks
def test_every_demo_area_in_the_first_and_the_latest_quarter(demo_store):
    """Every demo area of every scheme (the ten neighbourhoods, the source's three districts, and all areas), in the first
    quarter of the data (nothing earlier to compare with) and the latest, in both languages: nine slides, the file renders,
    and the first quarter says there is nothing to compare."""
    from stats import schemes

    rel = open_release(demo_store)
    areas = ["all"] + schemes.scheme_areas(rel)["key"].tolist()  # a district is "district:Central" (stats.schemes)
    first, latest = rel.query("SELECT min(quarter) AS a, max(quarter) AS b FROM incidents").iloc[0]
    assert len(areas) == 14 and sum(a.startswith("district:") for a in areas) == 3
    for area in areas:
        for lang in ("en", "fr"):
            for q in (first, latest):
                d = D.build(rel, area, q, lang)
                assert [s.key for s in d.slides] == list(D.SLIDES) and d.quarter == q
                assert H.document(d).count('<section class="slide ') == 9
                if q == first:
                    assert slide(d, "changed").bullets == [t("changed.no_earlier", lang)], slide(d, "changed").bullets
