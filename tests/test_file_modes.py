"""Loose files (issue 14, item 7): nothing in a data folder is readable by other local users, and error logs live in
the data folder's logs/, owner-only, never written through a symlink.

The store makes its process create owner-only files when it is opened (umask 077) and closes the folder itself (0700),
so files written by Rust (Delta tables) and Arrow (Parquet) are private too; raw copies are 0400. The checks walk a
data folder after a demo build, an ingest, a publish and an account, made by processes started with the usual umask
022; the command line's site and export, which web servers and other users read, keep the usual modes.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from accounts import audit, users
from bridges import actions
from store import logs
from store.versioned import Store

ROOT = Path(__file__).resolve().parent.parent
CHICAGO = "chicago-cpd-crimes/sample-2024/Crimes_-_2001_to_Present.csv"


def loose(root: Path) -> list[str]:
    """Every file or folder under root (itself included) that its group or other users may read, write or enter."""
    out = []
    for p in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(p.lstat().st_mode)
        if mode & 0o077:
            out.append(f"{oct(mode)} {p.relative_to(root.parent)}")
    return out


@pytest.fixture
def usual_umask():
    """The process's umask as most shells set it (022), restored after the test."""
    was = os.umask(0o022)
    yield
    os.umask(was)


def _cli(root: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "BRIDGES_DATA_DIR"}
    out = subprocess.run([sys.executable, "-m", "bridges", *args, "--data-dir", str(root)], cwd=ROOT, env=env, umask=0o022,
                         capture_output=True, text=True, timeout=900, **kw)
    assert out.returncode == 0, (args, out.stderr[-3000:])
    return out


@pytest.mark.slow
def test_nothing_in_a_data_folder_is_readable_by_others_after_demo_and_publish(tmp_path, realdata):
    """Processes started with umask 022, as from a shell: the demo (both providers), an account, an ingest and a publish."""
    root = tmp_path / "data"
    _cli(root, "demo", "--kind", "all")
    _cli(root, "add-user", "ana", "--role", "analyst", "--password-stdin", input="a long password for ana\n")
    draft = json.loads(_cli(root, "ingest", str(realdata / CHICAGO), "--dataset", "incidents", "--by", "ana", "--json").stdout)["draft"]
    _cli(root, "publish", draft, "--by", "ana", "--note", "Chicago 2024")
    assert (root / "releases" / "000002.json").exists() and any((root / "tables").iterdir()) and any((root / "raw").iterdir())
    assert any((root / "public").iterdir()) and (root / "audit.jsonl").exists() and (root / "users.toml").exists()
    assert loose(root) == []
    # what the command line writes for others to read keeps the usual modes: a web server serves the export
    out = tmp_path / "export"
    _cli(root, "export", str(out))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files), [oct(p.stat().st_mode) for p in files]


def test_the_store_and_its_worker_write_owner_only_files(tmp_path, realdata, usual_umask):
    """In this process, umask 022 first: opening the store makes it 077; the upload worker sets its own."""
    root = tmp_path / "data"
    root.mkdir(mode=0o755)
    store = Store(root)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700  # a folder made before the store was private is closed on opening
    users.add_user(root, "ana", "analyst", "a long password for ana")
    rep = actions.ingest_upload(store, realdata / CHICAGO, "incidents", "ana")  # read and staged in the worker
    actions.publish(store, [rep["draft"]], "ana", "Chicago 2024")
    logs.append(root, "bridges-error.log", "a traceback")
    raw = store.raw_path(rep["sha256"])
    assert stat.S_IMODE(raw.stat().st_mode) == 0o400  # read-only, and for the owner only
    assert loose(root) == []


def test_an_old_audit_log_is_closed_on_its_next_line(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / audit.FILE).write_text("", encoding="utf-8")
    os.chmod(root / audit.FILE, 0o644)
    audit.record(root, "sign-in", "ana")
    assert stat.S_IMODE((root / audit.FILE).stat().st_mode) == 0o600


def test_a_symlink_planted_at_the_audit_log_is_not_followed(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    target = tmp_path / "elsewhere.txt"
    target.write_text("untouched\n", encoding="utf-8")
    (root / audit.FILE).symlink_to(target)
    with pytest.raises(OSError):
        audit.record(root, "sign-in", "ana")
    assert target.read_text(encoding="utf-8") == "untouched\n"


# ---------------------------------------------------------------- error logs

def test_logs_are_owner_only_and_appended(tmp_path, usual_umask):
    root = tmp_path / "data"
    path = logs.append(root, "bridges-error.log", "first")
    logs.append(root, "bridges-error.log", "second")
    assert path == root / "logs" / "bridges-error.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text(encoding="utf-8")
    assert text.index("first") < text.index("second") and text.count("--- ") == 2


def test_a_log_symlink_is_never_followed(tmp_path):
    root = tmp_path / "data"
    (root / "logs").mkdir(parents=True)
    target = tmp_path / "victim.txt"
    target.write_text("untouched\n", encoding="utf-8")
    (root / "logs" / "bridges-error.log").symlink_to(target)
    with pytest.raises(OSError):
        logs.append(root, "bridges-error.log", "secret traceback")
    # a symlink in place of the logs/ folder itself
    other = tmp_path / "other"
    (other / "data").mkdir(parents=True)
    (other / "data" / "logs").symlink_to(tmp_path)
    with pytest.raises(OSError):
        logs.append(other / "data", "x.log", "secret traceback")
    assert target.read_text(encoding="utf-8") == "untouched\n" and not (tmp_path / "x.log").exists()


def test_the_command_lines_error_log_is_in_the_data_folder_and_refuses_a_symlink(tmp_path, monkeypatch, capsys):
    import bridges.actions as actions_mod
    from bridges.cli import main

    def boom(*a, **k):
        raise ValueError("internal problem")

    monkeypatch.setattr(actions_mod, "ingest_upload", boom)
    src = tmp_path / "q3.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    root = tmp_path / "data"
    assert main(["ingest", str(src), "--dataset", "incidents", "--data-dir", str(root)]) == 1
    err = capsys.readouterr().err
    log = root / "logs" / "bridges-error.log"
    assert str(log) in err and "/tmp/bridges-error.log" not in err
    assert "ValueError: internal problem" in log.read_text(encoding="utf-8") and stat.S_IMODE(log.stat().st_mode) == 0o600
    # an attacker who could plant a symlink there gets nothing written through it, and the analyst is told
    log.unlink()
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n", encoding="utf-8")
    log.symlink_to(victim)
    assert main(["ingest", str(src), "--dataset", "incidents", "--data-dir", str(root)]) == 1
    err = capsys.readouterr().err
    assert "could not be written" in err and "\n" not in err.strip()
    assert victim.read_text(encoding="utf-8") == "untouched\n"


def test_the_analyst_pages_error_log_is_owner_only(store, realdata, monkeypatch):
    from .analyst_kit import failed_check

    failed_check(realdata, monkeypatch)
    log = store.root / "logs" / "analyst-errors.log"
    assert "disk on fire" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log.parent.stat().st_mode) == 0o700
