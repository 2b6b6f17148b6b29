"""The RBM panel, driven as a learner would drive it: move sliders, press Train."""

import numpy as np
import pytest

from dbn_course import data, plotting, widgets


@pytest.fixture(scope="module")
def images():
    return data.load_arrays("train", data_dir=data.EMBEDDED_DIR)[0][:600]


@pytest.fixture
def drawn(monkeypatch):
    """Record the weights each redraw plots."""
    shapes = []
    original = plotting.filter_grid

    def spy(weights, *args, **kwargs):
        shapes.append(np.shape(weights))
        return original(weights, *args, **kwargs)

    monkeypatch.setattr(plotting, "filter_grid", spy)
    return shapes


def test_panel_trains_its_defaults_when_created(images, drawn):
    panel = widgets.RBMPanel(images, hidden_units=12, epochs=1)
    assert panel.rbm is not None and panel.rbm.number_hidden_units == 12
    assert panel.redraws == 1 and drawn == [(784, 12)]
    assert len(panel.history["reconstruction_cost"]) == 1
    assert panel.progress.value == panel.progress.max == 1
    assert panel.status.value.startswith("trained in")


def test_moving_sliders_and_pressing_train_retrains_with_the_new_settings(images, drawn):
    panel = widgets.RBMPanel(images, hidden_units=12, epochs=1)
    first = panel.rbm
    panel.hidden_units.value = 20
    panel.cd_steps.value = 3
    panel.learning_rate.value = 0.01
    panel.epochs.value = 2
    panel.persistent.value = True
    panel.train_button.click()
    rbm = panel.rbm
    assert rbm is not first
    assert (rbm.number_hidden_units, rbm.cd_steps, rbm.persistent) == (20, 3, True)
    assert rbm.learning_rate == pytest.approx(0.01)
    assert len(panel.history["reconstruction_cost"]) == 2
    assert panel.redraws == 2 and drawn[-1] == (784, 20)
    assert not panel.train_button.disabled


def test_a_failed_run_is_reported_in_the_panel(images, monkeypatch):
    panel = widgets.RBMPanel(images, hidden_units=12, epochs=1, train_now=False)

    def diverge(*args, **kwargs):
        raise ArithmeticError("weights became NaN")

    monkeypatch.setattr(widgets, "train_rbm", diverge)
    panel.train_button.click()
    assert panel.rbm is None and "weights became NaN" in panel.status.value
    assert not panel.train_button.disabled


def test_learning_rate_slider_is_logarithmic(images):
    panel = widgets.RBMPanel(images, train_now=False)
    assert panel.learning_rate.base == 10 and panel.learning_rate.min == -4 and panel.learning_rate.max == 0


def test_hopfield_panel_redraws_when_a_control_moves():
    from dbn_course import hopfield

    patterns = hopfield.random_patterns(6, 64, seed=0)
    panel = widgets.HopfieldPanel(patterns, image_shape=(8, 8), n_patterns=2, corruption=0.1)
    assert panel.redraws == 1 and panel.result.states.shape == (2, 64)
    assert panel.status.value.startswith("2 of 2 recalled exactly")
    panel.n_patterns.value = 5
    panel.rule.value = "sync"
    panel.storage.value = "projection"
    assert panel.redraws == 4 and panel.result.states.shape == (5, 64)
    panel.corruption.value = 0.5
    assert panel.redraws == 5


def test_boltzmann_panel_resamples_at_the_new_temperature():
    from dbn_course.boltzmann import BoltzmannMachine

    panel = widgets.BoltzmannPanel(BoltzmannMachine.random(5, seed=0), n_chains=3000, n_sweeps=20)
    assert panel.redraws == 1 and panel.distance < 0.08
    panel.temperature.value = 0.2
    assert panel.redraws == 2 and panel.distance < 0.15
    panel.n_sweeps.value = 40
    assert panel.redraws == 3


@pytest.fixture(scope="module")
def labelled():
    images, labels = data.load_arrays("train", data_dir=data.EMBEDDED_DIR)
    return images[:600], labels[:600], (images[600:800], labels[600:800])


def test_dbn_panel_trains_and_generates_the_chosen_digit(labelled, drawn):
    images, labels, test = labelled
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), epochs=1)
    assert panel.dbn.layer_sizes == [784, 32, 32, 64]
    assert panel.redraws == 1 and drawn == [(784, 32)]
    assert panel.progress.value == panel.progress.max == 3
    assert 0 <= panel.test_error_pct <= 100 and "test digits" in panel.status.value


def test_dbn_panel_retrains_with_the_new_sliders_and_up_down(labelled, drawn):
    images, labels, test = labelled
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), epochs=1)
    first = panel.dbn
    panel.hidden_1.value, panel.top_units.value = 48, 80
    panel.cd_steps.value, panel.learning_rate.value = 2, 0.02
    panel.epochs.value, panel.up_down_epochs.value = 2, 1
    panel.train_button.click()
    dbn = panel.dbn
    assert dbn is not first and dbn.layer_sizes == [784, 48, 32, 80]
    assert dbn.rbms[0].cd_steps == 2 and dbn.rbms[0].learning_rate == pytest.approx(0.02)
    assert len(panel.histories[0]["reconstruction_cost"]) == 2 and len(panel.up_down_history["epoch_seconds"]) == 1
    assert panel.progress.value == panel.progress.max == 7
    assert panel.redraws == 2 and drawn[-1] == (784, 48)


def test_dbn_panel_generate_redraws_only_the_samples(labelled, monkeypatch):
    images, labels, test = labelled
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), epochs=1)
    clamped = []
    original = panel.dbn.generate
    monkeypatch.setattr(panel.dbn, "generate", lambda labels, **kw: clamped.append(labels) or original(labels, **kw))
    panel.digit.value = 7
    panel.generate_button.click()
    assert clamped == [[7] * 10] and panel.redraws == 1


def test_fine_tune_panel_compares_pretrained_and_random_weights(labelled):
    images, labels, test = labelled
    panel = widgets.FineTunePanel(images, labels, test, hidden_units=(32, 32, 64), pretrain_epochs=1,
                                  fine_tune_epochs=1)
    assert set(panel.curves) == {"pretrained", "random init"} and panel.redraws == 1
    panel.pretrain_epochs.value, panel.fine_tune_epochs.value = 0, 2
    panel.train_button.click()
    assert set(panel.curves) == {"random init"} and len(panel.curves["random init"]) == 2
    assert panel.progress.value == panel.progress.max == 2 and panel.redraws == 2
