"""The training engine: every trainer's callbacks, history, Stop and schedule behave the same."""

import math
import threading
from pathlib import Path

import numpy as np
import pytest

from dbn_course import data, saving, training
from dbn_course.classifier import classifier_network
from dbn_course.rbm import RBM, train_rbm
from dbn_course.training.backprop import fine_tune, fine_tuning_engine
from dbn_course.training.cd import trainer_for
from dbn_course.training.recipe import make_dbn

N_EXAMPLES, BATCH = 600, 10  # 60 minibatches an epoch: three blocks
FORMAT_KEYS = {"epoch_seconds", "learning_rate", "batches", "stopped_early", "stop_reason"}


@pytest.fixture(scope="module")
def digits(random_digits):
    """Random binary 'images' with labels: the engine's behaviour does not depend on what is learned."""
    images, labels = random_digits
    return images[:N_EXAMPLES], labels[:N_EXAMPLES]


def small_dbn():
    return make_dbn([16, 16, 32], num_epochs=3, batch_size=BATCH, seed=0)


# Each trainer as (name, run(images, labels, **engine_options) -> (history, the model the callbacks should see)).
def run_rbm(images, labels, **options):
    rbm = RBM(16, seed=0)
    return train_rbm(rbm, images, num_epochs=3, batch_size=BATCH, progress=False, **options).history, rbm


def run_pretraining(images, labels, **options):
    dbn = small_dbn()
    histories = dbn.pretrain(images, labels, progress=False, **options)
    return histories[0], dbn.rbms[0]


def run_up_down(images, labels, **options):
    dbn = small_dbn()
    return dbn.up_down(images, labels, num_epochs=3, batch_size=BATCH, progress=False, **options), dbn


def run_backprop(images, labels, **options):
    model = classifier_network([784, 16], 10, seed=0)
    return fine_tune(model, images, labels, num_epochs=3, batch_size=BATCH, progress=False, **options), model


TRAINERS = {"train_rbm": run_rbm, "pretrain": run_pretraining, "up_down": run_up_down, "fine_tune": run_backprop}


