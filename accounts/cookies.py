"""The analyst cookie: signed, HttpOnly, SameSite=Strict, set at sign-in and checked on every analyst page run and upload.

A Streamlit session id travels in upload URLs and lands in proxy logs; this cookie's secret never does, so a session id
alone no longer lets another client in. Streamlit scripts cannot set cookies, so a sign-in goes through a one-time
token: the page stores it (data/auth/tokens/, mode 0600, for a minute) and sends the browser to the route in app.py that
trades it for the cookie. The cookie is an HMAC over (name, how they signed in, when) with a per-store key
(data/auth/cookie.key; delete it to sign everyone out). Signing out records the time, and cookies issued before it stop
working on every browser that holds one.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path


from accounts import users
from model import fs
from store import settings
from store.versioned import write_json_atomic

NAME = "bridges_analyst"
KEY = Path("auth") / "cookie.key"
TOKENS = Path("auth") / "tokens"
SIGNED_OUT = Path("auth") / "signed-out.json"
TOKEN_SECONDS = 60
LOCAL, IDENTITY_PROVIDER = "local account", "identity provider"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_routes = {"on": False}


def serve_routes() -> None:
    """Called by app.py: this process serves the routes that set and clear the cookie (streamlit run app.py)."""
    _routes["on"] = True


def routes_served() -> bool:
    """False under `streamlit run dashboard.py`, where nothing can set the cookie (and nothing guards uploads)."""
    return _routes["on"]


@dataclass(frozen=True)
class Holder:
    """Whom a valid cookie names: the account, how they signed in, and their current role."""

    name: str
    via: str
    role: str


def _dir(root, sub: Path) -> Path:
    d = fs.location(root) / sub
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _key(root) -> bytes:
    p = fs.location(root) / KEY
    if fs.is_remote(p):  # every server of the store signs with the same key: the first one written
        try:
            return p.read_bytes()
        except FileNotFoundError:
            fs.create_once(p, secrets.token_bytes(32))
            return p.read_bytes()
    if not p.exists():
        _dir(root, KEY.parent)
        tmp = p.with_name(f".tmp-{secrets.token_hex(8)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        try:
            os.link(tmp, p)  # the first writer wins; everyone then reads the same key
        except FileExistsError:
            pass
        tmp.unlink(missing_ok=True)
    return p.read_bytes()


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _mac(root, body: str) -> str:
    return _b64(hmac.new(_key(root), body.encode("ascii"), hashlib.sha256).digest())


def max_age(root) -> int:
    """How long a cookie lasts, in seconds ([signin] session_hours)."""
    return int(settings.section(root, "signin")["session_hours"] * 3600)


def make(root, name: str, via: str, now: float | None = None) -> str:
    """A cookie value naming this analyst."""
    now = time.time() if now is None else now
    body = _b64(json.dumps({"n": name, "v": via, "t": now, "r": secrets.token_hex(8)}, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_mac(root, body)}"


def _signed_out(root) -> dict:
    try:
        doc = json.loads((fs.location(root) / SIGNED_OUT).read_text(encoding="utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def read(root, value: str | None, now: float | None = None) -> Holder | None:
    """The analyst a cookie names, or None: a bad signature, an expired cookie, one issued before that analyst signed
    out, or an account that is removed or no longer has a role."""
    if not value or len(value) > 4096 or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    try:
        if not hmac.compare_digest(mac.encode("ascii"), _mac(root, body).encode("ascii")):
            return None
        doc = json.loads(_unb64(body))
        name, via, issued = str(doc["n"]), str(doc["v"]), float(doc["t"])
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None
    now = time.time() if now is None else now
    if not 0 <= now - issued < max_age(root):
        return None
    if issued <= float(_signed_out(root).get(users._key(name), 0) or 0):
        return None
    role = users.local_role(root, name) if via == LOCAL else users.identity_role(root, name) if via == IDENTITY_PROVIDER else None
    return Holder(name, via, role) if role in users.ROLES else None


def sign_out(root, name: str, now: float | None = None) -> None:
    """End every cookie issued to this analyst so far (every browser they signed in from)."""
    now = time.time() if now is None else now
    keep = max_age(root)
    with fs.lock(_dir(root, SIGNED_OUT.parent) / "signed-out.lock", ttl=30.0):
        doc = {k: v for k, v in _signed_out(root).items() if isinstance(v, (int, float)) and now - v < keep}
        doc[users._key(name)] = now
        write_json_atomic(fs.location(root) / SIGNED_OUT, doc)


def _token_path(root, token: str) -> Path:
    return fs.location(root) / TOKENS / hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_token(root, name: str, via: str, now: float | None = None) -> str:
    """A one-time token, good for TOKEN_SECONDS, that the cookie route trades for a cookie naming this analyst. Only
    its hash names the file, so the folder's listing does not give tokens away."""
    now = time.time() if now is None else now
    folder = _dir(root, TOKENS)
    token = secrets.token_urlsafe(32)
    if fs.is_remote(folder):  # any server of the store may be the one the browser's next request reaches
        fs.create_once(_token_path(root, token), json.dumps({"name": name, "via": via, "expires": now + TOKEN_SECONDS}).encode())
        return token
    for old in folder.iterdir():  # tokens nobody redeemed
        try:
            if now - old.stat().st_mtime > 10 * TOKEN_SECONDS:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(32)
    fd = os.open(_token_path(root, token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"name": name, "via": via, "expires": now + TOKEN_SECONDS}, fh)
    return token


def redeem_token(root, token: str | None, now: float | None = None) -> tuple[str, str] | None:
    """(name, via) for a valid token, which is used up whatever the outcome; None for an unknown, used or old one."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    path = _token_path(root, token)
    if fs.is_remote(path):
        return _redeem_remote(path, now)
    claimed = path.with_name(f".used-{secrets.token_hex(8)}")
    try:
        os.rename(path, claimed)  # atomic: of two requests with the same token, one gets it
    except OSError:
        return None
    try:
        doc = json.loads(claimed.read_text(encoding="utf-8"))
        name, via, expires = str(doc["name"]), str(doc["via"]), float(doc["expires"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    finally:
        claimed.unlink(missing_ok=True)
    now = time.time() if now is None else now
    return (name, via) if now <= expires else None


def _redeem_remote(path, now: float | None) -> tuple[str, str] | None:
    """redeem_token on an object store: the first request to create the token's `.used` marker (If-None-Match) gets it."""
    try:
        doc = json.loads(path.read_bytes())
        name, via, expires = str(doc["name"]), str(doc["via"]), float(doc["expires"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not fs.create_once(path.with_name(f".used-{path.name}"), b"used"):
        return None
    path.unlink(missing_ok=True)
    now = time.time() if now is None else now
    return (name, via) if now <= expires else None
