"""/ (Overview): headline figures for an area and a quarter, each judged against the previous quarter and a year before."""
from ui.public import page

ctx = page.start("overview")
page.body("overview", ctx)
page.footer(ctx)
