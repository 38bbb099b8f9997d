"""Generate the fictional Riverton demo exports in data/demo/, deterministically: `python -m demo.generate [OUT_DIR]`.

Three providers, one of each kind: the Riverton Police Service (incidents, events, concerns, survey, neighbourhoods),
Riverton State University's Department of Public Safety (a campus: its safety log with Clery columns, and its zones) and
Beacon Guard Services (a private security company: its client sites with no boundaries, a guard log that is mostly calls for
service, and its patrol log)."""
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
    "provider": "riverton_provider.toml",  # the name and contact the closing slide, the report and the provider list show
    # the campus: Riverton State University's Department of Public Safety (a store of its own: demo/build.py)
    "campus_incidents": "rsu_public_safety_log.csv",
    "campus_areas": "rsu_campus_zones.geojson",
    "campus_provider": "rsu_provider.toml",
    # the private security company: Beacon Guard Services (a store of its own too), client sites without a map
    "security_incidents": "beacon_guard_log.csv",
    "security_engagement": "beacon_patrol_log.csv",
    "security_areas": "beacon_client_sites.csv",
    "security_provider": "beacon_provider.toml",
}
# each provider's provider.toml (outputs/deck.py reads it), copied into its store when the demo is built
PROVIDERS = {
    "provider": """# FICTIONAL demo provider (demo/generate.py): copied into the demo store as provider.toml
kind = "police"
[en]
name = "Riverton Police Service (fictional demo)"
contact = ["Community office: 555-0100", "community@riverton.example"]
[fr]
name = "Service de police de Riverton (démo fictive)"
contact = ["Bureau communautaire : 555-0100", "community@riverton.example"]
""",
    "campus_provider": """# FICTIONAL demo provider (demo/generate.py): copied into the campus store as provider.toml
kind = "campus"
[en]
name = "Riverton State University, Department of Public Safety (fictional demo)"
contact = ["Public Safety dispatch: 555-0142", "publicsafety@rsu.example"]
[fr]
name = "Université d’État de Riverton, Service de la sécurité publique (démo fictive)"
contact = ["Répartition de la sécurité publique : 555-0142", "publicsafety@rsu.example"]
""",
    "security_provider": """# FICTIONAL demo provider (demo/generate.py): copied into the private security company's store as provider.toml
kind = "private_security"  # a private security company: it reports to its clients, site by site
[en]
name = "Beacon Guard Services (fictional demo)"
contact = ["Client services: 555-0177", "clients@beaconguard.example"]
[fr]
name = "Services de gardiennage Beacon (démo fictive)"
contact = ["Service à la clientèle : 555-0177", "clients@beaconguard.example"]
""",
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


# ---------------------------------------------------------------- the campus: Riverton State University (FICTIONAL)

CAMPUS_SEED = 20261001  # its own generator, so the campus never changes a byte of Riverton's files
CAMPUS_FIRST, CAMPUS_LAST = dt.date(2023, 1, 1), dt.date(2026, 9, 30)  # the log starts in 2023; it was exported after 30 September 2026
# zone code, name, ring corners (lon0, lat0, lon1, lat1), residents, Clery geography shares, buildings by geography
CAMPUS_ZONES = [
    ("NC", "North Campus", (-40.058, 44.021, -40.048, 44.025), None, {"on_campus": 0.85, "public_property": 0.15},
     {"on_campus": ["Science Library", "Humanities Building", "Student Union", "Engineering Building", "Administration Building"],
      "public_property": ["COLLEGE ST"]}),
    ("RV", "Residence Village", (-40.058, 44.016, -40.053, 44.021), 3400,
     {"on_campus_student_housing": 0.75, "on_campus": 0.15, "public_property": 0.10},
     {"on_campus_student_housing": ["Birch Residence Hall", "Cedar Residence Hall", "Maple Residence Hall", "Family Housing Block A"],
      "on_campus": ["Residence Dining Commons", "Village Green"], "public_property": ["CAMPUS DR"]}),
    ("SC", "South Campus", (-40.053, 44.016, -40.048, 44.021), None, {"on_campus": 0.85, "public_property": 0.15},
     {"on_campus": ["Athletics Centre", "Stadium", "Parking Lot C", "Parking Lot D", "Tennis Courts"], "public_property": ["SCHOLAR AVE"]}),
    ("DT", "Downtown Learning Centre", (-40.055, 44.006, -40.053, 44.0075), None, {"noncampus": 1.0},
     {"noncampus": ["Downtown Learning Centre"]}),
    ("FS", "Lakeside Field Station", (-40.036, 44.020, -40.034, 44.0215), None, {"noncampus": 1.0},
     {"noncampus": ["Lakeside Field Station"]}),
]
CAMPUS_GEOGRAPHY = {"on_campus": "On Campus", "on_campus_student_housing": "On Campus - Residential", "noncampus": "Non-Campus",
                    "public_property": "Public Property"}
OUTSIDE = ["MARKET ST", "KING ST", "LAKESHORE DR"]  # reported to the university, but outside its Clery geography
# incident type: Clery classification as the records system tags it, reports a year, zone weights ("" = outside Clery
# geography), hour profile, how it comes to light (prompt | found: a range of time | late: days later), VAWA offense
CAMPUS_TYPES = [
    ("Sexual Assault - Rape", "Rape", 6, {"RV": 6, "NC": 1, "SC": 1, "DT": 0.2, "": 1}, "night", "late", ""),
    ("Sexual Assault - Fondling", "Fondling", 8, {"RV": 4, "NC": 2, "SC": 1, "DT": 0.3, "": 0.5}, "night", "late", ""),
    ("Statutory Rape", "Statutory rape", 0.4, {"RV": 1}, "night", "late", ""),
    ("Robbery", "Robbery", 2, {"NC": 1, "SC": 1, "RV": 1, "": 1}, "night", "prompt", ""),
    ("Assault - Aggravated", "Aggravated assault", 4, {"RV": 2, "NC": 1, "SC": 1, "": 1}, "night", "prompt", ""),
    ("Assault - Simple", "Simple assault", 25, {"RV": 3, "NC": 1, "SC": 2, "": 1}, "night", "prompt", ""),
    ("Intimidation", "Intimidation", 6, {"RV": 2, "NC": 2, "SC": 1}, "mixed", "prompt", ""),
    ("Burglary", "Burglary", 18, {"RV": 6, "NC": 2, "SC": 2, "DT": 0.5, "FS": 0.3}, "mixed", "found", ""),
    ("Motor Vehicle Theft", "Motor vehicle theft", 6, {"SC": 5, "RV": 1, "NC": 1}, "overnight", "found", ""),
    ("Theft from Vehicle", "Larceny-theft", 20, {"SC": 5, "RV": 1, "NC": 1}, "overnight", "found", ""),
    ("Arson", "Arson", 1.5, {"RV": 2, "NC": 1, "SC": 1}, "night", "prompt", ""),
    ("Theft - Bicycle", "Larceny-theft", 90, {"RV": 3, "NC": 3, "SC": 1}, "day", "found", ""),
    ("Theft - Other", "Larceny-theft", 120, {"NC": 4, "RV": 2, "SC": 2, "DT": 0.5, "FS": 0.2}, "day", "found", ""),
    ("Vandalism", "Destruction/damage/ vandalism of property", 60, {"RV": 2, "NC": 2, "SC": 2, "DT": 0.3, "FS": 0.2}, "night", "found", ""),
    ("Stalking", "", 7, {"RV": 2, "NC": 2, "SC": 1, "": 1}, "mixed", "late", "Stalking"),
    ("Dating Violence", "Simple assault", 8, {"RV": 4, "NC": 1, "SC": 1, "": 1}, "night", "late", "Dating violence"),
    ("Domestic Violence", "Simple assault", 3, {"RV": 3, "": 1}, "night", "late", "Domestic violence"),
    ("Liquor Law Violation", "Liquor law violations", 180, {"RV": 6, "SC": 2, "NC": 1, "": 0.5}, "night", "prompt", ""),
    ("Drug Law Violation", "Drug law violations", 60, {"RV": 4, "SC": 1, "NC": 1, "": 0.5}, "evening", "prompt", ""),
    ("Weapons Violation", "Illegal weapons possession", 6, {"RV": 2, "SC": 1, "NC": 1, "": 0.5}, "night", "prompt", ""),
    ("Trespass", "", 30, {"NC": 2, "SC": 2, "RV": 1, "DT": 0.5}, "night", "prompt", ""),
    ("Disorderly Conduct", "", 25, {"RV": 2, "SC": 2, "NC": 1}, "night", "prompt", ""),
    ("Harassment", "", 20, {"RV": 2, "NC": 2, "SC": 1}, "day", "late", ""),
    ("Fraud", "", 15, {"NC": 3, "RV": 1}, "day", "late", ""),
]
# the share of each type that is a hate crime, and the share of arrests among the weapons, drug and liquor law violations
CAMPUS_HATE = {"Intimidation": 0.3, "Assault - Simple": 0.05, "Vandalism": 0.04, "Assault - Aggravated": 0.08, "Theft - Other": 0.005}
CAMPUS_BIAS = [("Race", 4), ("Religion", 2), ("Sexual orientation", 2), ("Ethnicity", 2), ("Gender Identity", 1), ("National origin", 1),
               ("Disability", 0.5), ("Gender", 0.5)]
CAMPUS_ARREST = {"Liquor Law Violation": 0.15, "Drug Law Violation": 0.35, "Weapons Violation": 0.6}
# the academic year: quiet in summer, busy in September and October (liquor peaks then)
CAMPUS_MONTH = [1.0, 1.05, 1.0, 1.05, 0.8, 0.35, 0.3, 0.5, 1.5, 1.3, 1.1, 0.8]
CAMPUS_CLEARED = {"Robbery": 0.4, "Assault - Aggravated": 0.6, "Assault - Simple": 0.6, "Burglary": 0.15, "Motor Vehicle Theft": 0.15,
                  "Theft - Bicycle": 0.05, "Theft - Other": 0.08, "Theft from Vehicle": 0.05, "Vandalism": 0.1, "Trespass": 0.8,
                  "Disorderly Conduct": 0.8}


def _campus_ring(box: tuple[float, float, float, float]) -> list[list[float]]:
    lon0, lat0, lon1, lat1 = box
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]  # counter-clockwise (RFC 7946)


