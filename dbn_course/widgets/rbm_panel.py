"""The RBM chapter's panel: sliders for an RBM, Train and Stop, live cost, filters and samples."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import plotting
from ..rbm import RBM, train_rbm
from .base import (
    STYLE,
    TrainingPanel,
    describe_end,
    figure_view,
    int_slider,
    random_state_kept,
    rate_slider,
    show_figure,
)


class RBMPanel(TrainingPanel):
    """Sliders for an RBM's hidden units, CD steps, learning rate, epochs, batch size and PCD, plus live plots.

    While it trains, the cost curve, the filters (columns of W), reconstructions beside
    the originals and fresh fantasies are redrawn at most once a second; Stop keeps the
    model trained so far.

    Args:
        images: training images, uint8 of shape (n, 784) (or (n, 28, 28)).
        hidden_units, cd_steps, learning_rate, epochs, persistent, batch_size: the
            controls' starting values.
        seed: seeds the model and the shuffling, so the same sliders give the same model.
        train_now: train the starting configuration once, right away (synchronously).

    Attributes:
        rbm, history: the model trained last (possibly stopped early) and its history.
        redraws: how many times the figures were drawn.
    """

    def __init__(self, images, hidden_units: int = 100, cd_steps: int = 1, learning_rate: float = 0.1,
                 epochs: int = 2, persistent: bool = False, batch_size: int = 100, seed: int = 0,
                 train_now: bool = True):
        images = np.asarray(images)
        self.images = images.reshape(len(images), -1)
        self.seed = seed
        self.rbm: RBM | None = None
        self.history: dict | None = None
        self.hidden_units = int_slider(hidden_units, 4, 1000, "hidden units", step=4)
        self.cd_steps = int_slider(cd_steps, 1, 25, "CD steps k")
        self.learning_rate = rate_slider(learning_rate)
        self.epochs = int_slider(epochs, 1, 50, "epochs")
        self.batch_size = int_slider(batch_size, 10, 1000, "batch size", step=10)
        self.persistent = widgets.Checkbox(persistent, description="persistent CD (PCD)", style=STYLE)
        self._training_controls()
        self.costs_view, self.filters_view, self.samples_view = figure_view(), figure_view(), figure_view()
        controls = widgets.VBox([self.hidden_units, self.cd_steps, self.learning_rate, self.epochs, self.batch_size,
                                 self.persistent, self._button_row(), self.status])
        self.widget = widgets.VBox([
            widgets.HBox([controls, self.costs_view]),
            widgets.HBox([self.filters_view, self.samples_view]),
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

    def _train(self, stop_event) -> None:
        epochs, batch_size = self.epochs.value, self.batch_size.value
        self.progress.max, self.progress.value = epochs, 0
        rbm = RBM(seed=self.seed, **self.settings())

        def on_epoch(model, epoch, history):
            self.rbm, self.history = model, history
            self.progress.value = epoch + 1
            self.status.value = (f"epoch {epoch + 1} of {epochs}: cost {history['reconstruction_cost'][-1]:.1f} "
                                 "(slider moves apply at the next Train)")
            if epoch + 1 < epochs and self._live_redraw_due():  # the last epoch's drawing is the final one
                with random_state_kept(model.sampler):
                    self.redraw()

        history = train_rbm(rbm, self.images, num_epochs=epochs, batch_size=batch_size, seed=self.seed,
                            progress=False, callbacks=[on_epoch], stop_event=stop_event).history
        self.rbm, self.history = rbm, history
        done = len(history["epoch_seconds"])
        self.status.value = (f"{describe_end(stop_event.is_set(), done, epochs, 'epochs')} in "
                             f"{sum(history['epoch_seconds']):.1f} s: reconstruction cost "
                             f"{history['reconstruction_cost'][-1]:.1f} nats per image")
        self.redraw()

    def redraw(self) -> None:
        """Draw the cost curve, the filters, and reconstructions and fantasies of the last model."""
        rbm = self.rbm
        originals = self.images[:8].astype(np.float32) / 255.0
        reconstructions = rbm.reverse(rbm.forward(originals)).numpy()
        fantasies = rbm.fantasy_digits(n=8, steps=200).numpy()
        show_figure(self.costs_view, plotting.plot_costs(self.history))
        show_figure(self.filters_view, plotting.filter_grid(rbm.W.numpy(), n=min(64, rbm.number_hidden_units),
                                                            ncols=8))
        show_figure(self.samples_view, plotting.compare_rows([originals, reconstructions, fantasies],
                                                             ["data", "reconstruction", "fantasy"], ncols=8))
        self.redraws += 1
