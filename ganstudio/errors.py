"""Errors a user can cause, each with what went wrong and what to do.

A `GanStudioError` is never a bug: the CLI prints its message on one line and exits 2; the
studio shows it in the window and stays usable. A traceback is for bugs only.
"""

from __future__ import annotations


class GanStudioError(Exception):
    """A problem the user can fix: the message says what was wrong and what to do.

    Args:
        message: What went wrong, naming the file, field or value involved.
        hint: What the user can do about it (optional, appended to the message).
    """

    kind = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class ConfigError(GanStudioError):
    """A setting has a value that is not allowed."""

    kind = "config"


class DataError(GanStudioError):
    """A dataset could not be found, read, or holds nothing usable."""

    kind = "data"


class OfflineError(DataError):
    """A dataset needs a download and the network is not reachable."""

    kind = "offline"


class TrainingError(GanStudioError):
    """Training cannot go on (NaN losses, out of memory, ...)."""

    kind = "training"


class DivergedError(TrainingError):
    """The losses or weights stopped being finite; the session kept its last good state.

    Attributes:
        step: The step at which training diverged.
        good_step: The step of the last good state the session can go back to (`recover`),
            or `None` when there is none.
    """

    kind = "diverged"

    def __init__(self, message: str, hint: str | None = None, step: int = 0,
                 good_step: int | None = None) -> None:
        super().__init__(message, hint)
        self.step = step
        self.good_step = good_step


class ModelError(GanStudioError):
    """A saved model, export or checkpoint is missing or unreadable."""

    kind = "model"
