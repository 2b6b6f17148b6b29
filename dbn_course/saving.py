"""Saving and loading the course's models: one module for every file a model lives in.

* :func:`save_model` / :func:`load_model` -- an RBM, a DBN or a classifier, whole, in
  Keras' ``.keras`` format (configuration and every weight). The model cache
  (:mod:`dbn_course.training.stages`) and learners' own saves use them.
* :func:`save_float16` / :func:`load_float16` -- a model's configuration and its weights
  rounded to float16 in a compressed ``.npz``: half the size, for the models shipped with
  the course (:mod:`dbn_course.pretrained` loads them; :mod:`dbn_course.reproduce` writes them).
* :func:`save_top_level` / :func:`load_top_level` -- a DBN's top-level RBM alone (W, b,
  c), float16, for the shipped refined top level that goes with the shipped DBN.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import keras
import numpy as np


def save_model(model, path) -> None:
    """Save an RBM, a DBN or a Keras classifier, configuration and weights, to a ``.keras`` file.

    The file is written beside its final name and moved there when complete, so an
    interrupted save never leaves a damaged model behind.
    """
    from dbn_course.rbm import RBM

    if isinstance(model, RBM):
        if not model.built:
            raise ValueError("the RBM has no weights yet: call or train it first")
        model = keras.Sequential([keras.Input((model.number_visible_units,)), model])
    path = Path(path)
    partial = path.with_name(path.stem + ".partial.keras")
    with warnings.catch_warnings():
        # Keras 3.15 converts weights with np.array(x, copy=False), which NumPy 2 flags.
        warnings.filterwarnings("ignore", message="__array__ implementation", category=DeprecationWarning)
        model.save(partial)
    os.replace(partial, path)


def load_model(path, expect: type | None = None):
    """The model :func:`save_model` saved: an RBM comes back as an RBM, a DBN as a DBN.

    ``expect``: the class the file must hold (e.g. :class:`~dbn_course.dbn.DBN`); any
    other model raises ``ValueError``.
    """
    from dbn_course.rbm import RBM

    model = keras.saving.load_model(path)
    if isinstance(model, keras.Sequential) and len(model.layers) == 1 and isinstance(model.layers[0], RBM):
        model = model.layers[0]
    if expect is not None and not isinstance(model, expect):
        raise ValueError(f"{Path(path).name} holds a {type(model).__name__}, not a {expect.__name__}")
    return model


def save_float16(model: keras.Model, path) -> None:
    """Save a model's configuration and its weights, rounded to float16, to a compressed ``.npz``."""
    config = json.dumps(keras.saving.serialize_keras_object(model))
    arrays = {f"weight_{i:03d}": np.asarray(w.numpy(), np.float16) for i, w in enumerate(model.weights)}
    paths = json.dumps([w.path for w in model.weights])
    np.savez_compressed(path, config=np.array(config), paths=np.array(paths), **arrays)


def load_float16(path) -> keras.Model:
    """Rebuild a model saved by :func:`save_float16`, with float32 copies of its float16 weights."""
    with np.load(path) as stored:
        model = keras.saving.deserialize_keras_object(json.loads(str(stored["config"])))
        paths = json.loads(str(stored["paths"]))
        if [_short(w.path) for w in model.weights] != [_short(p) for p in paths]:
            raise ValueError(f"{Path(path).name} does not match the model its configuration builds")
        for i, weight in enumerate(model.weights):
            weight.assign(stored[f"weight_{i:03d}"].astype(np.float32))
    return model


def _short(path: str) -> str:
    """A weight's layer and name (the model's own name in front depends on how it was built)."""
    return "/".join(path.split("/")[-2:])


def save_top_level(dbn, path) -> None:
    """Save the top-level RBM's weights W, b, c of ``dbn`` as float16 (the rest is in the DBN's own file)."""
    top = dbn.top
    np.savez_compressed(path, **{name: np.asarray(var.numpy(), np.float16)
                                 for name, var in zip("Wbc", (top.W, top.b, top.c))})


def load_top_level(dbn, path) -> None:
    """Put the top level :func:`save_top_level` saved into ``dbn`` (float32 copies of its float16 weights)."""
    top = dbn.top
    with np.load(path) as stored:
        for name, var in zip("Wbc", (top.W, top.b, top.c)):
            if stored[name].shape != tuple(var.shape):
                raise ValueError(f"{Path(path).name} does not fit this DBN: its {name} is {stored[name].shape}, "
                                 f"the DBN's top level needs {tuple(var.shape)}")
            var.assign(stored[name].astype(np.float32))
