"""The panels, driven as a learner would drive them: move sliders, press Train, press Stop.

Train runs in a background thread, as in a notebook. Nothing here depends on how fast
the machine is: every panel reads the time from a clock the test owns (``runs.clock``,
which stands still unless a test advances it), so whether a drawing is due is decided
by the test, and a test that presses Stop, or starts another run, while a panel trains
first holds the training thread at an epoch (``runs.hold_at``), so the run is certainly
in progress when it does.
"""

import re
import threading

import numpy as np
import pytest

from dbn_course import data
from dbn_course.course import plotting, widgets
from dbn_course.course.widgets import base, dbn_panels, rbm_panel

from .conftest import random_rbm

TIMEOUT_S = 120  # a guard against a hang, never a condition of passing


def press_train(panel):
    """Press Train and wait for the background run to finish."""
    panel.train_button.click()
    assert panel.wait(TIMEOUT_S), "training did not finish"


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RunControl:
    """What a panel's training thread sees of time, and where it waits for the test.

    Every status report a panel makes while it trains (after each epoch) first moves
    ``clock`` on by ``seconds_per_report`` -- 0 by default, so no drawing is ever due
    mid-run unless a test says how much time an epoch takes. With ``hold_at`` set, the
    first report made in a background run once the panel's progress bar has reached
    ``hold_at`` waits there until :meth:`release` or until the run is asked to stop
    (Stop, another panel's Train, a new panel): the test can press Stop while the run is
    provably in progress, at a known epoch.
    """

    def __init__(self):
        self.clock = FakeClock()
        self.seconds_per_report = 0.0
        self.hold_at: int | None = None
        self.held = threading.Event()
        self._released = threading.Event()
        self._done = False

    def release(self) -> None:
        self._released.set()

    def wait_held(self) -> None:
        """Return once the training thread is held at ``hold_at``."""
        assert self.held.wait(TIMEOUT_S), "the run never reached the epoch to hold at"

    def report(self, panel, original, status, **kw) -> None:
        self.clock.advance(self.seconds_per_report)
        original(panel, status, **kw)
        if (self.hold_at is None or self._done or threading.current_thread() is threading.main_thread()
                or panel.progress.value < self.hold_at):
            return
        self._done = True
        self.held.set()
        for _ in range(int(TIMEOUT_S / 0.01)):
            if self._released.wait(0.01) or panel.run.stop_event.is_set():
                return


@pytest.fixture(autouse=True)
def runs(monkeypatch):
    """Every panel here reads the test's clock; a test may hold its run at an epoch (see RunControl)."""
    control = RunControl()
    original = base.TrainingPanel._report
    monkeypatch.setattr(base.TrainingPanel, "clock", control.clock)
    monkeypatch.setattr(base.TrainingPanel, "_report",
                        lambda panel, status, **kw: control.report(panel, original, status, **kw))
    yield control
    control.release()  # never leave a thread waiting behind a failed test


@pytest.fixture(scope="module")
def images():
    return data.load_arrays("train", data_dir=data.EMBEDDED_DIR)[0][:600]


@pytest.fixture
def drawn(monkeypatch):
    """Record the weights each redraw plots."""
    shapes = []
    original = plotting.filter_grid_images

    def spy(weights, *args, **kwargs):
        shapes.append(np.shape(weights))
        return original(weights, *args, **kwargs)

    monkeypatch.setattr(plotting, "filter_grid_images", spy)
    return shapes


def test_panel_trains_its_defaults_when_created(images, drawn):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=1)
    assert panel.rbm is not None and panel.rbm.number_hidden_units == 12
    assert panel.redraws == 1 and drawn == [(784, 12)]
    assert len(panel.history["reconstruction_cost"]) == 1
    assert panel.progress.value == panel.progress.max == 1
    assert panel.status_text.startswith("trained 1 epoch in")


