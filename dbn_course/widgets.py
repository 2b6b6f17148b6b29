"""Control panels that retrain a model when a learner moves a slider.

Each panel wires ipywidgets to plain package functions -- the model, its training loop
and the plotting helpers -- and holds no model logic of its own. Pressing *Train*
builds a fresh model from the sliders' values, trains it with a progress bar, and
redraws the figures. Run headless (nbval, papermill), a panel trains its default
configuration once when created, so the notebook's output shows a real result.
"""

from __future__ import annotations

import contextlib

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import classifier, hopfield, plotting
from .boltzmann import BoltzmannMachine, total_variation
from .dbn import make_dbn
from .rbm import RBM, train_rbm


@contextlib.contextmanager
def _training(button: widgets.Button, status: widgets.Label):
    """Disable ``button`` while a panel trains; a failure shows in ``status``, not as a traceback."""
    button.disabled = True
    try:
        yield
    except Exception as exc:  # the panel's reason for failing, in words
        status.value = f"training failed: {exc}"
    finally:
        button.disabled = False


def _show(out: widgets.Output, fig) -> None:
    """Replace what ``out`` shows with ``fig``."""
    with out:
        out.clear_output(wait=True)
        display(fig)
    plt.close(fig)


class RBMPanel:
    """Sliders for an RBM's hidden units, CD steps, learning rate and epochs, plus live plots.

    Args:
        images: training images, uint8 of shape (n, 784) (or (n, 28, 28)).
        hidden_units, cd_steps, learning_rate, epochs, persistent: the sliders' starting values.
        batch_size: examples per update.
        seed: seeds the model and the shuffling, so the same sliders give the same model.
        train_now: train the starting configuration once, right away.

    Attributes:
        rbm, history: the model trained last and its training history.
        redraws: how many times the figures were drawn.
    """

    def __init__(self, images, hidden_units: int = 100, cd_steps: int = 1, learning_rate: float = 0.1,
                 epochs: int = 2, persistent: bool = False, batch_size: int = 100, seed: int = 0,
                 train_now: bool = True):
        images = np.asarray(images)
        self.images = images.reshape(len(images), -1)
        self.batch_size = batch_size
        self.seed = seed
        self.rbm: RBM | None = None
        self.history: dict | None = None
        self.redraws = 0
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")
        self.hidden_units = widgets.IntSlider(hidden_units, min=4, max=1000, step=4, description="hidden units",
                                              continuous_update=False, style=style, layout=layout)
        self.cd_steps = widgets.IntSlider(cd_steps, min=1, max=25, description="CD steps k",
                                          continuous_update=False, style=style, layout=layout)
        self.learning_rate = widgets.FloatLogSlider(learning_rate, base=10, min=-4, max=0, step=0.1,
                                                    description="learning rate", readout_format=".4f",
                                                    continuous_update=False, style=style, layout=layout)
        self.epochs = widgets.IntSlider(epochs, min=1, max=30, description="epochs",
                                        continuous_update=False, style=style, layout=layout)
        self.persistent = widgets.Checkbox(persistent, description="persistent CD (PCD)", style=style)
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.train_button.on_click(lambda _: self.train())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="epoch", style=style)
        self.status = widgets.Label()
        self.costs_out, self.filters_out, self.samples_out = (widgets.Output() for _ in range(3))
        controls = widgets.VBox([self.hidden_units, self.cd_steps, self.learning_rate, self.epochs,
                                 self.persistent, widgets.HBox([self.train_button, self.progress]), self.status])
        self.widget = widgets.VBox([
            widgets.HBox([controls, self.costs_out]),
            widgets.HBox([self.filters_out, self.samples_out]),
        ])
        if train_now:
            self.train()

    def settings(self) -> dict:
        """The RBM hyperparameters the sliders show now."""
        return {
            "number_hidden_units": self.hidden_units.value,
            "cd_steps": self.cd_steps.value,
            "learning_rate": self.learning_rate.value,
            "persistent": self.persistent.value,
        }

    def train(self) -> None:
        """Build an RBM from the sliders, train it, and redraw the figures."""
        self.progress.max, self.progress.value = self.epochs.value, 0
        self.status.value = "training..."
        with _training(self.train_button, self.status):
            rbm = RBM(seed=self.seed, **self.settings())

            def on_epoch(model, epoch, history):
                self.progress.value = epoch + 1
                self.status.value = f"epoch {epoch + 1}: cost {history['reconstruction_cost'][-1]:.1f}"

            self.history = train_rbm(rbm, self.images, num_epochs=self.epochs.value, batch_size=self.batch_size,
                                     seed=self.seed, progress=False, callbacks=[on_epoch])
            self.rbm = rbm
            seconds = sum(self.history["epoch_seconds"])
            self.status.value = (f"trained in {seconds:.1f} s: reconstruction cost "
                                 f"{self.history['reconstruction_cost'][-1]:.1f} nats per image")
            self.redraw()

    def redraw(self) -> None:
        """Draw the cost curve, the filters, and reconstructions and fantasies of the last model."""
        rbm = self.rbm
        originals = self.images[:8].astype(np.float32) / 255.0
        reconstructions = rbm.reverse(rbm.forward(originals)).numpy()
        fantasies = rbm.fantasy_digits(n=8, steps=200).numpy()
        _show(self.costs_out, plotting.plot_costs(self.history))
        _show(self.filters_out, plotting.filter_grid(rbm.W.numpy(), n=min(64, rbm.number_hidden_units), ncols=8))
        _show(self.samples_out, plotting.compare_rows([originals, reconstructions, fantasies],
                                                      ["data", "reconstruction", "fantasy"], ncols=8))
        self.redraws += 1

    def _ipython_display_(self):
        display(self.widget)


