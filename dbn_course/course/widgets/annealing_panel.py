"""The measuring chapter's panel: anneal a small RBM through longer and longer schedules, against the exact answer."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker

from dbn_course.course import plotting
from dbn_course.course.widgets.base import LAYOUT, STYLE, TrainingPanel, columns, int_slider, plural
from dbn_course.data.inputs import binary_batch
from dbn_course.sampling import annealing, exact

SCHEDULES = (30, 100, 300, 1_000, 3_000, 14_500, 30_000)
"""The schedules a run anneals through, up to the slider's: each about three times the last, with the 14,500 of
Salakhutdinov & Murray (2008)."""

INTERVAL_SE = 3
"""AIS's interval: log(Z_hat -/+ 3 standard errors), as in chapter 07's table."""


class AISPanel(TrainingPanel):
    """AIS and RAISE on an RBM small enough to enumerate, through longer and longer schedules.

    Press Run and the panel anneals the RBM through every schedule of :data:`SCHEDULES` up
    to the chosen number of inverse temperatures K. For each K it estimates log Z by AIS
    (:func:`~dbn_course.sampling.annealing.ais_log_partition`, ``runs`` runs) with its interval of
    three standard errors, and the test images' average log p(v) from above by AIS and
    from below by RAISE (:func:`~dbn_course.sampling.annealing.reverse_ais_log_likelihood`,
    ``chains`` reverse chains per image). The figure sets both against the exact values,
    found by enumerating the hidden states: AIS's log Z falls short at small K and its
    shortfall shrinks as K grows (Jensen's inequality: E[log Z_hat] <= log Z), and RAISE
    and AIS close in on the exact log-likelihood from either side once the schedule is
    slow enough. Every schedule uses the same seed, so a point moves only because K, the
    runs or the chains did. Stop takes effect after the estimate being computed.

    Args:
        rbm: an RBM with at most :data:`~dbn_course.sampling.exact.MAX_ENUMERATED_UNITS`
            hidden (or visible) units, so that log Z can be enumerated.
        base_biases: b_A of the base-rate model (:func:`~dbn_course.sampling.annealing.base_rate_biases`).
        images: binary test images, shape (examples, n_v); RAISE runs ``chains`` chains for each.
        temperatures: the starting value of the longest schedule, one of ``SCHEDULES[1:]``.
        runs: the starting number of AIS runs.
        chains: the starting number of RAISE chains per image.
        seed: seeds every estimate.
        train_now: run the starting configuration once, right away (synchronously).

    Attributes:
        exact_log_z: log Z by enumeration.
        exact_log_likelihood: the images' average log p(v), exactly.
        estimates: one dict per schedule annealed in the last run: ``n_betas``, ``log_z``,
            ``low``, ``high`` (the interval; ``low`` may be -inf), ``ais`` and ``raise`` (the
            average log p(v) by each).
        annealed: the last run's ``schedules``, ``runs`` and ``chains``.
    """

    title = "AIS panel"
    run_label = "Run"
    run_tooltip = "anneal through every schedule up to the chosen one"
    stop_tooltip = "stop after the estimate being computed, and keep those made so far"

    def __init__(self, rbm, base_biases, images, temperatures: int = 3_000, runs: int = 100, chains: int = 5,
                 seed: int = 0, train_now: bool = True):
        if temperatures not in SCHEDULES[1:]:
            raise ValueError(f"temperatures must be one of {list(SCHEDULES[1:])}, got {temperatures!r}")
        self.rbm, self.seed = rbm, seed
        self.base_biases = np.asarray(base_biases, np.float32)
        if self.base_biases.shape != (rbm.W.shape[0],):
            raise ValueError(f"base_biases must hold one bias per visible unit, shape ({rbm.W.shape[0]},); got "
                             f"{self.base_biases.shape}: make them with annealing.base_rate_biases(training_images)")
        self.images = binary_batch(images, rbm.W.shape[0], "images",
                                   why="RAISE and the exact log-likelihood are of binary images").numpy()
        self.exact_log_z = exact.log_partition_exact(rbm)
        # exact.log_likelihood_exact, with the log Z just enumerated instead of a second enumeration
        self.exact_log_likelihood = float(np.mean(-exact.free_energy_exact(rbm, self.images)) - self.exact_log_z)
        self.estimates: list[dict] = []
        self.annealed = {"schedules": [], "runs": runs, "chains": chains}
        self.temperatures = widgets.SelectionSlider(
            options=[(f"{k:,}", k) for k in SCHEDULES[1:]], value=temperatures, description="temperatures up to",
            continuous_update=False, style=STYLE, layout=LAYOUT)
        self.runs = int_slider(runs, 10, 1000, "AIS runs", step=10)
        self.chains = int_slider(chains, 1, 20, "RAISE chains per image")
        self.controls = [self.temperatures, self.runs, self.chains]
        self._training_controls()
        self.widget = columns(self.controls[:1], self.controls[1:])
        self.widget.children = [*self.widget.children, self._button_row()]
        if train_now:
            self.train()

    def schedules(self) -> list[int]:
        """The numbers of inverse temperatures a run anneals through, up to the slider's."""
        return [k for k in SCHEDULES if k <= self.temperatures.value]

    def _train(self, stop_event) -> str:
        schedules, runs, chains = self.schedules(), self.runs.value, self.chains.value
        self.annealed = {"schedules": schedules, "runs": runs, "chains": chains}
        self.progress.max, self.progress.value = 2 * len(schedules), 0
        self.estimates = []
        for index, k in enumerate(schedules):
            betas = annealing.annealing_schedule(k)
            where = f"{k:,} temperatures (schedule {index + 1} of {len(schedules)})"
            self._report(f"{where}: annealing {plural(runs, 'AIS run')}...", draw=False)
            result = annealing.ais_log_partition(self.rbm, self.base_biases, n_runs=runs, betas=betas,
                                                  seed=self.seed)
            self.progress.value += 1
            if stop_event.is_set():
                break
            self._report(f"{where}: AIS log Z {result.log_z - self.exact_log_z:+.2f} nats against the exact; "
                         f"running {plural(chains, 'RAISE chain')} per image...", draw=False)
            reverse = annealing.reverse_ais_log_likelihood(self.rbm, self.images, self.base_biases, n_runs=chains,
                                                            betas=betas, seed=self.seed)
            self.progress.value += 1
            low, high = result.interval(INTERVAL_SE)
            self.estimates.append({"n_betas": k, "log_z": result.log_z, "low": low, "high": high,
                                   "ais": annealing.ais_log_likelihood(self.rbm, self.images, result),
                                   "raise": reverse.mean_log_likelihood})
            self._report(f"{where}: against the exact values, AIS log Z {result.log_z - self.exact_log_z:+.2f} "
                         f"nats; log p(v) {self.estimates[-1]['ais'] - self.exact_log_likelihood:+.2f} by AIS, "
                         f"{reverse.mean_log_likelihood - self.exact_log_likelihood:+.2f} by RAISE")
            if stop_event.is_set():
                break
        return self._summary(stop_event.is_set())

    def _summary(self, stopped: bool) -> str:
        planned, runs, chains = len(self.annealed["schedules"]), self.annealed["runs"], self.annealed["chains"]
        wall = f"{self.elapsed():.1f} s"
        if not self.estimates:
            return f"stopped after {wall}{self.stopped_because()}, before the first schedule was annealed"
        head = (f"stopped after {len(self.estimates)} of {planned} schedules{self.stopped_because()} ({wall})"
                if stopped else f"annealed {planned} schedules in {wall}")
        first, last = self.estimates[0], self.estimates[-1]
        gap = last["log_z"] - self.exact_log_z
        inside = "inside" if last["low"] <= self.exact_log_z <= last["high"] else "outside"
        bracketing = [f"{e['n_betas']:,}" for e in self.estimates
                      if e["raise"] <= self.exact_log_likelihood <= e["ais"]]
        bracket = ("RAISE (below) and AIS (above) bracket the exact log p(v) at "
                   + (f"{', '.join(bracketing)} temperatures" if bracketing else "none of these schedules"))
        fastest = (f" (at {first['n_betas']:,}: {first['log_z'] - self.exact_log_z:+.2f})" if first is not last
                   else "")
        return (f"{head} ({plural(runs, 'AIS run')}, {plural(chains, 'RAISE chain')} per image): AIS's log Z is "
                f"{abs(gap):.2f} nats {'below' if gap < 0 else 'above'} the exact {self.exact_log_z:.2f} at "
                f"{last['n_betas']:,} temperatures, {inside} its interval{fastest}; {bracket}.")

    def _figure(self):
        """AIS's log Z against the exact one, and the log-likelihood bracket, by the number of temperatures."""
        fig = plotting.new_figure(figsize=(10.0, 3.4))
        left, right = fig.subplots(1, 2)
        ks = [e["n_betas"] for e in self.estimates]
        for ax in (left, right):
            ax.axhline(0.0, color="0.3", linewidth=1.0, label="exact (enumerated)")
            ax.set_xscale("log")
            ax.set_xlim(SCHEDULES[0] / 1.5, self.annealed["schedules"][-1] * 1.5)
            ax.set_xlabel("inverse temperatures K")
            ax.set_yscale("symlog", linthresh=1.0)  # nats near 0 linearly, tens of nats logarithmically
            ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda y, _: f"{y:g}"))
            ax.grid(True, which="major", alpha=0.3)
        if ks:
            errors = np.array([e["log_z"] for e in self.estimates]) - self.exact_log_z
            lows = np.array([e["low"] for e in self.estimates]) - self.exact_log_z
            highs = np.array([e["high"] for e in self.estimates]) - self.exact_log_z
            bottom = min(-2.0, float(np.min(errors)) * 1.5, float(np.min(lows[np.isfinite(lows)], initial=0.0)) * 1.5)
            top = max(2.0, float(np.max(highs)) * 1.5)
            below = errors - np.maximum(lows, bottom * 10)  # an interval down to -inf reaches past the bottom edge
            left.errorbar(ks, errors, yerr=[below, highs - errors], marker="o", capsize=3, color="C0",
                          label=f"AIS, ±{INTERVAL_SE} standard errors")
            left.set_ylim(bottom, top)
            ais = np.array([e["ais"] for e in self.estimates]) - self.exact_log_likelihood
            raise_ = np.array([e["raise"] for e in self.estimates]) - self.exact_log_likelihood
            right.plot(ks, ais, marker="v", color="C0", label="AIS (from above)")
            right.plot(ks, raise_, marker="^", color="C3", label="RAISE (from below)")
            extent = max(2.0, float(np.max(np.abs(np.concatenate([ais, raise_])))) * 1.5)
            right.set_ylim(-extent, extent)
        left.set_ylabel("AIS log Z − exact (nats)")
        left.set_title(f"log Z, {plural(self.annealed['runs'], 'run')} (a bar to the bottom edge: lower end −∞)",
                       fontsize=9)
        right.set_ylabel("log p(v) − exact (nats)")
        right.set_title(f"average log p(v) of {len(self.images)} test images, "
                        f"{plural(self.annealed['chains'], 'RAISE chain')} each", fontsize=9)
        for ax in (left, right):
            ax.legend(fontsize=8)
        fig.tight_layout()
        return plotting.stamp_source(fig)
