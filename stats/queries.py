"""Small aggregates over a release, computed by DuckDB over its public tables (never whole tables to a page).

Every function takes the release first and only hashable arguments after it, so a cache can key on
(function, store, release version, arguments) without hashing any frame. Results are small: tens to a
few hundred rows.
"""
from __future__ import annotations

import pandas as pd

from model.public import ALL_AREAS, UNKNOWN_AREA  # noqa: F401 (pages and views read them from here)
from model.schema import CRIME, SERVICE  # noqa: F401 (views read them from here)

from .read import Release
from .schemes import split

RESOLVED = ("resolved", "closed")
OPEN = ("open", "in_progress")


def _area_clause(area: str | None, col: str = "area", table: str | None = None) -> tuple[str, list]:
    """The filter for one area: a main area by its id; an area of another scheme (a key such as `district:7`, stats.schemes)
    by its children in the main scheme, and for incidents also by their `district` when the scheme is the districts."""
    if not area:
        return "", []
    scheme, aid = split(area)
    if scheme is None:
        return f" AND {col} = ?", [aid]
    sql, params = f" AND ({col} IN (SELECT area_id FROM areas WHERE scheme IS NULL AND parent = ?)", [aid]
    if table == "incidents" and scheme == "district":
        sql, params = sql + " OR district = ?", [*params, aid]
    return sql + ")", params


# Incidents of one kind: every crime figure (totals, trends, rates, map, time of day, status, comparisons) counts
# `crime` rows only, so a call for service never reaches a crime figure. A release published before incidents had a
# kind reads it as empty (stats.read), and held crimes only.
KIND = " AND coalesce(kind, 'crime') = ?"


# ---------------------------------------------------------------- reference


def areas(rel: Release) -> pd.DataFrame:
    """Areas with names, population and a client site's other denominator (no geometry), ordered by name (a release
    published before the denominator fields reads them as empty: stats.read)."""
    return rel.query("SELECT area_id, name, population, population_source, population_year, denominator, denominator_unit, "
                     "denominator_source FROM areas WHERE scheme IS NULL ORDER BY name, area_id")  # the main scheme (others: stats.schemes)


def area_shapes(rel: Release) -> pd.DataFrame:
    """area_id and boundary (GeoJSON text) of every area that has one."""
    if "geometry" not in rel.sources["areas"].schema.names:
        return pd.DataFrame({"area_id": [], "geometry": []})
    return rel.query("SELECT area_id, geometry FROM areas WHERE geometry IS NOT NULL ORDER BY area_id")


def quarters(rel: Release) -> list[str]:
    """Every quarter with incidents of any kind, oldest first (a quarter that has only service calls counts no crime, which is
    zero crimes, not a quarter without data)."""
    return rel.query("SELECT DISTINCT quarter FROM incident_counts WHERE quarter IS NOT NULL ORDER BY quarter")["quarter"].tolist()


def all_quarters(rel: Release) -> list[str]:
    """Every quarter any public dataset covers, oldest first."""
    sql = " UNION ".join(f"SELECT DISTINCT quarter FROM {t}" for t in ("incident_counts", "engagement", "feedback", "survey"))
    df = rel.query(f"SELECT quarter FROM ({sql}) WHERE quarter IS NOT NULL ORDER BY quarter")
    return df["quarter"].tolist()


def _has_col(rel: Release, table: str, col: str) -> bool:
    return col in rel.sources[table].schema.names


def data_as_of(rel: Release) -> pd.Timestamp | None:
    """The latest date any public dataset holds (incidents, events, concerns)."""
    parts = []
    for table, col in (("incidents", "occurred_at"), ("engagement", "date"), ("feedback", "received_at"), ("feedback", "resolved_at")):
        if _has_col(rel, table, col):
            parts.append(f"SELECT max({col})::TIMESTAMP AS d FROM {table}")
    if not parts:
        return None
    d = rel.query("SELECT max(d) AS d FROM (" + " UNION ALL ".join(parts) + ")")["d"].iloc[0]
    return None if pd.isna(d) else pd.Timestamp(d)


# ---------------------------------------------------------------- incidents


def incidents_by_quarter(rel: Release, area: str | None = None, kind: str = CRIME) -> pd.DataFrame:
    """Counts of one kind (crime by default) by quarter and group from the suppressed cube (quarter, category, n, suppressed);
    `area` may name an area of another scheme (`district:7`), whose counts the cube holds too."""
    scheme, aid = split(area)
    return rel.query(f"SELECT quarter, category, n, suppressed FROM incident_counts WHERE area = ? AND scheme {'= ?' if scheme else 'IS NULL'}{KIND} "
                     "ORDER BY quarter, category", [aid or ALL_AREAS, *([scheme] if scheme else []), kind])


