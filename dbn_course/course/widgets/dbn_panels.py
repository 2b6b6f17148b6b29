"""The DBN chapters' panels: pretrain and generate by class; fine-tune beside random weights."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dbn_course import classifier, training
from dbn_course.course import plotting
from dbn_course.course.widgets.base import (
    DESCRIPTION_WIDTH,
    LAYOUT,
    STYLE,
    TrainingPanel,
    checkbox,
    columns,
    heading,
    int_slider,
    plural,
    rate_slider,
)
from dbn_course.training.backprop import fine_tuning_engine
from dbn_course.training.recipe import make_dbn

LAYERS = 3
SAMPLES = 10


def _size_slider(value: int, description: str) -> widgets.IntSlider:
    return int_slider(value, 16, 2000, description, step=16)


class DBNPanel(TrainingPanel):
    """Build a small labelled DBN from sliders, pretrain it (and fine-tune it by up-down), and generate digits.

    The figure shows each layer's reconstruction cost per epoch, the training error of
    the up-down epochs, the first layer's filters and ten digits generated with the
    chosen label clamped. It is redrawn as the layers train and during up-down; the
    status line says which phase runs, and, when a run is stopped early, what that
    leaves untrained. Clamp another class and press Generate to sample again from the
    same model.

    Args:
        images, labels: training data (uint8 (n, 784) pixels and integer classes).
        test: ``(images, labels)`` on which the generative model's error is measured.
        hidden_units: starting sizes of the two lower layers and the top layer.
        cd_steps, learning_rate, num_epochs, persistent, batch_size: the pretraining controls'
            starting values.
        up_down_epochs, up_down_rate, up_down_steps: the up-down controls' starting values:
            epochs (0: pretraining only), the learning rate of every up-down update, and
            k of the top level's CD-k (``top_gibbs_steps`` of :meth:`~dbn_course.dbn.DBN.up_down`).
        digit: the class to generate.
        gibbs_steps: Gibbs steps at the top level for each sample.
        seed: seeds the model, shuffling and samples.
        train_now: train the starting configuration once, right away (synchronously).

    Attributes:
        dbn, histories, up_down_history, test_error_pct: the last model and its record
            (``test_error_pct`` is None when the top level was never trained).
        samples: the digits shown, or None.
    """

    title = "DBN panel"

    def __init__(self, images, labels, test, hidden_units=(256, 256, 512), cd_steps: int = 1,
                 learning_rate: float = 0.05, num_epochs: int = 2, up_down_epochs: int = 0,
                 up_down_rate: float = 0.01, up_down_steps: int = 3, digit: int = 3, persistent: bool = False,
                 batch_size: int = 100, gibbs_steps: int = 200, seed: int = 0, train_now: bool = True):
        images = np.asarray(images)
        self.images, self.labels = images.reshape(len(images), -1), np.asarray(labels)
        self.test = (np.asarray(test[0]).reshape(len(test[0]), -1), np.asarray(test[1]))
        self.seed = seed
        self.dbn = self.histories = self.up_down_history = self.test_error_pct = self.samples = None
        self._layers: list[dict] = []
        self._up_down_errors: list[float] = []
        self._up_down_planned = 0
        self.hidden_1 = _size_slider(hidden_units[0], "layer 1 units")
        self.hidden_2 = _size_slider(hidden_units[1], "layer 2 units")
        self.top_units = _size_slider(hidden_units[2], "top-level units")
        self.cd_steps = int_slider(cd_steps, 1, 25, "CD steps k")
        self.learning_rate = rate_slider(learning_rate, "CD learning rate")
        self.num_epochs = int_slider(num_epochs, 1, 30, "epochs per layer")
        self.batch_size = int_slider(batch_size, 10, 1000, "batch size", step=10)
        self.persistent = checkbox(persistent, "persistent CD (PCD)")
        self.up_down_epochs = int_slider(up_down_epochs, 0, 30, "up-down epochs")
        self.up_down_rate = rate_slider(up_down_rate, "up-down rate")
        self.up_down_steps = int_slider(up_down_steps, 1, 25, "up-down CD steps k")
        pretraining = [self.hidden_1, self.hidden_2, self.top_units, self.cd_steps, self.learning_rate,
                       self.num_epochs, self.batch_size, self.persistent]
        up_down = [self.up_down_epochs, self.up_down_rate, self.up_down_steps]
        self.controls = pretraining + up_down
        self._training_controls()
        self.digit = widgets.IntSlider(digit, min=0, max=9, description="digit to generate", style=STYLE,
                                       layout=LAYOUT, continuous_update=False)
        self.gibbs_steps = widgets.IntSlider(gibbs_steps, min=10, max=2000, step=10,
                                             description="Gibbs steps at top", style=STYLE, layout=LAYOUT,
                                             continuous_update=False)
        self.generate_button = widgets.Button(description="Generate", icon="pencil",
                                              tooltip="sample again from the trained model, with this label")
        self.generate_button.on_click(lambda _: self.draw_samples())
        under_the_sliders = widgets.Layout(margin=f"0 0 0 calc({DESCRIPTION_WIDTH} + 8px)")
        generating = [self.digit, self.gibbs_steps, widgets.HBox([self.generate_button], layout=under_the_sliders)]
        self.widget = columns([heading("greedy pretraining"), *pretraining],
                              [heading("up-down fine-tuning"), *up_down, heading("generating"), *generating])
        self.widget.children = [*self.widget.children, self._button_row()]
        if train_now:
            self.train()

    def up_down_settings(self) -> dict:
        """The up-down controls' values (arguments of :meth:`~dbn_course.dbn.DBN.up_down`)."""
        return {"num_epochs": self.up_down_epochs.value, "learning_rate": self.up_down_rate.value,
                "top_gibbs_steps": self.up_down_steps.value}

    def settings(self) -> dict:
        """The DBN the sliders describe (arguments of :func:`~dbn_course.training.recipe.make_dbn`)."""
        return {
            "hidden_units": [self.hidden_1.value, self.hidden_2.value, self.top_units.value],
            "cd_steps": self.cd_steps.value,
            "learning_rate": self.learning_rate.value,
            "persistent": self.persistent.value,
            "num_epochs": self.num_epochs.value,
            "batch_size": self.batch_size.value,
        }

    def describe_controls(self) -> str:
        return (f"{super().describe_controls()}; samples of digit {self.digit.value} after "
                f"{self.gibbs_steps.value} Gibbs steps")

    def _train(self, stop_event) -> str:
        settings, up_down = self.settings(), self.up_down_settings()
        epochs, up_down_epochs = settings["num_epochs"], up_down["num_epochs"]
        self.progress.max, self.progress.value = LAYERS * epochs + up_down_epochs, 0
        self.generate_button.disabled = True
        self.dbn = self.up_down_history = self.test_error_pct = self.samples = None
        self._layers, self._up_down_errors, self._up_down_planned = [], [], up_down_epochs
        try:
            dbn = make_dbn(seed=self.seed, **settings)
            self.dbn = dbn

            def on_layer_epoch(rbm, epoch, history):
                layer = dbn.rbms.index(rbm)
                self._layers[layer:] = [history]
                self.progress.value += 1
                name = "the top level" if layer == LAYERS - 1 else f"layer {layer + 1}"
                self._report(f"pretraining {name} ({layer + 1} of {LAYERS}): epoch {epoch + 1} of {epochs}, "
                             f"reconstruction cost {history['reconstruction_cost'][-1]:.1f}")

            def on_up_down_epoch(model, epoch, history):
                self.progress.value += 1
                self._up_down_errors = list(history["train_error_pct"])
                self._report(f"up-down epoch {epoch + 1} of {up_down_epochs} (pretraining done): training error "
                             f"{history['train_error_pct'][-1]:.1f}%")

            self._report("pretraining layer 1...", draw=False)
            self.histories = dbn.pretrain(self.images, self.labels, progress=False, callbacks=[on_layer_epoch],
                                          stop_event=stop_event)
            self._layers = list(self.histories)
            pretrained = len(self.histories) == LAYERS and not stop_event.is_set()
            if up_down_epochs and pretrained:
                self.up_down_history = dbn.up_down(self.images, self.labels, **up_down, progress=False,
                                                   callbacks=[on_up_down_epoch], monitor_size=500,
                                                   stop_event=stop_event)
            top_trained = len(self.histories) == LAYERS
            if top_trained:
                self.test_error_pct = dbn.error_pct(*self.test)
                self.samples = self._generate()
            return self._summary(stop_event.is_set(), top_trained, epochs, up_down)
        finally:
            self.generate_button.disabled = False

    def _summary(self, stopped: bool, top_trained: bool, epochs: int, up_down: dict) -> str:
        up_down_epochs = up_down["num_epochs"]
        wall = f"{self.elapsed():.1f} s"
        if not top_trained:
            layer = max(len(self.histories), 1)
            done = len(self.histories[-1]["epoch_seconds"]) if self.histories else 0
            return (f"stopped after {wall}{self.stopped_because()}, {done} of {epochs} epochs into layer {layer}'s "
                    "pretraining: the layers above it were never trained, so this DBN cannot classify or generate "
                    "yet (the figure shows what was trained). Press Train and let pretraining finish.")
        error = (f"the generative model misclassifies {self.test_error_pct:.1f}% of {len(self.test[1]):,} test "
                 "digits")
        ran_up_down = len(self.up_down_history["epoch_seconds"]) if self.up_down_history else 0
        if stopped and up_down_epochs and ran_up_down < up_down_epochs and self.up_down_history is not None:
            return (f"stopped after {ran_up_down} of {up_down_epochs} up-down epochs{self.stopped_because()} "
                    f"({wall}; pretraining finished): {error}")
        if stopped:
            top = self.histories[-1]
            return (f"stopped after {wall}{self.stopped_because()}, in the top level's pretraining "
                    f"({len(top['epoch_seconds'])} of {epochs} epochs): {error}")
        plan = f"{plural(epochs, 'epoch')} a layer" + (
            f", then {plural(up_down_epochs, 'up-down epoch')} at rate {up_down['learning_rate']:g} with "
            f"CD-{up_down['top_gibbs_steps']} at the top" if up_down_epochs else "")
        summary = f"trained in {wall} ({plan}): {error}."
        if not up_down_epochs:
            summary += (f" Pretraining alone leaves the generative weights untrained, so the samples need not look "
                        f"like {self.digit.value}s: set 'up-down epochs' to 2 or more and press Train to fine-tune "
                        "them.")
        return summary

    def _generate(self):
        images, _ = self.dbn.generate(labels=[self.digit.value] * SAMPLES, gibbs_steps=self.gibbs_steps.value)
        return images

    def draw_samples(self) -> None:
        """Generate ten digits of the chosen class with the last model, and redraw."""
        if self.dbn is None or self.training or self.histories is None or len(self.histories) < LAYERS:
            return
        self.samples = self._generate()
        self.show(fig=self._figure())

    def _figure(self):
        """Layer costs, up-down training error, the first layer's filters and the samples."""
        fig = plotting.new_figure(figsize=(9.5, 5.0))
        grid = fig.add_gridspec(2, 2, left=0.08, right=0.98, bottom=0.04, top=0.94, hspace=0.35, wspace=0.28)
        costs = fig.add_subplot(grid[0, 0])
        if self._layers:
            plotting.plot_layer_costs(self._layers, ax=costs, title="pretraining, layer by layer")
        else:
            _note(costs, "no layer has finished an epoch yet")
        up_down = fig.add_subplot(grid[0, 1])
        if self._up_down_errors:
            plotting.plot_error_curves({"500 training images": self._up_down_errors}, ax=up_down,
                                       title="up-down fine-tuning", xlabel="up-down epoch")
            up_down.set_ylabel("generative model's error")
        elif self._up_down_planned:
            _note(up_down, f"no up-down epoch has ended yet\n(up-down's {plural(self._up_down_planned, 'epoch')} "
                           "start once\nevery layer is pretrained)")
        else:
            _note(up_down, "no up-down epochs ran\n(set 'up-down epochs' above 0 to fine-tune\n"
                           "the generative weights after pretraining)")
        plotting.draw_tiles(fig.add_subplot(grid[1, 0]), plotting.filter_grid_images(self.dbn.rbms[0].W.numpy(), 48),
                            ncols=12, title="layer 1 receptive fields (first 48)")
        samples = fig.add_subplot(grid[1, 1])
        if self.samples is not None:
            plotting.draw_tiles(samples, self.samples, ncols=5, value_range=(0.0, 1.0),
                                title=f"{SAMPLES} digits generated with the label {self.digit.value} clamped")
        else:
            _note(samples, "no samples: the top level was never trained")
        return plotting.stamp_source(fig)


