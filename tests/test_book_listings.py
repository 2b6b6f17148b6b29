"""The chapter's own calls, in the chapter's order, run on a small subset of MNIST.

The course follows a book chapter whose listings do not run as printed. These tests make
the promise of the notebooks' "where this departs from the book" sections checkable: the
chapter's names and call order work here, and every name of the chapter that the course
does not keep as the chapter has it is named in a departures section.
"""

import inspect
import json
from functools import partial
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from dbn_course import classifier, data
from dbn_course import rbm as rbm_module
from dbn_course.data import flatten_image
from dbn_course.dbn import DBN, NOT_A_KERAS_TRAINER
from dbn_course.rbm import RBM, train_rbm

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SUBSET = 600


@pytest.fixture(scope="module")
def mnist_train():
    """The chapter's first listing: the builder, its info, and the training split as a dataset."""
    mnist_builder = data.builder("mnist")
    mnist_builder.download_and_prepare()
    info = mnist_builder.info
    assert info.splits["train"] == len(data.load_arrays("train")[0])
    return mnist_builder.as_dataset(split="train").take(SUBSET)


def test_the_chapters_rbm_listing_runs(mnist_train):
    rbm = RBM(500)
    rbm.build([784])
    rbm = train_rbm(rbm, mnist_train, partial(flatten_image, label=False), 3, 0.5, 200)
    assert isinstance(rbm, RBM)
    costs = rbm.history["reconstruction_cost"]
    assert 1 <= len(costs) <= 3 and all(np.isfinite(costs))
    assert costs[-1] < costs[0] or len(costs) < 3  # fewer epochs only when the tolerance stopped it
    # The filter listing reads the columns of w_rec as 28 x 28 images.
    assert rbm.w_rec.numpy()[:, 7].reshape(28, 28).shape == (28, 28)
    # The reconstruction listing: one example at a time, with its label.
    for image, label in mnist_train.map(flatten_image).batch(1).take(3):
        reconstruction = rbm.forward_gibbs(image).numpy().reshape(28, 28)
        assert set(np.unique(reconstruction)) <= {0.0, 1.0}
    # The layer's other names.
    batch = next(iter(mnist_train.map(partial(flatten_image, label=False)).batch(32)))
    h = rbm.sample_h(batch)
    assert rbm.forward(batch).shape == h.shape == rbm.reverse_gibbs(h).shape == (32, 500)
    assert rbm.sample_v(h).shape == rbm.reverse(h).shape == (32, 784)
    assert rbm.w_gen.shape == (500, 784) and rbm.hb.shape == (500,) and rbm.vb.shape == (784,)
    assert rbm(batch).shape == (32, 500) and rbm.free_energy(batch).shape == (32,)
    assert np.isfinite(rbm.cd_update(batch)) and np.isfinite(float(rbm.reconstruction_cost(batch)))


def test_the_chapters_train_rbm_stops_at_its_tolerance(mnist_train):
    rbm = train_rbm(RBM(16, seed=0), mnist_train, partial(flatten_image, label=False), 50, 1e6, 200)
    assert len(rbm.history["reconstruction_cost"]) == 2 and rbm.history["stopped_early"]


def test_the_chapters_layer_training_is_reproducible_with_the_dbns_seed(mnist_train):
    """The chapter's call names no seed: the DBN's seeds the layer's shuffling, as it seeds its weights."""
    inputs = mnist_train.take(300).map(partial(flatten_image, label=False))
    weights = []
    for _ in range(2):
        dbn = DBN(book_rbm_params(), "deep_belief_network", 1, None, 50, 1024, seed=3)
        dbn.train_rbm(dbn.rbms[0], inputs, print_costs=False)
        weights.append(dbn.rbms[0].W.numpy())
    np.testing.assert_array_equal(weights[0], weights[1])


def book_rbm_params():
    return [dict(number_hidden_units=64, number_visible_units=784),
            dict(number_hidden_units=64, number_visible_units=64),
            dict(number_hidden_units=128, number_visible_units=64)]


