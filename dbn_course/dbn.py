"""The Deep Belief Network of Hinton, Osindero and Teh (2006), as a Keras model (chapters 04-06).

A DBN with layers v = h_0, h_1, ..., h_L is a generative model whose top two layers form
an RBM -- an undirected *associative memory*, here optionally joined to softmax label
units y -- and whose lower layers are directed, top-down sigmoid belief nets:

    p(h_{L-1}, y, h_L)      the top-level RBM (see :mod:`dbn_course.top_level`)
    p(h_l = 1 | h_{l+1}) = sigmoid(h_{l+1} G_l + g_l)    for l = L-2, ..., 0.

Each directed layer also has *recognition* weights for the way up,
q(h_{l+1} = 1 | h_l) = sigmoid(h_l R_l + r_l), an approximation to the true posterior.

This module holds the model: its layers and weights, recognition (the up pass, and
classification by the top level's free energies), generation (Gibbs sampling at the top,
then the down pass), the up-down update of one minibatch (:meth:`DBN.up_down_step`) and
the bridge to a backprop classifier (:meth:`DBN.to_classifier`). Its two training stages
are composed around it in :mod:`dbn_course.training`: greedy layer-wise pretraining
(:mod:`dbn_course.training.pretraining`), which ties R_l = W_l, r_l = c_l, G_l = W_l^T and
g_l = b_l to RBM l, and generative fine-tuning by the up-down algorithm
(:mod:`dbn_course.training.up_down`), which unties them. The book's methods
(``dbn.train_rbm``, ``pretrain``, ``up_down``, ...) hand their work to those modules.

Reference:
    G. E. Hinton, S. Osindero and Y.-W. Teh, "A fast learning algorithm for deep belief
    nets", Neural Computation 18(7), 1527-1554, 2006 (784-500-500-2000 with 10 labels,
    1.25% test error after up-down fine-tuning).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from dbn_course import classifier
from dbn_course.checks import FiniteGuard, check_float, check_int, check_rbm_params, is_symbolic
from dbn_course.data.inputs import cast_visible, image_label_arrays, unit_array, visible_batch
from dbn_course.deprecation import moved_attributes
from dbn_course.rbm import RBM, TrainingMethod
from dbn_course.sampling import gibbs
from dbn_course.top_level import LabelledRBM

NOT_A_KERAS_TRAINER = (
    "A DBN is not trained with Keras' compile and fit: it learns by dbn.train_dbn(data), which runs its two "
    "stages, dbn.pretrain(images, labels) and dbn.up_down(images, labels). To fine-tune it by backpropagation, "
    "as the book's last listing means to, "
    "turn it into the classifier it defines and train that: model = dbn.to_classifier(); "
    "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy']); "
    "model.fit(images / 255, labels) -- integer labels need the sparse loss, one-hot labels "
    "CategoricalCrossentropy -- or dbn_course.training.backprop.fine_tune(model, images, labels)."
)


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

    Every layer's size is known from ``rbm_params``, so the constructor builds the model:
    RBM l holds W_l, b_l, c_l (the top one its label rows too), and each directed layer
    l < L has generative weights G_l and biases g_l, tied to RBM l at first.

    Calling the model runs the recognition pass, mean-field (probabilities, no samples):

    Input shape:
        (batch, n_v), values in [0, 1].

    Output shape:
        (batch, n_y): p(y | x) from the top level's free energies, with labels;
        (batch, n_L): p(h_L = 1 | h_{L-1}), the top hidden probabilities, without.

    Training is not Keras' ``compile`` / ``fit`` (see :data:`NOT_A_KERAS_TRAINER`):
    :meth:`pretrain` then :meth:`up_down` (both in one call: :meth:`train_dbn`), or
    backprop on :meth:`to_classifier`'s network.

    Attributes:
        history: the record of the last :meth:`train_dbn` run (``None`` before one).
        up_down_trainers: the compiled up-down updates the training code keeps, by their
            settings, so that alternating phases do not recompile.
    """

    def __init__(self, rbm_params, name: str = "deep_belief_network", num_epochs: int = 10,
                 tolerance: float | None = None, batch_size: int = 100, shuffle_buffer: int = 10_000, *,
                 number_label_units: int = 0, seed: int | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rbm_params = check_rbm_params(rbm_params)
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
        self.generative_weights, self.generative_biases = [], []
        self.up_down_trainers = {}  # compiled up-down updates, by (k, phases): dbn_course.training.up_down
        self._up_pass_fn = None
        self.history = None  # set by train_dbn
        self.build((None, self.number_visible_units))

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

    def build(self, input_shape):
        """Build every RBM and create the generative weights G_l (n_{l+1} x n_l) and biases g_l, tied to RBM l."""
        if input_shape[-1] not in (None, self.number_visible_units):
            raise ValueError(f"input has {input_shape[-1]} features but the DBN has {self.number_visible_units} "
                             "visible units")
        if self.built:  # the constructor built it; Keras builds again when it loads a saved model
            return
        for rbm in self.rbms:
            rbm.build((None, rbm.number_visible_units))
        for index, rbm in enumerate(self.rbms[:-1]):
            self.generative_weights.append(self.add_weight(
                name=f"G_{index + 1}", shape=(rbm.number_hidden_units, rbm.number_visible_units),
                initializer="zeros"))
            self.generative_biases.append(self.add_weight(
                name=f"g_{index + 1}", shape=(rbm.number_visible_units,), initializer="zeros"))
        self.tie_generative_weights()
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        # Eager data goes through the boundary first (see RBM.__call__).
        if not is_symbolic(inputs) and not isinstance(inputs, keras.KerasTensor):
            inputs = visible_batch(inputs, self.number_visible_units, "images")
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, training=None):
        """The recognition pass: p(y | x) with labels, p(h_L = 1 | h_{L-1}) without (shapes: see the class).

        ``training`` is the book's argument: the pass is the same in training and inference.
        """
        # __call__ has checked eager data; graph tensors cannot be checked.
        features = self._recognise(cast_visible(inputs, self.number_visible_units))[-1]
        top = self.top
        if self.number_label_units:
            return tf.nn.softmax(-gibbs.label_free_energies(features, top.W, top.b, top.c, top.number_label_units),
                                 axis=-1)
        return gibbs.hidden_probabilities(features, top.W, top.c)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.number_label_units or self.top.number_hidden_units)

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
        """Images as float32 (batch, n_v) in [0, 1] through the data boundary (:mod:`dbn_course.data.inputs`)."""
        return unit_array(images, self.number_visible_units, name)

    def one_hot(self, labels, n: int):
        """``n`` integer labels as one-hot rows for the top level's label units, a float32 array."""
        if not self.number_label_units:
            raise ValueError("this DBN has no label units: build it with number_label_units")
        return self.top.one_hot(labels, n).numpy()

    # ------------------------------------------------------------------ recognition: the up pass

    def _recognise(self, v):
        """Probabilities of every layer below the top on the way up: [v, q(h_1), ..., q(h_{L-1})]."""
        layers = [tf.convert_to_tensor(v, tf.float32)]
        for rbm in self.rbms[:-1]:
            layers.append(gibbs.hidden_probabilities(layers[-1], rbm.W, rbm.c))
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

    # ------------------------------------------------------------------ training, handed to dbn_course.training

    def finite_guard(self) -> FiniteGuard:
        """A :class:`~dbn_course.checks.FiniteGuard` over every weight of the DBN."""
        return FiniteGuard(self.trainable_weights, "the DBN", "Lower the learning rate.")

    # The book's training methods; each hands its work to dbn_course.training (see TrainingMethod).
    train_rbm = TrainingMethod("pretraining", "train_layer")  # one RBM of the stack, as the book trains it
    pretrain = TrainingMethod("pretraining", "pretrain")  # greedy layer-wise pretraining
    refine_top_level = TrainingMethod("pretraining", "refine_top_level")  # PCD for the top level afterwards
    up_down = TrainingMethod("up_down", "up_down")  # generative fine-tuning by the up-down algorithm
    wake_update = TrainingMethod("up_down", "wake_update")  # its phases, one minibatch at a time
    top_update = TrainingMethod("up_down", "top_update")
    sleep_update = TrainingMethod("up_down", "sleep_update")

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
            The DBN itself; its ``history`` then holds one history per layer under
            ``"pretraining"`` and the up-down history under ``"up_down"``.
        """
        images, labels = image_label_arrays(inputs, labels, self.number_visible_units)
        pretraining = self.pretrain(images, labels, progress=progress)
        up_down = self.up_down(images, labels, num_epochs=self.num_epochs if up_down_epochs is None else up_down_epochs,
                               learning_rate=learning_rate, top_gibbs_steps=top_gibbs_steps, progress=progress)
        self.history = {"pretraining": pretraining, "up_down": up_down}
        return self

    # ------------------------------------------------------------------ generation

    def down_pass(self, top_features) -> tf.Tensor:
        """From states of h_{L-1} down to the pixels: sample each hidden layer, return p(v | h_1)."""
        h = tf.convert_to_tensor(top_features, tf.float32)
        for index in reversed(range(len(self.rbms) - 1)):
            probabilities = tf.sigmoid(tf.matmul(h, self.generative_weights[index]) + self.generative_biases[index])
            h = probabilities if index == 0 else gibbs.draw_bernoulli(self.top.sampler, probabilities)
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
        if record_every is not None:
            record_every = check_int("record_every", record_every)
        start = tf.fill((n, self.layer_sizes[-2]), 0.5)
        top = self.top
        if self.number_label_units:
            features, final_labels, *frames = top.gibbs_with_labels(start, labels, steps=gibbs_steps,
                                                                    record_every=record_every)
        else:
            if labels is not None:
                raise ValueError("this DBN has no label units to clamp")
            features, recorded = gibbs.sample(gibbs.draw_bernoulli(top.sampler, start), *top.weight_tensors(),
                                              top.sampler, gibbs_steps, record_every=record_every, record="states")
            final_labels, frames = None, [recorded]
        images = self.down_pass(features).numpy()
        if record_every is None:
            return images, final_labels
        frames = frames[0]
        pictures = np.stack([self.down_pass(frame).numpy() for frame in tf.unstack(frames)]) \
            if frames.shape[0] else np.zeros((0, n, self.number_visible_units), np.float32)
        return images, final_labels, pictures

    # ------------------------------------------------------------------ the up-down step

    def up_down_noise_width(self, top_gibbs_steps: int) -> int:
        """Uniform numbers per example that :meth:`up_down_step` reads: wake samples of h_1..h_{L-1}, the top's
        k sweeps (h_L, then its visible layer), its negative hidden sample, sleep samples of h_{L-2}..h_1."""
        sizes = self.layer_sizes
        return (sum(sizes[1:-1]) + sizes[-1] + top_gibbs_steps * (self.top.number_visible_units + sizes[-1])
                + sum(sizes[1:-2]))

    def up_down_step(self, v0, y, noise, top_gibbs_steps: int, phases=("wake", "top", "sleep")) -> list:
        """One up-down update on a minibatch: the ``(variable, step)`` pairs, each to add times the learning rate.

        ``v0`` (B, n_v) and ``y`` (B, n_y; n_y = 0 without labels) are the minibatch,
        ``noise`` (B, :meth:`up_down_noise_width`) uniform numbers that every sample reads
        in turn; ``phases`` chooses which of the three updates to return.
        """
        lower, top, batch = self.rbms[:-1], self.top, tf.cast(tf.shape(v0)[0], tf.float32)
        noise = _NoiseColumns(noise)

        # Wake pass: sample every layer up with the recognition weights.
        wake = [v0]
        for rbm in lower:
            wake.append(noise.bernoulli(gibbs.hidden_probabilities(wake[-1], rbm.W, rbm.c)))
        positive_visible = tf.concat([wake[-1], y], axis=1)
        # Top level: CD-k from the wake states, k sweeps (the first one's hidden sample is the
        # positive phase's), then the negative phase's hidden sample.
        negative_visible = positive_visible
        for sweep in range(top_gibbs_steps):
            x = tf.matmul(negative_visible, top.W) + top.c
            negative_visible, _, hidden = gibbs.sweep(x, noise.take(top.number_hidden_units),
                                                      noise.take(top.number_visible_units), top.W, top.b,
                                                      number_label_units=top.number_label_units)
            if sweep == 0:
                positive_top = hidden
        negative_top = noise.bernoulli(gibbs.hidden_probabilities(negative_visible, top.W, top.c))
        # Sleep pass: from the negative-phase features down with the generative weights.
        sleep = [negative_visible[:, :self.layer_sizes[-2]]]
        for index in reversed(range(len(lower))):
            probabilities = tf.sigmoid(tf.matmul(sleep[-1], self.generative_weights[index])
                                       + self.generative_biases[index])
            sleep.append(probabilities if index == 0 else noise.bernoulli(probabilities))
        sleep = sleep[::-1]  # sleep[l] is layer l: pixel probabilities, then sampled states

        updates = []
        for index in range(len(lower) if "wake" in phases else 0):  # G, g: reconstruct each wake layer from above
            above, below = wake[index + 1], wake[index]
            error = below - tf.sigmoid(tf.matmul(above, self.generative_weights[index]) + self.generative_biases[index])
            updates += [(self.generative_weights[index], tf.matmul(above, error, transpose_a=True) / batch),
                        (self.generative_biases[index], tf.reduce_mean(error, axis=0))]
        if "top" in phases:  # the top RBM: positive minus negative statistics
            updates += [(top.W, (tf.matmul(positive_visible, positive_top, transpose_a=True)
                                 - tf.matmul(negative_visible, negative_top, transpose_a=True)) / batch),
                        (top.b, tf.reduce_mean(positive_visible - negative_visible, axis=0)),
                        (top.c, tf.reduce_mean(positive_top - negative_top, axis=0))]
        for index, rbm in enumerate(lower if "sleep" in phases else ()):  # R, r: recover each sleep layer from below
            below, above = sleep[index], sleep[index + 1]
            error = above - gibbs.hidden_probabilities(below, rbm.W, rbm.c)
            updates += [(rbm.W, tf.matmul(below, error, transpose_a=True) / batch),
                        (rbm.c, tf.reduce_mean(error, axis=0))]
        return updates

    def generative_reconstruction_cost(self, images) -> float:
        """Cross-entropy of the images with sigmoid(q(h_1 | v) G_1 + g_1), in nats per image."""
        v = self._images(images)
        h = gibbs.hidden_probabilities(v, self.rbms[0].W, self.rbms[0].c)
        logits = tf.matmul(h, self.generative_weights[0]) + self.generative_biases[0]
        return float(tf.reduce_mean(tf.reduce_sum(tf.nn.softplus(logits) - v * logits, axis=-1)))

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


class _NoiseColumns:
    """Uniform noise (B, width) read left to right: each sample of the up-down step takes the next columns."""

    def __init__(self, noise):
        self.noise, self.offset = noise, 0

    def take(self, width: int):
        columns = self.noise[:, self.offset:self.offset + width]
        self.offset += width
        return columns

    def bernoulli(self, probabilities):
        return gibbs.bernoulli(self.take(probabilities.shape[-1]), probabilities)


# 0.4.0: the DBN a recipe describes is built by the recipe's module.
__getattr__ = moved_attributes(__name__, {"make_dbn": "dbn_course.training.recipe:make_dbn"})
