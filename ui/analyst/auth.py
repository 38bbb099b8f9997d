"""Who is signed in and with which role: st.login (OIDC) in production, local accounts elsewhere; the sign-in page.

Served by `streamlit run app.py`, an analyst is whoever the analyst cookie of the browser attached to the session right
now names (accounts/cookies.py), checked on every run: a Streamlit session id alone, reused by another client, gets the
sign-in form. The form checks the password and sends the browser to app.py's route with a one-time token; that route
sets the cookie. Under `streamlit run dashboard.py` nothing can set the cookie or guard uploads, so the analyst pages
stay closed and the sign-in page says how to start the server. AppTest runs the pages on a stand-in runtime with no
HTTP server and no browser: there, and only there, a sign-in lives in the session's state.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from unittest import mock
from urllib.parse import quote

import streamlit as st
from streamlit import config, runtime
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

from accounts import audit, cookies, signin, users
from store import settings
from store.versioned import default_data_dir

from ui.render import md_escape

SESSION_KEY = "_bridges_user"
OIDC_SEEN = "_bridges_oidc_seen"
ANALYST_PAGES = (("analyst_pages/upload.py", "Upload", "upload"), ("analyst_pages/preview.py", "Preview", "preview"),
                 ("analyst_pages/releases.py", "Releases", "releases"), ("analyst_pages/client_reports.py", "Client reports", "client-reports"))
SIGNIN_PAGE = "analyst_pages/signin.py"
COMPLETE_PATH = "/auth/local/complete"  # app.py: trades a one-time token for the analyst cookie
SIGN_OUT_PATH = "/auth/local/sign-out"  # app.py: clears the cookie
HARNESS, APP, PLAIN = "AppTest", "app.py", "dashboard.py"


@dataclass(frozen=True)
class User:
    """A signed-in person: the name that goes into the audit log and release history, the role, how they signed in."""

    name: str
    role: str
    via: str  # "local account" | "identity provider"


def _root():
    return default_data_dir()


def _claims() -> dict:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no session context (a bare script run): nobody is signed in
        return {}


def serving() -> str:
    """How this run is served: APP (streamlit run app.py), PLAIN (streamlit run dashboard.py) or HARNESS (AppTest's
    stand-in runtime, a mock; also a bare script run). Anything that is not a mock counts as served: fail closed."""
    if runtime.exists() and not isinstance(runtime.get_instance(), mock.NonCallableMock):
        return APP if cookies.routes_served() else PLAIN
    return HARNESS


def next_page(path: str | None) -> str:
    """Where a sign-in goes on to: one of the analyst pages' paths, /upload for anything else (no open redirect)."""
    allowed = {f"/{url}" for _, _, url in ANALYST_PAGES}
    return path if path in allowed else f"/{ANALYST_PAGES[0][2]}"


def _base() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _redirect(url: str) -> None:
    """Send the browser to `url` (as st.login does: the page itself cannot set a cookie), then stop this run."""
    msg = ForwardMsg()
    msg.auth_redirect.url = url
    get_script_run_ctx().enqueue(msg)
    st.info("Signing you in…")
    st.stop()


def _bind(name: str, via: str, then_url: str) -> None:
    """Hand the browser a one-time token that app.py trades for the analyst cookie, then go on to `then_url`."""
    token = cookies.issue_token(_root(), name, via)
    _redirect(f"{_base()}{COMPLETE_PATH}?token={token}&next={quote(next_page(then_url))}")


def _client_address() -> str:
    """The visitor's address; behind a trusted proxy, the one it forwarded (see accounts.signin.attempt)."""
    if serving() == HARNESS:
        return ""
    return st.context.ip_address or "127.0.0.1"  # Streamlit reports a loopback peer as None


def _verified_email(claims: dict) -> str:
    if claims.get("is_logged_in") is True and claims.get("email_verified", True) is not False:
        return str(claims.get("email") or "")
    return ""


def current_user() -> User | None:
    """The signed-in analyst of this run, checked against data/users.toml every time (a removed account is out)."""
    mode = serving()
    if mode == PLAIN:
        return None
    if mode == APP:
        return _cookie_user()
    root = _root()
    s = st.session_state.get(SESSION_KEY)
    if s:
        hours = settings.section(root, "signin")["session_hours"]
        role = users.local_role(root, s["name"])
        if role and time.time() - s["at"] < hours * 3600:
            return User(s["name"], role, "local account")
        del st.session_state[SESSION_KEY]
    email = _verified_email(_claims())
    role = users.identity_role(root, email)
    if role:
        if st.session_state.get(OIDC_SEEN) != email:
            st.session_state[OIDC_SEEN] = email
            audit.record(root, "sign-in", email, via="identity provider", role=role)
        return User(email, role, "identity provider")
    return None


def _cookie_user() -> User | None:
    """Whom the analyst cookie of the attached browser names; an identity-provider analyst must also still be signed in
    to the provider (st.user) as the same email."""
    holder = cookies.read(_root(), st.context.cookies.get(cookies.NAME))
    if holder is None:
        return None
    if holder.via == cookies.LOCAL or _verified_email(_claims()) == holder.name:
        return User(holder.name, holder.role, holder.via)
    return None


