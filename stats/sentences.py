"""Plain-language sentences generated from the numbers of a chart (they double as the chart's alt text).

Pure functions: numbers and labels in, text out, in the requested language (catalogs in locales/).
A change between two counts is always judged with the Poisson test of stats.compare, never given as a
bare percentage.
"""
from __future__ import annotations

from .compare import compare, compare_scores
from .i18n import num, pct, t


def judged_change(before: int, after: int, period: str, lang: str) -> str:
    """'down 25 % from 400 in Q2 2026, a real fall (more than normal variation)'."""
    c = compare(int(before), int(after))
    if c.direction == "unchanged":
        change = t("change.same", lang, before=num(before, lang), period=period)
    elif c.before == 0:
        change = t("change.from_zero", lang, period=period)
    else:
        change = t(f"change.{c.direction}", lang, pct=pct(abs(c.pct) / 100.0, lang), before=num(before, lang), period=period)
    if not c.significant:
        judge = t("judge.normal", lang)
    else:
        judge = t("judge.rise" if c.direction == "up" else "judge.fall", lang)
    return t("change.judged", lang, change=change, judge=judge)


def judged_score_change(before: float, n_before, after: float, n_after, period: str, lang: str) -> str:
    """'up 3 points from 59 in Q2 2026, within normal variation' (two-sample test on the survey shares)."""
    c = compare_scores(before, n_before, after, n_after)
    pts = abs(round(c.points))
    if pts == 0:
        change = t("score_change.same", lang, before=num(before, lang), period=period)
    else:
        change = t(f"score_change.{c.direction}{'_one' if pts == 1 else ''}", lang, points=num(pts, lang), before=num(before, lang), period=period)
    if c.z is None and c.points:
        judge = t("judge.unknown", lang)
    elif not c.significant:
        judge = t("judge.normal", lang)
    else:
        judge = t("judge.rise" if c.direction == "up" else "judge.fall", lang)
    return t("change.judged", lang, change=change, judge=judge)


def join_list(items: list[str], lang: str) -> str:
    """'a, b and c' / 'a, b et c'."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return t("list.join", lang, head=", ".join(items[:-1]), last=items[-1])


def counted(items: list[tuple[str, int]], lang: str) -> str:
    """'violence (120), other theft (98) and burglary (40)'."""
    return join_list([t("counted", lang, label=lab, n=num(n, lang)) for lab, n in items], lang)


# ---------------------------------------------------------------- incidents


def trend(where: str, quarter: str, total: int, hidden: int, prev: str | None, year: str | None, top: list[tuple[str, int]], lang: str,
          what: str = "trend") -> str:
    """The trend's sentence; `what` = "service" counts calls for service instead of incidents."""
    parts = [t(f"s.{what}.total", lang, where=where, quarter=quarter, n=num(total, lang))]
    if hidden:
        parts.append(t("s.hidden_not_counted", lang, n=num(hidden, lang)))
    comps = [c for c in (prev, year) if c]
    if comps:
        parts.append(t("s.compared", lang, changes="; ".join(comps)))
    if top:
        parts.append(t(f"s.{what}.top", lang, items=counted(top, lang)))
    return " ".join(parts)


def area_map(quarter: str, measure: str, high: tuple[str, str] | None, low: tuple[str, str] | None,
             no_rate: list[tuple[str, str]], lang: str) -> str:
    if high is None:
        return t("s.map.none", lang, quarter=quarter)
    parts = [t(f"s.map.{measure}", lang, quarter=quarter, high=high[0], high_v=high[1], low=low[0], low_v=low[1])]
    if no_rate:
        parts.append(t("s.map.no_rate", lang, items=join_list([f"{n} ({r})" for n, r in no_rate], lang)))
    return " ".join(parts)


def no_point(total: int, without: int, unknown_area: int, lang: str) -> str:
    parts = [t("s.no_point", lang, total=num(total, lang), n=num(without, lang))]
    if unknown_area:
        parts.append(t("s.unknown_area", lang, n=num(unknown_area, lang)))
    return " ".join(parts)


