"""The analysts' pages in Debian's chromium on a freshly started server.

Each analyst URL, requested directly with no session, shows no file uploader, no draft and no audit entry, before
anyone signs in and again while a draft waits and after it is published. A local analyst then signs in through the
form, uploads the real Vancouver export, publishes it, and sees the new release on the public /data page.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from store.versioned import Store
from tests.browser import ARTIFACTS, ROOT, RequestLog, axe_violations, browser, have_chromium, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")]

NAME, PASSWORD = "quinn-analyst", "a long local password 42"
ANALYST_URLS = ("/upload", "/preview", "/releases")
VANCOUVER = "vancouver-vpd-crimedata/crimedata_csv_AllNeighbourhoods_2025.csv"
SHOTS = ARTIFACTS / "analyst"


def _idle(page, timeout: float = 60000) -> None:
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(400)


def _sign_in(page, password: str) -> None:
    """Fill the local-account form and send it."""
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _no_session_sees_nothing(b, base: str, secrets: list[str]) -> None:
    """Each analyst URL in a new browser context (no cookie, no session)."""
    for path in ANALYST_URLS:
        ctx = b.new_context()
        page = ctx.new_page()
        log = RequestLog(page, "127.0.0.1")
        page.goto(base + path)
        _idle(page)
        text = page.inner_text("body")
        assert "Sign in for analysts" in text and "Page not found" not in text, path  # the sign-in form at that address
        assert page.locator('[data-testid="stFileUploader"]').count() == 0, path
        assert page.locator('input[type="file"]').count() == 0, path
        for s in ["Drafts waiting", "Audit log", "With the draft", "Signed in as", NAME, *secrets]:
            assert s not in text, (path, s)
        assert not log.outside
        ctx.close()


def test_analyst_signs_in_uploads_publishes_and_nobody_else_sees_a_thing(demo_copy, realdata):
    data = demo_copy
    r = subprocess.run([sys.executable, "-m", "loaders", "add-user", NAME, "--role", "analyst", "--password-stdin", "--data-dir", str(data)],
                       cwd=ROOT, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    SHOTS.mkdir(parents=True, exist_ok=True)
    src = realdata / VANCOUVER
    with streamlit_server(data) as base, browser() as b:
        _no_session_sees_nothing(b, base, [])

        ctx = b.new_context(viewport={"width": 1280, "height": 1000})
        page = ctx.new_page()
        log = RequestLog(page, "127.0.0.1")
        page.goto(base + "/sign-in")
        _idle(page)
        assert not axe_violations(page), f"sign-in: {axe_violations(page)}"
        _sign_in(page, "not the password at all")
        page.get_by_text("The name or the password is wrong").wait_for(timeout=30000)
        _sign_in(page, PASSWORD)
        page.get_by_role("heading", name="Upload a quarter").wait_for(timeout=60000)
        assert page.url.endswith("/upload")

        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(src))
        page.get_by_text("Recognised as a known export").wait_for(timeout=60000)
        page.get_by_role("button", name="Check the file and make a draft").click()
        page.get_by_text("is staged. It is not public").wait_for(timeout=120000)
        _idle(page)
        page.screenshot(path=str(SHOTS / "upload-report.png"), full_page=True)
        assert not axe_violations(page), f"upload report: {axe_violations(page)}"
        draft = Store(data).list_drafts()
        assert len(draft) == 1 and draft[0] in page.inner_text("body")
        sha = Store(data).draft(draft[0])["sha256"]

        # while the draft waits: a browser with no session finds neither the draft nor the audit log
        _no_session_sees_nothing(b, base, [draft[0], sha])

        page.get_by_role("link", name="Releases").first.click()
        page.get_by_role("heading", name="Drafts waiting").wait_for(timeout=60000)
        _idle(page)
        page.get_by_label("Note for the release history (what this release is)").fill("Vancouver 2025 from the browser")
        page.get_by_role("button", name="Publish", exact=True).click()
        page.get_by_text("Release 2 is published.").wait_for(timeout=120000)
        _idle(page)
        page.screenshot(path=str(SHOTS / "releases.png"), full_page=True)
        assert not axe_violations(page), f"releases: {axe_violations(page)}"
        assert not log.outside

        # the public /data page shows the new release to anyone
        pub = b.new_context().new_page()
        pub.goto(base + "/data")
        pub.wait_for_selector('a[href*="/download/table"]', timeout=60000)
        # the corrections list comes after the downloads: wait for the page's own words, not for the status widget
        # (it shows only once a run has taken a moment, so a busy machine could read the page mid-run)
        pub.get_by_text("Release 2: Q1 2025", exact=False).first.wait_for(timeout=60000)  # Vancouver's 2025 quarters replaced the demo's
        _idle(pub)
        text = pub.inner_text("body")
        assert "Release 2, published" in text  # the header of every public page names the release
        assert "Release 2: Q1 2025" in text  # its corrections
        pub.screenshot(path=str(SHOTS / "data-after-publish.png"), full_page=True)

        _no_session_sees_nothing(b, base, [draft[0], sha])
        ctx.close()

        # a reload (a new session) at /releases asks to sign in there, then shows that page, not /upload
        ctx = b.new_context(viewport={"width": 1280, "height": 1000})
        page = ctx.new_page()
        page.goto(base + "/releases")
        _idle(page)
        page.get_by_text("The Releases page is for analysts. Sign in to continue to it.").wait_for(timeout=30000)
        _sign_in(page, PASSWORD)
        page.get_by_role("heading", name="Publish and history").wait_for(timeout=60000)
        assert page.url.endswith("/releases")
        page.get_by_role("heading", name="Restore an earlier release").wait_for(timeout=30000)  # release 2 is there to restore from
        page.get_by_role("link", name="Upload").wait_for(timeout=30000)  # the analyst navigation is drawn
        ctx.close()
