"""/clery: a campus's Annual Security Report (Clery Act): three calendar years of counts in the official layout, as CSV and PDF too."""
from ui.public import clery, page

ctx = page.start("clery")
clery.report(ctx)
page.footer(ctx)
