"""dbn-course: how networks learned to generate digits, in TensorFlow 2.

Importing the package starts TensorFlow quietly and within the CPU quota (see
:mod:`dbn_course.runtime`), so import it before TensorFlow in a notebook.

Modules:
    config     -- ``DBN_COURSE_QUICK`` and :func:`~dbn_course.config.by_mode`
    data       -- MNIST as tensorflow-datasets shapes it, online or offline: the one data boundary
    mnist_sources -- where the MNIST copy comes from, read into arrays
    transforms -- flatten_image, binarisation, downsampling
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
    recipe     -- every hyperparameter default of a DBN's training, typed, in one place
    stages     -- training by a recipe: pretraining, up-down, top-level PCD, backprop (caching optional)
    cache      -- models trained in notebooks, cached by configuration
    saving     -- saving and loading every model: .keras files, float16 .npz files
    pretrained -- the shipped DBN and classifier, loaded (``python -m dbn_course.reproduce`` writes them)
    evaluation -- reconstruction cost, pseudo-likelihood, class-conditional samples read by a classifier
    exact      -- exact log Z and log p(v) of small RBMs, by enumeration
    annealing  -- log Z and log p(v) of large RBMs by AIS and RAISE
    plotting   -- image grids, filters, cost curves and figure captions shared by every chapter
    figures    -- the chapters' one-off figures
    results    -- the course's benchmark results beside the published figures, as the chapters' tables
    diagrams   -- drawings of the models: which units exist and how they connect
    widgets    -- control panels that retrain a model when a slider moves
    exercises  -- checkers for the exercises that close each chapter
    notebook   -- helpers for notebooks: recording results, describing the setup
    runtime    -- starting TensorFlow
    deprecation -- renamed names, kept working with a warning for one version
"""

from .runtime import start_tensorflow as _start_tensorflow

_start_tensorflow()

from . import boltzmann, config, data, evaluation, exercises, hopfield, idx, notebook, plotting, rbm, widgets  # noqa: E402,I001
from . import cache, classifier, contrastive_divergence, dbn, diagrams, explaining_away, gibbs  # noqa: E402,I001
from . import annealing, exact, figures, mnist_sources, recipe, results, saving, stages, transforms  # noqa: E402,I001
from . import pretrained, pretraining, top_level, training, up_down  # noqa: E402,I001
from .config import by_mode, quick_mode  # noqa: E402
from .data import flatten_image  # noqa: E402

__version__ = "0.3.0"

__all__ = [
    "annealing",
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
    "exact",
    "exercises",
    "explaining_away",
    "figures",
    "flatten_image",
    "gibbs",
    "hopfield",
    "idx",
    "mnist_sources",
    "notebook",
    "plotting",
    "pretrained",
    "pretraining",
    "quick_mode",
    "rbm",
    "recipe",
    "results",
    "saving",
    "stages",
    "top_level",
    "training",
    "transforms",
    "up_down",
    "widgets",
]
