"""Bridges behind nginx over TLS, as docs/deploy.md sets it up, with the config deploy/render_nginx.py renders.

The app (tests.browser.streamlit_server on the demo store, with its static site built) and nginx (a self-signed
certificate, run as this user with its own prefix) start on free loopback ports. Then: every answer carries the
security headers, once; plain HTTP redirects to HTTPS; a page of another origin cannot frame Bridges; every public
page, the town-hall deck, sign-in, an upload, preview and releases work in chromium through the proxy (charts drawn,
the websocket through nginx) with no CSP violation; a body over the upload limit gets 413 from nginx; the static site
is served with its headers; a second nginx whose network rule denies everyone keeps every analyst page shut even to a
right password. Needs nginx and openssl (.ci/run installs them) and chromium.
"""
from __future__ import annotations

import contextlib
import getpass
import http.client
import http.server
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from deploy.render_nginx import render, upload_max_body
from tests.browser import ROOT, RequestLog, browser, free_port, have_chromium, stop, streamlit_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)"),
    pytest.mark.skipif(not Path(NGINX).exists() or not OPENSSL, reason="needs nginx and openssl (.ci/run installs them)"),
]

NAME, PASSWORD = "proxy-analyst", "a long local password 42"
UPLOAD_MB = 1  # the store's own limit ([upload] max_mb), small so the 413 check sends little
PAGES = ("/", "/town-hall", "/sign-in", "/upload", "/_stcore/health")
# every public page (with the charts it draws for Market Square), one in French, and the deck
PUBLIC = [("/?area=MS&quarter=2026Q3", 1), ("/incidents?area=MS&quarter=2026Q3&lang=fr", 6), ("/community?area=MS&quarter=2026Q3", 4),
          ("/feedback?area=MS&quarter=2026Q3", 4), ("/trust?area=MS&quarter=2026Q3", 2), ("/data?area=MS&quarter=2026Q3", 0),
          ("/town-hall?area=MS&quarter=2026Q3", 0)]
# moves the app to another page the way its own links do: no page load, so nginx never sees the path
SPA_TO = "history.pushState({}, '', 'PATH'); window.dispatchEvent(new PopStateEvent('popstate', {state: {}}))"
# records every CSP violation a page reports, from its first script on
CSP_WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || '')));"""


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _nginx_main(prefix: Path, conf_dir: Path) -> Path:
    """A whole nginx.conf around the rendered server blocks of `conf_dir`: every path under `prefix`, run by this user."""
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # as root, workers would otherwise be nobody
    conf = prefix / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log notice;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {conf_dir}/*.conf;
}}
""")
    return conf


@contextlib.contextmanager
def _nginx(folder: Path, app: str, data: Path, cert: Path, key: Path, ca, analysts: str | None = None, site: Path | None = None):
    """nginx in front of `app` with the rendered config (and, given, what the operator wrote in bridges-analysts.conf)
    on free loopback ports; yield (https base URL, http base URL, nginx prefix)."""
    https_port, http_port = free_port(), free_port()
    conf_dir = folder / "conf"
    if analysts is not None:
        (conf_dir / "snippets").mkdir(parents=True)
        (conf_dir / "snippets" / "bridges-analysts.conf").write_text(analysts)  # a new render keeps it
    render(conf_dir, server_name="127.0.0.1", certificate=cert, certificate_key=key, data_dir=data,
           upstream=app.removeprefix("http://"), https_listen=f"127.0.0.1:{https_port}", http_listen=f"127.0.0.1:{http_port}",
           site_root=site, site_server_name="localhost" if site else None)
    prefix = folder / "nginx"
    main = _nginx_main(prefix, conf_dir)
    t = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(main)], capture_output=True, text=True, timeout=30)
    assert t.returncode == 0, t.stderr
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(main), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=open(prefix / "logs" / "stderr.log", "w"))
    base = f"https://127.0.0.1:{https_port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                if urllib.request.urlopen(base + "/_stcore/health", context=ca, timeout=2).read().strip() == b"ok":
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.time() < deadline, (prefix / "logs" / "stderr.log").read_text()
            time.sleep(0.2)
        yield base, f"http://127.0.0.1:{http_port}", prefix
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def proxy(demo_store, tmp_path_factory):
    """The app and nginx running: the app at https://127.0.0.1:PORT, the static site at https://localhost:PORT (one
    port, two server names, as in production). Yields base, plain (the HTTP port), ca, data, prefix, and what a second
    nginx needs (app, cert, key, tmp)."""
    tmp = tmp_path_factory.mktemp("proxy")
    data = Path(shutil.copytree(demo_store, tmp / "store"))  # the session's demo, copied: this store gets a user and settings
    # the app's own upload limit, and nginx on this machine as the proxy whose X-Forwarded-For and -Proto it believes
    (data / "analyst.toml").write_text(f'[upload]\nmax_mb = {UPLOAD_MB}\n\n[signin]\ntrusted_proxies = ["127.0.0.1"]\n')
    r = subprocess.run([sys.executable, "-m", "bridges", "add-user", NAME, "--role", "analyst", "--password-stdin", "--data-dir", str(data)],
                       cwd=ROOT, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "bridges", "site", str(tmp / "site"), "--data-dir", str(data)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    cert, key = _certificate(tmp)
    ca = ssl.create_default_context(cafile=str(cert))  # the test trusts its own certificate, nothing else
    # the app accepts its websocket only for the name the proxy serves (docs/deploy.md); nginx passes that Host on
    with streamlit_server(data, env={"STREAMLIT_SERVER_ALLOWED_HOSTS": "127.0.0.1"}) as app, \
            _nginx(tmp / "main", app, data, cert, key, ca, site=tmp / "site") as (base, plain, prefix):
        yield SimpleNamespace(base=base, plain=plain, ca=ca, data=data, prefix=prefix, app=app, cert=cert, key=key, tmp=tmp)


def _get(url: str, ca) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, context=ca, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}


