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


def fingerprint(*arrays) -> str:
    """A short hash of the arrays' contents, so a cache key changes when the training data do."""
    import numpy as np

    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.shape, array.dtype.str)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def pretrained_dbn(images, labels, *, hidden_units, num_epochs: int, learning_rate: float = 0.05, cd_steps: int = 1,
                   momentum: float = 0.5, weight_decay: float = 2e-4, batch_size: int = 100, seed: int = 0,
                   progress: bool = True):
    """A labelled DBN greedily pretrained on ``images`` (see :func:`~dbn_course.dbn.make_dbn`), cached.

    Chapters 04, 05 and 06 call this with the same defaults, so whichever runs first
    trains the model and the others load it.

    Returns:
        ``(dbn, histories, from_cache)``, the histories as :meth:`~dbn_course.dbn.DBN.pretrain` gives them.
    """
    from .dbn import make_dbn

    settings = dict(hidden_units=[int(n) for n in hidden_units], num_epochs=num_epochs, learning_rate=learning_rate,
                    cd_steps=cd_steps, momentum=momentum, weight_decay=weight_decay, batch_size=batch_size, seed=seed)
    config = {**settings, "data": fingerprint(images, labels)}

    def train():
        dbn = make_dbn(**settings)
        return dbn, dbn.pretrain(images, labels, progress=progress)

    return cached_model("dbn-pretrained", config, train)


def up_down_dbn(images, labels, *, pretraining: dict, num_epochs: int, learning_rate: float = 0.01,
                top_gibbs_steps: int = 3, progress: bool = True):
    """The DBN of :func:`pretrained_dbn` (with the ``pretraining`` arguments) fine-tuned by up-down, cached.

    The pretrained model is left as it is (and cached on its own); the fine-tuned one is a copy.

    Returns:
        ``(dbn, history, from_cache)``, the history as :meth:`~dbn_course.dbn.DBN.up_down` gives it.
    """
    settings = dict(num_epochs=num_epochs, learning_rate=learning_rate, top_gibbs_steps=top_gibbs_steps)
    config = {"pretraining": dict(pretraining), **settings, "data": fingerprint(images, labels)}

    def train():
        base, _, _ = pretrained_dbn(images, labels, progress=progress, **pretraining)
        model = base.clone()
        return model, model.up_down(images, labels, progress=progress, **settings)

    return cached_model("dbn-updown", config, train)


def fine_tuned_classifier(images, labels, test, *, start: str, pretraining: dict, optimizer: str = "sgd",
                          epochs: int, learning_rate: float = 0.1, momentum: float = 0.9, seed: int = 0,
                          progress: bool = True):
    """A 784-...-10 classifier trained by backpropagation, cached, with its test error per epoch.

    Args:
        images, labels: training data.
        test: ``(images, labels)`` measured after each epoch.
        start: ``"pretrained"`` (the weights of :func:`pretrained_dbn` with ``pretraining``) or
            ``"random"`` (the same architecture, Glorot-initialised).
        pretraining: arguments of :func:`pretrained_dbn` (for ``"random"``, only its
            ``hidden_units`` matter).
        optimizer, epochs, learning_rate, momentum, seed: see :func:`~dbn_course.classifier.fine_tune`.

    Returns:
        ``(model, history, from_cache)``.
    """
    from . import classifier

    if start not in ("pretrained", "random"):
        raise ValueError(f"start must be 'pretrained' or 'random', got {start!r}")
    settings = dict(optimizer=optimizer, epochs=epochs, learning_rate=learning_rate, momentum=momentum, seed=seed)
    config = {"start": start, "pretraining": dict(pretraining) if start == "pretrained" else
              {"hidden_units": list(pretraining["hidden_units"])}, **settings,
              "data": fingerprint(images, labels), "test": fingerprint(*test)}

    def train():
        if start == "pretrained":
            dbn, _, _ = pretrained_dbn(images, labels, progress=progress, **pretraining)
            model = dbn.to_classifier(seed=seed)
        else:
            sizes = [images.reshape(len(images), -1).shape[1], *pretraining["hidden_units"]]
            model = classifier.classifier_network(sizes, 10, seed=seed)
        return model, classifier.fine_tune(model, images, labels, test=test, progress=progress, **settings)

    return cached_model(f"classifier-{start}", config, train)
