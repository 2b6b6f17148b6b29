"""The Deep Belief Network of Hinton, Osindero and Teh (2006), as a Keras model (chapters 04-06).

A DBN with layers v = h_0, h_1, ..., h_L is a generative model whose top two layers form
an RBM -- an undirected *associative memory*, here optionally joined to softmax label
units y -- and whose lower layers are directed, top-down sigmoid belief nets:

    p(h_{L-1}, y, h_L)      the top-level RBM (see :mod:`dbn_course.top_level`)
    p(h_l = 1 | h_{l+1}) = sigmoid(h_{l+1} G_l + g_l)    for l = L-2, ..., 0.

Each directed layer also has *recognition* weights for the way up,
q(h_{l+1} = 1 | h_l) = sigmoid(h_l R_l + r_l), an approximation to the true posterior.

Greedy layer-wise pretraining (:meth:`DBN.pretrain`) trains RBM l on the hidden
probabilities of RBM l-1; RBM l's weights give both directions, R_l = W_l,
G_l = W_l^T, g_l = b_l, r_l = c_l. Each added layer, trained this way, raises a
variational lower bound on log p(v) -- the "complementary prior" argument of the paper.

Generative fine-tuning by the up-down algorithm (:meth:`DBN.up_down`, the paper's
contrastive wake-sleep) unties the two directions. Per minibatch:

* wake (up) pass: sample h_1, ..., h_{L-1} with the recognition weights; the generative
  weights learn to reconstruct each layer from the one above by the delta rule,
  G_l += eps h_{l+1}^T (h_l - sigmoid(h_{l+1} G_l + g_l));
* top level: CD-k on (h_{L-1}, y) with the data's label in the positive phase;
* sleep (down) pass: from the negative-phase h_{L-1}, sample down with the generative
  weights; the recognition weights learn to recover each layer from the one below,
  R_l += eps h_l^T (h_{l+1} - sigmoid(h_l R_l + r_l)).

Reference:
    G. E. Hinton, S. Osindero and Y.-W. Teh, "A fast learning algorithm for deep belief
    nets", Neural Computation 18(7), 1527-1554, 2006 (784-500-500-2000 with 10 labels,
    1.25% test error after up-down fine-tuning).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from . import classifier, training
from .guard import FiniteGuard
from .inputs import as_array, cast_visible, strip_label, unit_array, visible_batch
from .rbm import RBM, linear_decay, train_rbm
from .top_level import LabelledRBM
from .validation import check_float, check_int, is_symbolic

PHASES = ("wake", "top", "sleep")
KEPT_TRAINERS = 4  # compiled up-down updates a DBN keeps: each phase alone and all three
NOT_A_KERAS_TRAINER = (
    "A DBN is not trained with Keras' compile and fit: it learns by dbn.train_dbn(data), which runs its two "
    "stages, dbn.pretrain(images, labels) and dbn.up_down(images, labels). To fine-tune it by backpropagation, "
    "as the book's last listing means to, "
    "turn it into the classifier it defines and train that: model = dbn.to_classifier(); "
    "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy']); "
    "model.fit(images / 255, labels) -- integer labels need the sparse loss, one-hot labels "
    "CategoricalCrossentropy -- or dbn_course.classifier.fine_tune(model, images, labels)."
)
RBM_ARGUMENTS = {"number_hidden_units", "number_visible_units", "learning_rate", "cd_steps", "persistent",
                 "momentum", "weight_decay", "seed"}


@keras.saving.register_keras_serializable(package="dbn_course")
class DBN(keras.Model):
    """A stack of RBMs with an optional labelled top level, trained greedily and fine-tuned.

    The first six arguments are the book's, in the book's order (``name`` second, as in
    every Keras model); the rest are keyword-only.

    Args:
        rbm_params: one dict of :class:`~dbn_course.rbm.RBM` arguments per layer, bottom
            first, e.g. ``[{"number_visible_units": 784, "number_hidden_units": 500}, ...]``.
            The first needs ``number_visible_units``; the others may give it, and it must
            equal the number of hidden units below. The top layer's visible units count
            the features only: the label units are added to them.
        name: the model's name.
        num_epochs: pretraining epochs per layer (and up-down epochs of :meth:`train_dbn`).
        tolerance: stop a layer's pretraining once its reconstruction cost changes by at
            most this much between epochs (``None``: never).
        batch_size: examples per CD update.
        shuffle_buffer: shuffle buffer when pretraining from a ``tf.data.Dataset``.
        number_label_units: softmax label units joined to the top RBM's visible layer
            (0 for an unlabelled DBN).
        seed: default seed of layer l is ``seed + l`` (a layer's own ``seed`` wins); also
            seeds the shuffling and the up-down samples.

    Calling the model on images (batch, n_v) in [0, 1] runs the recognition pass with
    probabilities; with labels it returns p(y | x) from the top level's free energies,
    otherwise the top hidden probabilities.

    Attributes:
        history: the record of the last :meth:`train_dbn` run (``None`` before one).
    """

    def __init__(self, rbm_params, name: str = "deep_belief_network", num_epochs: int = 10,
                 tolerance: float | None = None, batch_size: int = 100, shuffle_buffer: int = 10_000, *,
                 number_label_units: int = 0, seed: int | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rbm_params = _check_rbm_params(rbm_params)
        self.num_epochs = check_int("num_epochs", num_epochs)
        self.tolerance = None if tolerance is None else check_float("tolerance", tolerance, 0.0)
        self.batch_size = check_int("batch_size", batch_size)
        self.shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer)
        self.number_label_units = check_int("number_label_units", number_label_units, minimum=0)
        if self.number_label_units == 1:
            raise ValueError("number_label_units must be 0 (no labels) or at least 2")
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)

        self.rbms = []
        for index, params in enumerate(self.rbm_params):
            params = dict(params)
            if index > 0:
                params["number_visible_units"] = self.rbm_params[index - 1]["number_hidden_units"]
            if "seed" not in params and self.seed is not None:
                params["seed"] = self.seed + index
            top = index == len(self.rbm_params) - 1
            if top and self.number_label_units:
                params["number_visible_units"] += self.number_label_units
                layer = LabelledRBM(number_label_units=self.number_label_units, name=f"rbm_{index + 1}", **params)
            else:
                layer = RBM(name=f"rbm_{index + 1}", **params)
            self.rbms.append(layer)
        # The untied generative weights G_l (n_{l+1} x n_l) and biases g_l of the directed layers.
        self.generative_weights, self.generative_biases = [], []
        for index, rbm in enumerate(self.rbms[:-1]):
            self.generative_weights.append(self.add_weight(
                name=f"G_{index + 1}", shape=(rbm.number_hidden_units, rbm.number_visible_units),
                initializer="zeros"))
            self.generative_biases.append(self.add_weight(
                name=f"g_{index + 1}", shape=(rbm.number_visible_units,), initializer="zeros"))
        self.tie_generative_weights()
        self._up_down_trainers = {}
        self._up_pass_fn = None
        self.history = None  # set by train_dbn
        self.built = True

    # ------------------------------------------------------------------ Keras API

    def get_config(self):
        config = super().get_config()
        config.update(
            rbm_params=[dict(params) for params in self.rbm_params],
            num_epochs=self.num_epochs,
            tolerance=self.tolerance,
            batch_size=self.batch_size,
            shuffle_buffer=self.shuffle_buffer,
            number_label_units=self.number_label_units,
            seed=self.seed,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        config.pop("dtype", None)
        return cls(**config)

    def build(self, input_shape=None):
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        # Eager data goes through the boundary first (see RBM.__call__).
        if not is_symbolic(inputs) and not isinstance(inputs, keras.KerasTensor):
            inputs = visible_batch(inputs, self.number_visible_units, "images")
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, training=None):
        # __call__ has checked eager data; graph tensors cannot be checked. The pass is the
        # same in training and inference (``training`` is the book's argument).
        features = self._recognise(cast_visible(inputs, self.number_visible_units))[-1]
        if self.number_label_units:
            return tf.nn.softmax(-self.top._label_free_energies_slice(features), axis=-1)
        return self.top._hidden_probabilities(features)

    def compile(self, *args, **kwargs):
        """Not for a DBN: its training is :meth:`pretrain` and :meth:`up_down`. See :data:`NOT_A_KERAS_TRAINER`."""
        raise TypeError(NOT_A_KERAS_TRAINER)

    def fit(self, *args, **kwargs):
        """Not for a DBN: its training is :meth:`pretrain` and :meth:`up_down`. See :data:`NOT_A_KERAS_TRAINER`."""
        raise TypeError(NOT_A_KERAS_TRAINER)

    def clone(self) -> "DBN":
        """A new DBN with this one's configuration and a copy of every weight."""
        twin = DBN.from_config(self.get_config())
        twin.set_weights(self.get_weights())
        return twin

    # ------------------------------------------------------------------ structure

    @property
    def top(self) -> RBM:
        """The top-level RBM (a :class:`~dbn_course.top_level.LabelledRBM` when there are labels)."""
        return self.rbms[-1]

    @property
    def layer_sizes(self) -> list[int]:
        """n_v, n_1, ..., n_L: the units of every layer, labels not counted."""
        return [self.rbm_params[0]["number_visible_units"]] + [p["number_hidden_units"] for p in self.rbm_params]

    @property
    def number_visible_units(self) -> int:
        return self.layer_sizes[0]

    def tie_generative_weights(self) -> None:
        """Set G_l = W_l^T and g_l = b_l from each lower RBM: the DBN that greedy pretraining defines."""
        for rbm, weights, biases in zip(self.rbms[:-1], self.generative_weights, self.generative_biases):
            weights.assign(tf.transpose(rbm.W))
            biases.assign(rbm.b)

    # ------------------------------------------------------------------ checks

    def _images(self, images, name: str = "images"):
        """Images as float32 (batch, n_v) in [0, 1] through the data boundary (:mod:`dbn_course.inputs`)."""
        return unit_array(images, self.number_visible_units, name)

    def _labels(self, labels, n: int):
        if not self.number_label_units:
            raise ValueError("this DBN has no label units: build it with number_label_units")
        return self.top.one_hot(labels, n).numpy()

    # ------------------------------------------------------------------ recognition: the up pass

    def _recognise(self, v):
        """Probabilities of every layer below the top on the way up: [v, q(h_1), ..., q(h_{L-1})]."""
        layers = [tf.convert_to_tensor(v, tf.float32)]
        for rbm in self.rbms[:-1]:
            layers.append(rbm._hidden_probabilities(layers[-1]))
        return layers

    def up_pass(self, images, batch_size: int = 5000) -> list[np.ndarray]:
        """Mean-field recognition: [q(h_1 | v), ..., q(h_{L-1} | v)] for each image, as float32 arrays."""
        images = self._images(images)
        if self._up_pass_fn is None:
            self._up_pass_fn = tf.function(lambda v: self._recognise(v)[1:], reduce_retracing=True)
        chunks = [self._up_pass_fn(tf.constant(images[i:i + batch_size])) for i in range(0, len(images), batch_size)]
        return [np.concatenate([chunk[level].numpy() for chunk in chunks]) for level in range(len(self.rbms) - 1)]

    def predict_labels(self, images, batch_size: int = 1000) -> np.ndarray:
        """Classify with the generative model: the label of lowest free energy F(h_{L-1}, y) at the top.

        The image goes up by mean-field recognition; at the top p(y | h_{L-1}) is exact
        (see :class:`~dbn_course.top_level.LabelledRBM`).
        """
        if not self.number_label_units:
            raise ValueError("this DBN has no label units to classify with")
        images = self._images(images)
        predictions = []
        for i in range(0, len(images), batch_size):
            features = self._recognise(images[i:i + batch_size])[-1]
            predictions.append(self.top.predict_labels(features))
        return np.concatenate(predictions)

    def error_pct(self, images, labels) -> float:
        """Percentage of images :meth:`predict_labels` gets wrong."""
        return 100.0 * float(np.mean(self.predict_labels(images) != np.asarray(labels)))

    # ------------------------------------------------------------------ greedy pretraining

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
        images, labels = _as_arrays(images, labels, self.number_visible_units)
        n = len(images)
        if self.number_label_units:
            if labels is None:
                raise ValueError("this DBN has label units: pass the labels")
            one_hot = (self._labels(labels, n) * 255).astype(np.uint8)
        layer_input = self._pixels_as_uint8(images)
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
                layer_input = _propagate(rbm, layer_input)
        self.tie_generative_weights()
        return histories

    def refine_top_level(self, images, labels=None, *, num_epochs: int = 15, learning_rate: float = 0.001,
                         cd_steps: int = 1, progress: bool = True, callbacks=(), monitor_size: int = 2000) -> dict:
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

        The defaults are the shipped model's recipe: 15 epochs from 0.001 took the share of
        class-conditional samples read as their class from 64% to 91% (``benchmarks/README.md``).

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
        images, labels = _as_arrays(images, labels, self.number_visible_units)
        layer_input = self._pixels_as_uint8(images)
        for rbm in self.rbms[:-1]:
            layer_input = _propagate(rbm, layer_input)
        if self.number_label_units:
            if labels is None:
                raise ValueError("this DBN has label units: pass the labels")
            one_hot = (self._labels(labels, len(layer_input)) * 255).astype(np.uint8)
            layer_input = np.concatenate([layer_input, one_hot], axis=1)
        return train_rbm(self.top, layer_input, num_epochs=num_epochs, batch_size=self.batch_size, seed=self.seed,
                         learning_rate=learning_rate, cd_steps=cd_steps, persistent=True,
                         schedule=linear_decay(learning_rate, num_epochs), monitor_size=monitor_size,
                         progress=progress, callbacks=callbacks, description=f"top level: PCD-{cd_steps}").history

    def _pixels_as_uint8(self, images):
        """Training images as uint8 (n, n_v): pixels as given, floats in [0, 1] times 255, rounded."""
        array, scale = as_array(images, self.number_visible_units, "training images", min_rows=1)
        if array.dtype == np.uint8:
            return array
        return np.round(array.astype(np.float32) * 255).astype(np.uint8)

    def finite_guard(self) -> FiniteGuard:
        """A :class:`~dbn_course.guard.FiniteGuard` over every weight of the DBN."""
        return FiniteGuard(self.trainable_weights, "the DBN", "Lower the learning rate.")

    # ------------------------------------------------------------------ up-down fine-tuning

    def up_down(self, images, labels=None, *, num_epochs: int | None = 10, learning_rate: float = 0.01,
                top_gibbs_steps: int = 3, batch_size: int | None = None, schedule=None, progress: bool = True,
                callbacks=(), monitor_size: int = 2000, monitor=None, stop_event=None) -> dict:
        """Generative fine-tuning by the up-down (contrastive wake-sleep) algorithm.

        Per minibatch: a wake pass updates only the generative weights G, g; CD-k at the
        top (k = ``top_gibbs_steps``, the data's labels clamped in the positive phase)
        updates only the top RBM; a sleep pass from the top's negative-phase states
        updates only the recognition weights R = W, r = c of the lower RBMs. (The lower
        RBMs' visible biases b are not used after pretraining: g takes their place.)
        The epochs, Stop, callbacks, history and schedule are the training engine's
        (:mod:`dbn_course.training`).

        Args:
            images: (n, n_v) uint8 pixels or floats in [0, 1]; grey values are used as
                the probabilities of binary pixels.
            labels: integer classes (required when the DBN has label units).
            num_epochs: passes over the data; None trains until a callback or Stop ends
                training.
            learning_rate: step size of every update.
            top_gibbs_steps: Gibbs iterations of the top-level CD (the paper used 3, then
                6, then 10 as training went on).
            batch_size: examples per update (default: the DBN's ``batch_size``).
            schedule: the learning rate of each epoch, ``schedule(epoch)``; default:
                ``learning_rate`` throughout.
            progress: show a progress bar.
            callbacks: functions ``f(dbn, epoch, history)`` run after each epoch; one that
                returns True stops training.
            monitor_size: the first ``monitor_size`` images measure the training error and
                reconstruction cost after each epoch.
            monitor: optional ``(images, labels)`` also measured after each epoch (e.g. a
                validation set); its error goes to ``history["monitor_error_pct"]``.
            stop_event: a :class:`threading.Event`; once set, training ends within one
                block of minibatches and the part-epoch is the history's last entry.

        Returns:
            The history, in the engine's format: ``reconstruction_cost`` (nats per image:
            the data against sigmoid(q(h_1 | v) G_1 + g_1)), ``train_error_pct`` (labelled
            DBNs), ``monitor_error_pct`` (with ``monitor``), ``epoch_seconds``,
            ``learning_rate``, ``stopped_early``, ``stop_reason``.
        """
        num_epochs = None if num_epochs is None else check_int("num_epochs", num_epochs)
        learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
        top_gibbs_steps = check_int("top_gibbs_steps", top_gibbs_steps)
        batch_size = self.batch_size if batch_size is None else check_int("batch_size", batch_size)
        monitor_size = check_int("monitor_size", monitor_size)
        if len(self.rbms) < 2:
            raise ValueError("up-down fine-tuning needs at least two layers: one directed, one at the top")
        images, labels = _as_arrays(images, labels, self.number_visible_units)
        pixels = self._pixels_as_uint8(images)
        if self.number_label_units:
            if labels is None:
                raise ValueError("this DBN has label units: pass the labels")
            targets = self._labels(labels, len(pixels))
        elif monitor is not None:
            raise ValueError("monitor measures the classification error: this DBN has no label units")
        else:
            targets = np.zeros((len(pixels), 0), np.float32)
        trainer = self._trainer(top_gibbs_steps)
        rng = np.random.default_rng(None if self.seed is None else self.seed + 1000)
        data, target_tensor = tf.constant(pixels), tf.constant(targets)
        monitor_images, monitor_labels = pixels[:monitor_size], (None if labels is None else labels[:monitor_size])

        def run_epoch(rate, block_done):
            for indices in training.block_order(len(pixels), batch_size, rng, training.BLOCK_BATCHES):
                trainer.run(data, target_tensor, tf.constant(indices), rate)
                if block_done(len(indices)):
                    return

        def measure(epoch):
            values = {"reconstruction_cost": self.generative_reconstruction_cost(monitor_images)}
            if self.number_label_units:
                values["train_error_pct"] = self.error_pct(monitor_images, monitor_labels)
            if monitor is not None:
                values["monitor_error_pct"] = self.error_pct(*monitor)
            return values

        metrics = ["reconstruction_cost"] + (["train_error_pct"] if self.number_label_units else []) \
            + (["monitor_error_pct"] if monitor is not None else [])
        return training.Engine(
            self, run_epoch, measure, metrics=metrics, num_epochs=num_epochs,
            batches_per_epoch=math.ceil(len(pixels) / batch_size), guard=self.finite_guard(),
            schedule=schedule or training.constant(learning_rate), callbacks=callbacks, stop_event=stop_event,
            progress=progress, description="up-down fine-tuning").run()

    def train_dbn(self, inputs, labels=None, *, up_down_epochs: int | None = None, learning_rate: float = 0.01,
                  top_gibbs_steps: int = 3, progress: bool = True) -> "DBN":
        """The book's whole generative procedure in one call: greedy pretraining, then up-down fine-tuning.

        :meth:`pretrain` trains every RBM for the DBN's ``num_epochs``, then :meth:`up_down`
        fine-tunes the stack for ``up_down_epochs`` (default: ``num_epochs`` as well, as
        the book's wake-sleep loop does).

        Args:
            inputs, labels: the training data, as for :meth:`pretrain` (a dataset of
                (image, label) pairs, or arrays).
            up_down_epochs, learning_rate, top_gibbs_steps: of :meth:`up_down`.
            progress: show progress bars.

        Returns:
            The DBN, with ``dbn.history = {"pretraining": [one history per layer],
            "up_down": history}``.
        """
        images, labels = _as_arrays(inputs, labels, self.number_visible_units)
        pretraining = self.pretrain(images, labels, progress=progress)
        up_down = self.up_down(images, labels, num_epochs=self.num_epochs if up_down_epochs is None else up_down_epochs,
                               learning_rate=learning_rate, top_gibbs_steps=top_gibbs_steps, progress=progress)
        self.history = {"pretraining": pretraining, "up_down": up_down}
        return self

    # The book's names: the phases of the up-down update, one minibatch at a time.
    def wake_update(self, images, labels=None, learning_rate: float = 0.01) -> float:
        """The wake phase alone on one minibatch: only the generative weights G, g change.

        Returns the minibatch's reconstruction cost (see :meth:`generative_reconstruction_cost`).
        """
        return self._one_phase(("wake",), images, labels, learning_rate, 1)

    def top_update(self, images, labels=None, learning_rate: float = 0.01, top_gibbs_steps: int = 3) -> float:
        """CD-k at the top alone, on the recognised features of one minibatch: only the top RBM changes."""
        return self._one_phase(("top",), images, labels, learning_rate, top_gibbs_steps)

    def sleep_update(self, images, labels=None, learning_rate: float = 0.01, top_gibbs_steps: int = 3) -> float:
        """The sleep phase alone: only the recognition weights R = W and r = c of the lower RBMs change.

        The dreams start where the top level's Gibbs chains end, which start from the
        minibatch's recognised features.
        """
        return self._one_phase(("sleep",), images, labels, learning_rate, top_gibbs_steps)

    def _one_phase(self, phases, images, labels, learning_rate, top_gibbs_steps):
        if len(self.rbms) < 2:
            raise ValueError("wake and sleep phases need at least two layers: one directed, one at the top")
        images, labels = _as_arrays(images, labels, self.number_visible_units)
        pixels = self._pixels_as_uint8(images)
        if self.number_label_units and labels is None:
            raise ValueError("this DBN has label units: pass the minibatch's labels")
        targets = (self._labels(labels, len(pixels)) if self.number_label_units
                   else np.zeros((len(pixels), 0), np.float32))
        learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
        trainer = self._trainer(check_int("top_gibbs_steps", top_gibbs_steps), phases)
        guard = self.finite_guard()
        trainer.run(tf.constant(pixels), tf.constant(targets), tf.range(len(pixels))[tf.newaxis], learning_rate)
        cost = self.generative_reconstruction_cost(pixels)
        guard.check(f"in this {'/'.join(phases)} update (learning rate {learning_rate:g})",
                    {"reconstruction cost": cost})
        return cost

    def _trainer(self, top_gibbs_steps, phases=PHASES):
        """The compiled update for these settings, kept so that alternating phases do not recompile.

        The last ``KEPT_TRAINERS`` settings used are kept (the three phases and the whole
        update, at one k); older ones are dropped. The learning rate is an argument of
        each call, so a schedule does not recompile.
        """
        key = (top_gibbs_steps, tuple(phases))
        if key not in self._up_down_trainers:
            if len(self._up_down_trainers) >= KEPT_TRAINERS:
                del self._up_down_trainers[next(iter(self._up_down_trainers))]
            self._up_down_trainers[key] = _UpDownTrainer(self, top_gibbs_steps, phases)
        return self._up_down_trainers[key]

    def generative_reconstruction_cost(self, images) -> float:
        """Cross-entropy of the images with sigmoid(q(h_1 | v) G_1 + g_1), in nats per image."""
        v = self._images(images)
        h = self.rbms[0]._hidden_probabilities(v)
        logits = tf.matmul(h, self.generative_weights[0]) + self.generative_biases[0]
        return float(tf.reduce_mean(tf.reduce_sum(tf.nn.softplus(logits) - v * logits, axis=-1)))

    # ------------------------------------------------------------------ generation

    def down_pass(self, top_features) -> tf.Tensor:
        """From states of h_{L-1} down to the pixels: sample each hidden layer, return p(v | h_1)."""
        h = tf.convert_to_tensor(top_features, tf.float32)
        for index in reversed(range(len(self.rbms) - 1)):
            probabilities = tf.sigmoid(tf.matmul(h, self.generative_weights[index]) + self.generative_biases[index])
            h = probabilities if index == 0 else self.top._bernoulli(probabilities)
        return h

    def generate(self, labels=None, n: int | None = None, gibbs_steps: int = 1000, record_every: int | None = None):
        """Digits from the model: Gibbs sampling at the top, then a down pass.

        Args:
            labels: classes to clamp, one per digit (``generate(labels=[3] * 10)``);
                ``None`` samples the labels too (unconditional digits).
            n: the number of digits when ``labels`` is None.
            gibbs_steps: alternating Gibbs sweeps in the top-level RBM.
            record_every: also return the chain every ``record_every`` sweeps, each frame
                taken down to pixels (shape (frames, digits, n_v)).

        Returns:
            ``(images, labels)``: pixel probabilities (digits, n_v) in [0, 1] and the label
            each chain ended with; plus the frames with ``record_every``.
        """
        gibbs_steps = check_int("gibbs_steps", gibbs_steps)
        if labels is None:
            n = check_int("n", 10 if n is None else n)
        else:
            labels = np.atleast_1d(np.asarray(labels))
            n = len(labels)
        n_features = self.layer_sizes[-2]
        start = tf.fill((n, n_features), 0.5)
        if self.number_label_units:
            result = self.top.gibbs_with_labels(start, labels, steps=gibbs_steps, record_every=record_every)
            features, final_labels = result[0], result[1]
            frames = result[2] if record_every is not None else None
        else:
            if labels is not None:
                raise ValueError("this DBN has no label units to clamp")
            chain = self.top.gibbs_chain(self.top._bernoulli(start), gibbs_steps, record_every=record_every)
            features, final_labels = (self.top._bernoulli(chain[-1]) if record_every else chain), None
            frames = tf.stack([self.top._bernoulli(frame) for frame in chain]) if record_every else None
        images = self.down_pass(features).numpy()
        if frames is None:
            return images, final_labels
        pictures = np.stack([self.down_pass(frame).numpy() for frame in tf.unstack(frames)]) \
            if frames.shape[0] else np.zeros((0, n, self.number_visible_units), np.float32)
        return images, final_labels, pictures

    # ------------------------------------------------------------------ backpropagation

    def to_classifier(self, number_classes: int | None = None, *, dropout: float = 0.0, input_dropout: float = 0.0,
                      seed: int | None = None) -> keras.Sequential:
        """A sigmoid network n_v -> n_1 -> ... -> n_L -> softmax, with the DBN's recognition weights.

        Hidden layer l gets (W_l, c_l) of RBM l (for the top RBM, the rows of W that
        connect to the features). The softmax output gets the top RBM's label weights
        U^T and label biases d when the DBN has labels -- p(y | h_L) = softmax(h_L U^T + d)
        is exactly the top RBM's conditional of the labels -- and Glorot-initialised
        weights otherwise. Compile and ``fit`` it to fine-tune by backpropagation.
        """
        number_classes = self.number_label_units or check_int("number_classes", number_classes or 10, minimum=2)
        model = classifier.classifier_network(self.layer_sizes, number_classes, dropout=dropout,
                                              input_dropout=input_dropout, seed=seed, name="dbn_classifier")
        dense = classifier.dense_layers(model)
        n_features = self.layer_sizes[-2]
        for layer, rbm in zip(dense[:-1], self.rbms):
            layer.set_weights([rbm.W.numpy()[:n_features] if rbm is self.top else rbm.W.numpy(), rbm.c.numpy()])
        if self.number_label_units:
            dense[-1].set_weights([self.top.W.numpy()[n_features:].T, self.top.b.numpy()[n_features:]])
        return model


def make_dbn(hidden_units, *, number_visible_units: int = 784, number_label_units: int = 10,
             learning_rate: float = 0.05, cd_steps: int = 1, momentum: float = 0.5, weight_decay: float = 2e-4,
             persistent: bool = False, num_epochs: int = 10, batch_size: int = 100, seed: int | None = 0) -> DBN:
    """A DBN with the same RBM settings on every layer: ``make_dbn([500, 500, 2000])`` is the paper's.

    Args:
        hidden_units: the hidden units of each RBM, bottom first; the last is the top level.
        number_visible_units: pixels per image.
        number_label_units: label units at the top (0 for none).
        learning_rate, cd_steps, momentum, weight_decay, persistent: every RBM's.
        num_epochs, batch_size, seed: as in :class:`DBN`.
    """
    hidden_units = list(hidden_units)
    if not hidden_units:
        raise ValueError("hidden_units is empty: a DBN needs at least one layer")
    settings = dict(learning_rate=learning_rate, cd_steps=cd_steps, momentum=momentum, weight_decay=weight_decay,
                    persistent=persistent)
    params = [dict(number_visible_units=number_visible_units, number_hidden_units=hidden_units[0], **settings)]
    params += [dict(number_hidden_units=n, **settings) for n in hidden_units[1:]]
    return DBN(params, num_epochs=num_epochs, batch_size=batch_size, number_label_units=number_label_units, seed=seed)


class _UpDownTrainer:
    """One compiled up-down update per minibatch (see :meth:`DBN.up_down`).

    Uniform noise for every sample of a minibatch is drawn by the top RBM's seeded
    generator outside XLA (its random kernels are slow on a CPU) and passed to the
    compiled update, as in :class:`~dbn_course.rbm._CDTrainer`.
    """

    def __init__(self, dbn: DBN, top_gibbs_steps: int, phases=PHASES):
        self.dbn = dbn
        self.key = (top_gibbs_steps, tuple(phases))
        self.phases = set(phases)
        self.top_gibbs_steps = top_gibbs_steps
        sizes = dbn.layer_sizes
        top = dbn.top
        # noise columns: wake samples of h_1..h_{L-1} and the top; k x (h_{L-1}, one for the label, top);
        # sleep samples of h_{L-2}..h_1
        self.noise_width = (sum(sizes[1:-1]) + sizes[-1] + top_gibbs_steps * (top.number_visible_units + sizes[-1])
                            + sum(sizes[1:-2]))
        self._update = tf.function(self._update_batch, jit_compile=True, reduce_retracing=True)
        self._run = tf.function(self._run_batches, reduce_retracing=True)

    def run(self, data, targets, batch_indices, learning_rate: float) -> None:
        """One update per row of ``batch_indices`` (a block), at ``learning_rate``."""
        self._run(data, targets, batch_indices, tf.constant(learning_rate, tf.float32))

    def _run_batches(self, data, targets, batch_indices, learning_rate):
        for i in tf.range(tf.shape(batch_indices)[0]):
            rows = batch_indices[i]
            v0 = tf.cast(tf.gather(data, rows), tf.float32) / 255.0
            noise = self.dbn.top.sampler.uniform(tf.stack([tf.shape(rows)[0], self.noise_width]))
            self._update(v0, tf.gather(targets, rows), noise, learning_rate)

    def _update_batch(self, v0, y, noise, learning_rate):
        dbn, eps = self.dbn, learning_rate
        rbms, top = dbn.rbms, dbn.top
        lower = rbms[:-1]
        batch = tf.cast(tf.shape(v0)[0], tf.float32)
        offset = 0

        def take(width):
            nonlocal offset
            columns = noise[:, offset:offset + width]
            offset += width
            return columns

        def sample(probabilities):
            return tf.cast(take(probabilities.shape[-1]) < probabilities, tf.float32)

        # Wake pass: sample every layer up with the recognition weights.
        wake = [v0]
        for rbm in lower:
            wake.append(sample(rbm._hidden_probabilities(wake[-1])))
        positive_visible = tf.concat([wake[-1], y], axis=1)
        positive_top = sample(top._hidden_probabilities(positive_visible))

        # Top level: CD-k from the wake states.
        negative_top = positive_top
        for _ in range(self.top_gibbs_steps):
            probabilities = top._visible_probabilities(negative_top)
            negative_visible = top._visible_from_noise(take(top.number_visible_units), probabilities)
            negative_top = sample(top._hidden_probabilities(negative_visible))

        # Sleep pass: from the negative-phase features down with the generative weights.
        n_features = dbn.layer_sizes[-2]
        sleep = [negative_visible[:, :n_features]]
        for index in reversed(range(len(lower))):
            probabilities = tf.sigmoid(tf.matmul(sleep[-1], dbn.generative_weights[index])
                                       + dbn.generative_biases[index])
            sleep.append(probabilities if index == 0 else sample(probabilities))
        sleep = sleep[::-1]  # sleep[l] is layer l: pixel probabilities, then sampled states

        # Generative weights: reconstruct each layer of the wake pass from the one above.
        updates = []
        for index in range(len(lower) if "wake" in self.phases else 0):
            above, below = wake[index + 1], wake[index]
            error = below - tf.sigmoid(tf.matmul(above, dbn.generative_weights[index]) + dbn.generative_biases[index])
            updates.append((dbn.generative_weights[index], tf.matmul(above, error, transpose_a=True) / batch))
            updates.append((dbn.generative_biases[index], tf.reduce_mean(error, axis=0)))
        # Top level: positive minus negative statistics.
        if "top" in self.phases:
            updates.append((top.W, (tf.matmul(positive_visible, positive_top, transpose_a=True)
                                    - tf.matmul(negative_visible, negative_top, transpose_a=True)) / batch))
            updates.append((top.b, tf.reduce_mean(positive_visible - negative_visible, axis=0)))
            updates.append((top.c, tf.reduce_mean(positive_top - negative_top, axis=0)))
        # Recognition weights: recover each layer of the sleep pass from the one below.
        for index, rbm in enumerate(lower if "sleep" in self.phases else ()):
            below, above = sleep[index], sleep[index + 1]
            error = above - rbm._hidden_probabilities(below)
            updates.append((rbm.W, tf.matmul(below, error, transpose_a=True) / batch))
            updates.append((rbm.c, tf.reduce_mean(error, axis=0)))
        for variable, step in updates:
            variable.assign_add(eps * step)


def _check_rbm_params(rbm_params) -> list[dict]:
    if isinstance(rbm_params, dict) or not isinstance(rbm_params, (list, tuple)):
        raise ValueError(f"rbm_params must be a list of dicts, one per layer; got {type(rbm_params).__name__}")
    if not rbm_params:
        raise ValueError("rbm_params is empty: a DBN needs at least one RBM")
    checked = []
    for index, params in enumerate(rbm_params):
        if not isinstance(params, dict):
            raise ValueError(f"rbm_params[{index}] must be a dict of RBM arguments, got {params!r}")
        unknown = set(params) - RBM_ARGUMENTS
        if unknown:
            raise ValueError(f"rbm_params[{index}] has unknown arguments {sorted(unknown)}; "
                             f"allowed: {sorted(RBM_ARGUMENTS)}")
        if "number_hidden_units" not in params:
            raise ValueError(f"rbm_params[{index}] needs number_hidden_units")
        params = dict(params)
        check_int(f"rbm_params[{index}]['number_hidden_units']", params["number_hidden_units"])
        if index == 0:
            if "number_visible_units" not in params:
                raise ValueError("rbm_params[0] needs number_visible_units (784 for MNIST)")
            check_int("rbm_params[0]['number_visible_units']", params["number_visible_units"])
        else:
            below = checked[-1]["number_hidden_units"]
            if params.setdefault("number_visible_units", below) != below:
                raise ValueError(f"layer sizes do not chain: rbm_params[{index}] has "
                                 f"{params['number_visible_units']} visible units but the layer below has "
                                 f"{below} hidden units")
        checked.append(params)
    return checked


def _as_arrays(images, labels, n_visible: int):
    """Image and label arrays from what a learner passes: arrays, a dataset element, or a dataset.

    A ``tf.data.Dataset`` may yield (image, label) pairs, tfds dicts or images alone,
    one at a time or in batches; a batch as a dataset yields it (a dict or a pair) also
    carries its labels. Each image becomes one row of n_v values.
    """
    if isinstance(images, tf.data.Dataset):
        if labels is not None:
            raise ValueError("a dataset carries its own labels: pass (image, label) pairs, not labels=")
        xs, ys = [], []
        for element in images.as_numpy_iterator():
            if isinstance(element, dict):
                element = (strip_label(element), element.get("label"))
            image, label = element if isinstance(element, tuple) and len(element) == 2 else (element, None)
            image = np.asarray(image)
            if image.size % n_visible:
                raise ValueError(f"the dataset's elements must be images of {n_visible} pixels (with or without "
                                 f"their labels); got shape {image.shape}")
            xs.append(image.reshape(-1, n_visible))
            if label is not None:
                ys.append(np.atleast_1d(label))
        if not xs:
            raise ValueError("training data is empty: the dataset yields no examples")
        xs = np.concatenate(xs)
        ys = np.concatenate(ys) if ys else None
        return xs, (ys if ys is not None and len(ys) == len(xs) else None)
    if isinstance(images, dict) or (isinstance(images, tuple) and strip_label(images) is not images):
        if labels is not None:
            raise ValueError("these images carry their own labels: pass them alone, or pass labels=, not both")
        labels = images.get("label") if isinstance(images, dict) else images[1]
        images = strip_label(images)
    if isinstance(images, tf.Tensor):
        images = images.numpy()
    images = np.asarray(images)
    if labels is not None:
        labels = np.asarray(labels)
        if len(labels) != len(images):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return images, labels


def _propagate(rbm: RBM, layer_input: np.ndarray, batch_size: int = 5000) -> np.ndarray:
    """p(h = 1 | v) of every row, as uint8 (probability x 255, rounded), computed in batches."""
    out = np.empty((len(layer_input), rbm.number_hidden_units), np.uint8)
    for start in range(0, len(layer_input), batch_size):
        v = tf.cast(tf.constant(layer_input[start:start + batch_size]), tf.float32) / 255.0
        out[start:start + batch_size] = np.round(rbm._hidden_probabilities(v).numpy() * 255).astype(np.uint8)
    return out


def save_dbn(dbn: DBN, path) -> None:
    """Save a DBN's configuration and every weight (recognition, generative, top) to a ``.keras`` file."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="__array__ implementation", category=DeprecationWarning)
        dbn.save(path)


def load_dbn(path) -> DBN:
    """Load a DBN saved by :func:`save_dbn`."""
    model = keras.saving.load_model(path)
    if not isinstance(model, DBN):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a DBN")
    return model
