"""The DBN chapter's generative targets on full MNIST: up-down test error, class-conditional samples.

    python benchmarks/dbn_mnist.py --save-pretrained   # full recipe; also writes the shipped DBN
    python benchmarks/dbn_mnist.py --quick            # small layers and a few images, for CI

Runs the recipe of ``dbn_course/pretrained/reproduce.py`` (784-500-500-2000 with 10 label
units) and measures, in one run on one machine:

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
from dbn_course.pretrained import reproduce


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0],
                             extra=[("--save-pretrained", "also write the shipped float16 weights and metadata")])
    recipe = reproduce.quick_recipe() if args.quick else reproduce.RECIPE
    images, labels, test_images, test_labels = reproduce.mnist_arrays(args.quick)
    test = (test_images, test_labels)
    progress = not args.quick

    dbn, _, pretrain_s = reproduce.pretrain(images, labels, recipe, progress=progress)
    pretrained_error = dbn.error_pct(*test)
    print(f"pretrained in {pretrain_s:.0f} s; generative test error {pretrained_error:.2f}%", flush=True)

    history = reproduce.up_down(dbn, images, labels, recipe, progress=progress, test=test)
    curve = {"epochs": list(range(1, len(history["epoch_seconds"]) + 1)), "top_gibbs_steps": history["top_gibbs_steps"],
             "seconds": history["seconds"], "train_error_pct": history["train_error_pct"],
             "test_error_pct": history["monitor_error_pct"]}
    updown_s = curve["seconds"][-1] if curve["seconds"] else 0.0
    updown_error = dbn.error_pct(*test)
    print(f"up-down: {updown_error:.2f}% after {len(curve['epochs'])} epochs, {updown_s:.0f} s", flush=True)

    refined = dbn.clone()
    refine_s = reproduce.refine_top_level(refined, images, labels, recipe, progress=progress)
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
    if args.save_pretrained:
        facts = {"data": figures["data"], "pretraining_s": pretrain_s,
                 "up_down_epochs": len(curve["epochs"]), "up_down_s": updown_s, "top_level_pcd_s": refine_s,
                 "conditional_sample_accuracy_pct": sample_accuracy,
                 "updown_conditional_sample_accuracy_pct": updown_reading.accuracy_pct}
        folder = args.out / "pretrained" if args.quick else reproduce.FOLDER
        metadata = reproduce.write_generative(dbn, refined, test_images, test_labels, recipe, facts, folder)
        print(f"saved float16 weights: DBN {metadata['dbn_updown_test_error_pct']:.2f}%, "
              f"refined {metadata['dbn_top_level_pcd_test_error_pct']:.2f}%")


if __name__ == "__main__":
    main()
