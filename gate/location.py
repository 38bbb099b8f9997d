"""Location generalization: street addresses to hundred-blocks, coordinates to a metre grid."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), the sphere every distance here is measured on
DEFAULT_CELL_M = 200.0  # grid cell side; docs/privacy.md "Location generalization" says why
DEFAULT_GUARD_M = 10.0  # no published point lies closer than this to the true point
MIN_CELL_M, MAX_CELL_M = 50.0, 5_000.0
NEAR_BAND = 1.5  # Grid.snap measures the distance of points within 1.5 guard_m of their centre's latitude (a margin over 1)


# --------------------------------------------------------------------------------------------
# distances


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres between arrays of WGS84 points (NaN where any input is NaN)."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# --------------------------------------------------------------------------------------------
# coordinate grid


@dataclass(frozen=True)
class Grid:
    """A fixed, data-independent grid of cells about `cell_m` metres square covering the globe.

    Rows are bands of latitude exactly `cell_m` metres tall (180° split into a whole number of
    rows). Each row is split into a whole number of cells of longitude whose width, measured at the
    row's centre latitude, is as close to `cell_m` metres as a whole number allows: the longitude
    spacing therefore follows cos(latitude) row by row (an equal-distance grid, like a sinusoidal
    projection snapped to metres), and the cells tile each row exactly, antimeridian included.

    A point is published at the centre of its cell. If the true point lies within `guard_m` metres
    of that centre, it is published at the centre of a neighbouring cell instead (the one on the
    side the point leans towards, east/west or north/south), so no published point is ever within
    `guard_m` of the true point. The grid never depends on the data, so releases line up.
    """

    cell_m: float = DEFAULT_CELL_M
    guard_m: float = DEFAULT_GUARD_M

    def __post_init__(self):
        if not (MIN_CELL_M <= float(self.cell_m) <= MAX_CELL_M):
            raise ValueError(f"cell_m must be between {MIN_CELL_M:g} and {MAX_CELL_M:g} metres, got {self.cell_m!r}")
        if not (0.0 < float(self.guard_m) <= float(self.cell_m) / 4):
            raise ValueError(f"guard_m must be above 0 and at most a quarter of cell_m ({self.cell_m / 4:g} m), got {self.guard_m!r}")

    @property
    def n_rows(self) -> int:
        return max(1, round(math.pi * EARTH_RADIUS_M / self.cell_m))

    @property
    def row_height_deg(self) -> float:
        return 180.0 / self.n_rows

    def row_index(self, lat) -> np.ndarray:
        j = np.floor((np.asarray(lat, dtype=float) + 90.0) / self.row_height_deg)
        return np.clip(j, 0, self.n_rows - 1).astype(np.int64)

    def row_centre(self, j) -> np.ndarray:
        return -90.0 + (np.asarray(j, dtype=float) + 0.5) * self.row_height_deg

    def cells_in_row(self, j) -> np.ndarray:
        circumference = 2 * math.pi * EARTH_RADIUS_M * np.cos(np.radians(self.row_centre(j)))
        return np.maximum(1, np.round(circumference / self.cell_m)).astype(np.int64)

    def _cell(self, j, lon):
        """Column index and centre (lat, lon) of the cell in row j holding longitude lon."""
        n = self.cells_in_row(j)
        w = 360.0 / n
        i = np.floor((np.asarray(lon, dtype=float) + 180.0) / w).astype(np.int64) % n
        return i, n, self.row_centre(j), -180.0 + (i + 0.5) * w

    def snap(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """Published (lat, lon) for arrays of true points; NaN where the input is missing or invalid."""
        lat = np.asarray(lat, dtype=float).copy()
        lon = np.asarray(lon, dtype=float).copy()
        if lat.shape != lon.shape:
            raise ValueError(f"lat and lon differ in shape: {lat.shape} vs {lon.shape}")
        ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        out_lat = np.full(lat.shape, np.nan)
        out_lon = np.full(lat.shape, np.nan)
        if not ok.any():
            return out_lat, out_lon
        la, lo = lat[ok], lon[ok]
        j = self.row_index(la)
        i, n, clat, clon = self._cell(j, lo)
        # a great circle is at least as long as the two points' difference in latitude: only a point that close in
        # latitude to its centre can be within guard_m of it, and the distance is worked out for those alone (a tenth)
        band = np.abs(la - clat) < NEAR_BAND * math.degrees(self.guard_m / EARTH_RADIUS_M)
        near = np.zeros(la.shape, dtype=bool)
        near[band] = haversine_m(la[band], lo[band], clat[band], clon[band]) < self.guard_m
        if near.any():
            clat, clon = clat.copy(), clon.copy()
            nlat, nlon = self._away_from_centre(la[near], lo[near], j[near], i[near], n[near], clat[near], clon[near])
            clat[near], clon[near] = nlat, nlon
        out_lat[ok], out_lon[ok] = clat, clon
        return out_lat, out_lon

    def _away_from_centre(self, la, lo, j, i, n, clat, clon):
        """For points within guard_m of their cell centre: the centre of a neighbouring cell.

        The preferred neighbour is the one on the side the point leans towards (east/west when its
        east-west offset is the larger, else north/south), which keeps the move short (about one
        cell); the other neighbours are fallbacks for the polar rows. About π·guard²/cell² of the
        points take this path (0.8 % at the defaults, 24,000 of 3M rows): the four neighbours of
        every point are worked out at once, and each point takes the first one far enough away.
        """
        dy = la - clat
        dx = ((lo - clon + 180.0) % 360.0 - 180.0) * np.cos(np.radians(la))
        sx = np.where(dx >= 0, 1, -1)
        sy = np.where(dy >= 0, 1, -1)

        def east_west(step):  # the cell beside, in the same row (none in a row of fewer than three cells)
            return n >= 3, self.row_centre(j), -180.0 + ((i + step) % n + 0.5) * 360.0 / n

        def north_south(step):  # the cell of the row above or below holding the point's longitude
            jj = j + step
            inside = (jj >= 0) & (jj < self.n_rows)
            _, _, c_lat, c_lon = self._cell(np.clip(jj, 0, self.n_rows - 1), lo)
            return inside, c_lat, c_lon

        order = [east_west(sx), north_south(sy), east_west(-sx), north_south(-sy)]
        y_first = np.abs(dx) < np.abs(dy)  # the north-south neighbour first: slots 0 and 1, 2 and 3 change places
        res_lat = np.full(la.shape, np.nan)
        res_lon = np.full(la.shape, np.nan)
        done = np.zeros(la.shape, dtype=bool)
        for slot in range(4):
            other = slot ^ 1
            ok = np.where(y_first, order[other][0], order[slot][0])
            c_lat = np.where(y_first, order[other][1], order[slot][1])
            c_lon = np.where(y_first, order[other][2], order[slot][2])
            take = ~done & ok & (haversine_m(la, lo, c_lat, c_lon) >= self.guard_m)
            res_lat[take], res_lon[take] = c_lat[take], c_lon[take]
            done |= take
        if not done.all():  # pragma: no cover - a neighbour centre is about cell_m away, and guard_m <= cell_m / 4
            raise AssertionError("no neighbouring cell centre is far enough from the point")
        return res_lat, res_lon


DEFAULT_GRID = Grid()


def snap_points(lat, lon, cell_m: float = DEFAULT_CELL_M, guard_m: float = DEFAULT_GUARD_M) -> tuple[np.ndarray, np.ndarray]:
    """Generalize WGS84 points to the centres of a `cell_m`-metre grid (see `Grid`); NaN stays NaN."""
    return Grid(cell_m, guard_m).snap(lat, lon)


# --------------------------------------------------------------------------------------------
# hundred-blocks

_PREFIX = re.compile(r"^(?P<prefix>\s*(?:on or near|near|outside|opposite|behind|at)\s+)?", re.IGNORECASE)
_UNIT_WORDS = r"(?:apt|apartment|unit|ste|suite|flat|rm|room|fl|floor|bldg|building|#)"
_LEAD_UNIT = re.compile(rf"^{_UNIT_WORDS}\.?\s*#?\s*[\w-]+\s*[,;:-]?\s*(?=\d|X)", re.IGNORECASE)
_TRAIL_UNIT = re.compile(rf"(?:\s*,)?\s+{_UNIT_WORDS}\.?\s*#?\s*[\w-]+\s*$", re.IGNORECASE)
_NUM_TOKEN = r"(?:\d+[A-Za-z]?|\d*[Xx]+)"
_HOUSE = re.compile(
    rf"^(?P<hn>{_NUM_TOKEN}(?:\s*[-–/]\s*{_NUM_TOKEN})*(?:\s+1\s*/\s*2)?)(?P<rest>(?:\s*,)?\s+\S.*|\s*)$",
    re.DOTALL,
)
_BRACKETED = re.compile(r"[\[(][^\])]*(?:[\])]|$)")  # a comment, closed or cut off at the end
_DIGITS = re.compile(r"(?<![\w])\d+[A-Za-z]?(?![\w])")
_DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "NORTH", "SOUTH", "EAST", "WEST"}
_SEPARATORS = {"\\", "/", "&", "AND", "@", "AT", "&&", "|"}
# street types that make a leading number a numbered street ("5 AVENUE", "127 STREET") when they end it
_STREET_TYPES = {
    "ST", "STREET", "AVE", "AV", "AVENUE", "RD", "ROAD", "BLVD", "BOULEVARD", "DR", "DRIVE", "PL", "PLACE",
    "CT", "COURT", "LN", "LANE", "TER", "TERRACE", "WAY", "HWY", "HIGHWAY", "PKWY", "PARKWAY", "CRES", "CRESCENT",
    "SQ", "SQUARE", "CIR", "CIRCLE",
}


# a house number anywhere after the start: "IFO 1234 N STATE ST", "1234 & 1236 N STATE ST", "A ST / 1236 N B ST"
_INNER_HOUSE = re.compile(
    r"(?<![\w'’.])(?P<hn>\d+(?:-?[A-Za-z](?!\w))?(?:\s*[-–/]\s*\d+(?:[A-Za-z](?!\w))?)*(?:\s+1\s*/\s*2)?)(?!\w)"
)
# a full UK or Canadian postcode (a few dozen addresses) is cut to its outward part ("NW1 6XE" → "NW1")
_POSTCODE = re.compile(
    r"(?<![\w])(?P<outward>[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])"
    r"[ -]?(?:\d[ABD-HJLNP-UW-Z]{2}|\d[ABCEGHJ-NPRSTV-Z]\d)(?![\w])",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# words before a number that make it a road, exit or place number, not a house number ("I 90", "HWY 101")
_ROAD_WORDS = {"I", "IH", "INTERSTATE", "HWY", "HIGHWAY", "US", "SR", "SH", "RT", "RTE", "ROUTE", "CR", "FM", "EXIT",
               "UNNAMED", "PIER", "M", "A", "B"}


def _mask_inner_numbers(text: str) -> str:
    """Mask the house numbers that are not at the start of a block (the leading one is already done).

    A number is a house number when a street name follows it ("1236 N STATE ST", "1234 & 1236 N
    STATE ST": the first takes the street of the second), or when it ends the text or a part of it
    right after a street type ("STATE ST 1234"). Numbered streets ("5 AVENUE", "E 42 STREET",
    "35 AV SW") and road numbers ("I 90", "HWY 101") are kept.
    """
    out, pos = [], 0
    for m in _INNER_HOUSE.finditer(text):
        before = text[: m.start()]
        prev = _WORD.findall(before[-20:])
        prev_word = prev[-1].upper().rstrip(".") if prev and before.rstrip().endswith(prev[-1]) else ""
        if prev_word in _ROAD_WORDS:
            continue
        rest = text[m.end():]
        house = False
        if _is_numbered_street(rest) or _numbered_street_ahead(rest):
            pass
        elif re.match(r"(?:\s*,)?\s+[^\W\d_]", rest):
            tokens = rest.replace(",", " ").split()
            first = tokens[0].upper().rstrip(".")
            # a street name follows ("1236 STATE ST"), or a direction and then one ("1236 N STATE ST");
            # not a lone direction ("ROUTE 66 W") nor a separator ("MAIN ST 12 AND ...")
            if first not in _SEPARATORS:
                house = first not in _DIRECTIONS or len(tokens) > 1 and tokens[1].upper() not in _SEPARATORS
        elif re.match(r"\s*(?:$|[,;\\/&|)\]])", rest) and prev_word in _STREET_TYPES:
            house = True  # "STATE ST 1234": the number after the street
        if house:
            out.append(text[pos:m.start()] + _mask_house_group(re.sub(r"-[A-Za-z]$", "", m.group("hn"))))
            pos = m.end()
    return "".join(out) + text[pos:]


def _numbered_street_ahead(rest: str) -> bool:
    """`rest` starts with a street type that names the number before it ("2 AV ET S"), not a street
    named after it ("1236 ST JAMES ST", where another street type follows)."""
    part = re.split(r"\s(?:&|/|\\|AND|AT|@)\s|[,;]", rest, maxsplit=1, flags=re.IGNORECASE)[0]
    tokens = [t.upper().rstrip(".") for t in part.split()]
    return bool(tokens) and tokens[0] in _STREET_TYPES and not any(t in _STREET_TYPES for t in tokens[1:4])


def _mask_number(token: str) -> str:
    """`1234` → `12XX`, `012` → `0XX`, `5` → `0XX`, `1688B` → `16XX`; `12XX`/`XXX` kept; `2X` → `0XX`."""
    if "x" in token.lower():
        digits = token.rstrip("Xx")
        xs = len(token) - len(digits)
        if xs >= 2:
            return token
        return (digits[:-1] or "0") + "XX"
    digits = re.sub(r"\D", "", token)
    if len(digits) <= 2:
        return "0XX"
    return digits[:-2] + "XX"


def _mask_house_group(hn: str) -> str:
    """A house-number group (`1234`, `1234-1240`, `5-1234`, `12/14`, `1234 1/2`) → one masked number."""
    hn = re.sub(r"\s+1\s*/\s*2$", "", hn)
    parts = [p for p in re.split(r"\s*[-–/]\s*", hn) if p]
    # the last number is the civic number in "unit-civic" (Canadian) and the end of a range
    return _mask_number(parts[-1])


def _is_numbered_street(rest: str) -> bool:
    tokens = rest.replace(",", " ").split()
    if not tokens or tokens[0].upper().rstrip(".") not in _STREET_TYPES:
        return False
    return len(tokens) == 1 or tokens[1].upper() in _DIRECTIONS | _SEPARATORS


def generalize_block(value):
    """One address → its hundred-block (`1234 N STATE ST` → `12XX N STATE ST`).

    Already masked blocks (`12XX`, `012XX`, `XXX`), intersections (`A ST \\ B ST`, `A & B`),
    addresses without a house number, police.uk's `On or near X` and markers such as
    `OFFSET TO PROTECT PRIVACY` are returned unchanged. A unit (`APT 5`, `#5`, `Flat 3,`) is
    dropped; of a range or a `unit-civic` pair the last number is kept; a ten-block such as
    Vancouver's `2X W HASTINGS ST` is widened to `0XX W HASTINGS ST`; numbers inside brackets
    (`[ALLEY BEHIND 205]`) are masked too, and so is a house number further on (`IFO 1234 N STATE ST`,
    `1234 & 1236 N STATE ST`, `A ST / 1236 N B ST`, `STATE ST 1234`; numbered streets and road numbers
    such as `E 42 STREET` or `HWY 101` stay); a full UK or Canadian postcode is cut to its outward
    part (`NW1 6XE` → `NW1`). Non-strings (None, NaN) are returned as they are.
    """
    if not isinstance(value, str):
        return value
    m = _PREFIX.match(value)
    prefix = m.group("prefix") or ""
    body = value[len(prefix):]
    lead = body[: len(body) - len(body.lstrip())]
    body = body.lstrip()
    unit = _LEAD_UNIT.match(body)
    if unit:
        body = body[unit.end():]
    h = _HOUSE.match(body)
    if h and not (h.group("rest").strip() and _is_numbered_street(h.group("rest"))):
        rest = _TRAIL_UNIT.sub("", h.group("rest"))
        rest = rest if rest.strip() else ""
        body = _mask_house_group(h.group("hn")) + rest
    out = prefix + lead + body
    out = _mask_inner_numbers(out)
    out = _POSTCODE.sub(lambda p: p.group("outward"), out)
    if _BRACKETED.search(out):
        out = _BRACKETED.sub(lambda b: _DIGITS.sub(lambda d: _mask_number(d.group()), b.group()), out)
    return out


_generalize_cached = lru_cache(maxsize=1 << 17)(generalize_block)  # the same blocks come back in every batch of a long file


def generalize_blocks(values) -> pd.Series:
    """Vectorised `generalize_block` over a Series (or any sequence); each distinct value is done once."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    done = np.array([_generalize_cached(u) for u in uniques] + [None], dtype=object)
    out = pd.Series(done[codes], index=s.index, dtype=object)  # code -1 (missing) takes the trailing None
    return out.where(s.notna(), s)


def is_hundred_block(value: str) -> bool:
    """True where a block string carries no exact house number (its leading number ends in XX, or it has none)."""
    if not isinstance(value, str):
        return True
    return generalize_block(value) == value
