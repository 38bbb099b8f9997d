"""What a release publishes: every public table, its fields and how the gate generalises them, derived from model/schema.py.

The one registry of public tables. The gate's allowlist, the read side's tables (empty ones included), the
downloads, the open-data package and docs/data-dictionary.md all come from here; no other module keeps a list
of public tables or fields.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pyarrow as pa

from model import clery
from model.schema import DATASETS, FEEDBACK, INCIDENTS, Dataset, Field, Fields

UNKNOWN_AREA = "(unknown)"
ALL = "Total"
ALL_AREAS = "__all__"  # area value of the all-areas rows in the count cubes

SCANNED = "Free text: scanned for personal data before publishing; a hit blocks the release until the analyst fixes it."


@dataclass(frozen=True)
class PublicTable(Fields):
    """One table a release publishes: where it comes from, its fields with their published types, its key."""

    name: str
    description: str
    dataset: str  # the canonical dataset it is made from
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()  # fields that identify a row, where the gate makes them unique

    @property
    def scanned(self) -> list[str]:
        """Public free text: scanned for personal data before a draft may be published."""
        return [f.name for f in self.fields if f.free_text]

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of the published Parquet file, each field's meaning and generalisation in its metadata."""
        out = []
        for f in self.fields:
            meta = {"description": f.description}
            if f.generalised:
                meta["generalised"] = f.generalised
            if f.unit:
                meta["unit"] = f.unit
            out.append(pa.field(f.name, f.arrow_type, metadata=meta))
        return pa.schema(out, metadata={"table": self.name, "description": self.description})


def _published(f: Field) -> Field:
    """A canonical field as a release carries it: its published type, and not required where the gate may empty it."""
    return replace(f, type=f.public_type or f.type, public_type=None, required=f.required and not f.emptied_by_gate)


def _dataset_table(ds: Dataset) -> PublicTable:
    fields = []
    for f in ds.fields:
        if f.public == bool(f.withheld):
            raise ValueError(f"{ds.name}.{f.name}: a field is either public or withheld with a reason, not both or neither")
        if f.name == ds.key and ds.public_id is not None:
            if f.public:
                raise ValueError(f"{ds.name}: `{f.name}` is public, so it needs no published id in its place")
            fields.append(_published(ds.public_id))
        elif f.public:
            fields.append(_published(f))
    # a keyed hash is unique by construction; a source's own key is unique only within that source
    key = (ds.public_id.name,) if ds.public_id is not None else ()
    return PublicTable(ds.name, ds.description, ds.name, tuple(fields), key)


def _count_area(what: str) -> Field:
    return Field("area", "string", f"Area identifier, as in `{what}.area`: `{UNKNOWN_AREA}` counts the {what} with no area, "
                                   f"`{ALL_AREAS}` is the total of all areas in the quarter.", required=True)


_SUPPRESSED = Field("suppressed", "bool", "True where `n` is withheld (see `n`).", required=True)

INCIDENT_COUNTS = PublicTable(
    "incident_counts",
    "Incidents counted by quarter, area and group, from the true values before any location or time is masked, so totals "
    "by area stay right. `kind` tells crimes (counted by offence group) from calls for service (counted by service group): "
    "a crime total counts the rows whose kind is `crime` only.",
    "incidents",
    (
        INCIDENTS.field("quarter"),
        Field("scheme", "string", "The area scheme of `area` (as in `areas.scheme`): empty for the main scheme, which `incidents.area` "
                                  "names; `district` for the source's districts; a parent scheme's counts are added up from its children "
                                  "(docs/areas.md). The all-areas rows are in the main scheme only."),
        _count_area("incidents"),
        replace(INCIDENTS.field("kind"), description="Whether `category` is an offence group (`crime`) or a service group (`service`).", derived=None),
        INCIDENTS.field("category"),
        Field("n", "int", "Number of incidents in the cell.", unit="incidents", minimum=0,
              generalised="Empty (and `suppressed` true) for a sensitive group where the count is below k (3 by default: "
                          "`k` in the release's privacy note), or where it would let such a count be worked out from the other counts, "
                          "in its own scheme or from a parent's total and its siblings in another."),
        _SUPPRESSED,
    ),
    key=("quarter", "scheme", "area", "category"),
)

