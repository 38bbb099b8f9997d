"""The one exception type for unusable input: what happened, where, and what to do, in parts each renderer words for its audience."""
from __future__ import annotations

from dataclasses import dataclass

CLI = "cli"
BROWSER = "browser"


@dataclass(frozen=True)
class Say:
    """One audience's own wording, where it differs from the shared one. `todo` is that audience's way to act
    ("run `python -m bridges inspect q3.csv`" on the command line, "make a mapping on this page" in the browser);
    `what` is given only when the audience names the input differently ("--quarter 'Q5'" / "the quarter 'Q5'")."""

    todo: str | None = None
    what: str | None = None


def _say(x: Say | str | None) -> Say:
    return x if isinstance(x, Say) else Say(todo=x)


class InputError(Exception):
    """Unusable input, in parts: `what` happened (a clause), `todo` says what to do (a sentence), `file`, `sheet`, `row` and
    `column` say where when known, and `cli` / `browser` give one audience its own wording (a Say, or a str for its `todo`).

    A plain InputError("a whole sentence.") is that sentence for every audience. str() is the command line's sentence,
    so a message is one full sentence wherever it is printed; the browser asks for `sentence(BROWSER)`."""

    def __init__(self, what: str, todo: str = "", *, file: str | None = None, sheet: str | None = None, row: int | None = None,
                 column: str | None = None, cli: Say | str | None = None, browser: Say | str | None = None):
        super().__init__(what)
        self.what = what
        self.todo = todo
        self.file, self.sheet, self.row, self.column = file, sheet, row, column
        self.wording = {CLI: _say(cli), BROWSER: _say(browser)}

    @property
    def where(self) -> str:
        """The place, as far as it is known: "q3.xlsx, sheet 'Data', row 12, column 'Date'" (empty when unknown)."""
        parts = [str(self.file) if self.file else "", f"sheet '{self.sheet}'" if self.sheet else "",
                 f"row {self.row}" if self.row is not None else "", f"column '{self.column}'" if self.column else ""]
        return ", ".join(p for p in parts if p)

    def what_for(self, audience: str) -> str:
        return self.wording[audience].what or self.what

    def todo_for(self, audience: str) -> str:
        own = self.wording[audience].todo
        return self.todo if own is None else own

    def happened(self, audience: str | None = None) -> str:
        """Where and what happened, without what to do (e.g. inside another message). No audience: the shared wording."""
        what = self.what if audience is None else self.what_for(audience)
        return f"{self.where}: {what}" if self.where else what

    def sentence(self, audience: str = CLI) -> str:
        """The full message for an audience: "where: what happened. What to do." """
        head = self.happened(audience).rstrip()
        if not head.endswith((".", "!", "?")):
            head += "."
        todo = self.todo_for(audience)
        return f"{head} {todo}" if todo else head

    def __str__(self) -> str:
        return self.sentence(CLI)
