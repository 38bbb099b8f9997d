"""/data: downloads of every public table, release history and corrections, privacy note, sources, methodology, data dictionary."""
from ui.public import downloads, page

ctx = page.start("data")
downloads.contents(ctx)
page.body("data", ctx, downloads=lambda block: downloads.links(ctx, block))
page.footer(ctx)
