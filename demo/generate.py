"""Generate the fictional Riverton demo exports in data/demo/, deterministically: `python -m demo.generate [OUT_DIR]`."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import numpy as np

SEED = 20260930
DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
EXPORT_DATE = dt.datetime(2026, 10, 4, 9, 0)  # the day the fictional exports were "pulled"
QUARTERS = [f"{y}Q{q}" for y in range(2023, 2027) for q in range(1, 5)][3:15]  # 2023Q4 .. 2026Q3

FILES = {
    "incidents": "riverton_rms_occurrences.csv",
    "engagement": "riverton_community_events.json",
    "feedback": "riverton_you_said_we_did.csv",
    "survey": "riverton_trust_survey.csv",
    "areas": "riverton_neighbourhoods.geojson",
    "population": "riverton_population.csv",
}

# The town sits in open water of the North Atlantic (about 44.0 N, 40.1 W) so that no real place is shown.
LON0, LAT0 = -40.100, 44.000
DLON, DLAT = 0.019, 0.0135  # one grid cell is about 1.5 km by 1.5 km
GRID_COLS, GRID_ROWS = 5, 2

# name, grid column, grid row (0 = south), district, population (None = not in the population file),
# overall incident scale, per-category multipliers, streets, has a school
AREAS = [
    ("Cedar Flats", 0, 0, "West", 12600, 1.30, {"violence": 1.5, "drugs": 1.5, "weapons": 1.6, "sexual_offences": 1.2}, ["CEDAR AVE", "FLATS RD", "ALDER ST", "BIRCH ST"], True),
    ("Old Mill", 1, 0, "West", 11200, 1.00, {"burglary": 1.5, "shoplifting": 0.6}, ["MILL RD", "WHEEL ST", "GRAIN AVE", "WEIR LANE"], True),
    ("Market Square", 2, 0, "Central", 6800, 1.60, {"shoplifting": 3.0, "public_order": 2.5, "violence": 1.6, "robbery": 2.0, "drugs": 2.0, "burglary": 0.6}, ["MARKET ST", "KING ST", "EXCHANGE PL", "FRONT ST"], False),
    ("Harbourside", 3, 0, "East", 9400, 1.10, {"vehicle_theft": 2.5, "theft_from_vehicle": 1.6}, ["HARBOUR RD", "QUAY ST", "DOCK ST", "PIER AVE"], False),
    ("Ironworks", 4, 0, "East", 40, 0.30, {"burglary": 2.0, "mischief": 1.5, "shoplifting": 0.1, "violence": 0.4, "sexual_offences": 0.3}, ["FOUNDRY RD", "SMELTER ST", "FORGE AVE"], False),
    ("North Hill", 0, 1, "West", 14100, 0.60, {"shoplifting": 0.3, "public_order": 0.5}, ["HILLCREST DR", "SUMMIT AVE", "UPLAND RD", "RIDGE ST"], True),
    ("Pine Ridge", 1, 1, "West", 10300, 0.65, {"shoplifting": 0.5}, ["PINE ST", "SPRUCE AVE", "LARCH RD", "FIR LANE"], True),
    ("University Heights", 2, 1, "Central", 8900, 0.90, {"other_theft": 1.8, "sexual_offences": 1.5, "mischief": 1.2, "shoplifting": 0.5}, ["COLLEGE ST", "CAMPUS DR", "SCHOLAR AVE", "LIBRARY RD"], True),
    ("Lakeview", 3, 1, "East", 7700, 0.70, {}, ["LAKESHORE DR", "BAY ST", "WILLOW AVE", "REED RD"], True),
    ("Airport Lands", 4, 1, "East", None, 0.35, {"vehicle_theft": 2.0, "theft_from_vehicle": 1.5, "shoplifting": 0.2, "burglary": 0.6, "sexual_offences": 0.3}, ["RUNWAY RD", "HANGAR ST", "TERMINAL DR"], False),
]
AREA_NAMES = [a[0] for a in AREAS]
# the service's neighbourhood codes: the identifier every export carries (areas.area_id); names are for display
CODES = {"Cedar Flats": "CF", "Old Mill": "OM", "Market Square": "MS", "Harbourside": "HB", "Ironworks": "IW", "North Hill": "NH", "Pine Ridge": "PR", "University Heights": "UH", "Lakeview": "LV", "Airport Lands": "AL"}
TOWN = ("ALL", "All Riverton")

# incidents per quarter in a typical area, before area, season and trend factors
BASE = {
    "violence": 32, "sexual_offences": 3, "robbery": 3, "burglary": 18, "theft_from_vehicle": 24,
    "vehicle_theft": 10, "other_theft": 30, "shoplifting": 18, "mischief": 24, "drugs": 6,
    "weapons": 3, "public_order": 12, "traffic": 12, "other": 8,
}
CATS = list(BASE)
# quarter-of-year factors (Q1 winter .. Q4 autumn): violence, mischief and disorder peak in summer, burglary in winter
SEASON = {
    "violence": [0.85, 1.0, 1.2, 0.95], "sexual_offences": [0.9, 1.0, 1.15, 0.95],
    "mischief": [0.8, 1.05, 1.25, 0.9], "public_order": [0.75, 1.05, 1.3, 0.9],
    "burglary": [1.25, 0.9, 0.8, 1.1], "theft_from_vehicle": [0.95, 1.0, 1.1, 0.95],
    "vehicle_theft": [1.1, 0.95, 0.95, 1.0], "other_theft": [0.8, 1.05, 1.25, 0.9],
    "shoplifting": [0.95, 0.95, 0.95, 1.15], "traffic": [1.2, 0.95, 0.9, 0.95],
}
# the vendor's offence names (crosswalked by loaders/crosswalks/demo.csv) and their shares within a category
OFFENCES = {
    "violence": [("Assault", 0.50), ("Assault Causing Bodily Harm", 0.15), ("Assault with Weapon", 0.08), ("Aggravated Assault", 0.02), ("Uttering Threats", 0.25)],
    "sexual_offences": [("Sexual Assault", 0.8), ("Indecent Act", 0.2)],
    "robbery": [("Robbery", 0.6), ("Robbery - Commercial", 0.4)],
    "burglary": [("Break & Enter - Residence", 0.55), ("Break & Enter - Business", 0.3), ("Break & Enter - Other", 0.15)],
    "theft_from_vehicle": [("Theft From Motor Vehicle", 1.0)],
    "vehicle_theft": [("Theft of Motor Vehicle", 0.85), ("Theft of Motor Vehicle - Attempt", 0.15)],
    "other_theft": [("Theft Under $5000", 0.55), ("Theft Over $5000", 0.05), ("Bicycle Theft", 0.4)],
    "shoplifting": [("Theft Under $5000 - Shoplifting", 1.0)],
    "mischief": [("Mischief", 0.6), ("Mischief - Graffiti", 0.35), ("Arson", 0.05)],
    "drugs": [("CDSA - Possession", 0.7), ("CDSA - Trafficking", 0.3)],
    "weapons": [("Weapons Offence", 0.6), ("Possession of Weapon", 0.4)],
    "public_order": [("Cause Disturbance", 0.6), ("Breach of Peace", 0.25), ("Liquor Act", 0.15)],
    "traffic": [("Impaired Driving", 0.35), ("Dangerous Operation", 0.25), ("Collision - Injury", 0.4)],
    "other": [("Breach of Conditions", 0.5), ("Fraud", 0.3), ("Other Criminal Code", 0.2)],
}
DOMESTIC = {"violence": 0.30, "sexual_offences": 0.25, "mischief": 0.06, "other": 0.10}
CLEARED = {
    "violence": 0.55, "sexual_offences": 0.35, "robbery": 0.30, "burglary": 0.12, "theft_from_vehicle": 0.05,
    "vehicle_theft": 0.10, "other_theft": 0.08, "shoplifting": 0.60, "mischief": 0.10, "drugs": 0.90,
    "weapons": 0.80, "public_order": 0.70, "traffic": 0.90, "other": 0.70,
}
ON_VIEW = {"drugs": 0.7, "traffic": 0.5, "public_order": 0.3, "weapons": 0.3, "other": 0.3}  # share found by officers, not called in
PRIORITY = {  # shares of P1..P4 for calls
    "violence": [0.45, 0.40, 0.15, 0.0], "sexual_offences": [0.3, 0.5, 0.2, 0.0], "robbery": [0.7, 0.3, 0.0, 0.0],
    "weapons": [0.8, 0.2, 0.0, 0.0], "burglary": [0.1, 0.3, 0.5, 0.1], "traffic": [0.4, 0.4, 0.2, 0.0],
    "public_order": [0.1, 0.5, 0.4, 0.0], "drugs": [0.0, 0.2, 0.6, 0.2],
}
PRIORITY_DEFAULT = [0.02, 0.15, 0.55, 0.28]
RESPONSE_MEDIAN = [7.0, 14.0, 35.0, 70.0]  # minutes, by priority
RESPONSE_AREA = {"Airport Lands": 1.35, "Ironworks": 1.25, "North Hill": 1.15, "Market Square": 0.85}
DISTRICT_CODE = {"West": "W", "Central": "C", "East": "E"}


def _hour_profile(kind: str) -> np.ndarray:
    """Weights of the 24 hours of the day for a kind of offence."""
    h = np.arange(24)

    def bump(centre: float, width: float) -> np.ndarray:
        d = np.abs(h - centre)
        d = np.minimum(d, 24 - d)
        return np.exp(-0.5 * (d / width) ** 2)

    w = {
        "night": 0.8 + 3 * bump(23, 3),
        "overnight": 0.5 + 3 * bump(2, 3),
        "day": 0.3 + 3 * bump(14, 3.5),
        "mixed": 1 + 1.5 * bump(12, 3) + bump(22, 2),
        "evening": 1 + 2 * bump(17, 4),
    }[kind]
    return w / w.sum()


HOUR_KIND = {
    "violence": "night", "sexual_offences": "night", "robbery": "night", "weapons": "night", "public_order": "night",
    "mischief": "night", "theft_from_vehicle": "overnight", "vehicle_theft": "overnight", "burglary": "mixed",
    "shoplifting": "day", "other_theft": "day", "other": "day", "traffic": "evening", "drugs": "evening",
}


def quarter_bounds(q: str) -> tuple[dt.date, dt.date]:
    """First day of quarter q and first day of the next one."""
    y, n = int(q[:4]), int(q[-1])
    start = dt.date(y, 3 * n - 2, 1)
    end = dt.date(y + (n == 4), 1 if n == 4 else 3 * n + 1, 1)
    return start, end


def trend(area: str, cat: str, t: int) -> float:
    """The real changes in the demo: Harbourside vehicle thefts fall from 2025Q1, Market Square shoplifting rises from 2025Q3, Old Mill burglary eases."""
    q = QUARTERS[t]
    if area == "Harbourside" and cat == "vehicle_theft" and q >= "2025Q1":
        return 0.45
    if area == "Market Square" and cat == "shoplifting" and q >= "2025Q3":
        return 1.5
    if area == "Old Mill" and cat == "burglary":
        return 1.0 - 0.03 * t
    return 1.0


# ---------------------------------------------------------------- geometry

def _boundaries(rng: np.random.Generator) -> dict[str, list[list[float]]]:
    """Non-overlapping neighbourhood rings (lon, lat) tiling a 5 x 2 grid with wiggly shared borders."""
    verts = {}
    for i in range(GRID_COLS + 1):
        for j in range(GRID_ROWS + 1):
            jx = 0.0 if i in (0, GRID_COLS) else rng.uniform(-0.12, 0.12) * DLON
            jy = 0.0 if j in (0, GRID_ROWS) else rng.uniform(-0.12, 0.12) * DLAT
            verts[(i, j)] = (LON0 + i * DLON + jx, LAT0 + j * DLAT + jy)
    edges = {}

    def edge(a, b):
        key = (a, b) if a < b else (b, a)
        if key not in edges:
            (x0, y0), (x1, y1) = verts[key[0]], verts[key[1]]
            pts = [(x0, y0)]
            horizontal = key[0][1] == key[1][1]
            for t in (0.25, 0.5, 0.75):
                x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                if horizontal:
                    y += rng.uniform(-0.07, 0.07) * DLAT
                else:
                    x += rng.uniform(-0.07, 0.07) * DLON
                pts.append((x, y))
            pts.append((x1, y1))
            edges[key] = pts
        pts = edges[key]
        return pts if key == (a, b) else pts[::-1]

    rings = {}
    for name, i, j, *_ in AREAS:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)]  # counter-clockwise (RFC 7946)
        ring = []
        for a, b in zip(corners, corners[1:]):
            ring.extend(edge(a, b)[:-1])
        ring.append(ring[0])
        rings[name] = [[round(x, 6), round(y, 6)] for x, y in ring]
    return rings


def _inside(ring: list[list[float]], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ray casting: which points lie inside the ring."""
    inside = np.zeros(len(x), dtype=bool)
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < xi)
    return inside


