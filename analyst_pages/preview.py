"""/preview (analysts only): the public pages with the draft beside the published ones, and the counts that change."""
from ui import analyst, draft_preview

user = analyst.start("preview")
analyst.guarded(draft_preview.body, user)
