"""Place a raw offence or call-type value by keyword: an offence group (loaders/suggest_rules.toml) or a service group
(loaders/codes/service_groups.csv), for values no crosswalk knows, before one is left to the analyst."""
from __future__ import annotations

from .codes import normalise_name, service_match
from .suggest_columns import match_rule, rules

# Words that make a value an offence's name, whatever service word it also holds ('Aiding suicide', 'Causing death or
# serious injury by driving', 'Offences against the family ... inflict injury'): such a value is left to the offence
# rules, or to the analyst.
OFFENCE_WORDS = frozenset({"OFFENCE", "OFFENCES", "OFFENSE", "OFFENSES", "CRIMINAL", "CAUSING", "AIDING", "ABETTING", "INFLICT", "INFLICTING"})
# A service keyword places a call type, not a long label: the value may hold this many words beside the keyword.
SPARE_WORDS = 2


def place_category(value: str) -> tuple[str, str] | None:
    """(group, the rule that placed it) for a value of the category column, or None when no rule knows it.

    An offence rule wins, except over a longer service phrase that is nearly the whole value: a call type names its
    service in a phrase ('BURGLAR ALARM', 'NOISE COMPLAINT', 'TRESPASSER CHECK') where an offence rule sees one word of
    it ('BURG', 'NOISE', 'TRESPASS'). A short value no offence rule knows goes to the service group whose keyword it
    holds ('Medical assist', 'Welfare check', 'Parking'). Long labels and offence names are never placed as service."""
    crime = match_rule(value, rules()["category"], "group")
    service = service_match(value)
    if service is None:
        return crime
    words = normalise_name(value).split()
    kw = len(service[1].split())
    if OFFENCE_WORDS.intersection(words):
        return crime
    if crime is None:
        fits = len(words) - kw <= SPARE_WORDS
    else:
        fits = kw > len(crime[1].split()) and len(words) - kw <= SPARE_WORDS - 1
    return (service[0], f"service: {service[1].lower()}") if fits else crime
