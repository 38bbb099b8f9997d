"""/incidents: trend by offence group, map and table by area (rates per 1,000), time of day and week, status, response times."""
from stats import views
from ui.public import page

ctx = page.start("incidents")
labels = page.measures("incidents", ctx)  # no rate to choose where the areas' rates are per 1,000 of different things, or none
measures = list(labels)
measure = page.choice("map_measure", "", measures, None)
hooks = {"incidents.map": lambda: page.radio("map_measure", views.map_measure_label(ctx), measures, labels.get)} if len(measures) > 1 else {}
page.body("incidents", ctx, hooks=hooks, measure=measure)
page.footer(ctx)
