"""Test log-likelihood of 500-hidden-unit RBMs on binarised MNIST, by AIS, beside the published figures.

    python benchmarks/rbm_loglik.py           # full MNIST; see benchmarks/README.md for the time
    python benchmarks/rbm_loglik.py --quick   # 2,000 images, 50 hidden units, short annealing, for CI

Data: every grey value is read as the probability of a black pixel and sampled once --
the training images with seed 1, the test images with seed 0
(:func:`dbn_course.data.binarize_images`) -- as Salakhutdinov and Murray (2008)
binarised MNIST stochastically. Each RBM (500 hidden units, batch 100, the course recipe's
momentum 0.5 and weight decay 2e-4: ``dbn_course.training.recipe``) trains on the 60,000 binary
training images:

* ``cd1``: CD-1, learning rate 0.05, 20 epochs;
* ``cd10``: CD-10, the same otherwise;
* ``pcd``: PCD-1, the learning rate falling linearly from 0.05 to 0 over 60 epochs.

For each: ``rbm_<name>_train_s``; ``rbm_<name>_ais_log_z``, estimated by annealed
importance sampling (:func:`dbn_course.sampling.annealing.ais_log_partition`: a base-rate model
fitted to the training images, 100 runs, 14,500 inverse temperatures), with its interval
of three standard errors; ``rbm_<name>_ais_test_loglik_nats``, the mean log p(v) of the
10,000 binary test images under that estimate; the spread of log Z over
``AIS_REPEATS`` independent sets of 100 runs; and log Z with about 1,000 and 4,000
inverse temperatures -- and, for PCD, the best model, also ``SLOW_BETAS`` -- to show how
the estimate moves as the annealing gets slower. AIS tends to underestimate log Z, and
so to overstate the log-likelihood.
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
from dbn_course.training import recipe

AIS_REPEATS = 3
SLOW_BETAS = 100_000  # a check, for the best model, that 14,500 temperatures were enough
PUBLISHED = {f"{p.model} ({p.source})": p.value for p in results.PUBLISHED_LOG_LIKELIHOODS}


def models(quick: bool) -> dict:
    epochs = 2 if quick else None
    return {
        "cd1": dict(cd_steps=1, persistent=False, learning_rate=0.05, num_epochs=epochs or 20, decay=False),
        "cd10": dict(cd_steps=10, persistent=False, learning_rate=0.05, num_epochs=epochs or 20, decay=False),
        "pcd": dict(cd_steps=1, persistent=True, learning_rate=0.05, num_epochs=epochs or 60, decay=True),
    }


def train(train_images, hidden, settings, seed=0):
    rbm = RBM(hidden, learning_rate=settings["learning_rate"], cd_steps=settings["cd_steps"],
              persistent=settings["persistent"], momentum=recipe.MOMENTUM, weight_decay=recipe.WEIGHT_DECAY,
              seed=seed)
    epochs = settings["num_epochs"]
    schedule = linear_decay(settings["learning_rate"], epochs) if settings["decay"] else None
    start = time.perf_counter()
    history = train_rbm(rbm, train_images, num_epochs=epochs, batch_size=100, seed=seed, schedule=schedule,
                        description=f"{'PCD' if settings['persistent'] else 'CD'}-{settings['cd_steps']}").history
    return rbm, time.perf_counter() - start, history


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    images, _ = data.load_arrays("train")
    test_images, _ = data.load_arrays("test")
    hidden, n_betas, n_runs = 500, 14_500, 100
    if args.quick:
        images, test_images, hidden, n_betas, n_runs = images[:2000], test_images[:500], 50, 500, 20
    train_bits, test_bits = data.binarize_images(images, seed=1), data.binarize_images(test_images, seed=0)
    base = annealing.base_rate_biases(train_bits)
    schedules = sorted({max(4, n_betas // 14), max(4, n_betas * 4 // 14), n_betas})
    slow_betas = n_betas * 4 if args.quick else SLOW_BETAS

    figures = {"hidden_units": hidden, "ais_runs": n_runs, "ais_betas": n_betas, "ais_repeats": AIS_REPEATS,
               "train_examples": len(train_bits), "test_examples": len(test_bits),
               "binarisation": "stochastic, once, data.binarize_images: training images seed 1, test images seed 0",
               "published_test_loglik_nats": PUBLISHED}
    for name, settings in models(args.quick).items():
        rbm, train_s, history = train(train_bits, hidden, settings)
        start = time.perf_counter()
        result = annealing.ais_log_partition(rbm, base, n_runs=n_runs, betas=annealing.annealing_schedule(n_betas),
                                              seed=0)
        ais_s = time.perf_counter() - start
        repeats = [result.log_z] + [
            annealing.ais_log_partition(rbm, base, n_runs=n_runs, betas=annealing.annealing_schedule(n_betas),
                                         seed=seed).log_z for seed in range(1, AIS_REPEATS)]
        checks = [k for k in schedules if k != n_betas] + ([slow_betas] if name == "pcd" else [])
        by_schedule = {str(k): annealing.ais_log_partition(rbm, base, n_runs=n_runs,
                                                            betas=annealing.annealing_schedule(k), seed=0).log_z
                       for k in checks}
        by_schedule[str(n_betas)] = result.log_z
        test_loglik = annealing.ais_log_likelihood(rbm, test_bits, result)
        train_loglik = annealing.ais_log_likelihood(rbm, train_bits[:10_000], result)
        low, high = result.interval(3)
        print(f"{name}: trained in {train_s:.0f} s; log Z {result.log_z:.2f} (3 s.e.: {low:.2f} .. {high:.2f}; "
              f"repeats {np.round(repeats, 2).tolist()}; by temperatures "
              f"{ {k: round(v, 2) for k, v in by_schedule.items()} }); test log-likelihood {test_loglik:.2f} nats "
              f"(train {train_loglik:.2f}); AIS {ais_s:.0f} s", flush=True)
        figures.update({
            f"rbm_{name}_settings": settings,
            f"rbm_{name}_train_s": train_s,
            f"rbm_{name}_final_reconstruction_cost": history["reconstruction_cost"][-1],
            f"rbm_{name}_ais_log_z": result.log_z,
            f"rbm_{name}_ais_log_z_3se_low": low if np.isfinite(low) else None,
            f"rbm_{name}_ais_log_z_3se_high": high,
            f"rbm_{name}_ais_log_z_repeats": repeats,
            f"rbm_{name}_ais_log_z_repeat_spread": float(np.max(repeats) - np.min(repeats)),
            f"rbm_{name}_ais_log_z_by_betas": by_schedule,
            f"rbm_{name}_ais_s": ais_s,
            f"rbm_{name}_ais_test_loglik_nats": test_loglik,
            f"rbm_{name}_ais_train_loglik_nats": train_loglik,
        })
    common.write_results("rbm_loglik", figures, args)


if __name__ == "__main__":
    main()
