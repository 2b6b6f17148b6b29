"""Train the shipped models again by the course's recipe, and write them: the one writer of ``pretrained/``.

    python -m dbn_course.reproduce --out FOLDER            # full MNIST (DBN_COURSE_MNIST_DIR), about 40 minutes
    python -m dbn_course.reproduce --out FOLDER --quick    # the shrunken recipe on a few images (a smoke test)
    python -m dbn_course.reproduce --out FOLDER --parts generative   # only the DBN and its refined top level

The recipe (:data:`~dbn_course.training.recipe.SHIPPED`) follows Hinton, Osindero and Teh (2006)
in its architecture (784-500-500-2000 with 10 label units at the top) and in the shape of
its up-down schedule (3, then 6, then 10 top-level Gibbs steps), but fits a 2-core CPU:
ten CD-1 epochs per layer instead of thirty, and up-down fine-tuning for a fixed number of
minutes instead of days. The backprop classifier is fine-tuned from the pretrained DBN
with SGD, momentum and dropout (Srivastava et al., 2014). The stages are
:mod:`dbn_course.training.stages`'; the benchmarks run the same stages and only measure.

Writes ``mnist_dbn.npz`` (the DBN after up-down), ``mnist_dbn_top_level_pcd.npz`` (its
top level after persistent CD), ``mnist_classifier.npz`` and ``metadata.json`` (the
recipe, the data, the times, and the test errors and sample accuracies measured with
the saved float16 weights). :func:`dbn_course.pretrained.load_dbn` loads them from
``folder=``; copying them into ``dbn_course/pretrained/`` ships them.
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections import Counter
from pathlib import Path

from dbn_course import classifier, data, evaluation
from dbn_course.pretrained import (
    CLASSIFIER_FILE,
    DBN_FILE,
    FOLDER,
    METADATA_FILE,
    TOP_LEVEL_FILE,
    load_classifier,
    load_dbn,
)
from dbn_course.saving import save_float16, save_top_level
from dbn_course.training import recipe, stages

PARTS = ("classifier", "generative")


def mnist_arrays(quick: bool = False):
    """``(images, labels, test_images, test_labels)`` with flat images, as the recipe trains on them.

    ``quick``: the first 2,000 training and 500 test images only (smoke tests and CI).
    """
    images, labels = data.load_arrays("train")
    test_images, test_labels = data.load_arrays("test")
    if quick:
        images, labels, test_images, test_labels = images[:2000], labels[:2000], test_images[:500], test_labels[:500]
    return images.reshape(len(images), -1), labels, test_images.reshape(len(test_images), -1), test_labels


def sample_accuracies(dbns: dict, folder: Path, quick: bool) -> dict:
    """For each DBN, the share (%) of 100 generated digits a class (1,000 top-level sweeps) read as their class.

    The reader is the classifier in ``folder`` when there is one, else the shipped one.
    """
    model = load_classifier(folder if (folder / CLASSIFIER_FILE.name).exists() else FOLDER)

    def classify(images):
        return classifier.predict_labels(model, images)

    sampling = {"per_class": 10, "gibbs_steps": 50} if quick else {"per_class": 100, "gibbs_steps": 1000}
    return {name: evaluation.conditional_sample_accuracy(dbn, classify, **sampling).accuracy_pct
            for name, dbn in dbns.items()}


def write_classifier(model, test_images, test_labels, plan: recipe.Recipe, facts: dict, folder: Path) -> dict:
    """Save the backprop-fine-tuned classifier as float16, and its part of ``metadata.json``."""
    _check_recipe(folder, plan)
    folder.mkdir(parents=True, exist_ok=True)
    save_float16(model, folder / CLASSIFIER_FILE.name)
    saved = load_classifier(folder)
    return _update_metadata(folder, plan, {"classifier_test_error_pct": classifier.error_pct(saved, test_images,
                                                                                                test_labels),
                                           "test_examples": int(len(test_labels)), **facts})


def write_generative(dbn, refined, test_images, test_labels, plan: recipe.Recipe, facts: dict, folder: Path,
                     quick: bool = False) -> dict:
    """Save the up-down DBN and the refined top level as float16, and their part of ``metadata.json``."""
    _check_recipe(folder, plan)
    folder.mkdir(parents=True, exist_ok=True)
    save_float16(dbn, folder / DBN_FILE.name)
    save_top_level(refined, folder / TOP_LEVEL_FILE.name)
    up_down, pcd = load_dbn("up_down", folder), load_dbn("pcd", folder)
    accuracies = sample_accuracies({"updown_conditional_sample_accuracy_pct": up_down,
                                    "conditional_sample_accuracy_pct": pcd}, folder, quick)
    figures = {
        "dbn_updown_test_error_pct": up_down.error_pct(test_images, test_labels),
        "dbn_top_level_pcd_test_error_pct": pcd.error_pct(test_images, test_labels),
        **accuracies,
        "test_examples": int(len(test_labels)),
        **facts,
    }
    return _update_metadata(folder, plan, figures)


def _read_metadata(folder: Path) -> dict:
    path = folder / METADATA_FILE.name
    return json.loads(path.read_text()) if path.exists() else {}


def _check_recipe(folder: Path, plan: recipe.Recipe) -> None:
    """ValueError, before anything is written, if ``folder`` holds models of another recipe."""
    if _read_metadata(folder).get("recipe", plan.to_dict()) != plan.to_dict():
        raise ValueError(f"{folder / METADATA_FILE.name} records another recipe: write every part of a folder by "
                         "the same recipe, or write to another folder")


def _update_metadata(folder: Path, plan: recipe.Recipe, figures: dict) -> dict:
    """Merge into ``metadata.json``: the generative models and the classifier may be written by separate runs."""
    path = folder / METADATA_FILE.name
    metadata = _read_metadata(folder)
    metadata.update({"date": datetime.date.today().isoformat(), "recipe": plan.to_dict(), **figures})
    path.write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


def reproduce(folder: Path, parts=PARTS, quick: bool = False, progress: bool = True) -> dict:
    """Train by the recipe (:func:`~dbn_course.training.recipe.quick` with ``quick``); write ``parts`` to ``folder``."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    folder = Path(folder)
    plan = recipe.quick() if quick else recipe.SHIPPED
    images, labels, test_images, test_labels = mnist_arrays(quick)
    pretrained = stages.pretrained_dbn(images, labels, plan, progress=progress)
    facts = {"data": data.current_source().describe(), "pretraining_s": pretrained.seconds}
    metadata = {}
    if "classifier" in parts:
        tuned = stages.fine_tuned_classifier(images, labels, plan, start=pretrained.model, progress=progress)
        metadata = write_classifier(tuned.model, test_images, test_labels, plan,
                                    {**facts, "backprop_s": float(sum(tuned.history["epoch_seconds"]))}, folder)
    if "generative" in parts:
        up_down = stages.up_down_dbn(images, labels, plan, start=pretrained.model, progress=progress)
        refined = stages.refined_dbn(images, labels, plan, start=up_down.model, progress=progress)
        steps = up_down.history["top_gibbs_steps"]
        metadata = write_generative(up_down.model, refined.model, test_images, test_labels, plan, {
            **facts, "up_down_s": up_down.seconds, "up_down_epochs": len(steps),
            "up_down_epochs_per_stage": {str(k): n for k, n in sorted(Counter(steps).items())},
            "top_level_pcd_s": refined.seconds}, folder, quick)
    return metadata


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the .npz files and metadata.json")
    parser.add_argument("--quick", action="store_true", help="the shrunken recipe on a few images (a smoke test)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="which models to train and write (default: all)")
    args = parser.parse_args(argv)
    print(json.dumps(reproduce(args.out, args.parts, args.quick), indent=2))


if __name__ == "__main__":
    main()