def test_every_answer_carries_the_security_headers(proxy):
    base, ca = proxy.base, proxy.ca
    for path in [*PAGES, "/_stcore/agent/openapi.json"]:
        status, h = _get(base + path, ca)
        assert status == (404 if "agent" in path else 200), path
        csp = h.get("content-security-policy", "")
        for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "connect-src 'self'"):
            assert directive in csp, (path, directive, csp)
        script_src = csp.split("script-src ")[1].split(";")[0]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src and "'sha256-" in script_src, (path, csp)
        assert h.get("x-frame-options") == "DENY", path
        assert h.get("x-content-type-options") == "nosniff", path
        assert h.get("referrer-policy") == "same-origin", path
        assert h.get("strict-transport-security", "").startswith("max-age="), path
        assert "nginx/" not in h.get("server", ""), path  # no version for a scanner to look up
    # where the app sets its own Referrer-Policy (app.py's sign-in redirect), that one goes out, and only once
    c = http.client.HTTPSConnection(base.removeprefix("https://"), context=ca, timeout=10)
    c.request("GET", "/auth/local/complete?token=not-a-token")
    r = c.getresponse()
    assert r.status == 303 and r.msg.get_all("Referrer-Policy") == ["no-referrer"], (r.status, r.msg.get_all("Referrer-Policy"))
    assert len(r.msg.get_all("Content-Security-Policy")) == 1 and len(r.msg.get_all("X-Frame-Options")) == 1
    c.close()
    cookie = _get(base + "/_stcore/health", ca)[1].get("set-cookie", "")
    assert cookie.startswith("_streamlit_xsrf=") and "; Secure" in cookie, cookie  # Streamlit's cookie, HTTPS only


def test_plain_http_redirects_to_https(proxy):
    base, plain = proxy.base, proxy.plain
    c = http.client.HTTPConnection(plain.removeprefix("http://"), timeout=10)
    c.request("GET", "/town-hall?area=MS")
    r = c.getresponse()
    assert r.status == 301 and r.getheader("Location") == base + "/town-hall?area=MS"
    c.close()


def _send(base: str, ca, method: str, path: str, length: int, body: bytes | None = None) -> tuple[int, str]:
    """The status and text answered to a request declaring a body of `length` bytes (sent only when given)."""
    host = base.removeprefix("https://")
    c = http.client.HTTPSConnection(host, context=ca, timeout=30)
    c.putrequest(method, path)
    c.putheader("Content-Type", "multipart/form-data; boundary=x")
    c.putheader("Content-Length", str(length))
    c.endheaders()
    if body is not None:
        c.send(body)
    r = c.getresponse()
    out = r.status, r.read().decode("utf-8", "replace")
    c.close()
    return out


def test_a_body_over_the_upload_limit_gets_413_from_nginx(proxy):
    base, ca, data, prefix = proxy.base, proxy.ca, proxy.data, proxy.prefix
    limit = upload_max_body(data)
    assert limit == UPLOAD_MB * 1048576 + 64 * 1024  # the store's own limit, plus room for the multipart headers
    path = "/_stcore/upload_file/some-session/some-file"
    status, text = _send(base, ca, "PUT", path, limit + 1)
    assert status == 413 and "nginx" in text  # nginx's own page, sent before a byte of the body is read
    assert _send(base, ca, "POST", "/", 2 * 1048576)[0] == 413  # nothing else takes a body above 1 MB
    # a body within the limit passes nginx on to the app, which refuses it (no analyst cookie) without reading it: a 403,
    # or, when it closes the connection before nginx has sent the whole body, a 502
    status, _ = _send(base, ca, "PUT", path, limit, b"x" * limit)
    errors = (prefix / "logs" / "error.log").read_text()
    assert status != 413 and f"too large body: {limit + 1} bytes" in errors and f"too large body: {limit} bytes" not in errors


