"""What a learner plausibly types, and the answer each gets.

Each case either simply works, where what was meant is plain, or ends in an error raised
by the package -- ``ValueError`` or ``TypeError`` (``FileNotFoundError`` for a missing data
folder, the package's ``ArithmeticError`` subclass for divergence) -- whose message says
what to do, and leaves the model's weights as they were. The property tests at the end
throw generated inputs at the public entry points with the same demand.
"""

from functools import partial

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dbn_course import classifier, data, hopfield
from dbn_course.checks import FiniteGuard, TrainingDivergedError
from dbn_course.data import flatten_image
from dbn_course.rbm import RBM, train_rbm
from dbn_course.sampling import annealing
from dbn_course.training import backprop
from dbn_course.training.recipe import make_dbn

ANSWERS = (ValueError, TypeError, FileNotFoundError, TrainingDivergedError)


def weights(model):
    return [np.array(w) for w in model.get_weights()]


def assert_untouched(before, model):
    after = weights(model)
    assert len(before) == len(after)
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)


@pytest.fixture(scope="module")
def digits():
    """The first 300 training digits as a tfds-shaped dataset and as uint8 arrays (n, 28, 28)."""
    images, labels = data.load_arrays("train")
    return data.load("train").take(300), images[:300], labels[:300]


@pytest.fixture
def rbm():
    return RBM(16, 784, seed=0)


# ------------------------------------------------------------------ the finiteness guard


def test_an_empty_minibatch_is_refused_and_the_weights_stay_finite(rbm):
    before = weights(rbm)
    with pytest.raises(ValueError, match="empty"):
        rbm.cd_update(np.zeros((0, 784), np.float32))
    assert_untouched(before, rbm)
    assert np.isfinite(rbm.cd_update(np.full((4, 784), 0.5, np.float32)))


def test_a_diverging_update_puts_the_last_finite_weights_back(digits):
    _, images, _ = digits
    rbm = RBM(16, 784, learning_rate=1e38, seed=0)
    grey = images[:50].reshape(50, -1) / 255.0
    with pytest.raises(TrainingDivergedError, match="put back.*Lower the learning rate"):
        for _ in range(5):
            rbm.cd_update(grey)
    assert all(np.isfinite(w).all() for w in weights(rbm))


def test_train_rbm_stops_a_divergence_with_finite_weights(digits):
    _, images, _ = digits
    rbm = RBM(16, 784, learning_rate=1e38, momentum=0.9, seed=0)
    with pytest.raises(TrainingDivergedError, match="in epoch 1"):
        train_rbm(rbm, images.reshape(300, -1), num_epochs=3, progress=False)
    assert all(np.isfinite(w).all() for w in weights(rbm))


def test_dbn_updates_put_the_last_finite_weights_back(digits):
    _, images, labels = digits
    dbn = make_dbn([16, 16, 32], num_epochs=1, batch_size=50)
    dbn.pretrain(images, labels, progress=False)
    with pytest.raises(TrainingDivergedError, match="the DBN"):
        for _ in range(5):
            dbn.wake_update(images[:50], labels[:50], learning_rate=1e38)
            dbn.top_update(images[:50], labels[:50], learning_rate=1e38)
            dbn.sleep_update(images[:50], labels[:50], learning_rate=1e38)
    assert all(np.isfinite(w).all() for w in weights(dbn))
    with pytest.raises(TrainingDivergedError, match="epoch 1 of up-down fine-tuning"):
        dbn.up_down(images, labels, num_epochs=2, learning_rate=1e38, progress=False)
    assert all(np.isfinite(w).all() for w in weights(dbn))


def test_fine_tuning_puts_the_last_finite_weights_back(digits):
    _, images, labels = digits
    model = classifier.classifier_network([784, 16], 10, seed=0)
    with pytest.raises(TrainingDivergedError, match="classifier"):
        backprop.fine_tune(model, images, labels, num_epochs=3, learning_rate=1e38, momentum=0.9)
    assert all(np.isfinite(w).all() for w in weights(model))