def _points(rng: np.random.Generator, ring: list[list[float]], n: int) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(ring)
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    xs, ys = np.empty(0), np.empty(0)
    while len(xs) < n:
        x = np.round(rng.uniform(lo[0], hi[0], 2 * n + 8), 5)  # rounded as written, so still inside after writing
        y = np.round(rng.uniform(lo[1], hi[1], 2 * n + 8), 5)
        ok = _inside(ring, x, y)
        xs, ys = np.concatenate([xs, x[ok]]), np.concatenate([ys, y[ok]])
    return xs[:n], ys[:n]


# ---------------------------------------------------------------- writers

def _csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _choice(rng: np.random.Generator, items: list, p=None, size=None):
    idx = rng.choice(len(items), p=None if p is None else np.asarray(p) / np.sum(p), size=size)
    return [items[i] for i in idx] if size is not None else items[idx]


# ---------------------------------------------------------------- datasets

def incidents(rng: np.random.Generator, rings: dict) -> bytes:
    """The RMS occurrence export: one row per occurrence, DD/MM/YYYY dates and HHMM times."""
    recs = []  # (datetime, area, cat, offence, domestic, lat, lon, block, beat, district, priority, response, status)
    for t, q in enumerate(QUARTERS):
        start, end = quarter_bounds(q)
        ndays = (end - start).days
        qoy = int(q[-1]) - 1
        for name, _i, _j, district, _pop, scale, mult, streets, _school in AREAS:
            for cat in CATS:
                lam = BASE[cat] * scale * mult.get(cat, 1.0) * SEASON.get(cat, [1, 1, 1, 1])[qoy] * trend(name, cat, t)
                n = int(rng.poisson(lam))
                if not n:
                    continue
                days = rng.integers(0, ndays, n)
                hours = rng.choice(24, size=n, p=_hour_profile(HOUR_KIND[cat]))
                minutes = rng.integers(0, 60, n)
                names, shares = zip(*OFFENCES[cat])
                offs = _choice(rng, list(names), shares, n)
                dom = rng.random(n) < DOMESTIC.get(cat, 0.0)
                lon, lat = _points(rng, rings[name], n)
                nocoord = rng.random(n)
                blocks = rng.integers(1, 40, n)
                strs = _choice(rng, streets, None, n)
                beats = rng.integers(1, 4, n)
                on_view = rng.random(n) < ON_VIEW.get(cat, 0.0)
                prio = rng.choice(4, size=n, p=np.asarray(PRIORITY.get(cat, PRIORITY_DEFAULT)) / sum(PRIORITY.get(cat, PRIORITY_DEFAULT)))
                resp = np.exp(rng.normal(0, 0.5, n)) * np.asarray(RESPONSE_MEDIAN)[prio] * RESPONSE_AREA.get(name, 1.0) * (1 - 0.01 * t)
                u, u2, u3 = rng.random(n), rng.random(n), rng.random(n)
                for k in range(n):
                    when = dt.datetime.combine(start + dt.timedelta(days=int(days[k])), dt.time(int(hours[k]), int(minutes[k])))
                    age = (EXPORT_DATE - when).days
                    if u[k] < 0.03:
                        status = "Unfounded"
                    elif u[k] < 0.03 + CLEARED[cat] and u2[k] >= 0.8 * np.exp(-age / 60):
                        status = "Cleared by Charge" if u3[k] < 0.65 else "Cleared Otherwise"
                    else:
                        status = "Under Investigation" if age < 90 else "Open - Inactive"
                    if nocoord[k] < 0.025:
                        la, lo, blk = "", "", ""
                    elif nocoord[k] < 0.03:
                        la, lo, blk = "0.000000", "0.000000", f"{blocks[k]}XX {strs[k]}"
                    else:
                        la, lo, blk = f"{lat[k]:.5f}", f"{lon[k]:.5f}", f"{blocks[k]}XX {strs[k]}"
                    if on_view[k]:
                        pr, rs = "", ""
                    else:
                        pr, rs = f"P{prio[k] + 1}", f"{resp[k]:.1f}"
                    recs.append((when, name, cat, offs[k], "Y" if dom[k] else "N", la, lo, blk, f"{DISTRICT_CODE[district]}{beats[k]}", district, pr, rs, status))
    recs.sort(key=lambda r: (r[0], AREA_NAMES.index(r[1]), CATS.index(r[2]), r[3]))
    rows, seq = [], {}
    for r in recs:
        when = r[0]
        seq[when.year] = seq.get(when.year, 0) + 1
        occ = f"RPS{when.year % 100:02d}-{seq[when.year]:06d}"
        rows.append([occ, when.strftime("%d/%m/%Y"), when.strftime("%H%M"), r[3], r[4], CODES[r[1]], r[1], r[9], r[8], r[7], r[5], r[6], r[10], r[11], r[12]])
    # deliberate flaws, as real exports have them (README): one record exported twice, one date typed in the wrong format
    i = len(rows) // 3
    rows.insert(i + 1, list(rows[i]))
    j = 2 * len(rows) // 3
    d, mth, y = rows[j][1].split("/")
    rows[j][1] = f"{y}-{mth}-{d}"  # typed in by hand in another format
    header = ["Occurrence No", "Occurred Date", "Occurred Time", "Offence", "Domestic Flag", "Nbhd Code", "Neighbourhood", "District", "Beat", "Hundred Block", "Latitude", "Longitude", "Priority", "Response Min", "Status"]
    return _csv_bytes(header, rows)


