"""Who is signed in and with which role: st.login (OIDC) in production, local accounts elsewhere; the sign-in page."""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from accounts import audit, signin, users
from store import settings
from store.versioned import default_data_dir

from ui.render import md_escape

SESSION_KEY = "_bridges_user"
OIDC_SEEN = "_bridges_oidc_seen"
ANALYST_PAGES = (("analyst_pages/upload.py", "Upload", "upload"), ("analyst_pages/preview.py", "Preview", "preview"),
                 ("analyst_pages/releases.py", "Releases", "releases"))
SIGNIN_PAGE = "analyst_pages/signin.py"


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


def current_user() -> User | None:
    """The signed-in analyst of this session, checked against data/users.toml on every run (a removed account is out)."""
    root = _root()
    s = st.session_state.get(SESSION_KEY)
    if s:
        hours = settings.section(root, "signin")["session_hours"]
        role = users.local_role(root, s["name"])
        if role and time.time() - s["at"] < hours * 3600:
            return User(s["name"], role, "local account")
        del st.session_state[SESSION_KEY]
    claims = _claims()
    if claims.get("is_logged_in") is True and claims.get("email_verified", True) is not False:
        email = str(claims.get("email") or "")
        role = users.identity_role(root, email)
        if role:
            if st.session_state.get(OIDC_SEEN) != email:
                st.session_state[OIDC_SEEN] = email
                audit.record(root, "sign-in", email, via="identity provider", role=role)
            return User(email, role, "identity provider")
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
    audit.record(_root(), "sign-out", user.name, via=user.via)
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(OIDC_SEEN, None)
    if user.via == "identity provider":
        st.logout()
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
    st.title("Sign in for analysts")
    if then:
        st.info(md_escape(f"The {then} page is for analysts. Sign in to continue to it."))
    st.markdown("Residents do not need to sign in: every published figure is on the public pages.")
    claims = _claims()
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
        res = signin.attempt(_root(), name, password)
        if res.ok:
            st.session_state[SESSION_KEY] = {"name": res.name, "role": res.role, "at": time.time()}
            st.rerun()
        st.error(md_escape(res.message))
