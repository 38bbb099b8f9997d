"""The canonical data model: the single source of truth for every dataset's fields."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from model import clery

# Canonical offence groups, in display order. Crosswalks map every source's codes into these.
CATEGORIES: dict[str, str] = {
    "violence": "Violence against the person (assault, homicide, threats, shootings)",
    "sexual_offences": "Sexual offences (sensitive: no point location, no time of day)",
    "robbery": "Robbery (theft with force or threat)",
    "burglary": "Break and enter / burglary",
    "theft_from_vehicle": "Theft from a vehicle",
    "vehicle_theft": "Theft of a vehicle",
    "other_theft": "Other theft (including bicycles, pickpocketing, fraud-like thefts)",
    "shoplifting": "Shoplifting",
    "mischief": "Mischief / criminal damage / arson",
    "drugs": "Drug offences",
    "weapons": "Weapons offences",
    "public_order": "Public order / disorder / anti-social behaviour",
    "traffic": "Traffic offences and collisions",
    "other": "Other offences a crosswalk places here explicitly",
}


def _service_groups() -> dict[str, str]:
    """The service-call groups (id → label) of loaders/codes/service_groups.csv: the loaders' keyword rules and the
    model read the same file, so the list is kept once, as data (read here as a file: the model imports no loader)."""
    path = Path(__file__).resolve().parent.parent / "loaders" / "codes" / "service_groups.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return {r["id"].strip(): r["label"].strip() for r in csv.DictReader(lines)}


# Groups of calls for service that report no offence (alarm response, medical assist, welfare check ...), in file order.
# A service call's group goes in `category`, with `kind` = "service"; no crime total, rate or comparison counts it.
SERVICE_GROUPS: dict[str, str] = _service_groups()
if set(SERVICE_GROUPS) & set(CATEGORIES):  # `category` holds either namespace, so an id may not be in both
    raise ValueError(f"service groups and offence groups share ids: {sorted(set(SERVICE_GROUPS) & set(CATEGORIES))}")
CRIME, SERVICE = "crime", "service"
KINDS = (CRIME, SERVICE)
# Sensitive groups: no point location, no time of day, small counts by area hidden. Medical assists and mental-health
# calls are about a person's health, so a point and a time could tell neighbours who needed help.
SENSITIVE_CATEGORIES = frozenset({"sexual_offences", "medical", "mental_health"})


def category_kind(category: str | None) -> str:
    """`service` for a service group, `crime` for anything else (an offence group)."""
    return SERVICE if category in SERVICE_GROUPS else CRIME


ENGAGEMENT_TYPES = (
    "town_hall", "community_forum", "school_program", "neighbourhood_watch", "community_event",
    "outreach", "foot_patrol", "youth_program", "recognition", "other",
)
# what a client site's denominator may count (model AREAS.denominator): each has a label in the catalogs ("per 1,000 visitors")
DENOMINATOR_UNITS = ("visitors", "employees", "units", "students", "staff", "beds", "households")
FEEDBACK_CHANNELS = ("town_hall", "online", "phone", "email", "in_person", "social_media", "other")
FEEDBACK_STATUSES = ("open", "in_progress", "resolved", "closed")
INCIDENT_STATUSES = ("open", "cleared", "unfounded", "other")
TIME_PRECISIONS = ("exact", "day", "month")
SURVEY_MEASURES = ("trust", "safety", "respect", "listens", "other")
# What an area is (AREAS.kind): the same kinds name the area schemes that sit side by side (beats within districts, and
# neighbourhoods): docs/areas.md
AREA_KINDS = ("neighbourhood", "beat", "district", "sector", "campus", "client_site", "patrol_zone", "other")

QUARTER_PATTERN = r"^\d{4}Q[1-4]$"

ARROW_TYPES = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


@dataclass(frozen=True)
class Field:
    """One canonical field: its name, type, meaning, unit and allowed values."""

    name: str
    type: str
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    public: bool = True  # leaves the store in every release (after the privacy rules of the publication gate)
    free_text: bool = False  # text a person typed: scanned for personal data before it may be published
    generalised: str | None = None  # how the publication gate changes the value on its way out (None: published as stored)
    withheld: str | None = None  # why a field that is not public never leaves the store
    public_type: str | None = None  # the type a release publishes, where it differs from the stored type
    emptied_by_gate: bool = False  # required in the store, but the gate may leave it empty in a release
    derived: str | None = None  # worked out from other fields by loaders.derivations' function of this name, not mapped

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


class Fields:
    """A table's fields looked up by name (shared by canonical datasets and public tables)."""

    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class Dataset(Fields):
    """One canonical dataset: its fields, its key and the field its quarter comes from."""

    name: str
    description: str
    key: str
    quarter_from: tuple[str, ...]  # first non-empty of these timestamps gives the quarter
    fields: tuple[Field, ...] = field(default_factory=tuple)
    public_id: Field | None = None  # published in place of `key` when the key itself must stay in the store

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema, with each field's description and unit in its metadata."""
        fields = []
        for f in self.fields:
            meta = {"description": f.description}
            if f.unit:
                meta["unit"] = f.unit
            if f.allowed:
                meta["allowed"] = ",".join(f.allowed)
            fields.append(pa.field(f.name, f.arrow_type, nullable=not f.required, metadata=meta))
        return pa.schema(fields, metadata={"dataset": self.name, "description": self.description})


