"""The training engine: one epoch loop for every model of the course, and what is composed around each step.

This folder trains the models; each model's module holds its maths and the update of one
minibatch (:func:`dbn_course.rbm.cd_step`, :meth:`dbn_course.dbn.DBN.up_down_step`):

    (this module)  -- the engine: epochs, blocks, Stop, callbacks, history, schedules, progress
    cd             -- an RBM by CD-k / PCD-k, with fast weights or parallel tempering (``train_rbm``)
    pretraining    -- a DBN's greedy layer-wise pretraining, and PCD for its top level
    up_down        -- a DBN's generative fine-tuning by the up-down algorithm
    backprop       -- a classifier's fine-tuning by backpropagation (Keras' ``fit``)
    recipe         -- every hyperparameter default of a DBN's training, typed, in one place
    stages         -- training by a recipe, each stage cached on request

It imports the models, :mod:`dbn_course.sampling`, :mod:`dbn_course.data` and
:mod:`dbn_course.checks`, never the course layer; the models reach it only when a learner
calls one of the book's training methods (``rbm.cd_update``, ``dbn.train_rbm``, ...).

An RBM learns by contrastive divergence (:func:`~dbn_course.training.cd.train_rbm`), a DBN by
greedy pretraining and up-down fine-tuning (:meth:`~dbn_course.dbn.DBN.pretrain`,
:meth:`~dbn_course.dbn.DBN.up_down`) and a classifier by backpropagation
(:func:`~dbn_course.training.backprop.fine_tune`). Each has its own update -- a compiled
kernel that runs a *block* of minibatches in one call, or Keras' ``fit`` -- and all of
them share what happens around it, which lives here, once:

* **epochs and blocks.** An epoch is a fresh shuffle of the examples, cut into
  minibatches and run :data:`BLOCK_BATCHES` minibatches per compiled call;
* **the learning rate** of epoch e (from 0) is ``schedule(e)``: :func:`constant`,
  :func:`linear_decay` or :func:`cosine_decay`, or any function of the epoch;
* **Stop.** A :class:`threading.Event` (a panel's Stop button) is looked at after every
  block, so training ends within one block; the part-epoch is measured and recorded;
* **the finiteness guard** (:class:`~dbn_course.checks.FiniteGuard`) checks the weights
  and the measured numbers after every epoch and puts back the last finite weights;
* **the history**, one format for every trainer::

      {"epoch_seconds": [...], "learning_rate": [...], "batches": [...], "<metric>": [...], ...,
       "stopped_early": False, "stop_reason": None}

  one entry per epoch (a part-epoch included) in every list; ``epoch_seconds`` counts
  the updates only, not the measuring; ``batches`` counts the minibatches run (fewer
  than an epoch's in a part-epoch); a metric measured only every few epochs holds
  ``None`` in between. ``stop_reason`` says why training ended before its last epoch:
  ``"stop requested"``, ``"tolerance"`` or ``"callback"``;
* **callbacks**, one signature for every trainer: ``callback(model, epoch, history)``
  after each epoch, where ``model`` is what is being trained (the RBM -- for a DBN's
  pretraining, the layer being trained --, the DBN during up-down, the Keras network
  during backpropagation) and ``epoch`` counts from 0. A callback that returns True ends
  training;
* **early stopping** once a metric moves by at most ``tolerance`` between epochs;
* **the progress bar** (:func:`progress_bar`), counting minibatches, with the last epoch's
  metrics beside it: tqdm's text line, or whatever :func:`show_progress_with` set -- in a
  notebook the course layer's line updated in place, so a saved notebook keeps it
  (:mod:`dbn_course.course.outputs`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable

import numpy as np
from tqdm.std import tqdm

from dbn_course.checks import FiniteGuard, check_int

__all__ = ["BLOCK_BATCHES", "Engine", "Schedule", "block_order", "constant", "cosine_decay", "join_histories",
           "linear_decay", "new_history", "progress_bar", "run_in_turn", "show_progress_with"]

BLOCK_BATCHES = 20
"""Minibatches per compiled call, for every trainer: Stop takes effect within one block.