SCHOOLS = {a[0]: f"{a[0]} {'Elementary' if k % 2 == 0 else 'Secondary'}" for k, a in enumerate(AREAS) if a[8]}
VENUES = {
    "Cedar Flats": "Cedar Flats Community Centre", "Old Mill": "Old Mill Library", "Market Square": "Market Square Hall",
    "Harbourside": "Harbourside Seafarers Hall", "Ironworks": "Foundry Road Workshop", "North Hill": "North Hill Recreation Centre",
    "Pine Ridge": "Pine Ridge Arena", "University Heights": "Riverton University Student Centre", "Lakeview": "Lakeview Pavilion",
    "Airport Lands": "Airport Terminal Meeting Room", None: "Riverton Town Hall",
}
PARTNERS = {
    "library": "Riverton Public Library", "schools": "Riverton School District", "business": "Harbourside Business Association",
    "youth": "Riverton Youth Centre", "tenants": "Cedar Flats Tenants Association", "transit": "Riverton Transit",
    "campus": "Riverton University Campus Security", "food": "Riverton Food Bank", "fire": "Riverton Fire Rescue",
    "market": "Market Square Merchants Group", "seniors": "Riverton Seniors Circle", "newcomers": "Riverton Newcomer Services",
}


def engagement(rng: np.random.Generator) -> bytes:
    """The community-relations event log: a JSON document with nested location and a list of partners."""
    events = []

    def add(date, etype, title, area, attendees, hours, partners, start=None):
        events.append({"date": date, "start": start, "type": etype, "title": title, "area": area, "attendees": int(attendees), "hours": float(hours), "partners": partners})

    def day_in(q, weekday_only=False):
        s, e = quarter_bounds(q)
        while True:
            d = s + dt.timedelta(days=int(rng.integers(0, (e - s).days)))
            if not weekday_only or d.weekday() < 5:
                return d

    residential = ["Cedar Flats", "Old Mill", "North Hill", "Pine Ridge", "Lakeview", "University Heights"]
    for t, q in enumerate(QUARTERS):
        qoy = int(q[-1])
        # three neighbourhood town halls a quarter, rotating round the town
        for k in range(3):
            area = AREA_NAMES[(3 * t + k) % len(AREA_NAMES)]
            if area in ("Ironworks", "Airport Lands"):
                area = "Market Square" if area == "Ironworks" else "Lakeview"
            add(day_in(q, True), "Town Hall", f"{area} town hall", area, rng.integers(25, 120), rng.uniform(8, 16), [PARTNERS["library"]] if rng.random() < 0.4 else None, "18:30")
        topics = ["road safety", "youth and safety", "the annual policing plan", "mental health calls", "downtown safety", "property crime"]
        for k in range(2):
            area = None if rng.random() < 0.5 else _choice(rng, AREA_NAMES[:4] + AREA_NAMES[5:9])
            add(day_in(q, True), "Community Forum", f"Community forum on {topics[(2 * t + k) % len(topics)]}", area, rng.integers(15, 90), rng.uniform(4, 10), None, "19:00")
        for _ in range(int(rng.integers(1, 3) if qoy == 3 else rng.integers(4, 9))):
            area = _choice(rng, list(SCHOOLS))
            what = _choice(rng, ["Internet safety talk", "Bike safety rodeo", "Safe routes to school walk", "Careers in community safety", "Personal safety talk"])
            add(day_in(q, True), "School Program", f"{what}, {SCHOOLS[area]}", area, rng.integers(20, 200), rng.uniform(2, 8), [PARTNERS["schools"]], "10:00")
        for _ in range(int(rng.integers(3, 6))):
            area = _choice(rng, residential)
            add(day_in(q, True), "Neighbourhood Watch", f"{area} neighbourhood watch meeting", area, rng.integers(8, 36), rng.uniform(1.5, 4), None, "19:00")
        n_market = int(rng.integers(4, 7))
        n_harbour = int(rng.integers(6, 10)) if q >= "2025Q1" else int(rng.integers(0, 2))
        for area, n in (("Market Square", n_market), ("Harbourside", n_harbour)):
            for _ in range(n):
                title = "Harbourside evening foot patrol" if area == "Harbourside" else "Market Square foot patrol"
                add(day_in(q), "Foot Patrol", title, area, rng.integers(15, 80), rng.uniform(6, 16), [PARTNERS["business"]] if area == "Harbourside" and rng.random() < 0.5 else None)
        for _ in range(int(rng.integers(4, 7) if qoy == 3 else rng.integers(2, 5))):
            area = _choice(rng, ["Cedar Flats", "Market Square", "Old Mill", "Pine Ridge"])
            what = "Summer youth camp" if qoy == 3 and rng.random() < 0.5 else _choice(rng, ["Youth basketball night", "Youth leadership circle", "Teen drop-in night"])
            add(day_in(q), "Youth Program", f"{what}, {area}", area, rng.integers(12, 60), rng.uniform(4, 20), [PARTNERS["youth"]] + ([PARTNERS["tenants"]] if area == "Cedar Flats" else []), "17:00")
        if qoy == 3:
            add(day_in(q), "Appreciation Day", "Community appreciation day", None, rng.integers(300, 900), rng.uniform(40, 80), [PARTNERS["fire"], PARTNERS["food"]], "11:00")
        if qoy == 4:
            add(day_in(q, True), "Appreciation Day", "Volunteer recognition evening", None, rng.integers(60, 150), rng.uniform(10, 20), [PARTNERS["seniors"]], "18:00")
        if qoy == 2:
            add(day_in(q, True), "Appreciation Day", "School crossing guard appreciation", None, rng.integers(30, 80), rng.uniform(4, 8), [PARTNERS["schools"]], "15:30")
        for _ in range(int(rng.integers(3, 6))):
            what, partner = _choice(rng, [("Outreach with the food bank", "food"), ("Seniors fraud prevention talk", "seniors"), ("Newcomer welcome session", "newcomers"), ("Outreach at the transit hub", "transit")])
            area = _choice(rng, AREA_NAMES[:4] + AREA_NAMES[5:9])
            add(day_in(q, True), "Outreach", what, area, rng.integers(10, 70), rng.uniform(2, 8), [PARTNERS[partner]], "13:00")
        if q in ("2025Q1", "2025Q2"):
            for _ in range(3):
                add(day_in(q), "Outreach", "Lock it or lose it: vehicle theft prevention", "Harbourside", rng.integers(20, 90), rng.uniform(4, 10), [PARTNERS["business"], PARTNERS["transit"]], "16:00")
        for _ in range(int(rng.integers(2, 5))):
            area = _choice(rng, AREA_NAMES[:4] + AREA_NAMES[5:9])
            add(day_in(q), "Coffee with a Cop", f"Coffee with a cop, {area}", area, rng.integers(10, 45), rng.uniform(2, 5), None, "08:00")
        if qoy == 3:
            add(day_in(q), "Community Event", "Harbourside night market", "Harbourside", rng.integers(200, 600), rng.uniform(20, 40), [PARTNERS["business"]], "18:00")
            add(day_in(q), "Community Event", "Riverton summer festival", None, rng.integers(800, 2000), rng.uniform(60, 120), [PARTNERS["fire"], PARTNERS["market"]], "12:00")
        if t % 4 == 1:
            add(day_in(q, True), "Community Event", "Campus safety week", "University Heights", rng.integers(100, 400), rng.uniform(10, 25), [PARTNERS["campus"]], "12:00")
    events.sort(key=lambda e: (e["date"], e["start"] or "", e["title"]))
    out, seq = [], {}
    for e in events:
        y = e["date"].year
        seq[y] = seq.get(y, 0) + 1
        rec = {"event_ref": f"CR-{y}-{seq[y]:04d}", "event_date": e["date"].isoformat()}
        if e["start"]:
            rec["start_time"] = e["start"]
        rec.update({
            "event_type": e["type"], "title": e["title"],
            "location": {"nbhd_code": CODES.get(e["area"]), "neighbourhood": e["area"], "venue": VENUES[e["area"]]},
            "attendance": e["attendees"], "officer_hours": round(e["hours"], 1), "partners": e["partners"],
        })
        out.append(rec)
    doc = {
        "export": "Riverton Police Service, Community Relations event log (FICTIONAL DEMO DATA)",
        "exported_at": EXPORT_DATE.isoformat(),
        "events": out,
    }
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


