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


def call_answer(function, *args, name: str = "my_function"):
    """The learner's ``function`` applied to ``args``, or the :class:`Feedback` saying why that failed.

    A placeholder or a ``None`` result is a missing answer; something not callable, or a
    call that raises, is a wrong one, with the reason.
    """
    if is_placeholder(function):
        return Feedback.missing()
    if not callable(function):
        return Feedback.wrong(f"Pass the function itself ({name}, not {name}(...)).")
    try:
        answer = function(*args)
    except Exception as exc:  # the learner's code may fail in any way; say how
        return Feedback.wrong(f"Calling your function raised {type(exc).__name__}: {exc}")
    return Feedback.missing() if answer is None else answer