def test_the_guard_restores_exactly_what_it_saved():
    variable = tf.Variable([1.0, 2.0])
    guard = FiniteGuard([variable], "the toy")
    variable.assign([3.0, 4.0])
    guard.check("now")  # finite: the new values become the checkpoint
    variable.assign([np.nan, 5.0])
    with pytest.raises(TrainingDivergedError, match="the toy's weights became NaN or infinite now"):
        guard.check("now")
    np.testing.assert_array_equal(variable.numpy(), [3.0, 4.0])


# ------------------------------------------------------------------ the book's calls on the book's data


def test_a_labelled_dataset_trains_an_rbm_without_its_labels(rbm, digits):
    dataset, _, _ = digits
    history = train_rbm(rbm, dataset, map_fn=flatten_image, num_epochs=1, progress=False).history
    assert np.isfinite(history["reconstruction_cost"]).all()
    assert np.isfinite(rbm.cd_update(next(iter(dataset.map(flatten_image).batch(100)))))
    # A dataset batched as the book batches its pipelines is unbatched and batched again.
    history = train_rbm(rbm, dataset.map(flatten_image).batch(32), num_epochs=1, batch_size=100, progress=False).history
    assert np.isfinite(history["reconstruction_cost"]).all()
    with pytest.raises(ValueError, match="map them to vectors of 784 values"):
        train_rbm(rbm, dataset.map(lambda x: x["image"][:10]), progress=False)


def test_uint8_pixels_are_read_as_value_over_255(rbm, digits):
    dataset, images, _ = digits
    element = next(iter(dataset))
    single = rbm.forward(element["image"])
    assert single.shape == (1, 16)
    np.testing.assert_allclose(single, rbm.forward(images[:1].reshape(1, -1) / 255.0), rtol=1e-6)
    assert np.isfinite(rbm.cd_update(tf.constant(images[:100])))
    history = train_rbm(rbm, dataset.map(lambda x: x["image"]), num_epochs=1, progress=False).history
    assert np.isfinite(history["reconstruction_cost"]).all()
    dbn = make_dbn([16, 16, 32])
    np.testing.assert_allclose(dbn(images[:5]), dbn(images[:5].reshape(5, -1) / 255.0), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda rbm, x: rbm.forward(x),
    lambda rbm, x: rbm.cd_update(x),
    lambda rbm, x: rbm(x),
    lambda rbm, x: train_rbm(rbm, x, progress=False),
])
def test_pixel_values_as_floats_get_a_hint(rbm, digits, call):
    _, images, _ = digits
    before = weights(rbm)
    with pytest.raises(ValueError, match="divide by 255"):
        call(rbm, images[:20].reshape(20, -1).astype(np.float32))
    assert_untouched(before, rbm)


def test_a_dbn_refuses_pixel_values_as_floats_with_its_own_message(digits):
    _, images, _ = digits
    dbn = make_dbn([16, 16, 32])
    with pytest.raises(ValueError, match="^images must lie in \\[0, 1\\].*divide by 255"):
        dbn(images[:5].astype(np.float32))


def test_flatten_image_maps_a_supervised_dataset():
    vector, label = next(iter(data.load("train", as_supervised=True).map(flatten_image)))
    assert vector.shape == (784,) and label.dtype == tf.int64
    assert float(tf.reduce_max(vector)) <= 1.0


def test_an_empty_dataset_says_the_training_data_is_empty(rbm, digits):
    dataset, _, _ = digits
    with pytest.raises(ValueError, match="training data is empty"):
        train_rbm(rbm, dataset.take(0), map_fn=partial(flatten_image, label=False), progress=False)
    with pytest.raises(ValueError, match="training data is empty"):
        train_rbm(rbm, np.zeros((0, 784), np.float32), progress=False)