def test_moving_sliders_and_pressing_train_retrains_with_the_new_settings(images, drawn, runs):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=1)
    runs.seconds_per_report = 2.0  # an epoch takes 2 s by the panel's clock: a drawing is due after each
    first = panel.rbm
    panel.hidden_units.value = 20
    panel.cd_steps.value = 3
    panel.learning_rate.value = 0.01
    panel.num_epochs.value = 2
    panel.persistent.value = True
    panel.batch_size.value = 50
    press_train(panel)
    rbm = panel.rbm
    assert rbm is not first
    assert (rbm.number_hidden_units, rbm.cd_steps, rbm.persistent) == (20, 3, True)
    assert rbm.learning_rate == pytest.approx(0.01)
    assert len(panel.history["reconstruction_cost"]) == 2
    # the cell's drawing; then, with the new settings, one after epoch 1 and the final one
    assert panel.redraws == 3 and drawn == [(784, 12), (784, 20), (784, 20)]
    assert not panel.train_button.disabled and panel.stop_button.disabled
    assert panel.figure_png.startswith(b"\x89PNG")


def test_drawings_during_a_run_follow_the_panels_clock(images, drawn, runs):
    """At most one drawing a second by the panel's clock: with 0.6 s an epoch, after epochs 2 and 4 of 6."""
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=6, train_now=False)
    runs.seconds_per_report = 0.6
    press_train(panel)
    assert panel.redraws == 3 and len(drawn) == 3  # two while it trained, then the final one
    assert runs.clock() == pytest.approx(5 * 0.6)
    assert panel.status_text == f"trained 6 epochs in {5 * 0.6:.1f} s: reconstruction cost " \
        f"{panel.history['reconstruction_cost'][-1]:.1f} nats per image"


def test_train_button_returns_at_once_and_stop_keeps_the_model_trained_so_far(images, runs):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=1)
    panel.num_epochs.value = 50
    runs.hold_at = 2
    panel.train_button.click()  # the kernel's thread is free again at once
    assert panel.training and panel.train_button.disabled and not panel.stop_button.disabled
    runs.wait_held()  # epoch 2 of 50 has ended and the run waits
    panel.stop_button.click()
    assert panel.wait(TIMEOUT_S)
    assert len(panel.history["reconstruction_cost"]) == 2 and panel.history["stopped_early"]
    assert panel.status_text.startswith("stopped after 2 of 50 epochs")
    assert panel.rbm is not None and np.isfinite(panel.rbm.W.numpy()).all()
    assert not panel.train_button.disabled and panel.stop_button.disabled and not panel.training


def test_a_second_train_during_a_run_is_ignored(images, runs):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=40, train_now=False)
    runs.hold_at = 1
    assert panel.train(background=True)
    runs.wait_held()
    assert not panel.train(background=True)
    panel.stop()
    assert panel.wait(TIMEOUT_S)
    assert len(panel.history["reconstruction_cost"]) == 1


def test_live_redraws_do_not_change_the_trained_model(images, monkeypatch):
    """Mid-run redraws sample fantasies; the model must be the one a headless run gives."""
    headless = widgets.RBMPanel(images, hidden_units=12, num_epochs=3, persistent=True)
    monkeypatch.setattr(widgets.RBMPanel, "live_interval", 0.0)
    monkeypatch.setattr(widgets.RBMPanel, "live_share", 1.0)
    live = widgets.RBMPanel(images, hidden_units=12, num_epochs=3, persistent=True, train_now=False)
    press_train(live)
    assert live.redraws == 3  # after epochs 1 and 2, and at the end (epoch 3's drawing is the final one)
    np.testing.assert_array_equal(live.rbm.W.numpy(), headless.rbm.W.numpy())


def test_a_failed_run_is_reported_in_the_panel(images, monkeypatch):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=1, train_now=False)

    def diverge(*args, **kwargs):
        raise ArithmeticError("weights became NaN")

    monkeypatch.setattr(rbm_panel, "train_rbm", diverge)
    press_train(panel)
    assert panel.rbm is None and "weights became NaN" in panel.status_text
    assert not panel.train_button.disabled


def test_learning_rate_slider_is_logarithmic(images):
    panel = widgets.RBMPanel(images, train_now=False)
    assert panel.learning_rate.base == 10 and panel.learning_rate.min == -4 and panel.learning_rate.max == 0


