"""The web attacks of issue 14 (items 2–5) tried again, and failing.

- Anonymous uploads: a visitor who is not signed in PUTs 8 × 50 MB to Streamlit's upload endpoint for their own live
  session; every request is refused (403) before its body is read, and the server's memory stays where it was.
- Analysts locked out: fifty wrong passwords under random names lock out only the address that sent them; a crowd of
  addresses only slows sign-ins down; anonymous failures are summarised in the audit log, not one line each; behind a
  proxy the visitor's forwarded address counts, and the header changes nothing from a client no one trusts.
- A borrowed session: another client that reconnects with a signed-in analyst's Streamlit session id, and no cookie,
  gets the sign-in form, not the page; the same holds for an identity-provider analyst (st.login's cookie is made
  here with the server's cookie secret, as Streamlit makes it after the provider's redirect).
- Live links from data: URLs and www. names in area names, topics, titles and actions stay text on the pages, the
  deck, the analyst preview and the static site (chromium), and md_escape leaves nothing GFM would autolink.

The server tests start `streamlit run app.py` once for the module on a copy of the Acme store (tests/test_pages_app.py)
whose texts hold URLs, with one local analyst, and talk to it as a browser does: HTTP (httpx) and a raw websocket
(the `websockets` package) carrying Streamlit's protobuf messages.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
from pathlib import Path

import httpx
import pytest
import websockets
from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from accounts import audit, cookies, signin, users
from store.versioned import Store
from tests import servers
from tests.browser import ROOT, RequestLog, browser, have_chromium

NAME, PASSWORD = "quinn-analyst", "a long local password 42"
OIDC = "oidc-analyst@force.example"  # an identity-provider analyst (st.login)
COOKIE_SECRET = "hardening-test-cookie-secret"  # the server's server.cookieSecret: signs Streamlit's st.login cookie
XSRF = servers.XSRF
# What the text of the data holds (the pages must show it as text): a URL, a www. name, an upper-case URL
N1, S2, E3 = "Northgate https://evil.example/n1", "Southmoor HTTP://EVIL.EXAMPLE/S2", "Eastbank www.evil.example"
TOPIC, ACTION = "Noise www.evil.example/noise", "Details at https://evil.example/fixed"
TITLES = ("Patrol, see https://evil.example/patrol", "Town hall at www.evil.example")
# the patterns Streamlit's Markdown (remark-gfm's autolink literals) turns into links, as its frontend writes them
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE | re.ASCII)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)


# ---------------------------------------------------------------- a store whose texts hold URLs, and its server


def _url_store(dest: Path, acme: Path) -> Path:
    """A copy of the Acme store with area names, a feedback topic and action and event titles holding URLs, published
    as release 2, and one local analyst."""
    from loaders.ingest import ingest
    from loaders.mapping import Spec
    from tests.test_pages_app import _square, _write

    shutil.copytree(acme.parent, dest)
    store = Store(dest / acme.name)
    raw = dest / "exports"
    areas = _write(raw / "url_zones.csv", ["Zone Code", "Zone Label", "Residents", "Residents Source", "Residents Year", "Shape"], [
        ["N1", N1, "2000", "Fixture census", "2024", _square(-60.00, 10.0)], ["S2", S2, "50", "Fixture census", "2024", _square(-59.99, 10.0)],
        ["E3", E3, "", "", "", _square(-59.98, 10.0)]])
    fb = _write(raw / "url_311.csv", ["Case", "Opened", "Via", "Subject", "Zone", "State", "Closed", "Done"],
                [[f"U{i}", "2026-07-01 09:00", "Web", TOPIC, "N1", "Fixed", "2026-07-05 09:00", ACTION] for i in range(4)])
    ev = _write(raw / "url_events.csv", ["Ev", "Day", "Kind", "Zone", "People", "Hours", "Title"],
                [["X1", "2026-07-05", "Patrol", "N1", 10, 2, TITLES[0]], ["X2", "2026-08-05", "Meeting", "N1", 40, 2, TITLES[1]]])
    specs = {
        "areas": {"id": "acme-zones", "dataset": "areas", "title": "Acme zones", "fields": {
            "area_id": {"column": "Zone Code"}, "name": {"column": "Zone Label"}, "population": {"column": "Residents"},
            "population_source": {"column": "Residents Source"}, "population_year": {"column": "Residents Year"}, "geometry": {"column": "Shape"}}},
        "feedback": {"id": "acme-311", "dataset": "feedback", "title": "Acme concerns", "fields": {
            "feedback_id": {"column": "Case"}, "received_at": {"column": "Opened", "format": "%Y-%m-%d %H:%M"},
            "channel": {"column": "Via", "map": {"Web": "online"}}, "topic": {"column": "Subject"}, "area": {"column": "Zone"},
            "status": {"column": "State", "map": {"Fixed": "resolved"}}, "resolved_at": {"column": "Closed", "format": "%Y-%m-%d %H:%M"},
            "action_taken": {"column": "Done"}}},
        "engagement": {"id": "acme-events", "dataset": "engagement", "title": "Acme events", "fields": {
            "event_id": {"column": "Ev"}, "date": {"column": "Day", "format": "%Y-%m-%d"},
            "type": {"column": "Kind", "map": {"Patrol": "foot_patrol", "Meeting": "town_hall"}}, "area": {"column": "Zone"},
            "attendees": {"column": "People"}, "staff_hours": {"column": "Hours"}, "title": {"column": "Title"}}},
    }
    drafts = [ingest(path, ds, store, profile=Spec.from_dict(specs[ds]))["draft"] for path, ds in ((areas, "areas"), (fb, "feedback"), (ev, "engagement"))]
    store.publish(drafts, "test", "URLs in the texts")
    # one more draft waits, so the analyst preview shows data text too
    ingest(fb, "feedback", store, profile=Spec.from_dict(specs["feedback"]))
    users.add_user(store.root, NAME, "analyst", PASSWORD)
    users.add_user(store.root, OIDC, "analyst", oidc=True)
    return store.root


@pytest.fixture(scope="module")
def url_store(acme_store, tmp_path_factory) -> Path:
    return _url_store(tmp_path_factory.mktemp("hardening") / "acme", acme_store)


def _serve(root: Path, env: dict | None = None, timeout: float = 90.0):
    """`streamlit run app.py` on a free port, as a tests.servers.Server (its process, for its memory)."""
    return servers.streamlit(servers.APP, root, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def server(url_store):
    with _serve(url_store, env={"STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET}) as s:
        yield s


def _set_signin(root: Path, text: str) -> None:
    (root / "analyst.toml").write_text("[signin]\n" + text, encoding="utf-8")


# ---------------------------------------------------------------- Streamlit's protocol, as the browser speaks it


def _xsrf(base: str) -> str:
    with httpx.Client() as c:
        c.get(base + "/_stcore/health")
        return c.cookies.get(XSRF)


class Tab(servers.TabState):
    """One browser tab's websocket: the xsrf token and an optional existing session id in the subprotocols, cookies in
    the handshake, script runs asked for with BackMsg and answered with ForwardMsg."""

    def __init__(self, base: str, cookies_: dict | None = None, session: str | None = None, headers: dict | None = None):
        super().__init__()
        self.base, self.token = base, _xsrf(base)
        self.cookies = {XSRF: self.token, **(cookies_ or {})}
        self.session, self.headers = session, headers or {}

    @contextlib.asynccontextmanager
    async def open(self):
        protos = ["streamlit", self.token] + ([self.session] if self.session else [])
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with websockets.connect(self.base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=protos, origin=self.base,
                                      additional_headers={"Cookie": cookie, **self.headers}, max_size=None) as ws:
            self.ws = ws
            yield self

    async def run(self, page: str, widgets: list | None = None) -> list[tuple[str, str]]:
        """Run `page` (its URL path), with widget values; returns (element type, its text) of what the page drew."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        for w in widgets or []:
            msg.rerun_script.widget_states.widgets.append(w)
        await self.ws.send(msg.SerializeToString())
        drawn = []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), 120))
            element = self.note(fwd)
            if element:
                what, proto = element
                drawn.append((what, text_format.MessageToString(proto, as_utf8=True)))
            elif fwd.WhichOneof("type") == "script_finished":
                return drawn


