"""Small per-family hooks for exports whose quirks a column map cannot express."""
