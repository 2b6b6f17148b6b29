"""The Deep Belief Network: configuration, pretraining, up-down phases, sampling, classifiers, saving."""

import numpy as np
import pytest
import tensorflow as tf

from dbn_course import data, saving
from dbn_course.classifier import classifier_network, dense_layers, error_pct
from dbn_course.dbn import DBN
from dbn_course.top_level import LabelledRBM
from dbn_course.training.cd import trainer_for


def small_params(sizes=(784, 64, 64, 128), **extra):
    params = [dict(number_visible_units=sizes[0], number_hidden_units=sizes[1], **extra)]
    params += [dict(number_hidden_units=n, **extra) for n in sizes[2:]]
    return params


@pytest.fixture(scope="module")
def mnist_subset():
    images, labels = data.load_arrays("train")
    return images[:2000].reshape(-1, 784), labels[:2000]


@pytest.fixture(scope="module")
def pretrained(mnist_subset):
    images, labels = mnist_subset
    dbn = DBN(small_params(momentum=0.5), num_epochs=3, batch_size=20, number_label_units=10, seed=0)
    histories = dbn.pretrain(images, labels, progress=False, monitor_size=500)
    return dbn, histories


# ----------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "rbm_params, kwargs, message",
    [
        ([], {}, "empty"),
        ({"number_hidden_units": 5}, {}, "list of dicts"),
        ([5], {}, "must be a dict"),
        ([dict(number_hidden_units=5)], {}, "number_visible_units"),
        ([dict(number_visible_units=784, number_hidden_units=5), dict(number_visible_units=6, number_hidden_units=3)],
         {}, "do not chain"),
        ([dict(number_visible_units=784, number_hidden_units=5, hidden=3)], {}, "unknown arguments"),
        ([dict(number_visible_units=784)], {}, "number_hidden_units"),
        ([dict(number_visible_units=784, number_hidden_units=0)], {}, "number_hidden_units"),
        ([dict(number_visible_units=784, number_hidden_units=5, learning_rate=-1)], {}, "learning_rate"),
        (small_params(), dict(num_epochs=0), "num_epochs"),
        (small_params(), dict(batch_size=2.5), "batch_size"),
        (small_params(), dict(number_label_units=1), "number_label_units"),
        (small_params(), dict(tolerance=float("nan")), "tolerance"),
    ],
)
def test_bad_configurations_are_rejected(rbm_params, kwargs, message):
    with pytest.raises(ValueError, match=message):
        DBN(rbm_params, **kwargs)


