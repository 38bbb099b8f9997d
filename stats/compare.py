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


# Two-sided level of |z| = 2 under a normal law: the exact test below uses the same level.
ALPHA = math.erfc(Z_THRESHOLD / math.sqrt(2))  # 0.0455
EXACT_BELOW = 50  # total count under which the square-root approximation is too rough at 0, 1, 2 …


def exact_p(before: int, after: int) -> float:
    """Two-sided p of the conditional test: given n = before + after, `after` ~ Binomial(n, 1/2) when the rate did not change."""
    n = before + after
    if n == 0:
        return 1.0
    k = min(before, after)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def compare(before: int, after: int) -> Change:
    """z = √2(√after − √before); |z| < 2 is within normal variation (variance-stabilised Poisson, two counts).

    2√X has variance ≈ 1 for a Poisson count X, so the difference of two independent counts has variance 2:
    z = (2√after − 2√before) / √2. (2(√after − √before) without the √2 is the test of one count against a known
    rate; used on two observed counts it calls about one change in six "real" when nothing changed.)
    For small counts (before + after < 50) the judgement comes from the exact conditional binomial test at the same
    level (two-sided p < 0.0455), because the square-root rule still calls 0 → 3 "real" (z = 2.4) when the exact
    test gives p = 0.25. From 50 up both agree except right at the edge, and the z rule is used as it is.
    """
    if before < 0 or after < 0:
        raise ValueError("counts cannot be negative")
    z = math.sqrt(2.0) * (math.sqrt(after) - math.sqrt(before))
    pct = None if before == 0 else (after - before) / before * 100.0
    if before + after < EXACT_BELOW:
        significant = before != after and exact_p(before, after) < ALPHA
    else:
        significant = abs(z) >= Z_THRESHOLD
    return Change(before, after, z, significant, pct)


@dataclass(frozen=True)
class ScoreChange:
    """How a survey score (0–100) moved, judged against the sampling error of both waves."""

    before: float
    after: float
    z: float | None  # None when either wave has no respondent count
    significant: bool

    @property
    def points(self) -> float:
        return self.after - self.before

    @property
    def direction(self) -> str:
        return "up" if self.points > 0 else "down" if self.points < 0 else "unchanged"


def compare_scores(before: float, n_before: int | None, after: float, n_after: int | None) -> ScoreChange:
    """Two-sample z for scores read as a share of 100 (p(1-p)/n each); |z| < 2 is within normal variation.

    Without respondent counts no judgement is possible, so the change is never called significant.
    """
    if not n_before or not n_after:
        return ScoreChange(before, after, None, False)
    p1, p2 = min(max(before / 100.0, 0.0), 1.0), min(max(after / 100.0, 0.0), 1.0)
    var = p1 * (1 - p1) / n_before + p2 * (1 - p2) / n_after
    if var <= 0:
        return ScoreChange(before, after, None, before != after)
    z = (p2 - p1) / math.sqrt(var)
    return ScoreChange(before, after, z, abs(z) >= Z_THRESHOLD)
