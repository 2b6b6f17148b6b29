"""RBM training speed on a CPU: our CD-1 and PCD-1 beside scikit-learn and the matmul floor.

    python benchmarks/rbm_speed.py            # 60,000 MNIST images, 500 hidden units, batch 100
    python benchmarks/rbm_speed.py --quick    # 10,000 images, 100 hidden units, for CI

One epoch of each, float32, in one run on one machine:

* ``rbm_cd1_epoch_s`` and ``rbm_pcd1_epoch_s``: :func:`dbn_course.rbm.train_rbm`, the
  mean of two epochs after a first one that includes compilation
  (``rbm_cd1_first_epoch_s``);
* ``sklearn_rbm_epoch_s``: scikit-learn's ``BernoulliRBM`` (PCD-1), same hidden units,
  batch size and learning rate, ``n_iter=1``, best of two fits;
* ``matmul_gflops``: the rate of the five matrix products of a CD-1 step at these shapes,
  run back to back inside one compiled TensorFlow loop, and ``matmul_floor_epoch_s``,
  the epoch time if a CD-1 step were nothing but those products at that rate;
* ``rbm_cd1_matmul_efficiency_pct`` (floor / CD-1 epoch) and ``rbm_cd1_speedup_vs_sklearn``.
"""

from __future__ import annotations

import time

import common
import numpy as np

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
import tensorflow as tf
from dbn_course import data
from dbn_course.rbm import RBM, train_rbm

BATCH = 100


def our_epochs(images, hidden, persistent):
    rbm = RBM(hidden, learning_rate=0.1, persistent=persistent, seed=0)
    history = train_rbm(rbm, images, num_epochs=3, batch_size=BATCH, seed=0, progress=False).history
    seconds = history["epoch_seconds"]
    return seconds[0], float(np.mean(seconds[1:]))


def sklearn_epoch(images, hidden):
    from sklearn.neural_network import BernoulliRBM

    x = images.astype(np.float32) / 255.0
    best = np.inf
    for _ in range(2):
        model = BernoulliRBM(n_components=hidden, batch_size=BATCH, learning_rate=0.1, n_iter=1, random_state=0)
        start = time.perf_counter()
        model.fit(x)
        best = min(best, time.perf_counter() - start)
    return best


def matmul_rate(n_visible, hidden, repeats=200):
    """GFLOP/s of the five products of a CD-1 step, back to back in one compiled loop."""
    v = tf.random.uniform((BATCH, n_visible))
    h = tf.random.uniform((BATCH, hidden))
    W = tf.Variable(tf.random.uniform((n_visible, hidden)))

    @tf.function
    def loop():
        total = tf.constant(0.0)
        for i in tf.range(repeats):
            shift = tf.cast(i, tf.float32) * 1e-9
            up = tf.matmul(v + shift, W)
            down = tf.matmul(h + shift, W, transpose_b=True)
            up_again = tf.matmul(down, W)
            positive = tf.matmul(v + shift, up, transpose_a=True)
            negative = tf.matmul(down, up_again, transpose_a=True)
            total += tf.reduce_sum(positive[0]) + tf.reduce_sum(negative[0])
        return total

    loop()
    start = time.perf_counter()
    loop()
    elapsed = time.perf_counter() - start
    return repeats * 5 * 2 * BATCH * n_visible * hidden / elapsed / 1e9


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    images, _ = data.load_arrays("train", data_dir=data.EMBEDDED_DIR if args.quick else None)
    images = images.reshape(len(images), -1)
    hidden = 100 if args.quick else 500
    n_visible = images.shape[1]

    cd1_first, cd1 = our_epochs(images, hidden, persistent=False)
    _, pcd1 = our_epochs(images, hidden, persistent=True)
    sklearn = sklearn_epoch(images, hidden)
    gflops = matmul_rate(n_visible, hidden)
    steps = int(np.ceil(len(images) / BATCH))
    floor = steps * 5 * 2 * BATCH * n_visible * hidden / (gflops * 1e9)
    figures = {
        "data_source": data.current_source().describe(),
        "images": len(images),
        "hidden_units": hidden,
        "batch_size": BATCH,
        "rbm_cd1_first_epoch_s": round(cd1_first, 3),
        "rbm_cd1_epoch_s": round(cd1, 3),
        "rbm_pcd1_epoch_s": round(pcd1, 3),
        "sklearn_rbm_epoch_s": round(sklearn, 3),
        "matmul_gflops": round(gflops, 1),
        "matmul_floor_epoch_s": round(floor, 3),
        "rbm_cd1_matmul_efficiency_pct": round(100 * floor / cd1, 1),
        "rbm_pcd1_matmul_efficiency_pct": round(100 * floor / pcd1, 1),
        "rbm_cd1_speedup_vs_sklearn": round(sklearn / cd1, 2),
        "rbm_pcd1_speedup_vs_sklearn": round(sklearn / pcd1, 2),
    }
    common.write_results("rbm_speed", figures, args)


if __name__ == "__main__":
    main()