def campus_zones() -> bytes:
    """The campus's zones as GeoJSON, with the residents of student housing (the only zone where people live)."""
    feats = []
    for code, name, box, residents, *_ in CAMPUS_ZONES:
        props = {"ZONE_CODE": code, "ZONE_NAME": name, "RESIDENTS": residents,
                 "RESIDENTS_SOURCE": "RSU Housing Office, residents in fall 2025 (fictional)" if residents else None,
                 "RESIDENTS_YEAR": 2025 if residents else None}
        feats.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [_campus_ring(box)]}})
    doc = {"type": "FeatureCollection", "name": "rsu_campus_zones (FICTIONAL DEMO DATA)", "features": feats}
    return (json.dumps(doc, separators=(",", ":")) + "\n").encode("utf-8")


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = dt.date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    return out


def campus_log(rng: np.random.Generator) -> bytes:
    """The university's public safety log export: one row per incident, US dates, Clery columns as the records system tags them."""
    zones = {z[0]: z for z in CAMPUS_ZONES}
    end = dt.datetime.combine(CAMPUS_LAST, dt.time(23, 59))
    recs = []
    for month in _months(CAMPUS_FIRST, CAMPUS_LAST):
        nxt = dt.date(month.year + (month.month == 12), 1 if month.month == 12 else month.month + 1, 1)
        ndays = (nxt - month).days
        for name, clery_class, per_year, weights, hours, comes, vawa in CAMPUS_TYPES:
            lam = per_year / 12 * CAMPUS_MONTH[month.month - 1] * (1.3 if name == "Liquor Law Violation" and month.month == 9 else 1.0)
            n = int(rng.poisson(lam))
            for _ in range(n):
                start = dt.datetime.combine(month + dt.timedelta(days=int(rng.integers(0, ndays))),
                                            dt.time(int(rng.choice(24, p=_hour_profile(hours))), int(rng.integers(0, 60))))
                until = ""
                if comes == "found":  # found later: it happened some time in a range
                    stop = start + dt.timedelta(minutes=int(rng.integers(30, 14 * 60)))
                    until, reported = stop, stop + dt.timedelta(minutes=int(rng.integers(5, 180)))
                elif comes == "late":
                    reported = start + dt.timedelta(days=float(rng.exponential(20)), minutes=int(rng.integers(30, 600)))
                else:
                    reported = start + dt.timedelta(minutes=int(rng.integers(2, 90)))
                zone = _choice(rng, list(weights), list(weights.values()))
                if zone:
                    shares = dict(zones[zone][4])
                    if name == "Burglary":  # a burglary is in a building, never on the street
                        shares.pop("public_property", None)
                    geo = _choice(rng, list(shares), list(shares.values()))
                    places = zones[zone][5][geo]
                    place = _choice(rng, places)
                    if place.isupper():  # a street: its hundred-block
                        place = f"{int(rng.integers(1, 9))}XX {place}"
                    geo_text = CAMPUS_GEOGRAPHY[geo]
                else:
                    geo_text, place = "", f"{int(rng.integers(1, 40))}XX {_choice(rng, OUTSIDE)}"
                klass = clery_class
                if name == "Dating Violence" and rng.random() < 0.25:
                    klass = "Aggravated assault"
                bias = _choice(rng, [b for b, _ in CAMPUS_BIAS], [w for _, w in CAMPUS_BIAS]) if rng.random() < CAMPUS_HATE.get(name, 0) else ""
                action = ""
                if name in CAMPUS_ARREST:
                    action = "Arrest" if rng.random() < CAMPUS_ARREST[name] else "Judicial Referral"
                recs.append([reported, start, until, name, klass, vawa, bias, geo_text, action, place, zone, rng.random(), rng.random()])
    recs = [r for r in recs if r[0] <= end]  # not reported yet when the log was exported
    recs.sort(key=lambda r: (r[0], r[3], r[9]))
    rows, seq = [], {}
    for reported, start, until, name, klass, vawa, bias, geo_text, action, place, zone, u, u2 in recs:
        seq[reported.year] = seq.get(reported.year, 0) + 1
        age = (end - reported).days
        if action:
            status = "Closed - Arrest" if action == "Arrest" else "Closed - Referred to Student Conduct"
        elif u < 0.03:
            status = "Unfounded"
        elif age < 30 and u2 < 0.7:
            status = "Open - Under Investigation"
        elif u2 < CAMPUS_CLEARED.get(name, 0.3):
            status = "Closed - Cleared by Arrest" if u2 < 0.5 * CAMPUS_CLEARED.get(name, 0.3) else "Closed - Exceptionally Cleared"
        else:
            status = "Inactive - No Leads"
        fmt = "%m/%d/%Y %H:%M"
        rows.append([f"RSU-{reported.year % 100:02d}-{seq[reported.year]:05d}", reported.strftime(fmt), start.strftime(fmt),
                     until.strftime(fmt) if until else "", name, klass, vawa, bias, geo_text, action, place, zone, status])
    header = ["Case Number", "Date Reported", "Occurred From", "Occurred To", "Incident Type", "Clery Classification", "VAWA Offense",
              "Hate Crime Bias", "Clery Geography", "Arrest/Referral", "General Location", "Zone", "Disposition"]
    return _csv_bytes(header, rows)



