"""Structured input errors (worded for the command line and for the browser from the same parts), and one row accounting
that ingest, inspect's trial run and the upload page all give the same answer from."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from loaders import profiles
from loaders.ingest import ingest
from loaders.mapping import Spec
from loaders.suggest import inspect_file
from model.errors import BROWSER, CLI, InputError, Say
from store import uploads
from store.versioned import Store

from .analyst_kit import ROOT, analyst, check, errors, ok, upload, write_csv
from .test_hostile import _several_sheets, chicago_csv, plain, write

CLI_TEXT = re.compile(r"(?<![\w-])--[a-z]|python -m")


def browser_clean(text: str) -> bool:
    return not CLI_TEXT.search(text)


# ---------------------------------------------------------------- the error itself

def test_one_error_two_wordings():
    err = InputError("the mapping 'acme' is for feedback, not incidents", file="q3.csv", row=4, column="Kind",
                     cli="Run `python -m bridges ingest q3.csv --dataset feedback`.", browser="Choose 'feedback' as the dataset above.")
    assert err.sentence(CLI) == ("q3.csv, row 4, column 'Kind': the mapping 'acme' is for feedback, not incidents. "
                                 "Run `python -m bridges ingest q3.csv --dataset feedback`.")
    assert err.sentence(BROWSER) == "q3.csv, row 4, column 'Kind': the mapping 'acme' is for feedback, not incidents. Choose 'feedback' as the dataset above."
    assert browser_clean(err.sentence(BROWSER)) and not browser_clean(err.sentence(CLI))
    assert str(err) == err.sentence(CLI)  # printed anywhere, it is still one full sentence
    assert err.happened() == "q3.csv, row 4, column 'Kind': the mapping 'acme' is for feedback, not incidents"


def test_an_audience_can_name_the_input_its_own_way():
    err = InputError("the quarter 'Q5' is not a quarter", "Write it like 2026Q3.", file="q.csv", cli=Say(what="--quarter 'Q5' is not a quarter"))
    assert err.sentence(CLI) == "q.csv: --quarter 'Q5' is not a quarter. Write it like 2026Q3."
    assert err.sentence(BROWSER) == "q.csv: the quarter 'Q5' is not a quarter. Write it like 2026Q3."


def test_a_plain_sentence_is_the_same_for_everyone():
    err = InputError("there is no draft 'x'. Drafts waiting: none.")
    assert str(err) == err.sentence(BROWSER) == "there is no draft 'x'. Drafts waiting: none."


def _shared_strings(call: ast.Call) -> list[str]:
    """The text of an InputError's parts every audience sees: its positional arguments and todo=."""
    nodes = list(call.args) + [k.value for k in call.keywords if k.arg == "todo"]
    return [n.value for node in nodes for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_raise_site_shows_command_line_text_to_the_browser():
    """Command-line wording (a --flag, `python -m …`) lives only in an error's cli= part, so the browser never shows it.
    bridges/cli.py is the command line itself: its errors never reach a page."""
    offenders = []
    for f in ROOT.rglob("*.py"):
        rel = f.relative_to(ROOT)
        if rel.parts[0] in ("tests", "bench", ".venv") or rel == Path("bridges/cli.py"):
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InputError":
                for s in _shared_strings(node) + [n.value for k in node.keywords if k.arg == "browser"
                                                  for n in ast.walk(k.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)]:
                    if not browser_clean(s):
                        offenders.append(f"{rel}:{node.lineno}: {s!r}")
    assert not offenders, offenders


# ---------------------------------------------------------------- real errors, both wordings

def _unknown(t: Path):
    return write(t / "mystery.csv", "Foo,Bar,Baz\n1,2,3\n4,5,6\n"), {}


def _wrong_dataset(t: Path):
    return write(t / "chicago.csv", chicago_csv(plain(3))), {"dataset": "feedback"}


def _bad_quarter(t: Path):
    return write(t / "q.csv", chicago_csv(plain(3))), {"quarter": "Q5-24"}


def _sheets(t: Path):
    return _several_sheets(t)[0], {}


def _missing_column(t: Path):
    spec = Spec.from_dict({"id": "acme", "dataset": "incidents", "fields": {"incident_id": {"column": "Ref"}, "occurred_at": {"column": "When"},
                                                                              "category": {"column": "Kind", "map": {"B": "burglary"}}}})
    return write(t / "acme.csv", "Ref,When,Type\n1,2025-01-02,B\n"), {"profile": spec}


@pytest.mark.parametrize("build,cli,browser", [
    (_unknown, "python -m bridges inspect mystery.csv", "Make a mapping for it on this page."),
    (_wrong_dataset, "Choose --dataset incidents.", "Choose 'incidents' as the dataset above."),
    (_bad_quarter, "--quarter 'Q5-24' is not a quarter", "the quarter 'Q5-24' is not a quarter. Write it like 2026Q3"),
    (_sheets, "Choose one with --sheet NAME.", "Choose the sheet above."),
    (_missing_column, "run `python -m bridges inspect acme.csv`", "Fix the mapping on this page, then check the file again."),
], ids=["unknown", "wrong_dataset", "bad_quarter", "several_sheets", "missing_column"])
def test_ingest_errors_are_worded_for_each_audience(tmp_path, build, cli, browser):
    file, opts = build(tmp_path)
    with pytest.raises(InputError) as got:
        ingest(file, opts.pop("dataset", "incidents"), Store(tmp_path / "store"), **opts)
    err = got.value
    assert err.file == file.name
    assert cli in err.sentence(CLI) and cli in str(err)
    assert browser in err.sentence(BROWSER) and browser_clean(err.sentence(BROWSER)), err.sentence(BROWSER)


def test_the_command_line_prints_its_own_wording(tmp_path, capsys):
    from bridges.cli import main

    file = write(tmp_path / "chicago.csv", chicago_csv(plain(3)))
    assert main(["ingest", str(file), "--dataset", "feedback", "--data-dir", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: chicago.csv: this looks like an incidents export") and err.endswith("Choose --dataset incidents.")


# ---------------------------------------------------------------- the upload page

def _page_error(at) -> str:
    ok(at)
    errs = errors(at)
    assert len(errs) == 1, errs
    assert browser_clean(errs[0]), errs[0]
    return errs[0]


def test_upload_with_the_wrong_dataset(store):
    at = upload(analyst(), "chicago.csv", chicago_csv(plain(5)).encode(), dataset="feedback")
    assert _page_error(at) == ("chicago.csv: this looks like an incidents export (Chicago Police Department, Crimes 2001 to present (data portal CSV)), "
                               "not feedback. Choose 'incidents' as the dataset above.")


def test_upload_with_a_bad_quarter(store):
    at = upload(analyst(), "chicago.csv", chicago_csv(plain(5)).encode(), quarter="Q5-24")
    at.button(key="upl_check").click().run()
    assert _page_error(at) == "chicago.csv: the quarter 'Q5-24' is not a quarter. Write it like 2026Q3 (year, Q, 1 to 4)."
    assert not store.list_drafts()


def test_upload_of_an_empty_file(store):
    at = upload(analyst(), "q3.csv", b"")
    assert _page_error(at) == "q3.csv: the file is empty (0 bytes). Export the data again; it should have a header row and at least one record."


# ---------------------------------------------------------------- row accounting, three ways, one answer

def _messy_export(path: Path) -> Path:
    """An export no built-in source knows, with rows each step rejects: an unknown offence, an impossible date, a repeated ID,
    no ID, and a line cut short."""
    kinds = ["Burglary", "Assault", "Theft"]
    rows = [[f"R{i}", f"2025-02-{1 + i % 28:02d} 10:00", kinds[i % 3], f"N{i % 4}"] for i in range(60)]
    rows += [["X1", "2025-02-03 10:00", "Mystery", "N1"], ["X2", "2025-02-30 10:00", "Theft", "N1"], ["R5", "2025-02-04 11:00", "Assault", "N2"],
             ["", "2025-02-05 10:00", "Theft", "N3"]]
    write_csv(path, ["Ref", "When", "Offence", "Zone"], rows)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("R99,2025-02-06 10:00\n")
    return path


def _identity(r: dict) -> tuple[int, int, int]:
    assert r["rows_read"] == r["rows_accepted"] + r["rows_rejected"]
    return r["rows_read"], r["rows_accepted"], r["rows_rejected"]


def test_rows_are_accounted_the_same_by_ingest_inspect_and_the_upload_page(store, tmp_path):
    f = _messy_export(tmp_path / "acme.csv")
    found = inspect_file(f, dataset="incidents")
    assert found["detected_source"] is None and "rows_read" in found["trial"], found["trial"]
    trial = _identity(found["trial"])
    assert trial == (65, 60, 5), found["trial"]  # each bad row is rejected with its reason, none lost

    doc = profiles.parse_text(found["toml"])
    rep = ingest(f, "incidents", Store(tmp_path / "cli-store"), profile=Spec.from_dict(doc))
    assert _identity(rep) == trial
    assert rep["rejection_reasons"] == found["trial"]["rejection_reasons"]
    assert sum(rep["rejection_reasons"].values()) == rep["rows_rejected"]

    profiles.save(store.root, "acme", doc, ["Ref", "When", "Offence", "Zone"], "ana")
    at = upload(analyst(), f.name, f.read_bytes())
    page = check(at)
    assert _identity(page) == trial
    shown = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    assert (shown["Rows read"], shown["Rows accepted"], shown["Rows rejected"]) == trial
    rejected = uploads.rejected_rows(store, page["draft"])
    assert len(rejected) == page["rows_rejected"] and rejected["row"].is_unique and rejected["reason"].notna().all()
    assert not rejected["reason"].eq(uploads.NOT_ITEMISED).any()