class HopfieldPanel:
    """Store digits in a Hopfield network, corrupt them, and watch recall; sliders redraw at once.

    Args:
        patterns: candidate patterns (n, N) in {0, 1} or {-1, +1}, e.g. binarised digits.
        image_shape: how to draw one pattern, e.g. (14, 14).
        n_patterns, corruption, rule, storage: the controls' starting values (``storage`` is
            ``"hebbian"`` or ``"projection"``).
        seed: seeds the corruption and the asynchronous update order.

    Attributes:
        result: the last :class:`~dbn_course.hopfield.RecallResult`; ``redraws`` counts drawings.
    """

    def __init__(self, patterns, image_shape, n_patterns: int = 3, corruption: float = 0.2,
                 rule: str = "async", storage: str = "hebbian", seed: int = 0):
        self.patterns = hopfield.to_spins(patterns, "patterns")
        self.image_shape = tuple(image_shape)
        self.seed = seed
        self.redraws = 0
        self.result = None
        style = {"description_width": "130px"}
        self.n_patterns = widgets.IntSlider(n_patterns, min=1, max=len(self.patterns), description="patterns stored",
                                            continuous_update=False, style=style)
        self.corruption = widgets.FloatSlider(corruption, min=0.0, max=0.5, step=0.05, description="units flipped",
                                              readout_format=".0%", continuous_update=False, style=style)
        self.rule = widgets.ToggleButtons(options=[("asynchronous", "async"), ("synchronous", "sync")], value=rule,
                                          description="update rule", style=style)
        self.storage = widgets.ToggleButtons(options=[("Hebbian", "hebbian"), ("projection", "projection")],
                                             value=storage, description="storage rule", style=style)
        self.status = widgets.Label()
        self.out = widgets.Output()
        for control in (self.n_patterns, self.corruption, self.rule, self.storage):
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = widgets.VBox([self.n_patterns, self.corruption, self.rule, self.storage, self.status, self.out])
        self.redraw()

    def redraw(self) -> None:
        """Store the first ``n_patterns`` patterns, corrupt each, recall it, and draw the outcome."""
        stored = self.patterns[: self.n_patterns.value]
        net = hopfield.HopfieldNetwork(stored.shape[1]).store(stored, rule=self.storage.value)
        probes = hopfield.corrupt(stored, self.corruption.value, seed=self.seed)
        self.result = net.recall(probes, rule=self.rule.value, max_sweeps=20, seed=self.seed)
        recalled = (self.result.states == stored).all(axis=1)
        self.status.value = (f"{recalled.sum()} of {len(stored)} recalled exactly; "
                             f"{self.result.sweeps} sweeps; "
                             f"{'all reached fixed points' if self.result.converged.all() else 'some did not settle'}")
        shown = min(len(stored), 8)
        fig = plt.figure(figsize=(2.0 + 1.1 * shown, 3.6))
        grid = fig.add_gridspec(3, shown + 2)
        for row, (label, images) in enumerate((("stored", stored), ("corrupted", probes),
                                               ("recalled", self.result.states))):
            for col in range(shown):
                ax = fig.add_subplot(grid[row, col])
                ax.imshow(images[col].reshape(self.image_shape), cmap="gray", vmin=-1, vmax=1)
                ax.set_axis_off()
                if col == 0:
                    ax.set_title(label, fontsize=8, loc="left")
        plotting.plot_energies(self.result.energies[:shown], ax=fig.add_subplot(grid[:, shown:]))
        _show(self.out, fig)
        self.redraws += 1

    def _ipython_display_(self):
        display(self.widget)