CLERY_COUNTS = PublicTable(
    "clery_counts",
    "The Clery Act's Annual Security Report as counts (US campuses): crimes by calendar year reported, section, Clery category, "
    "Clery geography and, for hate crimes, bias; counted from the true values before any masking. As in the Department of "
    "Education's tables, `on_campus` counts every on-campus crime, those in student housing included, and "
    "`on_campus_student_housing` counts those again: add on campus, noncampus and public property for a total, never student "
    "housing. Unfounded crimes are in their own section and in no other count. Published only by a release whose incidents "
    "have Clery fields.",
    "incidents",
    (
        Field("year", "int", "Calendar year the crimes were reported in (the Clery Act counts by the date reported; a row with no "
                             "report date counts by the date it occurred).", required=True, minimum=1900, maximum=2200),
        Field("section", "string", "The table of the Annual Security Report: criminal offenses, hate crimes, VAWA offenses, arrests, "
                                   "disciplinary referrals, or unfounded crimes (reported apart, in no other count).",
              allowed=clery.SECTIONS, required=True),
        Field("clery_category", "string", "The Clery category counted (for VAWA offenses, the VAWA offense; for arrests and referrals, "
                                          "the weapons, drug or liquor law violation).", allowed=clery.COUNTED, required=True),
        Field("clery_geography", "string", "Where: `on_campus` (student housing included), `on_campus_student_housing` (a part of on "
                                           "campus, counted in both), `noncampus` or `public_property`.", allowed=clery.GEOGRAPHIES, required=True),
        Field("bias", "string", "For hate crimes, the bias; empty in every other section.", allowed=clery.BIASES),
        Field("n", "int", "Number of crimes (for arrests and referrals, of incidents) in the cell.", unit="crimes", minimum=0, required=True),
    ),
    key=("year", "section", "clery_category", "clery_geography", "bias"),
)

FEEDBACK_COUNTS = PublicTable(
    "feedback_counts",
    "Concerns counted by quarter, area and topic.",
    "feedback",
    (
        FEEDBACK.field("quarter"),
        Field("scheme", "string", "The area scheme of `area` (as in `areas.scheme`): empty for the main scheme, which `feedback.area` "
                                  "names; a parent scheme's counts (a beat's district) are added up from its children (docs/areas.md)."),
        replace(_count_area("feedback"), description=f"Area identifier, as in `feedback.area`: `{UNKNOWN_AREA}` counts the concerns with no area."),
        FEEDBACK.field("topic"),
        Field("n", "int", "Number of concerns in the cell.", unit="concerns", minimum=0,
              generalised="Empty (and `suppressed` true) where the count is below k (3 by default: `k` in the release's privacy "
                          "note), or where it would let such a count be worked out from the other counts, in its own scheme or "
                          "from a parent's total and its siblings in another."),
        _SUPPRESSED,
    ),
    key=("quarter", "scheme", "area", "topic"),
)

_ORDER = ("incidents", "incident_counts", "clery_counts", "engagement", "feedback", "feedback_counts", "survey", "areas")
_ALL = {**{name: _dataset_table(ds) for name, ds in DATASETS.items()}, INCIDENT_COUNTS.name: INCIDENT_COUNTS, CLERY_COUNTS.name: CLERY_COUNTS,
        FEEDBACK_COUNTS.name: FEEDBACK_COUNTS}

# Every table a release publishes, in display order (the gate writes them; an absent one reads as empty).
TABLES: dict[str, PublicTable] = {name: _ALL[name] for name in _ORDER}
PUBLIC_TABLES: tuple[str, ...] = tuple(TABLES)

# Allowlist: the only fields each public table holds. Anything else in the store never leaves it.
PUBLIC_FIELDS: dict[str, list[str]] = {name: t.names for name, t in TABLES.items()}
# Public free text, scanned for personal data before a draft may be published (by canonical dataset).
SCANNED_FIELDS: dict[str, list[str]] = {name: TABLES[name].scanned for name in DATASETS}
# Canonical fields that never leave the store, each with the reason why (Field.withheld).
WITHHELD: dict[str, list[Field]] = {name: [f for f in ds.fields if not f.public] for name, ds in DATASETS.items()}


def table(name: str) -> PublicTable:
    """The public table called `name`, or a clear error listing the ones that exist."""
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(f"unknown public table '{name}': choose one of {', '.join(TABLES)}") from None
