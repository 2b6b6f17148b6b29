"""Train the shipped models again: the recipe behind ``mnist_dbn.npz`` and ``mnist_classifier.npz``.

    python -m dbn_course.pretrained.reproduce --out FOLDER   # full MNIST (DBN_COURSE_MNIST_DIR)

The recipe (:data:`RECIPE`) follows Hinton, Osindero and Teh (2006) in its architecture
(784-500-500-2000 with 10 label units at the top) and in the shape of its up-down
schedule (3, then 6, then 10 top-level Gibbs steps), but fits a 2-core CPU: ten CD-1
epochs per layer instead of thirty, and up-down fine-tuning for a fixed number of
minutes instead of days. The backprop classifier is fine-tuned from the pretrained DBN
with SGD, momentum and dropout (Srivastava et al., 2014). ``benchmarks/dbn_mnist.py``
(the generative models) and ``benchmarks/dbn_backprop.py`` (the classifier, against its
baselines) run the same functions and measure them.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import time
from pathlib import Path

import keras

from .. import classifier, training
from ..dbn import DBN
from . import CLASSIFIER_FILE, DBN_FILE, FOLDER, METADATA_FILE, TOP_LEVEL_FILE, load_float16, save_float16

RECIPE = {
    "layer_sizes": [784, 500, 500, 2000],
    "label_units": 10,
    "seed": 0,
    "pretraining": {"epochs": 10, "batch_size": 100, "learning_rate": 0.05, "momentum": 0.5, "weight_decay": 2e-4},
    "backprop": {"epochs": 300, "batch_size": 100, "learning_rate": 0.1, "momentum": 0.9, "dropout": 0.5,
                 "input_dropout": 0.2, "schedule": "cosine decay to 0"},
    "up_down": {"minutes": 15.0, "batch_size": 100, "learning_rate": 0.02, "top_gibbs_steps": [3, 6, 10]},
    "top_level_pcd": {"epochs": 15, "learning_rate": 0.001, "cd_steps": 1},
}


def quick_recipe() -> dict:
    """A shrunken recipe for tests and CI: small layers, one epoch each, seconds of up-down."""
    recipe = copy.deepcopy(RECIPE)
    recipe["layer_sizes"] = [784, 64, 64, 128]
    recipe["pretraining"]["epochs"] = 1
    recipe["backprop"]["epochs"] = 1
    recipe["up_down"]["minutes"] = 0.05
    recipe["top_level_pcd"]["epochs"] = 1
    return recipe


def pretrain(images, labels, recipe: dict = RECIPE, progress: bool = True) -> tuple[DBN, list, float]:
    """Greedy layer-wise pretraining by the recipe; returns the DBN, its histories and the seconds taken."""
    settings = recipe["pretraining"]
    sizes = recipe["layer_sizes"]
    rbm_args = {key: settings[key] for key in ("learning_rate", "momentum", "weight_decay")}
    params = [dict(number_visible_units=sizes[0], number_hidden_units=sizes[1], **rbm_args)]
    params += [dict(number_hidden_units=n, **rbm_args) for n in sizes[2:]]
    dbn = DBN(params, num_epochs=settings["epochs"], batch_size=settings["batch_size"],
              number_label_units=recipe["label_units"], seed=recipe["seed"])
    start = time.perf_counter()
    histories = dbn.pretrain(images, labels, progress=progress)
    return dbn, histories, time.perf_counter() - start


def backprop(model: keras.Model, images, labels, recipe: dict = RECIPE, optimizer: str = "sgd",
             progress: bool = True, test=None, test_every: int = 10) -> tuple[dict, float]:
    """Fine-tune (or train) a classifier with the recipe's budget; returns its history and the seconds.

    ``optimizer`` is ``"sgd"`` (the recipe's SGD with momentum and cosine decay) or
    ``"adam"`` (Adam, learning rate 1e-3 with the same decay: the modern baseline); the
    rate falls epoch by epoch (:func:`~dbn_course.training.cosine_decay`). The history is
    :func:`~dbn_course.classifier.fine_tune`'s: with ``test`` = (images, labels), its
    ``test_error_pct`` is measured every ``test_every`` epochs and after the last
    (``None`` between), and the seconds count the updates only, not those measurements.
    """
    settings = recipe["backprop"]
    epochs = settings["epochs"]
    rate = settings["learning_rate"] if optimizer == "sgd" else 1e-3
    history = classifier.fine_tune(model, images, labels, epochs=epochs, learning_rate=rate,
                                   momentum=settings["momentum"], optimizer=optimizer,
                                   batch_size=settings["batch_size"], schedule=training.cosine_decay(rate, epochs),
                                   test=test, test_every=test_every, seed=recipe["seed"], progress=progress)
    return history, float(sum(history["epoch_seconds"]))


def up_down(dbn: DBN, images, labels, recipe: dict = RECIPE, progress: bool = True, test=None) -> dict:
    """Up-down fine-tuning for the recipe's minutes, a third of them at each number of top-level Gibbs steps.

    Epochs run whole: each stage starts epochs while its share of the time remains.
    Returns the stages' :meth:`~dbn_course.dbn.DBN.up_down` histories joined
    (:func:`~dbn_course.training.join_histories`), with each epoch's ``top_gibbs_steps``
    and ``seconds`` since the start; its ``monitor_error_pct`` is the test error when
    ``test`` = (images, labels) is given.
    """
    settings = recipe["up_down"]
    stages = settings["top_gibbs_steps"]
    share = 60.0 * settings["minutes"] / len(stages)
    start = time.perf_counter()
    histories, steps_per_epoch, seconds = [], [], []

    def clock(model, epoch, history):
        seconds.append(time.perf_counter() - start)
        return time.perf_counter() >= stage_end

    for index, steps in enumerate(stages):
        stage_end = start + share * (index + 1)
        if time.perf_counter() >= stage_end:
            continue
        history = dbn.up_down(images, labels, num_epochs=None, learning_rate=settings["learning_rate"],
                              top_gibbs_steps=steps, batch_size=settings["batch_size"], progress=progress,
                              monitor=test, callbacks=[clock])
        histories.append(history)
        steps_per_epoch += [steps] * len(history["epoch_seconds"])
    joined = training.join_histories(histories, ["reconstruction_cost", "train_error_pct"]
                                     + (["monitor_error_pct"] if test is not None else []))
    return {**joined, "top_gibbs_steps": steps_per_epoch, "seconds": seconds}


def refine_top_level(dbn: DBN, images, labels, recipe: dict = RECIPE, progress: bool = True) -> float:
    """Persistent CD for the top level, by the recipe (see :meth:`DBN.refine_top_level`); returns the seconds."""
    settings = recipe["top_level_pcd"]
    start = time.perf_counter()
    dbn.refine_top_level(images, labels, num_epochs=settings["epochs"], learning_rate=settings["learning_rate"],
                         cd_steps=settings["cd_steps"], progress=progress)
    return time.perf_counter() - start


def write_generative(dbn: DBN, refined: DBN, test_images, test_labels, recipe: dict, facts: dict,
                     folder: Path = FOLDER) -> dict:
    """Save the up-down DBN and the refined top level as float16, and their part of ``metadata.json``.

    ``refined`` is ``dbn`` after :func:`refine_top_level` (only its top level is saved).
    The test errors in the metadata are measured with the saved float16 weights.
    """
    from . import load_dbn, save_top_level

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_float16(dbn, folder / DBN_FILE.name)
    save_top_level(refined, folder / TOP_LEVEL_FILE.name)
    figures = {
        "dbn_updown_test_error_pct": load_dbn("up_down", folder).error_pct(test_images, test_labels),
        "dbn_top_level_pcd_test_error_pct": load_dbn("pcd", folder).error_pct(test_images, test_labels),
        "test_examples": int(len(test_labels)),
        **facts,
    }
    parts = {key: value for key, value in recipe.items() if key != "backprop"}
    return _update_metadata(folder, parts, figures)


def write_classifier(model: keras.Model, test_images, test_labels, recipe: dict, facts: dict,
                     folder: Path = FOLDER) -> dict:
    """Save the backprop-fine-tuned classifier as float16, and its part of ``metadata.json``.

    Its test error in the metadata is measured with the saved float16 weights.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / CLASSIFIER_FILE.name
    save_float16(model, model_path)
    figures = {"classifier_test_error_pct": classifier.error_pct(load_float16(model_path), test_images, test_labels),
               "test_examples": int(len(test_labels)), **facts}
    parts = {key: recipe[key] for key in ("layer_sizes", "label_units", "seed", "pretraining", "backprop")}
    return _update_metadata(folder, parts, figures)


def _update_metadata(folder: Path, recipe_parts: dict, figures: dict) -> dict:
    """Merge into ``metadata.json``: the generative models and the classifier are written by separate runs."""
    path = folder / METADATA_FILE.name
    metadata = json.loads(path.read_text()) if path.exists() else {}
    metadata["date"] = datetime.date.today().isoformat()
    metadata["recipe"] = {**metadata.get("recipe", {}), **recipe_parts}
    metadata.update(figures)
    path.write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


def mnist_arrays(quick: bool = False):
    """``(images, labels, test_images, test_labels)`` with flat images, as the recipe trains on them.

    ``quick``: the first 2,000 training and 500 test images only (smoke tests and CI).
    """
    from .. import data

    images, labels = data.load_arrays("train")
    test_images, test_labels = data.load_arrays("test")
    if quick:
        images, labels, test_images, test_labels = images[:2000], labels[:2000], test_images[:500], test_labels[:500]
    return images.reshape(len(images), -1), labels, test_images.reshape(len(test_images), -1), test_labels


def main() -> None:
    from .. import data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the .npz files and metadata.json")
    parser.add_argument("--quick", action="store_true", help="the shrunken recipe on a few images (a smoke test)")
    args = parser.parse_args()
    recipe = quick_recipe() if args.quick else RECIPE
    images, labels, test_images, test_labels = mnist_arrays(args.quick)
    dbn, _, pretrain_s = pretrain(images, labels, recipe)
    model = dbn.to_classifier(dropout=recipe["backprop"]["dropout"],
                              input_dropout=recipe["backprop"]["input_dropout"], seed=recipe["seed"])
    _, backprop_s = backprop(model, images, labels, recipe)
    up_down_record = up_down(dbn, images, labels, recipe)
    refined = dbn.clone()
    refine_s = refine_top_level(refined, images, labels, recipe)
    source = data.current_source().describe()
    write_classifier(model, test_images, test_labels, recipe, {"data": source, "backprop_s": backprop_s}, args.out)
    facts = {"data": source, "pretraining_s": pretrain_s, "top_level_pcd_s": refine_s,
             "up_down_epochs": len(up_down_record["epoch_seconds"])}
    print(json.dumps(write_generative(dbn, refined, test_images, test_labels, recipe, facts, args.out), indent=2))


if __name__ == "__main__":
    main()
