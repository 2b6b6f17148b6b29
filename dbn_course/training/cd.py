"""Training an RBM by contrastive divergence: the loop, and the variants composed around the step (chapters 03, 07).

The RBM's module holds the maths and one CD-k / PCD-k step on a minibatch
(:func:`dbn_course.rbm.cd_step`). Here is what is composed around that step:

* :class:`CDTrainer`, the compiled update: a block of minibatches in one XLA call, the
  persistent chains, momentum and weight decay;
* two refinements of PCD that keep its chains moving as the weights settle, each a
  trainer whose gradient replaces the step's negative phase and keeps the rest of the
  RBM's maths (:func:`~dbn_course.rbm.negative_phase`, :func:`~dbn_course.rbm.cd_gradients`):

  - :class:`FastWeightsTrainer` (FPCD; Tieleman and Hinton 2009) samples the chains from
    W + W_f, b + b_f, c + c_f, where the fast weights follow the same gradient at their own
    rate and shrink by :data:`FAST_WEIGHT_DECAY` every update -- they push the chains out of
    the modes they have just visited;
  - :class:`TemperingTrainer` (Desjardins et al. 2010; Cho, Raiko and Ilin 2010) runs chains
    at inverse temperatures 1 = beta_1 > ... > beta_T >= 0 of

        p_beta(v, h) proportional to exp(b^T v + beta (c^T h + v^T W h))

    and after every sweep proposes to swap the states of neighbouring temperatures
    (:mod:`dbn_course.sampling.tempering`); the gradient reads the chains at beta = 1;

* :func:`cd_update`, the book's one update with the finiteness guard, and :func:`train_rbm`,
  which runs the trainer over the epochs of the training engine (:mod:`dbn_course.training`).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from dbn_course import training
from dbn_course.checks import TrainingDivergedError, check_float, check_int
from dbn_course.data.inputs import as_array, visible_dataset
from dbn_course.deprecation import moved_attributes
from dbn_course.rbm import CDSettings, cd_gradients, cd_step, negative_phase
from dbn_course.sampling import gibbs, tempering

__all__ = ["FAST_WEIGHT_DECAY", "CDTrainer", "FastWeightsTrainer", "TemperingTrainer", "cd_update", "linear_decay",
           "train_rbm", "trainer_for"]

linear_decay = training.linear_decay  # a learning-rate schedule for train_rbm(..., schedule=)

FAST_WEIGHT_DECAY = 19 / 20  # FPCD: the fast weights are multiplied by this after every update (Tieleman & Hinton 2009)


class CDTrainer:
    """The compiled CD-k / PCD-k update of an RBM: :func:`~dbn_course.rbm.cd_step`, momentum and weight decay.

    The step uses the sufficient statistics (five matrix products per CD-1 step at batch
    size B: v W, h W^T, v_k W and the two outer products), not the tape: both give the
    same gradient (:meth:`~dbn_course.rbm.RBM.cd_statistics`, tested). A block of
    minibatches runs inside one XLA-compiled call (:data:`~dbn_course.training.BLOCK_BATCHES`),
    because a TensorFlow function call costs about half a millisecond here and XLA fuses
    the elementwise work. The uniform noise for the samples is drawn by the layer's seeded
    generator just before each call: XLA's own random-number kernels are several times
    slower on a CPU.

    Attributes:
        chains: the persistent chains (``None`` for CD, or before the first update).
        velocity: the momentum buffers of W, b and c.
    """

    levels = 1  # chains per minibatch row: one per temperature with parallel tempering
    NOISE_BYTES_PER_CALL = 32 * 2**20

    def __init__(self, rbm, settings: CDSettings):
        self.rbm = rbm
        self.config = settings.compiled
        self.settings = settings
        self.cd_steps, self.persistent = settings.cd_steps, settings.persistent
        self.velocity = [tf.Variable(tf.zeros_like(var.value), trainable=False) for var in (rbm.W, rbm.b, rbm.c)]
        self.updates = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.chains = None  # created on the first step
        self._run = tf.function(self._run_batches, jit_compile=True, reduce_retracing=True)
        self._noise = tf.function(self._draw_noise, reduce_retracing=True)

    def steps_per_call(self, batch_size: int) -> int:
        """Minibatches per compiled call: a block, or fewer if their noise would pass NOISE_BYTES_PER_CALL."""
        rbm = self.rbm
        per_step = (4 * self.cd_steps * batch_size * self.levels
                    * (rbm.number_visible_units + rbm.number_hidden_units + 1))
        return max(1, min(training.BLOCK_BATCHES, self.NOISE_BYTES_PER_CALL // per_step))

    def step(self, v0, learning_rate: float) -> None:
        """One update on the minibatch ``v0`` (a float tensor of shape (B, n_v))."""
        self.run(v0, tf.range(tf.shape(v0)[0])[tf.newaxis, :], 1.0, learning_rate)

    def run(self, data, batch_indices, scale: float, learning_rate: float) -> None:
        """One update per row of ``batch_indices``, each on ``data[row] * scale``."""
        if self.persistent and self.chains is None:
            first = tf.cast(tf.gather(data, batch_indices[0]), tf.float32) * scale
            self.chains = tf.Variable(self.start_chains(first), trainable=False)
        rows = self.chains.shape[0] if self.persistent else batch_indices.shape[1]
        noise_h, noise_v, noise_swap = self._noise(tf.constant([batch_indices.shape[0], self.cd_steps, rows]))
        self._run(data, batch_indices, tf.constant(scale, tf.float32), tf.constant(learning_rate, tf.float32),
                  noise_h, noise_v, noise_swap)

    def start_chains(self, first):
        """PCD's chains at the first update: hidden states drawn from the first minibatch."""
        rbm = self.rbm
        return gibbs.draw_bernoulli(rbm.sampler, gibbs.hidden_probabilities(first, rbm.W, rbm.c))

    def _draw_noise(self, shape):
        rbm = self.rbm
        swaps = shape[2] // self.levels * (self.levels - 1)  # one number per proposed swap
        return (rbm.sampler.uniform(tf.concat([shape, [rbm.number_hidden_units]], 0)),
                rbm.sampler.uniform(tf.concat([shape, [rbm.number_visible_units]], 0)),
                rbm.sampler.uniform(tf.concat([shape[:2], [swaps]], 0)))

    def _run_batches(self, data, batch_indices, scale, learning_rate, noise_h, noise_v, noise_swap):
        for i in tf.range(tf.shape(batch_indices)[0]):
            v0 = tf.cast(tf.gather(data, batch_indices[i]), tf.float32) * scale
            self._update(v0, learning_rate, noise_h[i], noise_v[i], noise_swap[i])

    def _update(self, v0, learning_rate, noise_h, noise_v, noise_swap):
        """The gradient of one minibatch, applied with weight decay and momentum."""
        rbm = self.rbm
        momentum, weight_decay = self.settings.momentum, self.settings.weight_decay
        grads = self.gradient(v0, noise_h, noise_v, noise_swap)
        if weight_decay:
            grads[0] = grads[0] + weight_decay * rbm.W
        for var, velocity, grad in zip((rbm.W, rbm.b, rbm.c), self.velocity, grads):
            if momentum:
                velocity.assign(momentum * velocity - learning_rate * grad)
                var.assign_add(velocity.value())
            else:
                var.assign_sub(learning_rate * grad)
        self.updates.assign_add(1)

    def gradient(self, v0, noise_h, noise_v, noise_swap):
        """CD-k or PCD-k: :func:`~dbn_course.rbm.cd_step`, the persistent chains kept."""
        rbm = self.rbm
        grads, h = cd_step((rbm.W, rbm.b, rbm.c), v0, noise_h, noise_v, self.cd_steps,
                           self.chains.value() if self.persistent else None,
                           number_label_units=rbm.number_label_units)
        if self.persistent:
            self.chains.assign(h)
        return grads


