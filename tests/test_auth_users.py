"""Accounts and sign-in: salted scrypt hashes, the add-user command, rate limits that survive a restart, one message for every failure."""
from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from accounts import audit, signin, users
from bridges import cli
from model.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PW = "correct horse battery staple"


def test_hash_is_salted_slow_and_verified_in_constant_time(tmp_path):
    a, b = users.hash_password(PW), users.hash_password(PW)
    assert a != b and a.startswith("scrypt$32768$8$1$")  # a fresh salt each time; cost stored with the hash
    assert users.verify_password(PW, a) and not users.verify_password(PW + "x", a)
    assert not users.verify_password(PW, None) and not users.verify_password(PW, "plain text") and not users.verify_password("", "")


def test_accounts_file_holds_no_password_and_is_private(tmp_path):
    users.add_user(tmp_path, "Ana", "analyst", PW)
    text = (tmp_path / "users.toml").read_text()
    assert PW not in text and "scrypt$" in text
    assert stat.S_IMODE(os.stat(tmp_path / "users.toml").st_mode) == 0o600
    assert users.check_local(tmp_path, "ana", PW) == ("Ana", "analyst")  # names match whatever their case
    assert users.check_local(tmp_path, "Ana", "wrong password") is None
    with pytest.raises(InputError, match="at least 10"):
        users.add_user(tmp_path, "bob", "analyst", "short")
    with pytest.raises(InputError, match="role"):
        users.add_user(tmp_path, "bob", "admin", PW)
    with pytest.raises(InputError, match="printable"):
        users.add_user(tmp_path, "bad\x00name", "analyst", PW)


def test_identity_provider_accounts_have_no_password(tmp_path):
    users.add_user(tmp_path, "Ana@Force.example", "analyst", oidc=True)
    assert users.identity_role(tmp_path, "ana@force.example") == "analyst"
    assert users.identity_role(tmp_path, "other@force.example") is None
    assert users.check_local(tmp_path, "ana@force.example", "") is None  # never a local sign-in
    with pytest.raises(InputError, match="email"):
        users.add_user(tmp_path, "not-an-email", "analyst", oidc=True)


def _cli(tmp_path, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "loaders", *args, "--data-dir", str(tmp_path)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # command-line processes
def test_add_user_command(tmp_path, monkeypatch, capsys):
    r = _cli(tmp_path, "add-user", "ana", "--role", "analyst", "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "ana is an analyst" in r.stdout and PW not in r.stdout
    assert users.check_local(tmp_path, "ana", PW)
    r = _cli(tmp_path, "add-user", "bob", "--role", "analyst", "--password-stdin", stdin="short\n")
    assert r.returncode == 2 and "at least 10 characters" in r.stderr and "Traceback" not in r.stderr
    # interactive: asks twice via getpass
    answers = iter([PW, PW])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["add-user", "carol", "--role", "analyst", "--data-dir", str(tmp_path)]) == 0
    answers = iter([PW, PW + "!"])
    assert cli.main(["add-user", "dave", "--role", "analyst", "--data-dir", str(tmp_path)]) == 2
    assert "differ" in capsys.readouterr().err and users.find(tmp_path, "dave") is None
    r = _cli(tmp_path, "users")
    assert "ana  analyst" in r.stdout and "scrypt" not in r.stdout
    r = _cli(tmp_path, "remove-user", "ana")
    assert r.returncode == 0 and users.find(tmp_path, "ana") is None
    r = _cli(tmp_path, "audit", "--json")
    events = [e["event"] for e in json.loads(r.stdout)]
    assert events.count("user-added") == 2 and "user-removed" in events


def test_failures_are_limited_per_name_and_survive_a_restart(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PW)
    t = 1_000_000.0
    for i in range(5):
        r = signin.attempt(tmp_path, "ana", "guess %d" % i, now=t + i)
        assert not r.ok and r.message == signin.WRONG
    # the right password is refused while the name is locked (nothing is checked), and the lock is on disk
    r = signin.attempt(tmp_path, "ana", PW, now=t + 10)
    assert not r.ok and "Too many failed sign-ins for this name" in r.message and "15 minutes" in r.message
    assert json.loads((tmp_path / "auth" / "failures.json").read_text())["names"]  # persisted: a restart reads it back
    assert "ana" not in (tmp_path / "auth" / "failures.json").read_text()  # names are kept hashed
    # another name is not affected; after the window the account signs in again
    assert signin.attempt(tmp_path, "bob", "x" * 12, now=t + 11).message == signin.WRONG
    assert signin.attempt(tmp_path, "ana", PW, now=t + 15 * 60 + 5).ok


def test_unknown_names_are_limited_the_same_way(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PW)
    t = 2_000_000.0
    known = [signin.attempt(tmp_path, "ana", "nope nope nope", now=t + i).message for i in range(6)]
    unknown = [signin.attempt(tmp_path, "zed", "nope nope nope", now=t + i).message for i in range(6)]
    assert known == unknown  # nothing tells a name that exists from one that does not


def test_global_limit_slows_sign_ins_down_and_locks_nobody_out(tmp_path):
    (tmp_path / "analyst.toml").write_text("[signin]\nglobal_max_failures = 4\nmax_failures = 100\n")
    users.add_user(tmp_path, "ana", "analyst", PW)
    t, waits = 3_000_000.0, []
    for i in range(4):
        signin.attempt(tmp_path, f"name{i}", "nope nope nope", now=t + i, sleep=waits.append)
    assert waits == []
    r = signin.attempt(tmp_path, "ana", PW, now=t + 5, sleep=waits.append)
    assert r.ok and r.delayed == 3.0 and waits == [3.0]  # past the server-wide limit a sign-in waits, then goes through


def test_sign_ins_are_audited(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PW)
    signin.attempt(tmp_path, "ana", "wrong password")
    assert signin.attempt(tmp_path, "ana", PW).ok
    ev = [(e["event"], e["who"]) for e in reversed(audit.entries(tmp_path))]
    assert ev == [("sign-in-failed", "ana"), ("sign-in", "ana")]
    assert PW not in (tmp_path / "audit.jsonl").read_text() and "wrong password" not in (tmp_path / "audit.jsonl").read_text()


def test_audit_log_is_append_only_json_lines(tmp_path):
    for i in range(3):
        audit.record(tmp_path, "upload", "ana", file=f"f{i}.csv", sha256="ab" * 32)
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(x)["event"] == "upload" for x in lines)
    with open(tmp_path / "audit.jsonl", "a") as fh:
        fh.write('{"cut by a cra')  # a torn last line is skipped, never fatal
    assert [e["file"] for e in audit.entries(tmp_path)] == ["f2.csv", "f1.csv", "f0.csv"]
