"""Greedy layer-wise pretraining of a Deep Belief Network (chapter 04).

Hinton, Osindero and Teh (2006) build a DBN one RBM at a time: RBM 1 learns the images;
RBM l learns the hidden probabilities that RBM l-1 gives its data; the top RBM also
learns the labels, as one-hot softmax units beside its features. Each RBM's weights give
both directions of its layer once trained: recognition q(h_{l+1} | h_l) with W_l and
c_l, generation p(h_l | h_{l+1}) with W_l^T and b_l. With the layer above initialised to
the transpose of the one below, each added layer raises a variational lower bound on
log p(v) (the paper's "complementary prior" argument).

:func:`train_layer` trains one layer (the book's ``DBN.train_rbm``), :func:`pretrain` the
stack and :func:`refine_top_level` the top level again by persistent CD; the DBN's methods
of the same names hand their work to them. Each RBM learns by
:func:`~dbn_course.training.cd.train_rbm`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from dbn_course.checks import check_float, check_int
from dbn_course.data.inputs import image_label_arrays, pixels_uint8
from dbn_course.rbm import RBM
from dbn_course.sampling import gibbs
from dbn_course.training.cd import linear_decay, train_rbm
from dbn_course.training.recipe import TopLevelPCD

_PCD = TopLevelPCD()


def train_layer(dbn, rbm: RBM, inputs, num_epochs: int | None = None, tolerance: float | None = None,
                batch_size: int | None = None, shuffle_buffer: int | None = None, **options) -> RBM:
    """Train one RBM of the stack on ``inputs`` by :func:`~dbn_course.training.cd.train_rbm`; return it.

    The book's member, in the book's order. Settings left as ``None`` are the DBN's own
    (``num_epochs``, ``tolerance``, ``batch_size``, ``shuffle_buffer`` of the
    constructor), so the book's two-argument call ``dbn.train_rbm(layer, inputs)``
    works. By default it prints each epoch's cost, as the book's loop does, instead of
    a progress bar. Once a lower RBM of the stack is trained, its generative copy is
    set from it (G_l = W_l^T, g_l = b_l), as :func:`pretrain` does.

    Args:
        rbm: one of ``dbn.rbms``.
        inputs: what that RBM learns from: for the first, images; for layer l, the
            hidden probabilities of layer l-1 (``inputs.map(dbn.rbms[l - 1].forward)``
            of a dataset); for a labelled top level, those features joined to one-hot
            labels (``dbn.top.join(features, labels)``). Arrays or datasets, as
            :func:`~dbn_course.training.cd.train_rbm` takes them.
        num_epochs, tolerance, batch_size, shuffle_buffer: as for
            :func:`~dbn_course.training.cd.train_rbm`; ``None`` takes the DBN's.
        **options: :func:`~dbn_course.training.cd.train_rbm`'s keyword-only arguments
            (``seed``, ``progress``, ``print_costs``, ``callbacks``, ...); the
            shuffling is seeded from the DBN's ``seed`` unless ``seed`` is given.

    Returns:
        ``rbm``, trained, its history as ``rbm.history``.
    """
    position = next((index for index, layer in enumerate(dbn.rbms) if layer is rbm), None)
    if position is None:
        raise ValueError("dbn.train_rbm trains one of the DBN's own RBMs: pass dbn.rbms[l]")
    seed = None if dbn.seed is None else dbn.seed + 100 * (position + 1)  # this layer's shuffling
    options = {"progress": False, "print_costs": True, "seed": seed, **options}
    try:
        train_rbm(rbm, inputs, num_epochs=dbn.num_epochs if num_epochs is None else num_epochs,
                  tolerance=dbn.tolerance if tolerance is None else tolerance,
                  batch_size=dbn.batch_size if batch_size is None else batch_size,
                  shuffle_buffer=dbn.shuffle_buffer if shuffle_buffer is None else shuffle_buffer, **options)
    except ValueError as error:
        if rbm is dbn.top and dbn.number_label_units and str(rbm.number_visible_units) in str(error):
            raise ValueError(f"{error}. The top RBM of this DBN learns the features below joined to "
                             f"{dbn.number_label_units} one-hot label units: pass "
                             "dbn.top.join(features, labels), or train the whole stack with "
                             "dbn.pretrain(images, labels)") from None
        raise
    if position < len(dbn.rbms) - 1:
        dbn.generative_weights[position].assign(tf.transpose(rbm.W))
        dbn.generative_biases[position].assign(rbm.b)
    return rbm


def pretrain(dbn, images, labels=None, *, progress: bool = True, callbacks=(), monitor_size: int = 2000,
             stop_event=None):
    """Greedy layer-wise pretraining: RBM l learns from the hidden probabilities of RBM l-1.

    Every layer trains for ``num_epochs`` epochs over every minibatch (or until
    ``tolerance``), with its own progress bar. The representation passed up is kept
    as uint8 -- each probability times 255, rounded, so within 0.002 of it -- a
    quarter of the memory of float32 (60,000 x 500 probabilities take 30 MB); the
    top level's hidden layer is never stored for the whole data set.

    Args:
        images: (n, n_v) uint8 pixels or floats in [0, 1] (or (n, 28, 28)), or a
            ``tf.data.Dataset`` of (image, label) pairs as ``tfds`` gives them.
        labels: integer classes, required when the DBN has label units.
        progress: show a progress bar per layer.
        callbacks: passed to :func:`~dbn_course.training.cd.train_rbm` for every layer.
        monitor_size: examples on which each layer's reconstruction cost is measured.
        stop_event: a :class:`threading.Event`; once set, the current layer stops as
            :func:`~dbn_course.training.cd.train_rbm` describes and no further layer trains.

    Returns:
        One training history per layer trained (see :func:`~dbn_course.training.cd.train_rbm`).
    """
    images, labels = image_label_arrays(images, labels, dbn.number_visible_units)
    n = len(images)
    if dbn.number_label_units:
        if labels is None:
            raise ValueError("this DBN has label units: pass the labels")
        one_hot = (dbn.one_hot(labels, n) * 255).astype(np.uint8)
    layer_input = pixels_uint8(images, dbn.number_visible_units)
    histories = []
    rng = np.random.default_rng(dbn.seed)
    for index, rbm in enumerate(dbn.rbms):
        top = index == len(dbn.rbms) - 1
        data = np.concatenate([layer_input, one_hot], axis=1) if top and dbn.number_label_units else layer_input
        histories.append(train_layer(
            dbn, rbm, data, seed=int(rng.integers(2**31)), monitor_size=monitor_size, progress=progress,
            print_costs=False, callbacks=callbacks, stop_event=stop_event,
            description=f"layer {index + 1} of {len(dbn.rbms)}: RBM {rbm.number_visible_units}-"
                        f"{rbm.number_hidden_units}").history)
        if stop_event is not None and stop_event.is_set():
            break
        if not top:
            layer_input = propagate(rbm, layer_input)
    dbn.tie_generative_weights()
    return histories


def refine_top_level(dbn, images, labels=None, *, num_epochs: int = _PCD.num_epochs,
                     learning_rate: float = _PCD.learning_rate, cd_steps: int = _PCD.cd_steps,
                     progress: bool = True, callbacks=(), monitor_size: int = 2000) -> dict:
    """Persistent CD (PCD-k) for the top-level RBM, its learning rate falling linearly to zero.

    CD-k starts its negative phase at the data, so the top level can keep a mode of
    p(h_{L-1}, y) far from every training example -- for MNIST, states whose down pass
    draws almost no ink -- that no CD update visits and so none removes. A long Gibbs
    chain that generates digits falls into it. PCD (Tieleman, 2008) carries its chains
    over from one update to the next; they wander into such modes and the negative
    statistics push the energy there up. Epoch e (from 0) uses
    ``learning_rate * (1 - e / num_epochs)``; the decay lets the persistent chains keep
    up with the changing model and ends on a settled one. The input is the up pass of
    the current recognition weights, labels joined as one-hot units; the lower layers
    do not change. The settings are this run's (:func:`~dbn_course.training.cd.train_rbm`'s
    keywords): the top RBM's own settings stay as they are.

    The defaults are the shipped model's recipe (:class:`~dbn_course.training.recipe.TopLevelPCD`):
    15 epochs from 0.001 took the share of class-conditional samples read as their class
    from 64% to 91% (``benchmarks/README.md``).

    Args:
        images, labels: the training data, as for :func:`pretrain`.
        num_epochs: passes over the data.
        learning_rate: the first epoch's step size.
        cd_steps: Gibbs sweeps of each persistent chain per update (k of PCD-k).
        progress, callbacks, monitor_size: as for :func:`~dbn_course.training.cd.train_rbm`.

    Returns:
        The top RBM's training history (see :func:`~dbn_course.training.cd.train_rbm`); its
        ``learning_rate`` holds each epoch's rate.
    """
    num_epochs = check_int("num_epochs", num_epochs)
    learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
    cd_steps = check_int("cd_steps", cd_steps)
    images, labels = image_label_arrays(images, labels, dbn.number_visible_units)
    layer_input = pixels_uint8(images, dbn.number_visible_units)
    for rbm in dbn.rbms[:-1]:
        layer_input = propagate(rbm, layer_input)
    if dbn.number_label_units:
        if labels is None:
            raise ValueError("this DBN has label units: pass the labels")
        one_hot = (dbn.one_hot(labels, len(layer_input)) * 255).astype(np.uint8)
        layer_input = np.concatenate([layer_input, one_hot], axis=1)
    return train_rbm(dbn.top, layer_input, num_epochs=num_epochs, batch_size=dbn.batch_size, seed=dbn.seed,
                     learning_rate=learning_rate, cd_steps=cd_steps, persistent=True,
                     schedule=linear_decay(learning_rate, num_epochs), monitor_size=monitor_size,
                     progress=progress, callbacks=callbacks, description=f"top level: PCD-{cd_steps}").history


def propagate(rbm: RBM, layer_input: np.ndarray, batch_size: int = 5000) -> np.ndarray:
    """p(h = 1 | v) of every row, as uint8 (probability x 255, rounded), computed in batches."""
    out = np.empty((len(layer_input), rbm.number_hidden_units), np.uint8)
    for start in range(0, len(layer_input), batch_size):
        v = tf.cast(tf.constant(layer_input[start:start + batch_size]), tf.float32) / 255.0
        probabilities = gibbs.hidden_probabilities(v, rbm.W, rbm.c).numpy()
        out[start:start + batch_size] = np.round(probabilities * 255).astype(np.uint8)
    return out