def busiest(where: str, quarter: str, kind: str, high: tuple[str, int] | None, low: tuple[str, int] | None, excluded: int, lang: str) -> str:
    if high is None:
        text = t(f"s.{kind}.none", lang, where=where, quarter=quarter)
    else:
        text = t(f"s.{kind}.busiest", lang, where=where, quarter=quarter, high=high[0], high_n=num(high[1], lang), low=low[0], low_n=num(low[1], lang))
    if excluded:
        text += " " + t(f"s.{kind}.excluded", lang, n=num(excluded, lang))
    return text


def status(where: str, quarter: str, total: int, shares: list[tuple[str, int]], lang: str) -> str:
    if not total:
        return t("s.status.none", lang, where=where, quarter=quarter)
    items = join_list([t("s.status.item", lang, share=pct(n / total, lang), label=lab) for lab, n in shares], lang)
    return t("s.status.text", lang, where=where, quarter=quarter, n=num(total, lang), items=items)


def response(where: str, quarter: str, n: int, median: float | None, p90: float | None, lang: str, what: str = "response") -> str:
    """Response times of the quarter; `what` = "service_response" speaks of calls for service."""
    if not n or median is None:
        return t(f"s.{what}.none_quarter", lang, where=where, quarter=quarter)
    return t(f"s.{what}.text", lang, where=where, quarter=quarter, n=num(n, lang), median=num(median, lang), p90=num(p90, lang))


# ---------------------------------------------------------------- how we helped (calls for service)


def service_types(where: str, quarter: str, total: int, top: list[tuple[str, int]], hidden: int, changes: list[str], lang: str) -> str:
    """'Northgate, Q3 2026: 40 calls for service that reported no offence. The most common were alarm responses (20), ...'"""
    if not total and not hidden:
        return t("s.service.none_quarter", lang, where=where, quarter=quarter)
    parts = [t("s.service.types", lang, where=where, quarter=quarter, n=num(total, lang))]
    if hidden:
        parts.append(t("s.hidden_not_counted", lang, n=num(hidden, lang)))
    if changes:
        parts.append(t("s.compared", lang, changes="; ".join(changes)))
    if top:
        parts.append(t("s.service.top", lang, items=counted(top, lang)))
    return " ".join(parts)


# ---------------------------------------------------------------- community


def events_by_type(where: str, quarter: str, events: int, attendees: int | None, top: list[tuple[str, int]], lang: str) -> str:
    """attendees None: the release counts no one at any event (a guard log's patrols), so no "0 attendances"."""
    if not events:
        return t("s.events.none", lang, where=where, quarter=quarter)
    if attendees is None:
        return t("s.events.type_no_people", lang, where=where, quarter=quarter, n=num(events, lang), items=counted(top, lang))
    return t("s.events.type", lang, where=where, quarter=quarter, n=num(events, lang), people=num(attendees, lang), items=counted(top, lang))


def events_by_area(quarter: str, top: tuple[str, int] | None, service_wide: int, lang: str) -> str:
    if top is None:
        return t("s.events.none_any", lang, quarter=quarter)
    text = t("s.events.area", lang, quarter=quarter, area=top[0], n=num(top[1], lang))
    if service_wide:
        text += " " + t("s.events.service_wide", lang, n=num(service_wide, lang))
    return text


def attendance(where: str, quarter: str, attendees: int, hours: float, change: str | None, lang: str) -> str:
    text = t("s.attendance.text", lang, where=where, quarter=quarter, people=num(attendees, lang), hours=num(hours, lang))
    if change:
        text += " " + t("s.attendance.events_change", lang, change=change)
    return text