A TensorFlow function call costs about half a millisecond here, a third of a CD-1 step
at MNIST's shapes; at 20 minibatches a call, the calls cost a few per cent of an epoch, and
50 a call trained no faster (``benchmarks/README.md``)."""

SHORT_NAMES = {"reconstruction_cost": "cost", "train_error_pct": "train error %", "test_error_pct": "test error %",
               "monitor_error_pct": "monitor error %"}

# ---------------------------------------------------------------------- the progress bar


def _text_bar(*, total=None, desc=None, unit="it", disable=False):
    return tqdm(total=total, desc=desc, unit=unit, disable=disable)


_bar_factory = _text_bar


def show_progress_with(factory: Callable[..., tqdm] | None) -> None:
    """Draw every training run's progress bar with ``factory(total=, desc=, unit=, disable=)``; ``None``: tqdm's text.

    The course layer sets its notebook bar here when the package is imported in a Jupyter
    kernel (:func:`dbn_course.course.outputs.progress_bar`): the engine itself knows
    nothing of notebooks.
    """
    global _bar_factory
    _bar_factory = _text_bar if factory is None else factory


def progress_bar(*, total=None, desc=None, unit="it", disable=False) -> tqdm:
    """A tqdm progress bar, drawn by the factory :func:`show_progress_with` set."""
    return _bar_factory(total=total, desc=desc, unit=unit, disable=disable)


# ---------------------------------------------------------------------- schedules


class Schedule:
    """A learning rate per epoch: ``schedule(epoch)`` for epoch 0, 1, ...; what ``schedule=`` of every trainer takes.

    Any function of the epoch will do as well; these carry a name, so that one passed
    where a callback belongs is recognised.
    """

    def __init__(self, rate: Callable[[int], float], name: str):
        self._rate = rate
        self.name = name

    def __call__(self, epoch: int) -> float:
        return self._rate(epoch)

    def __repr__(self) -> str:
        return self.name


def constant(learning_rate: float) -> Schedule:
    """Every epoch at ``learning_rate``."""
    return Schedule(lambda epoch: learning_rate, f"constant({learning_rate:g})")


def linear_decay(learning_rate: float, num_epochs: int, floor: float = 1e-3) -> Schedule:
    """Epoch e (from 0) at ``learning_rate * max(1 - e / num_epochs, floor)``: from the full rate almost to 0."""
    num_epochs = check_int("num_epochs", num_epochs)
    return Schedule(lambda epoch: learning_rate * max(1.0 - epoch / num_epochs, floor),
                    f"linear_decay({learning_rate:g}, {num_epochs})")


def cosine_decay(learning_rate: float, num_epochs: int) -> Schedule:
    """Epoch e at ``learning_rate * (1 + cos(pi e / num_epochs)) / 2``: the cosine annealing of Loshchilov and
    Hutter (2017), without restarts."""
    num_epochs = check_int("num_epochs", num_epochs)
    return Schedule(lambda epoch: learning_rate * 0.5 * (1.0 + math.cos(math.pi * epoch / num_epochs)),
                    f"cosine_decay({learning_rate:g}, {num_epochs})")


# ---------------------------------------------------------------------- history and blocks


def new_history(metrics: Iterable[str]) -> dict:
    """An empty history in the engine's format, with a list for each of ``metrics``."""
    return {"epoch_seconds": [], "learning_rate": [], "batches": [], **{name: [] for name in metrics},
            "stopped_early": False, "stop_reason": None}


def join_histories(histories, metrics: Iterable[str]) -> dict:
    """Histories of runs one after another (stages of a recipe) as one history: lists joined, the last run's ending."""
    joined = new_history(metrics)
    for history in histories:
        for name, value in history.items():
            if isinstance(joined.get(name), list):
                joined[name] += list(value)
        joined["stopped_early"], joined["stop_reason"] = history["stopped_early"], history["stop_reason"]
    return joined


