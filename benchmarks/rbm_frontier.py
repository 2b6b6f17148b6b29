"""Longer, better-trained 500-hidden-unit RBMs on binarised MNIST, measured by a settled AIS and by RAISE.

    python benchmarks/rbm_frontier.py --method pcd    # one method per run; see benchmarks/README.md for times
    python benchmarks/rbm_frontier.py --method fpcd
    python benchmarks/rbm_frontier.py --method pt
    python benchmarks/rbm_frontier.py --quick         # every method shrunken (2,000 images, 50 hidden), for CI

Each method writes its own ``results/rbm_frontier_<method>.json``, so no one sitting has to
hold them all. Data as in ``rbm_loglik.py``: the 60,000 training images binarised once with
seed 1, the 10,000 test images with seed 0. Every RBM has 500 hidden units, minibatches of
100, the course recipe's momentum and weight decay (``dbn_course.training.recipe``), and a learning
rate falling linearly from ``LEARNING_RATE`` to 0 over its epochs; the methods are the
literature's ways of keeping the negative phase's chains close to the model
(:mod:`dbn_course.training.cd`):

* ``pcd``: persistent CD-1 (Tieleman 2008), for many more epochs than ``rbm_loglik.py``'s 60;
* ``fpcd``: PCD-1 with fast weights (Tieleman & Hinton 2009), fast rate ``LEARNING_RATE``,
  held constant, fast weights shrinking by 19/20 every update;
* ``pt``: parallel tempering (Desjardins et al. 2010) over the inverse temperatures
  ``TEMPERATURES``, 100 chains at each, spaced closely so that neighbours swap often on a
  500-unit model (``..._swap_acceptance`` records the rates).

``pcd`` is the long run; ``fpcd`` and ``pt`` are shorter runs, each inside half an hour of
training on one core, so the two can run side by side (``rbm_<method>_train_s`` records
the time, and ``machine`` the cores). Then, for each model:

* log Z by :func:`dbn_course.sampling.annealing.settled_log_partition`: AIS with more runs until its
  standard error is at most 0.1 nat, then twice the temperatures, and again, until the
  slower schedule moves log Z by less than two standard errors, or the method's
  ``ais_max_betas`` is reached (then ``..._ais_settled`` is false) -- the ladder of
  estimates is recorded (``..._ais_ladder``) -- and the test log-likelihood of all 10,000
  images under it;
* RAISE (:func:`dbn_course.sampling.annealing.reverse_ais_log_likelihood`) on the first
  ``RAISE_EXAMPLES`` test images, ``RAISE_RUNS`` reverse chains each, over the settled
  schedule's temperatures (at most the method's ``raise_max_betas``), beside AIS's figure on
  the same images. AIS tends to overstate the log-likelihood and RAISE to understate it.
"""

from __future__ import annotations

import time

import common
import numpy as np

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import data
from dbn_course.course import results
from dbn_course.rbm import RBM, linear_decay, train_rbm
from dbn_course.sampling import annealing
from dbn_course.sampling.tempering import tempering_betas
from dbn_course.training import recipe

HIDDEN = 500
LEARNING_RATE = 0.05
TEMPERATURES = (1.0, 0.95, 0.9, 0.85, 0.8)
METHODS = {  # the training of each (num_epochs, then train_rbm's settings) and how far its AIS and RAISE may go
    "pcd": dict(num_epochs=300, ais_max_betas=32_000, raise_max_betas=8_000),
    "fpcd": dict(num_epochs=100, fast_learning_rate=LEARNING_RATE, ais_max_betas=4_000, raise_max_betas=2_000),
    "pt": dict(num_epochs=40, temperatures=TEMPERATURES, ais_max_betas=4_000, raise_max_betas=2_000),
}
EVALUATION = ("num_epochs", "ais_max_betas", "raise_max_betas")
AIS = dict(n_runs=200, n_betas=2_000, max_runs=1600)
RAISE_EXAMPLES, RAISE_RUNS = 500, 5
QUICK = dict(images=2000, test_images=500, hidden=50, num_epochs=3, ais=dict(n_runs=20, n_betas=250, max_runs=80),
             ais_max_betas=1000, raise_max_betas=500, raise_examples=50)


def train(method: str, train_bits, hidden: int, num_epochs: int, seed: int = 0):
    """Train one RBM by ``method``; return it, its training seconds and its settings (for the results file)."""
    settings = {k: v for k, v in METHODS[method].items() if k not in EVALUATION}
    rbm = RBM(hidden, learning_rate=LEARNING_RATE, cd_steps=1, persistent=True, momentum=recipe.MOMENTUM,
              weight_decay=recipe.WEIGHT_DECAY, seed=seed)
    start = time.perf_counter()
    train_rbm(rbm, train_bits, num_epochs=num_epochs, batch_size=100, seed=seed,
              schedule=linear_decay(LEARNING_RATE, num_epochs), description=method, **settings)
    seconds = time.perf_counter() - start
    return rbm, seconds, {"method": method, "cd_steps": 1, "learning_rate": LEARNING_RATE, "decay": "linear to 0",
                          "epochs": num_epochs, "batch_size": 100, **settings,
                          **({"temperatures": [round(float(b), 4) for b in tempering_betas(settings["temperatures"])]}
                             if "temperatures" in settings else {})}


