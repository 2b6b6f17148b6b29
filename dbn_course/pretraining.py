"""Greedy layer-wise pretraining of a Deep Belief Network (chapter 04).

Hinton, Osindero and Teh (2006) build a DBN one RBM at a time: RBM 1 learns the images;
RBM l learns the hidden probabilities that RBM l-1 gives its data; the top RBM also
learns the labels, as one-hot softmax units beside its features. Each RBM's weights give
both directions of its layer once trained: recognition q(h_{l+1} | h_l) with W_l and
c_l, generation p(h_l | h_{l+1}) with W_l^T and b_l. With the layer above initialised to
the transpose of the one below, each added layer raises a variational lower bound on
log p(v) (the paper's "complementary prior" argument).

:class:`GreedyPretraining` holds these steps for :class:`~dbn_course.dbn.DBN`: the book's
``train_rbm`` member for one layer, :meth:`~GreedyPretraining.pretrain` for the stack and
:meth:`~GreedyPretraining.refine_top_level`, persistent CD for the top level afterwards.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from . import gibbs
from .contrastive_divergence import linear_decay, train_rbm
from .inputs import image_label_arrays, pixels_uint8
from .rbm import RBM
from .recipe import TopLevelPCD
from .validation import check_float, check_int

_PCD = TopLevelPCD()


class GreedyPretraining:
    """The pretraining stage of a :class:`~dbn_course.dbn.DBN` (a mixin: it uses the DBN's layers and settings)."""

    def train_rbm(self, rbm: RBM, inputs, num_epochs: int | None = None, tolerance: float | None = None,
                  batch_size: int | None = None, shuffle_buffer: int | None = None, **options) -> RBM:
        """Train one RBM of the stack on ``inputs`` by :func:`~dbn_course.rbm.train_rbm`; return it.

        The book's member, in the book's order. Settings left as ``None`` are the DBN's own
        (``num_epochs``, ``tolerance``, ``batch_size``, ``shuffle_buffer`` of the
        constructor), so the book's two-argument call ``dbn.train_rbm(layer, inputs)``
        works. By default it prints each epoch's cost, as the book's loop does, instead of
        a progress bar. Once a lower RBM of the stack is trained, its generative copy is
        set from it (G_l = W_l^T, g_l = b_l), as :meth:`pretrain` does.

        Args:
            rbm: one of ``dbn.rbms``.
            inputs: what that RBM learns from: for the first, images; for layer l, the
                hidden probabilities of layer l-1 (``inputs.map(dbn.rbms[l - 1].forward)``
                of a dataset); for a labelled top level, those features joined to one-hot
                labels (``dbn.top.join(features, labels)``). Arrays or datasets, as
                :func:`~dbn_course.rbm.train_rbm` takes them.
            num_epochs, tolerance, batch_size, shuffle_buffer: as for
                :func:`~dbn_course.rbm.train_rbm`; ``None`` takes the DBN's.
            **options: :func:`~dbn_course.rbm.train_rbm`'s keyword-only arguments
                (``seed``, ``progress``, ``print_costs``, ``callbacks``, ...); the
                shuffling is seeded from the DBN's ``seed`` unless ``seed`` is given.

        Returns:
            ``rbm``, trained, its history as ``rbm.history``.
        """
        position = next((index for index, layer in enumerate(self.rbms) if layer is rbm), None)
        if position is None:
            raise ValueError("dbn.train_rbm trains one of the DBN's own RBMs: pass dbn.rbms[l]")
        seed = None if self.seed is None else self.seed + 100 * (position + 1)  # this layer's shuffling
        options = {"progress": False, "print_costs": True, "seed": seed, **options}
        try:
            train_rbm(rbm, inputs, num_epochs=self.num_epochs if num_epochs is None else num_epochs,
                      tolerance=self.tolerance if tolerance is None else tolerance,
                      batch_size=self.batch_size if batch_size is None else batch_size,
                      shuffle_buffer=self.shuffle_buffer if shuffle_buffer is None else shuffle_buffer, **options)
        except ValueError as error:
            if rbm is self.top and self.number_label_units and str(rbm.number_visible_units) in str(error):
                raise ValueError(f"{error}. The top RBM of this DBN learns the features below joined to "
                                 f"{self.number_label_units} one-hot label units: pass "
                                 "dbn.top.join(features, labels), or train the whole stack with "
                                 "dbn.pretrain(images, labels)") from None
            raise
        if position < len(self.rbms) - 1:
            self.generative_weights[position].assign(tf.transpose(rbm.W))
            self.generative_biases[position].assign(rbm.b)
        return rbm

    def pretrain(self, images, labels=None, *, progress: bool = True, callbacks=(), monitor_size: int = 2000,
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
            callbacks: passed to :func:`~dbn_course.rbm.train_rbm` for every layer.
            monitor_size: examples on which each layer's reconstruction cost is measured.
            stop_event: a :class:`threading.Event`; once set, the current layer stops as
                :func:`~dbn_course.rbm.train_rbm` describes and no further layer trains.

        Returns:
            One training history per layer trained (see :func:`~dbn_course.rbm.train_rbm`).
        """
        images, labels = image_label_arrays(images, labels, self.number_visible_units)
        n = len(images)
        if self.number_label_units:
            if labels is None:
                raise ValueError("this DBN has label units: pass the labels")
            one_hot = (self._labels(labels, n) * 255).astype(np.uint8)
        layer_input = pixels_uint8(images, self.number_visible_units)
        histories = []
        rng = np.random.default_rng(self.seed)
        for index, rbm in enumerate(self.rbms):
            top = index == len(self.rbms) - 1
            data = np.concatenate([layer_input, one_hot], axis=1) if top and self.number_label_units else layer_input
            histories.append(self.train_rbm(
                rbm, data, seed=int(rng.integers(2**31)), monitor_size=monitor_size, progress=progress,
                print_costs=False, callbacks=callbacks, stop_event=stop_event,
                description=f"layer {index + 1} of {len(self.rbms)}: RBM {rbm.number_visible_units}-"
                            f"{rbm.number_hidden_units}").history)
            if stop_event is not None and stop_event.is_set():
                break
            if not top:
                layer_input = propagate(rbm, layer_input)
        self.tie_generative_weights()
        return histories

    def refine_top_level(self, images, labels=None, *, num_epochs: int = _PCD.num_epochs,
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
        do not change. The settings are this run's (:func:`~dbn_course.rbm.train_rbm`'s
        keywords): the top RBM's own settings stay as they are.

        The defaults are the shipped model's recipe (:class:`~dbn_course.recipe.TopLevelPCD`):
        15 epochs from 0.001 took the share of class-conditional samples read as their class
        from 64% to 91% (``benchmarks/README.md``).

        Args:
            images, labels: the training data, as for :meth:`pretrain`.
            num_epochs: passes over the data.
            learning_rate: the first epoch's step size.
            cd_steps: Gibbs sweeps of each persistent chain per update (k of PCD-k).
            progress, callbacks, monitor_size: as for :func:`~dbn_course.rbm.train_rbm`.

        Returns:
            The top RBM's training history (see :func:`~dbn_course.rbm.train_rbm`); its
            ``learning_rate`` holds each epoch's rate.
        """
        num_epochs = check_int("num_epochs", num_epochs)
        learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
        cd_steps = check_int("cd_steps", cd_steps)
        images, labels = image_label_arrays(images, labels, self.number_visible_units)
        layer_input = pixels_uint8(images, self.number_visible_units)
        for rbm in self.rbms[:-1]:
            layer_input = propagate(rbm, layer_input)
        if self.number_label_units:
            if labels is None:
                raise ValueError("this DBN has label units: pass the labels")
            one_hot = (self._labels(labels, len(layer_input)) * 255).astype(np.uint8)
            layer_input = np.concatenate([layer_input, one_hot], axis=1)
        return train_rbm(self.top, layer_input, num_epochs=num_epochs, batch_size=self.batch_size, seed=self.seed,
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

