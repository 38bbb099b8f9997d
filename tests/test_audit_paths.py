"""Every way into the store is audited alike: the command line's ingest, redact, publish, rollback, add-user and remove-user,
and the demo's release, write the same entries as the browser's actions, with who, the operating-system user and the origin."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts import audit, users
from bridges import actions, cli
from loaders.mapping import Spec
from store.versioned import Store

ROOT = Path(__file__).resolve().parents[1]
OS_USER = "clerk-os"  # getpass.getuser() reads $LOGNAME / $USER first, so the commands below run "as" this user
PW = "correct horse battery"
PROFILE = """id = "test-events"
dataset = "engagement"
title = "Test events"
detect = ["Ref", "Day", "Kind", "Title", "Zone", "People"]
[fields.event_id]
column = "Ref"
[fields.date]
column = "Day"
format = "%Y-%m-%d"
[fields.type]
column = "Kind"
[fields.title]
column = "Title"
[fields.area]
column = "Zone"
[fields.attendees]
column = "People"
"""
# one event title holds an email, so the draft needs a redaction before it can be published
EXPORT = ("Ref,Day,Kind,Title,Zone,People\nE1,2025-02-03,town_hall,Spring town hall,N1,40\n"
          "E2,2025-02-10,outreach,Call jane.doe@example.org to join,N2,12\nE3,2025-03-01,community_event,Park clean-up,N1,25\n")


@pytest.fixture
def export(tmp_path) -> tuple[Path, Path]:
    (tmp_path / "events.toml").write_text(PROFILE, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EXPORT, encoding="utf-8")
    return tmp_path / "events.csv", tmp_path / "events.toml"


def run(data: Path, *args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "LOGNAME": OS_USER, "USER": OS_USER}
    return subprocess.run([sys.executable, "-m", "bridges", *map(str, args), "--data-dir", str(data)], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def ok(p: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert p.returncode == 0, p.stderr
    return p


def events(data: Path) -> list[dict]:
    """The log, oldest first."""
    return list(reversed(audit.entries(data, None)))


def only_draft(data: Path) -> str:
    (d,) = Store(data).list_drafts()
    return d


@pytest.mark.slow
def test_every_command_line_action_is_in_the_audit_log_with_who_os_user_and_origin(tmp_path, export):
    data = tmp_path / "store"
    csv, profile = export
    # no accounts yet: without --by, the operating-system user is who
    ok(run(data, "ingest", csv, "--dataset", "engagement", "--profile", profile))
    d1 = only_draft(data)
    ok(run(data, "redact", d1, "--all"))
    ok(run(data, "publish", d1, "--note", "first events"))
    ok(run(data, "add-user", "ana", "--role", "analyst", "--password-stdin", stdin=PW + "\n"))
    # with an account: --by names it (any spelling of it), and the account's own spelling is recorded
    ok(run(data, "ingest", csv, "--dataset", "engagement", "--profile", profile, "--by", "ANA"))
    d2 = only_draft(data)
    ok(run(data, "redact", d2, "--all", "--by", "ana"))
    ok(run(data, "publish", d2, "--by", "ana", "--note", "same events again"))
    ok(run(data, "rollback", "1", "--by", "ana", "--note", "back to the first"))
    ok(run(data, "add-user", "ben@force.example", "--role", "analyst", "--oidc", "--by", "ana"))
    ok(run(data, "remove-user", "BEN@force.example", "--by", "ana"))

    log = events(data)
    assert [(e["event"], e["who"]) for e in log] == [
        ("draft", OS_USER), ("redact", OS_USER), ("publish", OS_USER), ("user-added", OS_USER),
        ("draft", "ana"), ("redact", "ana"), ("publish", "ana"), ("rollback", "ana"), ("user-added", "ana"), ("user-removed", "ana")]
    assert all(e["os_user"] == OS_USER and e["origin"] == "command line" for e in log)
    assert log[0]["draft"] == d1 and log[0]["privacy_hits"] == 1 and log[1]["hits_left"] == 0
    assert log[2]["release"] == 1 and log[2]["drafts"] == [d1] and log[2]["note"] == "first events"
    assert log[3]["user"] == "ana" and log[3]["via"] == "local account"
    assert log[6]["release"] == 2 and log[7]["release"] == 3 and log[7]["restores"] == 1
    assert log[8]["user"] == "ben@force.example" and log[9]["user"] == "ben@force.example"
    # the release history names the same person as the log
    assert [(m["version"], m["by"]) for m in Store(data).releases()] == [(1, OS_USER), (2, "ana"), (3, "ana")]
    assert users.find(data, "ana")[1]["created_by"] == OS_USER

    # `audit` shows who, the OS user and the origin of each entry
    out = ok(run(data, "audit")).stdout.splitlines()
    assert len(out) == len(log)
    assert "  publish  ana (OS user clerk-os, command line)  release=2" in out[6]
    assert "  user-added  clerk-os (OS user clerk-os, command line)  user=ana" in out[3]


def test_command_line_entries_have_the_browsers_fields(tmp_path, export):
    """The browser's pages call the same functions with their default origin; the entries differ only in values."""
    csv, profile = export
    data = tmp_path / "cli"
    ok(run(data, "ingest", csv, "--dataset", "engagement", "--profile", profile))
    d = only_draft(data)
    ok(run(data, "redact", d, "--all"))
    ok(run(data, "publish", d, "--note", "one"))
    ok(run(data, "rollback", "1", "--note", "again"))

    web = Store(tmp_path / "web")
    rep = actions.ingest_upload(web, csv, "engagement", "ana", profile=Spec.load(profile))
    actions.redact(web, rep["draft"], "ana", redact_all=True)
    assert actions.publish(web, [rep["draft"]], "ana", "one")["ok"]
    assert actions.rollback(web, 1, "ana", "again")["ok"]

    by_cli, by_web = events(data), events(web.root)
    assert [e["event"] for e in by_cli] == [e["event"] for e in by_web] == ["draft", "redact", "publish", "rollback"]
    for c, w in zip(by_cli, by_web):
        assert list(c) == list(w), c["event"]
        assert w["origin"] == "browser" and w["os_user"] == audit.os_user()


