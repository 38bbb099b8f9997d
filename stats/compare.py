"""Honest comparison of two counts: a Poisson test in plain words, never a bare percentage."""
from __future__ import annotations

import math
from dataclasses import dataclass

Z_THRESHOLD = 2.0


@dataclass(frozen=True)
class Change:
    """How a count moved from `before` to `after`, and whether that is more than normal variation."""

    before: int
    after: int
    z: float
    significant: bool
    pct: float | None  # None when before is 0

    @property
    def direction(self) -> str:
        return "up" if self.after > self.before else "down" if self.after < self.before else "unchanged"


def compare(before: int, after: int) -> Change:
    """z = 2(√after − √before); |z| < 2 is within normal variation (variance-stabilised Poisson)."""
    if before < 0 or after < 0:
        raise ValueError("counts cannot be negative")
    z = 2.0 * (math.sqrt(after) - math.sqrt(before))
    pct = None if before == 0 else (after - before) / before * 100.0
    return Change(before, after, z, abs(z) >= Z_THRESHOLD, pct)