def counted_schemes(rel: Release) -> frozenset:
    """The schemes incident_counts publishes counts at (None: the main areas); a survey's sectors, say, are not among them."""
    df = rel.query("SELECT DISTINCT scheme FROM incident_counts")
    return frozenset(s if isinstance(s, str) else None for s in df["scheme"])


def incidents_by_area(rel: Release, quarter: str, category: str | None = None, kind: str = CRIME, scheme: str | None = None) -> pd.DataFrame:
    """Per area (and the unknown-area row) of a scheme (None: the main one), the count of the quarter from the cube as the
    release publishes it at that level: area, n (visible cells), hidden (suppressed cells)."""
    cat, params = ("AND category = ?", [quarter, category]) if category else ("", [quarter])
    sch, sp = ("= ?", [scheme]) if scheme else ("IS NULL", [])
    return rel.query(
        f"""SELECT area, coalesce(sum(n) FILTER (WHERE NOT suppressed), 0)::BIGINT AS n,
                   count(*) FILTER (WHERE suppressed)::BIGINT AS hidden
            FROM incident_counts WHERE quarter = ? AND area <> '{ALL_AREAS}' AND scheme {sch} {cat}{KIND} GROUP BY area ORDER BY area""",
        [*params, *sp, kind],
    )


def incident_points(rel: Release, quarter: str, kind: str = CRIME) -> pd.DataFrame:
    """Per area of the row-level table (NULL = unknown or withheld): rows and rows with no map point."""
    return rel.query(
        "SELECT area, count(*)::BIGINT AS n, count(*) FILTER (WHERE lat IS NULL OR lon IS NULL)::BIGINT AS no_point "
        f"FROM incidents WHERE quarter = ?{KIND} GROUP BY area ORDER BY area",
        [quarter, kind],
    )


def incidents_by_hour(rel: Release, area: str | None, quarter: str, kind: str = CRIME) -> pd.DataFrame:
    """Incidents by hour of day (0–23), only those whose time of day is known (time_precision = 'exact')."""
    a, p = _area_clause(area, table="incidents")
    return rel.query(
        f"SELECT hour(occurred_at)::INTEGER AS hour, count(*)::BIGINT AS n FROM incidents "
        f"WHERE quarter = ? AND time_precision = 'exact' AND occurred_at IS NOT NULL{a}{KIND} GROUP BY 1 ORDER BY 1",
        [quarter, *p, kind],
    )


def incidents_by_weekday(rel: Release, area: str | None, quarter: str, kind: str = CRIME) -> pd.DataFrame:
    """Incidents by day of week (0 = Monday … 6 = Sunday), those whose date is known to the day."""
    a, p = _area_clause(area, table="incidents")
    return rel.query(
        f"SELECT (isodow(occurred_at) - 1)::INTEGER AS weekday, count(*)::BIGINT AS n FROM incidents "
        f"WHERE quarter = ? AND time_precision IN ('exact', 'day') AND occurred_at IS NOT NULL{a}{KIND} GROUP BY 1 ORDER BY 1",
        [quarter, *p, kind],
    )


def incident_precision(rel: Release, area: str | None, quarter: str, kind: str = CRIME) -> pd.DataFrame:
    """How many rows of the quarter have an exact time, a date only, or a month only (time_precision, n)."""
    a, p = _area_clause(area, table="incidents")
    return rel.query(f"SELECT time_precision, count(*)::BIGINT AS n FROM incidents WHERE quarter = ?{a}{KIND} GROUP BY 1 ORDER BY 1",
                     [quarter, *p, kind])


def incident_status(rel: Release, area: str | None, quarter: str, kind: str = CRIME) -> pd.DataFrame:
    """Incidents of the quarter by status (NULL status reads 'unknown')."""
    a, p = _area_clause(area, table="incidents")
    return rel.query(
        f"SELECT coalesce(status, 'unknown') AS status, count(*)::BIGINT AS n FROM incidents WHERE quarter = ?{a}{KIND} "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        [quarter, *p, kind],
    )


def response_times(rel: Release, area: str | None = None, kind: str = CRIME) -> pd.DataFrame:
    """Response minutes by quarter for incidents of one kind: calls with a time, median and 90th percentile."""
    if not _has_col(rel, "incidents", "response_minutes"):
        return pd.DataFrame({"quarter": [], "n": [], "median": [], "p90": []})
    a, p = _area_clause(area, table="incidents")
    return rel.query(
        f"""SELECT quarter, count(response_minutes)::BIGINT AS n, median(response_minutes) AS median,
                   quantile_cont(response_minutes, 0.9) AS p90
            FROM incidents WHERE response_minutes IS NOT NULL{a}{KIND} GROUP BY quarter ORDER BY quarter""",
        [*p, kind],
    )


