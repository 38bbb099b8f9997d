"""/trust: survey measures over time by area with the number of respondents (withheld where too few answered)."""
from stats.i18n import t
from ui.public import page

ctx = page.start("trust")
labels = page.measures("trust", ctx)
measures = list(labels)
measure = page.choice("trust_measure", "", measures, None)
hooks = {"trust.areas": lambda: page.radio("trust_measure", t("trust.measure", ctx.lang), measures, labels.get)}
page.body("trust", ctx, hooks=hooks, measure=measure)
page.footer(ctx)
