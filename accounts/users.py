"""Analyst accounts in data/users.toml: local names with salted scrypt hashes, and identity-provider emails."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import tempfile
import tomllib
import unicodedata
from pathlib import Path

import tomli_w
from filelock import FileLock

from model import fs
from model.errors import InputError

ROLES = ("analyst",)
MIN_PASSWORD = 10
MAX_NAME = 80
# scrypt cost: 2**15 × 8 × 128 bytes = 32 MiB and about 0.1 s per check; stored with each hash
N, R, P = 2**15, 8, 1
FILE = "users.toml"


def accounts_path(root) -> Path:
    return fs.location(root) / FILE


def _key(name: str) -> str:
    """Names and emails match whatever their case and Unicode form."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def check_name(name: str) -> str:
    """A name (or email) as stored; InputError when it is empty, too long or holds control characters."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name or len(name) > MAX_NAME or any(unicodedata.category(c).startswith("C") for c in name):
        raise InputError(f"a user name is 1 to {MAX_NAME} printable characters; '{name[:MAX_NAME]}' is not.")
    return name


def hash_password(password: str, n: int = N) -> str:
    """'scrypt$n$r$p$salt$hash' with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    h = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=R, p=P, maxmem=256 * n * R, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode("ascii")
    return f"scrypt${n}${R}${P}${b64(salt)}${b64(h)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check; a missing or malformed hash still costs one scrypt (no timing hint)."""
    try:
        algo, n, r, p, salt, want = (stored or "").split("$")
        n, r, p = int(n), int(r), int(p)
        salt, want = base64.b64decode(salt), base64.b64decode(want)
        ok_format = algo == "scrypt" and 2 <= n <= 2**20 and 1 <= r <= 32 and p == 1
    except ValueError:
        ok_format = False
    if not ok_format:
        n, r, p, salt, want = N, R, P, b"\0" * 16, b"\1" * 32
    got = hashlib.scrypt((password or "").encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=len(want))
    return hmac.compare_digest(got, want) and ok_format


def load(root) -> dict[str, dict]:
    """Every account: stored name -> {role, password?, oidc?, created_at, created_by}."""
    try:
        doc = tomllib.loads(accounts_path(root).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{accounts_path(root)}: the accounts file is not valid TOML ({exc}); fix it or remove the broken account.") from None
    users = doc.get("users", {})
    return {k: v for k, v in users.items() if isinstance(v, dict)}


def find(root, name: str) -> tuple[str, dict] | None:
    k = _key(name or "")
    for stored, u in load(root).items():
        if _key(stored) == k:
            return stored, u
    return None


def _write(root, users: dict) -> None:
    path = accounts_path(root)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    head = "# Bridges accounts, written by `python -m bridges add-user`. Passwords are kept only as salted scrypt hashes.\n"
    if fs.is_remote(path):  # one put replaces the object whole
        path.write_text(head + tomli_w.dumps({"users": users}))
        return
    fd, tmp = tempfile.mkstemp(prefix=".tmp-users-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(head + tomli_w.dumps({"users": users}))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _lock(root) -> FileLock | fs.Lease:
    return fs.lock(fs.location(root) / "users.lock", ttl=60.0)


def add_user(root, name: str, role: str, password: str | None = None, oidc: bool = False, by: str = "") -> str:
    """Add or replace an account; a local one needs a password, an identity-provider one (oidc) has none."""
    name = check_name(name)
    if role not in ROLES:
        raise InputError(f"the role '{role}' does not exist; roles: {', '.join(ROLES)}.")
    entry = {"role": role, "created_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), "created_by": by or ""}
    if oidc:
        if "@" not in name:
            raise InputError(f"an identity-provider account is the email the provider signs in with; '{name}' is not an email.")
        entry["oidc"] = True
    else:
        if password is None or len(password) < MIN_PASSWORD:
            raise InputError(f"the password must be at least {MIN_PASSWORD} characters long.")
        entry["password"] = hash_password(password)
    with _lock(root):
        users = load(root)
        old = find(root, name)
        if old:
            users.pop(old[0])
        users[name] = entry
        _write(root, users)
    return name


def remove_user(root, name: str) -> bool:
    with _lock(root):
        users = load(root)
        old = find(root, name)
        if not old:
            return False
        users.pop(old[0])
        _write(root, users)
        return True


def check_local(root, name: str, password: str) -> tuple[str, str] | None:
    """(stored name, role) when the name is a local account with this password, else None; same cost either way."""
    found = find(root, name) if name else None
    entry = found[1] if found else {}
    ok = verify_password(password, entry.get("password"))
    if ok and found and not entry.get("oidc") and entry.get("role") in ROLES:
        return found[0], entry["role"]
    return None


def identity_role(root, email: str | None) -> str | None:
    """The role of an identity-provider email listed with `add-user EMAIL --oidc`, else None."""
    if not email:
        return None
    found = find(root, email)
    if found and found[1].get("oidc") and found[1].get("role") in ROLES:
        return found[1]["role"]
    return None


def local_role(root, name: str) -> str | None:
    """The current role of a local account (None once it is removed), checked on every page run."""
    found = find(root, name)
    if found and not found[1].get("oidc") and found[1].get("role") in ROLES:
        return found[1]["role"]
    return None
