"""The DBN chapter's generative targets on full MNIST: up-down test error, class-conditional samples.

    python benchmarks/dbn_mnist.py           # the shipped models' recipe
    python benchmarks/dbn_mnist.py --quick   # small layers and a few images, for CI

Runs the stages (``dbn_course.training.stages``) of the shipped models' recipe
(``dbn_course.training.recipe.SHIPPED``: 784-500-500-2000 with 10 label units) and measures, in one
run on one machine (``python -m dbn_course.reproduce`` writes the models themselves):

* ``dbn_pretrain_s``: greedy pretraining, ten CD-1 epochs per layer;
  ``dbn_pretrained_generative_test_error_pct``: the generative model's test error right
  after it (free energies of the labels at the top);
* ``dbn_updown_test_error_pct`` and ``dbn_updown_s``: the generative model after up-down
  fine-tuning for the recipe's minutes (``dbn_updown_epochs`` epochs), its test error
  after each epoch in ``updown_curve``;
* ``dbn_top_level_pcd_s`` and ``dbn_top_level_pcd_test_error_pct``: a copy of the
  up-down DBN after persistent CD at its top level (the recipe's ``top_level_pcd``);
* ``dbn_conditional_sample_accuracy_pct``: of 100 digits generated per class by that
  refined DBN (1,000 Gibbs steps at the top, then a down pass), the share the shipped
  classifier assigns to the clamped class; ``dbn_updown_conditional_sample_accuracy_pct``
  the same for the DBN before refinement.

``benchmarks/dbn_backprop.py`` measures the classifier fine-tuned from the same
pretraining, and ``benchmarks/dbn_sampling.py`` the last two stages alone, from the
shipped up-down DBN, in a few minutes.
"""

from __future__ import annotations

import time

import common

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import data, evaluation, pretrained
from dbn_course.reproduce import mnist_arrays
from dbn_course.training import recipe, stages


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    plan = recipe.quick() if args.quick else recipe.SHIPPED
    images, labels, test_images, test_labels = mnist_arrays(args.quick)
    test = (test_images, test_labels)
    progress = not args.quick

    pretraining = stages.pretrained_dbn(images, labels, plan, progress=progress)
    dbn, pretrain_s = pretraining.model, pretraining.seconds
    pretrained_error = dbn.error_pct(*test)
    print(f"pretrained in {pretrain_s:.0f} s; generative test error {pretrained_error:.2f}%", flush=True)

    history = stages.up_down_dbn(images, labels, plan, start=dbn, progress=progress, test=test).history
    curve = {"epochs": list(range(1, len(history["epoch_seconds"]) + 1)), "top_gibbs_steps": history["top_gibbs_steps"],
             "seconds": history["seconds"], "train_error_pct": history["train_error_pct"],
             "test_error_pct": history["monitor_error_pct"]}
    updown_s = curve["seconds"][-1] if curve["seconds"] else 0.0
    updown_error = dbn.error_pct(*test)
    print(f"up-down: {updown_error:.2f}% after {len(curve['epochs'])} epochs, {updown_s:.0f} s", flush=True)

    refinement = stages.refined_dbn(images, labels, plan, start=dbn, progress=progress)
    refined, refine_s = refinement.model, refinement.seconds
    refined_error = refined.error_pct(*test)
    print(f"top level refined by PCD in {refine_s:.0f} s: {refined_error:.2f}%", flush=True)

    sampling = {"per_class": 10 if args.quick else 100, "gibbs_steps": 50 if args.quick else 1000}
    updown_reading = evaluation.conditional_sample_accuracy(dbn, pretrained.classify, **sampling)
    start = time.perf_counter()
    reading = evaluation.conditional_sample_accuracy(refined, pretrained.classify, **sampling)
    sampling_s = time.perf_counter() - start
    sample_accuracy = reading.accuracy_pct
    print(f"conditional samples classified as their class: {updown_reading.accuracy_pct:.1f}% after up-down, "
          f"{sample_accuracy:.1f}% after top-level PCD", flush=True)

    figures = {
        "dbn_pretrain_s": pretrain_s,
        "dbn_pretrained_generative_test_error_pct": pretrained_error,
        "dbn_updown_test_error_pct": updown_error,
        "dbn_updown_s": updown_s,
        "dbn_updown_epochs": len(curve["epochs"]),
        "updown_curve": curve,
        "dbn_top_level_pcd_s": refine_s,
        "dbn_top_level_pcd_test_error_pct": refined_error,
        "dbn_updown_conditional_sample_accuracy_pct": updown_reading.accuracy_pct,
        "dbn_conditional_sample_accuracy_pct": sample_accuracy,
        "dbn_conditional_sample_accuracy_per_class_pct": reading.per_class_pct,
        "dbn_conditional_samples": int(len(reading.labels)),
        "dbn_sampling_s": sampling_s,
        "train_examples": int(len(labels)),
        "test_examples": int(len(test_labels)),
        "data": data.current_source().describe(),
    }
    common.write_results("dbn_mnist", figures, args)


if __name__ == "__main__":
    main()