class FastWeightsTrainer(CDTrainer):
    """Fast-weights PCD: the step's chains sample from W + W_f (and b + b_f, c + c_f).

    The fast weights follow the same gradient at their own rate and decay by
    :data:`FAST_WEIGHT_DECAY` every update (before weight decay: they have their own). One
    more matrix product per update: p(h | v) of the samples under W, for the gradient.

    Attributes:
        fast: the fast weights [W_f, b_f, c_f].
    """

    def __init__(self, rbm, settings: CDSettings):
        super().__init__(rbm, settings)
        self.fast = [tf.Variable(tf.zeros_like(var.value), trainable=False) for var in (rbm.W, rbm.b, rbm.c)]

    def gradient(self, v0, noise_h, noise_v, noise_swap):
        rbm = self.rbm
        W, b, c = rbm.W, rbm.b, rbm.c
        h_data = gibbs.hidden_probabilities(v0, W, c)
        v_model, _, h = negative_phase(self.chains.value(), [var + fast for var, fast in zip((W, b, c), self.fast)],
                                       noise_h, noise_v, self.cd_steps, persistent=True,
                                       number_label_units=rbm.number_label_units)
        self.chains.assign(h)
        grads = cd_gradients(v0, h_data, v_model, gibbs.hidden_probabilities(v_model, W, c))  # under W alone
        for fast, grad in zip(self.fast, grads):
            fast.assign(FAST_WEIGHT_DECAY * fast - self.settings.fast_learning_rate * grad)
        return grads