_SOURCE = Field("source", "string", "Which records system or loader family the row came from (e.g. `chicago-cpd`).", required=True)
_QUARTER = Field("quarter", "string", "Calendar quarter the row is published under, `YYYYQn`.", required=True, pattern=QUARTER_PATTERN)
_AREA = Field("area", "string", "Area identifier (neighbourhood, beat, patrol zone or client site); joins to `areas.area_id`. Empty when unknown.")
_SENSITIVE = ("sensitive incidents (sexual offences, medical assists, mental-health calls, incidents the source flags as domestic, "
              "incidents with a VAWA offense, and any category the provider adds in `data/privacy.toml`)")
_HASHED_ID = ("Keyed hash of the source and the source's `{key}` (SHA-256 with a secret key that never leaves the store, first 16 hex "
              "digits): stable from one release to the next, and the records system's own number cannot be worked back from it.")

INCIDENTS = Dataset(
    "incidents",
    "One row per reported incident (or offence, where the source reports offences).",
    key="incident_id",
    quarter_from=("occurred_at", "reported_at"),
    fields=(
        Field("incident_id", "string", "Identifier of the incident, unique within its source.", required=True, public=False,
              withheld="The records system's own number can be looked up elsewhere (court lists, news reports, the provider's other "
                       "systems) and tie a row to a person; `record_id` is published instead."),
        _SOURCE,
        Field("occurred_at", "timestamp", "When the incident occurred (local time). See `time_precision`.", required=True,
              generalised=f"Date only for {_SENSITIVE}: the time of day is cut to midnight."),
        Field("reported_at", "timestamp", "When the incident was reported (local time).",
              generalised="Date only (the time of day cut to midnight) for sensitive incidents."),
        Field("occurred_end", "timestamp", "When the incident ended, where the source gives a range (local time): it happened between "
                                           "`occurred_at` and this time. Empty when the source gives one time.",
              generalised="Date only (the time of day cut to midnight) for sensitive incidents."),
        Field("time_precision", "string", "How precise `occurred_at` is: exact time, day only, or month only.", allowed=TIME_PRECISIONS, required=True,
              generalised="`exact` becomes `day` for sensitive incidents, whose time of day is cut."),
        Field("offence_raw", "string", "The offence as the source wrote it, kept for traceability.", public=False, free_text=True,
              withheld="Free text as the records system wrote it: it can hold names, addresses or details of a case. The offence group "
                       "(`category`) is published instead."),
        Field("kind", "string", "Whether the incident is a crime or a call for service that reports no offence (an alarm, a medical "
                                "assist, a welfare check ...). Worked out from `category`: a service group makes it `service`.",
              allowed=KINDS, required=True, derived="kind"),
        Field("category", "string", "Canonical group, from the source's crosswalk: an offence group for a crime, a service group for a "
                                    "call for service (see `kind`).", allowed=(*CATEGORIES, *SERVICE_GROUPS), required=True),
        Field("domestic", "bool", "True where the source flags the incident as domestic (sensitive).", public=False,
              withheld="Publishing the flag would mark a household. The gate uses it only to treat the incident as sensitive "
                       "(no point, no block, date only)."),
        replace(_AREA, generalised="Empty for a sensitive incident whose cell (quarter, area, category) is suppressed in `incident_counts`, "
                                   "so a row cannot give away a suppressed count."),
        Field("district", "string", "Police district, division or precinct, as the source names it.",
              generalised="Empty where `area` is withheld, and for sensitive incidents where the districts are counted as an area "
                          "scheme of their own (`incident_counts.scheme` = `district`), so rows and counts cannot be matched up."),
        Field("lat", "float", "Latitude (WGS84). Empty when the location is unknown or withheld.", unit="degrees", minimum=-90, maximum=90,
              generalised="Snapped to the centre of a grid square 200 m a side (the size is `cell_m` in the release's privacy note), never "
                          "within 10 m of the true point; empty for sensitive incidents."),
        Field("lon", "float", "Longitude (WGS84). Empty when the location is unknown or withheld.", unit="degrees", minimum=-180, maximum=180,
              generalised="Snapped with `lat` to the centre of the same grid square; empty for sensitive incidents."),
        Field("block", "string", "Hundred-block address (e.g. `12XX MAIN ST`), or a building's name where the source gives one (a campus).", free_text=True,
              generalised="Cut to a hundred-block (`1234 MAIN ST` becomes `12XX MAIN ST`, a full postcode keeps its first half); "
                          "empty for sensitive incidents."),
        Field("status", "string", "Outcome status of the incident.", allowed=INCIDENT_STATUSES),
        Field("response_minutes", "float", "Minutes from call to arrival, for calls for service.", unit="minutes", minimum=0),
        Field("priority", "string", "Call priority as the source names it."),
        Field("clery_category", "string", "The offense as the Clery Act names it (US campuses, 34 CFR 668.46(c)): a criminal offense, a "
                                          "category counted only as a hate crime, or a weapons, drug or liquor law violation. Empty when the "
                                          "incident is no Clery crime or the source is not a campus.", allowed=clery.CATEGORIES),
        Field("clery_geography", "string", "Where the incident happened in the Clery Act's terms: on campus, on-campus student housing (a "
                                           "part of the campus), noncampus property or public property. Empty outside Clery geography.",
              allowed=clery.GEOGRAPHIES, generalised="Empty where `area` is withheld, so a row cannot give away a suppressed count."),
        Field("bias", "string", "For a hate crime, the bias that motivated it (one of the Clery Act's eight); empty otherwise.",
              allowed=clery.BIASES, public=False,
              withheld="It says something about the victim (their religion, orientation, disability ...). Hate crimes are published "
                       "only as counts by year, category, geography and bias in `clery_counts`."),
        Field("vawa_offense", "string", "Domestic violence, dating violence or stalking (the Clery Act's VAWA offenses), beside the "
                                        "incident's other category; empty otherwise.", allowed=clery.VAWA_OFFENSES, public=False,
              withheld="Like the domestic flag, it would mark a household or a couple. The gate treats the incident as sensitive and "
                       "counts it in `clery_counts` only."),
        Field("clery_action", "string", "For a weapons, drug or liquor law violation, whether the person was arrested or referred for "
                                        "disciplinary action (an arrest wins when both).", allowed=clery.ACTIONS, public=False,
              withheld="It says what happened to a person (often a student). Arrests and referrals are published only as counts in "
                       "`clery_counts`."),
        _QUARTER,
    ),
    public_id=Field("record_id", "string", "Public identifier of the incident.", required=True, generalised=_HASHED_ID.format(key="incident_id")),
)

