"""Stage 1, raw export → draft rows: read as text, recognise, map, parse, validate, account for every row. May import model and gate (the free-text scan)."""
