"""/upload (analysts only): an export in, a draft out, with the validation and privacy reports; the page checks the role itself."""
from ui.analyst import guard as analyst, upload

user = analyst.start("upload")
analyst.guarded(upload.body, user)
