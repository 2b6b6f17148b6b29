"""The top of a Deep Belief Network: an RBM whose visible layer includes softmax label units.

Hinton, Osindero and Teh (2006) end their DBN with an *associative memory*: an RBM whose
visible layer is the n_x binary units of the layer below joined to n_y = 10 label units
y, of which exactly one is on (a one-hot vector). With label weights U (n_y x n_h) and
label biases d, the energy and free energy are the RBM's, over the joined vector (x, y):

    E(x, y, h) = -b^T x - d^T y - c^T h - x^T W h - y^T U h
    F(x, y)    = -b^T x - d^T y - sum_j softplus(c_j + (x^T W)_j + (y^T U)_j).

The layer stores W and U as one matrix (the first n_x rows are W, the last n_y are U),
so every method of :class:`~dbn_course.rbm.RBM` applies. What changes is the label
units' conditional: they compete, and

    p(y = e_k | h) = softmax_k(d + U h),

sampled as one categorical draw per example. Because the visible units are independent
given h, the features stay Bernoulli. And because y takes only n_y values, the label
posterior given the features is exact:

    p(y = e_k | x) = softmax_k(-F(x, e_k)),

which is how the network classifies with its generative model. Clamping y = e_k and
running Gibbs sampling over (x, h) draws features of class k, which a down pass turns
into an image.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from dbn_course import evaluation
from dbn_course.checks import check_int, check_unit_interval
from dbn_course.rbm import RBM
from dbn_course.sampling import gibbs


@keras.saving.register_keras_serializable(package="dbn_course")
class LabelledRBM(RBM):
    """An RBM over features joined to one-hot labels: the top level of a DBN.

    Args:
        number_hidden_units: n_h.
        number_label_units: n_y, the classes (softmax units), at the end of the visible vector.
        number_visible_units: n_x + n_y, all visible units (features and labels).
        **kwargs: the other arguments of :class:`~dbn_course.rbm.RBM` (learning rate, CD
            steps, persistence, momentum, weight decay, seed).

    Visible vectors are (x, y): n_x feature values in [0, 1], then a one-hot label
    (see :meth:`join`).
    """

    def __init__(self, number_hidden_units, number_label_units=10, number_visible_units=None, **kwargs):
        # An instance attribute in place of RBM's class-level 0: the sampler's softmax group.
        self.number_label_units = check_int("number_label_units", number_label_units, minimum=2)
        if number_visible_units is not None and check_int("number_visible_units", number_visible_units) \
                <= self.number_label_units:
            raise ValueError(f"number_visible_units ({number_visible_units}) must exceed the "
                             f"{self.number_label_units} label units: it counts features and labels")
        self._label_free_energies_fn = None
        super().__init__(number_hidden_units, number_visible_units, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(number_label_units=self.number_label_units)
        return config

    @property
    def number_feature_units(self) -> int:
        """n_x: the visible units that are not labels."""
        return self.number_visible_units - self.number_label_units

    def reconstruction_cost(self, v):
        """Cross-entropy of (x, y) with its mean-field reconstruction, in nats per example.

        Binary cross-entropy over the features plus the categorical cross-entropy of the
        label, so that the label counts as one softmax unit, not n_y binary ones.
        """
        v = self.visible_batch(v)
        logits = tf.matmul(gibbs.hidden_probabilities(v, self.W, self.c), self.W, transpose_b=True) + self.b
        n_x = self.number_feature_units
        features = evaluation.binary_cross_entropy_from_logits(v[:, :n_x], logits[:, :n_x])
        labels = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(v[:, n_x:], logits[:, n_x:]))
        return features + labels

    # ------------------------------------------------------------------ features and labels

    def join(self, features, labels):
        """The visible vectors (x, one_hot(y)) for features of shape (batch, n_x) and integer labels."""
        features = tf.convert_to_tensor(features, tf.float32)
        if features.shape.rank != 2 or features.shape[-1] != self.number_feature_units:
            raise ValueError(f"features must have shape (batch, {self.number_feature_units}), "
                             f"got {tuple(features.shape)}")
        return tf.concat([features, self.one_hot(labels, len(features))], axis=1)

    def one_hot(self, labels, n: int | None = None):
        """One-hot label vectors, after checking the labels are integers in [0, n_y)."""
        labels = np.asarray(labels)
        if labels.ndim == 0 and n is not None:
            labels = np.full(n, labels)
        if labels.ndim != 1 or (n is not None and len(labels) != n):
            raise ValueError(f"labels must be one integer per example, got shape {labels.shape}")
        if not np.issubdtype(labels.dtype, np.integer) or labels.min(initial=0) < 0 \
                or labels.max(initial=0) >= self.number_label_units:
            raise ValueError(f"labels must be integers in [0, {self.number_label_units}), got {labels!r}")
        return tf.one_hot(labels, self.number_label_units)

    def _features(self, features):
        features = tf.convert_to_tensor(features, tf.float32)
        if features.shape.rank != 2 or features.shape[-1] != self.number_feature_units:
            raise ValueError(f"features must have shape (batch, {self.number_feature_units}), "
                             f"got {tuple(features.shape)}")
        check_unit_interval(features, "features")
        return features

    def label_free_energies(self, features, batch_size: int = 1000):
        """F(x, e_k) for every class k: an array of shape (batch, n_y).

        F(x, e_k) = -b^T x - d_k - sum_j softplus(c_j + (x^T W)_j + U_kj); computed in
        slices of ``batch_size`` examples, since the intermediate has n_y x n_h values
        per example.
        """
        features = self._features(features)
        if self._label_free_energies_fn is None:
            self._label_free_energies_fn = tf.function(
                lambda x: gibbs.label_free_energies(x, self.W, self.b, self.c, self.number_label_units),
                reduce_retracing=True)
        slices = [self._label_free_energies_fn(features[i:i + batch_size])
                  for i in range(0, int(features.shape[0]), batch_size)]
        return tf.concat(slices, axis=0) if slices else tf.zeros((0, self.number_label_units))

    def label_probabilities(self, features):
        """p(y | x) = softmax(-F(x, e_k)) over the classes k, exactly."""
        return tf.nn.softmax(-self.label_free_energies(features), axis=-1)

    def predict_labels(self, features):
        """The most probable class of each feature vector: argmin_k F(x, e_k)."""
        return tf.argmin(self.label_free_energies(features), axis=-1).numpy()

    # ------------------------------------------------------------------ sampling with labels clamped

    def gibbs_with_labels(self, features, labels=None, steps: int = 1000, record_every: int | None = None):
        """Block Gibbs sampling over (x, h), with the label units clamped or free.

        Args:
            features: starting features, shape (batch, n_x), values in [0, 1] (sampled to
                binary states first).
            labels: integer classes to clamp, one per chain (or one for all); ``None``
                lets the label units be sampled too, starting from uniformly random ones.
            steps: Gibbs sweeps x -> h -> x.
            record_every: also keep the feature states after every ``record_every`` sweeps.

        Returns:
            ``(features, labels)`` at the end: binary feature states (batch, n_x) and
            integer labels (batch,); with ``record_every``, a third item, the recorded
            feature states, shape (steps // record_every, batch, n_x).
        """
        features = self._features(features)
        steps = check_int("steps", steps)
        if record_every is not None:
            record_every = check_int("record_every", record_every)
        n, n_x = int(features.shape[0]), self.number_feature_units
        if labels is not None:
            one_hot, clamp = self.one_hot(labels, n), tf.range(self.number_visible_units) >= n_x
        else:
            one_hot, clamp = self._random_visible(n)[:, n_x:], None
        x = gibbs.draw_bernoulli(self.sampler, features)
        v, frames = gibbs.sample(tf.concat([x, one_hot], axis=1), *self.weight_tensors(), self.sampler, steps,
                                 number_label_units=self.number_label_units, clamp=clamp,
                                 record_every=record_every, record="states")
        result = (v[:, :n_x], tf.argmax(v[:, n_x:], axis=1).numpy())
        return (*result, frames[:, :, :n_x]) if record_every is not None else result
