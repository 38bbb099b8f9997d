"""What a release publishes: the public tables and, for each dataset, the only fields that leave the store."""
from __future__ import annotations

UNKNOWN_AREA = "(unknown)"
ALL = "Total"
ALL_AREAS = "__all__"  # area value of the all-areas rows in the count cubes

# Allowlist: the only fields each dataset publishes. Anything else in the store never leaves it.
PUBLIC_FIELDS: dict[str, list[str]] = {
    "incidents": ["record_id", "source", "occurred_at", "reported_at", "time_precision", "category", "area", "district",
                  "lat", "lon", "block", "status", "response_minutes", "priority", "quarter"],
    "engagement": ["event_id", "source", "date", "type", "title", "area", "attendees", "staff_hours", "partners", "quarter"],
    "feedback": ["record_id", "source", "received_at", "channel", "topic", "area", "status", "resolved_at", "action_taken",
                 "days_to_resolve", "quarter"],
    "survey": ["survey_id", "source", "period_start", "period_end", "area", "measure", "score", "respondents", "quarter"],
    "areas": ["area_id", "source", "name", "population", "population_source", "population_year", "geometry"],
}
# Public free text, scanned for personal data before a draft may be published.
SCANNED_FIELDS: dict[str, list[str]] = {
    # blocks are cut to hundred-blocks by the gate, then scanned for what that rule cannot cut (a phone
    # number, an email, a named person written into the location); offence_raw is never public
    "incidents": ["block"],
    "engagement": ["title", "partners"],
    "feedback": ["topic", "action_taken"],
    "survey": [],
    "areas": ["name"],
}


# The public tables every release has (the gate writes them; an absent one reads as empty).
PUBLIC_TABLES = ("incidents", "incident_counts", "engagement", "feedback", "feedback_counts", "survey", "areas")