class BoltzmannPanel:
    """The exact Gibbs measure of a small Boltzmann machine beside a Gibbs sampler, with a temperature slider.

    Args:
        machine: a :class:`~dbn_course.boltzmann.BoltzmannMachine` of at most 16 units.
        temperature, n_sweeps: the sliders' starting values.
        n_chains: independent chains whose final states make the histogram.
        seed: seeds the sampler.
    """

    def __init__(self, machine: BoltzmannMachine, temperature: float = 1.0, n_sweeps: int = 20,
                 n_chains: int = 5000, seed: int = 0):
        self.machine = machine
        self.n_chains = n_chains
        self.seed = seed
        self.redraws = 0
        self.distance = None
        style = {"description_width": "110px"}
        self.temperature = widgets.FloatLogSlider(temperature, base=10, min=-1.3, max=1, step=0.05,
                                                  description="temperature T", continuous_update=False, style=style)
        self.n_sweeps = widgets.IntSlider(n_sweeps, min=1, max=100, description="Gibbs sweeps",
                                          continuous_update=False, style=style)
        self.out = widgets.Output()
        for control in (self.temperature, self.n_sweeps):
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = widgets.VBox([self.temperature, self.n_sweeps, self.out])
        self.redraw()

    def redraw(self) -> None:
        """Sample at the sliders' temperature and sweeps, and draw both distributions."""
        T, sweeps = self.temperature.value, self.n_sweeps.value
        exact = self.machine.exact_distribution(T)
        sampled = self.machine.empirical_distribution(
            self.machine.sample(self.n_chains, sweeps, temperature=T, seed=self.seed))
        self.distance = total_variation(exact, sampled)
        title = (f"T = {T:.2f}: {self.n_chains:,} chains after {sweeps} sweeps, "
                 f"total-variation distance {self.distance:.3f}")
        _show(self.out, plotting.compare_distributions(exact, sampled, title=title))
        self.redraws += 1

    def _ipython_display_(self):
        display(self.widget)


def _slider_style():
    return {"description_width": "130px"}, widgets.Layout(width="440px")


