"""Models trained in notebooks, kept under the user's cache directory and keyed by their configuration.

A notebook that trains a DBN for minutes should not make its reader wait again: the
first run saves the model and its training history; a second run with the same
configuration (recipe, data, package version) loads them in a second. Any change of
configuration gives a new key, so a stale model is never used. The training stages
(:mod:`dbn_course.stages`) use it when called with ``cache=True``.

Where: ``$DBN_COURSE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/dbn-course``, else
``~/.cache/dbn-course``. Delete the folder to clear it; ``DBN_COURSE_CACHE=0`` turns
caching off.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any, Callable

from .deprecation import warn_renamed
from .recipe import SHIPPED, Backprop, Pretraining, Recipe, UpDown
from .saving import load_model, save_model

CACHE_DIR_ENV = "DBN_COURSE_CACHE_DIR"
CACHE_SWITCH_ENV = "DBN_COURSE_CACHE"


def cache_dir() -> Path:
    """The folder holding cached models (not created until something is saved)."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dbn-course"


def enabled() -> bool:
    """False when ``DBN_COURSE_CACHE=0``."""
    return os.environ.get(CACHE_SWITCH_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def cache_key(kind: str, config: dict) -> str:
    """A short hash of the kind of model, its configuration, the package version and the MNIST copy used."""
    from . import __version__, data

    source = data.current_source()
    description = {
        "kind": kind,
        "config": config,
        "version": __version__,
        "data": None if source is None else source.describe(),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_model(kind: str, config: dict, train: Callable[[], tuple[Any, Any]]) -> tuple[Any, Any, bool]:
    """Load the model trained with ``config`` from the cache, or train and save it.

    Args:
        kind: a name for the kind of model, e.g. ``"dbn-pretrained"``; part of the key and
            of the file name.
        config: everything that determines the trained model (JSON-serialisable).
        train: trains the model; returns ``(model, history)`` with a JSON-serialisable
            history.

    Returns:
        ``(model, history, from_cache)``.
    """
    key = cache_key(kind, config)
    folder = cache_dir()
    model_path, history_path = folder / f"{kind}-{key}.keras", folder / f"{kind}-{key}.json"
    if enabled() and model_path.exists() and history_path.exists():
        try:
            model = load_model(model_path)
            history = json.loads(history_path.read_text())["history"]
            return model, history, True
        except (OSError, ValueError, KeyError) as exc:  # a damaged entry: retrain and overwrite it
            warnings.warn(f"ignoring the damaged cache entry {model_path.name}: {exc}", stacklevel=2)
    model, history = train()
    if enabled():
        folder.mkdir(parents=True, exist_ok=True)
        save_model(model, model_path)
        history_path.write_text(json.dumps({"kind": kind, "config": config, "history": history}, default=float))
    return model, history, False


def fingerprint(*arrays) -> str:
    """A short hash of the arrays' contents, so a cache key changes when the training data do."""
    import numpy as np

    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.shape, array.dtype.str)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- deprecated: the stages' cache=True


def _old_recipe(seed: int = 0, **pretraining) -> Recipe:
    """The recipe the old keyword arguments (``hidden_units``, ``num_epochs``, ... and ``seed``) described."""
    return SHIPPED.replace(seed=seed, pretraining=Pretraining(**pretraining))


def pretrained_dbn(images, labels, *, progress: bool = True, **pretraining):
    """Deprecated: use ``stages.pretrained_dbn(images, labels, recipe, cache=True)``."""
    from . import stages

    warn_renamed("cache.pretrained_dbn", "stages.pretrained_dbn(images, labels, recipe, cache=True)")
    trained = stages.pretrained_dbn(images, labels, _old_recipe(**pretraining), cache=True, progress=progress)
    return trained.model, trained.history, trained.from_cache


def up_down_dbn(images, labels, *, pretraining: dict, num_epochs: int, learning_rate: float = 0.01,
                top_gibbs_steps: int = 3, progress: bool = True):
    """Deprecated: use ``stages.up_down_dbn(images, labels, recipe, cache=True)``."""
    from . import stages

    warn_renamed("cache.up_down_dbn", "stages.up_down_dbn(images, labels, recipe, cache=True)")
    plan = _old_recipe(**pretraining).replace(up_down=UpDown(num_epochs=num_epochs, learning_rate=learning_rate,
                                                             top_gibbs_steps=top_gibbs_steps))
    trained = stages.up_down_dbn(images, labels, plan, cache=True, progress=progress)
    return trained.model, trained.history, trained.from_cache


def fine_tuned_classifier(images, labels, test, *, start: str, pretraining: dict, optimizer: str = "sgd",
                          epochs: int, learning_rate: float = 0.1, momentum: float = 0.9, seed: int = 0,
                          progress: bool = True):
    """Deprecated: use ``stages.fine_tuned_classifier(images, labels, recipe, start=..., test=..., cache=True)``."""
    from . import stages

    warn_renamed("cache.fine_tuned_classifier", "stages.fine_tuned_classifier(images, labels, recipe, cache=True)")
    plan = _old_recipe(**{"seed": seed, **pretraining}).replace(backprop=Backprop(
        num_epochs=epochs, learning_rate=learning_rate, momentum=momentum, optimizer=optimizer, dropout=0.0,
        input_dropout=0.0, schedule="constant"))
    trained = stages.fine_tuned_classifier(images, labels, plan, start=start, test=test, cache=True,
                                           progress=progress)
    return trained.model, trained.history, trained.from_cache