def _text(drawn) -> str:
    """What a run drew, element type and text, Markdown escapes (and md_escape's word joiners) dropped."""
    return "\n".join(f"{kind}: {t}" for kind, t in drawn).replace("\\", "").replace("\u2060", "")


def _visit(base: str, page: str, **kw) -> tuple[Tab, str]:
    async def go():
        tab = Tab(base, **kw)
        async with tab.open():
            return tab, _text(await tab.run(page))
    return asyncio.run(go())


def _sign_in(base: str, page: str, name: str, password: str, **kw) -> tuple[Tab, str]:
    async def go():
        tab = Tab(base, **kw)
        async with tab.open():
            return tab, _text(await tab.sign_in(page, name, password))
    return asyncio.run(go())


def _cookie_from(base: str, redirect: str) -> tuple[httpx.Response, str | None]:
    """Follow the page's redirect to the cookie route, as the browser does; the response and the analyst's cookie."""
    return servers.cookie_from(base, redirect, cookies.NAME)


# ---------------------------------------------------------------- 2. no anonymous uploads


@pytest.mark.slow
def test_anonymous_uploads_are_refused_before_the_body_is_read(server):
    blob = os.urandom(50 * 1024 * 1024)
    analyst = cookies.make(server.root, NAME, cookies.LOCAL)

    async def attack():
        tab = Tab(server.base)
        async with tab.open():
            await tab.run("overview")  # a live session of a visitor who never signed in, as in the attack
            url = f"{server.base}/_stcore/upload_file/{tab.session}"
            head = {"X-Xsrftoken": tab.token}
            async with httpx.AsyncClient(timeout=120) as c:
                before = server.rss_mb()
                refused = [(await c.put(f"{url}/f{i}", files={"file": ("x.csv", blob)}, headers=head, cookies={XSRF: tab.token})).status_code
                           for i in range(8)]
                after = server.rss_mb()
                forged = (await c.put(f"{url}/g", files={"file": ("x.csv", b"a,b\n")}, headers=head,
                                      cookies={XSRF: tab.token, cookies.NAME: analyst[:-4] + "AAAA"})).status_code
                delete = (await c.delete(f"{url}/f0", headers=head, cookies={XSRF: tab.token})).status_code
                # the same session with a signed-in analyst's cookie: the endpoint works, the gate was the refusal
                ok = (await c.put(f"{url}/h", files={"file": ("x.csv", b"a,b\n1,2\n")}, headers=head,
                                  cookies={XSRF: tab.token, cookies.NAME: analyst})).status_code
                ok_delete = (await c.delete(f"{url}/h", headers=head, cookies={XSRF: tab.token, cookies.NAME: analyst})).status_code
        return refused, before, after, forged, delete, ok, ok_delete

    refused, before, after, forged, delete, ok, ok_delete = asyncio.run(attack())
    assert refused == [403] * 8 and forged == 403 and delete == 403
    assert after - before < 25, f"server memory grew from {before:.0f} MB to {after:.0f} MB"  # the attack added 583 MB
    assert ok == 204 and ok_delete == 204
    # a cookie from before the analyst signed out opens nothing either
    cookies.sign_out(server.root, NAME)
    with httpx.Client() as c:
        r = c.put(f"{server.base}/_stcore/upload_file/x/y", files={"file": ("x.csv", b"a")}, cookies={cookies.NAME: analyst})
    assert r.status_code == 403 and "signed-in analysts" in r.text


