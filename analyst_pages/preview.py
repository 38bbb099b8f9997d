"""/preview (analysts only): the public pages with the draft beside the published ones, and the counts that change."""
from ui.analyst import guard as analyst, draft_preview

user = analyst.start("preview")
analyst.guarded(draft_preview.body, user)
