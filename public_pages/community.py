"""/community: events by type and area, attendance and staff hours, reach per 1,000 residents beside the incident rate."""
from ui.public import page

ctx = page.start("community")
page.body("community", ctx)
page.footer(ctx)
