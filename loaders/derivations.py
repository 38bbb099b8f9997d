"""Fields worked out from other fields after the mapping; the schema names which (Field.derived), the engine calls them by that name."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from model.schema import CRIME, SERVICE, SERVICE_GROUPS

Warn = Callable[..., None]  # warn(column, reason, mask, values=None): rows kept with something to check


def days_to_resolve(out: dict, warn: Warn):
    """Days from received_at to resolved_at; a concern resolved before it was received gets none, with a warning.
    None when either date is not mapped."""
    if "received_at" not in out or "resolved_at" not in out:
        return None
    days = pc.divide(pc.cast(pc.subtract(out["resolved_at"], out["received_at"]), pa.int64()), 86400e6)
    neg = np.asarray(pc.fill_null(pc.less(days, 0), False).to_numpy(zero_copy_only=False)).astype(bool)
    warn("resolved_at", "resolved before it was received; days to resolve left empty", neg)
    return pc.if_else(pa.array(neg), pa.scalar(None, pa.float64()), days)


def kind(out: dict, warn: Warn):
    """`service` where the category is a service group (a crosswalk or keyword rule placed a call type there), else
    `crime`: every source whose crosswalk names offence groups only is all crime. None when no category is mapped."""
    if "category" not in out:
        return None
    service = pc.fill_null(pc.is_in(out["category"], value_set=pa.array(list(SERVICE_GROUPS), pa.string())), False)
    return pc.if_else(service, pa.scalar(SERVICE), pa.scalar(CRIME))


DERIVATIONS: dict[str, Callable[[dict, Warn], object]] = {"days_to_resolve": days_to_resolve, "kind": kind}
