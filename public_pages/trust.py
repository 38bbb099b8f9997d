"""/trust: survey measures over time by area with the number of respondents (withheld where too few answered)."""
from stats import queries
from stats.i18n import label, t
from ui.public import page

ctx = page.start("trust")
measures = sorted(ctx.q(queries.survey_measures) or ["trust"], key=lambda m: (m != "trust", m))
measure = page.choice("trust_measure", "", measures, None)
hooks = {"trust.areas": lambda: page.radio("trust_measure", t("trust.measure", ctx.lang), measures, lambda m: label("measure", m, ctx.lang))}
page.body("trust", ctx, hooks=hooks, measure=measure)
page.footer(ctx)
