"""Rates per 1,000 residents (or per 1,000 of a client site's other denominator: visitors, employees, units), refused where
the denominator is unknown or too small to give a fair rate."""
from __future__ import annotations

import math
from dataclasses import dataclass

PER = 1000
# Below this many residents a rate per 1,000 swings wildly (one incident among 40 residents is "25 per 1,000")
# and mostly counts visitors, workers or passers-by: no rate is shown, and the page says why.
MIN_POPULATION = 100


@dataclass(frozen=True)
class Rate:
    """A rate per 1,000 residents, or None with the reason ('no_population', 'small_population', 'no_count', and for a
    client site 'no_denominator'). unit: what the denominator counts, None for residents ('visitors', 'employees' ...)."""

    value: float | None
    reason: str | None = None
    population: int | None = None
    unit: str | None = None


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return True


def rate_per_1000(count, population, min_population: int = MIN_POPULATION, unit: str | None = None) -> Rate:
    """count per 1,000 residents (or per 1,000 `unit`); None where the population is missing, zero or below `min_population`."""
    if _missing(population) or int(population) <= 0:
        return Rate(None, "no_population", None, unit)
    pop = int(population)
    if pop < min_population:
        return Rate(None, "small_population", pop, unit)
    if _missing(count):
        return Rate(None, "no_count", pop, unit)
    return Rate(float(count) * PER / pop, None, pop, unit)
