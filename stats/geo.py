"""Area boundaries as a GeoJSON FeatureCollection and label points, from the areas table (no network, no shapely)."""
from __future__ import annotations

import json


def _rings(geom: dict) -> list[list[list[float]]]:
    """Outer rings of a Polygon or MultiPolygon."""
    t = geom.get("type")
    if t == "Polygon":
        return [geom["coordinates"][0]] if geom.get("coordinates") else []
    if t == "MultiPolygon":
        return [p[0] for p in geom.get("coordinates", []) if p]
    if t == "GeometryCollection":
        return [r for g in geom.get("geometries", []) for r in _rings(g)]
    return []


def _ring_area_centroid(ring) -> tuple[float, float, float]:
    """Signed area and centroid of a ring (shoelace on lon/lat; fine for labels at city scale)."""
    a = cx = cy = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a /= 2.0
    if abs(a) < 1e-15:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return a, cx / (6 * a), cy / (6 * a)


def label_point(geom: dict) -> tuple[float, float] | None:
    """(lon, lat) near the middle of the largest part of the boundary."""
    best = None
    for ring in _rings(geom):
        if len(ring) < 3:
            continue
        a, x, y = _ring_area_centroid(ring)
        if best is None or abs(a) > best[0]:
            best = (abs(a), x, y)
    return None if best is None else (best[1], best[2])


MAX_VERTICES = 400  # per area: a map of 150 areas stays a few tens of thousands of points at most


def outlines(shapes, max_vertices: int = MAX_VERTICES) -> tuple[dict[str, list[list[tuple[float, float]]]], dict[str, tuple[float, float]]]:
    """({area_id: outer rings as (lon, lat) lists, thinned to about max_vertices}, {area_id: label point}) from (area_id, geometry text)."""
    rings_by, points = {}, {}
    for area_id, text in shapes:
        if not text:
            continue
        try:
            geom = json.loads(text) if isinstance(text, str) else text
        except (TypeError, ValueError):
            continue
        if not isinstance(geom, dict):
            continue
        rings = [r for r in _rings(geom) if len(r) >= 3]
        if not rings:
            continue
        total = sum(len(r) for r in rings)
        step = max(1, -(-total // max_vertices))
        thin = []
        for r in rings:
            pts = [(float(p[0]), float(p[1])) for p in r[::step]]
            if len(pts) < 3:  # a small part: keep it whole rather than lose it
                pts = [(float(p[0]), float(p[1])) for p in r]
            if pts[0] != pts[-1]:
                pts.append(pts[0])
            thin.append(pts)
        rings_by[str(area_id)] = thin
        p = label_point(geom)
        if p:
            points[str(area_id)] = p
    return rings_by, points
