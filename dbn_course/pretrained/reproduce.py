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
import numpy as np
from tqdm.auto import tqdm

from .. import classifier
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
    """Fine-tune (or train) a classifier with the recipe's budget; returns its Keras history and seconds.

    ``optimizer`` is ``"sgd"`` (the recipe's SGD with momentum and cosine decay) or
    ``"adam"`` (Adam, learning rate 1e-3 with the same decay: the modern baseline).
    With ``test`` = (images, labels), the history's ``"test_error_pct"`` holds
    ``[epoch, error]`` pairs every ``test_every`` epochs and after the last (the time taken
    by those measurements is not counted in the seconds).
    """
    settings = recipe["backprop"]
    epochs, batch = settings["epochs"], settings["batch_size"]
    steps = epochs * int(np.ceil(len(images) / batch))
    if optimizer == "sgd":
        schedule = keras.optimizers.schedules.CosineDecay(settings["learning_rate"], steps)
        opt = keras.optimizers.SGD(schedule, momentum=settings["momentum"])
    elif optimizer == "adam":
        opt = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps))
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    # 100 minibatches per compiled call: Python's per-step overhead is then negligible.
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=100)
    keras.utils.set_random_seed(recipe["seed"])
    inputs = classifier._as_inputs(images)
    bar = tqdm(total=epochs, disable=not progress, desc=f"backprop ({optimizer})", unit="epoch")
    curve, measuring = [], [0.0]

    def after_epoch(epoch, logs):
        bar.update(1)
        bar.set_postfix(loss=f"{logs['loss']:.4f}")
        if test is not None and ((epoch + 1) % test_every == 0 or epoch + 1 == epochs):
            start = time.perf_counter()
            curve.append([epoch + 1, classifier.error_pct(model, *test)])
            measuring[0] += time.perf_counter() - start

    start = time.perf_counter()
    with bar:
        history = model.fit(inputs, np.asarray(labels), batch_size=batch, epochs=epochs, shuffle=True, verbose=0,
                            callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=after_epoch)])
    seconds = time.perf_counter() - start - measuring[0]
    return {**history.history, "test_error_pct": curve}, seconds


def up_down(dbn: DBN, images, labels, recipe: dict = RECIPE, progress: bool = True, test=None) -> dict:
    """Up-down fine-tuning for the recipe's minutes, a third of them at each number of top-level Gibbs steps.

    Epochs run whole: each stage starts epochs while its share of the time remains.
    Returns ``{"epochs": [...], "top_gibbs_steps": [...], "seconds": [...],
    "train_error_pct": [...], "test_error_pct": [...]}`` (the test error when ``test``
    = (images, labels) is given).
    """
    settings = recipe["up_down"]
    stages = settings["top_gibbs_steps"]
    share = 60.0 * settings["minutes"] / len(stages)
    record = {"epochs": [], "top_gibbs_steps": [], "seconds": [], "train_error_pct": [], "test_error_pct": []}
    start = time.perf_counter()
    epoch = 0
    for index, steps in enumerate(stages):
        stage_end = start + share * (index + 1)
        while time.perf_counter() < stage_end:
            history = dbn.up_down(images, labels, num_epochs=1, learning_rate=settings["learning_rate"],
                                  top_gibbs_steps=steps, batch_size=settings["batch_size"], progress=progress)
            epoch += 1
            record["epochs"].append(epoch)
            record["top_gibbs_steps"].append(steps)
            record["seconds"].append(time.perf_counter() - start)
            record["train_error_pct"].append(history["train_error_pct"][-1])
            if test is not None:
                record["test_error_pct"].append(dbn.error_pct(*test))
    return record


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
             "up_down_epochs": up_down_record["epochs"][-1] if up_down_record["epochs"] else 0}
    print(json.dumps(write_generative(dbn, refined, test_images, test_labels, recipe, facts, args.out), indent=2))


if __name__ == "__main__":
    main()
