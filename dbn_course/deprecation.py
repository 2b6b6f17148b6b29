"""Names the course renamed or moved keep working for one version, with a warning that says what to use.

The warning is a :class:`FutureWarning`, which Python and Jupyter show to the learner
(a ``DeprecationWarning`` is hidden outside ``__main__``). ``CHANGELOG.md`` lists every
renamed name and the version that removes it.
"""

from __future__ import annotations

import functools
import importlib
import warnings

REMOVED_IN = "0.4.0"


def warn_renamed(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` is now ``new`` and goes in :data:`REMOVED_IN`."""
    warnings.warn(f"{old} is now {new}; the old name goes in dbn-course {REMOVED_IN}", FutureWarning,
                  stacklevel=stacklevel)


def renamed(old: str, new: str, function):
    """``function`` under its old name ``old``: the same call, with a warning naming ``new``."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        warn_renamed(old, new)
        return function(*args, **kwargs)

    wrapper.__doc__ = f"Deprecated: use ``{new}``."
    return wrapper


def renamed_keyword(function_name: str, kwargs: dict, old: str, new: str, value):
    """The value of keyword ``new``, or of the renamed ``old`` in ``kwargs`` (with a warning).

    Raises ``TypeError`` for any other keyword, as Python would.
    """
    if old in kwargs:
        warn_renamed(f"{function_name}({old}=...)", f"{function_name}({new}=...)", stacklevel=4)
        value = kwargs.pop(old)
    if kwargs:
        raise TypeError(f"{function_name}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    return value


def moved_attributes(module_name: str, moves: dict[str, str]):
    """A module ``__getattr__`` for names that moved: ``moves`` maps an old name to ``"new.module:name"``."""

    def __getattr__(name: str):
        if name not in moves:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        target_module, _, target = moves[name].partition(":")
        warn_renamed(f"{module_name}.{name}", f"{target_module}.{target}")
        return getattr(importlib.import_module(target_module), target)

    return __getattr__