@pytest.mark.parametrize("measure", [
    lambda rbm, v: rbm.pseudo_likelihood(v),
    lambda rbm, v: annealing.ais_log_likelihood(rbm, v, annealing.ais_log_partition(
        rbm, np.zeros(784, np.float32), n_runs=2, betas=np.linspace(0, 1, 5))),
])
def test_likelihoods_of_grey_images_are_refused(rbm, digits, measure):
    _, images, _ = digits
    with pytest.raises(ValueError, match="must be binary.*binarise them first"):
        measure(rbm, images[:10].reshape(10, -1) / 255.0)
    assert np.isfinite(measure(rbm, data.binarize_images(images[:10], seed=0)))


def test_the_books_compile_and_fit_point_to_the_classifier(digits):
    _, images, labels = digits
    dbn = make_dbn([16, 16, 32])
    before = weights(dbn)
    for call in (lambda: dbn.compile(loss=keras.losses.CategoricalCrossentropy()),
                 lambda: dbn.fit(images, labels)):
        with pytest.raises(TypeError, match="to_classifier"):
            call()
    assert_untouched(before, dbn)
    assert dbn.count_params() > 0
    model = dbn.to_classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(images.reshape(300, -1) / 255.0, labels, epochs=1, verbose=0)


def test_fine_tuning_leaves_the_learners_random_state_alone(digits):
    _, images, labels = digits
    tf.random.set_seed(1234)
    np.random.seed(1234)
    expected_tf, expected_np = tf.random.uniform([3]).numpy(), np.random.rand(3)
    tf.random.set_seed(1234)
    np.random.seed(1234)
    model = classifier.classifier_network([784, 16], 10, seed=0)
    first = backprop.fine_tune(model, images, labels, num_epochs=1, seed=3)
    np.testing.assert_array_equal(tf.random.uniform([3]).numpy(), expected_tf)
    np.testing.assert_array_equal(np.random.rand(3), expected_np)
    # and its own seed alone makes it reproducible, whatever the global seed
    tf.random.set_seed(99)
    again = backprop.fine_tune(classifier.classifier_network([784, 16], 10, seed=0), images, labels,
                                 num_epochs=1, seed=3)
    assert again["loss"] == pytest.approx(first["loss"], rel=1e-6)


def test_a_missing_data_folder_names_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks the MNIST file"):
        data.load_arrays("train", data_dir=tmp_path)