TOPICS = {  # topic: (weight, actions)
    "Speeding": (14, ["Traffic enforcement added for four weeks and a speed display board installed.", "Speed checks held at school times; results shared at the next town hall."]),
    "Parking": (8, ["Referred to the town bylaw office, which added weekday checks."]),
    "Noise": (8, ["Weekend night patrols asked to check the area for a month.", "Met with the venue owners; closing-time plan agreed."]),
    "Drug activity": (10, ["Information passed to the district team; extra patrols for two weeks.", "Joint visit with outreach workers; needle drop box requested from the town."]),
    "Street lighting": (6, ["Reported to town public works; lighting repaired.", "Lighting survey done with public works; two lamps replaced."]),
    "Vehicle break-ins": (10, ["Crime prevention notices delivered and evening patrols increased.", "Lock it or lose it leaflets delivered; parking lot owners asked to add lighting."]),
    "Bike theft": (6, ["Bike registration event held and secure racks requested.", "Bike lock clinic held with campus security and the community centre."]),
    "Graffiti": (6, ["Referred to the town clean-up crew; removed within a week."]),
    "Youth activities": (6, ["Youth program session added at the community centre.", "Teen drop-in night started with the youth centre."]),
    "Officer conduct": (4, ["Reviewed by the professional standards unit; the outcome was shared with the person who raised it."]),
    "Response times": (5, ["Call handling reviewed with the district commander; findings presented at the town hall."]),
    "Shoplifting": (5, ["Retail crime prevention meeting held with local businesses.", "Store staff trained on reporting; foot patrol times adjusted."]),
    "Road safety near schools": (6, ["Crossing guard hours extended and school zone enforcement added."]),
}
AREA_TOPICS = {
    "Market Square": {"Drug activity": 3, "Shoplifting": 4, "Noise": 2}, "Harbourside": {"Vehicle break-ins": 3},
    "University Heights": {"Bike theft": 4, "Noise": 2}, "North Hill": {"Speeding": 2, "Road safety near schools": 2},
    "Cedar Flats": {"Drug activity": 2, "Street lighting": 2, "Youth activities": 2}, "Pine Ridge": {"Speeding": 2},
}
AREA_FEEDBACK = {"Cedar Flats": 1.3, "Old Mill": 1.0, "Market Square": 1.5, "Harbourside": 1.1, "Ironworks": 0.05, "North Hill": 1.0, "Pine Ridge": 0.8, "University Heights": 1.0, "Lakeview": 0.7, "Airport Lands": 0.08}
CHANNELS = [("Town Hall", 10), ("Web Form", 35), ("Phone", 20), ("Email", 15), ("Walk-in", 10), ("Social Media", 10)]


