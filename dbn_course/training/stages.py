"""The stages of a DBN's training by a :class:`~dbn_course.training.recipe.Recipe`, each with caching as an option.

=================================  ===================================================
:func:`pretrained_dbn`             greedy layer-wise pretraining (chapter 04)
:func:`up_down_dbn`                up-down fine-tuning of the pretrained DBN (chapter 05)
:func:`refined_dbn`                persistent CD at the top level (chapter 05)
:func:`fine_tuned_classifier`      backpropagation from the DBN or from random weights (chapter 06)
=================================  ===================================================

Each returns a :class:`Trained`. With ``cache=True`` a stage first looks for the model
its recipe and data train in the model cache (:func:`cached_model`) and trains and saves
it only when it is absent, so the chapters that share a model train it once. The shipped
models' writer (:mod:`dbn_course.reproduce`) and the benchmarks run the same stages
without the cache.

The cache: a notebook that trains a DBN for minutes should not make its reader wait
again. The first run saves the model and its training history; a second run with the same
configuration (recipe, data, package version) loads them in a second. Any change of
configuration gives a new key, so a stale model is never used. Where:
``$DBN_COURSE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/dbn-course``, else
``~/.cache/dbn-course``. Delete the folder to clear it; ``DBN_COURSE_CACHE=0`` turns
caching off.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

import dbn_course
from dbn_course import classifier, data, training
from dbn_course.saving import load_model, save_model
from dbn_course.training import backprop
from dbn_course.training.recipe import SHIPPED, Recipe, make_dbn


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
        model, history, from_cache = cached_model(kind, config, train)
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
    settings = recipe.pretraining

    def train():
        dbn = make_dbn(settings.hidden_units, number_visible_units=settings.number_visible_units,
                       number_label_units=settings.number_label_units, num_epochs=settings.num_epochs,
                       batch_size=settings.batch_size, seed=recipe.seed, **settings.rbm_settings())
        return dbn, dbn.pretrain(images, labels, progress=progress)

    if not cache:
        return _run(train)
    return _run(train, "dbn-pretrained", {**_parts(recipe, "pretraining"),
                                          "data": fingerprint(images, labels)})


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
                                      "data": fingerprint(images, labels),
                                      "test": None if test is None else fingerprint(*test)})


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
        :func:`~dbn_course.training.backprop.fine_tune`'s history.
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
        history = backprop.fine_tune(model, images, labels, num_epochs=settings.num_epochs,
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
                                                "data": fingerprint(images, labels),
                                                "test": None if test is None else fingerprint(*test)})


# ---------------------------------------------------------------------- the model cache

CACHE_DIR_ENV = "DBN_COURSE_CACHE_DIR"
CACHE_SWITCH_ENV = "DBN_COURSE_CACHE"


def cache_dir() -> Path:
    """The folder holding cached models (not created until something is saved)."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dbn-course"


def enabled() -> bool:
    """False when ``DBN_COURSE_CACHE=0``."""
    return os.environ.get(CACHE_SWITCH_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def cache_key(kind: str, config: dict) -> str:
    """A short hash of the kind of model, its configuration, the package version and the MNIST copy used."""
    source = data.current_source()
    description = {
        "kind": kind,
        "config": config,
        "version": dbn_course.__version__,
        "data": None if source is None else source.describe(),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_model(kind: str, config: dict, train: Callable[[], tuple[Any, Any]]) -> tuple[Any, Any, bool]:
    """Load the model trained with ``config`` from the cache, or train and save it.

    Args:
        kind: a name for the kind of model, e.g. ``"dbn-pretrained"``; part of the key and
            of the file name.
        config: everything that determines the trained model (JSON-serialisable).
        train: trains the model; returns ``(model, history)`` with a JSON-serialisable
            history.

    Returns:
        ``(model, history, from_cache)``.
    """
    key = cache_key(kind, config)
    folder = cache_dir()
    model_path, history_path = folder / f"{kind}-{key}.keras", folder / f"{kind}-{key}.json"
    if enabled() and model_path.exists() and history_path.exists():
        try:
            model = load_model(model_path)
            history = json.loads(history_path.read_text())["history"]
            return model, history, True
        except (OSError, ValueError, KeyError) as exc:  # a damaged entry: retrain and overwrite it
            warnings.warn(f"ignoring the damaged cache entry {model_path.name}: {exc}", stacklevel=2)
    model, history = train()
    if enabled():
        folder.mkdir(parents=True, exist_ok=True)
        save_model(model, model_path)
        history_path.write_text(json.dumps({"kind": kind, "config": config, "history": history}, default=float))
    return model, history, False


def fingerprint(*arrays) -> str:
    """A short hash of the arrays' contents, so a cache key changes when the training data do."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.shape, array.dtype.str)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]