def service_calls(rel: Release) -> int:
    """Calls for service in the whole release (0: the release has none, so no page, slide or site shows "how we helped")."""
    return int(rel.query("SELECT count(*) AS n FROM incidents WHERE kind = ?", [SERVICE])["n"].iloc[0])


# ---------------------------------------------------------------- community engagement


def engagement_by_quarter(rel: Release, area: str | None = None) -> pd.DataFrame:
    """Events, attendance and staff hours by quarter."""
    a, p = _area_clause(area)
    return rel.query(
        f"""SELECT quarter, count(*)::BIGINT AS events, coalesce(sum(attendees), 0)::BIGINT AS attendees,
                   coalesce(sum(staff_hours), 0)::DOUBLE AS staff_hours
            FROM engagement WHERE quarter IS NOT NULL{a} GROUP BY quarter ORDER BY quarter""",
        p,
    )


def engagement_by_type(rel: Release, area: str | None, quarter: str) -> pd.DataFrame:
    """Events of the quarter by type, with attendance and staff hours."""
    a, p = _area_clause(area)
    return rel.query(
        f"""SELECT type, count(*)::BIGINT AS events, coalesce(sum(attendees), 0)::BIGINT AS attendees,
                   coalesce(sum(staff_hours), 0)::DOUBLE AS staff_hours
            FROM engagement WHERE quarter = ?{a} GROUP BY type ORDER BY events DESC, type""",
        [quarter, *p],
    )


def engagement_by_area(rel: Release, quarter: str) -> pd.DataFrame:
    """Events of the quarter by area (NULL: service-wide events with no area)."""
    return rel.query(
        """SELECT area, count(*)::BIGINT AS events, coalesce(sum(attendees), 0)::BIGINT AS attendees,
                  coalesce(sum(staff_hours), 0)::DOUBLE AS staff_hours
           FROM engagement WHERE quarter = ? GROUP BY area ORDER BY area""",
        [quarter],
    )


def patrols_by_quarter(rel: Release, area: str | None = None) -> pd.DataFrame:
    """Foot patrols (engagement of type foot_patrol: a guard's visit to a site, an officer's beat walk) by quarter: visits,
    hours where the log gives them, and visits without hours."""
    a, p = _area_clause(area)
    return rel.query(
        f"""SELECT quarter, count(*)::BIGINT AS visits, coalesce(sum(staff_hours), 0)::DOUBLE AS hours,
                   count(*) FILTER (WHERE staff_hours IS NULL)::BIGINT AS no_hours
            FROM engagement WHERE type = 'foot_patrol' AND quarter IS NOT NULL{a} GROUP BY quarter ORDER BY quarter""",
        p,
    )


def attendance_known(rel: Release) -> bool:
    """Does any event of the release count the people who came? (A guard log's patrols count none: no attendance chart.)"""
    return bool(rel.query("SELECT count(attendees) > 0 AS k FROM engagement")["k"].iloc[0])


# ---------------------------------------------------------------- feedback ("you said, we did")


def feedback_topics(rel: Release, area: str | None, quarter: str) -> pd.DataFrame:
    """Concerns received in the quarter by topic: topic, n, suppressed.

    For one area the suppressed cube is the source (small cells hidden), at the area's own level (`district:7`: the
    district's roll-up, suppressed across levels); for all areas the row-level table is (every concern counts, including
    those whose area is withheld)."""
    if area:
        scheme, aid = split(area)
        return rel.query(f"SELECT topic, n, suppressed FROM feedback_counts WHERE quarter = ? AND area = ? AND scheme {'= ?' if scheme else 'IS NULL'} "
                         "ORDER BY n DESC NULLS LAST, topic", [quarter, aid, *([scheme] if scheme else [])])
    return rel.query(
        "SELECT topic, count(*)::BIGINT AS n, false AS suppressed FROM feedback WHERE quarter = ? GROUP BY topic ORDER BY n DESC, topic",
        [quarter],
    )


def feedback_channels(rel: Release, area: str | None, quarter: str) -> pd.DataFrame:
    """Concerns received in the quarter by channel (NULL channel reads 'unknown')."""
    a, p = _area_clause(area)
    return rel.query(
        f"SELECT coalesce(channel, 'unknown') AS channel, count(*)::BIGINT AS n FROM feedback WHERE quarter = ?{a} GROUP BY 1 ORDER BY 2 DESC, 1",
        [quarter, *p],
    )


