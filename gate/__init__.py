"""Stage 3, the publication gate (privacy rules only): allowlist, location generalising, sensitive masking, small-cell suppression, free-text scanning, safe CSV. May import model only."""
from .location import DEFAULT_CELL_M, DEFAULT_GUARD_M, Grid, generalize_block, generalize_blocks, haversine_m, snap_points
from .scanner import Hit, Scanner, scan, scan_column
from .sensitive import mask_sensitive, sensitive_rows
from .spreadsheet import neutralize, neutralize_frame, write_safe_csv
from .suppression import SuppressedTable, exposed_cells, suppress_long, suppress_table

__all__ = [
    "DEFAULT_CELL_M", "DEFAULT_GUARD_M", "Grid", "generalize_block", "generalize_blocks", "haversine_m", "snap_points",
    "Hit", "Scanner", "scan", "scan_column",
    "mask_sensitive", "sensitive_rows",
    "neutralize", "neutralize_frame", "write_safe_csv",
    "SuppressedTable", "exposed_cells", "suppress_long", "suppress_table",
]