class TemperingTrainer(CDTrainer):
    """PCD by parallel tempering: the negative phase sweeps chains at every temperature, then swaps neighbours.

    Each level sweeps v -> h -> v' at its beta (:func:`dbn_course.sampling.gibbs.sweep` with
    the RBM's own b as the base-rate biases). (h, v') is then a joint state at that level,
    with log p*_beta(v', h) = b^T v' + beta G, G = h^T (c + v' W); then neighbours propose
    to swap (:func:`dbn_course.sampling.tempering.swap_neighbours`), even and odd pairs in
    turn. The gradient (:func:`~dbn_course.rbm.cd_gradients`) reads the beta = 1 chains. One
    more product per sweep: each level's hidden input after its sweep.

    Attributes:
        chains: the visible states of every temperature, level after level.
        betas: the inverse temperatures (:func:`~dbn_course.sampling.tempering.tempering_betas`).
    """

    def __init__(self, rbm, settings: CDSettings):
        super().__init__(rbm, settings)
        self.betas = tempering.tempering_betas(settings.temperatures)
        self.levels = len(self.betas)  # temperatures
        # The swap record: proposals and acceptances per neighbouring pair.
        self.swaps_proposed = tf.Variable(tf.zeros([self.levels - 1]), trainable=False)
        self.swaps_accepted = tf.Variable(tf.zeros([self.levels - 1]), trainable=False)

    @property
    def swap_acceptance(self) -> np.ndarray:
        """The fraction of proposed swaps accepted between beta_m and beta_m+1, per m."""
        return (self.swaps_accepted / tf.maximum(self.swaps_proposed, 1.0)).numpy()

    def start_chains(self, first):
        # Every level starts from the first minibatch's images.
        return gibbs.draw_bernoulli(self.rbm.sampler, tf.tile(first, [self.levels, 1]))

    def gradient(self, v0, noise_h, noise_v, noise_swap):
        rbm = self.rbm
        W, b, c = rbm.W, rbm.b, rbm.c
        h_data = gibbs.hidden_probabilities(v0, W, c)
        betas = tf.constant(self.betas)
        chains_per_level = self.chains.shape[0] // self.levels
        beta = tf.repeat(betas, chains_per_level)[:, tf.newaxis]  # each chain's, level after level
        v = self.chains.value()
        for j in range(self.cd_steps):
            v, _, h = gibbs.sweep(tf.matmul(v, W) + c, noise_h[j], noise_v[j], W, b,
                                  number_label_units=rbm.number_label_units, beta=beta, base=b)
            x = tf.matmul(v, W) + c
            parity = tf.cast((self.updates * self.cd_steps + j) % 2, tf.int32)
            v, x, proposed, accepted = tempering.swap_neighbours(betas, v, h, x, noise_swap[j], parity)
            self.swaps_proposed.assign_add(proposed)
            self.swaps_accepted.assign_add(accepted)
        self.chains.assign(v)
        return cd_gradients(v0, h_data, v[:chains_per_level], tf.sigmoid(x[:chains_per_level]))  # the beta = 1 level


def trainer_for(rbm, settings: CDSettings) -> CDTrainer:
    """The compiled update of ``rbm`` for ``settings``: the last one made, while its settings stay the same.

    The learning rate is an argument of each compiled call, not part of the compiled
    update, so a schedule changes it without resetting PCD's chains or the momentum.
    """
    if rbm.trainer is None or rbm.trainer.config != settings.compiled:
        kind = {"fast weights": FastWeightsTrainer, "parallel tempering": TemperingTrainer}.get(settings.variant,
                                                                                            CDTrainer)
        rbm.trainer = kind(rbm, settings)
    return rbm.trainer