def reach(quarter: str, top_rate: tuple[str, str, str] | None, top_reach: tuple[str, str] | None, lang: str) -> str:
    if top_rate is None or top_reach is None:
        return t("s.reach.none", lang, quarter=quarter)
    return t("s.reach.text", lang, quarter=quarter, area=top_rate[0], rate=top_rate[1], reach=top_rate[2], reach_area=top_reach[0], reach_v=top_reach[1])


# ---------------------------------------------------------------- feedback


def topics(where: str, quarter: str, total: int, top: list[tuple[str, int]], hidden: int, k: int, lang: str, one_area: bool = False) -> str:
    if not total and not hidden:
        return t("s.topics.none_area" if one_area else "s.topics.none", lang, where=where, quarter=quarter)
    if not total:
        return t("s.topics.all_hidden", lang, where=where, quarter=quarter, n=num(hidden, lang), k=num(k, lang))
    text = t("s.topics.text", lang, where=where, quarter=quarter, n=num(total, lang), items=counted(top, lang))
    if hidden:
        text += " " + t("s.topics.hidden", lang, n=num(hidden, lang), k=num(k, lang))
    return text


def channels(where: str, quarter: str, total: int, top: tuple[str, int] | None, lang: str, one_area: bool = False) -> str:
    if not total or top is None:
        return t("s.topics.none_area" if one_area else "s.topics.none", lang, where=where, quarter=quarter)
    return t("s.channels.text", lang, where=where, quarter=quarter, n=num(total, lang), label=top[0], share=pct(top[1] / total, lang))


def resolution(where: str, quarter: str, received: int, resolved: int, median: float | None, target: float, lang: str,
               one_area: bool = False) -> str:
    if not received:
        return t("s.topics.none_area" if one_area else "s.topics.none", lang, where=where, quarter=quarter)
    text = t("s.resolution.share", lang, where=where, quarter=quarter, n=num(received, lang), resolved=num(resolved, lang),
             share=pct(resolved / received, lang))
    if median is not None:
        key = "s.resolution.median_met" if median <= target else "s.resolution.median_missed"
        text += " " + t(key, lang, median=num(median, lang, 1), target=num(target, lang))
    return text


def open_old(where: str, n_old: int, n_open: int, target: float, oldest: str | None, lang: str) -> str:
    if not n_old:
        return t("s.open.none", lang, where=where, target=num(target, lang), open=num(n_open, lang))
    return t("s.open.text", lang, where=where, n=num(n_old, lang), target=num(target, lang), oldest=oldest or "", open=num(n_open, lang))


# ---------------------------------------------------------------- survey


def survey(where: str, quarter: str, items: list[tuple[str, float, int | None, str | None]], withheld_quarters: int, minimum: int, lang: str) -> str:
    if not items:
        text = t("s.survey.none", lang, where=where, quarter=quarter, min=num(minimum, lang))
    else:
        bits = []
        for lab, score, n, change in items:
            b = t("s.survey.item", lang, label=lab, score=num(score, lang), n=num(n, lang) if n else "?")
            bits.append(b + (", " + change if change else ""))
        text = t("s.survey.text", lang, where=where, quarter=quarter, items="; ".join(bits))
    if withheld_quarters:
        text += " " + t("s.survey.withheld", lang, n=num(withheld_quarters, lang), min=num(minimum, lang))
    return text


def survey_areas(quarter: str, measure: str, high: tuple[str, float, int] | None, low: tuple[str, float, int] | None, withheld: int,
                 minimum: int, lang: str) -> str:
    if high is None:
        text = t("s.survey_areas.none", lang, quarter=quarter, measure=measure)
    else:
        text = t("s.survey_areas.text", lang, quarter=quarter, measure=measure, high=high[0], high_v=num(high[1], lang), high_n=num(high[2], lang),
                 low=low[0], low_v=num(low[1], lang), low_n=num(low[2], lang))
    if withheld:
        text += " " + t("s.survey_areas.withheld", lang, n=num(withheld, lang), min=num(minimum, lang))
    return text
