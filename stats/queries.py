"""Small aggregates over a release, computed by DuckDB (never whole tables to a page)."""
from __future__ import annotations

import pandas as pd

from .read import Release


def _where(area: str | None, extra: str = "") -> tuple[str, list]:
    clauses, params = [], []
    if area:
        clauses.append("area = ?")
        params.append(area)
    if extra:
        clauses.append(extra)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


ALL_AREAS = "__all__"


def incidents_by_quarter(rel: Release, area: str | None = None) -> pd.DataFrame:
    """Incident counts by quarter and category from the suppressed cube (columns: quarter, category, n, suppressed)."""
    return rel.query("SELECT quarter, category, n, suppressed FROM incident_counts WHERE area = ? ORDER BY quarter, category", [area or ALL_AREAS])


def quarters(rel: Release) -> list[str]:
    """Every quarter with incidents, oldest first."""
    return rel.query("SELECT DISTINCT quarter FROM incidents ORDER BY quarter")["quarter"].tolist()


def areas(rel: Release) -> pd.DataFrame:
    """Areas with names and population (no geometry)."""
    return rel.query("SELECT area_id, name, population, population_source, population_year FROM areas ORDER BY name")
