"""The verdict an exercise checker returns."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Feedback:
    """Whether an answer is right, and a sentence on why.

    Shown in a notebook as a short line starting with a tick or a cross; ``correct``
    holds the verdict for code (and tests).
    """

    correct: bool
    message: str

    @classmethod
    def right(cls, message: str) -> "Feedback":
        return cls(True, message)

    @classmethod
    def wrong(cls, message: str) -> "Feedback":
        return cls(False, message)

    @classmethod
    def missing(cls) -> "Feedback":
        return cls(False, "no answer yet. Replace the placeholder with your answer and run the cell again.")

    def __str__(self) -> str:
        return f"{'✔ Correct' if self.correct else '✘ Not yet'}: {self.message}"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's plain-text display
        printer.text(str(self))


def is_placeholder(answer) -> bool:
    """True for the ``None`` or ``...`` a notebook leaves in place of an answer."""
    return answer is None or answer is Ellipsis
