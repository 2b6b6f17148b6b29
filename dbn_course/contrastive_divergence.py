"""Training an RBM by contrastive divergence: CD-k, persistent CD and its two refinements (chapters 03, 07).

The gradient of the average log-likelihood of an RBM is a difference of two expectations,

    d<log p(v)>_data / dW = <v h^T>_data - <v h^T>_model,

and CD-k (Hinton 2002) replaces the model's expectation by samples after k Gibbs sweeps
started at the data; PCD-k (Tieleman 2008) keeps those chains running from one update
to the next. Two refinements of PCD keep its chains moving as the weights settle:

* fast-weights PCD (FPCD; Tieleman and Hinton 2009) samples the chains from W + W_f,
  b + b_f, c + c_f, where the fast weights follow the same gradient at their own rate and
  shrink by :data:`FAST_WEIGHT_DECAY` every update -- they push the chains out of the
  modes they have just visited;
* parallel tempering (Desjardins et al. 2010; Cho, Raiko and Ilin 2010) runs chains at
  inverse temperatures 1 = beta_1 > ... > beta_T >= 0 of

      p_beta(v, h) proportional to exp(b^T v + beta (c^T h + v^T W h))

  (the couplings and hidden biases tempered, so beta = 0 would be a product of pixels
  with the RBM's own visible biases), and after every sweep proposes to swap the states
  of neighbouring temperatures; the gradient reads the chains at beta = 1.

:func:`cd_gradients` gives the gradient of L = <F(v)>_data - <F(v_k)>_samples
from these sufficient statistics; :class:`CDTrainer` is the compiled update that applies
it with momentum and weight decay; :func:`train_rbm` runs it over the epochs of the
training engine (:mod:`dbn_course.training`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from . import gibbs, tempering, training
from .guard import TrainingDivergedError
from .inputs import as_array, visible_dataset
from .validation import check_float, check_int

__all__ = ["FAST_WEIGHT_DECAY", "CDSettings", "CDTrainer", "cd_gradients", "linear_decay", "tempering_betas",
           "train_rbm"]

linear_decay = training.linear_decay  # a learning-rate schedule for train_rbm(..., schedule=)
tempering_betas = tempering.tempering_betas  # parallel tempering's ladder, for train_rbm(..., temperatures=)

FAST_WEIGHT_DECAY = 19 / 20  # FPCD: the fast weights are multiplied by this after every update (Tieleman & Hinton 2009)


def cd_gradients(v_data, h_data, v_model, h_model):
    """The CD gradient of L = <F(v)>_data - <F(v)>_model from sufficient statistics, as [dW, db, dc].

    dL/dW = <v h^T>_model - <v h^T>_data, dL/db = <v>_model - <v>_data and
    dL/dc = <h>_model - <h>_data, with h the hidden probabilities p(h = 1 | v) of each v.
    """
    n_data = tf.cast(tf.shape(v_data)[0], tf.float32)
    n_model = tf.cast(tf.shape(v_model)[0], tf.float32)
    grad_W = (tf.matmul(v_model, h_model, transpose_a=True) / n_model
              - tf.matmul(v_data, h_data, transpose_a=True) / n_data)
    grad_b = tf.reduce_mean(v_model, axis=0) - tf.reduce_mean(v_data, axis=0)
    grad_c = tf.reduce_mean(h_model, axis=0) - tf.reduce_mean(h_data, axis=0)
    return [grad_W, grad_b, grad_c]


@dataclass(frozen=True)
class CDSettings:
    """How CD-k / PCD-k trains an RBM: what Keras would call its optimizer.

    An RBM's constructor arguments are its defaults (:meth:`~dbn_course.rbm.RBM.cd_settings`);
    :func:`train_rbm` takes any of them as keywords for one run, and leaves the layer's
    own settings as they are. The last two refine PCD and exist for training runs only:
    ``fast_learning_rate`` > 0 turns on fast weights (FPCD) learning at that constant rate,
    ``temperatures`` > 1 runs parallel tempering over that many inverse temperatures, or
    over the ones given (:func:`tempering_betas`), each with as many chains as the
    minibatch. Both need ``persistent=True``, and they do not combine.
    """

    learning_rate: float
    cd_steps: int
    persistent: bool
    momentum: float
    weight_decay: float
    fast_learning_rate: float = 0.0
    temperatures: int | tuple = 1

    def __post_init__(self):
        # Checked, and held as plain Python numbers, whoever builds them: the RBM's
        # constructor (its defaults) or train_rbm (one run's).
        object.__setattr__(self, "learning_rate", check_float("learning_rate", self.learning_rate, 0.0, low_open=True))
        object.__setattr__(self, "cd_steps", check_int("cd_steps", self.cd_steps))
        if not isinstance(self.persistent, bool):
            raise ValueError(f"persistent must be True or False, got {self.persistent!r}")
        object.__setattr__(self, "momentum", check_float("momentum", self.momentum, 0.0, 1.0, high_open=True))
        object.__setattr__(self, "weight_decay", check_float("weight_decay", self.weight_decay, 0.0))
        object.__setattr__(self, "fast_learning_rate",
                           check_float("fast_learning_rate", self.fast_learning_rate, 0.0))
        betas = tempering_betas(self.temperatures)  # checks them
        if not isinstance(self.temperatures, (int, np.integer)):
            object.__setattr__(self, "temperatures", tuple(float(beta) for beta in self.temperatures))
        refinements = [name for name, on in (("fast_learning_rate", self.fast_learning_rate > 0),
                                             ("temperatures", len(betas) > 1)) if on]
        if refinements and not self.persistent:
            raise ValueError(f"{refinements[0]} refines persistent CD: pass persistent=True with it")
        if len(refinements) > 1:
            raise ValueError("fast weights and parallel tempering are two alternatives: choose one, "
                             "fast_learning_rate > 0 or temperatures > 1")

    @property
    def compiled(self) -> tuple:
        """The settings compiled into the update: all but the learning rate."""
        return (self.cd_steps, self.persistent, self.momentum, self.weight_decay, self.fast_learning_rate,
                self.temperatures)



class CDTrainer:
    """The compiled CD-k / PCD-k update of an RBM, with its momentum and chain state.

    The hot path uses the sufficient statistics (five matrix products per CD-1 step at
    batch size B: v W, h W^T, v_k W and the two outer products), not the tape: both give
    the same gradient (:meth:`~dbn_course.rbm.RBM.cd_statistics`, tested). A block of minibatches runs
    inside one XLA-compiled call (:data:`~dbn_course.training.BLOCK_BATCHES`), because a
    TensorFlow function call costs about half a millisecond here and XLA fuses the
    elementwise work. The uniform noise for the samples is drawn by the layer's seeded
    generator just before each call: XLA's own random-number kernels are several times
    slower on a CPU.

    FPCD adds one product per update (p(h | v) under W for the gradient, beside the
    chains' under W + W_f); parallel tempering sweeps T x B chains and adds one more
    product per sweep (each level's hidden input before and after its sweep).

    Attributes:
        chains: the persistent chains (``None`` for CD, or before the first update): their
            hidden states for PCD and FPCD, the visible states of every temperature, level
            after level, for parallel tempering.
        fast: FPCD's fast weights [W_f, b_f, c_f] (``None`` without them).
        betas: parallel tempering's inverse temperatures (:func:`tempering_betas`).
    """

    NOISE_BYTES_PER_CALL = 32 * 2**20

    def __init__(self, rbm, settings: CDSettings):
        self.rbm = rbm
        self.config = settings.compiled
        self.cd_steps, self.persistent = settings.cd_steps, settings.persistent
        self.betas = tempering_betas(settings.temperatures)
        self.temperatures = len(self.betas)  # levels of parallel tempering; 1 without it
        self.velocity = [tf.Variable(tf.zeros_like(var.value), trainable=False) for var in (rbm.W, rbm.b, rbm.c)]
        self.fast = ([tf.Variable(tf.zeros_like(var.value), trainable=False) for var in (rbm.W, rbm.b, rbm.c)]
                     if settings.fast_learning_rate > 0 else None)
        # Parallel tempering's swap record: proposals and acceptances per neighbouring pair.
        self.swaps_proposed = tf.Variable(tf.zeros([max(self.temperatures - 1, 1)]), trainable=False)
        self.swaps_accepted = tf.Variable(tf.zeros([max(self.temperatures - 1, 1)]), trainable=False)
        self.updates = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.chains = None  # created on the first step
        self._run = tf.function(self._run_batches, jit_compile=True, reduce_retracing=True)
        self._noise = tf.function(self._draw_noise, reduce_retracing=True)

    @property
    def swap_acceptance(self) -> np.ndarray:
        """Parallel tempering: the fraction of proposed swaps accepted between beta_m and beta_m+1, per m."""
        if self.temperatures == 1:
            return np.zeros(0)
        return (self.swaps_accepted / tf.maximum(self.swaps_proposed, 1.0)).numpy()

    def steps_per_call(self, batch_size: int) -> int:
        """Minibatches per compiled call: a block, or fewer if their noise would pass NOISE_BYTES_PER_CALL."""
        rbm = self.rbm
        per_step = (4 * self.cd_steps * batch_size * self.temperatures
                    * (rbm.number_visible_units + rbm.number_hidden_units + 1))
        return max(1, min(training.BLOCK_BATCHES, self.NOISE_BYTES_PER_CALL // per_step))

    def step(self, v0, learning_rate: float) -> None:
        """One update on the minibatch ``v0`` (a float tensor of shape (B, n_v))."""
        self.run(v0, tf.range(tf.shape(v0)[0])[tf.newaxis, :], 1.0, learning_rate)

    def run(self, data, batch_indices, scale: float, learning_rate: float) -> None:
        """One update per row of ``batch_indices``, each on ``data[row] * scale``."""
        rbm = self.rbm
        if self.persistent and self.chains is None:
            first = tf.cast(tf.gather(data, batch_indices[0]), tf.float32) * scale
            if self.temperatures > 1:  # every level starts from the first minibatch's images
                start = gibbs.draw_bernoulli(rbm.sampler, tf.tile(first, [self.temperatures, 1]))
            else:
                start = gibbs.draw_bernoulli(rbm.sampler, gibbs.hidden_probabilities(first, rbm.W, rbm.c))
            self.chains = tf.Variable(start, trainable=False)
        rows = self.chains.shape[0] if self.persistent else batch_indices.shape[1]
        noise_h, noise_v, noise_swap = self._noise(tf.constant([batch_indices.shape[0], self.cd_steps, rows]))
        self._run(data, batch_indices, tf.constant(scale, tf.float32), tf.constant(learning_rate, tf.float32),
                  noise_h, noise_v, noise_swap)

    def _draw_noise(self, shape):
        rbm = self.rbm
        swaps = shape[2] // self.temperatures * (self.temperatures - 1)  # one number per proposed swap
        return (rbm.sampler.uniform(tf.concat([shape, [rbm.number_hidden_units]], 0)),
                rbm.sampler.uniform(tf.concat([shape, [rbm.number_visible_units]], 0)),
                rbm.sampler.uniform(tf.concat([shape[:2], [swaps]], 0)))

    def _run_batches(self, data, batch_indices, scale, learning_rate, noise_h, noise_v, noise_swap):
        for i in tf.range(tf.shape(batch_indices)[0]):
            v0 = tf.cast(tf.gather(data, batch_indices[i]), tf.float32) * scale
            self._update(v0, learning_rate, noise_h[i], noise_v[i], noise_swap[i])

    def _update(self, v0, learning_rate, noise_h, noise_v, noise_swap):
        """One CD-k / PCD-k update; ``noise_h[j]``, ``noise_v[j]`` (and ``noise_swap[j]``) drive sweep j."""
        rbm = self.rbm
        cd_steps, persistent, momentum, weight_decay, fast_rate, _ = self.config
        h_data = gibbs.hidden_probabilities(v0, rbm.W, rbm.c)
        if self.temperatures > 1:
            v_model, h_model = self._tempered_sweeps(noise_h, noise_v, noise_swap)
        else:
            v_model, h_model = self._sweeps(v0, h_data, noise_h, noise_v)
        grads = cd_gradients(v0, h_data, v_model, h_model)
        if self.fast is not None:  # before weight decay: the fast weights have their own, FAST_WEIGHT_DECAY
            for fast, grad in zip(self.fast, grads):
                fast.assign(FAST_WEIGHT_DECAY * fast - fast_rate * grad)
        if weight_decay:
            grads[0] = grads[0] + weight_decay * rbm.W
        for var, velocity, grad in zip((rbm.W, rbm.b, rbm.c), self.velocity, grads):
            if momentum:
                velocity.assign(momentum * velocity - learning_rate * grad)
                var.assign_add(velocity.value())
            else:
                var.assign_sub(learning_rate * grad)
        self.updates.assign_add(1)

    def _sweeps(self, v0, h_data, noise_h, noise_v):
        """CD-k from the data, or k sweeps of the persistent chains (under W + W_f with fast weights).

        Returns the negative phase's statistics: the last visible states and p(h = 1 | v) under W.
        """
        rbm = self.rbm
        n_labels = rbm.number_label_units
        W, b, c = rbm.W, rbm.b, rbm.c
        if self.fast is not None:
            W, b, c = (var + fast for var, fast in zip((W, b, c), self.fast))
        # CD starts the chain from h ~ p(h | data); PCD continues its persistent chains.
        h = self.chains.value() if self.persistent else gibbs.bernoulli(noise_h[0], h_data)
        v_model, h_model = v0, h_data
        for j in range(self.cd_steps):
            v_model = gibbs.sample_visible(noise_v[j], gibbs.visible_probabilities(h, W, b, n_labels), n_labels)
            h_model = gibbs.hidden_probabilities(v_model, W, c)
            if self.persistent:
                h = gibbs.bernoulli(noise_h[j], h_model)
            elif j + 1 < self.cd_steps:
                h = gibbs.bernoulli(noise_h[j + 1], h_model)
        if self.persistent:
            self.chains.assign(h)
        if self.fast is not None:
            h_model = gibbs.hidden_probabilities(v_model, rbm.W, rbm.c)
        return v_model, h_model

    def _tempered_sweeps(self, noise_h, noise_v, noise_swap):
        """k sweeps of parallel tempering, each followed by swaps; returns the beta = 1 chains' statistics.

        Each level sweeps v -> h -> v' at its beta (:func:`dbn_course.gibbs.sweep` with the
        RBM's own b as the base-rate biases). (h, v') is then a joint state at that level, with
        log p*_beta(v', h) = b^T v' + beta G, G = h^T (c + v' W); then neighbours propose to
        swap (:func:`dbn_course.tempering.swap_neighbours`), even and odd pairs in turn.
        """
        rbm = self.rbm
        W, b, c = rbm.W, rbm.b, rbm.c
        betas = tf.constant(self.betas)
        chains_per_level = self.chains.shape[0] // self.temperatures
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
        return v[:chains_per_level], tf.sigmoid(x[:chains_per_level])  # the beta = 1 level


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
            is :mod:`dbn_course.inputs`' to say.
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
            settings for this run (:class:`CDSettings`); each one not given is the RBM
            constructor's. The layer's own settings do not change.
        fast_learning_rate: > 0 trains by fast-weights PCD, the fast weights learning at this
            constant rate (the schedule does not touch it); default 0, none.
        temperatures: > 1 trains by parallel tempering over this many inverse temperatures,
            evenly spaced from 1 to 0, or over the inverse temperatures given (a sequence
            from 1 down, :func:`tempering_betas`); default 1, none. Each level holds
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
    trainer = rbm.trainer_for(settings)
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
    if trainer.temperatures > 1:
        rbm.history["swap_acceptance"] = trainer.swap_acceptance.tolist()
    return rbm