def feedback(rng: np.random.Generator) -> bytes:
    """The "you said, we did" log: one row per concern, ISO timestamps, public action text."""
    recs = []
    areas = AREA_NAMES + [None]
    aw = np.asarray([AREA_FEEDBACK[a] for a in AREA_NAMES] + [0.5])
    topics = list(TOPICS)
    for t, q in enumerate(QUARTERS):
        start, end = quarter_bounds(q)
        n = int(rng.poisson(175))
        for _ in range(n):
            area = _choice(rng, areas, aw)
            w = np.asarray([TOPICS[tp][0] * AREA_TOPICS.get(area, {}).get(tp, 1) for tp in topics], dtype=float)
            if area == "Harbourside" and q >= "2025Q2":
                w[topics.index("Vehicle break-ins")] /= 3
            topic = _choice(rng, topics, w)
            when = dt.datetime.combine(start + dt.timedelta(days=int(rng.integers(0, (end - start).days))), dt.time(int(rng.integers(7, 22)), int(rng.integers(0, 60))))
            channel = _choice(rng, [c for c, _ in CHANNELS], [w_ for _, w_ in CHANNELS])
            closed_no_action = rng.random() < 0.08
            days = float(np.exp(rng.normal(np.log(5 if closed_no_action else 15), 0.9)))
            stalled = rng.random() < 0.03
            done = dt.datetime.combine(when.date() + dt.timedelta(days=round(days)), dt.time(int(rng.integers(8, 18)), int(rng.integers(0, 60))))
            if done <= when:
                done = when + dt.timedelta(hours=3)
            if stalled or done > EXPORT_DATE:
                age = (EXPORT_DATE - when).days
                status = "Open" if age < 21 else "In Progress"
                resolved, action = "", ("" if status == "Open" else "Under review by the district team.")
            elif closed_no_action:
                status = "Closed - No Action"
                resolved = done.strftime("%Y-%m-%d %H:%M")
                action = _choice(rng, ["Outside police responsibility; referred to the town.", "Duplicate of an earlier concern; answered there."])
            else:
                status = "Resolved"
                resolved = done.strftime("%Y-%m-%d %H:%M")
                action = _choice(rng, TOPICS[topic][1])
            recs.append((when, area or "", channel, topic, status, resolved, action))
    recs.sort(key=lambda r: (r[0], r[3], r[1]))
    rows = []
    for k, r in enumerate(recs, start=1):
        rows.append([f"FB-{r[0].year}-{k:05d}", r[0].strftime("%Y-%m-%d %H:%M"), r[2], r[3], CODES.get(r[1], ""), r[1], r[4], r[5], r[6]])
    return _csv_bytes(["Case ID", "Received", "Channel", "Topic", "Nbhd Code", "Neighbourhood", "Status", "Resolved", "Action Taken"], rows)


