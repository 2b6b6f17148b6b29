"""Models trained in notebooks, kept under the user's cache directory and keyed by their configuration.

A notebook that trains a DBN for minutes should not make its reader wait again: the
first run saves the model and its training history; a second run with the same
configuration (hyperparameters, data, package version) loads them in a second. Any change
of configuration gives a new key, so a stale model is never used.

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
from typing import Callable

import keras

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


def cached_model(kind: str, config: dict, train: Callable[[], tuple[keras.Model, dict]]) -> tuple[keras.Model, dict,
                                                                                                   bool]:
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
            model = keras.saving.load_model(model_path)
            history = json.loads(history_path.read_text())["history"]
            return model, history, True
        except (OSError, ValueError, KeyError) as exc:  # a damaged entry: retrain and overwrite it
            warnings.warn(f"ignoring the damaged cache entry {model_path.name}: {exc}", stacklevel=2)
    model, history = train()
    if enabled():
        folder.mkdir(parents=True, exist_ok=True)
        partial = model_path.with_suffix(".partial.keras")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="__array__ implementation", category=DeprecationWarning)
            model.save(partial)
        os.replace(partial, model_path)
        history_path.write_text(json.dumps({"kind": kind, "config": config, "history": history}, default=float))
    return model, history, False