def cd_update(rbm, v) -> float:
    """One CD-k (or PCD-k) update on a minibatch, with the layer's settings; returns its reconstruction cost.

    The book's ``rbm.cd_update(v)``. ``v`` is anything :mod:`dbn_course.data.inputs` reads:
    floats in [0, 1], uint8 pixels, a batch of images, or a dataset's ``(image, label)``
    batch (the label is dropped). It applies :func:`~dbn_course.rbm.cd_step` compiled, with
    the layer's momentum and weight decay, and keeps PCD's chains for the next update.

    Raises:
        ValueError: the minibatch is empty or not visible data.
        TrainingDivergedError: the update made a weight NaN or infinite; the weights from
            before it are put back.
    """
    v = rbm.visible_batch(v, min_rows=1)
    guard = rbm.finite_guard()
    trainer_for(rbm, rbm.cd_settings()).step(v, rbm.learning_rate)
    cost = float(rbm.reconstruction_cost(v))
    try:
        guard.check("in this update", {"reconstruction cost": cost})
    except TrainingDivergedError:
        rbm.reset_trainer()  # its momentum and chains came from the diverged weights
        raise
    return cost


def train_rbm(rbm, data, map_fn=None, num_epochs: int = 10, tolerance: float | None = None,
              batch_size: int = 100, shuffle_buffer: int = 10_000, *, learning_rate: float | None = None,
              cd_steps: int | None = None, persistent: bool | None = None, momentum: float | None = None,
              weight_decay: float | None = None, fast_learning_rate: float | None = None,
              temperatures=None, schedule=None, shuffle: bool = True, seed: int | None = None,
              monitor_size: int = 2000, progress: bool = True, print_costs: bool = False, callbacks=(),
              description: str = "RBM training", stop_event=None):
    """Train an RBM by CD-k or PCD-k on every minibatch of every epoch; return it, its history on it.

    The first six arguments are the book's, in the book's order:
    ``rbm = train_rbm(rbm, mnist_train, partial(flatten_image, label=False), 100, 0.5, 2000)``
    trains 100 epochs at most, stopping once the cost moves by 0.5 nats or less, in
    minibatches of 2,000. The rest are keyword-only. The epochs, Stop, callbacks, history
    and schedule are the training engine's (:mod:`dbn_course.training`).

    Args:
        rbm: the model.
        data: an array of shape (examples, n_v) -- floats in [0, 1], uint8 pixel values
            read as value / 255, or booleans; images of n_v pixels are flattened -- or a
            ``tf.data.Dataset`` of such examples, one per element (after ``map_fn``), like
            the book's ``mnist_train``; a label in the elements (tfds dicts or
            ``(image, label)`` pairs) is dropped. Arrays train fastest. What is accepted
            is :mod:`dbn_course.data.inputs`' to say.
        map_fn: applied to a dataset's elements first (e.g. ``flatten_image`` without
            labels); ``None`` for arrays.
        num_epochs: passes over the data.
        tolerance: stop early once the monitored cost changes by at most this much
            between epochs (``None``: never). The cost is the reconstruction cost of
            the first ``monitor_size`` examples, measured after each epoch with the
            epoch's final weights (the book averages the minibatch costs of the epoch).
        batch_size: examples per update.
        shuffle_buffer: buffer of ``Dataset.shuffle`` when ``data`` is a dataset.
        learning_rate, cd_steps, persistent, momentum, weight_decay: the training
            settings for this run (:class:`~dbn_course.rbm.CDSettings`); each one not given is the RBM
            constructor's. The layer's own settings do not change.
        fast_learning_rate: > 0 trains by fast-weights PCD, the fast weights learning at this
            constant rate (the schedule does not touch it); default 0, none.
        temperatures: > 1 trains by parallel tempering over this many inverse temperatures,
            evenly spaced from 1 to 0, or over the inverse temperatures given (a sequence
            from 1 down, :func:`~dbn_course.sampling.tempering.tempering_betas`); default 1, none. Each level holds
            ``batch_size`` chains.
        schedule: the learning rate of each epoch, ``schedule(epoch)`` (e.g.
            ``linear_decay(0.1, num_epochs)``); default: ``learning_rate`` throughout.
        shuffle: reshuffle the examples every epoch.
        seed: seeds the shuffling.
        monitor_size: the number of examples (the first ones) on which the
            reconstruction cost is measured after each epoch.
        progress: show a ``tqdm`` progress bar.
        print_costs: print ``epoch: e, cost: c`` after each epoch, as the book's loop does.
        callbacks: functions ``f(rbm, epoch, history)`` called after each epoch; one that
            returns True stops training.
        description: the progress bar's label.
        stop_event: a :class:`threading.Event` another thread may set (a panel's Stop
            button): training then ends within one block of minibatches, mid-epoch if
            need be, and the history records the part-epoch as its last entry.

    Returns:
        ``rbm``, trained, with its history as ``rbm.history`` (as Keras keeps a model's),
        in the engine's format: ``reconstruction_cost``, ``epoch_seconds`` and
        ``learning_rate`` per epoch, ``stopped_early`` and ``stop_reason``; with parallel
        tempering also ``swap_acceptance``, the share of proposed swaps accepted between
        each pair of neighbouring temperatures (since the trainer was made).

    Raises:
        TypeError: ``map_fn`` is not a function (the book's order puts it third).
        ValueError: bad data (empty, outside [0, 1], the wrong width) or settings.
        TrainingDivergedError: the weights or the monitored cost became NaN or infinite
            (checked every epoch); the weights of the last finite epoch are put back.
    """
    if map_fn is not None and not callable(map_fn):
        raise TypeError(f"map_fn must be a function applied to the dataset's elements (or None), got {map_fn!r}. "
                        "The arguments go in the book's order: train_rbm(rbm, data, map_fn, num_epochs, tolerance, "
                        "batch_size); for arrays pass map_fn=None or name the others, e.g. num_epochs=5")
    num_epochs = check_int("num_epochs", num_epochs)
    batch_size = check_int("batch_size", batch_size)
    shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer)
    monitor_size = check_int("monitor_size", monitor_size)
    if tolerance is not None:
        tolerance = check_float("tolerance", tolerance, 0.0)
    settings = rbm.cd_settings(learning_rate=learning_rate, cd_steps=cd_steps, persistent=persistent,
                               momentum=momentum, weight_decay=weight_decay, fast_learning_rate=fast_learning_rate,
                               temperatures=temperatures)
    rng = np.random.default_rng(seed)

    if isinstance(data, tf.data.Dataset):
        dataset = visible_dataset(data, rbm.number_visible_units, map_fn)
        monitor = tf.concat(list(dataset.take(monitor_size).batch(monitor_size)), axis=0)
        if shuffle:
            dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size).prefetch(2)
        cardinality = int(dataset.cardinality())
        batches_per_epoch = cardinality if cardinality > 0 else None

        def run_epoch(rate, block_done):
            # A dataset streams its minibatches one at a time: each is its own block.
            for batch in dataset:
                trainer.step(tf.convert_to_tensor(batch, tf.float32), rate)
                if block_done(1):
                    return
    else:
        if map_fn is not None:
            raise ValueError("map_fn applies to datasets; transform arrays before training")
        array, scale = as_array(data, rbm.number_visible_units, "training data", min_rows=1)
        if array.dtype not in (np.uint8, np.bool_):
            array = np.ascontiguousarray(array, np.float32)
        monitor = tf.constant(np.asarray(array[:monitor_size], np.float32)) * scale
        tensor = tf.constant(array)
        batches_per_epoch = math.ceil(len(array) / batch_size)

        def run_epoch(rate, block_done):
            block = trainer.steps_per_call(batch_size)
            for indices in training.block_order(len(array), batch_size, rng if shuffle else None, block):
                trainer.run(tensor, tf.constant(indices), scale, rate)
                if block_done(len(indices)):
                    return

    monitor = rbm.visible_batch(monitor, "training data")
    trainer = trainer_for(rbm, settings)
    engine = training.Engine(
        rbm, run_epoch, lambda epoch: {"reconstruction_cost": float(rbm.reconstruction_cost(monitor))},
        metrics=["reconstruction_cost"], num_epochs=num_epochs, batches_per_epoch=batches_per_epoch,
        guard=rbm.finite_guard(settings.learning_rate),
        schedule=schedule or training.constant(settings.learning_rate), callbacks=callbacks, tolerance=tolerance,
        stop_event=stop_event, progress=progress, description=description,
        printer=(lambda epoch, values: f"epoch: {epoch}, cost: {values['reconstruction_cost']:.4f}")
        if print_costs else None)
    try:
        rbm.history = engine.run()
    except TrainingDivergedError:
        rbm.reset_trainer()  # its momentum and chains came from the diverged weights
        raise
    if trainer.levels > 1:
        rbm.history["swap_acceptance"] = trainer.swap_acceptance.tolist()
    return rbm


# 0.4.0: the ladder of temperatures is the sampler's.
__getattr__ = moved_attributes(__name__, {"tempering_betas": "dbn_course.sampling.tempering:tempering_betas"})