def test_the_chapters_dbn_trains_layer_by_layer_with_its_train_rbm(mnist_train, capsys):
    dbn = DBN(book_rbm_params(), "deep_belief_network", 2, None, 100, 1024)
    inputs = mnist_train.map(partial(flatten_image, label=False))
    inputs_layers = []
    for num in range(len(dbn.rbms)):
        inputs_layers.append(inputs if num == 0 else inputs_layers[num - 1].map(dbn.rbms[num - 1].forward))
        dbn.rbms[num] = dbn.train_rbm(dbn.rbms[num], inputs_layers[num])
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3 * 2  # two epochs of three layers, one line each, as the chapter prints them
    assert all(line.startswith("epoch: ") and ", cost: " in line for line in printed), printed
    for index, rbm in enumerate(dbn.rbms[:-1]):  # each trained lower layer gave its generative copy
        np.testing.assert_array_equal(dbn.generative_weights[index].numpy(), rbm.W.numpy().T)
    # The top layer learned from the mean-field up pass through the two layers below.
    features = next(iter(inputs_layers[2].batch(SUBSET)))
    expected = dbn.up_pass(next(iter(inputs.batch(SUBSET))).numpy())[-1]
    np.testing.assert_allclose(features.numpy().reshape(SUBSET, -1), expected, atol=1e-5)


def test_the_chapters_whole_procedure_and_its_wake_and_sleep_names(mnist_train):
    dbn = DBN(book_rbm_params(), name="deep_belief_network", num_epochs=1, batch_size=100, seed=0)
    inputs = mnist_train.map(partial(flatten_image, label=False))
    assert dbn.train_dbn(inputs, progress=False) is dbn
    assert len(dbn.history["pretraining"]) == 3 and len(dbn.history["up_down"]["reconstruction_cost"]) == 1
    batch = next(iter(inputs.batch(100)))
    before = [w.numpy() for w in dbn.generative_weights]
    wake_cost = dbn.wake_update(batch)
    assert np.isfinite(wake_cost) and any(not np.array_equal(b, w.numpy())
                                          for b, w in zip(before, dbn.generative_weights))
    assert np.isfinite(dbn.sleep_update(batch))
    assert dbn(batch, training=False).shape == (100, 128)


def test_the_chapters_fine_tuning_works_through_the_classifier_it_means(mnist_train):
    dbn = DBN(book_rbm_params(), num_epochs=1, number_label_units=10, seed=0)
    images, labels = data.load_arrays("train")
    dbn.pretrain(images[:SUBSET], labels[:SUBSET], progress=False)
    with pytest.raises(TypeError) as raised:
        dbn.compile(loss=keras.losses.CategoricalCrossentropy())
    assert str(raised.value) == NOT_A_KERAS_TRAINER
    # The chapter's set_weights loop, onto the network it means: sigmoid layers, then ten classes.
    network = classifier.classifier_network(dbn.layer_sizes, 10)
    dense = classifier.dense_layers(network)
    for dense_layer, rbm_layer in zip(dense[:-1], dbn.rbms):
        dense_layer.set_weights([rbm_layer.w_rec.numpy()[:dense_layer.kernel.shape[0]], rbm_layer.hb.numpy()])
    reference = dbn.to_classifier()
    for ours, theirs in zip(dense[:-1], classifier.dense_layers(reference)[:-1]):
        np.testing.assert_array_equal(ours.kernel.numpy(), theirs.kernel.numpy())
    network.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    result = network.fit(mnist_train.map(lambda x: flatten_image(x, label=True)).batch(32), epochs=1, shuffle=False,
                         verbose=0)
    assert np.isfinite(result.history["loss"][0])