@pytest.mark.parametrize("name", TRAINERS)
def test_every_trainer_calls_back_with_the_model_the_epoch_and_one_history_format(name, digits):
    calls = []

    def callback(model, epoch, history):
        calls.append((model, epoch, len(history["epoch_seconds"])))
        return epoch == 1  # ends training after the second epoch

    history, model = TRAINERS[name](*digits, callbacks=[callback])
    # (Pretraining calls back for every layer, each the model of its own run; the first layer's are checked.)
    assert [(epoch, length) for seen, epoch, length in calls if seen is model] == [(0, 1), (1, 2)]
    assert FORMAT_KEYS <= set(history)
    lists = {key: value for key, value in history.items() if isinstance(value, list)}
    assert set(lists) - FORMAT_KEYS, "a trainer records at least one metric"
    assert {len(value) for value in lists.values()} == {2}
    assert history["batches"] == [N_EXAMPLES // BATCH] * 2
    assert history["stopped_early"] and history["stop_reason"] == "callback"


@pytest.mark.parametrize("name", TRAINERS)
def test_every_trainer_stops_within_one_block(name, digits):
    stop = threading.Event()
    stop.set()
    history, _ = TRAINERS[name](*digits, stop_event=stop)
    assert history["batches"] == [training.BLOCK_BATCHES]  # one block of the first epoch's three, then Stop
    assert history["stopped_early"] and history["stop_reason"] == "stop requested"
    metrics = [value for key, value in history.items() if isinstance(value, list) and key not in FORMAT_KEYS]
    assert all(len(values) == 1 and math.isfinite(values[0]) for values in metrics)  # the part-epoch is measured


@pytest.mark.parametrize("name", TRAINERS)
def test_every_trainer_follows_a_schedule(name, digits):
    history, _ = TRAINERS[name](*digits, **({} if name == "pretrain" else {"schedule": training.linear_decay(0.04, 3)}))
    if name != "pretrain":  # pretraining takes each layer's own rate
        np.testing.assert_allclose(history["learning_rate"], [0.04, 0.04 * 2 / 3, 0.04 / 3])
    assert len(history["learning_rate"]) == 3 and not history["stopped_early"] and history["stop_reason"] is None


def test_schedules():
    assert training.constant(0.1)(7) == 0.1
    np.testing.assert_allclose([training.linear_decay(1.0, 4)(e) for e in range(5)], [1, 0.75, 0.5, 0.25, 1e-3])
    np.testing.assert_allclose([training.cosine_decay(1.0, 4)(e) for e in range(5)],
                               [1, 0.5 + 0.5 / math.sqrt(2), 0.5, 0.5 - 0.5 / math.sqrt(2), 0], atol=1e-12)


@pytest.mark.parametrize("rate", [0.0, -0.1, float("nan"), float("inf"), "fast", None])
def test_a_schedule_that_gives_no_learning_rate_is_refused_before_training(rate, digits):
    rbm = RBM(8, seed=0)
    before = rbm.get_weights() if rbm.built else None
    with pytest.raises(ValueError, match="schedule gave .* for epoch 0"):
        train_rbm(rbm, digits[0][:50], num_epochs=2, progress=False, schedule=lambda epoch: rate)
    if before is not None:
        for a, b in zip(before, rbm.get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("callbacks", [[1], ["print"], [None]])
def test_callbacks_that_are_not_functions_are_refused(callbacks, digits):
    with pytest.raises(TypeError, match=r"callback\(model, epoch, history\)"):
        train_rbm(RBM(8, seed=0), digits[0][:50], num_epochs=1, progress=False, callbacks=callbacks)


def test_a_single_function_is_taken_as_the_one_callback(digits):
    seen = []
    train_rbm(RBM(8, seed=0), digits[0][:50], num_epochs=2, progress=False,
              callbacks=lambda model, epoch, history: seen.append(epoch))
    assert seen == [0, 1]


def test_a_metric_measured_every_few_epochs_holds_none_between(digits):
    images, labels = digits
    history = fine_tune(classifier_network([784, 16], 10, seed=0), images, labels, num_epochs=5, batch_size=BATCH,
                        test=(images[:100], labels[:100]), test_every=2, progress=False)
    measured = [error is not None for error in history["test_error_pct"]]
    assert measured == [False, True, False, True, True]  # every second epoch, and the last


def test_an_open_ended_run_ends_by_its_callback_and_joins_with_others(digits):
    images, labels = digits
    dbn = small_dbn()
    first = dbn.up_down(images, labels, num_epochs=None, batch_size=BATCH, progress=False,
                        callbacks=[lambda model, epoch, history: epoch == 1])
    second = dbn.up_down(images, labels, num_epochs=1, batch_size=BATCH, progress=False)
    assert len(first["epoch_seconds"]) == 2 and first["stop_reason"] == "callback"
    joined = training.join_histories([first, second], ["reconstruction_cost", "train_error_pct"])
    assert joined["train_error_pct"] == first["train_error_pct"] + second["train_error_pct"]
    assert len(joined["batches"]) == 3 and not joined["stopped_early"] and joined["stop_reason"] is None


def test_blocks_cover_every_example_once_per_epoch():
    blocks = list(training.block_order(105, 10, np.random.default_rng(0), 4))
    assert [block.shape for block in blocks] == [(4, 10), (4, 10), (2, 10), (1, 5)]
    assert sorted(np.concatenate([block.ravel() for block in blocks])) == list(range(105))
    in_order = np.concatenate([block.ravel() for block in training.block_order(30, 10, None, 20)])
    np.testing.assert_array_equal(in_order, np.arange(30))


def test_a_schedule_passed_as_a_callback_says_where_it_belongs(digits):
    with pytest.raises(TypeError, match=r"linear_decay\(0.1, 3\) is a learning-rate schedule.*schedule="):
        train_rbm(RBM(8, seed=0), digits[0][:50], num_epochs=3, progress=False,
                  callbacks=[training.linear_decay(0.1, 3)])


def test_models_saved_before_the_training_engine_load_and_train(digits):
    """tests/data holds an RBM and a DBN saved by the course at version 0.1.0, when the settings lived in the layer."""
    folder = Path(__file__).parent / "data"
    expected = np.load(folder / "expected_0.1.0.npz")
    rbm = saving.load_model(folder / "rbm_0.1.0.keras")
    settings = (rbm.learning_rate, rbm.cd_steps, rbm.persistent, rbm.momentum, rbm.weight_decay)
    assert settings == (0.05, 2, True, 0.5, 1e-3)
    np.testing.assert_array_equal(rbm.W.numpy(), expected["rbm_W"])
    history = train_rbm(rbm, digits[0][:100], num_epochs=1, batch_size=50, progress=False).history
    assert history["learning_rate"] == [0.05] and trainer_for(rbm, rbm.cd_settings()).chains is not None  # its own settings: PCD-2

    dbn = saving.load_model(folder / "dbn_0.1.0.keras")
    np.testing.assert_array_equal(dbn.generative_weights[0].numpy(), expected["dbn_G1"])
    subset, _ = data.load_arrays("train", data_dir=data.EMBEDDED_DIR)
    np.testing.assert_array_equal(dbn.predict_labels(subset[:50].reshape(-1, 784)), expected["dbn_predictions"])
    history = dbn.up_down(digits[0][:50], digits[1][:50], num_epochs=1, progress=False)
    assert len(history["train_error_pct"]) == 1


@pytest.mark.parametrize("name", TRAINERS)
def test_training_frees_its_engine_and_data_at_once(name, digits):
    """No reference cycle keeps the engine -- and the training data its epoch function holds -- alive.

    A cycle would be freed only at the next garbage collection: on full MNIST that kept
    about 200 MB of a notebook's memory after pretraining and up-down.
    """
    import gc

    TRAINERS[name](*digits)  # compiles, so that what follows creates no new Keras or TensorFlow state
    gc.collect()
    gc.disable()
    try:
        TRAINERS[name](*digits)
        alive = [obj for obj in gc.get_objects() if isinstance(obj, training.Engine)]
    finally:
        gc.enable()
    assert alive == []


def test_engines_run_in_turn_epoch_by_epoch_until_each_ends(digits):
    """run_in_turn: epoch 1 of each, then epoch 2 of each; an engine that ends drops out, the others go on."""
    images, labels = digits
    order = []

    def engine(name, epochs):
        network = classifier_network([784, 8], 10, seed=0)
        return fine_tuning_engine(network, images, labels, num_epochs=epochs, batch_size=100, progress=False,
                                  callbacks=[lambda model, epoch, history: order.append((name, epoch))])

    histories = training.run_in_turn([engine("short", 2), engine("long", 3)])
    assert order == [("short", 0), ("long", 0), ("short", 1), ("long", 1), ("long", 2)]
    assert [len(history["loss"]) for history in histories] == [2, 3]
    assert not any(history["stopped_early"] for history in histories)


def test_an_engine_stepped_by_epochs_gives_the_history_of_run(digits):
    """Epoch by epoch or all at once, the same seeds train the same network."""
    images, labels = digits
    stepped, ran = (fine_tuning_engine(classifier_network([784, 8], 10, seed=0), images, labels, num_epochs=2,
                                       batch_size=100, seed=1, progress=False) for _ in range(2))
    assert list(stepped.epochs()) == [0, 1]
    history = ran.run()
    assert stepped.history["loss"] == pytest.approx(history["loss"])