def test_layer_sizes_chain_and_shapes_hold():
    dbn = DBN(small_params(), number_label_units=10, seed=0)
    assert dbn.layer_sizes == [784, 64, 64, 128]
    assert [tuple(rbm.W.shape) for rbm in dbn.rbms] == [(784, 64), (64, 64), (64 + 10, 128)]
    assert isinstance(dbn.top, LabelledRBM) and dbn.top.number_feature_units == 64
    assert [tuple(g.shape) for g in dbn.generative_weights] == [(64, 784), (64, 64)]
    probabilities = dbn(np.random.default_rng(0).random((5, 784)).astype(np.float32)).numpy()
    assert probabilities.shape == (5, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    unlabelled = DBN(small_params(), seed=0)
    assert unlabelled(np.zeros((2, 784), np.float32)).shape == (2, 128)


def test_the_dbn_is_a_keras_model_built_from_its_layer_sizes():
    """The constructor builds every weight (Keras' build), and the forward pass works on symbolic inputs too."""
    import keras

    dbn = DBN(small_params((784, 32, 48)), number_label_units=10, seed=0)
    assert dbn.built and all(rbm.built for rbm in dbn.rbms)
    assert [w.path for w in dbn.weights][:2] == ["deep_belief_network/G_1", "deep_belief_network/g_1"]
    assert dbn.count_params() == 32 * 784 + 784 + (784 * 32 + 784 + 32) + (42 * 48 + 42 + 48)
    assert dbn.compute_output_shape((None, 784)) == (None, 10)
    inputs = keras.Input((784,))
    wrapped = keras.Model(inputs, dbn(inputs))
    assert wrapped.output.shape == (None, 10)
    images = np.random.default_rng(1).random((4, 784)).astype(np.float32)
    np.testing.assert_allclose(wrapped.predict(images, verbose=0), dbn(images).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="784 visible units"):
        dbn.build((None, 28))
    unlabelled = DBN(small_params((784, 32, 48)), seed=0)
    assert unlabelled.compute_output_shape((None, 784)) == (None, 48)


def test_an_unlabelled_dbns_frames_are_the_chains_states(mnist_subset):
    """The last recorded frame is the chain's final state, taken down: the digits returned."""
    dbn = DBN(small_params((784, 16, 32)), num_epochs=1, seed=0)
    dbn.pretrain(mnist_subset[0][:200], progress=False)
    images, _, frames = dbn.generate(n=3, gibbs_steps=10, record_every=5)
    assert frames.shape == (2, 3, 784)
    np.testing.assert_array_equal(frames[-1], images)  # two layers: the down pass from h_1 draws nothing
    assert not np.array_equal(frames[0], frames[1])


def test_the_book_can_give_every_layer_its_visible_units():
    dbn = DBN([dict(number_visible_units=784, number_hidden_units=20),
               dict(number_visible_units=20, number_hidden_units=30)], seed=0)
    assert dbn.layer_sizes == [784, 20, 30]


def test_wrong_inputs_are_rejected(pretrained, mnist_subset):
    dbn, _ = pretrained
    images, labels = mnist_subset
    with pytest.raises(ValueError, match="shape"):
        dbn.predict_labels(np.zeros((3, 100), np.float32))
    with pytest.raises(ValueError, match="must lie in"):
        dbn.predict_labels(np.full((3, 784), 1.5, np.float32))
    with pytest.raises(ValueError, match="labels"):
        dbn.pretrain(images[:10], labels[:9], progress=False)
    with pytest.raises(ValueError, match="pass the labels"):
        dbn.up_down(images[:10], progress=False)
    with pytest.raises(ValueError, match="learning_rate"):
        dbn.up_down(images[:10], labels[:10], learning_rate=0, progress=False)
    with pytest.raises(ValueError, match="labels"):
        dbn.generate(labels=[3, 11], gibbs_steps=2)


# ----------------------------------------------------------------------- pretraining


def test_pretraining_lowers_every_layers_reconstruction_cost(pretrained):
    _, histories = pretrained
    assert len(histories) == 3
    for history in histories:
        assert len(history["reconstruction_cost"]) == 3
        assert history["reconstruction_cost"][-1] < history["reconstruction_cost"][0]


def test_pretraining_ties_the_generative_weights(pretrained):
    dbn, _ = pretrained
    for rbm, weights, biases in zip(dbn.rbms[:-1], dbn.generative_weights, dbn.generative_biases):
        np.testing.assert_array_equal(weights.numpy(), rbm.W.numpy().T)
        np.testing.assert_array_equal(biases.numpy(), rbm.b.numpy())


def test_pretraining_accepts_a_dataset_of_image_label_pairs(mnist_subset):
    images, labels = mnist_subset
    dataset = tf.data.Dataset.from_tensor_slices((images[:300].reshape(-1, 28, 28, 1), labels[:300]))
    dbn = DBN(small_params((784, 16, 32)), num_epochs=1, number_label_units=10, seed=0)
    histories = dbn.pretrain(dataset, progress=False)
    assert len(histories) == 2


def test_generative_classification_beats_chance(pretrained, mnist_subset):
    dbn, _ = pretrained
    images, labels = mnist_subset
    assert dbn.error_pct(images[:1000], labels[:1000]) < 40  # chance: 90%


# ----------------------------------------------------------------------- up-down


def snapshot(dbn):
    return {w.path: w.numpy().copy() for w in dbn.weights}


def changed(before, dbn):
    return {w.path for w in dbn.weights if not np.array_equal(before[w.path], w.numpy())}


GENERATIVE = {"deep_belief_network/G_1", "deep_belief_network/g_1", "deep_belief_network/G_2",
              "deep_belief_network/g_2"}
TOP = {"rbm_3/W", "rbm_3/b", "rbm_3/c"}
RECOGNITION = {"rbm_1/W", "rbm_1/c", "rbm_2/W", "rbm_2/c"}


@pytest.mark.parametrize("phase, expected", [("wake_update", GENERATIVE), ("top_update", TOP),
                                             ("sleep_update", RECOGNITION)])
def test_each_phase_changes_only_its_own_weights(mnist_subset, phase, expected):
    images, labels = mnist_subset
    dbn = DBN(small_params(), number_label_units=10, seed=0)
    before = snapshot(dbn)
    cost = getattr(dbn, phase)(images[:100], labels[:100], learning_rate=0.05)
    assert np.isfinite(cost)
    assert changed(before, dbn) == expected


def test_an_up_down_epoch_changes_every_weight_but_the_unused_visible_biases(pretrained, mnist_subset):
    images, labels = mnist_subset
    dbn = DBN.from_config(pretrained[0].get_config())
    dbn.set_weights(pretrained[0].get_weights())
    before = snapshot(dbn)
    history = dbn.up_down(images, labels, num_epochs=2, learning_rate=0.01, batch_size=50, progress=False,
                          monitor_size=500, monitor=(images[-300:], labels[-300:]))
    assert changed(before, dbn) == GENERATIVE | TOP | RECOGNITION
    assert len(history["reconstruction_cost"]) == len(history["train_error_pct"]) == 2
    assert len(history["monitor_error_pct"]) == 2
    assert history["train_error_pct"][-1] < 40


def test_up_down_is_reproducible_with_a_seed(mnist_subset):
    images, labels = mnist_subset
    runs = []
    for _ in range(2):
        dbn = DBN(small_params((784, 16, 16, 32)), number_label_units=10, seed=4)
        dbn.up_down(images[:500], labels[:500], num_epochs=1, progress=False, monitor_size=100)
        runs.append(dbn.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*runs))