def test_hopfield_panel_redraws_when_a_control_moves():
    from dbn_course import hopfield

    patterns = hopfield.random_patterns(6, 64, seed=0)
    panel = widgets.HopfieldPanel(patterns, image_shape=(8, 8), n_patterns=2, corruption=0.1)
    assert panel.redraws == 1 and panel.result.states.shape == (2, 64)
    assert panel.status_text.startswith("2 of 2 recalled exactly")
    panel.n_patterns.value = 5
    panel.rule.value = "sync"
    panel.storage.value = "projection"
    assert panel.redraws == 4 and panel.result.states.shape == (5, 64)
    panel.corruption.value = 0.5
    assert panel.redraws == 5


def test_hopfield_panel_steps_through_the_recall():
    from dbn_course import hopfield

    patterns = hopfield.random_patterns(6, 64, seed=0)
    panel = widgets.HopfieldPanel(patterns, image_shape=(8, 8), n_patterns=3, corruption=0.3)
    last = panel.result.sweeps
    assert last >= 1 and panel.sweep.value == last and panel.sweep.max == panel.play.max == last
    drawn = panel.redraws
    panel.sweep.value = 0
    assert panel.redraws == drawn + 1 and panel.figure_png.startswith(b"\x89PNG")
    np.testing.assert_array_equal(panel.result.trajectory[0], panel.probes)
    panel.n_patterns.value = 1  # recall again: the slider jumps to the new last sweep, one drawing
    assert panel.redraws == drawn + 2 and panel.sweep.value == panel.result.sweeps


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
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=1)
    assert panel.dbn.layer_sizes == [784, 32, 32, 64]
    assert panel.redraws == 1 and drawn == [(784, 32)]
    assert panel.progress.value == panel.progress.max == 3
    assert 0 <= panel.test_error_pct <= 100 and "test digits" in panel.status_text


def test_dbn_panel_retrains_with_the_new_sliders_and_up_down(labelled, drawn):
    images, labels, test = labelled
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=1)
    first = panel.dbn
    panel.hidden_1.value, panel.top_units.value = 48, 80
    panel.cd_steps.value, panel.learning_rate.value = 2, 0.02
    panel.num_epochs.value, panel.up_down_epochs.value = 2, 1
    panel.persistent.value = True
    press_train(panel)
    dbn = panel.dbn
    assert dbn is not first and dbn.layer_sizes == [784, 48, 32, 80]
    assert dbn.rbms[0].cd_steps == 2 and dbn.rbms[0].learning_rate == pytest.approx(0.02)
    assert dbn.rbms[0].persistent
    assert len(panel.histories[0]["reconstruction_cost"]) == 2 and len(panel.up_down_history["epoch_seconds"]) == 1
    assert panel.progress.value == panel.progress.max == 7
    # the cell's drawing and the final one: the clock stood still, so none was due while it trained
    assert panel.redraws == 2 and drawn == [(784, 32), (784, 48)]
    assert panel.status_text.startswith("trained in") and "2 epochs a layer, then 1 up-down epoch" in panel.status_text


def test_dbn_panel_generate_samples_again_from_the_same_model(labelled, monkeypatch):
    images, labels, test = labelled
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=1)
    model, before = panel.dbn, panel.samples
    clamped = []
    original = panel.dbn.generate
    monkeypatch.setattr(panel.dbn, "generate", lambda labels, **kw: clamped.append(labels) or original(labels, **kw))
    panel.digit.value = 7
    panel.generate_button.click()
    assert clamped == [[7] * 10] and panel.redraws == 2 and panel.dbn is model
    assert panel.samples.shape == before.shape and not np.array_equal(panel.samples, before)


def test_dbn_panel_stopped_during_pretraining_keeps_the_layers_trained(labelled, runs):
    images, labels, test = labelled
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=30, train_now=False)
    runs.hold_at = 2
    panel.train_button.click()
    runs.wait_held()  # epoch 2 of layer 1
    assert panel.training and panel.generate_button.disabled  # no sampling from a model in training
    panel.stop()
    assert panel.wait(TIMEOUT_S)
    assert panel.dbn is not None and len(panel.histories) == 1 and panel.histories[0]["stopped_early"]
    assert len(panel.histories[0]["reconstruction_cost"]) == 2
    assert panel.status_text.startswith("stopped after") and not panel.generate_button.disabled
    # what stopping early left untrained, in words, instead of a chance-level error rate
    assert "never trained" in panel.status_text and panel.test_error_pct is None and panel.samples is None


