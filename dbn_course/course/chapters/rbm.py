"""Chapter 03's own helpers: a toy RBM's states, exact beside sampled.

Each function draws one figure the chapter shows, and returns it, so the chapter's cell
shows the experiment, not forty lines of matplotlib. The figures every chapter shares --
digit grids, cost curves, captions naming the data -- are in
:mod:`dbn_course.course.plotting`.
"""

from __future__ import annotations

import numpy as np

from dbn_course.course.plotting import subplots


def state_probabilities(exact_p, sampled_p, states, sampled_label: str, total_variation: float):
    """Bars of the exact p(v) of every state beside the sampled frequencies, states labelled by their bits."""
    fig, ax = subplots(figsize=(8, 2.8))
    x = np.arange(len(exact_p))
    ax.bar(x - 0.2, exact_p, width=0.4, label="exact p(v)", color="0.25")
    ax.bar(x + 0.2, sampled_p, width=0.4, label=sampled_label, color="tab:orange")
    ax.set_xticks(x, ["".join(str(int(bit)) for bit in state) for state in states], rotation=90)
    ax.set_ylabel("probability")
    ax.legend()
    ax.set_title(f"toy RBM: total-variation distance {total_variation:.3f}")
    fig.tight_layout()
    return fig
