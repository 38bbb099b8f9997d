"""The one exception type that carries a sentence for the analyst instead of a traceback."""


class InputError(Exception):
    """Unusable input: the message names the file (and row or column) and says what to do."""