def test_fine_tune_panel_compares_pretrained_and_random_weights(labelled):
    images, labels, test = labelled
    panel = widgets.FineTunePanel(images, labels, test, hidden_units=(32, 32, 64), pretrain_epochs=1,
                                  fine_tune_epochs=1)
    assert set(panel.curves) == {"pretrained", "random init"} and panel.redraws == 1
    panel.pretrain_epochs.value, panel.fine_tune_epochs.value = 0, 2
    press_train(panel)
    assert set(panel.curves) == {"random init"} and len(panel.curves["random init"]) == 2
    assert panel.progress.value == panel.progress.max == 2 and panel.redraws == 2


def test_fine_tune_panel_stops_between_minibatches(labelled, runs):
    images, labels, test = labelled
    panel = widgets.FineTunePanel(images, labels, test, hidden_units=(32, 32, 64), pretrain_epochs=0,
                                  fine_tune_epochs=30, train_now=False)
    runs.hold_at = 1
    panel.train_button.click()
    runs.wait_held()
    panel.stop()
    assert panel.wait(TIMEOUT_S)
    assert len(panel.curves["random init"]) == 1 and panel.status_text.startswith("stopped after")


def test_figures_drawn_off_the_main_thread_bypass_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    made = []
    thread = threading.Thread(target=lambda: made.append(plotting.image_grid(np.zeros((4, 784)))))
    thread.start()
    thread.join()
    assert plt.get_fignums() == before and made[0].canvas.manager is None
    assert plotting.to_png(made[0]).startswith(b"\x89PNG")


# ---------------------------------------------------------------- what a saved notebook keeps


@pytest.fixture
def published(monkeypatch):
    """Every output a panel publishes, and every change of its buttons, in order, as in a kernel."""
    from dbn_course.course import outputs as notebook_output

    events = []
    monkeypatch.setattr(notebook_output, "in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.publish_display_data",
                        lambda data, metadata=None, transient=None, update=False, **kw:
                        events.append(("update" if update else "display", (transient or {}).get("display_id"),
                                       data)))
    monkeypatch.setattr("dbn_course.course.widgets.base.display",
                        lambda bundle, raw=False: events.append(("display", None, bundle)))
    return events


def watch_buttons(panel, events):
    for name in ("train_button", "stop_button"):
        getattr(panel, name).observe(lambda change, name=name: events.append(("button", name, change["new"])),
                                     names="disabled")


def test_a_displayed_panel_keeps_its_status_and_figure_as_ordinary_outputs(images, published):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=1)
    panel._ipython_display_()
    controls, status, figure = published
    # the controls' stand-in text says what they were set to, not "VBox(children=..."
    assert "application/vnd.jupyter.widget-view+json" in controls[2]
    assert controls[2]["text/plain"].startswith("RBM panel") and "hidden units 12" in controls[2]["text/plain"]
    assert "VBox" not in controls[2]["text/plain"]
    assert status[0] == "display" and status[2] == {"text/plain": panel.status_text}
    assert figure[0] == "display" and set(figure[2]) == {"image/png", "text/plain"}
    assert status[1] != figure[1] and status[1] and figure[1]
    published.clear()
    press_train(panel)  # the same two outputs are replaced in place, never added to
    assert {event[1] for event in published} == {status[1], figure[1]}
    assert all(kind == "update" for kind, _, _ in published)
    assert published[-1][2]["text/plain"] == panel.status_text and panel.status_text.startswith("trained")


def test_status_figure_and_buttons_change_together_and_never_go_back_in_time(images, published, runs):
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=1)
    panel._ipython_display_()
    panel.num_epochs.value = 50
    published.clear()
    watch_buttons(panel, published)
    runs.hold_at = 2
    panel.train_button.click()
    runs.wait_held()
    panel.stop_button.click()
    assert panel.wait(TIMEOUT_S)
    statuses = [data["text/plain"] for kind, _, data in published if kind != "button" and "image/png" not in data]
    stopping = statuses.index("stopping...")
    assert statuses[stopping + 1:] == [panel.status_text]  # no epoch's message after "stopping..."
    assert panel.status_text.startswith("stopped after")
    # the end: the final figure, then the final status, then Train enabled -- one after the other
    tail = published[-3:]
    assert "image/png" in tail[0][2] and tail[1][2]["text/plain"] == panel.status_text
    assert tail[2] == ("button", "train_button", False)
    assert ("button", "stop_button", True) in published[:published.index(tail[0])]  # Stop greys out at once


