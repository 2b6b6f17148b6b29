"""dbn-course: how networks learned to generate digits, in TensorFlow 2.

Importing the package starts TensorFlow quietly and within the CPU quota (see
:mod:`dbn_course.runtime`), so import it before TensorFlow in a notebook.

Modules:
    config     -- ``DBN_COURSE_QUICK`` and :func:`~dbn_course.config.by_mode`
    data       -- MNIST as tensorflow-datasets shapes it, online or offline
    idx        -- the IDX file format MNIST ships in
    hopfield   -- Hopfield networks: Hebbian storage, energy descent, capacity
    boltzmann  -- a small fully connected Boltzmann machine, exact and sampled
    rbm        -- the Restricted Boltzmann Machine (a Keras layer) and its training loop
    evaluation -- reconstruction cost, pseudo-likelihood, exact log Z for small models
    plotting   -- image grids, filters, cost curves and figure captions shared by every chapter
    widgets    -- control panels that retrain a model when a slider moves
    exercises  -- checkers for the exercises that close each chapter
    notebook   -- helpers for notebooks: recording results, describing the setup
    runtime    -- starting TensorFlow
"""

from .runtime import start_tensorflow as _start_tensorflow

_start_tensorflow()

from . import boltzmann, config, data, evaluation, exercises, hopfield, idx, notebook, plotting, rbm, widgets  # noqa: E402,I001
from .config import by_mode, quick_mode  # noqa: E402
from .data import flatten_image  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "boltzmann",
    "by_mode",
    "config",
    "data",
    "evaluation",
    "exercises",
    "flatten_image",
    "hopfield",
    "idx",
    "notebook",
    "plotting",
    "quick_mode",
    "rbm",
    "widgets",
]