def block_order(n_examples: int, batch_size: int, rng: np.random.Generator | None, block: int):
    """One epoch's minibatches as blocks of example indices, shuffled by ``rng`` (in order when None).

    Yields int32 arrays of shape (minibatches, batch_size): full minibatches ``block`` at a
    time, then the last, smaller minibatch alone (shape (1, rest)) if the examples do
    not divide evenly.
    """
    order = rng.permutation(n_examples) if rng is not None else np.arange(n_examples)
    n_full = n_examples // batch_size
    full = order[: n_full * batch_size].reshape(n_full, batch_size).astype(np.int32)
    for start in range(0, n_full, block):
        yield full[start:start + block]
    if n_full * batch_size < n_examples:
        yield order[n_full * batch_size:][np.newaxis].astype(np.int32)


# ---------------------------------------------------------------------- the engine


class Engine:
    """Runs epochs of a trainer's update and does everything else: see the module docstring.

    Args:
        model: what is trained; passed to the callbacks.
        run_epoch: ``run_epoch(learning_rate, block_done)`` runs one epoch of updates.
            After each compiled block it calls ``block_done(n)`` with the number of
            minibatches the block ran, and returns at once if that returns True (Stop
            was pressed). It may return a dict of metrics gathered during the epoch
            (Keras' loss). (Passed in rather than reached through the engine, so that
            the training data the function holds is freed as soon as training ends,
            not at the next garbage collection of a reference cycle.)
        measure: ``measure(epoch)`` returns the metrics measured after epoch ``epoch``
            (from 0), by name (e.g. the reconstruction cost of a fixed set of examples).
        metrics: the names of all metrics, for the history.
        num_epochs: epochs to run at most; None runs until a callback or Stop ends
            training.
        batches_per_epoch: minibatches in one epoch (None if unknown), for the progress bar.
        guard: the finiteness guard over the weights ``run_epoch`` changes.
        schedule: the learning rate of each epoch.
        callbacks: functions ``callback(model, epoch, history)``; True ends training.
        tolerance: end training once ``tolerance_metric`` moves by at most this much
            between epochs (None: never).
        tolerance_metric: the metric ``tolerance`` watches (default: the first).
        stop_event: a :class:`threading.Event`; once set, training ends after the
            current block.
        progress: show a progress bar.
        description: the progress bar's label.
        printer: ``printer(epoch, metrics)`` returns a line to print after each epoch
            (as the book's loops print their costs), or None.
    """

    def __init__(self, model, run_epoch: Callable[[float, Callable[[int], bool]], dict | None],
                 measure: Callable[[int], dict], *,
                 metrics: Iterable[str], num_epochs: int | None, batches_per_epoch: int | None, guard: FiniteGuard,
                 schedule: Callable[[int], float], callbacks=(), tolerance: float | None = None,
                 tolerance_metric: str | None = None,
                 stop_event=None, progress: bool = True, description: str = "training",
                 printer: Callable[[int, dict], str | None] | None = None):
        self.model = model
        self.run_epoch = run_epoch
        self.measure = measure
        self.metrics = list(metrics)
        self.num_epochs = num_epochs
        self.batches_per_epoch = batches_per_epoch
        self.guard = guard
        self.schedule = schedule
        self.callbacks = _check_callbacks(callbacks)
        self.tolerance = tolerance
        self.tolerance_metric = tolerance_metric or self.metrics[0]
        self.stop_event = stop_event
        self.progress = progress
        self.description = description
        self.printer = printer
        self.history = new_history(self.metrics)
        self._bar = None
        self._batches = 0

    @property
    def stop_requested(self) -> bool:
        return self.stop_event is not None and self.stop_event.is_set()

    def block_done(self, n_batches: int) -> bool:
        """Count a finished block on the progress bar; True when training should stop now."""
        self._batches += n_batches
        if self._bar is not None:
            self._bar.update(n_batches)
        return self.stop_requested

    def learning_rate(self, epoch: int) -> float:
        """``schedule(epoch)``, checked: a rate must be a positive, finite number."""
        rate = self.schedule(epoch)
        try:
            valid = float(rate) > 0 and math.isfinite(float(rate))
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(f"the learning-rate schedule gave {rate!r} for epoch {epoch}: a learning rate must be a "
                             "positive number")
        return float(rate)

    def run(self) -> dict:
        """Train for ``num_epochs`` epochs at most; return the history."""
        for _ in self.epochs():
            pass
        return self.history

    def epochs(self):
        """Train one epoch at a time: a generator that yields each epoch's index once it is recorded.

        :meth:`run` exhausts it; :func:`run_in_turn` interleaves several. It ends when
        training does (the last epoch, a callback, the tolerance or Stop).
        """
        total = self.batches_per_epoch * self.num_epochs if self.batches_per_epoch and self.num_epochs else None
        epochs = range(self.num_epochs) if self.num_epochs is not None else itertools.count()
        with progress_bar(total=total, disable=not self.progress, desc=self.description, unit="batch") as bar:
            self._bar = bar
            try:
                for epoch in epochs:
                    ended = self._epoch(epoch)
                    yield epoch
                    if ended:
                        return
            finally:
                self._bar = None

    def _epoch(self, epoch: int) -> bool:
        """Run and record epoch ``epoch``; return True when training ends here."""
        history = self.history
        rate = self.learning_rate(epoch)
        self._batches = 0
        start = time.perf_counter()
        gathered = self.run_epoch(rate, self.block_done) or {}
        seconds = time.perf_counter() - start
        values = {**gathered, **self.measure(epoch)}
        self.guard.check(f"in epoch {epoch + 1} of {self.description} (learning rate {rate:g})",
                         {_readable(name): value for name, value in values.items() if value is not None})
        history["epoch_seconds"].append(seconds)
        history["learning_rate"].append(rate)
        history["batches"].append(self._batches)
        for name in self.metrics:
            history[name].append(values.get(name))
        if self._bar is not None:
            self._bar.set_postfix({"epoch": epoch + 1, **{SHORT_NAMES.get(name, name): f"{value:.4g}"
                                                          for name, value in values.items() if value is not None}})
        if self.printer is not None:
            line = self.printer(epoch, values)
            if line:
                print(line)
        reason = None
        if any([bool(callback(self.model, epoch, history)) for callback in self.callbacks]):
            reason = "callback"
        watched = [value for value in history[self.tolerance_metric] if value is not None]
        if reason is None and self.tolerance is not None and len(watched) > 1 \
                and abs(watched[-2] - watched[-1]) <= self.tolerance:
            reason = "tolerance"
        if self.stop_requested:
            reason = "stop requested"
        if reason is not None:
            history["stopped_early"] = (reason == "stop requested" or self.num_epochs is None
                                        or epoch + 1 < self.num_epochs)
            history["stop_reason"] = reason if history["stopped_early"] else None
            return True
        return False


def run_in_turn(engines) -> list[dict]:
    """Run engines epoch by epoch in turn -- epoch 1 of each, then epoch 2 of each, ... -- and return their histories.

    Their histories grow together, so a comparison (a pretrained network beside the same
    network from random weights) can be watched as it forms instead of one curve after the
    other. An engine whose training ends drops out; the others go on.
    """
    engines = list(engines)
    running = [engine.epochs() for engine in engines]
    while running:
        running = [steps for steps in running if next(steps, None) is not None]
    return [engine.history for engine in engines]


def _readable(name: str) -> str:
    """A metric's name for a message: ``reconstruction_cost`` -> ``reconstruction cost``."""
    return name.replace("_pct", " (%)").replace("_", " ")


def _check_callbacks(callbacks) -> list:
    if callable(callbacks):
        callbacks = [callbacks]
    callbacks = list(callbacks or ())
    for callback in callbacks:
        if isinstance(callback, Schedule):
            raise TypeError(f"{callback!r} is a learning-rate schedule, not a callback: pass it as schedule=")
        if not callable(callback):
            raise TypeError(f"each callback must be a function callback(model, epoch, history), got {callback!r}")
    return callbacks
