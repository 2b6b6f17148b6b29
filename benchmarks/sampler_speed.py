"""The block-Gibbs sampler's speed: fantasies, labelled chains and annealing, one compiled loop.

    python benchmarks/sampler_speed.py            # 784-500 RBM, 16 chains x 1,000 sweeps
    python benchmarks/sampler_speed.py --quick    # 784-100, 16 chains x 100 sweeps, for CI

Every chain of the course runs in :func:`dbn_course.sampling.gibbs.sample` or
:func:`dbn_course.sampling.gibbs.anneal`. In one run on one machine, best of three after a first
call that compiles, on an RBM with random weights (speed does not depend on them):

* ``fantasy_s``: ``RBM.fantasy_digits`` -- 16 chains of 1,000 sweeps, 784 visible and
  500 hidden units (chapter 03's fantasies);
* ``labelled_s``: ``LabelledRBM.gibbs_with_labels`` -- the same chains on 784 features
  joined to 10 clamped label units (the top level of chapter 05's DBN);
* ``fantasy_vs_labelled``: their ratio (1 when unlabelled chains are as fast as labelled ones);
* ``ais_ms_per_temperature``: ``annealing.ais_log_partition`` with 100 runs and 1,000
  temperatures, per temperature (two matrix products of 100 x 784 x 500 each).
"""

from __future__ import annotations

import time

import common
import numpy as np

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course.rbm import RBM
from dbn_course.sampling import annealing
from dbn_course.top_level import LabelledRBM

CHAINS = 16


def best_of(function, repeats: int = 3) -> float:
    function()  # compiles
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def random_weights(rbm, rng) -> None:
    rbm.W.assign(rng.normal(0.0, 0.05, rbm.W.shape).astype(np.float32))
    rbm.b.assign(rng.normal(-1.0, 0.5, rbm.b.shape).astype(np.float32))


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    hidden, steps = (100, 100) if args.quick else (500, 1000)
    temperatures = 100 if args.quick else 1000
    rng = np.random.default_rng(0)

    rbm = RBM(hidden, 784, seed=0)
    random_weights(rbm, rng)
    top = LabelledRBM(hidden, 10, 794, seed=0)
    random_weights(top, rng)
    features = np.full((CHAINS, 784), 0.5, np.float32)
    labels = np.arange(CHAINS) % 10
    base = rng.normal(-1.0, 1.0, 784).astype(np.float32)

    fantasy = best_of(lambda: rbm.fantasy_digits(n=CHAINS, steps=steps).numpy())
    labelled = best_of(lambda: top.gibbs_with_labels(features, labels, steps=steps))
    betas = annealing.annealing_schedule(temperatures)
    ais = best_of(lambda: annealing.ais_log_partition(rbm, base, n_runs=100, betas=betas), repeats=2)
    figures = {
        "hidden_units": hidden,
        "chains": CHAINS,
        "sweeps": steps,
        "fantasy_s": round(fantasy, 3),
        "labelled_s": round(labelled, 3),
        "fantasy_vs_labelled": round(fantasy / labelled, 2),
        "ais_temperatures": temperatures,
        "ais_ms_per_temperature": round(1000 * ais / temperatures, 3),
    }
    print(f"fantasies {fantasy:.2f} s, labelled chains {labelled:.2f} s ({fantasy / labelled:.2f}x); "
          f"AIS {1000 * ais / temperatures:.2f} ms per temperature", flush=True)
    common.write_results("sampler_speed", figures, args)


if __name__ == "__main__":
    main()
