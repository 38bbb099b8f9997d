"""San Francisco SFPD incident reports: one row per incident code; put each report's primary row first and flag domestic reports."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from loaders.mapping import load_crosswalk
from model.schema import SENSITIVE_CATEGORIES

# Codes that mark a report as domestic (SFPD files them as extra rows of the same Incident ID).
DOMESTIC = r"Domestic Violence|DVU related|Spouse, Cohabitee|former Spouse or Dating Relationship"


def prepare(table: pa.Table) -> pa.Table:
    """Order each report's rows so the row the engine keeps is the report's primary offence: a sensitive
    (sexual-offence) code first, so the whole report is handled as sensitive, then SFPD's lowest (most serious) code.
    Add `Domestic (any code)`: true when any code of the report is a domestic-violence code."""
    cw = load_crosswalk("sf")
    keys, cats = pa.array(list(cw), pa.string()), pa.array(list(cw.values()), pa.string())
    cat_col, desc = table["Incident Category"], table["Incident Description"]
    pair = pc.utf8_upper(pc.binary_join_element_wise(cat_col, desc, " | "))
    cat = pc.coalesce(pc.take(cats, pc.index_in(pair, value_set=keys)), pc.take(cats, pc.index_in(pc.utf8_upper(cat_col), value_set=keys)))
    sensitive = pc.fill_null(pc.is_in(cat, value_set=pa.array(sorted(SENSITIVE_CATEGORIES))), False)
    table = table.append_column("__sensitive_first__", pc.cast(pc.invert(sensitive), pa.int8()))
    table = table.sort_by([("Incident ID", "ascending"), ("__sensitive_first__", "ascending"), ("Incident Code", "ascending"), ("__row__", "ascending")])
    table = table.drop_columns(["__sensitive_first__"])
    hit = pc.fill_null(pc.match_substring_regex(table["Incident Description"], DOMESTIC, ignore_case=True), False)
    ids = pc.unique(pc.filter(table["Incident ID"], hit))
    return table.append_column("Domestic (any code)", pc.if_else(pc.is_in(table["Incident ID"], value_set=ids), "true", "false"))
