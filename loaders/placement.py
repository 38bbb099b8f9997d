"""Place a raw offence or call-type value by keyword: an offence group (loaders/suggest_rules.toml) or a service group
(loaders/codes/service_groups.csv), for values no crosswalk knows, before one is left to the analyst."""
from __future__ import annotations

import re

from .codes import normalise_name, service_match
from .suggest_columns import match_rule, rules

# Words that make a value an offence's name, whatever service word it also holds ('Aiding suicide', 'Causing death or
# serious injury by driving', 'Offences against the family ... inflict injury'): such a value is left to the offence
# rules, or to the analyst.
OFFENCE_WORDS = frozenset({"OFFENCE", "OFFENCES", "OFFENSE", "OFFENSES", "CRIMINAL", "CAUSING", "AIDING", "ABETTING", "INFLICT", "INFLICTING"})
# A service keyword places a call type, not a long label: the value may hold this many words beside the keyword.
SPARE_WORDS = 2
# Words that add nothing to a call type, not counted among its spare words ('VEH-RCVD-FOR OTHER AGENCY' is a recovered
# vehicle whatever agency it was for); a remark in brackets is not counted either, even one a fixed-width export cut
# short ('DISPUTE-CIVIL PROPERTY (NON AU').
FILLER_WORDS = frozenset({"A", "AN", "THE", "OF", "FOR", "TO", "BY", "IN", "ON", "AT", "AND", "OR", "OTHER", "OTH", "MISC", "ETC"})
_REMARK = re.compile(r"[(\[][^)\]]*(?:[)\]]|$)")


def _spare(value: str, keyword: str) -> list[str]:
    """The words of a value beside a service keyword that say more about the call (filler and bracketed remarks left out)."""
    words = normalise_name(_REMARK.sub(" ", value)).split()
    kw = keyword.split()
    for i in range(len(words) - len(kw) + 1):
        if words[i:i + len(kw)] == kw:
            words = words[:i] + words[i + len(kw):]
            break
    return [w for w in words if w not in FILLER_WORDS]


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
    kw = len(service[1].split())
    spare = _spare(value, service[1])
    if OFFENCE_WORDS.intersection(spare):  # 'Non-Criminal' names no offence: its CRIMINAL is the keyword's own word
        return crime
    if crime is None:
        fits = len(spare) <= SPARE_WORDS
    else:
        fits = kw > len(crime[1].split()) and len(spare) <= SPARE_WORDS - 1
    return (service[0], f"service: {service[1].lower()}") if fits else crime
