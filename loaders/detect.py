"""Recognise which known source family an export comes from, by its headers alone."""
from __future__ import annotations

from model.errors import InputError
from .mapping import Spec, builtin_specs
from .textio import RawTable


def _norm(h: str) -> str:
    return " ".join(h.replace("\ufeff", "").split()).casefold()


def score(spec: Spec, headers: list[str]) -> float:
    """Share of the spec's detection headers found in the file (1.0 = all)."""
    if not spec.detect:
        return 0.0
    have = {_norm(h) for h in headers}
    if spec.detect_only and not have <= {_norm(h) for h in (*spec.detect, *spec.detect_only)}:
        return 0.0
    return sum(_norm(d) in have for d in spec.detect) / len(spec.detect)


def detect(raw: RawTable, dataset: str | None = None) -> Spec | None:
    """The built-in spec whose detection headers all appear (the most specific wins), or None."""
    cands = [(len(s.detect), s) for s in builtin_specs() if score(s, raw.columns) == 1.0]
    if dataset:
        matching = [c for c in cands if c[1].dataset == dataset]
        if cands and not matching:
            other = max(cands, key=lambda c: c[0])[1]
            raise InputError(f"this looks like {'an' if other.dataset[0] in 'aeiou' else 'a'} {other.dataset} export ({other.title}), not {dataset}",
                             file=raw.path.name, cli=f"Choose --dataset {other.dataset}.", browser=f"Choose '{other.dataset}' as the dataset above.")
        cands = matching
    if not cands:
        return None
    return max(cands, key=lambda c: c[0])[1]