ENGAGEMENT = Dataset(
    "engagement",
    "One row per community initiative or event (forums, school programs, patrols, recognition).",
    key="event_id",
    quarter_from=("date",),
    fields=(
        Field("event_id", "string", "Identifier of the event, unique within its source.", required=True),
        _SOURCE,
        Field("date", "timestamp", "Date (and time, where known) of the event.", required=True),
        Field("type", "string", "Kind of initiative.", allowed=ENGAGEMENT_TYPES, required=True),
        Field("title", "string", "Public title of the event.", free_text=True),
        _AREA,
        Field("attendees", "int", "Number of people who attended.", unit="people", minimum=0),
        Field("staff_hours", "float", "Staff hours given to the event.", unit="hours", minimum=0),
        Field("partners", "string", "Partner organisations, separated by `;`.", free_text=True),
        _QUARTER,
    ),
)

FEEDBACK = Dataset(
    "feedback",
    "One row per concern raised by the community, and what was done about it (\"you said, we did\").",
    key="feedback_id",
    quarter_from=("received_at", "resolved_at"),
    fields=(
        Field("feedback_id", "string", "Identifier of the concern, unique within its source.", required=True, public=False,
              withheld="The case number can be matched to the person who raised the concern (a letter, an email, a call log); "
                       "`record_id` is published instead."),
        _SOURCE,
        Field("received_at", "timestamp", "When the concern was received (local time)."),
        Field("channel", "string", "How the concern reached the provider.", allowed=FEEDBACK_CHANNELS),
        Field("topic", "string", "What the concern is about, as a short label.", required=True, free_text=True),
        replace(_AREA, generalised="Empty where the concern's cell (quarter, area, topic) is suppressed in `feedback_counts`."),
        Field("status", "string", "Where the concern stands.", allowed=FEEDBACK_STATUSES, required=True),
        Field("resolved_at", "timestamp", "When the concern was resolved or closed (local time)."),
        Field("action_taken", "string", "Public text: what was done.", free_text=True),
        Field("days_to_resolve", "float", "Days from received to resolved, derived.", unit="days", minimum=0, derived="days_to_resolve"),
        _QUARTER,
    ),
    public_id=Field("record_id", "string", "Public identifier of the concern.", required=True, generalised=_HASHED_ID.format(key="feedback_id")),
)

