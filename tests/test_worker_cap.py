"""A cap on upload workers: however many analysts upload at once, at most [upload] max_workers read in worker processes
at a time; the next waits up to [upload] worker_wait_seconds for one to finish, then is told in a sentence to try again."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from model.errors import BROWSER
from store import settings, worker

from .analyst_kit import analyst, errors, ok, upload

GOOD = b"Event No,Occurred,Offence,Division,Lat,Lng\n1001,2024-02-03 10:00,THEFT,009,41.8,-87.6\n"


def _root(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    (root / "analyst.toml").write_text("[upload]\n" + text, encoding="utf-8")
    return root


def hold(folder: str, seconds: float) -> int:
    """(In a worker.) Note when this worker read, as a file in `folder`, for `seconds`."""
    import os

    t0 = time.time()
    time.sleep(seconds)  # long enough that a busy machine starts the next workers while this one still reads
    Path(folder, f"{os.getpid()}.json").write_text(json.dumps([t0, time.time()]), encoding="utf-8")
    return os.getpid()


def _in_thread(fn, *args, **kw) -> tuple[threading.Thread, list]:
    out: list = []

    def go():
        try:
            out.append(fn(*args, **kw))
        except BaseException as exc:  # the test looks at it
            out.append(exc)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t, out


def _wait_busy(n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while worker.busy() < n:
        assert time.monotonic() < deadline, f"{worker.busy()} workers busy, expected {n}"
        time.sleep(0.05)


def test_the_defaults():
    up = settings.DEFAULTS["upload"]
    assert up["max_workers"] == 2 and up["worker_wait_seconds"] > 0


@pytest.mark.slow
def test_past_the_cap_an_upload_is_refused_in_a_sentence_after_a_short_wait(tmp_path):
    root = _root(tmp_path, "max_workers = 1\nworker_wait_seconds = 1\n")
    first, got = _in_thread(worker.run, root, "time:sleep", 4, file="first.csv")
    _wait_busy(1)
    t0 = time.monotonic()
    with pytest.raises(worker.WorkersBusy) as exc:
        worker.run(root, "time:sleep", 0, file="q3.csv")
    waited = time.monotonic() - t0
    assert 0.9 <= waited < 5, waited  # it waited its turn for worker_wait_seconds, no longer
    said = exc.value.sentence(BROWSER)
    assert said.startswith("q3.csv: another upload is being read on this server (all 1 of its upload readers are busy), so this one was not read.")
    assert "Try again in a minute" in said and "[upload] max_workers" in said
    first.join(60)
    assert got == [None]  # the upload being read was not disturbed
    assert worker.busy() == 0
    assert worker.run(root, "math:sqrt", 16.0) == 4.0  # once it is done, the next upload is read


def test_an_upload_waits_its_turn_in_a_short_queue(tmp_path):
    root = _root(tmp_path, "max_workers = 1\nworker_wait_seconds = 60\n")
    first, _ = _in_thread(worker.run, root, "time:sleep", 3)
    _wait_busy(1)
    t0 = time.monotonic()
    assert worker.run(root, "math:sqrt", 9.0) == 3.0
    assert time.monotonic() - t0 >= 1.0  # it was read after the first, not beside it
    first.join(60)


@pytest.mark.slow
def test_never_more_workers_at_once_than_the_cap(tmp_path):
    root = _root(tmp_path, "max_workers = 2\nworker_wait_seconds = 120\n")
    marks = tmp_path / "marks"
    marks.mkdir()
    runs = [_in_thread(worker.run, root, "tests.test_worker_cap:hold", str(marks), 4.0) for _ in range(5)]
    for t, _ in runs:
        t.join(120)
    assert all(isinstance(out[0], int) for _, out in runs), [out for _, out in runs]
    spans = [json.loads(p.read_text()) for p in marks.iterdir()]
    assert len(spans) == 5
    at_once = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert at_once <= 2, spans  # the cap is never passed
    assert at_once == 2, spans  # and reached: five waiting uploads keep both readers busy


def test_the_upload_page_says_so_when_every_reader_is_busy(store):
    (store.root / "analyst.toml").write_text("[upload]\nmax_workers = 2\nworker_wait_seconds = 1\n", encoding="utf-8")
    at = analyst()
    with worker.slot(store.root), worker.slot(store.root):  # two other analysts' uploads being read
        at = upload(at, "q3.csv", GOOD)
    errs = errors(at)
    assert len(errs) == 1 and errs[0].startswith("q3.csv: another upload is being read on this server"), errs
    assert "Try again in a minute" in errs[0] and "Traceback" not in errs[0]
    # a minute later the readers are free: the same page reads the next upload
    at = upload(at, "q3-again.csv", GOOD + b"1002,2024-02-04 11:00,THEFT,009,41.8,-87.6\n")
    ok(at)
    assert not errors(at)
    assert "Map the columns of this export" in " ".join(m.value for m in at.subheader)
