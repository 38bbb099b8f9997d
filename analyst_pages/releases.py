"""/releases (analysts only): publish a draft with a note, every release and its corrections, restore, delete a draft, audit log."""
from ui.analyst import guard as analyst, releases

user = analyst.start("releases")
analyst.guarded(releases.body, user)
