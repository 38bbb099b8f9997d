"""Stage 0, the canonical data model: datasets and fields, the public tables, structured input errors. Imports nothing of Bridges."""
