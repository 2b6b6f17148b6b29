"""The Hopfield and Boltzmann chapter's panels: recall that can be stepped through, and a sampler."""

from __future__ import annotations

import ipywidgets as widgets

from dbn_course import hopfield
from dbn_course.boltzmann import BoltzmannMachine
from dbn_course.course import plotting
from dbn_course.course.widgets.base import LAYOUT, STYLE, Panel
from dbn_course.sampling.exact import total_variation

SHOWN = 8


class HopfieldPanel(Panel):
    """Store digits in a Hopfield network, corrupt them, and step through their recall.

    Moving a control stores, corrupts and recalls again at once (a Hopfield network has
    no training loop: storing is one matrix product). The *sweep* slider -- or its play
    button -- walks through the recall, one sweep (every unit updated once) at a time,
    with the energy curve marking where it is.

    Args:
        patterns: candidate patterns (n, N) in {0, 1} or {-1, +1}, e.g. binarised digits.
        image_shape: how to draw one pattern, e.g. (14, 14).
        n_patterns, corruption, rule, storage: the controls' starting values (``storage`` is
            ``"hebbian"`` or ``"projection"``).
        seed: seeds the corruption and the asynchronous update order.

    Attributes:
        result: the last :class:`~dbn_course.hopfield.RecallResult` (with its trajectory);
            ``redraws`` counts drawings.
    """

    title = "Hopfield panel"

    def __init__(self, patterns, image_shape, n_patterns: int = 3, corruption: float = 0.2,
                 rule: str = "async", storage: str = "hebbian", seed: int = 0):
        self.patterns = hopfield.to_spins(patterns, "patterns")
        self.image_shape = tuple(image_shape)
        self.seed = seed
        self._panel_outputs()
        self.result = None
        self.stored = self.probes = None
        self.n_patterns = widgets.IntSlider(n_patterns, min=1, max=len(self.patterns), description="patterns stored",
                                            continuous_update=False, style=STYLE, layout=LAYOUT)
        self.corruption = widgets.FloatSlider(corruption, min=0.0, max=0.5, step=0.05, description="units flipped",
                                              readout_format=".0%", continuous_update=False, style=STYLE,
                                              layout=LAYOUT)
        self.rule = widgets.ToggleButtons(options=[("asynchronous", "async"), ("synchronous", "sync")], value=rule,
                                          description="update rule", style=STYLE)
        self.storage = widgets.ToggleButtons(options=[("Hebbian", "hebbian"), ("projection", "projection")],
                                             value=storage, description="storage rule", style=STYLE)
        self.sweep = widgets.IntSlider(0, min=0, max=1, description="show sweep", style=STYLE, layout=LAYOUT)
        self.play = widgets.Play(value=0, min=0, max=1, interval=700, description="play the recall")
        widgets.jslink((self.play, "value"), (self.sweep, "value"))
        self.controls = [self.n_patterns, self.corruption, self.rule, self.storage]
        for control in (self.n_patterns, self.corruption, self.rule, self.storage):
            control.observe(lambda change: self.redraw(), names="value")
        self._moving_sweep = False
        self.sweep.observe(lambda change: None if self._moving_sweep else self.show_sweep(change["new"]),
                           names="value")
        self.widget = widgets.VBox([self.n_patterns, self.corruption, self.rule, self.storage,
                                    widgets.HBox([self.play, self.sweep])])
        self.redraw()

    def redraw(self) -> None:
        """Store the first ``n_patterns`` patterns, corrupt each, recall it, and show the final sweep."""
        self.stored = self.patterns[: self.n_patterns.value]
        net = hopfield.HopfieldNetwork(self.stored.shape[1]).store(self.stored, rule=self.storage.value)
        self.probes = hopfield.corrupt(self.stored, self.corruption.value, seed=self.seed)
        self.result = net.recall(self.probes, rule=self.rule.value, max_sweeps=20, seed=self.seed,
                                 keep_trajectory=True)
        recalled = (self.result.states == self.stored).all(axis=1)
        status = (f"{recalled.sum()} of {len(self.stored)} recalled exactly; {self.result.sweeps} sweeps; "
                  f"{'all reached fixed points' if self.result.converged.all() else 'some did not settle'}")
        last = self.result.sweeps
        self._moving_sweep = True  # one drawing below, not one per slider change
        try:
            self.sweep.max = self.play.max = max(last, 1)
            self.sweep.value = last
        finally:
            self._moving_sweep = False
        self.show(status=status, fig=self._figure(last))  # the status and the figure change together

    def show_sweep(self, sweep: int) -> None:
        """Draw the stored, corrupted and current states after ``sweep`` sweeps, and the energies."""
        if self.result is not None:
            self.show(fig=self._figure(sweep))

    def describe_controls(self) -> str:
        return f"{super().describe_controls()}, show sweep {self.sweep.value}"

    def _figure(self, sweep: int):
        sweep = min(int(sweep), self.result.sweeps)
        shown = min(len(self.stored), SHOWN)
        rows = [self.stored[:shown], self.probes[:shown], self.result.trajectory[sweep][:shown]]
        fig = plotting.new_figure(figsize=(9.0, 3.0))
        grid = fig.add_gridspec(1, 2, width_ratios=[1.25, 1.0], left=0.1, right=0.98, bottom=0.17, top=0.88,
                                wspace=0.25)
        images = [image.reshape(self.image_shape) for row in rows for image in row]
        plotting.draw_tiles(fig.add_subplot(grid[0]), images, ncols=shown, value_range=(-1, 1),
                            row_labels=["stored", "corrupted", f"after sweep {sweep}"],
                            title=f"{shown} of {len(self.stored)} patterns" if shown < len(self.stored) else None)
        ax = fig.add_subplot(grid[1])
        plotting.plot_energies(self.result.energies[:shown], ax=ax)
        ax.axvline(sweep, color="0.4", linestyle="--", linewidth=1)
        return fig