def test_a_by_that_names_no_account_is_refused(tmp_path, export):
    data = tmp_path / "store"
    csv, profile = export
    ok(run(data, "add-user", "ana", "--role", "analyst", "--password-stdin", stdin=PW + "\n"))
    # the OS user is no account, so a command without --by is refused too
    p = run(data, "ingest", csv, "--dataset", "engagement", "--profile", profile)
    assert p.returncode == 2 and "--by" in p.stderr and f"'{OS_USER}' is not an account" in p.stderr
    assert "python -m bridges users" in p.stderr and "Traceback" not in p.stderr
    assert Store(data).list_drafts() == []
    ok(run(data, "ingest", csv, "--dataset", "engagement", "--profile", profile, "--by", "ana"))
    d = only_draft(data)
    ok(run(data, "redact", d, "--all", "--by", "ana"))
    for cmd in (["publish", d, "--note", "x"], ["rollback", "1", "--note", "x"], ["redact", d, "--all"]):
        p = run(data, *cmd, "--by", "bob")
        assert p.returncode == 2, p.stderr
        assert "'bob' is not an account" in p.stderr and "python -m bridges users" in p.stderr and "add-user" in p.stderr
    p = run(data, "add-user", "carol", "--role", "analyst", "--password-stdin", "--by", "bob", stdin=PW + "\n")
    assert p.returncode == 2 and "'bob' is not an account" in p.stderr and users.find(data, "carol") is None
    assert Store(data).current() is None and Store(data).list_drafts() == [d]
    assert [e["event"] for e in events(data)] == ["user-added", "draft", "redact"]


def test_a_publish_that_finds_the_store_busy_is_audited_and_says_try_again(tmp_path, export, monkeypatch, capsys):
    import store.versioned

    data = tmp_path / "store"
    csv, profile = export
    ok(run(data, "ingest", csv, "--dataset", "engagement", "--profile", profile))
    d = only_draft(data)
    ok(run(data, "redact", d, "--all"))
    monkeypatch.setattr(store.versioned, "LOCK_TIMEOUT", 0.2)
    with Store(data).lock():  # another publish holds the store
        assert cli.main(["publish", d, "--note", "x", "--data-dir", str(data)]) == 3
    assert "Try again in a minute" in capsys.readouterr().err
    busy = events(data)[-1]
    assert busy["event"] == "publish-busy" and busy["origin"] == "command line" and busy["drafts"] == [d]
    assert Store(data).list_drafts() == [d] and Store(data).current() is None


def test_the_demo_release_is_audited(tmp_path):
    data = tmp_path / "demo"
    ok(run(data, "demo"))
    log = events(data)
    assert [e["event"] for e in log] == ["draft"] * 5 + ["publish"]
    assert all(e["who"] == "demo" and e["os_user"] == OS_USER and e["origin"] == "command line" for e in log)
    assert log[-1]["release"] == 1 and sorted(log[-1]["drafts"]) == sorted(e["draft"] for e in log[:5])
    assert Store(data).current()["by"] == "demo"


def test_the_os_user_is_recorded_even_when_it_has_no_name(tmp_path, monkeypatch):
    def nameless():
        raise OSError("No username set in the environment")

    monkeypatch.setattr("getpass.getuser", nameless)
    e = audit.record(tmp_path, "publish", "ana", audit.COMMAND_LINE, release=1)
    assert e["os_user"] == f"uid {os.getuid()}" and events(tmp_path)[0]["os_user"] == e["os_user"]
    assert actions.command_line_who(tmp_path, None) == e["os_user"]  # no accounts: the OS user is who


def test_audit_output_reads_entries_from_before_the_os_user_was_kept(tmp_path, capsys):
    (tmp_path / audit.FILE).write_text(json.dumps({"at": "2026-01-01T00:00:00+00:00", "event": "sign-in", "who": "ana",
                                                   "via": "local account", "role": "analyst"}) + "\n", encoding="utf-8")
    assert cli.main(["audit", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "2026-01-01T00:00:00+00:00  sign-in  ana  via=local account, role=analyst"