# The chapter's API: owner -> name -> its parameters in order (None for an attribute).
CHAPTER_API = {
    RBM: {
        "__init__": ["number_hidden_units", "number_visible_units", "learning_rate", "cd_steps"],
        "build": ["input_shape"], "call": ["inputs"], "forward": ["x"], "sample_h": ["x"], "reverse": ["x"],
        "sample_v": ["x"], "free_energy": ["x"], "reverse_gibbs": ["x"], "forward_gibbs": ["x"],
        "cd_update": ["x"], "reconstruction_cost": ["x"], "wake_update": ["x"], "sleep_update": ["x"],
        "free_energy_reverse": ["x"], "w_rec": None, "w_gen": None, "hb": None, "vb": None,
    },
    DBN: {
        "__init__": ["rbm_params", "name", "num_epochs", "tolerance", "batch_size", "shuffle_buffer"],
        "train_rbm": ["rbm", "inputs", "num_epochs", "tolerance", "batch_size", "shuffle_buffer"],
        "call": ["x", "training"], "_rbm_layers": None, "_dense_layers": None,
    },
    rbm_module: {"train_rbm": ["rbm", "data", "map_fn", "num_epochs", "tolerance", "batch_size", "shuffle_buffer"]},
    data: {"flatten_image": ["x", "label"]},
}
# Where the chapter's arguments are read by position only, the course may name them its own way.
POSITIONAL_ONLY_IN_THE_CHAPTER = {"call", "forward", "sample_h", "reverse", "sample_v", "free_energy",
                                  "reverse_gibbs", "forward_gibbs", "cd_update", "reconstruction_cost"}


def departures_text() -> str:
    """Every notebook's "Where this departs from the book" section, as one text."""
    sections = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        sections += ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"
                     and "".join(cell["source"]).startswith("## Where this departs from the book")]
    return "\n".join(sections)


def course_parameters(owner, name):
    member = getattr(owner, name)
    parameters = list(inspect.signature(member).parameters.values())
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    return [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def test_every_chapter_name_works_as_the_chapter_calls_it_or_is_a_departure():
    departures = departures_text()
    assert departures.count("## Where this departs from the book") >= 4
    undeclared = []
    for owner, names in CHAPTER_API.items():
        for name, chapter_parameters in names.items():
            declared = f"`{name}" in departures
            if not hasattr(owner, name):
                if not declared:
                    undeclared.append(f"{getattr(owner, '__name__', owner)}.{name} is missing")
                continue
            if chapter_parameters is None:
                continue
            ours = course_parameters(owner, name)
            if name in POSITIONAL_ONLY_IN_THE_CHAPTER:
                agrees = len(ours) >= len(chapter_parameters)
            else:
                agrees = [p.name for p in ours[:len(chapter_parameters)]] == chapter_parameters
            if not agrees and not declared:
                undeclared.append(f"{getattr(owner, '__name__', owner)}.{name}{tuple(chapter_parameters)} "
                                  f"differs: {[p.name for p in ours]}")
    assert not undeclared, "chapter names neither kept nor named in a departures section:\n" + "\n".join(undeclared)


def test_the_departures_name_what_the_course_does_differently():
    """The names whose meaning or home differ are explained, not only present."""
    departures = departures_text()
    for name in ("wake_update", "sleep_update", "free_energy_reverse", "_dense_layers", "tolerance", "w_gen",
                 "name", "train_rbm", "shuffle_buffer"):
        assert f"`{name}" in departures, name


def test_train_rbm_says_when_its_arguments_are_in_another_order():
    with pytest.raises(TypeError, match="book's order"):
        train_rbm(RBM(4, 784), np.zeros((10, 784), np.float32), 5)
    assert train_rbm(RBM(4, 784), np.zeros((10, 784), np.float32), None, 1, progress=False).history


def test_dbn_train_rbm_trains_only_its_own_layers():
    dbn = DBN(book_rbm_params(), num_epochs=1)
    with pytest.raises(ValueError, match="one of the DBN's own RBMs"):
        dbn.train_rbm(RBM(64, 784), np.zeros((10, 784), np.float32))


def test_a_labelled_top_level_says_what_it_learns_from():
    dbn = DBN(book_rbm_params(), num_epochs=1, number_label_units=10)
    with pytest.raises(ValueError, match="one-hot label units"):
        dbn.train_rbm(dbn.top, tf.zeros((10, 64)))
