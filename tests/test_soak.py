"""Soak and fault test in CI (issue 14, item 9): bench/soak.py's run for two minutes on a copy of the demo store.

Residents view pages, two signed-in analysts upload the hostile corpus through the upload page's widget over
Streamlit's protocol, the command line publishes, and once a publish and the server are killed with SIGKILL while the
publish writes; the server is started again. Nothing may be lost or torn, health answers within 2 s outside the outage,
and the server still serves at the end. `python bench/soak.py` runs the same for 30 minutes and prints the figures."""
from __future__ import annotations

import pytest

from bench import soak

pytestmark = pytest.mark.slow  # two minutes of soak, plus the corpus and the server's start


def test_two_minutes_of_soak_with_a_kill_in_the_middle_of_a_publish(demo_copy, tmp_path):
    # the kill comes early (a fifth of the run), so a publish and page views follow the restart on a busy machine too
    r = soak.run(demo_copy, minutes=2, kill_at=0.2, work=tmp_path / "soak", say=lambda s: None)
    print(soak.report(r))  # the figures, in the test's output when it fails (or with -s)

    # the kill happened while a publish was writing, and the server came back
    kill = r["kill"]
    assert kill, "the publish was never killed"
    assert kill["new_entry_count"] > 0 and kill["exit"] == -9, kill
    assert r["outage_s"] is not None

    # nothing lost, nothing torn: after the restart and at the end
    assert [c["when"] for c in r["checks"]] == ["after the restart", "at the end"]
    for c in r["checks"]:
        assert c["lost"] == [] and c["torn"] == [] and c["delta_problems"] == [], c
        assert c["current_complete"], c
    assert r["releases_published"] >= 2 and r["releases_after_restart"] >= 1 and not r["publish_failures"], r["publish_failures"]

    # health within 2 s outside the outage, never failing there
    assert r["health_outside_outage"] >= 100
    assert r["health_failed_outside_outage"] == 0
    assert r["longest_health_wait_s"] <= soak.HEALTH_LIMIT, r["slowest_health_answers"]

    # still serving: residents' views before and after the restart, and at the end
    assert r["still_serving"]
    assert r["views_served"] > 0 and r["views_after_restart"] > 0 and not r["view_errors"], r["view_error_samples"]

    # every hostile upload refused, in the sentence it must say; good exports made drafts
    assert r["uploads_refused"] > 0 and r["uploads_unexpected"] == [], r["uploads_unexpected"]
    assert all(outcome in ("refused", "draft") for by in r["uploads_by_file"].values() for outcome in by), r["uploads_by_file"]
