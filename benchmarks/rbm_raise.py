"""AIS and reverse AIS (RAISE) bracket the test log-likelihood of the PCD RBM on binarised MNIST.

    python benchmarks/rbm_raise.py           # full MNIST; see benchmarks/README.md for the time
    python benchmarks/rbm_raise.py --quick   # 2,000 images, 50 hidden units, short annealing, for CI

Trains the best RBM of ``rbm_loglik.py`` again (``pcd``: 500 hidden units, PCD-1, the
learning rate falling linearly from 0.05 to 0 over 60 epochs, on the same binary images)
and measures its log-likelihood on the first ``EXAMPLES`` binary test images two ways:

* ``rbm_pcd_ais_subset_loglik_nats``: -F(v) - log Z with log Z by AIS (100 runs, 14,500
  inverse temperatures), as in ``rbm_loglik.py``. AIS underestimates log Z on average, so
  this figure tends to be too high;
* ``rbm_pcd_raise_subset_loglik_nats``: reverse AIS
  (:func:`dbn_course.sampling.annealing.reverse_ais_log_likelihood`, Burda, Grosse & Salakhutdinov
  2015), ``RUNS`` reverse chains per image over the same 14,500 temperatures: a
  stochastic lower bound on the log-likelihood of the annealing model, which tends to
  the RBM as the schedule gets finer. Also with the first run of each image alone
  (``..._one_run_...``) and with about 1,000 and 4,000 temperatures, to show the bound
  rising as the annealing gets slower.

The gap between the two (``rbm_pcd_ais_minus_raise_nats``) bounds how far either can be
from the truth, as long as the annealing model is close to the RBM.
"""

from __future__ import annotations

import time

import common
import numpy as np
from rbm_loglik import models, train

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import data
from dbn_course.sampling import annealing

EXAMPLES = 1000
RUNS = 5


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    images, _ = data.load_arrays("train")
    test_images, _ = data.load_arrays("test")
    hidden, n_betas, ais_runs, examples = 500, 14_500, 100, EXAMPLES
    if args.quick:
        images, test_images, hidden, n_betas, ais_runs, examples = images[:2000], test_images[:500], 50, 500, 20, 50
    train_bits, test_bits = data.binarize_images(images, seed=1), data.binarize_images(test_images, seed=0)
    subset = test_bits[:examples]
    base = annealing.base_rate_biases(train_bits)
    settings = models(args.quick)["pcd"]
    rbm, train_s, _ = train(train_bits, hidden, settings)

    start = time.perf_counter()
    ais = annealing.ais_log_partition(rbm, base, n_runs=ais_runs, betas=annealing.annealing_schedule(n_betas),
                                       seed=0)
    ais_s = time.perf_counter() - start
    ais_subset = annealing.ais_log_likelihood(rbm, subset, ais)
    ais_test = annealing.ais_log_likelihood(rbm, test_bits, ais)

    by_betas, seconds = {}, {}
    for k in sorted({max(4, n_betas // 14), max(4, n_betas * 4 // 14), n_betas}):
        start = time.perf_counter()
        result = annealing.reverse_ais_log_likelihood(rbm, subset, base, n_runs=RUNS,
                                                       betas=annealing.annealing_schedule(k), seed=0)
        seconds[str(k)] = time.perf_counter() - start
        by_betas[str(k)] = result.mean_log_likelihood
        print(f"RAISE, {k} temperatures, {RUNS} runs: {result.mean_log_likelihood:.2f} nats "
              f"({seconds[str(k)]:.0f} s)", flush=True)
    one_run = float(np.mean(result.log_weights[:, 0]))  # had each image had its first chain only
    gap = ais_subset - result.mean_log_likelihood
    print(f"PCD RBM trained in {train_s:.0f} s; first {examples} test images: AIS {ais_subset:.2f}, "
          f"RAISE {result.mean_log_likelihood:.2f} (+/- {result.standard_error():.2f} over images; one run "
          f"{one_run:.2f}); gap {gap:.2f} nats; whole test set by AIS {ais_test:.2f}", flush=True)
    figures = {
        "hidden_units": hidden, "train_examples": len(train_bits), "subset_examples": examples,
        "subset": f"the first {examples} test images, binarised by data.binarize_images with seed 0",
        "rbm_pcd_settings": settings, "rbm_pcd_train_s": train_s,
        "ais_runs": ais_runs, "ais_betas": n_betas, "raise_runs_per_example": RUNS,
        "rbm_pcd_ais_log_z": ais.log_z, "rbm_pcd_ais_s": ais_s,
        "rbm_pcd_ais_test_loglik_nats": ais_test,
        "rbm_pcd_ais_subset_loglik_nats": ais_subset,
        "rbm_pcd_raise_subset_loglik_nats": result.mean_log_likelihood,
        "rbm_pcd_raise_subset_standard_error_nats": result.standard_error(),
        "rbm_pcd_raise_one_run_subset_loglik_nats": one_run,
        "rbm_pcd_raise_subset_loglik_by_betas": by_betas,
        "rbm_pcd_raise_s_by_betas": seconds,
        "rbm_pcd_raise_s": seconds[str(n_betas)],
        "rbm_pcd_ais_minus_raise_nats": gap,
    }
    common.write_results("rbm_raise", figures, args)


if __name__ == "__main__":
    main()
