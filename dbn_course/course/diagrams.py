"""Drawings of the course's models: which units exist and how they connect.

Units are circles and layers boxes (grey: visible, white: hidden, dashed: label units); an
undirected connection is a plain line, a directed one an arrow. Every function returns a
matplotlib figure and draws on :func:`dbn_course.course.plotting.subplots`, like the data
figures, so a panel may draw one off the main thread. The connections are counted, not
sketched: ``rbm(4, 3)`` draws all 12 of its lines and none inside a layer.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from dbn_course.checks import check_int
from dbn_course.course.plotting import subplots

VISIBLE, HIDDEN, LINE = "0.78", "white", "0.35"
RADIUS = 0.2


def _unit(ax, xy, label: str, visible: bool = False):
    ax.add_patch(Circle(xy, RADIUS, facecolor=VISIBLE if visible else HIDDEN, edgecolor="black",
                        linewidth=1.2, zorder=3))
    ax.text(*xy, label, ha="center", va="center", fontsize=9, zorder=4)


def _line(ax, a, b, color: str = LINE, width: float = 0.9):
    ax.plot([a[0], b[0]], [a[1], b[1]], color=color, linewidth=width, zorder=1)


def _arrow(ax, a, b, color: str = "black", style: str = "-", label: str | None = None):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, color=color, linestyle=style,
                                 linewidth=1.4, shrinkA=4, shrinkB=4, zorder=2))
    if label:
        ax.text((a[0] + b[0]) / 2 + 0.12, (a[1] + b[1]) / 2, label, fontsize=9, color=color, va="center")


def _finish(ax, title: str | None, xlim=None, ylim=None):
    """Equal aspect, no axes, the title; the limits given, else the drawing's extent plus a margin."""
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.autoscale_view()
    ax.margins(0.08)
    if title:
        ax.set_title(title, fontsize=10)
    ax.figure.tight_layout()
    if xlim:
        ax.set_xlim(*xlim)
    if ylim:
        ax.set_ylim(*ylim)
    return ax.figure


def _row(n: int, y: float, width: float):
    """x positions of ``n`` units spread over ``width``, centred on 0, at height ``y``."""
    xs = np.linspace(-width / 2, width / 2, n) if n > 1 else np.zeros(1)
    return [(float(x), y) for x in xs]


def _bipartite(ax, visible, hidden):
    """Units v1.. at ``visible`` and h1.. at ``hidden``, and a line from every visible to every hidden one."""
    for a, b in itertools.product(visible, hidden):
        _line(ax, a, b)
    for i, xy in enumerate(visible, start=1):
        _unit(ax, xy, f"v{i}", visible=True)
    for j, xy in enumerate(hidden, start=1):
        _unit(ax, xy, f"h{j}")


def hopfield_network(n_units: int = 6, ax=None, title: str | None = "Hopfield network"):
    """``n_units`` units on a circle, every pair joined by one symmetric weight w_ij, none to itself."""
    check_int("n_units", n_units, minimum=2)
    if ax is None:
        _, ax = subplots(figsize=(2.8, 2.8))
    angles = np.pi / 2 - 2 * np.pi * np.arange(n_units) / n_units
    units = [(math.cos(a), math.sin(a)) for a in angles]
    for a, b in itertools.combinations(units, 2):
        _line(ax, a, b)
    for i, xy in enumerate(units, start=1):
        _unit(ax, xy, f"s{i}")
    return _finish(ax, title)


def boltzmann_machine(n_visible: int = 4, n_hidden: int = 3, ax=None, title: str | None = "Boltzmann machine"):
    """Visible units below, hidden above, and a connection between every pair of units.

    Connections inside a layer are drawn in orange: they are what the restricted machine removes.
    """
    check_int("n_visible", n_visible, minimum=1)
    check_int("n_hidden", n_hidden, minimum=0)
    if ax is None:
        _, ax = subplots(figsize=(3.4, 2.6))
    visible = _row(n_visible, 0.0, 0.8 * (n_visible - 1))
    hidden = _row(n_hidden, 1.5, 0.8 * max(n_hidden - 1, 0))
    for layer in (visible, hidden):
        for a, b in itertools.combinations(layer, 2):
            bend = 0.35 if abs(a[0] - b[0]) > 0.8 else 0.0  # arcs, so far pairs do not hide behind near ones
            xs = np.linspace(a[0], b[0], 20)
            ys = a[1] + np.sin(np.linspace(0, np.pi, 20)) * bend * (-1 if layer is visible else 1)
            ax.plot(xs, ys, color="tab:orange", linewidth=0.9, zorder=1)
    _bipartite(ax, visible, hidden)
    return _finish(ax, title)


def rbm(n_visible: int = 6, n_hidden: int = 4, ax=None, title: str | None = "restricted Boltzmann machine"):
    """The bipartite graph: a line from every visible unit to every hidden unit, none inside a layer."""
    check_int("n_visible", n_visible, minimum=1)
    check_int("n_hidden", n_hidden, minimum=1)
    if ax is None:
        _, ax = subplots(figsize=(5.6, 2.5))
    visible = _row(n_visible, 0.0, 0.9 * (n_visible - 1))
    hidden = _row(n_hidden, 1.6, 0.9 * (n_hidden - 1))
    _bipartite(ax, visible, hidden)
    ax.text(max(x for x, _ in visible) + 0.45, 0.0, "visible (pixels)", va="center", fontsize=9)
    ax.text(max(x for x, _ in hidden) + 0.45, 1.6, "hidden", va="center", fontsize=9)
    ax.text(0.0, 0.8, "W", ha="center", va="center", fontsize=10, zorder=5,
            bbox=dict(facecolor="white", edgecolor="none", pad=1))
    return _finish(ax, title, xlim=(min(x for x, _ in visible) - 0.4, max(x for x, _ in visible) + 2.4),
                   ylim=(-0.4, 2.0))


