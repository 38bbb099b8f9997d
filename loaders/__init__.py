"""Loaders: raw exports in any vendor's schema → canonical, validated, versioned tables."""