def test_creating_a_panel_stops_the_run_of_the_one_it_replaces(images, runs):
    old = widgets.RBMPanel(images, hidden_units=12, num_epochs=50, train_now=False)
    runs.hold_at = 1
    old.train_button.click()
    runs.wait_held()  # epoch 1 of 50 has ended; the old run waits until it is asked to stop
    new = widgets.RBMPanel(images, hidden_units=12, num_epochs=1)  # as re-running the cell does
    assert not old.training and old.history["stopped_early"] and len(old.history["reconstruction_cost"]) == 1
    assert old.status_text.startswith("stopped after") and "a new panel was created" in old.status_text
    assert new.status_text.startswith("trained")


def test_train_on_one_panel_stops_another_panels_run(images, runs):
    first = widgets.RBMPanel(images, hidden_units=12, num_epochs=50, train_now=False)
    second = widgets.RBMPanel(images, hidden_units=12, num_epochs=1, train_now=False)
    runs.hold_at = 1
    first.train_button.click()
    runs.wait_held()
    press_train(second)
    assert not first.training and "another panel started training" in first.status_text
    assert len(first.history["reconstruction_cost"]) == 1
    assert second.status_text.startswith("trained")


def test_the_status_reports_wall_time_drawing_included(images, monkeypatch, runs):
    """The status's seconds are the panel's clock from Train to the end of training: epochs and drawings."""
    panel = widgets.RBMPanel(images, hidden_units=12, num_epochs=3, train_now=False)
    original = widgets.RBMPanel._figure
    monkeypatch.setattr(widgets.RBMPanel, "live_interval", 0.0)
    monkeypatch.setattr(widgets.RBMPanel, "live_share", 1.0)
    monkeypatch.setattr(widgets.RBMPanel, "_figure", lambda self: runs.clock.advance(0.5) or original(self))
    runs.seconds_per_report = 2.0
    press_train(panel)
    assert panel.redraws == 3  # two live drawings, then the final one
    # epochs 1 and 2 report 2 s each and each drawing takes 0.5 s; epoch 3 ends the run, its figure the final one
    assert panel.wall_seconds == pytest.approx(2 * 2.0 + 2 * 0.5)
    assert panel.status_text.startswith("trained 3 epochs in 5.0 s:")


def test_panel_figures_keep_one_drawing_per_panel_and_a_percent_axis(labelled):
    import matplotlib.pyplot as plt

    images, labels, test = labelled
    panel = widgets.FineTunePanel(images, labels, test, hidden_units=(32, 32, 64), pretrain_epochs=0,
                                  fine_tune_epochs=2)
    fig = panel._figure()
    labels_shown = [tick.get_text() for tick in fig.axes[0].get_yticklabels() if tick.get_text()]
    assert labels_shown and all(text.endswith("%") and "10^" not in text for text in labels_shown)
    plt.close(fig)


def test_dbn_panel_draws_and_reports_each_phase_on_its_own_count(labelled, monkeypatch):
    """The figure keeps changing during up-down, and the status counts layer epochs and up-down epochs apart."""
    images, labels, test = labelled
    monkeypatch.setattr(widgets.DBNPanel, "live_interval", 0.0)
    monkeypatch.setattr(widgets.DBNPanel, "live_share", 1.0)
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=1, up_down_epochs=2,
                             train_now=False)
    drawn_with, statuses = [], []
    original_figure, original_show = widgets.DBNPanel._figure, widgets.DBNPanel.show
    monkeypatch.setattr(widgets.DBNPanel, "_figure",
                        lambda self: drawn_with.append(len(self._up_down_errors)) or original_figure(self))
    monkeypatch.setattr(widgets.DBNPanel, "show",
                        lambda self, status=None, fig=None, **kw: statuses.append(status) or
                        original_show(self, status, fig, **kw))
    press_train(panel)
    assert 1 in drawn_with, "no drawing during up-down"
    shown = [status for status in statuses if status]
    assert any(s.startswith("pretraining the top level (3 of 3): epoch 1 of 1") for s in shown), shown
    assert any(s.startswith("up-down epoch 1 of 2 (pretraining done)") for s in shown), shown
    assert not any(re.search(r"\d+ of 5 epochs", s) for s in shown), "one count for two phases"


