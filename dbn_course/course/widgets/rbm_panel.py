"""The RBM chapter's panel: sliders for an RBM, Train and Stop, live cost, filters and samples."""

from __future__ import annotations

import numpy as np

from dbn_course.course import plotting
from dbn_course.course.widgets.base import (
    TrainingPanel,
    checkbox,
    columns,
    int_slider,
    plural,
    random_state_kept,
    rate_slider,
)
from dbn_course.rbm import RBM, train_rbm

FANTASY_STEPS = 200


class RBMPanel(TrainingPanel):
    """Sliders for an RBM's hidden units, CD steps, learning rate, epochs, batch size and PCD, plus live plots.

    The figure shows the cost curve, the first 64 filters (columns of W), and eight
    images beside their reconstructions and eight fantasies (200 Gibbs steps from
    noise). While the RBM trains it is redrawn about once a second, less often if
    drawing would take more than a fifth of the time; Stop keeps the model trained so
    far.

    Args:
        images: training images, uint8 of shape (n, 784) (or (n, 28, 28)).
        hidden_units, cd_steps, learning_rate, num_epochs, persistent, batch_size: the
            controls' starting values.
        seed: seeds the model and the shuffling, so the same sliders give the same model.
        train_now: train the starting configuration once, right away (synchronously).

    Attributes:
        rbm, history: the model trained last (possibly stopped early) and its history.
    """

    title = "RBM panel"

    def __init__(self, images, hidden_units: int = 100, cd_steps: int = 1, learning_rate: float = 0.1,
                 num_epochs: int = 2, persistent: bool = False, batch_size: int = 100, seed: int = 0,
                 train_now: bool = True):
        images = np.asarray(images)
        self.images = images.reshape(len(images), -1)
        self.seed = seed
        self.rbm: RBM | None = None
        self.history: dict | None = None
        self.hidden_units = int_slider(hidden_units, 4, 1000, "hidden units", step=4)
        self.cd_steps = int_slider(cd_steps, 1, 25, "CD steps k")
        self.learning_rate = rate_slider(learning_rate)
        self.num_epochs = int_slider(num_epochs, 1, 50, "epochs")
        self.batch_size = int_slider(batch_size, 10, 1000, "batch size", step=10)
        self.persistent = checkbox(persistent, "persistent CD (PCD)")
        self.controls = [self.hidden_units, self.cd_steps, self.learning_rate, self.num_epochs, self.batch_size,
                         self.persistent]
        self._training_controls()
        self.widget = columns(self.controls)
        self.widget.children = [*self.widget.children, self._button_row()]
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

    def _train(self, stop_event) -> str:
        epochs, batch_size = self.num_epochs.value, self.batch_size.value
        self.progress.max, self.progress.value = epochs, 0
        rbm = RBM(seed=self.seed, **self.settings())

        def on_epoch(model, epoch, history):
            self.rbm, self.history = model, history
            self.progress.value = epoch + 1
            if epoch + 1 < epochs:  # the last epoch's figure is the final one
                with random_state_kept(model.sampler):
                    self._report(f"epoch {epoch + 1} of {epochs}: reconstruction cost "
                                 f"{history['reconstruction_cost'][-1]:.1f} nats per image (slider moves apply at "
                                 "the next Train)")

        self.history = train_rbm(rbm, self.images, num_epochs=epochs, batch_size=batch_size, seed=self.seed,
                                 progress=False, callbacks=[on_epoch], stop_event=stop_event).history
        self.rbm = rbm
        done = len(self.history["epoch_seconds"])
        head = (f"stopped after {done} of {epochs} epochs{self.stopped_because()}" if stop_event.is_set()
                else f"trained {plural(epochs, 'epoch')}")
        return (f"{head} in {self.elapsed():.1f} s: reconstruction cost "
                f"{self.history['reconstruction_cost'][-1]:.1f} nats per image")

    def _figure(self):
        """The cost curve, the filters, and reconstructions and fantasies of the last model."""
        rbm = self.rbm
        originals = self.images[:8].astype(np.float32) / 255.0
        reconstructions = rbm.reverse(rbm.forward(originals)).numpy()
        fantasies = rbm.fantasy_digits(n=8, steps=FANTASY_STEPS).numpy()
        fig = plotting.new_figure(figsize=(10.5, 3.0))
        grid = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.0, 1.35], left=0.07, right=0.99, bottom=0.16,
                                top=0.9, wspace=0.4)
        plotting.plot_costs(self.history, ax=fig.add_subplot(grid[0]))
        n_filters = min(64, rbm.number_hidden_units)
        plotting.draw_tiles(fig.add_subplot(grid[1]), plotting.filter_grid_images(rbm.W.numpy(), n_filters),
                            ncols=8, title=f"{n_filters} filters (columns of W)")
        plotting.draw_tiles(fig.add_subplot(grid[2]), np.concatenate([originals, reconstructions, fantasies]),
                            ncols=8, row_labels=["data", "reconstruction", "fantasy"], value_range=(0.0, 1.0),
                            title=f"fantasies after {FANTASY_STEPS} Gibbs steps")
        return plotting.stamp_source(fig)
