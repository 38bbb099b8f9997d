"""Servers for tests and benchmarks: a free local port, `streamlit run` started and waited for until /_stcore/health answers, stopped, and its memory.

Shared by tests/ (tests.browser, test_hardening_web, the soak test) and bench/ (load.py, lighthouse.py, soak.py, which put the
checkout on sys.path and import it as tests.servers). It imports nothing of Bridges, so either side can use it."""
from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"  # the Bridges server: dashboard.py's pages behind the upload gate and the cookie routes
HEALTH = "/_stcore/health"
XSRF = "_streamlit_xsrf"  # the cookie that carries Streamlit's xsrf token (sent again as a websocket subprotocol)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(base: str, timeout: float = 2.0) -> tuple[bool, float]:
    """(answered ok, seconds it took) for one GET of the server's health endpoint."""
    t0 = time.monotonic()
    try:
        ok = urllib.request.urlopen(base + HEALTH, timeout=timeout).read().strip() == b"ok"
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, or cut off mid-answer by a kill
        ok = False
    return ok, time.monotonic() - t0


def wait_for(url: str, proc: subprocess.Popen | None = None, timeout: float = 90.0, expect: bytes | None = None,
             log: Path | None = None) -> None:
    """Poll `url` until it answers (with `expect` as its body, when given); RuntimeError, with the end of `log`, when the
    process ends first or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while True:
        try:
            body = urllib.request.urlopen(url, timeout=2).read()
            if expect is None or body.strip() == expect:
                return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.time() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"the server did not answer {url}" + (f" ({log}): {tail}" if log else ""))
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    """End a server started for a test or a benchmark: politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss(pid: int) -> int:
    """Resident memory of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Server:
    """A running `streamlit run`: its base URL, process, log file and the data folder it serves (None for another script)."""

    base: str
    proc: subprocess.Popen
    log: Path
    root: Path | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mb(self) -> float:
        return rss(self.pid) / 2**20


def start(script: Path = APP, data_dir: Path | None = None, env: dict | None = None, args: tuple = (), log_dir: Path | None = None,
          port: int | None = None, timeout: float = 90.0) -> Server:
    """`streamlit run script` on a free (or the given) local port, from the checkout so .streamlit/config.toml applies, with
    $BRIDGES_DATA_DIR set to `data_dir`; returns once /_stcore/health answers ok. Its output goes to a log in `log_dir`
    (default: beside the data folder, else the temporary folder). The caller stops it (stop(server.proc))."""
    port = port or free_port()
    folder = Path(log_dir or (Path(data_dir).parent if data_dir else Path(os.environ.get("TMPDIR", "/tmp"))))
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"streamlit-{Path(script).stem}-{port}.log"
    # no warmer preparing every view of the release (ui/public/warm.py) beside a test's server, unless the test asks for one
    full_env = {"BRIDGES_WARM_VIEWS": "0", **os.environ, **({"BRIDGES_DATA_DIR": str(data_dir)} if data_dir else {}), **(env or {})}
    with open(log_path, "a") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address", "127.0.0.1",
                                 "--server.headless", "true", "--browser.gatherUsageStats", "false", *args],
                                cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + HEALTH, proc, timeout, expect=b"ok", log=log_path)
    except BaseException:
        stop(proc)
        raise
    return Server(base, proc, log_path, Path(data_dir) if data_dir else None)


@contextlib.contextmanager
def streamlit(script: Path = APP, data_dir: Path | None = None, **kw):
    """start(...) as a context: yields the Server and stops it at the end."""
    server = start(script, data_dir, **kw)
    try:
        yield server
    finally:
        stop(server.proc)


# ---------------------------------------------------------------- a browser tab on Streamlit's protocol, signing in


class TabState:
    """What a browser tab keeps from the server's ForwardMsgs: its session id, the redirect a page asked for (the cookie
    route after a sign-in) and the widgets' ids by their key. A subclass sends the runs: `run(page, widget_states)`."""

    def __init__(self):
        self.session: str | None = None
        self.redirect: str | None = None
        self.widgets: dict[str, str] = {}

    def note(self, fwd) -> tuple[str, object] | None:
        """Keep what one ForwardMsg says about the tab; (element type, its proto) when it draws an element, else None."""
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            self.session = fwd.new_session.initialize.session_id
        elif kind == "auth_redirect":
            self.redirect = fwd.auth_redirect.url
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            el = fwd.delta.new_element
            what = el.WhichOneof("type")
            proto = getattr(el, what)
            if getattr(proto, "id", ""):
                self.widgets[proto.id.rsplit("-", 1)[-1]] = proto.id
            return what, proto
        return None

    async def sign_in(self, page: str, name: str, password: str):
        """Open `page`, fill its local-account form and send it; what the second run drew (on success `redirect` then
        holds the cookie route: see cookie_from)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        await self.run(page)
        states = [WidgetState(id=self.widgets["signin_name"], string_value=name),
                  WidgetState(id=self.widgets["signin_password"], string_value=password),
                  WidgetState(id=self.widgets["Sign in"], trigger_value=True)]
        return await self.run(page, states)


def cookie_from(base: str, redirect: str, cookie: str, timeout: float = 5.0):
    """Follow a page's redirect to the cookie route, as the browser does; the response and the value of the cookie named
    `cookie` it sets (None if it set none)."""
    import httpx

    with httpx.Client(timeout=timeout) as c:
        r = c.get(base + redirect, follow_redirects=False)
    return r, r.cookies.get(cookie)
