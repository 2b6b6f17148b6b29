"""Trained models shipped with the course, so a learner sees good samples without a long wait.

``mnist_dbn.npz`` holds the benchmark's DBN (784-500-500-2000 with 10 label units,
greedily pretrained, then fine-tuned by up-down), ``mnist_dbn_top_level_pcd.npz`` its
top-level RBM after a further minute of persistent CD
(:meth:`~dbn_course.dbn.DBN.refine_top_level`), and ``mnist_classifier.npz`` the
784-500-500-2000-10 network fine-tuned from the DBN by backpropagation. Weights are
stored as float16 (half the size; the test errors in ``metadata.json`` are measured with
the float16 weights). ``reproduce.py`` beside them trains all three again; ``README.md``
says how.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import keras
import numpy as np

FOLDER = Path(__file__).resolve().parent
DBN_FILE = FOLDER / "mnist_dbn.npz"
TOP_LEVEL_FILE = FOLDER / "mnist_dbn_top_level_pcd.npz"
TOP_LEVELS = ("pcd", "up_down")
CLASSIFIER_FILE = FOLDER / "mnist_classifier.npz"
METADATA_FILE = FOLDER / "metadata.json"


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


def metadata() -> dict:
    """How the shipped models were trained and the test errors measured with their float16 weights."""
    return json.loads(METADATA_FILE.read_text())


def save_top_level(dbn, path) -> None:
    """Save the top-level RBM's weights W, b, c of ``dbn`` as float16 (the rest is in the DBN's file)."""
    top = dbn.top
    np.savez_compressed(path, **{name: np.asarray(var.numpy(), np.float16)
                                 for name, var in zip("Wbc", (top.W, top.b, top.c))})


def load_dbn(top_level: str = "pcd", folder=FOLDER):
    """The shipped generative DBN (a fresh copy each call).

    Args:
        top_level: ``"pcd"`` -- the top level after its persistent-CD refinement, whose
            class-conditional samples are far better -- or ``"up_down"``, the DBN exactly
            as up-down fine-tuning left it.
        folder: where the files are (another run of ``reproduce.py``, say).
    """
    if top_level not in TOP_LEVELS:
        raise ValueError(f"top_level must be one of {TOP_LEVELS}, got {top_level!r}")
    folder = Path(folder)
    dbn = load_float16(folder / DBN_FILE.name)
    if top_level == "pcd":
        top = dbn.top
        with np.load(folder / TOP_LEVEL_FILE.name) as stored:
            for name, var in zip("Wbc", (top.W, top.b, top.c)):
                if stored[name].shape != tuple(var.shape):
                    raise ValueError(f"{TOP_LEVEL_FILE.name} does not fit the DBN in {DBN_FILE.name}")
                var.assign(stored[name].astype(np.float32))
    return dbn


def load_classifier():
    """The shipped backprop-fine-tuned classifier (a fresh copy each call)."""
    return load_float16(CLASSIFIER_FILE)


@lru_cache(maxsize=1)
def _shared_classifier():
    return load_classifier()


def classify(images) -> np.ndarray:
    """Labels the shipped classifier gives ``images`` ((n, 784) in [0, 1], or uint8 pixels)."""
    from ..inputs import unit_array

    inputs = unit_array(images, 784, "images")
    return np.argmax(_shared_classifier().predict(inputs, batch_size=1000, verbose=0), axis=1)