def _note(ax, text: str) -> None:
    """An empty panel that says why it is empty."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, color="0.35", transform=ax.transAxes)


OPTIMISERS = {"sgd": ("SGD, momentum 0.9", 0.1), "adam": ("Adam", 0.001)}
"""The fine-tuning panel's optimisers: the name shown, and the learning rate a switch to it sets."""


class FineTunePanel(TrainingPanel):
    """Pretrain a DBN, turn it into a classifier and fine-tune it beside the same network from random weights.

    Both networks get the same optimiser, learning rate, dropout, minibatches and order
    of examples, and they train in turn, one backprop epoch each
    (:func:`~dbn_course.training.run_in_turn`), so their test-error curves grow side by
    side as the comparison forms. Choosing an optimiser sets the backprop rate to its
    usual value (0.1 for SGD with momentum, 0.001 for Adam); the slider can move it after.

    Args:
        images, labels: training data (uint8 (n, 784) pixels and integer classes).
        test: ``(images, labels)`` measured after every epoch.
        hidden_units: starting sizes of the three hidden layers.
        cd_steps, learning_rate, pretrain_epochs: the pretraining controls' starting values.
        optimizer: ``"sgd"`` (SGD with momentum 0.9, as in 2006) or ``"adam"``.
        fine_tune_rate: the backprop rate (default: the optimiser's usual one).
        dropout: the dropout rate on each hidden layer during backprop (0: none).
        fine_tune_epochs, batch_size: the backpropagation controls' starting values.
        seed: seeds both networks, their dropout and the shuffling.
        train_now: train the starting configuration once, right away (synchronously).

    Attributes:
        curves: test error per epoch, ``{"pretrained": [...], "random init": [...]}``.
        networks: the fine-tuned Keras networks by the same names.
        pretrain_seconds: the wall time of the last run's pretraining (0 without it).
        how: the last run's optimiser, rate and dropout, in words.
    """

    title = "fine-tuning panel"

    def __init__(self, images, labels, test, hidden_units=(256, 256, 512), cd_steps: int = 1,
                 learning_rate: float = 0.05, pretrain_epochs: int = 2, optimizer: str = "sgd",
                 fine_tune_rate: float | None = None, dropout: float = 0.0, fine_tune_epochs: int = 3,
                 batch_size: int = 100, seed: int = 0, train_now: bool = True):
        if optimizer not in OPTIMISERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMISERS)}, got {optimizer!r}")
        images = np.asarray(images)
        self.images, self.labels = images.reshape(len(images), -1), np.asarray(labels)
        self.test = (np.asarray(test[0]).reshape(len(test[0]), -1), np.asarray(test[1]))
        self.seed = seed
        self.curves: dict = {}
        self.networks: dict = {}
        self.pretrain_seconds = 0.0
        self.how = ""
        self.hidden_units = _size_slider(hidden_units[0], "layer 1 & 2 units")
        self.top_units = _size_slider(hidden_units[2], "layer 3 units")
        self.cd_steps = int_slider(cd_steps, 1, 25, "CD steps k")
        self.learning_rate = rate_slider(learning_rate, "CD learning rate")
        self.pretrain_epochs = int_slider(pretrain_epochs, 0, 30, "CD epochs per layer")
        self.optimizer = widgets.Dropdown(options=[(label, key) for key, (label, _) in OPTIMISERS.items()],
                                          value=optimizer, description="optimiser", style=STYLE, layout=LAYOUT)
        self.fine_tune_rate = rate_slider(OPTIMISERS[optimizer][1] if fine_tune_rate is None else fine_tune_rate,
                                          "backprop rate")
        self.optimizer.observe(lambda change: setattr(self.fine_tune_rate, "value", OPTIMISERS[change["new"]][1]),
                               names="value")
        self.dropout = widgets.FloatSlider(dropout, min=0.0, max=0.5, step=0.1, description="dropout",
                                           readout_format=".1f", continuous_update=False, style=STYLE, layout=LAYOUT)
        self.fine_tune_epochs = int_slider(fine_tune_epochs, 1, 30, "backprop epochs")
        self.batch_size = int_slider(batch_size, 10, 1000, "batch size", step=10)
        pretraining = [self.hidden_units, self.top_units, self.cd_steps, self.learning_rate, self.pretrain_epochs]
        backprop = [self.optimizer, self.fine_tune_rate, self.dropout, self.fine_tune_epochs, self.batch_size]
        self.controls = pretraining + backprop
        self._training_controls()
        self.widget = columns([heading("pretraining"), *pretraining],
                              [heading("backprop, for both networks"), *backprop])
        self.widget.children = [*self.widget.children, self._button_row()]
        if train_now:
            self.train()

    def settings(self) -> dict:
        """The backprop settings both networks share (arguments of :func:`~dbn_course.training.backprop.fine_tune`)."""
        return {"optimizer": self.optimizer.value, "learning_rate": self.fine_tune_rate.value,
                "num_epochs": self.fine_tune_epochs.value, "batch_size": self.batch_size.value}

    def _train(self, stop_event) -> str:
        n_pretrain, n_tune = self.pretrain_epochs.value, self.fine_tune_epochs.value
        backprop, dropout = self.settings(), self.dropout.value
        self.progress.max, self.progress.value = LAYERS * n_pretrain + (2 if n_pretrain else 1) * n_tune, 0
        sizes = [self.hidden_units.value, self.hidden_units.value, self.top_units.value]
        self.curves, self.networks, self.pretrain_seconds = {}, {}, 0.0
        self.how = (f"{OPTIMISERS[backprop['optimizer']][0]}, rate {backprop['learning_rate']:g}"
                    + (f", dropout {dropout:.1f}" if dropout else ""))

        def on_layer_epoch(rbm, epoch, history):
            self.progress.value += 1
            layer = dbn.rbms.index(rbm) + 1
            self._report(f"pretraining layer {layer} of {LAYERS}: epoch {epoch + 1} of {n_pretrain}", draw=False)

        def on_tune_epoch(name):
            def callback(model, epoch, history):
                self.progress.value += 1
                self.curves[name] = list(history["test_error_pct"])
                self._report(f"backprop epoch {epoch + 1} of {n_tune}, test error: " + ", ".join(
                    f"{other} {errors[-1]:.1f}%" + ("" if len(errors) == epoch + 1 else f" (epoch {len(errors)})")
                    for other, errors in self.curves.items()))
            return callback

        if n_pretrain:
            self._report("pretraining layer 1...", draw=False)
            dbn = make_dbn(sizes, cd_steps=self.cd_steps.value, learning_rate=self.learning_rate.value,
                           num_epochs=n_pretrain, batch_size=backprop["batch_size"], seed=self.seed)
            dbn.pretrain(self.images, self.labels, progress=False, callbacks=[on_layer_epoch], stop_event=stop_event)
            self.pretrain_seconds = self.elapsed()
            if not stop_event.is_set():
                self.networks["pretrained"] = dbn.to_classifier(dropout=dropout, seed=self.seed)
        if not stop_event.is_set():
            self.networks["random init"] = classifier.classifier_network([self.images.shape[1], *sizes], 10,
                                                                         dropout=dropout, seed=self.seed)
            self._report("fine-tuning the pretrained network and the one from random weights, an epoch of each in "
                         "turn..." if len(self.networks) == 2 else "training the network from random weights...",
                         draw=False)
            engines = [fine_tuning_engine(network, self.images, self.labels, test=self.test, seed=self.seed,
                                          progress=False, callbacks=[on_tune_epoch(name)], stop_event=stop_event,
                                          **backprop)
                       for name, network in self.networks.items()]
            training.run_in_turn(engines)
        return self._summary(stop_event.is_set(), n_tune)

    def _summary(self, stopped: bool, n_tune: int) -> str:
        results = "; ".join(f"{name}: {errors[-1]:.1f}% test error after {plural(len(errors), 'epoch')}"
                            for name, errors in self.curves.items())
        pretraining = (f" The pretrained network's head start cost {self.pretrain_seconds:.1f} s of pretraining."
                       if self.pretrain_seconds and "pretrained" in self.curves else "")
        wall = f"{self.elapsed():.1f} s"
        if not stopped:
            return f"trained in {wall} ({plural(n_tune, 'backprop epoch')} each, {self.how}): {results}.{pretraining}"
        head = f"stopped after {wall}{self.stopped_because()}"
        if not results:
            return f"{head}, before any backprop epoch ended"
        return f"{head} ({self.how}): {results}.{pretraining}"

    def _figure(self):
        """Both networks' test error per backprop epoch."""
        fig = plotting.new_figure(figsize=(6.5, 3.4))
        ax = fig.add_subplot()
        if self.curves:
            plotting.plot_error_curves(self.curves, ax=ax, title=f"test error while fine-tuning ({self.how})",
                                       xlabel="backprop epoch")
        else:
            _note(ax, "no backprop epoch has ended yet")
        fig.tight_layout()
        return plotting.stamp_source(fig)
