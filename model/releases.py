"""Where a store keeps its published releases, read only: the data folder, the release manifests and their public folders."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from model.errors import InputError
from model.fs import ObjectPath, location

RELEASE_RE = re.compile(r"^(\d{6})\.json$")
# A data folder may serve other providers beside its own (the demo's campus): each is a store of its own in
# providers/<id>/, with its own releases, privacy settings and provider.toml; nothing is shared between them.
PROVIDERS_DIR = "providers"
PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def default_data_dir() -> Path | ObjectPath:
    """The store's location: $BRIDGES_DATA_DIR (a folder, or s3://bucket/prefix for a store several servers share),
    else the checkout's own data/."""
    return location(os.environ.get("BRIDGES_DATA_DIR") or Path(__file__).resolve().parent.parent / "data")


def providers(root: str | Path) -> list[str]:
    """The other providers a data folder serves, by id (their folder's name): each one a store with a release."""
    folder = location(root) / PROVIDERS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if PROVIDER_ID.match(p.name) and Published(p).current() is not None)


def provider_root(root: str | Path | ObjectPath, provider: str | None) -> Path | ObjectPath:
    """The store of one provider the data folder serves; the folder's own store for None or an id it does not serve."""
    if provider and PROVIDER_ID.match(provider) and provider in providers(root):
        return location(root) / PROVIDERS_DIR / provider
    return location(root)


class Published:
    """The published side of a store: release manifests (releases/NNNNNN.json) and their public files, read only."""

    def __init__(self, root: str | Path | ObjectPath):
        self.root = location(root)

    @property
    def releases_dir(self) -> Path:
        return self.root / "releases"

    def releases(self) -> list[dict]:
        """Every release manifest, oldest first."""
        if not self.releases_dir.exists():
            return []
        out = []
        for p in sorted(self.releases_dir.iterdir()):
            if RELEASE_RE.match(p.name):
                out.append(json.loads(p.read_text(encoding="utf-8")))
        return out

    def current(self) -> dict | None:
        """The newest release manifest, or None for an empty store."""
        if not self.releases_dir.exists():
            return None
        names = sorted(p.name for p in self.releases_dir.iterdir() if RELEASE_RE.match(p.name))
        if not names:
            return None
        return json.loads((self.releases_dir / names[-1]).read_text(encoding="utf-8"))

    def release(self, version: int) -> dict:
        """The manifest of release `version`; an input error naming the releases there are when it does not exist."""
        p = self.releases_dir / f"{int(version):06d}.json"
        if not p.exists():
            have = [r["version"] for r in self.releases()]
            raise InputError(f"there is no release {version}. Releases: {', '.join(map(str, have)) or 'none yet'}.")
        return json.loads(p.read_text(encoding="utf-8"))

    def public_folder(self, manifest: dict) -> Path | ObjectPath | None:
        """The folder of a release's public Parquet files (None for a release that has none)."""
        rel = manifest.get("public")
        return self.root / rel if rel else None
