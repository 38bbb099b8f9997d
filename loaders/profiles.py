"""Saved mapping profiles (data/profiles/*.toml): made once in the browser, found again by the file's headers."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import tomli_w

from model.fs import location
from model.errors import InputError
from .mapping import Spec

DIR = "profiles"
MATCH_SHARE = 0.8  # share of the saved headers a new file must have (every column the profile uses must be there)


def _dir(root) -> Path:
    return location(root) / DIR


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", (name or "").casefold()).strip("-")[:60]
    if not s:
        raise InputError("give the profile a name made of letters or digits, e.g. 'acme-rms'.")
    return s


def _norm(h: str) -> str:
    return " ".join(str(h).replace("\ufeff", "").split()).casefold()


def save(root, name: str, spec: dict, headers: list[str], by: str) -> Path:
    """Write a profile (a valid `--profile` file for the CLI too), with the file's headers as its `detect` list."""
    s = slug(name)
    doc = {k: v for k, v in spec.items() if v not in (None, {}, [])}
    # `id` fills the source column: a profile built on a known source keeps its id, a new one is named by the analyst
    doc.update({"id": spec.get("id") or s, "title": spec.get("title") or name, "detect": list(headers)})
    Spec.from_dict(doc)  # the engine must accept it before it is kept
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    head = f"# Mapping profile '{s}', saved by {by or 'an analyst'} on {now} from the upload page.\n" \
           "# detect = the headers of the file it was made for; a new file with the same headers uses it automatically.\n"
    path = _dir(root) / f"{s}.toml"
    if not isinstance(path, Path):  # an object store: one put replaces the object whole
        path.write_text(head + tomli_w.dumps(doc))
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{s}.toml")
    tmp.write_text(head + tomli_w.dumps(doc), encoding="utf-8")
    tmp.replace(path)
    return path


def load(root, name: str) -> Spec:
    return Spec.load(_dir(root) / f"{slug(name)}.toml")


def all_profiles(root) -> list[Spec]:
    d = _dir(root)
    if not d.exists():
        return []
    out = []
    for p in sorted(d.glob("*.toml")):
        try:
            out.append(Spec.load(p))
        except InputError:
            continue  # a broken profile is not offered; the analyst can save it again
    return out


RENAMED = 0.85  # header similarity (loaders.suggest_headers) at which a renamed column counts as found again


def match_score(spec: Spec, headers: list[str]) -> float:
    """The share of the profile's saved headers found in the file, a header renamed since ('IncidentDate' ->
    'Incident Date', 'Offense Desc' -> 'OffenseDesc') counting as found; 0 when a column the profile uses is neither
    there nor found again under a similar header (the mapping engine checks its values when it reads the file)."""
    from .suggest_headers import similarity

    have = {_norm(h) for h in headers}
    saved = {_norm(h) for h in spec.detect}
    spare = [h for h in headers if _norm(h) not in saved]  # headers the saved file did not have: renamed ones are here

    def found(name: str) -> bool:
        return _norm(name) in have or any(similarity(name, h) >= RENAMED for h in spare)

    if not all(found(c) for c in spec.columns_used()):
        return 0.0
    return min(1.0, sum(1 for h in spec.detect if found(h)) / len(saved)) if saved else 0.0


def find(root, headers: list[str], dataset: str) -> Spec | None:
    """The saved profile for this dataset whose headers best match the file's (at least MATCH_SHARE), or None."""
    best = None
    for spec in all_profiles(root):
        if spec.dataset != dataset:
            continue
        sc = match_score(spec, headers)
        if sc >= MATCH_SHARE and (best is None or sc > best[0]):
            best = (sc, spec)
    return best[1] if best else None


def with_assignments(spec: dict, assignments: dict[str, dict[str, str]]) -> dict:
    """A copy of a spec dict with the analyst's value assignments added to its inline crosswalks."""
    out = {**spec, "crosswalks": {f: dict(v) for f, v in (spec.get("crosswalks") or {}).items()}}
    for fname, values in assignments.items():
        out["crosswalks"].setdefault(fname, {}).update({str(k): str(v) for k, v in values.items() if v})
    return out


def spec_text(spec: dict) -> str:
    """The profile as TOML (for a download or the CLI)."""
    return tomli_w.dumps({k: v for k, v in spec.items() if v not in (None, {}, [])})


def parse_text(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"the suggested mapping could not be read ({exc}).") from None
