"""What a release counts (issue 11, item 3): where a source counts offences (NIBRS), the analyst may publish offences
instead of incidents (count = "offences" in the profile). The release manifest says which is counted, and the public
pages, the deck and the static site say "offences" or "incidents" accordingly, in English and French."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from loaders.ingest import ingest
from model.errors import InputError
from outputs import deck as D
from stats import i18n, views
from stats.i18n import catalog, t
from stats.read import open_release
from store.versioned import Store

# three incidents in 2024Q1, two of them with two offences each (one row per offence, as a NIBRS export writes them),
# and one incident in 2024Q2
ROWS = [
    ["24-001", "2024-01-05 10:00", "13A", "North"], ["24-001", "2024-01-05 10:00", "290", "North"],
    ["24-002", "2024-02-11 22:30", "23H", "South"], ["24-002", "2024-02-11 22:30", "35A", "South"],
    ["24-003", "2024-03-02 08:15", "220", "North"],
    ["24-004", "2024-04-20 14:00", "13B", "South"],
]


def _profile(count: str | None) -> str:
    return "\n".join([
        'id = "rms-nibrs"', 'dataset = "incidents"', 'title = "RMS NIBRS export"', 'duplicates = "fold"',
        *([f'count = "{count}"'] if count else []),
        "[fields.incident_id]", 'column = "Case"',
        "[fields.occurred_at]", 'column = "Occurred"', 'format = "%Y-%m-%d %H:%M"',
        "[fields.category]", 'column = "NIBRS"', 'codes = "nibrs"',
        "[fields.offence_raw]", 'column = "NIBRS"',
        "[fields.area]", 'column = "Zone"', ""])


def _publish(root: Path, tmp: Path, count: str | None, rows=ROWS, name: str = "q.csv") -> dict:
    f = tmp / name
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Case", "Occurred", "NIBRS", "Zone"])
        w.writerows(rows)
    prof = tmp / f"{name}.toml"
    prof.write_text(_profile(count), encoding="utf-8")
    store = Store(root)
    rep = ingest(f, "incidents", store, profile=prof)
    return store.publish([rep["draft"]], "ana", f"publish {count or 'incidents'}")


@pytest.fixture(scope="module")
def offences_store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("offences")
    root = tmp / "store"
    _publish(root, tmp, "offences")
    return root


@pytest.fixture(scope="module")
def incidents_store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("incidents")
    root = tmp / "store"
    _publish(root, tmp, None)
    return root


def _texts(blocks) -> str:
    """Every title, sentence and table header of a page's blocks, as one text."""
    out = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
            return
        for attr in ("title", "text", "sentence", "label", "value", "items", "notes", "figures", "caption"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, (list, tuple)):
                walk(v) if v and not isinstance(v[0], str) else out.extend(s for s in v if isinstance(s, str))
        table = getattr(x, "table", None)
        if table is not None and hasattr(table, "columns"):
            out.extend(str(c) for c in table.columns)

    walk(blocks)
    return "\n".join(out)


def test_the_manifest_says_what_a_count_counts(offences_store, incidents_store):
    off = Store(offences_store).current()
    inc = Store(incidents_store).current()
    assert off["counts"] == {"incidents": "offences"} and inc["counts"] == {"incidents": "incidents"}
    # one row per offence: 6 rows; each incident once: 4
    assert off["row_counts"]["incidents"] == 6 and inc["row_counts"]["incidents"] == 4
    assert open_release(offences_store).count_unit == "offences" and open_release(incidents_store).count_unit == "incidents"


def test_a_release_from_before_the_choice_counts_incidents(demo_store):
    rel = open_release(demo_store)
    rel_manifest = dict(rel.manifest)
    rel_manifest.pop("counts", None)
    assert type(rel)(rel.store, rel_manifest, rel.con, rel.sources).count_unit == "incidents"