def feedback_resolution(rel: Release, area: str | None, target_days: float) -> pd.DataFrame:
    """By quarter received: concerns, resolved or closed, median days to resolve, resolved within the target."""
    a, p = _area_clause(area)
    res = "('" + "','".join(RESOLVED) + "')"
    return rel.query(
        f"""SELECT quarter, count(*)::BIGINT AS received,
                   count(*) FILTER (WHERE status IN {res})::BIGINT AS resolved,
                   median(days_to_resolve) FILTER (WHERE status IN {res}) AS median_days,
                   count(*) FILTER (WHERE status IN {res} AND days_to_resolve <= ?)::BIGINT AS within_target
            FROM feedback WHERE quarter IS NOT NULL{a} GROUP BY quarter ORDER BY quarter""",
        [target_days, *p],
    )


def feedback_open_old(rel: Release, area: str | None, as_of: str, target_days: float) -> pd.DataFrame:
    """Concerns still open (or in progress) on `as_of` (ISO date) that are older than the target, oldest first."""
    a, p = _area_clause(area)
    ops = "('" + "','".join(OPEN) + "')"
    return rel.query(
        f"""SELECT received_at::DATE AS received, topic, channel, area, status,
                   date_diff('day', received_at::DATE, ?::DATE)::BIGINT AS days_open
            FROM feedback
            WHERE status IN {ops} AND received_at IS NOT NULL
              AND date_diff('day', received_at::DATE, ?::DATE) > ?{a}
            ORDER BY received_at, topic LIMIT 500""",
        [as_of, as_of, target_days, *p],
    )


def feedback_open_count(rel: Release, area: str | None) -> int:
    """Concerns still open or in progress, whatever their age."""
    a, p = _area_clause(area)
    ops = "('" + "','".join(OPEN) + "')"
    return int(rel.query(f"SELECT count(*) AS n FROM feedback WHERE status IN {ops}{a}", p)["n"].iloc[0])


def feedback_resolved(rel: Release, area: str | None, quarter: str, limit: int = 300) -> pd.DataFrame:
    """Concerns received in the quarter and resolved, with the action taken (public text), newest first."""
    a, p = _area_clause(area)
    res = "('" + "','".join(RESOLVED) + "')"
    return rel.query(
        f"""SELECT received_at::DATE AS received, resolved_at::DATE AS resolved, topic, area, channel,
                   days_to_resolve, action_taken
            FROM feedback WHERE quarter = ? AND status IN {res}{a}
            ORDER BY resolved_at DESC NULLS LAST, topic LIMIT {int(limit)}""",
        [quarter, *p],
    )


# ---------------------------------------------------------------- survey


def survey_series(rel: Release, area: str | None = None) -> pd.DataFrame:
    """Scores by quarter and measure for one area (None: the whole service area, rows with no area)."""
    scheme, aid = split(area)
    where = ("area = ? AND scheme " + ("= ?" if scheme else "IS NULL")) if area else "area IS NULL"
    return rel.query(
        f"""SELECT quarter, measure, avg(score) AS score, sum(respondents)::BIGINT AS respondents,
                   count(*) FILTER (WHERE score IS NULL)::BIGINT AS withheld
            FROM survey WHERE {where} AND quarter IS NOT NULL GROUP BY quarter, measure ORDER BY quarter, measure""",
        ([aid, scheme] if scheme else [aid]) if area else [],
    )


def survey_by_area(rel: Release, quarter: str, measure: str, scheme: str | None = None) -> pd.DataFrame:
    """Scores of one measure in one quarter, by area of a scheme (None: the main one; NULL score: too few respondents)."""
    return rel.query(
        "SELECT area, avg(score) AS score, sum(respondents)::BIGINT AS respondents FROM survey "
        f"WHERE quarter = ? AND measure = ? AND area IS NOT NULL AND scheme {'= ?' if scheme else 'IS NULL'} GROUP BY area ORDER BY area",
        [quarter, measure, *([scheme] if scheme else [])],
    )


def survey_measures(rel: Release) -> list[str]:
    return rel.query("SELECT DISTINCT measure FROM survey WHERE measure IS NOT NULL ORDER BY measure")["measure"].tolist()


# ---------------------------------------------------------------- downloads


def table_rows(rel: Release, table: str) -> int:
    src = rel.sources.get(table)
    return 0 if src is None else int(src.count_rows())
