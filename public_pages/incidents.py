"""/incidents: trend by offence group, map and table by area (rates per 1,000), time of day and week, status, response times."""
from stats.i18n import t
from ui.public import page

ctx = page.start("incidents")
measures = ["rate", "count"]
measure = page.choice("map_measure", "", measures, None)
hooks = {"incidents.map": lambda: page.radio("map_measure", t("map.measure_label", ctx.lang), measures, lambda m: t(f"map.measure.{m}", ctx.lang))}
page.body("incidents", ctx, hooks=hooks, measure=measure)
page.footer(ctx)