# ---------------------------------------------------------------- the private security company: Beacon Guard Services (FICTIONAL)

SECURITY_SEED = 20261002  # its own generator, so the company never changes a byte of the other providers' files
SECURITY_QUARTERS = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]  # five quarters: the latest one has a year before it
# site code, name, type, what the client counted for rates (count, what it counts, its source; None: the client gave none),
# posts (where guards stand), calls a quarter by call type (before the quarter's trend)
SECURITY_SITES = [
    ("RSM", "Riverside Mall", "Shopping mall", (18500, "visitors", "Average daily visitors, the mall's entrance counters, 2025 (fictional)"),
     ["Food court", "North entrance", "Parkade level 2", "Loading dock"],
     {"Lost Property": 38, "Medical Assist": 14, "Suspicious Activity Check": 30, "Parking Complaint": 26, "Alarm Response": 9,
      "Cash Escort": 24, "Welfare Check": 6, "Person in Crisis": 2, "Shoplifting": 22, "Theft from Vehicle": 7, "Vandalism": 5,
      "Disorderly Person": 9, "Assault": 2}),
    ("HPO", "Harbour Point Office Park", "Office park", (3400, "employees", "Tenants' headcount survey, January 2026 (fictional)"),
     ["Gatehouse", "Tower A lobby", "Tower B lobby", "Surface lot"],
     {"Alarm Response": 34, "Lockout Assist": 18, "Safety Escort": 16, "Parking Complaint": 20, "Suspicious Activity Check": 14,
      "Medical Assist": 4, "Lost Property": 8, "Theft from Vehicle": 6, "Theft": 5, "Vandalism": 3, "Trespass": 4}),
    ("RGH", "Riverton General Hospital campus", "Hospital campus", None,
     ["Emergency department", "Main entrance", "Parkade", "Maternity wing"],
     {"Safety Escort": 30, "Welfare Check": 16, "Person in Crisis": 12, "Medical Assist": 10, "Suspicious Activity Check": 20,
      "Parking Complaint": 24, "Alarm Response": 12, "Lost Property": 14, "Assault": 6, "Theft": 9, "Theft from Vehicle": 5,
      "Disorderly Person": 8, "Trespass": 5}),
    ("LVT", "Lakeview Tower", "Residential tower", (312, "units", "Building management's unit register, 2026 (fictional)"),
     ["Concierge desk", "Underground garage", "Mail room"],
     {"Alarm Response": 10, "Noise Complaint": 18, "Lockout Assist": 14, "Welfare Check": 5, "Parking Complaint": 8,
      "Lost Property": 4, "Suspicious Activity Check": 9, "Break-in": 3, "Theft": 5, "Vandalism": 3}),
    ("FRD", "Foundry Road Distribution Centre", "Warehouse", (85, "employees", "Client's staff list, 2026 (fictional)"),
     ["Main gate", "Yard"],
     {"Alarm Response": 16, "Suspicious Activity Check": 8, "Trespass": 3, "Theft": 1, "Break-in": 1}),
]
# the guard log's call types: (group the demo crosswalk places it in, hour profile, response minutes median); the crosswalk
# loaders/crosswalks/demo-guard.csv says which are calls for service (kind = service) and which are crimes
SECURITY_CALLS = {
    "Alarm Response": ("overnight", 6), "Medical Assist": ("day", 3), "Welfare Check": ("evening", 8), "Person in Crisis": ("night", 4),
    "Suspicious Activity Check": ("night", 7), "Parking Complaint": ("day", 15), "Safety Escort": ("evening", 5),
    "Cash Escort": ("day", 0), "Lost Property": ("day", 12), "Lockout Assist": ("mixed", 10),
    "Noise Complaint": ("night", 9), "Shoplifting": ("day", 4), "Theft": ("day", 10), "Theft from Vehicle": ("overnight", 12),
    "Vandalism": ("night", 14), "Disorderly Person": ("night", 5), "Assault": ("night", 3), "Trespass": ("night", 8), "Break-in": ("overnight", 9),
}
SECURITY_CRIMES = {"Shoplifting", "Theft", "Theft from Vehicle", "Vandalism", "Disorderly Person", "Assault", "Trespass", "Break-in"}
SECURITY_SEASON = [1.0, 0.95, 1.05, 1.2]  # Q1 .. Q4: the mall's holiday season


