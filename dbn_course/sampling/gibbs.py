"""The RBM's conditionals and its block-Gibbs sampler: the kernels every model of the course shares.

For an RBM with weights W (n_v x n_h), visible biases b and hidden biases c (chapter 03),

    x = c + v W                                  the hidden units' input
    p(h = 1 | v) = sigmoid(x)
    a = b + h W^T                                the visible units' input
    p(v = 1 | h) = sigmoid(a),

and when the last n_y visible units are softmax label units (the top level of a DBN,
:mod:`dbn_course.top_level`) those compete instead: p(y = e_k | h) = softmax_k(a_y).
Given one layer the units of the other are independent, so a *sweep* samples a whole
layer at once, v -> h -> v'.

Annealing (AIS and RAISE, :mod:`dbn_course.sampling.annealing`) runs the same sweep at an
inverse temperature beta in [0, 1], between a base-rate model with visible biases b_A
and the RBM:

    p(h = 1 | v) = sigmoid(beta x),    p(v = 1 | h) = sigmoid((1 - beta) b_A + beta (b + h W^T)).

Labels can be *clamped*: a boolean mask over the visible units keeps those units at
their starting values through every sweep (drawing digits of a chosen class).

The noise convention. Every sample is ``noise < probability`` for uniform noise in
[0, 1) drawn by the model's seeded :class:`tf.random.Generator` and passed to the
kernel: never drawn inside an XLA-compiled function, whose random-number kernels are
several times slower on a CPU. A softmax group uses one uniform number per example
(the first of its columns; see :func:`categorical`). The CD and up-down updates draw a
whole block's noise in one call before their compiled step; the sampler below draws
each sweep's as it goes -- hidden noise (chains, n_h), then visible noise
(chains, n_v) -- so that a chain of any length holds one sweep's noise at a time, and the
first k sweeps from a seed are the same whatever the chain's length.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["anneal", "bernoulli", "categorical", "draw_bernoulli", "hidden_probabilities", "label_free_energies",
           "sample", "sample_visible", "sweep", "visible_probabilities"]


# ---------------------------------------------------------------------- conditionals


def hidden_probabilities(v, W, c):
    """p(h = 1 | v) = sigmoid(c + v W), shape (batch, n_h)."""
    return tf.sigmoid(tf.matmul(v, W) + c)


def visible_probabilities(h, W, b, number_label_units: int = 0):
    """p(v = 1 | h) = sigmoid(b + h W^T), with a softmax over the last ``number_label_units`` units."""
    return _visible_probabilities_from_logits(tf.matmul(h, W, transpose_b=True) + b, number_label_units)


def _size(x, axis: int = -1):
    """A dimension of x: a Python int where the shape is known (faster slices), else a tensor."""
    return x.shape[axis] if x.shape[axis] is not None else tf.shape(x)[axis]


def _visible_probabilities_from_logits(logits, number_label_units: int):
    if not number_label_units:
        return tf.sigmoid(logits)
    n_x = _size(logits) - number_label_units
    return tf.concat([tf.sigmoid(logits[:, :n_x]), tf.nn.softmax(logits[:, n_x:])], axis=1)


def label_free_energies(x, W, b, c, number_label_units: int):
    """F(x, e_k) for every class k of a labelled RBM, shape (batch, n_y).

    With W = [W_x; U] and b = [b_x; d] split into feature and label rows,
    F(x, e_k) = -b_x^T x - d_k - sum_j softplus(c_j + (x W_x)_j + U_kj), so that
    p(y = e_k | x) = softmax_k(-F(x, e_k)). The intermediate holds n_y x n_h values per example.
    """
    n_x = _size(W, 0) - number_label_units
    W_x, U, b_x, d = W[:n_x], W[n_x:], b[:n_x], b[n_x:]
    inputs = (tf.matmul(x, W_x) + c)[:, tf.newaxis, :] + U[tf.newaxis]  # (batch, n_y, n_h)
    return -tf.linalg.matvec(x, b_x)[:, tf.newaxis] - d - tf.reduce_sum(tf.nn.softplus(inputs), axis=-1)


# ---------------------------------------------------------------------- samples from noise


def bernoulli(noise, probabilities):
    """1 where ``noise`` (uniform, the same shape) falls below ``probabilities``: Bernoulli samples."""
    return tf.cast(noise < probabilities, probabilities.dtype)


def categorical(u, probabilities):
    """One-hot categorical samples, one per row of ``probabilities``, from uniform ``u`` of shape (batch,).

    The class is the first k whose cumulative probability exceeds u (scaled by the row's
    total, so rounding cannot leave a row without a class).
    """
    cumulative = tf.cumsum(probabilities, axis=1)
    threshold = u[:, tf.newaxis] * cumulative[:, -1:]
    index = tf.reduce_sum(tf.cast(cumulative <= threshold, tf.int32), axis=1)
    index = tf.minimum(index, tf.shape(probabilities)[1] - 1)
    return tf.one_hot(index, tf.shape(probabilities)[1], dtype=probabilities.dtype)


def sample_visible(noise, probabilities, number_label_units: int = 0):
    """A visible sample from p(v | h) = ``probabilities``, driven by uniform ``noise`` of the same shape.

    Bernoulli units, except the last ``number_label_units``: one categorical draw, from
    the noise column of the group's first unit.
    """
    if not number_label_units:
        return bernoulli(noise, probabilities)
    n_x = _size(probabilities) - number_label_units
    features = bernoulli(noise[:, :n_x], probabilities[:, :n_x])
    return tf.concat([features, categorical(noise[:, n_x], probabilities[:, n_x:])], axis=1)


def draw_bernoulli(generator: tf.random.Generator, probabilities):
    """Bernoulli samples of ``probabilities``, with noise of their shape drawn from ``generator``."""
    return bernoulli(generator.uniform(tf.shape(probabilities)), probabilities)


# ---------------------------------------------------------------------- one sweep


def sweep(x, noise_h, noise_v, W, b, *, number_label_units: int = 0, beta=None, base=None):
    """One block-Gibbs sweep v -> h -> v' from the hidden input x = c + v W of the state v.

    Args:
        x: c + v W, shape (chains, n_h).
        noise_h, noise_v: uniform noise, shapes (chains, n_h) and (chains, n_v).
        W, b: the RBM's weights and visible biases.
        number_label_units: softmax units at the end of the visible layer.
        beta, base: the inverse temperature and base-rate biases b_A of an annealing
            chain (both or neither): h ~ sigmoid(beta x), v' ~ sigmoid((1 - beta) b_A + beta (b + h W^T)).

    Returns:
        ``(v', p(v' | h), h)``.
    """
    if beta is None:
        h = bernoulli(noise_h, tf.sigmoid(x))
        probabilities = visible_probabilities(h, W, b, number_label_units)
    else:
        h = bernoulli(noise_h, tf.sigmoid(beta * x))
        logits = (1.0 - beta) * base + beta * (b + tf.matmul(h, W, transpose_b=True))
        probabilities = _visible_probabilities_from_logits(logits, number_label_units)
    return sample_visible(noise_v, probabilities, number_label_units), probabilities, h


def _annealing_step(v, x, b, base, beta_from, beta_to):
    """log p*_to(v) - log p*_from(v) = (to - from) (b - b_A)^T v + sum_j [softplus(to x_j) - softplus(from x_j)],

    the log of the unnormalised annealing distributions' ratio (see
    :func:`dbn_course.sampling.annealing.ais_log_partition`).
    """
    return ((beta_to - beta_from) * tf.linalg.matvec(v, b - base)
            + tf.reduce_sum(tf.nn.softplus(beta_to * x) - tf.nn.softplus(beta_from * x), axis=1))


# ---------------------------------------------------------------------- the sampler


def sample(v, W, b, c, generator: tf.random.Generator, steps: int, *, number_label_units: int = 0, clamp=None,
           record_every: int | None = None, record: str = "probabilities"):
    """Run ``steps`` sweeps of block-Gibbs chains from the binary states ``v``, compiled.

    Args:
        v: starting states, float32 (chains, n_v).
        W, b, c: the RBM's weights and biases.
        generator: draws each sweep's noise (the noise convention above).
        steps: sweeps.
        number_label_units: softmax units at the end of the visible layer.
        clamp: optional boolean mask (n_v,): those units keep their starting values.
        record_every: also keep a frame after every ``record_every`` sweeps.
        record: what a frame holds: ``"probabilities"`` p(v | h) of that sweep, or
            ``"states"`` the sampled v.

    Returns:
        ``(v, frames)``: the final states and the frames, shape
        (steps // record_every, chains, n_v) (zero frames without ``record_every``).
    """
    if record not in ("probabilities", "states"):
        raise ValueError(f"record must be 'probabilities' or 'states', got {record!r}")
    recording = record if record_every and steps >= record_every else None  # else no frame to keep
    # Without base-rate biases the betas only count the sweeps: every one is at beta = 1.
    v, _, frames = _run(v, W, b, c, generator, tf.ones([steps]), None, None, clamp, tf.constant(record_every or steps),
                        number_label_units, recording, None)
    return v, frames


def anneal(v, W, b, c, base, generator: tf.random.Generator, betas, other_betas, *, reverse: bool):
    """Annealing chains from ``v`` with their log importance weights (AIS and RAISE).

    The chains anneal between the base-rate model (beta = 0) and the RBM (beta = 1) through
    log p*_beta(v) = (1 - beta) b_A^T v + beta b^T v + sum_j softplus(beta x_j), x = c + v W.
    Forward (AIS): for each k, add log p*_beta_k(v) - log p*_other_k(v) to the log
    weight, then sweep at beta_k (``other_betas`` are the previous temperatures). Reverse
    (RAISE): the weight starts at -F(v); for each k, sweep at beta_k, then subtract
    log p*_beta_k(v) - log p*_other_k(v) (``other_betas`` are the next lower ones).

    Returns:
        ``(v, log_w)``: the final states and each chain's log weight.
    """
    v, log_w, _ = _run(v, W, b, c, generator, betas, other_betas, base, None, tf.constant(1), 0, None,
                       "reverse" if reverse else "forward")
    return v, log_w


@tf.function(reduce_retracing=True)
def _run(v, W, b, c, generator, betas, other_betas, base, clamp, every, number_label_units, record, weigh):
    # One compiled loop for every chain of the course. The Python arguments choose what it
    # traces: number_label_units; record (None, "probabilities" or "states": frames every
    # `every` sweeps); weigh (None, "forward" or "reverse": log importance weights); and
    # whether base (annealing) and clamp are given.
    n_chains, n_visible, n_hidden = tf.shape(v)[0], tf.shape(W)[0], tf.shape(W)[1]
    log_w = tf.zeros([n_chains])
    # x = c + v W drives each sweep. Reverse weighing computes it for the new state, so it carries
    # it into the next sweep; otherwise each sweep computes it afresh (measured: a faster loop).
    x = tf.matmul(v, W) + c
    if weigh == "reverse":
        log_w = tf.linalg.matvec(v, b) + tf.reduce_sum(tf.nn.softplus(x), axis=1)  # log p*_1(v) = -F(v)
    steps = tf.shape(betas)[0]
    frames = tf.TensorArray(tf.float32, size=steps // every if record else 0,
                            element_shape=tf.TensorShape([None, None]))
    for k in tf.range(steps):
        # With one visible unit, broadcasting gives v a static width of 1 that the loop body does not keep.
        tf.autograph.experimental.set_loop_options(shape_invariants=[(v, tf.TensorShape([None, None])),
                                                                     (x, tf.TensorShape([None, None]))])
        beta = None if base is None else betas[k]
        state_input = x if weigh == "reverse" else tf.matmul(v, W) + c
        if weigh == "forward":
            log_w += _annealing_step(v, state_input, b, base, other_betas[k], beta)
        noise_h = generator.uniform([n_chains, n_hidden])
        noise_v = generator.uniform([n_chains, n_visible])
        new, probabilities, _ = sweep(state_input, noise_h, noise_v, W, b, number_label_units=number_label_units,
                                      beta=beta, base=base)
        v = new if clamp is None else tf.where(clamp, v, new)
        if weigh == "reverse":
            x = tf.matmul(v, W) + c
            log_w -= _annealing_step(v, x, b, base, other_betas[k], beta)
        if record and (k + 1) % every == 0:
            frames = frames.write((k + 1) // every - 1, v if record == "states" else probabilities)
    return v, log_w, (frames.stack() if record else tf.zeros([0, n_chains, n_visible]))
