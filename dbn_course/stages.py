"""The stages of a DBN's training by a :class:`~dbn_course.recipe.Recipe`, each with caching as an option.

=================================  ===================================================
:func:`pretrained_dbn`             greedy layer-wise pretraining (chapter 04)
:func:`up_down_dbn`                up-down fine-tuning of the pretrained DBN (chapter 05)
:func:`refined_dbn`                persistent CD at the top level (chapter 05)
:func:`fine_tuned_classifier`      backpropagation from the DBN or from random weights (chapter 06)
=================================  ===================================================

Each returns a :class:`Trained`. With ``cache=True`` a stage first looks for the model
its recipe and data train in the model cache (:mod:`dbn_course.cache`) and trains and
saves it only when it is absent, so the chapters that share a model train it once. The
shipped models' writer (:mod:`dbn_course.reproduce`) and the benchmarks run the same
stages without the cache.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from . import cache as model_cache
from . import classifier, training
from .recipe import SHIPPED, Recipe


class Trained(NamedTuple):
    """What a stage returns: the model, its training history, the seconds this call took, and whether it was cached."""

    model: Any
    history: Any
    seconds: float
    from_cache: bool


def _run(train, kind: str | None = None, config: dict | None = None) -> Trained:
    """``train()`` timed; with a ``kind`` and ``config``, through the model cache under that key."""
    start = time.perf_counter()
    if kind is not None:
        model, history, from_cache = model_cache.cached_model(kind, config, train)
    else:
        (model, history), from_cache = train(), False
    return Trained(model, history, time.perf_counter() - start, from_cache)


def _parts(recipe: Recipe, *names: str) -> dict:
    values = recipe.to_dict()
    return {name: values[name] for name in (*names, "seed")}


def pretrained_dbn(images, labels, recipe: Recipe = SHIPPED, *, cache: bool = False, progress: bool = True) -> Trained:
    """A labelled DBN built and greedily pretrained by ``recipe.pretraining`` (:meth:`~dbn_course.dbn.DBN.pretrain`).

    Returns:
        A :class:`Trained` whose history is the list of the layers' histories.
    """
    from .dbn import make_dbn

    settings = recipe.pretraining

    def train():
        dbn = make_dbn(settings.hidden_units, number_visible_units=settings.number_visible_units,
                       number_label_units=settings.number_label_units, num_epochs=settings.num_epochs,
                       batch_size=settings.batch_size, seed=recipe.seed, **settings.rbm_settings())
        return dbn, dbn.pretrain(images, labels, progress=progress)

    if not cache:
        return _run(train)
    return _run(train, "dbn-pretrained", {**_parts(recipe, "pretraining"),
                                          "data": model_cache.fingerprint(images, labels)})


def up_down_dbn(images, labels, recipe: Recipe = SHIPPED, *, start=None, cache: bool = False, test=None,
                progress: bool = True) -> Trained:
    """Up-down fine-tuning by ``recipe.up_down``, in stages of top-level Gibbs steps.

    Args:
        images, labels: the training data.
        recipe: its ``up_down`` part sets the run; without ``start``, its ``pretraining``
            part trains (or, with ``cache``, loads) the DBN to start from, which is left
            as it is: the fine-tuned DBN is a copy.
        start: a pretrained DBN to fine-tune in place (not with ``cache``).
        cache: keep the fine-tuned DBN in the model cache.
        test: optional ``(images, labels)`` whose error is measured after every epoch
            (``monitor_error_pct`` in the history).

    Returns:
        A :class:`Trained` whose history joins the stages' :meth:`~dbn_course.dbn.DBN.up_down`
        histories (:func:`~dbn_course.training.join_histories`), with each epoch's
        ``top_gibbs_steps`` and ``seconds`` since the start.
    """
    if start is not None and cache:
        raise ValueError("cache=True fine-tunes the recipe's own pretrained DBN: pass start only without the cache")
    settings = recipe.up_down

    def train():
        model = start
        if model is None:
            model = pretrained_dbn(images, labels, recipe, cache=cache, progress=progress).model
            if cache:
                model = model.clone()  # the pretrained model stays as the cache holds it
        return model, _staged_up_down(model, images, labels, settings, test, progress)

    if not cache:
        return _run(train)
    return _run(train, "dbn-updown", {**_parts(recipe, "pretraining", "up_down"),
                                      "data": model_cache.fingerprint(images, labels),
                                      "test": None if test is None else model_cache.fingerprint(*test)})


def _staged_up_down(dbn, images, labels, settings, test, progress: bool) -> dict:
    """Up-down in ``len(settings.top_gibbs_steps)`` stages, each with an equal share of the epochs and minutes."""
    stages = settings.top_gibbs_steps
    start = time.perf_counter()
    histories, steps_per_epoch, seconds = [], [], []
    for index, steps in enumerate(stages):
        stage_end = None if settings.minutes is None else start + 60.0 * settings.minutes * (index + 1) / len(stages)
        epochs = None if settings.num_epochs is None else (
            settings.num_epochs * (index + 1) // len(stages) - settings.num_epochs * index // len(stages))
        if epochs == 0 or (stage_end is not None and time.perf_counter() >= stage_end):
            continue

        def clock(model, epoch, history, stage_end=stage_end):
            seconds.append(time.perf_counter() - start)
            return stage_end is not None and time.perf_counter() >= stage_end

        history = dbn.up_down(images, labels, num_epochs=epochs, learning_rate=settings.learning_rate,
                              top_gibbs_steps=steps, batch_size=settings.batch_size, progress=progress,
                              monitor=test, callbacks=[clock])
        histories.append(history)
        steps_per_epoch += [steps] * len(history["epoch_seconds"])
    joined = training.join_histories(histories, ["reconstruction_cost", "train_error_pct"]
                                     + (["monitor_error_pct"] if test is not None else []))
    return {**joined, "top_gibbs_steps": steps_per_epoch, "seconds": seconds}


def refined_dbn(images, labels, recipe: Recipe = SHIPPED, *, start, progress: bool = True) -> Trained:
    """A copy of ``start`` whose top level had persistent CD by ``recipe.top_level_pcd``.

    See :meth:`~dbn_course.dbn.DBN.refine_top_level`; the lower layers do not change.
    """
    settings = recipe.top_level_pcd

    def train():
        model = start.clone()
        return model, model.refine_top_level(images, labels, num_epochs=settings.num_epochs,
                                             learning_rate=settings.learning_rate, cd_steps=settings.cd_steps,
                                             progress=progress)

    return _run(train)


START_FROM = ("pretrained", "random")


def fine_tuned_classifier(images, labels, recipe: Recipe = SHIPPED, *, start="pretrained", test=None,
                          test_every: int = 1, cache: bool = False, progress: bool = True) -> Trained:
    """A 784-...-10 classifier trained by backpropagation by ``recipe.backprop``.

    Args:
        images, labels: training data.
        recipe: its ``backprop`` part sets the run; its ``pretraining`` part the layers
            (and, from ``"pretrained"``, the DBN whose weights start it).
        start: ``"pretrained"`` (the weights of :func:`pretrained_dbn` by ``recipe``,
            cached with ``cache``), ``"random"`` (the same architecture, Glorot-initialised)
            or a pretrained :class:`~dbn_course.dbn.DBN` (not with ``cache``).
        test: optional ``(images, labels)`` measured after every ``test_every`` epochs and
            after the last (``test_error_pct`` in the history).
        cache: keep the classifier and its history in the model cache.

    Returns:
        A :class:`Trained` with the Keras classifier and
        :func:`~dbn_course.classifier.fine_tune`'s history.
    """
    if isinstance(start, str) and start not in START_FROM:
        raise ValueError(f"start must be one of {START_FROM} or a DBN, got {start!r}")
    if not isinstance(start, str) and cache:
        raise ValueError("cache=True starts from the recipe's own pretrained DBN: pass a DBN only without the cache")
    settings = recipe.backprop
    dropout = dict(dropout=settings.dropout, input_dropout=settings.input_dropout, seed=recipe.seed)

    def train():
        if start == "random":
            model = classifier.classifier_network(recipe.pretraining.layer_sizes,
                                                  recipe.pretraining.number_label_units, **dropout)
        else:
            dbn = start if not isinstance(start, str) else pretrained_dbn(images, labels, recipe, cache=cache,
                                                                          progress=progress).model
            model = dbn.to_classifier(**dropout)
        schedule = (training.cosine_decay(settings.learning_rate, settings.num_epochs)
                    if settings.schedule == "cosine" else None)
        history = classifier.fine_tune(model, images, labels, num_epochs=settings.num_epochs,
                                       learning_rate=settings.learning_rate, momentum=settings.momentum,
                                       optimizer=settings.optimizer, batch_size=settings.batch_size,
                                       schedule=schedule, test=test, test_every=test_every, seed=recipe.seed,
                                       progress=progress)
        return model, history

    if not cache:
        return _run(train)
    parts = _parts(recipe, "pretraining", "backprop")
    if start == "random":  # only the layers matter
        parts["pretraining"] = {key: parts["pretraining"][key] for key in ("hidden_units", "number_visible_units",
                                                                           "number_label_units")}
    return _run(train, f"classifier-{start}", {"start": start, **parts, "test_every": test_every,
                                                "data": model_cache.fingerprint(images, labels),
                                                "test": None if test is None else model_cache.fingerprint(*test)})

