"""An upload worker never runs the parent's main script again: Streamlit installs the running page script as __main__,
and a fork-server child would otherwise run it as __mp_main__ before confining itself (store.worker._Popen)."""
from __future__ import annotations

import sys
import types

from store import worker


def test_a_worker_does_not_run_the_script_the_server_runs(tmp_path, monkeypatch):
    ran = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(ran)!r}, 'w').write('the page script ran in the worker')\n", encoding="utf-8")
    page = types.ModuleType("__main__")  # what Streamlit's script runner puts in sys.modules while a page runs
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    assert worker.run(tmp_path, "os.path:basename", "/exports/q3.csv") == "q3.csv"
    assert not ran.exists(), ran.read_text()
