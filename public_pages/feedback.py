"""/feedback ("you said, we did"): concerns by topic and channel, share resolved and days to resolve, open items, actions taken."""
from ui.public import page

ctx = page.start("feedback")
page.body("feedback", ctx)
page.footer(ctx)