@pytest.mark.parametrize("lang,word,other", [("en", "offences", "incidents"), ("fr", "infractions", "incidents")])
def test_the_incidents_page_says_offences_when_the_release_counts_them(offences_store, lang, word, other):
    rel = open_release(offences_store)
    ctx = views.context(rel, None, "2024Q1", lang)
    text = _texts(views.page("incidents", ctx))
    assert re.search(rf"\b{word}\b", text, re.I), text
    # no caption or sentence counts incidents in a release that counts offences
    assert not re.search(rf"\b\d[\d,  ]* {other}\b", text, re.I), text
    trend_title = t("incidents.trend.title", lang, where="x", span="y")
    assert trend_title.lower().startswith(t("count_offences.incidents.trend.title", lang, where="x", span="y").lower()[:10])
    assert word in t("release_line", lang, version=1, published="-", as_of="-")


def test_the_same_page_says_incidents_for_a_release_that_counts_incidents(incidents_store, offences_store):
    views.context(open_release(offences_store), None, None, "en")  # a view of another release does not leak its wording
    rel = open_release(incidents_store)
    ctx = views.context(rel, None, "2024Q1", "en")
    text = _texts(views.page("incidents", ctx))
    assert "Reported incidents by offence group" in text and "offences reported" not in text.lower()
    assert "offences" not in t("release_line", "en", version=1, published="-", as_of="-")


def test_the_overview_and_the_deck_say_offences(offences_store):
    rel = open_release(offences_store)
    ctx = views.context(rel, None, "2024Q1", "en")
    assert "Offences reported" in _texts(views.page("overview", ctx))
    deck = D.build(rel, None, "2024Q1", "en")
    said = _texts(deck.slides) + "\n" + "\n".join(getattr(s, "title", "") or "" for s in deck.slides)
    assert re.search(r"\boffences\b", said) and not re.search(r"\b\d+ incidents\b", said), said


@pytest.mark.slow
def test_the_static_site_says_offences(offences_store, tmp_path):
    from outputs import site

    site.build(offences_store, tmp_path / "site")
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "The crime figures count offences" in page
    fr = (tmp_path / "site" / "index.fr.html").read_text(encoding="utf-8")
    assert "comptent des infractions" in fr


def test_one_table_never_mixes_incidents_and_offences(tmp_path):
    root = tmp_path / "store"
    _publish(root, tmp_path, None)
    before = Store(root).current()
    # a later file of 2024Q2 only, counting offences, would leave 2024Q1 counting incidents: refused, nothing published
    with pytest.raises(InputError, match="cannot mix the two"):
        _publish(root, tmp_path, "offences", rows=[["24-009", "2024-05-01 09:00", "13A", "North"]], name="q2.csv")
    assert Store(root).current()["version"] == before["version"]
    # every quarter again, counting offences: the table is replaced whole and the release counts offences
    m = _publish(root, tmp_path, "offences", name="again.csv")
    assert m["counts"] == {"incidents": "offences"}


def test_a_rollback_counts_what_the_release_it_restores_counted(tmp_path):
    root = tmp_path / "store"
    _publish(root, tmp_path, None)
    _publish(root, tmp_path, "offences", name="all.csv")
    m = Store(root).rollback(1, "ana", "back to incidents")
    assert m["counts"] == {"incidents": "incidents"} and open_release(root).count_unit == "incidents"


def test_every_offences_wording_has_a_plain_one_in_both_languages():
    keys = {lang: {k[len("count_offences."):] for k in catalog(lang) if k.startswith("count_offences.")} for lang in ("en", "fr")}
    assert keys["en"] == keys["fr"] and len(keys["en"]) >= 30
    for k in keys["en"]:
        assert k in catalog("en") and k in catalog("fr"), k
        # the same placeholders as the plain wording, so a caller's arguments fit both
        for lang in ("en", "fr"):
            assert set(re.findall(r"{(\w+)}", catalog(lang)[k])) == set(re.findall(r"{(\w+)}", catalog(lang)[f"count_offences.{k}"])), (lang, k)
    i18n.set_count_unit("incidents")