SURVEY = Dataset(
    "survey",
    "One row per survey measure, area and period (trust and safety perception).",
    key="survey_id",
    quarter_from=("period_start",),
    fields=(
        Field("survey_id", "string", "Identifier of the row: period, area and measure.", required=True),
        _SOURCE,
        Field("period_start", "timestamp", "First day of the survey period.", required=True, public_type="date",
              generalised="Published as a date: a survey period is a span of days."),
        Field("period_end", "timestamp", "Last day of the survey period.", public_type="date",
              generalised="Published as a date."),
        Field("area", "string", "Area identifier; empty for the whole service area."),
        Field("scheme", "string", "The area scheme `area` belongs to (e.g. `district`, `sector`), as in `areas.scheme`; empty for the "
                                  "provider's main scheme (the one incidents' `area` names)."),
        Field("parent", "string", "The `area_id` of the area that contains `area`, where the source names it on the row (a Chicago "
                                  "sector's police district): the area is listed with it as its `parent`.", public=False,
              withheld="Published once per area, as `areas.parent`, rather than on every row."),
        Field("measure", "string", "What was measured.", allowed=SURVEY_MEASURES, required=True),
        Field("score", "float", "Score from 0 (worst) to 100 (best).", unit="points (0-100)", minimum=0, maximum=100, required=True, emptied_by_gate=True,
              generalised="Empty where fewer people answered than the minimum (10 by default: `survey_min_respondents` in the release's "
                          "privacy note)."),
        Field("respondents", "int", "How many people answered; empty when the source does not say.", unit="people", minimum=0),
        _QUARTER,
    ),
)

AREAS = Dataset(
    "areas",
    "Reference table of areas, with population and boundary.",
    key="area_id",
    quarter_from=(),
    fields=(
        Field("area_id", "string", "Area identifier, as used in the other datasets' `area`.", required=True),
        _SOURCE,
        Field("name", "string", "Area name for display.", required=True, free_text=True),
        Field("population", "int", "Residents, the denominator of rates per 1,000.", unit="people", minimum=0),
        Field("population_source", "string", "Where the population figure comes from."),
        Field("population_year", "int", "Year the population figure refers to.", minimum=1800, maximum=2200),
        Field("geometry", "string", "Boundary as a GeoJSON geometry (WGS84)."),
        Field("scheme", "string", "The area scheme the area belongs to (e.g. `district`, `sector`): several schemes sit side by side, "
                                  "and an `area_id` is unique within its scheme. Empty for the provider's main scheme, the areas that "
                                  "incidents', engagement's and feedback's `area` name."),
        Field("kind", "string", "What the area is: a neighbourhood, beat, district, sector, campus, client site or patrol zone.",
              allowed=AREA_KINDS),
        Field("parent", "string", "The `area_id` of the area that contains this one, in the scheme above it (a beat's district); "
                                  "empty at the top. Counts of a parent are added up from its children."),
        # a client site or patrol zone has no residents: its provider may give another count to make rates of
        Field("denominator", "int", "Where no population applies (a client site), another count the provider gives for rates per "
                                    "1,000: visitors, employees, units ...; `population` wins where both are given.", minimum=0),
        Field("denominator_unit", "string", "What `denominator` counts.", allowed=DENOMINATOR_UNITS),
        Field("denominator_source", "string", "Where `denominator` comes from (and its year)."),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (INCIDENTS, ENGAGEMENT, FEEDBACK, SURVEY, AREAS)}


def dataset(name: str) -> Dataset:
    """The dataset called `name`, or a clear error listing the ones that exist."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset '{name}': choose one of {', '.join(DATASETS)}") from None
