"""How good is an RBM, or a DBN's samples? Metrics computed once here and used by every chapter.

Symbols as in the course (notebook 00): visible units v (n_v of them), hidden units h
(n_h), weights W (n_v x n_h), visible biases b, hidden biases c,

    E(v, h) = -b^T v - c^T h - v^T W h,
    F(v)    = -b^T v - sum_j softplus(c_j + (v^T W)_j),
    p(v)    = exp(-F(v)) / Z,   Z = sum_v exp(-F(v)).

Functions take any object with the RBM's ``W``, ``b``, ``c``, ``forward`` and
``free_energy`` (a :class:`dbn_course.rbm.RBM`). Exact quantities of small RBMs are in
:mod:`dbn_course.sampling.exact`, and the log-likelihood of large ones by annealing in
:mod:`dbn_course.sampling.annealing`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from dbn_course.data.inputs import binary_batch


def binary_cross_entropy_from_logits(v, logits):
    """Mean over the batch of sum_i -[v_i log s_i + (1 - v_i) log(1 - s_i)], s = sigmoid(logits).

    Computed as ``softplus(l) - v * l``, which neither overflows nor takes log(0).
    """
    v = tf.convert_to_tensor(v, tf.float32)
    logits = tf.convert_to_tensor(logits, tf.float32)
    return tf.reduce_mean(tf.reduce_sum(tf.nn.softplus(logits) - v * logits, axis=-1))


def reconstruction_cost(rbm, v):
    """Cross-entropy between v and its mean-field reconstruction, in nats per example.

    The reconstruction is p(v = 1 | h = p(h | v)): up to the hidden probabilities and
    back down, with no sampling, so the cost is deterministic -- the book's
    ``reconstruction_cost``, with the sign that makes lower better.
    """
    v = tf.convert_to_tensor(v, tf.float32)
    logits = tf.matmul(rbm.forward(v), rbm.W, transpose_b=True) + rbm.b
    return binary_cross_entropy_from_logits(v, logits)


def pseudo_log_likelihood(rbm, v, seed=None, exact: bool = False):
    """Pseudo-log-likelihood ``sum_i log p(v_i | v_-i)``, averaged over the batch.

    For binary v, ``p(v_i | v_-i) = sigmoid(F(v with bit i flipped) - F(v))``. With
    ``exact=True`` every bit is flipped in turn (n_v free energies per example);
    otherwise one random bit per example, times n_v -- an unbiased, much cheaper
    estimate (scikit-learn's ``BernoulliRBM.score_samples`` does the same).

    Args:
        rbm: the model.
        v: a batch of binary visible vectors, shape (n, n_v).
        seed: seed of the random bit choice (ignored when ``exact``).
        exact: flip every bit instead of one.
    """
    v = binary_batch(v, rbm.W.shape[0], why="the pseudo-likelihood is a probability of binary vectors")
    n_visible = v.shape[-1]
    free = rbm.free_energy(v)
    if exact:
        flips = tf.eye(n_visible, dtype=v.dtype)  # row i flips bit i
        terms = [
            tf.math.log_sigmoid(rbm.free_energy(v + flips[i] * (1.0 - 2.0 * v)) - free)
            for i in range(n_visible)
        ]
        return tf.reduce_mean(tf.add_n(terms))
    seed = (0, 0) if seed is None else ((int(seed), 0) if np.isscalar(seed) else seed)
    index = tf.random.stateless_uniform([tf.shape(v)[0]], seed=seed, maxval=n_visible, dtype=tf.int32)
    mask = tf.one_hot(index, n_visible, dtype=v.dtype)
    flipped = v + mask * (1.0 - 2.0 * v)
    return n_visible * tf.reduce_mean(tf.math.log_sigmoid(rbm.free_energy(flipped) - free))


# ----------------------------------------------------------------------- generated digits


@dataclasses.dataclass
class SampleReading:
    """How a classifier reads class-conditional samples (see :func:`conditional_sample_accuracy`).

    Attributes:
        accuracy_pct: the share of digits read as the class clamped when they were made.
        per_class_pct: that share for each class.
        mean_ink: the mean pixel probability of the digits (faint or blank ones lower it).
        labels, predicted: the clamped classes and what the classifier read.
        images: the digits, (n, 784) pixel probabilities, ``per_class`` of class 0 first.
    """

    accuracy_pct: float
    per_class_pct: list
    mean_ink: float
    labels: np.ndarray
    predicted: np.ndarray
    images: np.ndarray


def conditional_sample_accuracy(dbn, classify, per_class: int = 100, gibbs_steps: int = 1000,
                                number_classes: int = 10) -> SampleReading:
    """Generate ``per_class`` digits of every class and ask ``classify`` what they are.

    A generative model of labelled digits should make digits that a good classifier reads
    as the class that was clamped; the share that are is a crude but telling measure of
    its class-conditional distributions (it says nothing about their variety).

    Args:
        dbn: a labelled :class:`~dbn_course.dbn.DBN`.
        classify: maps (n, 784) pixel probabilities to integer labels, e.g.
            :func:`dbn_course.pretrained.classify`.
        per_class: digits per class.
        gibbs_steps: Gibbs sweeps at the top before the down pass.
        number_classes: the classes 0 .. number_classes - 1.
    """
    wanted = np.repeat(np.arange(number_classes), per_class)
    images, _ = dbn.generate(labels=wanted, gibbs_steps=gibbs_steps)
    predicted = np.asarray(classify(images))
    per_class_pct = [100.0 * float(np.mean(predicted[wanted == k] == k)) for k in range(number_classes)]
    return SampleReading(accuracy_pct=100.0 * float(np.mean(predicted == wanted)), per_class_pct=per_class_pct,
                         mean_ink=float(np.mean(images)), labels=wanted, predicted=predicted,
                         images=np.asarray(images))