def is_analyst(user: User | None) -> bool:
    return user is not None and user.role in users.ROLES


def pages() -> list:
    """The sign-in page for everyone; the analyst pages only for a signed-in analyst (dashboard.py adds these).

    Anyone else who asks for /upload, /preview or /releases gets the sign-in form at that address, never the page
    script: once signed in, the same address (Streamlit keys a page by its url_path) runs the page they asked for.
    """
    out = [st.Page(SIGNIN_PAGE, title="Sign in", url_path="sign-in", visibility="hidden")]
    if is_analyst(current_user()):
        out += [st.Page(path, title=title, url_path=url, visibility="hidden") for path, title, url in ANALYST_PAGES]
    else:
        out += [st.Page(_sign_in_for(title), title="Sign in", url_path=url, visibility="hidden") for _, title, url in ANALYST_PAGES]
    return out


def _sign_in_for(title: str):
    def sign_in_first() -> None:
        sign_in_page(then=title)

    sign_in_first.__name__ = f"sign_in_for_{title.lower()}"
    return sign_in_first


def require_analyst() -> User:
    """Every analyst page calls this first: anyone else gets one sentence and the page stops before drawing anything."""
    user = current_user()
    if is_analyst(user):
        return user
    st.title("Sign in")
    st.markdown("This page is for analysts. Sign in first, at [/sign-in](./sign-in).")
    st.stop()


def sign_out(user: User) -> None:
    """End this analyst's cookies on the server (every browser), then clear the cookie here and show the form."""
    audit.record(_root(), "sign-out", user.name, via=user.via)
    cookies.sign_out(_root(), user.name)
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(OIDC_SEEN, None)
    if user.via == "identity provider":
        st.logout()
    elif serving() == APP:
        _redirect(f"{_base()}{SIGN_OUT_PATH}")
    st.rerun()


def oidc_providers() -> list[str | None]:
    """Providers configured in [auth] of .streamlit/secrets.toml: named ones ([auth.NAME]), or the one unnamed provider."""
    try:
        conf = st.secrets.get("auth")
    except Exception:  # no secrets file at all
        return []
    if not isinstance(conf, Mapping):
        return []
    named = [k for k, v in conf.items() if isinstance(v, Mapping)]
    if named:
        return named
    return [None] if conf.get("client_id") else []


def sign_in_page(then: str | None = None) -> None:
    """The sign-in form; a signed-in analyst goes straight on to /upload (or, with `then`, stays on the page asked for)."""
    if is_analyst(current_user()):
        if then:  # the navigation of this run still had the form at this address: run again to get the page
            st.rerun()
        st.switch_page(ANALYST_PAGES[0][0])
    mode = serving()
    then_url = next((f"/{url}" for _, title, url in ANALYST_PAGES if title == then), None)
    st.title("Sign in for analysts")
    if then:
        st.info(md_escape(f"The {then} page is for analysts. Sign in to continue to it."))
    st.markdown("Residents do not need to sign in: every published figure is on the public pages.")
    if mode == PLAIN:
        st.error("Analysts cannot sign in on this server: it was started with streamlit run dashboard.py, which cannot "
                 "protect analyst sessions and uploads. Whoever runs the server restarts it with: streamlit run app.py")
        return
    claims = _claims()
    email = _verified_email(claims)
    if mode == APP and users.identity_role(_root(), email):  # signed in to the provider: bind this browser, go on
        audit.record(_root(), "sign-in", email, via="identity provider", role=users.identity_role(_root(), email))
        _bind(email, cookies.IDENTITY_PROVIDER, then_url)
    if claims.get("is_logged_in") is True:
        st.warning(md_escape(f"You are signed in as {claims.get('email') or claims.get('name') or 'someone'}, but this account is not an "
                             "analyst. Ask the administrator to run: python -m bridges add-user EMAIL --role analyst --oidc"))
        if st.button("Sign out", key="signin_oidc_out"):
            st.logout()
    providers = oidc_providers()
    if not providers and not users.load(_root()):  # a new installation: say how to make the first account
        st.info("No analyst account exists on this server yet. Whoever runs the server makes the first one: "
                "python -m bridges add-user NAME --role analyst (it asks for a password), then signs in here.")
    for p in providers:
        label = f"Sign in with {p}" if p else "Sign in with your organisation's account"
        if st.button(md_escape(label), key=f"signin_oidc_{p or 'default'}", type="primary"):
            st.login(p) if p else st.login()
    st.subheader("Local account")
    with st.form("signin", clear_on_submit=True):
        name = st.text_input("Name", key="signin_name", autocomplete="username")
        password = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        sent = st.form_submit_button("Sign in", type="primary")
    if sent:
        res = signin.attempt(_root(), name, password, address=_client_address())
        if res.ok:
            if mode == APP:
                _bind(res.name, cookies.LOCAL, then_url)
            st.session_state[SESSION_KEY] = {"name": res.name, "role": res.role, "at": time.time()}
            st.rerun()
        st.error(md_escape(res.message))
