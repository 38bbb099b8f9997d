"""What every analyst page shares: the role check, the analyst navigation, and errors turned into sentences."""
from __future__ import annotations

import traceback
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from model.errors import BROWSER, InputError
from store.versioned import Store, StoreBusy, default_data_dir

from ui.analyst import auth
from ui.render import md_escape

LOG = Path("logs") / "analyst-errors.log"


def store() -> Store:
    return Store(default_data_dir())


def start(page: str) -> auth.User:
    """Check the role (the page itself does, whatever the entry script did), then draw the analyst navigation."""
    user = auth.require_analyst()
    with st.container(horizontal=True, key="analyst-nav", gap="small", vertical_alignment="center"):
        for path, title, url in auth.ANALYST_PAGES:
            if url == page:
                st.markdown(f"**{title}**", width="content")
            else:
                _link(path, title)
        _link("public_pages/overview.py", "Public pages")
        st.markdown(md_escape(f"Signed in as {user.name} ({user.role}, {user.via})"), width="content")
        if st.button("Sign out", key="analyst_sign_out"):
            auth.sign_out(user)
    return user


def _link(path: str, label: str) -> None:
    try:
        st.page_link(path, label=label)
    except Exception:  # the page is not in this run's navigation (e.g. a page script run on its own)
        pass


def demo_warning(store: Store, draft_ids: list[str]) -> None:
    """Warn before real data is published on top of the fictional demo (the public pages would mix the two)."""
    from demo import build as demo

    sources = demo.demo_sources()
    if not draft_ids or all(store.draft(d).get("source") in sources for d in draft_ids):
        return
    rows = demo.demo_rows(store)
    if not rows:
        return
    what = ", ".join(f"{n:,} {name}" for name, n in rows.items())
    st.warning(md_escape(f"The release published now holds the fictional Riverton demo ({what} rows). Publishing these drafts would "
                         "mix your figures with made-up ones on the public pages. For a real service, start from an empty data "
                         "folder: stop the server, set BRIDGES_DATA_DIR to a new folder and start it again (the demo is only built "
                         "in this checkout's own data/ folder). Publish here only to try Bridges out."))


def say(exc: BaseException) -> str:
    """The sentence an analyst reads for an error: an InputError worded for the browser (where it happened, what
    happened, and what to do on these pages, never a command-line flag)."""
    if isinstance(exc, InputError):
        return " ".join(exc.sentence(BROWSER).split())
    if isinstance(exc, StoreBusy):
        return "Another analyst is publishing right now, so nothing was changed. Try again in a minute."
    return ""


def guarded(body, *args, **kwargs) -> None:
    """Run a page body; an InputError or a busy store becomes a sentence, anything else a sentence plus a log line, never a traceback."""
    try:
        body(*args, **kwargs)
    except ScriptControlException:
        raise
    except (InputError, StoreBusy) as exc:
        st.error(md_escape(say(exc)))
    except Exception as exc:  # noqa: BLE001 - the analyst gets a sentence; the developers get the traceback in the log
        from store import logs

        try:  # owner-only, appended, never through a symlink planted at logs/ or at the file
            logs.append(store().root, LOG.name, traceback.format_exc())
        except OSError:
            pass
        st.error(md_escape(f"Something unexpected went wrong ({type(exc).__name__}). Nothing was published. "
                           f"The details for the developers are in {LOG} in the data folder."))