class DBNPanel:
    """Build a small labelled DBN from sliders, pretrain it (and fine-tune it by up-down), and generate digits.

    Args:
        images, labels: training data (uint8 (n, 784) pixels and integer classes).
        test: ``(images, labels)`` on which the generative model's error is measured.
        hidden_units: starting sizes of the two lower layers and the top layer.
        cd_steps, learning_rate, epochs: the pretraining sliders' starting values.
        up_down_epochs: starting value of the up-down slider (0: pretraining only).
        digit: the class to generate.
        seed: seeds the model, shuffling and samples.
        train_now: train the starting configuration once, right away.

    Attributes:
        dbn, histories, up_down_history, test_error_pct: the last model and its record.
        redraws: how many times the figures were drawn.
    """

    def __init__(self, images, labels, test, hidden_units=(256, 256, 512), cd_steps: int = 1,
                 learning_rate: float = 0.05, epochs: int = 2, up_down_epochs: int = 0, digit: int = 3,
                 batch_size: int = 100, seed: int = 0, train_now: bool = True):
        images = np.asarray(images)
        self.images, self.labels = images.reshape(len(images), -1), np.asarray(labels)
        self.test = (np.asarray(test[0]).reshape(len(test[0]), -1), np.asarray(test[1]))
        self.batch_size, self.seed = batch_size, seed
        self.dbn = self.histories = self.up_down_history = self.test_error_pct = None
        self.redraws = 0
        style, layout = _slider_style()

        def size_slider(value, name):
            return widgets.IntSlider(value, min=16, max=2000, step=16, description=name, continuous_update=False,
                                     style=style, layout=layout)

        self.hidden_1 = size_slider(hidden_units[0], "layer 1 units")
        self.hidden_2 = size_slider(hidden_units[1], "layer 2 units")
        self.top_units = size_slider(hidden_units[2], "top-level units")
        self.cd_steps = widgets.IntSlider(cd_steps, min=1, max=25, description="CD steps k", continuous_update=False,
                                          style=style, layout=layout)
        self.learning_rate = widgets.FloatLogSlider(learning_rate, base=10, min=-4, max=0, step=0.1,
                                                    description="learning rate", readout_format=".4f",
                                                    continuous_update=False, style=style, layout=layout)
        self.epochs = widgets.IntSlider(epochs, min=1, max=30, description="epochs per layer",
                                        continuous_update=False, style=style, layout=layout)
        self.up_down_epochs = widgets.IntSlider(up_down_epochs, min=0, max=30, description="up-down epochs",
                                                continuous_update=False, style=style, layout=layout)
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.train_button.on_click(lambda _: self.train())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="epochs", style=style)
        self.status = widgets.Label()
        self.digit = widgets.IntSlider(digit, min=0, max=9, description="digit to generate", style=style,
                                       layout=layout, continuous_update=False)
        self.gibbs_steps = widgets.IntSlider(200, min=10, max=2000, step=10, description="Gibbs steps at top",
                                             style=style, layout=layout, continuous_update=False)
        self.generate_button = widgets.Button(description="Generate", icon="pencil")
        self.generate_button.on_click(lambda _: self.draw_samples())
        self.costs_out, self.filters_out, self.samples_out = (widgets.Output() for _ in range(3))
        controls = widgets.VBox([self.hidden_1, self.hidden_2, self.top_units, self.cd_steps, self.learning_rate,
                                 self.epochs, self.up_down_epochs, widgets.HBox([self.train_button, self.progress]),
                                 self.status])
        sampling = widgets.VBox([self.digit, self.gibbs_steps, self.generate_button, self.samples_out])
        self.widget = widgets.VBox([widgets.HBox([controls, self.costs_out]),
                                    widgets.HBox([self.filters_out, sampling])])
        if train_now:
            self.train()

    def settings(self) -> dict:
        """The DBN the sliders describe (arguments of :func:`~dbn_course.dbn.make_dbn`)."""
        return {
            "hidden_units": [self.hidden_1.value, self.hidden_2.value, self.top_units.value],
            "cd_steps": self.cd_steps.value,
            "learning_rate": self.learning_rate.value,
            "num_epochs": self.epochs.value,
        }

    def train(self) -> None:
        """Pretrain a DBN from the sliders, run the up-down epochs, and redraw everything."""
        total = 3 * self.epochs.value + self.up_down_epochs.value
        self.progress.max, self.progress.value = total, 0
        self.status.value = "pretraining..."
        with _training(self.train_button, self.status):
            dbn = make_dbn(batch_size=self.batch_size, seed=self.seed, **self.settings())

            def on_epoch(*_):
                self.progress.value += 1

            self.histories = dbn.pretrain(self.images, self.labels, progress=False, callbacks=[on_epoch])
            self.up_down_history = None
            if self.up_down_epochs.value:
                self.status.value = "up-down fine-tuning..."
                self.up_down_history = dbn.up_down(self.images, self.labels, num_epochs=self.up_down_epochs.value,
                                                   progress=False, callbacks=[on_epoch], monitor_size=500)
            self.dbn = dbn
            self.test_error_pct = dbn.error_pct(*self.test)
            seconds = sum(sum(h["epoch_seconds"]) for h in self.histories)
            if self.up_down_history:
                seconds += sum(self.up_down_history["epoch_seconds"])
            self.status.value = (f"trained in {seconds:.1f} s; the generative model misclassifies "
                                 f"{self.test_error_pct:.1f}% of {len(self.test[1]):,} test digits")
            self.redraw()

    def redraw(self) -> None:
        """Draw the layers' cost curves, the first layer's filters and fresh samples."""
        _show(self.costs_out, plotting.plot_layer_costs(self.histories))
        _show(self.filters_out, plotting.filter_grid(self.dbn.rbms[0].W.numpy(), n=48, ncols=8,
                                                     title="layer 1 receptive fields"))
        self.draw_samples()
        self.redraws += 1

    def draw_samples(self) -> None:
        """Generate ten digits of the chosen class with the last model."""
        if self.dbn is None:
            return
        images, _ = self.dbn.generate(labels=[self.digit.value] * 10, gibbs_steps=self.gibbs_steps.value)
        _show(self.samples_out, plotting.image_grid(images, ncols=10, cell_size=0.6,
                                                    title=f"digits generated with the label {self.digit.value} "
                                                          "clamped"))

    def _ipython_display_(self):
        display(self.widget)


