"""The DBN chapters' panels: pretrain and generate by class; fine-tune beside random weights."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import classifier, plotting
from ..dbn import make_dbn
from .base import STYLE, TrainingPanel, describe_end, figure_view, int_slider, rate_slider, show_figure


def _size_slider(value: int, description: str) -> widgets.IntSlider:
    return int_slider(value, 16, 2000, description, step=16)


class DBNPanel(TrainingPanel):
    """Build a small labelled DBN from sliders, pretrain it (and fine-tune it by up-down), and generate digits.

    The layers' cost curves are redrawn as they train; when training ends (or is
    stopped) the first layer's filters and ten digits of the chosen class are drawn.
    Clamp another class and press Generate to sample again from the same model.

    Args:
        images, labels: training data (uint8 (n, 784) pixels and integer classes).
        test: ``(images, labels)`` on which the generative model's error is measured.
        hidden_units: starting sizes of the two lower layers and the top layer.
        cd_steps, learning_rate, epochs, persistent, batch_size: the pretraining controls'
            starting values.
        up_down_epochs: starting value of the up-down slider (0: pretraining only).
        digit: the class to generate.
        seed: seeds the model, shuffling and samples.
        train_now: train the starting configuration once, right away (synchronously).

    Attributes:
        dbn, histories, up_down_history, test_error_pct: the last model and its record.
        redraws: how many times the figures were drawn.
    """

    def __init__(self, images, labels, test, hidden_units=(256, 256, 512), cd_steps: int = 1,
                 learning_rate: float = 0.05, epochs: int = 2, up_down_epochs: int = 0, digit: int = 3,
                 persistent: bool = False, batch_size: int = 100, seed: int = 0, train_now: bool = True):
        images = np.asarray(images)
        self.images, self.labels = images.reshape(len(images), -1), np.asarray(labels)
        self.test = (np.asarray(test[0]).reshape(len(test[0]), -1), np.asarray(test[1]))
        self.seed = seed
        self.dbn = self.histories = self.up_down_history = self.test_error_pct = None
        self.hidden_1 = _size_slider(hidden_units[0], "layer 1 units")
        self.hidden_2 = _size_slider(hidden_units[1], "layer 2 units")
        self.top_units = _size_slider(hidden_units[2], "top-level units")
        self.cd_steps = int_slider(cd_steps, 1, 25, "CD steps k")
        self.learning_rate = rate_slider(learning_rate)
        self.epochs = int_slider(epochs, 1, 30, "epochs per layer")
        self.batch_size = int_slider(batch_size, 10, 1000, "batch size", step=10)
        self.persistent = widgets.Checkbox(persistent, description="persistent CD (PCD)", style=STYLE)
        self.up_down_epochs = int_slider(up_down_epochs, 0, 30, "up-down epochs")
        self._training_controls()
        self.digit = widgets.IntSlider(digit, min=0, max=9, description="digit to generate", style=STYLE,
                                       continuous_update=False)
        self.gibbs_steps = widgets.IntSlider(200, min=10, max=2000, step=10, description="Gibbs steps at top",
                                             style=STYLE, continuous_update=False)
        self.generate_button = widgets.Button(description="Generate", icon="pencil")
        self.generate_button.on_click(lambda _: self.draw_samples())
        self.costs_view, self.filters_view, self.samples_view = figure_view(), figure_view(), figure_view()
        controls = widgets.VBox([self.hidden_1, self.hidden_2, self.top_units, self.cd_steps, self.learning_rate,
                                 self.epochs, self.batch_size, self.persistent, self.up_down_epochs,
                                 self._button_row(), self.status])
        sampling = widgets.VBox([self.digit, self.gibbs_steps, self.generate_button, self.samples_view])
        self.widget = widgets.VBox([widgets.HBox([controls, self.costs_view]),
                                    widgets.HBox([self.filters_view, sampling])])
        if train_now:
            self.train()

    def settings(self) -> dict:
        """The DBN the sliders describe (arguments of :func:`~dbn_course.dbn.make_dbn`)."""
        return {
            "hidden_units": [self.hidden_1.value, self.hidden_2.value, self.top_units.value],
            "cd_steps": self.cd_steps.value,
            "learning_rate": self.learning_rate.value,
            "persistent": self.persistent.value,
            "num_epochs": self.epochs.value,
            "batch_size": self.batch_size.value,
        }

    def _train(self, stop_event) -> None:
        settings, up_down_epochs = self.settings(), self.up_down_epochs.value
        total = 3 * settings["num_epochs"] + up_down_epochs
        self.progress.max, self.progress.value = total, 0
        self.generate_button.disabled = True
        try:
            dbn = make_dbn(seed=self.seed, **settings)
            layers: dict = {}

            def on_layer_epoch(rbm, epoch, history):
                layers[dbn.rbms.index(rbm)] = history
                self.progress.value += 1
                self.status.value = (f"pretraining layer {len(layers)} of 3, epoch {epoch + 1}: cost "
                                     f"{history['reconstruction_cost'][-1]:.1f}")
                if self._live_redraw_due():
                    show_figure(self.costs_view, plotting.plot_layer_costs([layers[i] for i in sorted(layers)]))

            def on_up_down_epoch(model, epoch, history):
                self.progress.value += 1
                self.status.value = (f"up-down epoch {epoch + 1} of {up_down_epochs}: training error "
                                     f"{history['train_error_pct'][-1]:.1f}%")

            self.status.value = "pretraining..."
            self.histories = dbn.pretrain(self.images, self.labels, progress=False, callbacks=[on_layer_epoch],
                                          stop_event=stop_event)
            self.up_down_history = None
            pretrained = len(self.histories) == len(dbn.rbms) and not stop_event.is_set()
            if up_down_epochs and pretrained:
                self.up_down_history = dbn.up_down(self.images, self.labels, num_epochs=up_down_epochs,
                                                   progress=False, callbacks=[on_up_down_epoch], monitor_size=500,
                                                   stop_event=stop_event)
            self.dbn = dbn
            self.test_error_pct = dbn.error_pct(*self.test)
            seconds = sum(sum(h["epoch_seconds"]) for h in self.histories)
            if self.up_down_history:
                seconds += sum(self.up_down_history["epoch_seconds"])
            end = describe_end(stop_event.is_set(), self.progress.value, total, "epochs")
            self.status.value = (f"{end} in {seconds:.1f} s; the generative model misclassifies "
                                 f"{self.test_error_pct:.1f}% of {len(self.test[1]):,} test digits")
            self.redraw()
        finally:
            self.generate_button.disabled = False

    def redraw(self) -> None:
        """Draw the layers' cost curves, the first layer's filters and fresh samples."""
        show_figure(self.costs_view, plotting.plot_layer_costs(self.histories))
        show_figure(self.filters_view, plotting.filter_grid(self.dbn.rbms[0].W.numpy(), n=48, ncols=8,
                                                            title="layer 1 receptive fields"))
        self.draw_samples()
        self.redraws += 1

    def draw_samples(self) -> None:
        """Generate ten digits of the chosen class with the last model."""
        if self.dbn is None:
            return
        images, _ = self.dbn.generate(labels=[self.digit.value] * 10, gibbs_steps=self.gibbs_steps.value)
        show_figure(self.samples_view, plotting.image_grid(
            images, ncols=10, cell_size=0.6, title=f"digits generated with the label {self.digit.value} clamped"))


class FineTunePanel(TrainingPanel):
    """Pretrain a DBN, turn it into a classifier and fine-tune it, beside the same network from random weights.

    Both networks' test-error curves grow epoch by epoch as they train.

    Args:
        images, labels: training data (uint8 (n, 784) pixels and integer classes).
        test: ``(images, labels)`` measured after every epoch.
        hidden_units: starting sizes of the three hidden layers.
        cd_steps, learning_rate, pretrain_epochs: the pretraining controls' starting values.
        fine_tune_rate, fine_tune_epochs, batch_size: the backpropagation controls' starting values.
        seed: seeds both networks and the shuffling.
        train_now: train the starting configuration once, right away (synchronously).

    Attributes:
        curves: test error per epoch, ``{"pretrained": [...], "random init": [...]}``.
    """

    def __init__(self, images, labels, test, hidden_units=(256, 256, 512), cd_steps: int = 1,
                 learning_rate: float = 0.05, pretrain_epochs: int = 2, fine_tune_rate: float = 0.1,
                 fine_tune_epochs: int = 3, batch_size: int = 100, seed: int = 0, train_now: bool = True):
        images = np.asarray(images)
        self.images, self.labels = images.reshape(len(images), -1), np.asarray(labels)
        self.test = (np.asarray(test[0]).reshape(len(test[0]), -1), np.asarray(test[1]))
        self.seed = seed
        self.curves: dict | None = None
        self.hidden_units = _size_slider(hidden_units[0], "layer 1 & 2 units")
        self.top_units = _size_slider(hidden_units[2], "layer 3 units")
        self.cd_steps = int_slider(cd_steps, 1, 25, "CD steps k")
        self.learning_rate = rate_slider(learning_rate, "CD learning rate")
        self.pretrain_epochs = int_slider(pretrain_epochs, 0, 30, "CD epochs per layer")
        self.fine_tune_rate = rate_slider(fine_tune_rate, "backprop rate")
        self.fine_tune_epochs = int_slider(fine_tune_epochs, 1, 30, "backprop epochs")
        self.batch_size = int_slider(batch_size, 10, 1000, "batch size", step=10)
        self._training_controls()
        self.view = figure_view()
        controls = widgets.VBox([self.hidden_units, self.top_units, self.cd_steps, self.learning_rate,
                                 self.pretrain_epochs, self.fine_tune_rate, self.fine_tune_epochs, self.batch_size,
                                 self._button_row(), self.status])
        self.widget = widgets.HBox([controls, self.view])
        if train_now:
            self.train()

    def _train(self, stop_event) -> None:
        n_pretrain, n_tune = self.pretrain_epochs.value, self.fine_tune_epochs.value
        batch_size, rate = self.batch_size.value, self.fine_tune_rate.value
        total = 3 * n_pretrain + (2 if n_pretrain else 1) * n_tune
        self.progress.max, self.progress.value = total, 0
        sizes = [self.hidden_units.value, self.hidden_units.value, self.top_units.value]
        curves = {}

        def tick(model, epoch, history):
            self.progress.value += 1

        def on_tune_epoch(name):
            def callback(model, epoch, history):
                tick(model, epoch, history)
                curves[name] = list(history["test_error_pct"])
                if self._live_redraw_due():
                    self._draw(curves)
            return callback

        if n_pretrain:
            self.status.value = "pretraining..."
            dbn = make_dbn(sizes, cd_steps=self.cd_steps.value, learning_rate=self.learning_rate.value,
                           num_epochs=n_pretrain, batch_size=batch_size, seed=self.seed)
            dbn.pretrain(self.images, self.labels, progress=False, callbacks=[tick], stop_event=stop_event)
            if not stop_event.is_set():
                model = dbn.to_classifier(seed=self.seed)
                self.status.value = "fine-tuning the pretrained network..."
                classifier.fine_tune(model, self.images, self.labels, epochs=n_tune, learning_rate=rate,
                                     batch_size=batch_size, test=self.test, seed=self.seed, progress=False,
                                     callbacks=[on_tune_epoch("pretrained")], stop_event=stop_event)
        if not stop_event.is_set():
            self.status.value = "training the same network from random weights..."
            twin = classifier.classifier_network([self.images.shape[1], *sizes], 10, seed=self.seed)
            classifier.fine_tune(twin, self.images, self.labels, epochs=n_tune, learning_rate=rate,
                                 batch_size=batch_size, test=self.test, seed=self.seed, progress=False,
                                 callbacks=[on_tune_epoch("random init")], stop_event=stop_event)
        self.curves = {name: errors for name, errors in curves.items() if errors}
        summary = "; ".join(f"{name}: {errors[-1]:.1f}% test error" for name, errors in self.curves.items())
        end = describe_end(stop_event.is_set(), self.progress.value, total, "epochs")
        self.status.value = f"{end}: {summary}" if summary else f"{end}, before any backprop epoch ended"
        if self.curves:
            self.redraw()

    def _draw(self, curves) -> None:
        show_figure(self.view, plotting.plot_error_curves(curves, title="test error while fine-tuning",
                                                          xlabel="backprop epoch"))

    def redraw(self) -> None:
        """Draw both networks' test error per backprop epoch."""
        self._draw(self.curves)
        self.redraws += 1
