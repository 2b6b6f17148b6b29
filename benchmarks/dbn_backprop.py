"""The DBN chapter's classification target: backprop fine-tuning from the DBN, against random initialisation.

    python benchmarks/dbn_backprop.py --save-classifier   # full recipe; also writes the shipped classifier
    python benchmarks/dbn_backprop.py --quick             # small layers and a few images, for CI

Runs the recipe of ``dbn_course/pretrained/reproduce.py``: greedy pretraining of the
784-500-500-2000 DBN with 10 label units (``dbn_pretrain_s``), then the same
784-500-500-2000-10 sigmoid network with dropout (0.2 on the pixels, 0.5 on the hidden
layers) trained for the recipe's epochs three ways, only the starting weights and the
optimiser differing:

* ``dbn_backprop_test_error_pct``, ``dbn_backprop_s``: from the DBN's recognition weights
  and label weights, SGD with momentum and a cosine-decayed rate; ``dbn_train_s`` =
  pretraining + fine-tuning, the figure the 30-minute budget is about;
* ``dbn_random_init_sgd_test_error_pct``: from Glorot initialisation, the same SGD;
* ``dbn_random_init_adam_test_error_pct``: from Glorot initialisation, Adam (1e-3, the
  same decay).

The test error every ten epochs of each run is in ``curves`` (measured outside the timed
training). The recipe was fixed before these runs; the curves are for reading, not for
picking an epoch.
"""

from __future__ import annotations

import common

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import classifier, data
from dbn_course.pretrained import reproduce


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0],
                             extra=[("--save-classifier", "also write the shipped float16 classifier and metadata")])
    recipe = reproduce.quick_recipe() if args.quick else reproduce.RECIPE
    images, labels, test_images, test_labels = reproduce.mnist_arrays(args.quick)
    test = (test_images, test_labels)
    progress = not args.quick
    settings = recipe["backprop"]
    drop = {"dropout": settings["dropout"], "input_dropout": settings["input_dropout"], "seed": recipe["seed"]}

    dbn, _, pretrain_s = reproduce.pretrain(images, labels, recipe, progress=progress)
    print(f"pretrained in {pretrain_s:.0f} s", flush=True)
    fine_tuned = dbn.to_classifier(**drop)
    del dbn
    runs = {"dbn": fine_tuned,
            "random_init_sgd": classifier.classifier_network(recipe["layer_sizes"], recipe["label_units"], **drop),
            "random_init_adam": classifier.classifier_network(recipe["layer_sizes"], recipe["label_units"], **drop)}
    figures, curves = {"dbn_pretrain_s": pretrain_s}, {}
    for name, model in runs.items():
        optimizer = "adam" if name.endswith("adam") else "sgd"
        history, seconds = reproduce.backprop(model, images, labels, recipe, optimizer=optimizer,
                                              progress=progress, test=test)
        error = classifier.error_pct(model, *test)
        key = "dbn_backprop" if name == "dbn" else f"dbn_{name}"
        figures.update({f"{key}_test_error_pct": error, f"{key}_s": seconds,
                        f"{key}_final_train_loss": history["loss"][-1]})
        errors = history["test_error_pct"]
        curves[name] = [[epoch + 1, error] for epoch, error in enumerate(errors) if error is not None]
        print(f"{name}: {error:.2f}% in {seconds:.0f} s", flush=True)

    figures.update({
        "dbn_train_s": pretrain_s + figures["dbn_backprop_s"],
        "backprop_epochs": settings["epochs"],
        "backprop_settings": settings,
        "curves": curves,
        "train_examples": int(len(labels)),
        "test_examples": int(len(test_labels)),
        "data": data.current_source().describe(),
    })
    common.write_results("dbn_backprop", figures, args)
    if args.save_classifier:
        folder = args.out / "pretrained" if args.quick else reproduce.FOLDER
        facts = {"data": figures["data"], "backprop_s": figures["dbn_backprop_s"]}
        metadata = reproduce.write_classifier(fine_tuned, test_images, test_labels, recipe, facts, folder)
        print(f"saved the float16 classifier: {metadata['classifier_test_error_pct']:.2f}%")


if __name__ == "__main__":
    main()
