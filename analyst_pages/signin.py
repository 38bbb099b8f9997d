"""/sign-in: the analysts' sign-in (identity provider or local account); a visitor sees the form and nothing else."""
from ui.analyst import auth

auth.sign_in_page()
