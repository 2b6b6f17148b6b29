import shutil
import socket
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from dbn_course import data
from dbn_course.data import mnist as mnist_sources
from dbn_course.data.idx import IDXFormatError, write_idx

# Facts of the full MNIST files (they match the README of the course's data folder).
FULL_TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
FULL_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def make_mnist_dir(folder, n_train=6, n_test=4, seed=0):
    """A tiny MNIST-format folder with random images and labels."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        images_stem, labels_stem = data.FILE_NAMES[split]
        write_idx(folder / f"{images_stem}.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{labels_stem}.gz", rng.integers(0, 10, n, dtype=np.uint8))
    return folder


# ----------------------------------------------------------------------- sources


def test_explicit_directory_is_used(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "mine")
    source = data.resolve_source(folder)
    assert source.kind == "directory" and not source.is_subset
    images, labels = data.load_arrays("test", data_dir=folder)
    assert images.shape == (4, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64


def test_uncompressed_files_are_accepted(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "plain")
    for path in folder.glob("*.gz"):
        import gzip

        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    assert data.load_arrays("train", data_dir=folder)[0].shape == (6, 28, 28)


def test_explicit_directory_missing_a_file_is_an_error_naming_it(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "partial")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.MNISTNotFoundError, match="t10k-labels-idx1-ubyte.gz"):
        data.resolve_source(folder)


def test_environment_directory_missing_files_does_not_fall_back(tmp_path, monkeypatch, no_configured_mnist):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(data.MNISTNotFoundError, match=data.MNIST_DIR_ENV):
        data.load_arrays("train")


def test_environment_directory_that_does_not_exist(tmp_path, monkeypatch, no_configured_mnist):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(data.MNISTNotFoundError, match="is not a directory"):
        data.resolve_source()


def test_environment_directory_is_used(tmp_path, monkeypatch, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "env", n_train=7)
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(folder))
    assert data.resolve_source().kind == "environment"
    assert data.builder("mnist").info.splits == {"train": 7, "test": 4}


def test_corrupt_file_in_named_directory_is_an_error_naming_it(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "corrupt")
    target = folder / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(IDXFormatError, match="train-images-idx3-ubyte.gz"):
        data.load_arrays("train", data_dir=folder)


def test_mismatched_counts_are_reported(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "mismatch")
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(IDXFormatError, match="6 images but .* 5 labels"):
        data.load_arrays("train", data_dir=folder)


def test_out_of_range_labels_are_reported(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "labels")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([1, 2, 3, 12], np.uint8))
    with pytest.raises(IDXFormatError, match="label 12 is outside 0-9"):
        data.load_arrays("test", data_dir=folder)


def test_offline_falls_back_to_the_embedded_subset_and_says_so_in_the_setup_report(no_configured_mnist, capsys,
                                                                                     caplog):
    """The subset is named in the setup report and the log, never printed by the load itself.

    A notice printed when the data is first loaded would land in whichever notebook cell
    loads it first -- a cell whose output nbval may compare.
    """
    from dbn_course.course.notebook import describe_setup

    with caplog.at_level("INFO", logger="dbn_course.data"):
        source = data.resolve_source()
        data.resolve_source()
    assert source.kind == "embedded" and source.is_subset
    assert capsys.readouterr() == ("", "")
    assert [r.getMessage().count("bundled with dbn-course") for r in caplog.records] == [1]
    report = describe_setup()
    assert "Data: bundled MNIST subset" in report and data.MNIST_DIR_ENV in report
    assert "bundled with dbn-course" in report
    info = data.builder("mnist").info
    assert info.splits == {"train": 10_000, "test": 2_000}
    assert "bundled MNIST subset" in str(info)


def test_offline_decision_is_bounded_when_the_network_hangs(no_configured_mnist, monkeypatch):
    """A probe whose connection never answers must not hold the caller past its timeout.

    The bounds are the course's promise to a learner offline (``ONLINE_PROBE_TIMEOUT_S``,
    5 s: the first data cell does not hang), with slack for a loaded machine.
    """
    release = threading.Event()

    def hanging_connection(*args, **kwargs):
        release.wait(60)
        raise OSError("never connected")

    monkeypatch.delenv(data.OFFLINE_ENV)
    monkeypatch.setattr(socket, "create_connection", hanging_connection)
    try:
        start = time.monotonic()
        assert data.is_online(timeout=0.5) is False
        assert time.monotonic() - start < 2.0

        start = time.monotonic()
        source = data.resolve_source()  # the default probe timeout
        elapsed = time.monotonic() - start
    finally:
        release.set()
    assert source.kind == "embedded"
    assert elapsed <= 10.0, f"deciding the machine is offline took {elapsed:.1f} s"


def test_probe_sees_a_listening_port_and_a_closed_one(monkeypatch):
    monkeypatch.delenv(data.OFFLINE_ENV)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert data.is_online("127.0.0.1", port, timeout=2.0) is True
    assert data.is_online("127.0.0.1", port, timeout=2.0) is False


def test_offline_switch_skips_the_probe(monkeypatch):
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("probed the network"))
    assert data.is_online() is False


def test_tfds_cache_detection(tmp_path):
    assert not mnist_sources._tfds_cache_present(tmp_path)
    (tmp_path / "mnist" / "3.0.1").mkdir(parents=True)
    (tmp_path / "mnist" / "3.0.1" / "dataset_info.json").write_text("{}")
    assert mnist_sources._tfds_cache_present(tmp_path)


def test_split_name_is_checked():
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_arrays("validation")


def test_builder_rejects_other_datasets():
    with pytest.raises(ValueError, match="only 'mnist'"):
        data.builder("cifar10")


# ----------------------------------------------------------------------- the data itself


def test_elements_match_tfds_mnist():
    ds = data.load("train")
    spec = ds.element_spec
    assert set(spec) == {"image", "label"}
    assert spec["image"].shape == (28, 28, 1) and spec["image"].dtype == tf.uint8
    assert spec["label"].shape == () and spec["label"].dtype == tf.int64
    supervised = data.load("test", as_supervised=True)
    image, label = next(iter(supervised))
    assert image.shape == (28, 28, 1) and label.dtype == tf.int64


def test_embedded_subset_is_real_mnist():
    images, labels = data.load_arrays("train", data_dir=data.EMBEDDED_DIR)
    assert images.shape == (10_000, 28, 28)
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first training labels
    test_images, test_labels = data.load_arrays("test", data_dir=data.EMBEDDED_DIR)
    assert test_images.shape == (2_000, 28, 28) and test_labels[0] == 7
    assert sorted(set(labels.tolist())) == list(range(10))


def test_embedded_subset_equals_the_first_images_of_the_full_set(full_mnist_dir):
    for split, size in data.EMBEDDED_SIZES.items():
        sub_images, sub_labels = data.load_arrays(split, data_dir=data.EMBEDDED_DIR)
        full_images, full_labels = data.load_arrays(split, data_dir=full_mnist_dir)
        np.testing.assert_array_equal(sub_images, full_images[:size])
        np.testing.assert_array_equal(sub_labels, full_labels[:size])


def test_embedded_subset_is_reproduced_byte_for_byte(full_mnist_dir, tmp_path):
    from dbn_course.data.idx import write_idx as write

    for split, size in data.EMBEDDED_SIZES.items():
        images, labels = data.load_arrays(split, data_dir=full_mnist_dir)
        images_stem, labels_stem = data.FILE_NAMES[split]
        write(tmp_path / f"{images_stem}.gz", images[:size])
        write(tmp_path / f"{labels_stem}.gz", labels[:size].astype(np.uint8))
        for stem in (images_stem, labels_stem):
            assert (tmp_path / f"{stem}.gz").read_bytes() == (data.EMBEDDED_DIR / f"{stem}.gz").read_bytes()


def test_full_copy_matches_published_facts(full_mnist_dir):
    train_images, train_labels = data.load_arrays("train", data_dir=full_mnist_dir)
    test_images, test_labels = data.load_arrays("test", data_dir=full_mnist_dir)
    assert np.bincount(train_labels).tolist() == FULL_TRAIN_LABEL_COUNTS
    assert np.bincount(test_labels).tolist() == FULL_TEST_LABEL_COUNTS
    assert train_images.mean() == pytest.approx(33.3184, abs=1e-4)
    assert test_images.mean() == pytest.approx(33.7912, abs=1e-4)


# ----------------------------------------------------------------------- transforms


def test_flatten_image_one_element_and_a_batch():
    image = np.zeros((28, 28, 1), np.uint8)
    image[0, 0, 0], image[27, 27, 0] = 255, 51
    vector, label = data.flatten_image({"image": image, "label": np.int64(3)})
    assert vector.shape == (784,) and vector.dtype == tf.float32
    assert float(vector[0]) == 1.0 and float(vector[-1]) == pytest.approx(0.2)
    assert int(label) == 3
    batch = data.flatten_image({"image": np.stack([image] * 5), "label": np.arange(5)}, label=False)
    assert batch.shape == (5, 784)


def test_flatten_image_in_a_dataset_pipeline():
    ds = data.load("test").map(lambda x: data.flatten_image(x, label=False)).batch(32)
    batch = next(iter(ds))
    assert batch.shape == (32, 784)
    assert 0.0 <= float(tf.reduce_min(batch)) and float(tf.reduce_max(batch)) <= 1.0


def test_binarize_threshold():
    x = np.array([0.0, 0.49, 0.5, 0.51, 1.0], np.float32)
    assert data.binarize_threshold(x).numpy().tolist() == [0, 0, 0, 1, 1]
    assert data.binarize_threshold(x, threshold=0.2).numpy().tolist() == [0, 1, 1, 1, 1]


def test_binarize_stochastic_is_seeded_and_unbiased():
    x = np.full((200, 784), 0.3, np.float32)
    first = data.binarize_stochastic(x, seed=7).numpy()
    again = data.binarize_stochastic(x, seed=7).numpy()
    other = data.binarize_stochastic(x, seed=8).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert set(np.unique(first)) <= {0.0, 1.0}
    # 156,800 Bernoulli(0.3) draws: standard deviation of the mean is about 0.0012.
    assert abs(first.mean() - 0.3) < 0.006
    ends = data.binarize_stochastic(np.array([0.0, 1.0] * 50, np.float32), seed=(1, 2)).numpy()
    assert (ends[::2] == 0).all() and (ends[1::2] == 1).all()


def test_binarize_stochastic_in_a_dataset_gives_fresh_noise_per_example():
    grey = tf.data.Dataset.from_tensor_slices(np.full((4, 784), 0.5, np.float32))
    out = list(grey.enumerate().map(lambda i, v: data.binarize_stochastic(v, seed=(7, i))))
    assert not np.array_equal(out[0].numpy(), out[1].numpy())


@pytest.mark.parametrize("bad", [np.array([0.5, 1.5]), np.array([-0.1, 0.5]), np.array([0.5, np.nan])])
@pytest.mark.parametrize("fn", [data.binarize_threshold, lambda x: data.binarize_stochastic(x, seed=0)])
def test_binarize_rejects_values_outside_the_unit_interval(bad, fn):
    with pytest.raises(ValueError, match="NaN|must lie in"):
        fn(bad)


def test_binarize_threshold_checks_the_threshold():
    with pytest.raises(ValueError, match="threshold"):
        data.binarize_threshold(np.zeros(3), threshold=2.0)


def test_current_source_tracks_the_last_load(tmp_path, no_configured_mnist):
    folder = make_mnist_dir(tmp_path / "mine")
    data.resolve_source(folder)
    assert data.current_source().kind == "directory"
    shutil.rmtree(folder)


# ----------------------------------------------------------------------- tensorflow-datasets sources


class FakeBuilder:
    """Stands in for ``tfds.builder("mnist")``: records what the data layer asks of it."""

    calls: list = []

    def __init__(self, prepared, fail_download=False):
        self.prepared, self.fail_download = prepared, fail_download

    def is_prepared(self):
        FakeBuilder.calls.append("is_prepared")
        return self.prepared

    def download_and_prepare(self):
        FakeBuilder.calls.append("download_and_prepare")
        if self.fail_download:
            raise ConnectionError("no route to host")
        self.prepared = True


@pytest.fixture
def fake_tfds(monkeypatch):
    import sys
    import types

    module = types.ModuleType("tensorflow_datasets")
    state = {"prepared": False, "fail_download": False}
    module.builder = lambda name, data_dir=None: FakeBuilder(state["prepared"], state["fail_download"])
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", module)
    FakeBuilder.calls = []
    return state


def test_tfds_cache_comes_before_any_download(no_configured_mnist, fake_tfds, monkeypatch):
    fake_tfds["prepared"] = True
    monkeypatch.setattr(mnist_sources, "_tfds_cache_present", lambda directory: True)
    monkeypatch.setattr(mnist_sources, "is_online", lambda: pytest.fail("probed the network with a cache present"))
    source = data.resolve_source()
    assert source.kind == "tfds" and source.describe() == "MNIST from tensorflow-datasets"
    assert FakeBuilder.calls == ["is_prepared"]


def test_tfds_download_only_when_online(no_configured_mnist, fake_tfds, monkeypatch):
    monkeypatch.setattr(mnist_sources, "is_online", lambda: True)
    assert data.resolve_source().kind == "tfds"
    assert FakeBuilder.calls == ["is_prepared", "download_and_prepare"]


def test_failed_download_falls_back_to_the_subset(no_configured_mnist, fake_tfds, monkeypatch, capsys, caplog):
    fake_tfds["fail_download"] = True
    monkeypatch.setattr(mnist_sources, "is_online", lambda: True)
    with caplog.at_level("INFO", logger="dbn_course.data"):
        assert data.resolve_source().kind == "embedded"
    assert capsys.readouterr().out == ""
    logged = caplog.text
    assert "could not provide MNIST (ConnectionError: no route to host)" in logged
    assert "bundled with dbn-course" in logged


def test_download_can_be_refused(no_configured_mnist, fake_tfds, monkeypatch):
    monkeypatch.setattr(mnist_sources, "is_online", lambda: pytest.fail("probed the network with download=False"))
    assert data.resolve_source(download=False).kind == "embedded"


def test_binarize_images_is_seeded_chunked_and_unbiased():
    images = data.load_arrays("train", data_dir=data.EMBEDDED_DIR)[0][:2500]
    bits = data.binarize_images(images, seed=1, chunk_size=1000)
    assert bits.shape == (2500, 784) and bits.dtype == np.bool_
    np.testing.assert_array_equal(bits, data.binarize_images(images, seed=1, chunk_size=1000))
    assert not np.array_equal(bits, data.binarize_images(images, seed=2, chunk_size=1000))
    # Chunk k is binarize_stochastic with the seed (seed, k).
    second = data.binarize_stochastic(images[1000:2000].reshape(1000, -1) / 255.0, seed=(1, 1)).numpy()
    np.testing.assert_array_equal(bits[1000:2000], second.astype(bool))
    # Each pixel is 1 with probability value / 255: 1.96 million draws agree to well within 0.002.
    assert abs(bits.mean() - images.mean() / 255.0) < 0.002
    with pytest.raises(ValueError, match="uint8"):
        data.binarize_images(images / 255.0, seed=1)