QUESTIONS = {"TRUST_RPS": ("trust", 64), "FEEL_SAFE": ("safety", 70), "TREATED_RESPECT": ("respect", 72), "LISTENS_CONCERNS": ("listens", 58)}
SURVEY_AREA = {"Cedar Flats": -7, "Old Mill": 1, "Market Square": -9, "Harbourside": -3, "Ironworks": -2, "North Hill": 6, "Pine Ridge": 5, "University Heights": -1, "Lakeview": 3, "Airport Lands": 0}


def survey(rng: np.random.Generator) -> bytes:
    """The quarterly trust and safety survey: long format, one row per wave, area and question."""
    rows = []
    for t, q in enumerate(QUARTERS):
        start, _ = quarter_bounds(q)
        fs = start.replace(month=start.month + 1) + dt.timedelta(days=int(rng.integers(0, 7)))
        fe = fs + dt.timedelta(days=20)
        wave = f"{q[:4]} {q[4:]}"
        per_area = []
        for name, *_rest in AREAS:
            pop = _rest[3]
            if name == "Ironworks":
                n = int(rng.integers(2, 7))
            elif name == "Airport Lands":
                n = int(rng.integers(3, 10))
            else:
                n = int(rng.poisson(pop / 10000 * 70))
            scores = {}
            for code, (measure, base) in QUESTIONS.items():
                s = base + SURVEY_AREA[name] + 0.4 * t
                if name == "Harbourside" and q >= "2025Q2":
                    s += 8 if measure in ("trust", "safety", "listens") else 3
                if name == "Market Square" and measure == "safety" and q >= "2025Q3":
                    s -= 4
                s += rng.normal(0, 22 / np.sqrt(max(n, 1)))
                scores[code] = float(np.clip(s, 0, 100))
            per_area.append((name, n, scores))
            for code in QUESTIONS:
                rows.append([wave, fs.isoformat(), fe.isoformat(), CODES[name], name, code, f"{scores[code]:.1f}", str(n)])
        total = sum(n for _, n, _ in per_area)
        for code in QUESTIONS:
            s = sum(n * sc[code] for _, n, sc in per_area) / total
            rows.append([wave, fs.isoformat(), fe.isoformat(), *TOWN, code, f"{s:.1f}", str(total)])
    return _csv_bytes(["Wave", "Fieldwork Start", "Fieldwork End", "Area Code", "Area", "Question", "Score (0-100)", "Respondents"], rows)


