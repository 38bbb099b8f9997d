"""Hostile files (issue 14, item 1): each is refused in a sentence, and only a worker process can die of one.

The corpus is made here, at test time: a 5 KB workbook whose only far cell is XFD1048576 (the reader would lay out
17 billion cells, 512 GiB), a dense workbook over a lowered cell limit, two zip bombs (a sheet that unpacks a thousand
times larger than it is packed, and one whose zip directory lies about its size), JSON and GeoJSON nested 100,000
levels deep, and a CSV with a million columns. Each one goes through the command line's ingest and inspect (exit 2 and
one sentence; never 134, the abort that took the server down), the audited ingest the upload page calls, and the upload
page itself (AppTest). The worker's own limits are tried with files that get past the checks: with the cell limit
raised, the sparse workbook reaches the reader, which dies of the memory limit inside its worker while the test process
(the server, in production) goes on; a worker over its time is stopped; a stopped worker leaves no draft behind. A real
server answers /_stcore/health all through a hostile upload in chromium (marked browser).
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from bridges import actions
from model.errors import InputError
from store import worker
from store.versioned import Store

from .analyst_kit import LOCAL, PASSWORD, analyst, errors, ok, upload

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Event No", "Occurred", "Offence", "Division", "Lat", "Lng"]
ROW = ["1001", "2024-02-03 10:00", "THEFT", "009", "41.8", "-87.6"]
RAISED = "[upload]\nmax_cells = 1000000000000\nmax_columns = 20000\nworker_memory_mb = 512\n"  # the checks let it through


# ---------------------------------------------------------------- the corpus

def sparse_xlsx(path: Path) -> Path:
    """A few real cells, and one at XFD1048576: the attack that aborted the server."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(ROW)
    ws["XFD1048576"] = "x"
    wb.save(path)
    return path


def dense_xlsx(path: Path, rows: int = 2_000, cols: int = 10) -> Path:
    """Every cell filled: 20,000 cells, over a cell limit lowered to 10,000 (the real one is 10 million)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append([f"column {j}" for j in range(cols)])
    for i in range(rows):
        ws.append([i * cols + j for j in range(cols)])
    wb.save(path)
    return path


def _rezip(src: Path, dest: Path, pad: int) -> Path:
    """`src` again with `pad` spaces inside its first sheet's data (spaces deflate about a thousand to one)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * pad, 1)
            zout.writestr(info.filename, data)
    return dest


def bomb_xlsx(path: Path) -> Path:
    """A workbook of 70 KB whose sheet unpacks to 64 MB (1,000 to one)."""
    small = dense_xlsx(path.with_name("bomb-src.xlsx"), rows=2, cols=3)
    return _rezip(small, path, 64 << 20)


def lying_bomb_xlsx(path: Path) -> Path:
    """The same bomb, its zip directory saying the sheet unpacks to 4 KB (so its ratio looks harmless)."""
    bomb_xlsx(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 4096)  # the local header's uncompressed size
    at = data.find(b"PK\x01\x02")
    while at != -1:  # and the central directory's
        n = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + n]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, at + 24, 4096)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def deep_json(path: Path) -> Path:
    path.write_text('{"records": [{"id": 1, "offence": ' + "[" * 100_000 + "]" * 100_000 + "}]}", encoding="utf-8")
    return path


def deep_geojson(path: Path) -> Path:
    coords = "[" * 100_000 + "]" * 100_000
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "North"}, '
                    f'"geometry": {{"type": "Polygon", "coordinates": {coords}}}}}]}}', encoding="utf-8")
    return path


def wide_csv(path: Path, columns: int = 1_000_000) -> Path:
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" for _ in range(columns)) + "\n", encoding="utf-8")
    return path