# ---------------------------------------------------------------- 4. a session bound to a secret the session id does not carry


@pytest.mark.slow
def test_a_borrowed_session_id_gets_the_sign_in_form(server):
    # the analyst signs in through the form over the protocol; the page answers with a redirect to the cookie route
    tab, _ = _sign_in(server.base, "releases", NAME, PASSWORD)
    assert tab.redirect and tab.redirect.startswith("/auth/local/complete?token=") and tab.redirect.endswith("next=/releases")
    r, value = _cookie_from(server.base, tab.redirect)
    assert r.status_code == 303 and r.headers["location"] == "/releases"
    set_cookie = r.headers["set-cookie"]
    assert value and "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # plain http here; over https (or a trusted proxy's X-Forwarded-Proto) it is Secure
    again, none = _cookie_from(server.base, tab.redirect)  # the token is used up
    assert again.headers["location"] == "/sign-in" and none is None

    # the analyst's browser, with the cookie, on /releases
    owner, text = _visit(server.base, "releases", cookies_={cookies.NAME: value})
    assert "Publish and history" in text and "Audit log" in text and f"Signed in as {NAME}" in text

    # another client reconnects with that session id and no cookie: same session, but the sign-in form
    thief, stolen = _visit(server.base, "releases", session=owner.session)
    assert thief.session == owner.session
    assert "Sign in for analysts" in stolen
    for secret in ("Publish and history", "Audit log", "Drafts waiting", "Signed in as"):
        assert secret not in stolen, secret
    for page in ("upload", "preview"):
        _, other = _visit(server.base, page, session=owner.session)
        assert "Sign in for analysts" in other and "Signed in as" not in other and "file_uploader" not in other

    # a forged cookie (another name, the signature of the real one) opens nothing
    body, mac = value.split(".")
    forged = cookies.make(server.root, NAME, cookies.LOCAL).split(".")[0] + "." + mac
    _, text = _visit(server.base, "releases", cookies_={cookies.NAME: forged}, session=owner.session)
    assert "Sign in for analysts" in text and "Audit log" not in text

    # over https behind a proxy on this machine (it says so in X-Forwarded-Proto), the cookie is Secure
    tab, _ = _sign_in(server.base, "upload", NAME, PASSWORD)
    with httpx.Client() as c:
        r = c.get(server.base + tab.redirect, headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"] and r.headers["location"] == "/upload"

    # signing out ends the cookie on the server too: kept by someone, it opens nothing
    async def sign_out():
        t = Tab(server.base, cookies_={cookies.NAME: value})
        async with t.open():
            await t.run("releases")
            from streamlit.proto.WidgetStates_pb2 import WidgetState
            await t.run("releases", [WidgetState(id=t.widgets["analyst_sign_out"], trigger_value=True)])
        return t.redirect

    assert asyncio.run(sign_out()) == "/auth/local/sign-out"
    _, text = _visit(server.base, "releases", cookies_={cookies.NAME: value})
    assert "Sign in for analysts" in text and "Audit log" not in text


def _provider_cookie(base: str, email: str) -> str:
    """The cookie st.login leaves after the identity provider signed `email` in (Streamlit signs it with its secret)."""
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    payload = json.dumps({"origin": base, "is_logged_in": True, "email": email, "email_verified": True})
    return create_signed_value(COOKIE_SECRET, "_streamlit_user", payload).decode("ascii")


@pytest.mark.slow
def test_an_identity_provider_sign_in_is_bound_to_the_browser_too(server):
    provider = {"_streamlit_user": _provider_cookie(server.base, OIDC)}
    # signed in to the provider, not yet bound: the page sends the browser to the cookie route, then to the page
    tab, _ = _visit(server.base, "upload", cookies_=provider)
    assert tab.redirect and tab.redirect.startswith("/auth/local/complete?token=") and tab.redirect.endswith("next=/upload")
    r, value = _cookie_from(server.base, tab.redirect)
    assert r.headers["location"] == "/upload" and value and "HttpOnly" in r.headers["set-cookie"]
    owner, text = _visit(server.base, "upload", cookies_={**provider, cookies.NAME: value})
    assert "Upload a quarter" in text and f"Signed in as {OIDC}" in text and "identity provider" in text
    # the session id alone, or the analyst cookie without the provider's sign-in, opens nothing
    _, stolen = _visit(server.base, "upload", session=owner.session)
    assert "Sign in for analysts" in stolen and "Upload a quarter" not in stolen
    thief, text = _visit(server.base, "upload", cookies_={cookies.NAME: value})
    assert "Sign in for analysts" in text and "Upload a quarter" not in text and thief.redirect is None


# ---------------------------------------------------------------- 3. sign-in limits that cannot be turned against analysts


def test_fifty_wrong_passwords_under_random_names_lock_out_only_their_address(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PASSWORD)
    t, attacker = 5_000_000.0, "203.0.113.9"
    answers = [signin.attempt(tmp_path, f"rnd{i:03d}x", "guess guess", now=t + i * 0.7, address=attacker).message for i in range(50)]
    assert answers[:20] == [signin.WRONG] * 20
    assert all(a.startswith("Too many failed sign-ins from this address.") for a in answers[20:])
    # every analyst elsewhere signs in at once, during the attack and after a restart (the counts are on disk)
    r = signin.attempt(tmp_path, "ana", PASSWORD, now=t + 36, address="198.51.100.4", sleep=pytest.fail)
    assert r.ok and r.delayed == 0
    assert "from this address" in signin.attempt(tmp_path, "ana", PASSWORD, now=t + 37, address=attacker).message
    assert attacker not in (tmp_path / "auth" / "failures.json").read_text()  # addresses are kept hashed


def test_guessing_one_name_locks_that_name_only_from_the_guessing_address(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PASSWORD)
    t = 6_000_000.0
    for i in range(5):
        signin.attempt(tmp_path, "ana", "guess guess", now=t + i, address="203.0.113.9")
    assert "for this name" in signin.attempt(tmp_path, "ana", PASSWORD, now=t + 6, address="203.0.113.9").message
    assert signin.attempt(tmp_path, "ana", PASSWORD, now=t + 7, address="198.51.100.4").ok


@pytest.mark.slow
def test_a_crowd_of_addresses_only_slows_sign_ins_down(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PASSWORD)
    t, waits = 7_000_000.0, []
    for i in range(60):  # more than the server-wide limit (50), one failure per address
        signin.attempt(tmp_path, f"name{i}", "guess guess", now=t + i * 0.5, address=f"203.0.113.{i}", sleep=waits.append)
    assert len(waits) == 10 and set(waits) == {3.0}  # the ten past the limit each waited
    r = signin.attempt(tmp_path, "ana", PASSWORD, now=t + 31, address="198.51.100.4", sleep=waits.append)
    assert r.ok and r.delayed == 3.0


@pytest.mark.slow
def test_anonymous_failures_are_summarised_in_the_audit_log(tmp_path):
    users.add_user(tmp_path, "ana", "analyst", PASSWORD)
    window = 15 * 60
    t = (8_000_000 // window + 1) * window  # the start of a window
    for i in range(50):
        signin.attempt(tmp_path, f"nobody{i}", "guess guess", now=t + i, address=f"203.0.113.{i % 10}")
    for i in range(3):
        signin.attempt(tmp_path, "ana", "guess guess", now=t + 60 + i, address="203.0.113.200")
    events = [e for e in reversed(audit.entries(tmp_path, limit=None))]
    assert [e["event"] for e in events] == ["sign-in-failed"] * 4  # the first anonymous failure, then each known name's
    assert events[0]["who"] == "nobody0" and [e["who"] for e in events[1:]] == ["ana"] * 3
    # the window's summary is written at the first attempt after it
    assert signin.attempt(tmp_path, "ana", PASSWORD, now=t + window + 5, address="198.51.100.4").ok
    summary = [e for e in audit.entries(tmp_path, limit=None) if e["event"] == "sign-in-failures"]
    assert len(summary) == 1
    s = summary[0]
    assert s["unknown_name_failures"] == 49 and s["names"] == 49 and s["addresses"] == 10 and s["refused_by_limits"] == 0
    assert s["to"] > s["from"]


@pytest.mark.slow
def test_sign_in_limits_follow_the_forwarded_address_through_the_server(server, tmp_path):
    """Behind a proxy on this machine (uvicorn trusts X-Forwarded-For from 127.0.0.1 and ::1 by default), the limits
    count the visitor's address, not the proxy's; from a client the server does not trust, the header changes nothing."""
    root = server.root
    (root / "auth" / "failures.json").unlink(missing_ok=True)
    _set_signin(root, "address_max_failures = 3\n")
    try:
        # one visitor behind the proxy, writing a new X-Forwarded-For each time: the entry the proxy appended counts
        for i in range(3):
            _, text = _sign_in(server.base, "sign-in", f"rnd{i}", "guess guess", headers={"X-Forwarded-For": f"10.9.9.{i}, 203.0.113.66"})
            assert signin.WRONG in text
        _, text = _sign_in(server.base, "sign-in", NAME, PASSWORD, headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.66"})
        assert "Too many failed sign-ins from this address" in text
        # the analyst behind the same proxy, from another address, signs in
        tab, _ = _sign_in(server.base, "sign-in", NAME, PASSWORD, headers={"X-Forwarded-For": "198.51.100.4"})
        assert tab.redirect and tab.redirect.startswith("/auth/local/complete?token=")
        entry = next(e for e in audit.entries(root) if e["event"] == "sign-in")
        assert entry["who"] == NAME and entry["address"] == "198.51.100.4"
    finally:
        (root / "analyst.toml").unlink(missing_ok=True)
        (root / "auth" / "failures.json").unlink(missing_ok=True)

    # a server that trusts no proxy (FORWARDED_ALLOW_IPS empty): a client's own X-Forwarded-For is ignored
    other = tmp_path / "other"
    shutil.copytree(root, other)
    (other / "audit.jsonl").unlink()
    _set_signin(other, "address_max_failures = 2\n")
    with _serve(other, env={"FORWARDED_ALLOW_IPS": ""}) as s:
        for i in range(2):
            _sign_in(s.base, "sign-in", f"rnd{i}", "guess guess", headers={"X-Forwarded-For": f"203.0.113.{i}"})
        _, text = _sign_in(s.base, "sign-in", NAME, PASSWORD, headers={"X-Forwarded-For": "198.51.100.77"})
        assert "Too many failed sign-ins from this address" in text  # all three came from 127.0.0.1, whatever they said
    assert [e["address"] for e in audit.entries(other) if e["event"] == "sign-in-failed"] == ["127.0.0.1"]


# ---------------------------------------------------------------- 5. text from data is shown as text, links included


def _autolinks(markdown_source: str) -> list[str]:
    """What remark-gfm would turn into a link in this Markdown source (backslash escapes undone first, as it does)."""
    text = re.sub(r"\\(.)", r"\1", markdown_source)
    return [m.group(0) for m in GFM_URL.finditer(text)] + [m.group(0) for m in GFM_EMAIL.finditer(text)]


def test_md_escape_leaves_nothing_to_autolink():
    from ui.render import md_escape

    for s in [N1, S2, E3, TOPIC, ACTION, *TITLES, "write to bob@evil.example", "mailto:bob@evil.example", "WWW.EVIL.EXAMPLE",
              "ftp://x https://a.b/c?d=e&f=g#h www.a.b", "[docks](http://evil.example) <http://evil.example>"]:
        out = md_escape(s)
        assert _autolinks(out) == [], (s, out)
        # nothing else changed: the reader sees the same text
        assert re.sub(r"\\(.)", r"\1", out).replace("\u2060", "") == s


def test_data_text_is_escaped_on_the_pages_in_apptest(url_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BRIDGES_DATA_DIR", str(url_store))
    shown = []
    for page, area in [("overview", "N1"), ("incidents", "S2"), ("community", "N1"), ("feedback", "N1"), ("trust", "E3"), ("town_hall", "N1")]:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.query_params.update({"area": area, "quarter": "2026Q3"})
        at.run()
        if page != "overview":
            at.switch_page(f"public_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        sources = [m.value for m in at.markdown] + [h.value for h in [*at.title, *at.header, *at.subheader]] + \
            [x.value for x in [*at.info, *at.warning]] + [x.label for x in at.metric]
        for s in sources:
            assert _autolinks(s) == [], (page, s)
        shown += sources
    plain = re.sub(r"\\(.)", r"\1", "\n".join(shown)).replace("\u2060", "")
    for s in (N1, S2, E3, TOPIC):  # the texts are there, as text
        assert s in plain, s


@pytest.mark.browser
@pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")
def test_no_link_from_data_text_in_chromium(server, tmp_path):
    from outputs import site

    site_dir = tmp_path / "site"
    site.build(server.root, site_dir)
    links = "[...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '').filter(h => /evil/i.test(h))"
    pages = ["/?area=N1&quarter=2026Q3", "/incidents?area=S2&quarter=2026Q3", "/community?area=N1&quarter=2026Q3",
             "/feedback?area=N1&quarter=2026Q3", "/trust?area=E3&quarter=2026Q3", "/data", "/town-hall?area=N1&quarter=2026Q3", "/preview"]
    with browser() as b:
        ctx = b.new_context(viewport={"width": 1280, "height": 1000})
        host = server.base.split("//")[1].split(":")[0]
        ctx.add_cookies([{"name": cookies.NAME, "value": cookies.make(server.root, NAME, cookies.LOCAL), "domain": host, "path": "/",
                          "httpOnly": True, "sameSite": "Strict"}])  # signed in, for the analyst preview
        page = ctx.new_page()
        log = RequestLog(page, host)
        for path in pages:
            page.goto(server.base + path)
            page.wait_for_selector('[data-testid="stMain"] h1', timeout=60000)
            if path == "/preview":  # the draft is published into a private folder first; its feedback page shows the topics
                page.get_by_role("heading", name="With the draft").wait_for(timeout=120000)
                page.get_by_role("combobox", name="Page").click()
                page.get_by_role("option", name="Feedback").click()
            if path != "/data":  # (the data page lists files, not these texts)
                page.get_by_text(re.compile(r"evil\.example", re.I)).first.wait_for(timeout=120000)  # the data text is shown…
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120000)
            page.wait_for_timeout(500)
            assert page.evaluate(links) == [], path  # …and none of it is a link
        assert not log.outside
        # the static site: the same texts, no link either
        static = ctx.new_page()
        offline = RequestLog(static, None)
        shown = 0
        for html in sorted(site_dir.glob("*.html")):
            static.goto(html.as_uri())
            shown += "evil.example" in static.inner_text("body").lower()
            assert static.evaluate(links) == [], html
        assert shown and not offline.outside
        ctx.close()
