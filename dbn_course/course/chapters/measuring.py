"""Chapter 07's own helpers: what annealed importance sampling's weights say.

Each function draws one figure the chapter shows, and returns it, so the chapter's cell
shows the experiment, not forty lines of matplotlib. The figures every chapter shares --
digit grids, cost curves, captions naming the data -- are in
:mod:`dbn_course.course.plotting`.
"""

from __future__ import annotations

import numpy as np

from dbn_course.course.plotting import subplots


def ais_diagnostics(result, schedules, estimates):
    """Left: the spread of one AIS estimate's log weights. Right: the estimate of log Z against the schedule's length.

    ``result``: an :class:`~dbn_course.sampling.annealing.AISResult`; ``schedules`` and
    ``estimates``: numbers of inverse temperatures and the log Z each gave.
    """
    log_weights = result.log_weights - result.log_weights.max()
    weights = np.exp(log_weights)
    fig, (left, right) = subplots(1, 2, figsize=(10, 3.2))
    left.hist(log_weights, bins=30, color="C0")
    left.set_xlabel("log w - max log w")
    left.set_ylabel("runs")
    left.set_title(f"{result.n_runs} runs; the largest carries {weights.max() / weights.sum():.0%} of the weight",
                   fontsize=10)
    right.plot(schedules, estimates, marker="o")
    right.set_xscale("log")
    right.set_xlabel("inverse temperatures")
    right.set_ylabel("AIS estimate of log Z")
    right.set_title("slower annealing, larger estimate", fontsize=10)
    fig.tight_layout()
    return fig
