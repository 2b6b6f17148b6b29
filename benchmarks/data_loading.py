"""How fast MNIST reaches a model: parsing the IDX files and streaming a tf.data epoch.

    python benchmarks/data_loading.py            # full MNIST (DBN_COURSE_MNIST_DIR)
    python benchmarks/data_loading.py --quick    # the bundled subset, for CI

Figures: ``idx_parse_train_s`` (decompress and check the training images and labels),
``tfds_style_epoch_s`` (one pass of ``map(flatten_image).shuffle(10000).batch(100)``
over the training split, as the book orders it), ``tfds_style_images_per_s``,
``batch_then_flatten_epoch_s`` (the same pass with ``batch`` before ``map``, so each call
flattens 100 images), and ``offline_decision_s`` (time
to fall back to the bundled subset when the network probe never answers; simulated, so
nothing is sent).
"""

from __future__ import annotations

import socket
import threading
import time

import common

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import data
from dbn_course.data import mnist as mnist_sources


def time_parse(directory) -> tuple[float, int]:
    mnist_sources._read_idx_split.cache_clear()
    start = time.perf_counter()
    images, _ = mnist_sources._read_idx_split(str(directory), "train")
    return time.perf_counter() - start, len(images)


def time_epoch(builder, vectorised: bool) -> float:
    ds = builder.as_dataset("train")
    if vectorised:  # batch first, then flatten 100 images per call
        ds = ds.shuffle(10_000, seed=0).batch(100).map(lambda x: data.flatten_image(x, label=False))
    else:  # the book's order: flatten one image per call, then batch
        ds = ds.map(lambda x: data.flatten_image(x, label=False)).shuffle(10_000, seed=0).batch(100)
    for _ in ds.take(1):  # build the pipeline once before timing
        pass
    start = time.perf_counter()
    for _ in ds:
        pass
    return time.perf_counter() - start


def time_offline_decision() -> float:
    release = threading.Event()
    real = socket.create_connection

    def never_answers(*args, **kwargs):
        release.wait(60)
        raise OSError("simulated black hole")

    saved = {k: mnist_sources.os.environ.pop(k, None) for k in (data.MNIST_DIR_ENV, data.OFFLINE_ENV)}
    socket.create_connection = never_answers
    mnist_sources._resolved.clear()
    try:
        start = time.perf_counter()
        source = data.resolve_source()
        elapsed = time.perf_counter() - start
    finally:
        release.set()
        socket.create_connection = real
        for key, value in saved.items():
            if value is not None:
                mnist_sources.os.environ[key] = value
        mnist_sources._resolved.clear()
    assert source.kind in ("embedded", "tfds"), source
    return elapsed


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    builder = data.builder("mnist", data_dir=data.EMBEDDED_DIR) if args.quick else data.builder("mnist")
    source = builder.download_and_prepare()
    parse_s, n = time_parse(source.location)
    epoch_s = time_epoch(builder, vectorised=False)
    vectorised_s = time_epoch(builder, vectorised=True)
    figures = {
        "data_source": source.describe(),
        "train_images": n,
        "idx_parse_train_s": round(parse_s, 3),
        "tfds_style_epoch_s": round(epoch_s, 3),
        "tfds_style_images_per_s": round(n / epoch_s),
        "batch_then_flatten_epoch_s": round(vectorised_s, 3),
        "offline_decision_s": round(time_offline_decision(), 2),
    }
    common.write_results("data_loading", figures, args)


if __name__ == "__main__":
    main()