def security_trend(site: str, call: str, q: str) -> float:
    """The changes the demo shows: Riverside Mall shoplifting falls by about half from 2026Q2 (after more foot patrols at
    the food court), Harbour Point's alarm calls fall from 2026Q1 (the alarm system was replaced)."""
    if site == "RSM" and call == "Shoplifting" and q >= "2026Q2":
        return 0.5
    if site == "HPO" and call == "Alarm Response" and q >= "2026Q1":
        return 0.55
    return 1.0


def security_sites() -> bytes:
    """The company's client sites: a plain list, no boundaries; a denominator where the client gave one."""
    rows = []
    for code, name, kind, count, *_ in SECURITY_SITES:
        n, unit, source = count if count else ("", "", "")
        rows.append([code, name, kind, unit, f"{n:,}" if n else "", source])
    return _csv_bytes(["Site Code", "Site Name", "Site Type", "Rate Per", "Count", "Count Source"], rows)


def security_log(rng: np.random.Generator) -> bytes:
    """The guard log export: one row per call or incident a guard dealt with, ISO dates, HH:MM times, the post."""
    recs = []
    for q in SECURITY_QUARTERS:
        start, end = quarter_bounds(q)
        ndays = (end - start).days
        qoy = int(q[-1]) - 1
        for code, name, _kind, _count, posts, calls in SECURITY_SITES:
            for call, base in calls.items():
                n = int(rng.poisson(base * SECURITY_SEASON[qoy] * security_trend(code, call, q)))
                hours, median = SECURITY_CALLS[call]
                for _ in range(n):
                    when = dt.datetime.combine(start + dt.timedelta(days=int(rng.integers(0, ndays))),
                                               dt.time(int(rng.choice(24, p=_hour_profile(hours))), int(rng.integers(0, 60))))
                    resp = f"{float(np.exp(rng.normal(np.log(median), 0.45))):.0f}" if median else ""  # a planned escort: no response time
                    if call in SECURITY_CRIMES:
                        outcome = _choice(rng, ["Reported to police", "Trespass notice issued", "Resolved on site"], [5, 2, 3])
                        if call != "Trespass" and outcome == "Trespass notice issued":
                            outcome = "Reported to police"
                    else:
                        outcome = _choice(rng, ["Resolved on site", "Referred to client", "Emergency services called"],
                                          [8, 2, 2 if call in ("Medical Assist", "Person in Crisis") else 0.1])
                    recs.append((when, code, name, _choice(rng, posts), call, resp, outcome))
    recs.sort(key=lambda r: (r[0], r[1], r[4]))
    rows = []
    for k, (when, code, name, post, call, resp, outcome) in enumerate(recs, start=1):
        rows.append([f"BG-{when.year % 100:02d}-{k:05d}", when.strftime("%Y-%m-%d"), when.strftime("%H:%M"), code, name, post, call, resp, outcome])
    return _csv_bytes(["Report No", "Date", "Time", "Site Code", "Site", "Post", "Call Type", "Response (min)", "Outcome"], rows)


