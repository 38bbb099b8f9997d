"""Fuzz the readers and the mapping for as long as asked: random seeds, the same properties as tests/test_fuzz.py (which CI runs derandomized).

    python bench/fuzz.py --minutes 30

Each round runs every property for a batch of new random examples through the upload worker (memory 1 GB, time
limit); it stops at the first failure, printing hypothesis's falsifying example (a file the readers choke on, with the
worker's traceback), and exits 1. At the end it prints how many files of each kind were read and how many refused, and
the commonest sentences of refusal.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    ap.add_argument("--batch", type=int, default=50, help="examples per property per round (default 50)")
    args = ap.parse_args()

    from hypothesis import HealthCheck, given, settings

    from store import worker
    from tests.fuzz_kit import FUZZ_LIMITS, csv_files, damaged_exports, json_files, verdict, xlsx_books

    work = Path(tempfile.mkdtemp(prefix="bridges-fuzz-"))
    root = work / "store"
    root.mkdir()
    (root / "analyst.toml").write_text(FUZZ_LIMITS, encoding="utf-8")
    worker.run(root, "os:getpid")  # start the fork server once, outside any example's time
    n = itertools.count()
    seen: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    sentences: collections.Counter = collections.Counter()

    def file_of(name: str, data: bytes) -> Path:
        folder = work / f"in-{next(n)}"
        folder.mkdir()
        (folder / name).write_bytes(data)
        return folder / name

    def note(kind: str, out: str) -> None:
        seen[kind]["read" if out.startswith("read") else "refused"] += 1
        if out.startswith("refused"):
            # the sentence without the file name and the values quoted from the file, so alike refusals count together
            sentences[out.split(": ", 2)[-1].split("(")[0].split("'")[0][:90]] += 1

    def csv_(f):
        path = file_of(*f)
        note("csv", verdict(root, "tests.fuzz_kit:read_summary", path))
        shutil.rmtree(path.parent)

    def xlsx_(book):
        path = file_of("export.xlsx", book.bytes())
        note("xlsx", verdict(root, "tests.fuzz_kit:read_sheets_summary", path))
        shutil.rmtree(path.parent)

    def json_(f):
        path = file_of(*f)
        note("json", verdict(root, "tests.fuzz_kit:read_summary", path))
        shutil.rmtree(path.parent)

    def mapped_(f):
        spec_file, name, data = f
        path = file_of(name, data)
        store = path.parent / "store"
        store.mkdir()
        (store / "analyst.toml").write_text(FUZZ_LIMITS, encoding="utf-8")
        note(f"mapped ({spec_file})", verdict(store, "tests.fuzz_kit:ingest_summary", path, spec_file, store))
        shutil.rmtree(path.parent)

    props = [(csv_, csv_files()), (xlsx_, xlsx_books()), (json_, json_files()), (mapped_, damaged_exports())]
    opts = settings(max_examples=args.batch, derandomize=False, database=None, deadline=dt.timedelta(seconds=30),
                    suppress_health_check=list(HealthCheck))
    runs = [settings(opts)(given(strategy)(fn)) for fn, strategy in props]
    t0 = time.monotonic()
    end = t0 + args.minutes * 60
    rounds = 0
    try:
        while time.monotonic() < end:
            for run in runs:
                run()
                if time.monotonic() >= end:
                    break
            rounds += 1
    except Exception as exc:  # a property failed: its notes hold hypothesis's falsifying example, its cause the worker's traceback
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
        print(f"\nFAILED after {time.monotonic() - t0:,.0f} s: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(sum(c.values()) for c in seen.values())
    print(f"{total:,} files in {time.monotonic() - t0:,.0f} s ({rounds} full rounds), every one read or refused in a sentence, "
          "no worker out of memory or time, every ingest's rows added up:")
    for kind, c in sorted(seen.items()):
        print(f"  {kind:45} read {c['read']:>6,}  refused {c['refused']:>6,}")
    print("commonest refusals:")
    for s, k in sentences.most_common(12):
        print(f"  {k:>6,}  {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