# name: (builder, dataset, the store's analyst.toml, what the sentence says)
CORPUS = {
    "sparse.xlsx": (sparse_xlsx, "incidents", "", "XFD1048576"),
    "dense.xlsx": (dense_xlsx, "incidents", "[upload]\nmax_cells = 10000\n", "20,010 cells, over the 10,000 cells this server reads"),
    "bomb.xlsx": (bomb_xlsx, "incidents", "", "which is how a zip bomb is made"),
    "lying-bomb.xlsx": (lying_bomb_xlsx, "incidents", "", "the workbook is damaged"),
    "deep.json": (deep_json, "incidents", "", "nested more than 64 levels deep"),
    "deep.geojson": (deep_geojson, "areas", "", "nested more than 64 levels deep"),
    "wide.csv": (wide_csv, "incidents", "", "more than 5,000 columns"),
    # past every check: the reader itself tries to lay out 17 billion cells and dies in its worker
    "sparse-past-the-checks.xlsx": (sparse_xlsx, "incidents", RAISED, "needed more than the 512 MB of memory this server gives one upload"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile-files")
    return {name: build(folder / name) for name, (build, *_rest) in CORPUS.items()}


def _store_for(tmp_path: Path, name: str) -> Store:
    root = tmp_path / "store"
    root.mkdir()
    if CORPUS[name][2]:
        (root / "analyst.toml").write_text(CORPUS[name][2], encoding="utf-8")
    return Store(root)


def test_the_corpus_is_what_it_claims(corpus):
    assert corpus["sparse.xlsx"].stat().st_size < 10_000
    assert corpus["bomb.xlsx"].stat().st_size < 200_000
    with zipfile.ZipFile(corpus["bomb.xlsx"]) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 64 << 20
    assert corpus["wide.csv"].read_text(encoding="utf-8").splitlines()[0].count(",") == 999_999


# ---------------------------------------------------------------- the command line and the audited ingest

@pytest.mark.parametrize("name", list(CORPUS))
def test_command_line_ingest_says_a_sentence(corpus, tmp_path, capsys, name):
    from bridges.cli import main

    store = _store_for(tmp_path, name)
    path, dataset, said = corpus[name], CORPUS[name][1], CORPUS[name][3]
    assert main(["ingest", str(path), "--dataset", dataset, "--data-dir", str(store.root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    assert said in err and path.name in err, err
    assert store.list_drafts() == [] and not list(store.root.glob("*/.tmp-*"))


@pytest.mark.parametrize("name", ["sparse.xlsx", "deep.json", "wide.csv", "sparse-past-the-checks.xlsx"])
def test_command_line_inspect_says_a_sentence(corpus, tmp_path, capsys, name):
    from bridges.cli import main

    store = _store_for(tmp_path, name)
    assert main(["inspect", str(corpus[name]), "--data-dir", str(store.root)]) == 2
    err = capsys.readouterr().err.strip()
    assert CORPUS[name][3] in err and "\n" not in err, err


@pytest.mark.slow
def test_the_reported_attack_exits_2_not_134(corpus, tmp_path):
    """`python -m bridges ingest` on the sparse workbook, as a process of its own: it aborted with 134 before."""
    for name in ("sparse.xlsx", "sparse-past-the-checks.xlsx"):
        (tmp_path / name).mkdir()
        store = _store_for(tmp_path / name, name)
        out = subprocess.run([sys.executable, "-m", "bridges", "ingest", str(corpus[name]), "--dataset", "incidents", "--data-dir", str(store.root)],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == 2, (name, out.returncode, out.stderr[-2000:])
        assert CORPUS[name][3] in out.stderr and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


@pytest.mark.parametrize("name", list(CORPUS))
def test_audited_ingest_raises_input_error_only(corpus, tmp_path, name):
    store = _store_for(tmp_path, name)
    with pytest.raises(InputError) as exc:
        actions.ingest_upload(store, corpus[name], CORPUS[name][1], "ana")
    assert CORPUS[name][3] in exc.value.sentence("browser")
    assert store.list_drafts() == []


def test_the_reader_died_in_its_worker_not_here(corpus, tmp_path):
    """Past the checks the reader asks for 512 GiB: its worker aborts (the reader's own report lands in the worker log),
    and this process, which would be the server, carries on and ingests the next file."""
    store = _store_for(tmp_path, "sparse-past-the-checks.xlsx")
    pid = os.getpid()
    with pytest.raises(InputError, match="512 MB of memory"):
        actions.ingest_upload(store, corpus["sparse-past-the-checks.xlsx"], "incidents", "ana")
    assert os.getpid() == pid
    log = (store.root / "logs" / worker.LOG).read_text(encoding="utf-8", errors="replace")
    assert "memory allocation of 549755813888 bytes failed" in log  # 512 GiB: what took the server down
    good = tmp_path / "good.csv"
    good.write_text(",".join(HEADER) + "\n" + ",".join(ROW) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="do not match any known export"):  # read fine; only unknown
        actions.ingest_upload(store, good, "incidents", "ana")


# ---------------------------------------------------------------- the worker's limits

def _limited(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    (root / "analyst.toml").write_text("[upload]\n" + text, encoding="utf-8")
    return root


def test_a_worker_over_its_time_is_stopped(tmp_path):
    root = _limited(tmp_path, "worker_seconds = 2\n")
    t0 = time.monotonic()
    with pytest.raises(InputError, match="took longer than the 2 seconds this server gives one upload") as exc:
        worker.run(root, "time:sleep", 60, file="slow.csv")
    assert time.monotonic() - t0 < 30
    assert "raise [upload] worker_seconds in data/analyst.toml" in str(exc.value)


def test_a_worker_over_its_memory_is_stopped(tmp_path):
    root = _limited(tmp_path, "worker_memory_mb = 256\n")
    with pytest.raises(InputError, match="needed more than the 256 MB of memory"):
        worker.run(root, "numpy:ones", 1 << 30, file="big.csv")  # 8 GB of float64
    assert worker.run(root, "numpy:ones", 1 << 20).nbytes == 8 << 20  # within the limit: fine


def hang_while_staging(path, store):
    """(In a worker.) Ingest, but hang once the draft's rows are written and before its folder is renamed into place."""
    import pyarrow.parquet as pq

    from loaders.ingest import ingest

    real = pq.write_table

    def write_then_hang(*a, **k):
        real(*a, **k)
        time.sleep(120)

    real_close = pq.ParquetWriter.close

    def close_then_hang(self, *a, **k):
        real_close(self, *a, **k)
        time.sleep(120)

    pq.write_table = write_then_hang  # only in this worker process
    pq.ParquetWriter.close = close_then_hang  # a draft staged batch by batch (store.drafts.DraftWriter) closes its file last
    return ingest(path, "incidents", store)


@pytest.mark.slow
def test_a_stopped_worker_leaves_no_draft(tmp_path, realdata):
    root = _limited(tmp_path, "worker_seconds = 20\n")
    store = Store(root)
    src = realdata / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
    with pytest.raises(InputError, match="took longer than the 20 seconds"):
        worker.run(root, "tests.test_hostile_files:hang_while_staging", src, store)
    assert store.list_drafts() == []
    assert not (root / "drafts").exists() or not any((root / "drafts").iterdir())  # not even a hidden half-draft
    assert not list((root / "raw").glob(".tmp-*"))
    # the store goes on working
    (root / "analyst.toml").unlink()
    rep = actions.ingest_upload(store, src, "incidents", "ana")
    assert store.list_drafts() == [rep["draft"]] and rep["rows_read"] == rep["rows_accepted"] + rep["rows_rejected"]


def test_an_unexpected_failure_in_a_worker_keeps_its_traceback(tmp_path):
    import traceback

    root = _limited(tmp_path, "")
    with pytest.raises(worker.WorkerError, match="JSONDecodeError") as exc:
        worker.run(root, "json:loads", "{")
    text = "".join(traceback.format_exception(exc.value))
    assert "the worker's traceback" in text and "json/decoder.py" in text  # what the log of the page or the CLI gets


def test_an_input_error_crosses_from_the_worker_whole(tmp_path):
    root = _limited(tmp_path, "")
    with pytest.raises(InputError) as exc:
        worker.run(root, "loaders.ingest:map_file", tmp_path / "q3.csv", "incidents", None, "Q5")
    e = exc.value
    assert e.file == "q3.csv" and e.sentence("cli").startswith("q3.csv: --quarter 'Q5' is not a quarter")
    assert e.sentence("browser").startswith("q3.csv: the quarter 'Q5' is not a quarter")


# ---------------------------------------------------------------- the upload page

def _page_sentence(at, said: str) -> None:
    ok(at)
    errs = errors(at)
    assert len(errs) == 1 and said in errs[0], errs
    assert "Traceback" not in errs[0]


@pytest.mark.parametrize("name", ["sparse.xlsx", "dense.xlsx", "bomb.xlsx", "deep.json", "wide.csv", "sparse-past-the-checks.xlsx"])
def test_upload_page_says_a_sentence(store, corpus, name):
    if CORPUS[name][2]:
        (store.root / "analyst.toml").write_text(CORPUS[name][2], encoding="utf-8")
    at = upload(analyst(), name, corpus[name].read_bytes(), dataset=CORPUS[name][1])
    _page_sentence(at, CORPUS[name][3])
    assert not store.list_drafts() or all(store.draft(d).get("file") != name for d in store.list_drafts())
    # the page still works: another upload is read
    good = (",".join(HEADER) + "\n" + ",".join(ROW) + "\n").encode()
    at = upload(at, "next.csv", good)
    ok(at)
    assert "Map the columns of this export" in " ".join(m.value for m in at.subheader)


# ---------------------------------------------------------------- a real server keeps serving

@pytest.mark.browser
@pytest.mark.slow
def test_a_real_server_keeps_serving_during_and_after_a_hostile_upload(demo_copy, corpus):
    from accounts import users
    from tests.browser import browser, have_chromium, streamlit_server

    if not have_chromium():
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    users.add_user(demo_copy, LOCAL, "analyst", PASSWORD)
    (demo_copy / "analyst.toml").write_text(RAISED, encoding="utf-8")  # the workbook reaches the reader, which dies
    waits: list[float] = []
    with streamlit_server(demo_copy) as base, browser() as b:
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    body = urllib.request.urlopen(base + "/_stcore/health", timeout=10).read().strip()
                except OSError as exc:
                    body = repr(exc).encode()
                waits.append(time.monotonic() - t0 if body == b"ok" else float("inf"))
                time.sleep(0.2)

        page = b.new_context().new_page()
        page.goto(base + "/sign-in")
        page.get_by_label("Name").fill(LOCAL)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Upload a quarter").wait_for(timeout=60000)
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        for name in ("sparse-past-the-checks.xlsx", "bomb.xlsx"):
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(corpus[name]))
            page.get_by_text(CORPUS[name][3]).wait_for(timeout=120000)
        stop.set()
        poller.join()
        assert len(waits) >= 3 and max(waits) < 2.0, waits
        # after: the public side still serves a page
        pub = b.new_context().new_page()
        pub.goto(base + "/")
        pub.wait_for_selector('[data-testid="stMain"] h1', timeout=60000)
        assert urllib.request.urlopen(base + "/_stcore/health", timeout=5).read().strip() == b"ok"
    log = (demo_copy / "logs" / worker.LOG).read_text(encoding="utf-8", errors="replace")
    assert "memory allocation of 549755813888 bytes failed" in log


def test_json_of_the_corpus_is_valid_json(corpus):
    """The nested files are refused for their depth, not because they are broken."""
    text = corpus["deep.json"].read_text(encoding="utf-8")
    assert text.count("[") == text.count("]") == 100_001  # the records array, and 100,000 levels inside one record
    with pytest.raises(RecursionError):
        json.loads(text)  # what Python's own parser makes of it: an exception no analyst should see