def test_dbn_panel_up_down_controls_reach_up_down(labelled, monkeypatch):
    """The up-down rate and the top level's CD steps k are the learner's, not fixed at 0.01 and 3."""
    from dbn_course.dbn import DBN

    images, labels, test = labelled
    called = []
    original = DBN.up_down
    monkeypatch.setattr(DBN, "up_down", lambda self, *args, **kw: called.append(kw) or original(self, *args, **kw))
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=1, train_now=False)
    assert [c.description for c in panel.controls[-3:]] == ["up-down epochs", "up-down rate", "up-down CD steps k"]
    panel.up_down_epochs.value, panel.up_down_rate.value, panel.up_down_steps.value = 2, 0.03, 5
    press_train(panel)
    assert len(called) == 1
    assert (called[0]["num_epochs"], called[0]["top_gibbs_steps"]) == (2, 5)
    assert called[0]["learning_rate"] == pytest.approx(0.03)
    assert panel.up_down_history["learning_rate"] == pytest.approx([0.03, 0.03])
    assert "2 up-down epochs at rate 0.03 with CD-5 at the top" in panel.status_text
    assert "up-down rate 0.03, up-down CD steps k 5" in panel.describe_controls()


def test_fine_tune_panel_gives_both_networks_the_chosen_optimiser_and_dropout(labelled):
    import keras

    images, labels, test = labelled
    panel = widgets.FineTunePanel(images, labels, test, hidden_units=(32, 32, 64), pretrain_epochs=1,
                                  fine_tune_epochs=1, train_now=False)
    assert panel.fine_tune_rate.value == pytest.approx(0.1)
    panel.optimizer.value = "adam"  # choosing Adam sets its usual rate
    assert panel.fine_tune_rate.value == pytest.approx(0.001)
    panel.fine_tune_rate.value = 0.002
    panel.dropout.value = 0.3
    press_train(panel)
    assert set(panel.networks) == {"pretrained", "random init"}
    for network in panel.networks.values():
        assert isinstance(network.optimizer, keras.optimizers.Adam)
        assert float(network.optimizer.learning_rate) == pytest.approx(0.002)
        assert [layer.rate for layer in network.layers if isinstance(layer, keras.layers.Dropout)] == \
            pytest.approx([0.3] * 3)
    assert "Adam, rate 0.002, dropout 0.3" in panel.status_text
    assert "optimiser Adam, backprop rate 0.002, dropout 0.3" in panel.describe_controls()
    panel.optimizer.value = "sgd"
    assert panel.fine_tune_rate.value == pytest.approx(0.1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        widgets.FineTunePanel(images, labels, test, optimizer="rmsprop", train_now=False)


def test_fine_tune_panel_grows_both_curves_side_by_side(labelled, monkeypatch, runs):
    """The comparison forms live: an epoch of each network in turn, never one whole curve and then the other."""
    images, labels, test = labelled
    lengths = []
    original = widgets.FineTunePanel._report

    def spy(self, status, **kw):
        lengths.append(tuple(len(self.curves.get(name, [])) for name in ("pretrained", "random init")))
        return original(self, status, **kw)

    monkeypatch.setattr(widgets.FineTunePanel, "_report", spy)
    runs.seconds_per_report = 1.0
    panel = widgets.FineTunePanel(images, labels, test, hidden_units=(32, 32, 64), pretrain_epochs=1,
                                  fine_tune_epochs=3)
    grown = [pair for pair in dict.fromkeys(lengths) if pair != (0, 0)]
    assert grown == [(1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3)]
    assert panel.status_text.startswith("trained in")
    # pretraining reported "pretraining layer 1..." and one epoch of each of the three layers, a second each
    assert "head start cost 4.0 s of pretraining" in " ".join(panel.status_text.split())  # (wrapped in lines)


@pytest.fixture(scope="module")
def small_rbm():
    """An RBM small enough to enumerate, with data of its own size."""
    rng = np.random.default_rng(0)
    rbm = random_rbm(12, 6, seed=0, scale=1.0, bias_scale=0.5, hidden_bias=False)
    rng.normal(size=12 * 6 + 12)  # the draws random_rbm made from the same seed
    images = (rng.random((8, 12)) < 0.4).astype(np.float32)
    base = np.log(0.4 / 0.6) * np.ones(12, np.float32)
    return rbm, base, images


def test_ais_panel_anneals_every_schedule_up_to_the_slider_against_the_exact_answer(small_rbm, monkeypatch):
    from dbn_course.sampling import annealing, exact

    rbm, base, images = small_rbm
    runs_used = []
    original = annealing.ais_log_partition
    monkeypatch.setattr(annealing, "ais_log_partition",
                        lambda *a, **kw: runs_used.append(kw["n_runs"]) or original(*a, **kw))
    panel = widgets.AISPanel(rbm, base, images, temperatures=300, runs=50, chains=2)
    assert panel.train_button.description == "Run"
    assert panel.exact_log_z == pytest.approx(exact.log_partition_exact(rbm))
    assert panel.exact_log_likelihood == pytest.approx(exact.log_likelihood_exact(rbm, images).mean())
    assert [e["n_betas"] for e in panel.estimates] == [30, 100, 300] and runs_used == [50] * 3
    for estimate in panel.estimates:
        assert estimate["low"] <= estimate["log_z"] <= estimate["high"]
    assert panel.status_text.startswith("annealed 3 schedules in") and "exact" in panel.status_text
    assert panel.progress.value == panel.progress.max == 6 and panel.redraws == 1
    assert "temperatures up to 300, AIS runs 50, RAISE chains per image 2" in panel.describe_controls()
    # the slower schedules' log Z lands near the truth on this small model
    panel.temperatures.value, panel.runs.value, panel.chains.value = 3_000, 200, 4
    press_train(panel)
    slowest = panel.estimates[-1]
    assert slowest["n_betas"] == 3_000 and abs(slowest["log_z"] - panel.exact_log_z) < 0.1
    assert runs_used[-1] == 200 and panel.annealed["chains"] == 4
    assert slowest["raise"] == pytest.approx(panel.exact_log_likelihood, abs=0.3)


def test_ais_panel_stops_between_estimates(small_rbm, runs):
    rbm, base, images = small_rbm
    panel = widgets.AISPanel(rbm, base, images, temperatures=30_000, runs=1000, train_now=False)
    runs.hold_at = 1  # the first schedule's AIS is done, its RAISE not yet
    panel.train_button.click()
    runs.wait_held()
    panel.stop()
    assert panel.wait(TIMEOUT_S)
    assert panel.status_text.startswith("stopped after 1 of 7 schedules") and len(panel.estimates) == 1


def test_ais_panel_answers_a_learners_mistakes(small_rbm):
    from dbn_course.rbm import RBM

    rbm, base, images = small_rbm
    with pytest.raises(ValueError, match="binarise them first"):
        widgets.AISPanel(rbm, base, images * 0.5, train_now=False)
    with pytest.raises(ValueError, match="temperatures must be one of"):
        widgets.AISPanel(rbm, base, images, temperatures=500, train_now=False)
    with pytest.raises(ValueError, match="one bias per visible unit"):
        widgets.AISPanel(rbm, base[:5], images, train_now=False)
    big = RBM(30, seed=0)
    big.build((None, 30))
    with pytest.raises(ValueError, match="exact log Z needs a layer of at most"):
        widgets.AISPanel(big, np.zeros(30, np.float32), np.zeros((2, 30)), train_now=False)


def test_dbn_panel_stopped_before_up_down_says_it_never_began(labelled, monkeypatch, runs):
    """Stopped in pretraining with up-down epochs asked for, the figure does not say none were asked for."""
    images, labels, test = labelled
    notes = []
    monkeypatch.setattr(dbn_panels, "_note", lambda ax, text: notes.append(text))
    panel = widgets.DBNPanel(images, labels, test, hidden_units=(32, 32, 64), num_epochs=30, up_down_epochs=5,
                             train_now=False)
    runs.hold_at = 1
    panel.train_button.click()
    runs.wait_held()
    panel.stop()
    assert panel.wait(TIMEOUT_S)
    assert any("no up-down epoch has ended yet" in note and "5 epochs" in note for note in notes), notes
    assert not any("set 'up-down epochs' above 0" in note for note in notes), notes