class BoltzmannPanel(Panel):
    """The exact Gibbs measure of a small Boltzmann machine beside a Gibbs sampler, with a temperature slider.

    Args:
        machine: a :class:`~dbn_course.boltzmann.BoltzmannMachine` of at most 16 units.
        temperature, n_sweeps: the sliders' starting values.
        n_chains: independent chains whose final states make the histogram.
        seed: seeds the sampler.
    """

    title = "Boltzmann panel"

    def __init__(self, machine: BoltzmannMachine, temperature: float = 1.0, n_sweeps: int = 20,
                 n_chains: int = 5000, seed: int = 0):
        self.machine = machine
        self.n_chains = n_chains
        self.seed = seed
        self._panel_outputs()
        self.distance = None
        self.temperature = widgets.FloatLogSlider(temperature, base=10, min=-1.3, max=1, step=0.05,
                                                  description="temperature T", continuous_update=False, style=STYLE,
                                                  layout=LAYOUT)
        self.n_sweeps = widgets.IntSlider(n_sweeps, min=1, max=100, description="Gibbs sweeps",
                                          continuous_update=False, style=STYLE, layout=LAYOUT)
        self.controls = [self.temperature, self.n_sweeps]
        for control in self.controls:
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = widgets.VBox(self.controls)
        self.redraw()

    def redraw(self) -> None:
        """Sample at the sliders' temperature and sweeps, and draw both distributions."""
        T, sweeps = self.temperature.value, self.n_sweeps.value
        exact = self.machine.exact_distribution(T)
        sampled = self.machine.empirical_distribution(
            self.machine.sample(self.n_chains, sweeps, temperature=T, seed=self.seed))
        self.distance = total_variation(exact, sampled)
        status = (f"T = {T:.2f}: {self.n_chains:,} chains after {sweeps} sweeps; total-variation distance "
                  f"over all {len(exact)} states {self.distance:.3f}")
        self.show(status=status, fig=plotting.compare_distributions(exact, sampled, title=f"T = {T:.2f}"))
