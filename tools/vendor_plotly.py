"""Vendor plotly.js's official basic bundle (scatter, bar, pie) for the static site, at the version the Python plotly
package bundles, into outputs/assets/vendor/ with its licence.

    python tools/vendor_plotly.py

Run it after upgrading the plotly package (tests/test_site.py fails until the versions match again). It asks the npm
registry for the package plotly.js-basic-dist-min through npm itself (`npm pack`, which checks the tarball's
integrity), unpacks it in a temporary folder and copies plotly-basic.min.js and LICENSE. Nothing is fetched when the
site is built or served: the files are committed.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "outputs" / "assets" / "vendor"
PACKAGE = "plotly.js-basic-dist-min"
FILES = {"plotly-basic.min.js": "plotly-basic.min.js", "LICENSE": "plotly.js-LICENSE"}


def bundled_version() -> str:
    """The plotly.js version of the Python package's own bundle (its first comment says "plotly.js vX.Y.Z")."""
    from plotly.offline import get_plotlyjs

    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", get_plotlyjs()[:300])
    if not found:
        sys.exit("Could not read the plotly.js version of the plotly package; is plotly installed?")
    return found.group(1)


def main() -> None:
    version = bundled_version()
    with tempfile.TemporaryDirectory(prefix="bridges-vendor-") as tmp:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{version}", "--pack-destination", tmp, "--silent"], check=True,
                       stdout=subprocess.DEVNULL)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        VENDOR.mkdir(parents=True, exist_ok=True)
        for src, dst in FILES.items():
            shutil.copyfile(Path(tmp) / "package" / src, VENDOR / dst)
    print(f"Vendored {PACKAGE} {version} into {VENDOR.relative_to(ROOT)}: {', '.join(FILES.values())}")


if __name__ == "__main__":
    main()
