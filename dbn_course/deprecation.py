"""Names the course renamed or moved keep working for one version, with a warning that says what to use.

The warning is a :class:`FutureWarning`, which Python and Jupyter show to the learner
(a ``DeprecationWarning`` is hidden outside ``__main__``). ``CHANGELOG.md`` lists every
renamed name and the version that removes it. Modules that moved into the package's
folders in 0.4.0 (:data:`MOVED_MODULES`) import under their old names through one import
hook, :func:`alias_moved_modules`, which loads the new module and warns.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import inspect
import sys
import warnings

REMOVED_IN = "0.5.0"

MOVED_MODULES = {
    # 0.4.0: modules grouped into folders by idea; the old name -> the new module.
    "annealing": "sampling.annealing", "cache": "training.stages", "contrastive_divergence": "training.cd",
    "diagrams": "course.diagrams", "exact": "sampling.exact", "exercises": "course.exercises",
    "figures": "course.chapters", "gibbs": "sampling.gibbs", "guard": "checks", "idx": "data.idx",
    "inputs": "data.inputs", "live": "course.widgets.base", "mcmc": "sampling.mcmc", "mnist_sources": "data.mnist",
    "notebook": "course.notebook", "notebook_output": "course.outputs", "plotting": "course.plotting",
    "pretraining": "training.pretraining", "progress": "course.outputs", "recipe": "training.recipe",
    "results": "course.results", "stages": "training.stages", "tempering": "sampling.tempering",
    "transforms": "data", "up_down": "training.up_down", "validation": "checks", "widgets": "course.widgets",
}


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


def _warn_at_import(message: str) -> None:
    """A FutureWarning at the learner's import statement: the first frame outside the import system and the package."""
    package = __name__.rpartition(".")[0]  # its __getattr__ imports old names too: ``from dbn_course import plotting``
    frame = inspect.currentframe().f_back
    while frame.f_back is not None and (frame.f_globals.get("__name__", "").startswith(
            ("importlib", "_frozen_importlib", __name__)) or frame.f_globals.get("__name__") == package):
        frame = frame.f_back
    warnings.warn_explicit(message, FutureWarning, frame.f_code.co_filename, frame.f_lineno,
                           module=frame.f_globals.get("__name__"),
                           registry=frame.f_globals.setdefault("__warningregistry__", {}))


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``package.old`` (and ``package.old.sub``) as the module that took its place, with a warning."""

    def __init__(self, package: str):
        self.package = package
        self.specs = {}  # the new modules' own specs, which the import system replaces with the old name's

    def _target(self, fullname: str) -> str | None:
        prefix = self.package + "."
        if not fullname.startswith(prefix):
            return None
        name = fullname[len(prefix):]
        head, _, rest = name.partition(".")
        if head not in MOVED_MODULES:
            return None
        return prefix + MOVED_MODULES[head] + ("." + rest if rest else "")

    def find_spec(self, fullname, path=None, target=None):
        if self._target(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = self._target(spec.name)
        _warn_at_import(f"{spec.name} is now {new}; the old name goes in dbn-course {REMOVED_IN}")
        module = importlib.import_module(new)
        self.specs[new] = module.__spec__
        return module

    def exec_module(self, module):
        # The new module is loaded already; the import system gave it the old name's spec: give back its own.
        module.__spec__ = self.specs[module.__name__]


def alias_moved_modules(package: str) -> None:
    """Let the old names in :data:`MOVED_MODULES` import, as the new modules, for one version."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        # First, so that a submodule of a moved package (``package.widgets.base``) is the new module itself,
        # not a second copy that the path finder would load through the alias's ``__path__``.
        sys.meta_path.insert(0, _MovedModuleFinder(package))
