"""The DBN chapter's classification target: backprop fine-tuning from the DBN, against random initialisation.

    python benchmarks/dbn_backprop.py           # the shipped classifier's recipe
    python benchmarks/dbn_backprop.py --quick   # small layers and a few images, for CI

Runs the stages (``dbn_course.training.stages``) of the shipped models' recipe
(``dbn_course.training.recipe.SHIPPED``; ``python -m dbn_course.reproduce`` writes the models): greedy pretraining of the
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

import dataclasses

import common

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import classifier, data
from dbn_course.reproduce import mnist_arrays
from dbn_course.training import recipe, stages

ADAM = {"optimizer": "adam", "learning_rate": 1e-3}  # the modern baseline, with the recipe's decay


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    plan = recipe.quick() if args.quick else recipe.SHIPPED
    images, labels, test_images, test_labels = mnist_arrays(args.quick)
    test = (test_images, test_labels)
    progress = not args.quick
    settings = plan.backprop

    pretraining = stages.pretrained_dbn(images, labels, plan, progress=progress)
    pretrain_s = pretraining.seconds
    print(f"pretrained in {pretrain_s:.0f} s", flush=True)
    runs = {"dbn": (pretraining.model, plan), "random_init_sgd": ("random", plan),
            "random_init_adam": ("random", plan.replace(backprop=dataclasses.replace(settings, **ADAM)))}
    figures, curves = {"dbn_pretrain_s": pretrain_s}, {}
    for name, (start, run_plan) in runs.items():
        trained = stages.fine_tuned_classifier(images, labels, run_plan, start=start, test=test, test_every=10,
                                               progress=progress)
        history, seconds = trained.history, float(sum(trained.history["epoch_seconds"]))
        error = classifier.error_pct(trained.model, *test)
        key = "dbn_backprop" if name == "dbn" else f"dbn_{name}"
        figures.update({f"{key}_test_error_pct": error, f"{key}_s": seconds,
                        f"{key}_final_train_loss": history["loss"][-1]})
        errors = history["test_error_pct"]
        curves[name] = [[epoch + 1, error] for epoch, error in enumerate(errors) if error is not None]
        print(f"{name}: {error:.2f}% in {seconds:.0f} s", flush=True)
        del trained

    figures.update({
        "dbn_train_s": pretrain_s + figures["dbn_backprop_s"],
        "backprop_epochs": settings.num_epochs,
        "backprop_settings": plan.to_dict()["backprop"],
        "curves": curves,
        "train_examples": int(len(labels)),
        "test_examples": int(len(test_labels)),
        "data": data.current_source().describe(),
    })
    common.write_results("dbn_backprop", figures, args)


if __name__ == "__main__":
    main()