def security_patrols(rng: np.random.Generator) -> bytes:
    """The patrol log: one row per foot patrol round a guard walked at a client site, with the guard hours it took."""
    recs = []
    rounds = {"RSM": 10, "HPO": 6, "RGH": 8, "LVT": 4, "FRD": 3}  # rounds a week
    first = quarter_bounds(SECURITY_QUARTERS[0])[0]
    last = quarter_bounds(SECURITY_QUARTERS[-1])[1]
    for code, name, *_ in SECURITY_SITES:
        day = first
        while day < last:
            extra = 4 if code == "RSM" and day >= dt.date(2026, 4, 1) else 0  # the food court's extra rounds (see security_trend)
            for _ in range(int(rng.poisson(rounds[code] + extra))):
                when = dt.datetime.combine(day + dt.timedelta(days=int(rng.integers(0, 7))), dt.time(int(rng.integers(0, 24)), 0))
                if when.date() >= last:
                    continue
                night = when.hour >= 20 or when.hour < 6
                recs.append((when, code, f"{'Night' if night else 'Day'} foot patrol, {name}", round(float(rng.uniform(0.5, 2.0)), 1),
                             int(rng.integers(4, 13))))
            day += dt.timedelta(days=7)
    recs.sort(key=lambda r: (r[0], r[1]))
    rows = [[f"PT-{k:05d}", when.strftime("%Y-%m-%d"), when.strftime("%H:%M"), code, "Foot Patrol", title, f"{hours:.1f}", str(points)]
            for k, (when, code, title, hours, points) in enumerate(recs, start=1)]
    return _csv_bytes(["Patrol No", "Date", "Start", "Site Code", "Patrol Type", "Description", "Guard Hours", "Checkpoints Scanned"], rows)

