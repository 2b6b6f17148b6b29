"""dbn-course: how networks learned to generate digits, in TensorFlow 2.

Importing the package starts TensorFlow quietly and within the CPU quota (see
:mod:`dbn_course.runtime`), so import it before TensorFlow in a notebook.

Modules:
    config     -- ``DBN_COURSE_QUICK`` and :func:`~dbn_course.config.by_mode`
    data       -- MNIST as tensorflow-datasets shapes it, online or offline
    idx        -- the IDX file format MNIST ships in
    inputs     -- the data boundary: what learners pass, as visible vectors or a clear error
    guard      -- the finiteness guard every training path keeps over its weights
    training   -- the training engine: epochs, blocks, Stop, callbacks, history, schedules
    hopfield   -- Hopfield networks: Hebbian storage, energy descent, capacity
    boltzmann  -- a small fully connected Boltzmann machine, exact and sampled
    gibbs      -- the RBM's conditionals and the one block-Gibbs sampler (chains, annealing)
    rbm        -- the Restricted Boltzmann Machine (a Keras layer)
    contrastive_divergence -- training an RBM by CD-k and PCD-k (``train_rbm``)
    top_level  -- the labelled RBM at the top of a DBN (softmax label units)
    dbn        -- the Deep Belief Network (a Keras model): recognition, generation, classifiers
    pretraining -- a DBN's greedy layer-wise pretraining
    up_down    -- a DBN's generative fine-tuning by the up-down algorithm
    classifier -- the feed-forward network a DBN becomes, and its random-weight baseline
    explaining_away -- the two-cause belief net behind the complementary prior
    cache      -- models trained in notebooks, cached by configuration
    pretrained -- the benchmark's DBN and classifier, shipped as float16 weights
    evaluation -- reconstruction cost, pseudo-likelihood, exact log Z, AIS and RAISE
    plotting   -- image grids, filters, cost curves and figure captions shared by every chapter
    diagrams   -- drawings of the models: which units exist and how they connect
    widgets    -- control panels that retrain a model when a slider moves
    exercises  -- checkers for the exercises that close each chapter
    notebook   -- helpers for notebooks: recording results, describing the setup
    runtime    -- starting TensorFlow
"""

from .runtime import start_tensorflow as _start_tensorflow

_start_tensorflow()

from . import boltzmann, config, data, evaluation, exercises, hopfield, idx, notebook, plotting, rbm, widgets  # noqa: E402,I001
from . import cache, classifier, contrastive_divergence, dbn, diagrams, explaining_away, gibbs  # noqa: E402,I001
from . import pretrained, pretraining, top_level, training, up_down  # noqa: E402,I001
from .config import by_mode, quick_mode  # noqa: E402
from .data import flatten_image  # noqa: E402

__version__ = "0.2.0"

__all__ = [
    "boltzmann",
    "by_mode",
    "cache",
    "classifier",
    "config",
    "contrastive_divergence",
    "data",
    "dbn",
    "diagrams",
    "evaluation",
    "exercises",
    "explaining_away",
    "flatten_image",
    "gibbs",
    "hopfield",
    "idx",
    "notebook",
    "plotting",
    "pretrained",
    "pretraining",
    "quick_mode",
    "rbm",
    "top_level",
    "training",
    "up_down",
    "widgets",
]
