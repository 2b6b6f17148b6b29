"""Control panels that retrain a model when a learner moves a slider.

Each panel wires ipywidgets to plain package functions -- the model, its training loop
and the plotting helpers -- and holds no model logic of its own. Pressing *Train*
builds a fresh model from the sliders' values, trains it with a progress bar, and
redraws the figures. Run headless (nbval, papermill), a panel trains its default
configuration once when created, so the notebook's output shows a real result.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import plotting
from .rbm import RBM, train_rbm


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
        self.train_button.disabled = True
        self.progress.max, self.progress.value = self.epochs.value, 0
        self.status.value = "training..."
        try:
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
        except Exception as exc:  # show the reason in the panel, not a traceback
            self.status.value = f"training failed: {exc}"
        finally:
            self.train_button.disabled = False

    def redraw(self) -> None:
        """Draw the cost curve, the filters, and reconstructions and fantasies of the last model."""
        rbm = self.rbm
        originals = self.images[:8].astype(np.float32) / 255.0
        reconstructions = rbm.reverse(rbm.forward(originals)).numpy()
        fantasies = rbm.fantasy_digits(n=8, steps=200).numpy()
        for out, draw in (
            (self.costs_out, lambda: plotting.plot_costs(self.history)),
            (self.filters_out, lambda: plotting.filter_grid(rbm.W.numpy(), n=min(64, rbm.number_hidden_units),
                                                            ncols=8)),
            (self.samples_out, lambda: plotting.compare_rows(
                [originals, reconstructions, fantasies], ["data", "reconstruction", "fantasy"], ncols=8)),
        ):
            with out:
                out.clear_output(wait=True)
                fig = draw()
                display(fig)
                plt.close(fig)
        self.redraws += 1

    def _ipython_display_(self):
        display(self.widget)