def areas(rings: dict) -> bytes:
    feats = []
    for k, (name, _i, _j, district, *_rest) in enumerate(AREAS, start=1):
        feats.append({"type": "Feature", "properties": {"NBHD_CODE": CODES[name], "NBHD_NAME": name, "NBHD_NO": k, "DISTRICT": district}, "geometry": {"type": "Polygon", "coordinates": [rings[name]]}})
    doc = {"type": "FeatureCollection", "name": "riverton_neighbourhoods (FICTIONAL DEMO DATA)", "features": feats}
    return (json.dumps(doc, separators=(",", ":")) + "\n").encode("utf-8")


def population() -> bytes:
    rows = [[name, f"{pop:,}", "2025", "Riverton Planning Department estimate (fictional)"] for name, _i, _j, _d, pop, *_ in AREAS if pop is not None]
    return _csv_bytes(["Neighbourhood", "Residents", "Estimate Year", "Estimate Source"], rows)


README = """# Riverton demo data (FICTIONAL)

Everything in this folder is **made up**. Riverton, its police service, its neighbourhoods, streets,
schools, venues, partners, incidents, events, concerns and survey answers do not exist. The town is
drawn in open water of the North Atlantic (about 44.0° N, 40.1° W) so that no real place is shown.

The files are written by a deterministic generator (fixed seed): run

    python -m demo.generate            # rewrites data/demo/ (byte for byte the same)

and they are loaded through the same loaders as real exports (`python -m bridges demo`), using the
source specs `loaders/sources/demo_*.toml` and the offence crosswalk `loaders/crosswalks/demo.csv`.

Every export carries the service's two-letter neighbourhood code (`OM` = Old Mill …), which is the
area identifier; the boundary file gives each code its name, and the population file (from a
planning department that does not use police codes) is joined by name.

| file | dataset | what it imitates |
|---|---|---|
| `riverton_rms_occurrences.csv` | incidents | a records-management export: `DD/MM/YYYY` dates, `HHMM` times, vendor offence names, `Y`/`N` domestic flag |
| `riverton_community_events.json` | engagement | a community-relations event log (JSON, nested location, partner lists) |
| `riverton_you_said_we_did.csv` | feedback | a "you said, we did" concern log with public action text |
| `riverton_trust_survey.csv` | survey | a quarterly trust and safety survey, one row per wave, area and question |
| `riverton_neighbourhoods.geojson` | areas | ten neighbourhood boundaries (WGS84) |
| `riverton_population.csv` | areas (population) | residents per neighbourhood; Ironworks has 40 residents and Airport Lands none listed, so no rate is shown for them |

Quarters 2023Q4 to 2026Q3. What the demo is built to show:

- seasonality: violence, mischief and disorder peak in summer, burglary in winter;
- real changes: Harbourside vehicle thefts fall by about half from 2025Q1 (after foot patrols and a
  "Lock it or lose it" campaign, both in the engagement log), Market Square shoplifting rises from
  2025Q3, Old Mill burglary eases slowly; other quarter-to-quarter moves are normal variation;
- privacy rules at work: sexual offences and domestic incidents, small areas, rows without
  coordinates (blank or `0,0`);
- the incidents export has two deliberate flaws, as real exports do: one occurrence exported twice
  (the copy is rejected as a duplicate) and one record whose date was typed by hand as `YYYY-MM-DD`
  in a `DD/MM/YYYY` column (rejected). Every other row of every file is accepted.
"""


def build_all() -> dict[str, bytes]:
    """Every demo file as bytes, keyed by file name."""
    rng = np.random.default_rng(SEED)
    rings = _boundaries(rng)
    return {
        FILES["areas"]: areas(rings),
        FILES["population"]: population(),
        FILES["incidents"]: incidents(rng, rings),
        FILES["engagement"]: engagement(rng),
        FILES["feedback"]: feedback(rng),
        FILES["survey"]: survey(rng),
        "README.md": README.encode("utf-8"),
    }


def generate(out_dir: str | Path = DEMO_DIR) -> list[Path]:
    """Write every demo file into out_dir (created if needed) and return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in build_all().items():
        p = out_dir / name
        tmp = p.with_name(f".tmp-{name}")
        tmp.write_bytes(data)
        tmp.replace(p)
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEMO_DIR
    for p in generate(out):
        print(f"{p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
