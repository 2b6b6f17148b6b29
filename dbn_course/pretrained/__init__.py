"""Trained models shipped with the course, so a learner sees good samples without a long wait.

``mnist_dbn.npz`` holds the benchmark's DBN (784-500-500-2000 with 10 label units,
greedily pretrained, then fine-tuned by up-down), ``mnist_dbn_top_level_pcd.npz`` its
top-level RBM after a further minute of persistent CD
(:meth:`~dbn_course.dbn.DBN.refine_top_level`), and ``mnist_classifier.npz`` the
784-500-500-2000-10 network fine-tuned from the DBN by backpropagation. Weights are
stored as float16 (half the size; the test errors in ``metadata.json`` are measured with
the float16 weights). This package only loads them: ``python -m dbn_course.reproduce``
trains and writes all three again (``README.md`` beside them says how). It imports the
models' modules and :mod:`dbn_course.saving`, never the training code or the course layer.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from dbn_course.saving import load_float16, load_top_level

FOLDER = Path(__file__).resolve().parent
DBN_FILE = FOLDER / "mnist_dbn.npz"
TOP_LEVEL_FILE = FOLDER / "mnist_dbn_top_level_pcd.npz"
TOP_LEVELS = ("pcd", "up_down")
CLASSIFIER_FILE = FOLDER / "mnist_classifier.npz"
METADATA_FILE = FOLDER / "metadata.json"


def metadata() -> dict:
    """How the shipped models were trained and the test errors measured with their float16 weights."""
    return json.loads(METADATA_FILE.read_text())


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
        load_top_level(dbn, folder / TOP_LEVEL_FILE.name)
    return dbn


def load_classifier(folder=FOLDER):
    """The shipped backprop-fine-tuned classifier (a fresh copy each call); ``folder`` as in :func:`load_dbn`."""
    return load_float16(Path(folder) / CLASSIFIER_FILE.name)


@lru_cache(maxsize=1)
def _shared_classifier():
    return load_classifier()


def classify(images) -> np.ndarray:
    """Labels the shipped classifier gives ``images`` ((n, 784) in [0, 1], or uint8 pixels)."""
    from dbn_course.classifier import predict_labels
    from dbn_course.data.inputs import unit_array

    return predict_labels(_shared_classifier(), unit_array(images, 784, "images"))