def _violations(page, console: list[str]) -> list[str]:
    return page.evaluate("window.__csp || []") + [m for m in console if "Content Security Policy" in m]


def _watched(ctx):
    """A page that records CSP violations, console messages, websockets and any request to another host."""
    page = ctx.new_page()
    console: list[str] = []
    sockets: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    log = RequestLog(page, "127.0.0.1")
    return page, console, sockets, log


def _until(page, js: str, timeout: float = 60.0) -> None:
    """Wait until `js` is true. Playwright's wait_for_function evaluates its predicate with eval(), which this very CSP
    refuses; page.evaluate goes through the DevTools protocol, which CSP does not govern."""
    deadline = time.time() + timeout
    while not page.evaluate(js):
        assert time.time() < deadline, f"timed out waiting for {js}"
        page.wait_for_timeout(250)


def _charts(page, n: int) -> None:
    _until(page, f"document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= {n}")


def _idle(page) -> None:
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60000)
    _until(page, "!document.querySelector('[data-testid=\"stStatusWidget\"]')")
    page.wait_for_timeout(500)


def test_pages_deck_and_sign_in_work_through_the_proxy_with_no_csp_violation(proxy, tmp_path):
    base = proxy.base
    with browser() as b:
        ctx = b.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
        ctx.add_init_script(CSP_WATCH)
        for path, charts in PUBLIC:
            page, console, sockets, log = _watched(ctx)
            page.goto(base + path)
            if path.startswith("/data"):
                page.wait_for_selector('a[href*="/download/table"]', timeout=60000)
            elif charts:
                _charts(page, charts)
            else:  # the deck: its own key script ran, and arrow keys move on (over the websocket) to a chart
                _until(page, "document.querySelectorAll('.st-key-bridges-keys button').length === 5")
                assert page.evaluate("window.__bridgesDeckKeys === true")
                for _ in range(6):
                    if page.locator('.st-key-bridges-slide .main-svg').count():
                        break
                    page.keyboard.press("ArrowRight")
                    page.wait_for_timeout(1500)
                _charts(page, 1)
            _idle(page)
            assert sockets and all(s.startswith("wss://127.0.0.1:") and s.endswith("/_stcore/stream") for s in sockets), sockets
            assert not _violations(page, console), "\n".join([path, *_violations(page, console)])
            assert not log.outside, log.outside
            page.close()

        # the sign-in form, a wrong then the right password, and a file uploaded through nginx
        page, console, sockets, log = _watched(ctx)
        page.goto(base + "/sign-in")
        _idle(page)
        page.get_by_label("Name").fill(NAME)
        page.get_by_label("Password", exact=True).fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("The name or the password is wrong").wait_for(timeout=30000)
        page.get_by_label("Name").fill(NAME)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Upload a quarter").wait_for(timeout=60000)
        small = tmp_path / "engagement.csv"
        small.write_text("date,type,title,area,attendees\n2026-07-02,town_hall,Spring town hall,MS,40\n")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(small))
        page.get_by_text("engagement.csv is not a known export").wait_for(timeout=60000)  # the app read the bytes
        _idle(page)
        big = tmp_path / "big.csv"
        big.write_bytes(b"date,type,title,area,attendees\n" + b"2026-07-02,town_hall,Spring town hall,MS,40\n" * 40000)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(big))
        # the upload widget refuses a file over the app's limit before sending it (nginx's 413 is for anything else)
        page.get_by_text(f"File must be {UPLOAD_MB:.1f}MB or smaller").wait_for(timeout=30000)
        # the other analyst pages, through the app's own navigation
        for link, title in (("Preview", "Preview"), ("Releases", "Publish and history")):
            page.get_by_role("link", name=link).first.click()
            page.get_by_role("heading", name=title).wait_for(timeout=60000)
            _idle(page)
        assert not _violations(page, console), "\n".join(_violations(page, console))
        assert not log.outside, log.outside
        ctx.close()