class FineTunePanel:
    """Pretrain a DBN, turn it into a classifier and fine-tune it, beside the same network from random weights.

    Args:
        images, labels: training data (uint8 (n, 784) pixels and integer classes).
        test: ``(images, labels)`` measured after every epoch.
        hidden_units: starting sizes of the three hidden layers.
        cd_steps, learning_rate, pretrain_epochs: the pretraining sliders' starting values.
        fine_tune_rate, fine_tune_epochs: the backpropagation sliders' starting values.
        seed: seeds both networks and the shuffling.
        train_now: train the starting configuration once, right away.

    Attributes:
        curves: test error per epoch, ``{"pretrained": [...], "random init": [...]}``.
    """

    def __init__(self, images, labels, test, hidden_units=(256, 256, 512), cd_steps: int = 1,
                 learning_rate: float = 0.05, pretrain_epochs: int = 2, fine_tune_rate: float = 0.1,
                 fine_tune_epochs: int = 3, batch_size: int = 100, seed: int = 0, train_now: bool = True):
        images = np.asarray(images)
        self.images, self.labels = images.reshape(len(images), -1), np.asarray(labels)
        self.test = (np.asarray(test[0]).reshape(len(test[0]), -1), np.asarray(test[1]))
        self.batch_size, self.seed = batch_size, seed
        self.curves: dict | None = None
        self.redraws = 0
        style, layout = _slider_style()
        self.hidden_units = widgets.IntSlider(hidden_units[0], min=16, max=2000, step=16,
                                              description="layer 1 & 2 units", continuous_update=False,
                                              style=style, layout=layout)
        self.top_units = widgets.IntSlider(hidden_units[2], min=16, max=2000, step=16, description="layer 3 units",
                                           continuous_update=False, style=style, layout=layout)
        self.cd_steps = widgets.IntSlider(cd_steps, min=1, max=25, description="CD steps k", continuous_update=False,
                                          style=style, layout=layout)
        self.learning_rate = widgets.FloatLogSlider(learning_rate, base=10, min=-4, max=0, step=0.1,
                                                    description="CD learning rate", readout_format=".4f",
                                                    continuous_update=False, style=style, layout=layout)
        self.pretrain_epochs = widgets.IntSlider(pretrain_epochs, min=0, max=30, description="CD epochs per layer",
                                                 continuous_update=False, style=style, layout=layout)
        self.fine_tune_rate = widgets.FloatLogSlider(fine_tune_rate, base=10, min=-4, max=0, step=0.1,
                                                     description="backprop rate", readout_format=".4f",
                                                     continuous_update=False, style=style, layout=layout)
        self.fine_tune_epochs = widgets.IntSlider(fine_tune_epochs, min=1, max=30, description="backprop epochs",
                                                  continuous_update=False, style=style, layout=layout)
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.train_button.on_click(lambda _: self.train())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="epochs", style=style)
        self.status = widgets.Label()
        self.out = widgets.Output()
        controls = widgets.VBox([self.hidden_units, self.top_units, self.cd_steps, self.learning_rate,
                                 self.pretrain_epochs, self.fine_tune_rate, self.fine_tune_epochs,
                                 widgets.HBox([self.train_button, self.progress]), self.status])
        self.widget = widgets.HBox([controls, self.out])
        if train_now:
            self.train()

    def train(self) -> None:
        """Pretrain (unless 0 CD epochs), fine-tune, train the random-init twin, and redraw."""
        n_pretrain, n_tune = self.pretrain_epochs.value, self.fine_tune_epochs.value
        self.progress.max, self.progress.value = 3 * n_pretrain + (2 if n_pretrain else 1) * n_tune, 0
        with _training(self.train_button, self.status):
            sizes = [self.hidden_units.value, self.hidden_units.value, self.top_units.value]

            def tick(*_):
                self.progress.value += 1

            curves = {}
            if n_pretrain:
                self.status.value = "pretraining..."
                dbn = make_dbn(sizes, cd_steps=self.cd_steps.value, learning_rate=self.learning_rate.value,
                               num_epochs=n_pretrain, batch_size=self.batch_size, seed=self.seed)
                dbn.pretrain(self.images, self.labels, progress=False, callbacks=[tick])
                model = dbn.to_classifier(seed=self.seed)
                self.status.value = "fine-tuning the pretrained network..."
                curves["pretrained"] = classifier.fine_tune(
                    model, self.images, self.labels, epochs=n_tune, learning_rate=self.fine_tune_rate.value,
                    batch_size=self.batch_size, test=self.test, seed=self.seed, callbacks=[tick])["test_error_pct"]
            self.status.value = "training the same network from random weights..."
            twin = classifier.classifier_network([self.images.shape[1], *sizes], 10, seed=self.seed)
            curves["random init"] = classifier.fine_tune(
                twin, self.images, self.labels, epochs=n_tune, learning_rate=self.fine_tune_rate.value,
                batch_size=self.batch_size, test=self.test, seed=self.seed, callbacks=[tick])["test_error_pct"]
            self.curves = curves
            self.status.value = "; ".join(f"{name}: {errors[-1]:.1f}% test error" for name, errors in curves.items())
            self.redraw()

    def redraw(self) -> None:
        _show(self.out, plotting.plot_error_curves(self.curves, title="test error while fine-tuning",
                                                   xlabel="backprop epoch"))
        self.redraws += 1

    def _ipython_display_(self):
        display(self.widget)
