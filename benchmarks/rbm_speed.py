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

Then, in the same run, whether bfloat16 products would train faster on this CPU:

* ``matmul_gflops_<precision>_<mode>``: the five products' rate in float32 and bfloat16,
  in TensorFlow's graph mode (oneDNN's kernels) and under XLA, and
  ``matmul_floor_step_ms_<precision>``, one CD-1 step at the better of the two;
* ``cd1_epoch_s_<precision>_<mode>`` and ``cd1_step_ms_<precision>_<mode>``: one CD-1 epoch
  of a probe kernel with the course kernel's arithmetic -- the five products, the sigmoids,
  the samples drawn from noise drawn beforehand, momentum and weight decay, a block of
  minibatches per compiled call -- whose products take their inputs in that precision
  while the weights, the updates and the sums stay float32 (the mixed kernel); the weight
  gradient is one product, ``[v_k; v_0]^T [h_k; -h_0] / B``, so bfloat16 rounds the
  difference of the two statistics once instead of each statistic before they cancel.
  ``cd1_probe_vs_kernel`` (probe float32 under XLA / ``train_rbm``'s CD-1) shows the probe
  stands for the kernel;
* ``cpu_bfloat16`` (the ``avx512_bf16`` / ``amx_bf16`` flags of ``/proc/cpuinfo``; without
  either, TensorFlow emulates bfloat16 and no speed goal applies), and the fastest CD-1
  epoch against scikit-learn's.
"""

from __future__ import annotations

import time
from pathlib import Path

import common
import numpy as np

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
import tensorflow as tf
from dbn_course import data
from dbn_course.rbm import RBM, train_rbm
from dbn_course.training import recipe

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


def matmul_rate(n_visible, hidden, dtype=tf.float32, xla=False, repeats=200):
    """GFLOP/s of the five products of a CD-1 step, back to back in one compiled loop."""
    v = tf.cast(tf.random.uniform((BATCH, n_visible)), dtype)
    h = tf.cast(tf.random.uniform((BATCH, hidden)), dtype)
    W = tf.Variable(tf.cast(tf.random.uniform((n_visible, hidden)), dtype))

    @tf.function(jit_compile=xla)
    def loop():
        total = tf.constant(0.0)
        for i in tf.range(repeats):
            shift = tf.cast(tf.cast(i, tf.float32) * 1e-9, dtype)  # each pass different, so none is hoisted
            up = tf.matmul(v + shift, W)
            down = tf.matmul(h + shift, W, transpose_b=True)
            up_again = tf.matmul(down, W)
            positive = tf.matmul(v + shift, up, transpose_a=True)
            negative = tf.matmul(down, up_again, transpose_a=True)
            total += tf.cast(tf.reduce_sum(positive[0]) + tf.reduce_sum(negative[0]), tf.float32)
        return total

    loop()
    start = time.perf_counter()
    loop()
    elapsed = time.perf_counter() - start
    return repeats * 5 * 2 * BATCH * n_visible * hidden / elapsed / 1e9


PRECISIONS = {"float32": tf.float32, "bfloat16": tf.bfloat16}
MODES = {"graph": False, "xla": True}


def bfloat16_flags() -> list[str]:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return []
    return [flag for flag in ("avx512_bf16", "amx_bf16") if flag in flags.split()]


def probe_epoch(images, hidden, precision, xla, epochs=3, block=20):
    """Seconds of one CD-1 epoch of the mixed-precision probe (mean of epochs 2..epochs)."""
    products = PRECISIONS[precision]
    x = tf.constant(images, tf.uint8)
    n_visible = images.shape[1]
    steps = len(images) // BATCH
    W = tf.Variable(tf.random.stateless_normal((n_visible, hidden), seed=(0, 1), stddev=0.01))
    b, c = tf.Variable(tf.zeros(n_visible)), tf.Variable(tf.zeros(hidden))
    velocity = [tf.Variable(tf.zeros_like(var)) for var in (W, b, c)]

    def product(a, w, **transpose):
        return tf.cast(tf.matmul(tf.cast(a, products), tf.cast(w, products), **transpose), tf.float32)

    def update(v0, noise_h, noise_v, learning_rate):
        W_ = tf.cast(W, products)  # once per step, for its three products
        h0 = tf.sigmoid(product(v0, W_) + c)
        v1 = tf.cast(noise_v < tf.sigmoid(product(tf.cast(noise_h < h0, tf.float32), W_, transpose_b=True) + b),
                     tf.float32)
        h1 = tf.sigmoid(product(v1, W_) + c)
        grad_W = (product(tf.concat([v1, v0], 0), tf.concat([h1, -h0], 0) / BATCH, transpose_a=True)
                  + recipe.WEIGHT_DECAY * W)
        grads = (grad_W, tf.reduce_mean(v1 - v0, 0), tf.reduce_mean(h1 - h0, 0))
        for var, vel, grad in zip((W, b, c), velocity, grads):
            vel.assign(recipe.MOMENTUM * vel - learning_rate * grad)
            var.assign_add(vel)

    @tf.function(jit_compile=xla)
    def run(batches, noise_h, noise_v, learning_rate):
        for i in tf.range(tf.shape(batches)[0]):
            update(tf.cast(tf.gather(x, batches[i]), tf.float32) / 255.0, noise_h[i], noise_v[i], learning_rate)

    generator = tf.random.Generator.from_seed(0)
    draw = tf.function(lambda n: (generator.uniform((n, BATCH, hidden)), generator.uniform((n, BATCH, n_visible))))
    seconds = []
    for epoch in range(epochs):
        order = tf.reshape(tf.random.experimental.stateless_shuffle(tf.range(steps * BATCH), seed=(epoch, 0)),
                           (steps, BATCH))
        start = time.perf_counter()
        for first in range(0, steps, block):
            noise_h, noise_v = draw(min(block, steps - first))
            run(order[first:first + block], noise_h, noise_v, tf.constant(0.1))
        W.value().numpy()
        seconds.append(time.perf_counter() - start)
    return float(np.mean(seconds[1:]))


def precision_figures(images, hidden, sklearn, kernel_epoch, float32_graph_gflops) -> dict:
    steps = int(np.ceil(len(images) / BATCH))
    flops = 5 * 2 * BATCH * images.shape[1] * hidden
    figures = {"cpu_bfloat16": " ".join(bfloat16_flags()) or "none: TensorFlow emulates bfloat16, no speed goal"}
    epochs = {}
    for precision in PRECISIONS:
        rates = {mode: float32_graph_gflops if (precision, mode) == ("float32", "graph")
                 else matmul_rate(images.shape[1], hidden, PRECISIONS[precision], xla) for mode, xla in MODES.items()}
        for mode, rate in rates.items():
            figures[f"matmul_gflops_{precision}_{mode}"] = round(rate, 1)
        figures[f"matmul_floor_step_ms_{precision}"] = round(1e3 * flops / (max(rates.values()) * 1e9), 3)
        for mode, xla in MODES.items():
            epochs[f"{precision}_{mode}"] = probe_epoch(images, hidden, precision, xla)
            figures[f"cd1_epoch_s_{precision}_{mode}"] = round(epochs[f"{precision}_{mode}"], 3)
            figures[f"cd1_step_ms_{precision}_{mode}"] = round(1e3 * epochs[f"{precision}_{mode}"] / steps, 3)
    figures["cd1_probe_vs_kernel"] = round(epochs["float32_xla"] / kernel_epoch, 2)
    fastest = min(epochs, key=epochs.get)
    figures["fastest_cd1_epoch_s"] = round(min(epochs[fastest], kernel_epoch), 3)
    figures["fastest_cd1_kernel"] = fastest if epochs[fastest] < kernel_epoch else "train_rbm (float32, XLA)"
    figures["fastest_cd1_speedup_vs_sklearn"] = round(sklearn / min(epochs[fastest], kernel_epoch), 2)
    return figures


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
        **precision_figures(images, hidden, sklearn, cd1, gflops),
    }
    common.write_results("rbm_speed", figures, args)


if __name__ == "__main__":
    main()