# ------------------------------------------------------------------ properties over generated inputs

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def rbm_and_data(draw, binary_only=False):
    n_visible = draw(st.integers(1, 64))
    n_hidden = draw(st.integers(1, 64))
    rows = draw(st.integers(0, 32))
    width = draw(st.sampled_from([n_visible, n_visible, n_visible + 1]))
    kind = draw(st.sampled_from(["binary", "grey", "uint8", "bool", "wild"]))
    shape = (rows, width)
    if kind == "binary":
        values = draw(hnp.arrays(np.float32, shape, elements=st.sampled_from([0.0, 1.0])))
    elif kind == "grey":
        values = draw(hnp.arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    elif kind == "uint8":
        values = draw(hnp.arrays(np.uint8, shape))
    elif kind == "bool":
        values = draw(hnp.arrays(np.bool_, shape))
    else:
        values = draw(hnp.arrays(np.float32, shape, elements=st.floats(-300, 300, width=32)
                                 | st.just(np.float32(np.nan)) | st.just(np.float32(np.inf))))
    learning_rate = draw(st.sampled_from([0.01, 0.1, 10.0, 1e38]))
    return RBM(n_hidden, n_visible, learning_rate=learning_rate, momentum=draw(st.sampled_from([0.0, 0.9])),
               seed=0), values


def finite_or_answered(model, call):
    """Run ``call``: a result must be finite; an error must be one of ANSWERS and leave ``model`` as it was."""
    before = weights(model)
    try:
        result = call()
    except ANSWERS as error:
        if not isinstance(error, TrainingDivergedError):
            assert_untouched(before, model)
        assert all(np.isfinite(w).all() for w in weights(model))
        return None
    values = result["reconstruction_cost"] if isinstance(result, dict) else result
    assert np.all(np.isfinite(np.asarray(values, np.float64))), values
    assert all(np.isfinite(w).all() for w in weights(model))
    return result


@PROPERTY_SETTINGS
@given(rbm_and_data())
def test_rbm_entry_points_answer_every_input(case):
    rbm, values = case
    for call in (lambda: rbm.forward(values), lambda: rbm.free_energy(values),
                 lambda: rbm.reconstruction_cost(values), lambda: rbm.pseudo_likelihood(values, exact=False),
                 lambda: rbm.gibbs_chain(values, 2), lambda: rbm.cd_update(values),
                 lambda: train_rbm(rbm, values, num_epochs=1, batch_size=8, progress=False).history):
        finite_or_answered(rbm, call)


@PROPERTY_SETTINGS
@given(rbm_and_data(), st.integers(2, 6))
def test_annealing_answers_every_input(case, n_betas):
    rbm, values = case
    base = np.zeros(rbm.number_visible_units, np.float32)
    result = annealing.ais_log_partition(rbm, base, n_runs=2, betas=np.linspace(0, 1, n_betas))
    assert np.isfinite(result.log_z)
    finite_or_answered(rbm, lambda: annealing.ais_log_likelihood(rbm, values, result))
    raised = finite_or_answered(rbm, lambda: annealing.reverse_ais_log_likelihood(
        rbm, values, base, n_runs=2, betas=np.linspace(0, 1, n_betas)).mean_log_likelihood)
    assert raised is None or np.isfinite(raised)


@pytest.mark.slow  # each new layer shape compiles the up-down update again: about 3 s an example
@settings(PROPERTY_SETTINGS, max_examples=12)
@given(st.integers(2, 12), st.integers(2, 12), st.integers(0, 16),
       st.sampled_from(["uint8", "grey", "wild"]), st.sampled_from([0.01, 1e38]))
def test_dbn_entry_points_answer_every_input(n1, n2, rows, kind, learning_rate):
    rng = np.random.default_rng(rows)
    images = {"uint8": rng.integers(0, 256, (rows, 16), dtype=np.uint8),
              "grey": rng.random((rows, 16), dtype=np.float32),
              "wild": rng.normal(0, 100, (rows, 16)).astype(np.float32)}[kind]
    labels = rng.integers(0, 3, rows)
    dbn = make_dbn([n1, n2], number_visible_units=16, number_label_units=3, batch_size=4, num_epochs=1)
    for call in (lambda: dbn(images), lambda: dbn.predict_labels(images),
                 lambda: dbn.pretrain(images, labels, progress=False)[0],
                 lambda: dbn.wake_update(images, labels, learning_rate=learning_rate),
                 lambda: dbn.up_down(images, labels, num_epochs=1, learning_rate=learning_rate, progress=False)):
        finite_or_answered(dbn, call)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 64), hnp.arrays(np.float64, st.tuples(st.integers(0, 8), st.integers(1, 64)),
                                      elements=st.sampled_from([-1.0, 0.0, 1.0, 0.5, np.nan])))
def test_hopfield_answers_every_input(n_units, patterns):
    try:
        network = hopfield.HopfieldNetwork(n_units)
    except ANSWERS:
        return
    try:
        network.store(patterns)
        result = network.recall(patterns, max_sweeps=3, seed=0)
    except ANSWERS:
        assert np.isfinite(network.weights).all()
        return
    assert np.isfinite(network.weights).all() and np.isfinite(result.energies).all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(hnp.arrays(np.float32, st.tuples(st.integers(0, 8), st.integers(1, 32)),
                  elements=st.floats(-2, 300, width=32) | st.just(np.float32(np.nan))),
       st.floats(-1, 2) | st.just(float("nan")))
def test_data_transforms_answer_every_input(values, threshold):
    pixels = np.clip(np.nan_to_num(values), 0, 255).astype(np.uint8)
    for call in (lambda: data.binarize_threshold(values, threshold), lambda: data.binarize_stochastic(values, seed=0),
                 lambda: flatten_image({"image": pixels.reshape(-1, 1, 1, values.shape[1])},
                                       label=False)):
        try:
            result = call()
        except ANSWERS:
            continue
        assert np.isfinite(np.asarray(result)).all()
