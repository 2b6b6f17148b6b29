"""Persistent CD at the top level of the shipped DBN: its class-conditional samples before and after.

    python benchmarks/dbn_sampling.py           # the shipped recipe's top-level PCD
    python benchmarks/dbn_sampling.py --quick   # a few images and short chains, for CI

Starts from the shipped DBN as up-down fine-tuning left it
(``dbn_course.pretrained.load_dbn("up_down")``), runs the recipe's top-level PCD
(``dbn_course.training.recipe.SHIPPED.top_level_pcd``, by ``dbn_course.training.stages.refined_dbn``) on the
full training set, and measures on one machine:

* ``dbn_top_level_pcd_s``: the refinement's time;
* ``dbn_updown_test_error_pct`` and ``dbn_top_level_pcd_test_error_pct``: the generative
  model's test error (free energies of the labels at the top) before and after;
* ``dbn_updown_conditional_sample_accuracy_pct`` and ``dbn_conditional_sample_accuracy_pct``:
  of 100 digits generated per class (1,000 Gibbs sweeps at the top from a random state,
  then a down pass), the share the shipped backprop classifier reads as the clamped
  class -- the mean over three independent batches of 1,000 digits, each batch's figure in
  the ``..._batches_pct`` lists -- and the mean ink (pixel probability) of the digits.

The refined model is measured as trained (float32); the shipped refined top level, written
by ``python -m dbn_course.reproduce``, is measured with its float16 weights in its
``metadata.json``.
"""

from __future__ import annotations

import common
import numpy as np

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import data, evaluation, pretrained
from dbn_course.reproduce import mnist_arrays
from dbn_course.training import recipe, stages


def read_samples(dbn, batches: int, sampling: dict) -> dict:
    readings = [evaluation.conditional_sample_accuracy(dbn, pretrained.classify, **sampling) for _ in range(batches)]
    return {
        "accuracy_pct": float(np.mean([r.accuracy_pct for r in readings])),
        "batches_pct": [r.accuracy_pct for r in readings],
        "per_class_pct": np.mean([r.per_class_pct for r in readings], axis=0).tolist(),
        "mean_ink": float(np.mean([r.mean_ink for r in readings])),
    }


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    plan = recipe.quick() if args.quick else recipe.SHIPPED
    images, labels, test_images, test_labels = mnist_arrays(args.quick)
    sampling = {"per_class": 10 if args.quick else 100, "gibbs_steps": 50 if args.quick else 1000}
    batches = 1 if args.quick else 3

    dbn = pretrained.load_dbn("up_down")
    before_error = dbn.error_pct(test_images, test_labels)
    before = read_samples(dbn, batches, sampling)
    print(f"up-down DBN: {before_error:.2f}% test error; samples read as their class {before['accuracy_pct']:.1f}% "
          f"{before['batches_pct']}", flush=True)

    settings = plan.top_level_pcd
    refinement = stages.refined_dbn(images, labels, plan, start=dbn, progress=not args.quick)
    dbn, refine_s = refinement.model, refinement.seconds
    after_error = dbn.error_pct(test_images, test_labels)
    after = read_samples(dbn, batches, sampling)
    print(f"after {settings.num_epochs} epochs of top-level PCD ({refine_s:.0f} s): {after_error:.2f}% test error; "
          f"samples read as their class {after['accuracy_pct']:.1f}% {after['batches_pct']}", flush=True)

    figures = {
        "dbn_top_level_pcd_s": refine_s,
        "top_level_pcd": plan.to_dict()["top_level_pcd"],
        "dbn_updown_test_error_pct": before_error,
        "dbn_top_level_pcd_test_error_pct": after_error,
        "dbn_updown_conditional_sample_accuracy_pct": before["accuracy_pct"],
        "dbn_updown_conditional_sample_accuracy_batches_pct": before["batches_pct"],
        "dbn_updown_conditional_sample_accuracy_per_class_pct": before["per_class_pct"],
        "dbn_updown_sample_mean_ink": before["mean_ink"],
        "dbn_conditional_sample_accuracy_pct": after["accuracy_pct"],
        "dbn_conditional_sample_accuracy_batches_pct": after["batches_pct"],
        "dbn_conditional_sample_accuracy_per_class_pct": after["per_class_pct"],
        "dbn_sample_mean_ink": after["mean_ink"],
        "samples_per_batch": 10 * sampling["per_class"],
        "gibbs_steps": sampling["gibbs_steps"],
        "train_examples": int(len(labels)),
        "test_examples": int(len(test_labels)),
        "data": data.current_source().describe(),
    }
    common.write_results("dbn_sampling", figures, args)


if __name__ == "__main__":
    main()
