"""Camden on-street crime (police.uk via Socrata): the crime's Persistent ID is the key; ASB rows have none and use the API's ID."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def prepare(table: pa.Table) -> pa.Table:
    """Add `Incident Key`: `Persistent ID` (the police.uk crime ID), or `asb-<ID>` when it is empty."""
    pid = pc.if_else(pc.equal(pc.utf8_trim_whitespace(pc.fill_null(table["Persistent ID"], "")), ""), pa.scalar(None, pa.string()), table["Persistent ID"])
    fallback = pc.binary_join_element_wise(pa.scalar("asb-"), table["ID"], "")
    return table.append_column("Incident Key", pc.coalesce(pid, fallback))