def _layer_box(ax, y: float, text: str, width: float = 3.2, x: float = 0.0, visible: bool = False,
               dashed: bool = False):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - 0.22), width, 0.44, boxstyle="round,pad=0.04",
                                facecolor=VISIBLE if visible else HIDDEN, edgecolor="black",
                                linestyle="--" if dashed else "-", zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=4)


def dbn(layer_sizes=(784, 500, 500, 2000), n_labels: int = 10, ax=None,
        title: str | None = "deep belief network"):
    """A DBN's layers as boxes: the top two joined undirected (the top-level RBM, with the label
    units beside the layer under the top), every lower pair by a generative arrow down (G_l) and a
    dashed recognition arrow up (R_l)."""
    sizes = [check_int("layer size", size, minimum=1) for size in layer_sizes]
    if len(sizes) < 3:
        raise ValueError(f"a DBN has at least three layers (two RBMs), got {len(sizes)}: {sizes}")
    check_int("n_labels", n_labels, minimum=0)
    if ax is None:
        _, ax = subplots(figsize=(7.0, 0.95 * len(sizes) + 0.5))
    ys = [1.5 * level for level in range(len(sizes))]
    names = ["v (pixels)"] + [f"h{level}" for level in range(1, len(sizes))]
    for level, (y, size, name) in enumerate(zip(ys, sizes, names)):
        _layer_box(ax, y, f"{name}: {size:,} units", visible=level == 0)
    for level in range(len(sizes) - 2):
        low, high = ys[level] + 0.26, ys[level + 1] - 0.26
        _arrow(ax, (-0.45, high), (-0.45, low))
        ax.text(-0.62, (low + high) / 2, f"G{level + 1}", ha="right", va="center", fontsize=9)
        _arrow(ax, (0.45, low), (0.45, high), style="--", color="0.4")
        ax.text(0.62, (low + high) / 2, f"R{level + 1}", ha="left", va="center", fontsize=9, color="0.4")
    top_low, top_high = ys[-2] + 0.26, ys[-1] - 0.26
    for x in (-0.6, -0.2, 0.2, 0.6):
        _line(ax, (x, top_low), (x, top_high), color="black", width=1.2)
    ax.text(1.8, (top_low + top_high) / 2, f"top-level RBM (W{len(sizes) - 1}): undirected",
            va="center", fontsize=9)
    if n_labels:
        _layer_box(ax, ys[-2], f"y: {n_labels} labels", width=2.0, x=-3.0, dashed=True)
        _line(ax, (-3.0, ys[-2] + 0.26), (-1.0, top_high), color="black", width=1.2)
    ax.text(1.8, (ys[0] + ys[-2]) / 2, "directed: generate down (G),\nrecognise up (R, dashed)",
            va="center", fontsize=9)
    return _finish(ax, title, xlim=(-4.2, 5.4), ylim=(-0.4, ys[-1] + 0.4))


def up_down(layers: int = 3, title: str | None = "one up-down update"):
    """The up-down algorithm's three phases side by side, for a DBN of ``layers`` hidden layers:
    which weights carry the states (arrows) and which weights learn (named in each panel's title)."""
    check_int("layers", layers, minimum=2)
    fig, axes = subplots(1, 3, figsize=(9.5, 1.1 * (layers + 1) + 0.9))
    ys = [1.4 * level for level in range(layers + 1)]
    names = ["v"] + [f"h{level}" for level in range(1, layers + 1)]
    phases = [("1. wake: R carries the image up;\nG learns to predict each layer", "up", "black"),
              ("2. top: CD-k in the top-level RBM,\nlabels clamped; W_top learns", "top", "tab:orange"),
              ("3. sleep: G carries the dream down;\nR learns to recover each layer", "down", "tab:blue")]
    for ax, (heading, direction, color) in zip(axes, phases):
        for y, name in zip(ys, names):
            _layer_box(ax, y, name, width=1.2, visible=name == "v")
        for level in range(layers - 1):
            low, high = ys[level] + 0.24, ys[level + 1] - 0.24
            if direction == "up":
                _arrow(ax, (0.0, low), (0.0, high), color=color, label=f"R{level + 1}")
            elif direction == "down":
                _arrow(ax, (0.0, high), (0.0, low), color=color, label=f"G{level + 1}")
        low, high = ys[-2] + 0.24, ys[-1] - 0.24
        if direction == "top":
            _arrow(ax, (-0.25, low), (-0.25, high), color=color)
            _arrow(ax, (0.25, high), (0.25, low), color=color)
            ax.text(0.45, (low + high) / 2, "k Gibbs\nsteps", fontsize=8, va="center", color=color)
        else:
            for x in (-0.3, 0.0, 0.3):
                _line(ax, (x, low), (x, high), color="0.6", width=1.0)
        _finish(ax, None, xlim=(-1.3, 1.6), ylim=(-0.4, ys[-1] + 0.4))
        ax.set_title(heading, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
