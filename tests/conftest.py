"""Shared fixtures: where the real exports live."""
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.exists():
        pytest.skip("../shared/realdata is not beside the checkout")
    return REALDATA