def test_the_static_site_is_the_front_door(proxy):
    """nginx serves the snapshot itself: its headers, the open-data files as text/csv, no dot-file, and a page that
    draws its charts in chromium with no CSP violation (the page's own <meta> policy and nginx's both apply)."""
    base, plain, ca = proxy.base, proxy.plain, proxy.ca
    site = base.replace("127.0.0.1", "localhost")
    for path in ("/", "/area-MS.html", "/downloads/incidents.csv"):
        status, h = _get(site + path, ca)
        assert status == 200, path
        assert "frame-ancestors 'none'" in h.get("content-security-policy", ""), path
        assert h.get("x-content-type-options") == "nosniff" and h.get("x-frame-options") == "DENY", path
        assert h.get("referrer-policy") == "same-origin" and "max-age=" in h.get("cache-control", ""), path
    assert _get(site + "/downloads/incidents.csv", ca)[1]["content-type"] == "text/csv; charset=utf-8"
    assert _get(site + "/.bridges-site", ca)[0] == 404
    assert _get(site + "/area-MS", ca)[0] == 200  # links without .html work too
    c = http.client.HTTPConnection(plain.removeprefix("http://"), timeout=10)
    c.request("GET", "/data.html", headers={"Host": "localhost"})
    r = c.getresponse()
    assert r.status == 301 and r.getheader("Location") == site + "/data.html"
    c.close()
    with browser() as b:
        ctx = b.new_context(ignore_https_errors=True)
        ctx.add_init_script(CSP_WATCH)
        page = ctx.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        log = RequestLog(page, "localhost")
        page.goto(site + "/area-MS.html")
        for i in range(3):  # the site draws a chart as it comes near the screen (outputs/assets/site.js)
            page.locator("figure.chart .plot").nth(i).scroll_into_view_if_needed()
        _until(page, "document.querySelectorAll('.plotly-graph-div .main-svg').length >= 3")
        page.wait_for_timeout(500)
        assert not _violations(page, console), "\n".join(_violations(page, console))
        assert not log.outside, log.outside
        ctx.close()


def test_the_network_rule_keeps_analysts_work_inside(proxy):
    """bridges-analysts.conf filled with `deny all;` (everyone is outside): the analyst pages by address, the sign-in
    routes and uploads answer 403. The app's own navigation still shows the sign-in form (one websocket serves every
    page), but a right password leads to the cookie route, which is refused, so no analyst page ever opens."""
    with _nginx(proxy.tmp / "outside", proxy.app, proxy.data, proxy.cert, proxy.key, proxy.ca, analysts="deny all;\n") as (base, _, _):
        for path in ("/sign-in", "/upload", "/releases/", "/upload/x", "/auth/local/complete?token=x", "/auth/login", "/oauth2callback"):
            assert _get(base + path, proxy.ca)[0] == 403, path
        assert _send(base, proxy.ca, "PUT", "/_stcore/upload_file/s/f", 5, b"x,y\n1")[0] == 403
        for path in ("/", "/town-hall", "/_stcore/health"):
            assert _get(base + path, proxy.ca)[0] == 200, path
        with browser() as b:
            page = b.new_context(ignore_https_errors=True).new_page()
            page.goto(base + "/?area=MS")
            _idle(page)
            page.evaluate(SPA_TO.replace("PATH", "/sign-in"))
            page.get_by_label("Name").fill(NAME)  # the form, reached without loading /sign-in
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/auth/local/complete?**", timeout=30000)
            assert "403 Forbidden" in page.content()
            page.goto(base + "/?area=MS")
            _idle(page)
            page.evaluate(SPA_TO.replace("PATH", "/upload"))
            page.get_by_role("heading", name="Sign in for analysts").wait_for(timeout=30000)
            assert page.locator('input[type="file"]').count() == 0 and "Upload a quarter" not in page.inner_text("body")


@contextlib.contextmanager
def _framer(html: str):
    """Another origin on this machine (http://localhost:PORT) serving one page; yield its URL."""
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_cannot_frame_bridges(proxy):
    """A page of another origin frames /releases: chromium refuses it, naming the CSP directive. A control frame of
    the same page with those two headers taken out does render, so the refusal is the headers' doing."""
    base = proxy.base
    control = f"{base}/releases?control=1"

    def without_frame_headers(route):
        r = route.fetch()
        drop = {"content-security-policy", "x-frame-options"}
        route.fulfill(response=r, headers={k: v for k, v in r.headers.items() if k.lower() not in drop})

    html = (f'<!DOCTYPE html><title>framer</title><iframe name="bridges" src="{base}/releases"></iframe>'
            f'<iframe name="control" src="{control}"></iframe>')
    with _framer(html) as framer, browser() as b:
        ctx = b.new_context(ignore_https_errors=True)
        page = ctx.new_page()
        logged: list[str] = []
        page.on("console", lambda m: logged.append(m.text))
        page.route(control, without_frame_headers)
        page.goto(framer)
        page.frame(name="control").wait_for_selector('[data-testid="stApp"]', timeout=60000)
        deadline = time.time() + 15
        while not any("frame-ancestors 'none'" in m for m in logged) and time.time() < deadline:
            page.wait_for_timeout(250)
        assert page.frame(name="bridges").url.startswith("chrome-error://"), page.frame(name="bridges").url
        assert any(f"Framing '{base}/" in m and "frame-ancestors 'none'" in m for m in logged), sorted(set(logged))
        ctx.close()