def measure(method: str, quick: bool) -> dict:
    images, _ = data.load_arrays("train")
    test_images, _ = data.load_arrays("test")
    budget = QUICK if quick else METHODS[method]
    hidden, num_epochs, ais, examples = HIDDEN, budget["num_epochs"], AIS, RAISE_EXAMPLES
    if quick:
        images, test_images = images[:QUICK["images"]], test_images[:QUICK["test_images"]]
        hidden, ais, examples = QUICK["hidden"], QUICK["ais"], QUICK["raise_examples"]
    train_bits, test_bits = data.binarize_images(images, seed=1), data.binarize_images(test_images, seed=0)
    base = annealing.base_rate_biases(train_bits)

    rbm, train_s, settings = train(method, train_bits, hidden, num_epochs)
    print(f"{method}: trained {num_epochs} epochs in {train_s:.0f} s", flush=True)

    start = time.perf_counter()
    settled = annealing.settled_log_partition(
        rbm, base, max_betas=budget["ais_max_betas"], seed=0, **ais,
        progress=lambda r: print(f"  AIS {r.n_betas} temperatures x {r.n_runs} runs: log Z {r.log_z:.3f} "
                                 f"+/- {r.standard_error:.3f}", flush=True))
    ais_s = time.perf_counter() - start
    test_loglik = annealing.ais_log_likelihood(rbm, test_bits, settled)
    train_loglik = annealing.ais_log_likelihood(rbm, train_bits[:10_000], settled)

    subset = test_bits[:examples]
    raise_betas = min(settled.result.n_betas, budget["raise_max_betas"])
    start = time.perf_counter()
    reverse = annealing.reverse_ais_log_likelihood(rbm, subset, base, n_runs=RAISE_RUNS,
                                                   betas=annealing.annealing_schedule(raise_betas), seed=0)
    raise_s = time.perf_counter() - start
    ais_subset = annealing.ais_log_likelihood(rbm, subset, settled)
    print(f"{method}: log Z {settled.log_z:.2f} +/- {settled.standard_error:.2f} (settled: {settled.settled}); "
          f"test log-likelihood {test_loglik:.2f} nats (train {train_loglik:.2f}); first {examples} test images: "
          f"AIS {ais_subset:.2f}, RAISE {reverse.mean_log_likelihood:.2f} +/- {reverse.standard_error():.2f}",
          flush=True)
    name = f"rbm_{method}"
    figures = {
        "hidden_units": hidden, "train_examples": len(train_bits), "test_examples": len(test_bits),
        "binarisation": "stochastic, once, data.binarize_images: training images seed 1, test images seed 0",
        "published_test_loglik_nats": {f"{p.model} ({p.source})": p.value for p in results.PUBLISHED_LOG_LIKELIHOODS},
        f"{name}_settings": settings,
        f"{name}_train_s": train_s,
        f"{name}_final_reconstruction_cost": rbm.history["reconstruction_cost"][-1],
        f"{name}_ais_ladder": settled.table(),
        f"{name}_ais_settled": settled.settled,
        f"{name}_ais_runs": settled.result.n_runs,
        f"{name}_ais_betas": settled.result.n_betas,
        f"{name}_ais_log_z": settled.log_z,
        f"{name}_ais_log_z_standard_error": settled.standard_error,
        f"{name}_ais_log_z_change_with_more_betas": settled.change,
        f"{name}_ais_max_betas": budget["ais_max_betas"],
        f"{name}_ais_s": ais_s,
        f"{name}_ais_test_loglik_nats": test_loglik,
        f"{name}_ais_train_loglik_nats": train_loglik,
        "raise_examples": examples, "raise_runs_per_example": RAISE_RUNS, "raise_betas": raise_betas,
        f"{name}_ais_subset_loglik_nats": ais_subset,
        f"{name}_raise_subset_loglik_nats": reverse.mean_log_likelihood,
        f"{name}_raise_subset_standard_error_nats": reverse.standard_error(),
        f"{name}_ais_minus_raise_nats": ais_subset - reverse.mean_log_likelihood,
        f"{name}_raise_s": raise_s,
    }
    if "swap_acceptance" in rbm.history:
        figures[f"{name}_swap_acceptance"] = np.round(rbm.history["swap_acceptance"], 4).tolist()
    return figures


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], choices=[("--method", tuple(METHODS), "the method to train")])
    if args.method is None and not args.quick:
        raise SystemExit("name the method: --method " + "|".join(METHODS) + " (each run takes up to an hour)")
    for method in [args.method] if args.method else list(METHODS):
        common.write_results(f"rbm_frontier_{method}", measure(method, args.quick), args)


if __name__ == "__main__":
    main()