# ----------------------------------------------------------------------- generation


def test_class_conditional_samples_have_the_right_shape_range_and_labels(pretrained):
    dbn, _ = pretrained
    images, labels, frames = dbn.generate(labels=np.arange(10), gibbs_steps=20, record_every=5)
    assert images.shape == (10, 784) and frames.shape == (4, 10, 784)
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(labels, np.arange(10))


def test_unconditional_samples_draw_their_labels(pretrained):
    dbn, _ = pretrained
    images, labels = dbn.generate(n=200, gibbs_steps=20)
    assert images.shape == (200, 784) and labels.shape == (200,)
    assert len(np.unique(labels)) > 1


def test_an_unlabelled_dbn_generates_too(mnist_subset):
    dbn = DBN(small_params((784, 16, 32)), num_epochs=1, seed=0)
    dbn.pretrain(mnist_subset[0][:500], progress=False)
    images, labels, frames = dbn.generate(n=3, gibbs_steps=10, record_every=5)
    assert images.shape == (3, 784) and labels is None and frames.shape == (2, 3, 784)
    with pytest.raises(ValueError, match="no label units"):
        dbn.generate(labels=[1], gibbs_steps=2)


# ----------------------------------------------------------------------- backpropagation


def test_the_classifier_starts_from_the_dbns_weights(pretrained):
    dbn, _ = pretrained
    model = dbn.to_classifier()
    dense = dense_layers(model)
    assert [layer.units for layer in dense] == [64, 64, 128, 10]
    np.testing.assert_array_equal(dense[0].kernel.numpy(), dbn.rbms[0].W.numpy())
    np.testing.assert_array_equal(dense[2].kernel.numpy(), dbn.top.W.numpy()[:64])
    np.testing.assert_array_equal(dense[3].kernel.numpy(), dbn.top.W.numpy()[64:].T)
    np.testing.assert_array_equal(dense[3].bias.numpy(), dbn.top.b.numpy()[64:])


def test_the_fine_tuned_classifier_beats_chance_after_a_short_run(pretrained, mnist_subset):
    import keras

    dbn, _ = pretrained
    images, labels = mnist_subset
    model = dbn.to_classifier(seed=0)
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy")
    # In order: Keras shuffles with its unseeded global generator, and shuffled runs ended
    # anywhere from 17.6% to 25.8%; this one ends at 18.6%.
    model.fit(images[:1500] / 255.0, labels[:1500], batch_size=50, epochs=3, verbose=0, shuffle=False)
    assert error_pct(model, images[1500:], labels[1500:]) < 25  # chance: 90%


