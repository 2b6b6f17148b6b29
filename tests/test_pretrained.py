"""The shipped models: they load, have the recorded architecture, and classify at their recorded error."""

import numpy as np
import pytest

from dbn_course import classifier, data, pretrained, saving
from dbn_course.dbn import DBN
from dbn_course.training import recipe


@pytest.fixture(scope="module")
def shipped():
    return pretrained.load_dbn("up_down"), pretrained.load_classifier(), pretrained.metadata()


def test_the_shipped_models_have_the_papers_architecture(shipped):
    dbn, model, metadata = shipped
    hidden_units = metadata["recipe"]["pretraining"]["hidden_units"]
    assert isinstance(dbn, DBN) and dbn.layer_sizes == [784, *hidden_units] == [784, 500, 500, 2000]
    assert dbn.number_label_units == 10
    assert [layer.units for layer in classifier.dense_layers(model)] == [500, 500, 2000, 10]


def test_the_shipped_weights_classify_the_full_test_set_at_their_recorded_error(shipped, full_mnist_dir):
    dbn, model, metadata = shipped
    images, labels = data.load_arrays("test", data_dir=full_mnist_dir)
    assert metadata["test_examples"] == len(labels) == 10_000
    # The same float16 weights on the same images: at most one digit may flip on another CPU.
    assert classifier.error_pct(model, images, labels) == pytest.approx(metadata["classifier_test_error_pct"],
                                                                        abs=0.011)
    assert dbn.error_pct(images, labels) == pytest.approx(metadata["dbn_updown_test_error_pct"], abs=0.011)
    refined = pretrained.load_dbn()
    assert refined.error_pct(images, labels) == pytest.approx(metadata["dbn_top_level_pcd_test_error_pct"],
                                                              abs=0.011)


def test_the_refined_top_level_replaces_only_the_top_rbm(shipped):
    up_down, refined = shipped[0], pretrained.load_dbn("pcd")
    for before, after in zip(up_down.weights, refined.weights):
        same = np.array_equal(before.numpy(), after.numpy())
        assert same == (not before.path.split("/")[-2] == up_down.top.name), before.path
    with pytest.raises(ValueError, match="top_level"):
        pretrained.load_dbn("cd")


def test_the_shipped_classifier_reads_the_bundled_test_digits(shipped):
    _, model, _ = shipped
    images, labels = data.load_arrays("test", data_dir=data.EMBEDDED_DIR)
    assert classifier.error_pct(model, images, labels) < 3.0
    pixels = images[:50].reshape(50, 784) / 255.0
    assert np.array_equal(pretrained.classify(images[:50]), np.argmax(model.predict(pixels, verbose=0), axis=1))


def test_float16_round_trip(tmp_path):
    model = classifier.classifier_network([6, 5], 3, seed=1)
    saving.save_float16(model, tmp_path / "m.npz")
    loaded = saving.load_float16(tmp_path / "m.npz")
    for original, restored in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(restored, original, rtol=1e-3, atol=1e-4)
        np.testing.assert_array_equal(restored, original.astype(np.float16).astype(np.float32))
    other = classifier.classifier_network([6, 4], 3, seed=1)
    saving.save_float16(other, tmp_path / "other.npz")
    stored = dict(np.load(tmp_path / "other.npz"))
    stored["config"] = np.load(tmp_path / "m.npz")["config"]
    np.savez(tmp_path / "mixed.npz", **stored)
    with pytest.raises(ValueError):
        saving.load_float16(tmp_path / "mixed.npz")


@pytest.mark.slow
def test_the_reproduction_script_runs_its_shrunken_recipe(tmp_path):
    import json
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "dbn_course.reproduce", "--quick", "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, DBN_COURSE_OFFLINE="1"))
    assert result.returncode == 0, result.stderr[-3000:]
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["recipe"] == recipe.quick().to_dict()
    assert 0 <= metadata["classifier_test_error_pct"] <= 100
    assert 0 <= metadata["conditional_sample_accuracy_pct"] <= 100
    assert sum(metadata["up_down_epochs_per_stage"].values()) == metadata["up_down_epochs"] >= 1
    loaded = saving.load_float16(tmp_path / "mnist_dbn.npz")
    assert isinstance(loaded, DBN) and loaded.layer_sizes == [784, 64, 64, 128]
    refined = pretrained.load_dbn("pcd", tmp_path)
    assert not np.array_equal(refined.top.W.numpy(), loaded.top.W.numpy())
    assert 0 <= metadata["dbn_top_level_pcd_test_error_pct"] <= 100
    # A part written later by another recipe would make the record lie: it is refused.
    from dbn_course.reproduce import write_classifier

    other = recipe.quick().replace(seed=1)
    before = (tmp_path / "mnist_classifier.npz").read_bytes()
    with pytest.raises(ValueError, match="another recipe"):
        write_classifier(classifier.classifier_network([784, 3], 10, seed=1), [], [], other, {}, tmp_path)
    assert (tmp_path / "mnist_classifier.npz").read_bytes() == before  # refused before anything was written


def test_the_shipped_metadata_records_the_course_recipe():
    """metadata.json's recipe is recipe.SHIPPED: the code and the record of the shipped models agree."""
    assert pretrained.metadata()["recipe"] == recipe.SHIPPED.to_dict()
