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