def test_the_random_baseline_has_the_same_architecture():
    model = classifier_network([784, 64, 64, 128], 10, dropout=0.5, input_dropout=0.2, seed=0)
    assert [layer.units for layer in dense_layers(model)] == [64, 64, 128, 10]
    again = classifier_network([784, 64, 64, 128], 10, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))
    with pytest.raises(ValueError, match="dropout"):
        classifier_network([784, 10], dropout=1.0)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        classifier_network([784])


# ----------------------------------------------------------------------- saving


def test_save_and_load_restore_weights_and_configuration_exactly(pretrained, tmp_path, mnist_subset):
    dbn, _ = pretrained
    saving.save_model(dbn, tmp_path / "dbn.keras")
    loaded = saving.load_model(tmp_path / "dbn.keras", expect=DBN)
    assert loaded.get_config() == dbn.get_config()
    assert [w.path for w in loaded.weights] == [w.path for w in dbn.weights]
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), dbn.get_weights()))
    images = mnist_subset[0][:50]
    np.testing.assert_array_equal(loaded.predict_labels(images), dbn.predict_labels(images))


def test_loading_something_else_is_rejected(tmp_path):
    import keras

    model = classifier_network([4, 3])
    model.save(tmp_path / "other.keras")
    with pytest.raises(ValueError, match="holds a Sequential, not a DBN"):
        saving.load_model(tmp_path / "other.keras", expect=DBN)
    assert isinstance(keras.saving.load_model(tmp_path / "other.keras"), keras.Sequential)


# ----------------------------------------------------------------------- stopping and refining


def test_a_stop_request_ends_pretraining_up_down_and_backprop_within_the_first_block(mnist_subset):
    import threading

    from dbn_course.training.backprop import fine_tune

    images, labels = mnist_subset
    stop = threading.Event()
    stop.set()
    dbn = DBN(small_params((784, 16, 16, 32)), num_epochs=5, batch_size=10, number_label_units=10, seed=0)
    histories = dbn.pretrain(images, labels, progress=False, monitor_size=100, stop_event=stop)
    assert len(histories) == 1 and len(histories[0]["epoch_seconds"]) == 1 and histories[0]["stopped_early"]
    history = dbn.up_down(images, labels, num_epochs=5, batch_size=10, progress=False, monitor_size=100,
                          stop_event=stop)
    assert len(history["epoch_seconds"]) == 1 and history["stopped_early"]
    tuned = fine_tune(dbn.to_classifier(seed=0), images, labels, num_epochs=5, batch_size=10, stop_event=stop)
    assert len(tuned["loss"]) == 1


def test_refining_the_top_level_changes_only_the_top_and_decays_its_learning_rate(pretrained, mnist_subset):
    images, labels = mnist_subset
    dbn = DBN.from_config(pretrained[0].get_config())
    dbn.set_weights(pretrained[0].get_weights())
    top = dbn.top
    config = top.get_config()
    before = snapshot(dbn)
    seen = []
    history = dbn.refine_top_level(images, labels, num_epochs=4, learning_rate=0.002, cd_steps=2, progress=False,
                                   monitor_size=200, callbacks=[lambda rbm, epoch, h: seen.append(rbm)])
    assert changed(before, dbn) == TOP and seen == [top] * 4
    assert len(history["reconstruction_cost"]) == 4
    # Epoch e (from 0) trains at 0.002 * (1 - e / 4), by PCD-2; the top RBM's own settings stay.
    np.testing.assert_allclose(history["learning_rate"], [0.002, 0.0015, 0.001, 0.0005])
    assert top.get_config() == config and trainer_for(top, top.cd_settings(cd_steps=2, persistent=True)).chains \
        is not None
    assert dbn.error_pct(images[:500], labels[:500]) < 60


def test_fine_tuning_is_reproducible_with_a_seed(pretrained, mnist_subset):
    """The second run in a process shuffles as the first did (the global seed is set before the data)."""
    from dbn_course.training.backprop import fine_tune

    images, labels = mnist_subset
    losses = [fine_tune(pretrained[0].to_classifier(seed=0), images[:600], labels[:600], num_epochs=2, batch_size=50,
                        seed=3)["loss"] for _ in range(2)]
    assert losses[0] == losses[1]