README = """# Riverton demo data (FICTIONAL)

Three fictional providers, one of each kind Bridges serves: a police service (Riverton Police Service), a campus security
department (Riverton State University) and a private security company (Beacon Guard Services). A fresh checkout builds all
three (`python -m bridges demo --kind all`); the public pages link them (`?provider=riverton-state`, `?provider=beacon-guard`).

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
| `riverton_provider.toml` | (the store's provider.toml) | the service's name and contact, shown on the deck's closing slide and in the list of providers |

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

## Riverton State University (a campus, FICTIONAL)

A second provider, in a store of its own (`python -m bridges demo --kind campus`): the Department of
Public Safety of Riverton State University, which does not exist either. Its campus sits in
University Heights.

| file | dataset | what it imitates |
|---|---|---|
| `rsu_public_safety_log.csv` | incidents | a campus records system's log export: `MM/DD/YYYY HH:MM` dates, the time of report and a range of time for the occurrence, the Clery classification, VAWA offense, hate-crime bias, Clery geography and arrest or referral as the system tags them, a general location (a building, or a hundred-block for a street) |
| `rsu_campus_zones.geojson` | areas | five zones of the university (WGS84); only Residence Village has residents |
| `rsu_provider.toml` | (the store's provider.toml) | the department's name and contact |

Crimes that happened and were reported from 1 January 2023 to 30 September 2026: three full calendar
years for the Annual Security Report (2023 to 2025) and a daily crime log whose last 60 days end on
30 September 2026.
It shows sexual offences reported days or weeks late (some in the next calendar year), student
housing inside on campus, two noncampus buildings, public property, incidents outside Clery
geography, hate crimes with their bias, VAWA offenses, arrests and disciplinary referrals, and
unfounded crimes. Every row is accepted.

## Beacon Guard Services (a private security company, FICTIONAL)

A third provider, in a store of its own (`python -m bridges demo --kind security`): a private security company that guards
five client sites in Riverton. It does not exist, nor do its clients. It has **no boundary file**: its sites are a plain list,
so every page, the deck and the static site show a ranked chart and a table of sites where the others show a map.

| file | dataset | what it imitates |
|---|---|---|
| `beacon_client_sites.csv` | areas | the client sites: code, name, type, and what the client counted for rates (daily visitors at the mall, employees at the office park and the warehouse, units in the residential tower; nothing for the hospital campus, so it has counts and no rate; the warehouse's 85 employees are too few for a fair rate) |
| `beacon_guard_log.csv` | incidents | a guard log export: ISO dates, `HH:MM` times, the site and post, the call type, the response time in minutes and the outcome; mostly calls for service (alarm response, medical assist, welfare check, suspicious activity check, parking, escorts, lost property, lockouts, noise, a person in crisis), some crime (shoplifting, theft, theft from vehicle, vandalism, trespass, disorder, assault, break-ins), placed by `loaders/crosswalks/demo-guard.csv` |
| `beacon_patrol_log.csv` | engagement | the patrol log: one row per foot patrol round at a site, with the guard hours it took and the checkpoints scanned |
| `beacon_provider.toml` | (the store's provider.toml) | the company's name and contact, and `kind = "private_security"` |

Quarters 2025Q3 to 2026Q3. Riverside Mall's shoplifting falls by about half from 2026Q2, after more foot patrol rounds at the
mall (both in the logs); Harbour Point Office Park's alarm calls fall from 2026Q1. Medical assists and calls about a person in
crisis are sensitive: no time of day, small counts by site hidden. Every row is accepted.
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
        FILES["campus_areas"]: campus_zones(),
        FILES["campus_incidents"]: campus_log(np.random.default_rng(CAMPUS_SEED)),
        FILES["security_areas"]: security_sites(),
        FILES["security_incidents"]: security_log(np.random.default_rng(SECURITY_SEED)),
        FILES["security_engagement"]: security_patrols(np.random.default_rng(SECURITY_SEED + 1)),
        **{FILES[k]: text.encode("utf-8") for k, text in PROVIDERS.items()},
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
