"""Figures shared by every chapter: grids of digits, and captions naming the data.

Every figure drawn from MNIST goes through :func:`image_grid` (or a helper built on
it), so all chapters' pictures look alike, and :func:`stamp_source` writes a caption
on any figure computed on the bundled subset rather than the full data set.
"""

from __future__ import annotations

import io
import math
import threading

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from dbn_course import data
from dbn_course.checks import check_float, check_int


def subplots(nrows: int = 1, ncols: int = 1, **kwargs):
    """``plt.subplots``, except that off the main thread the figure bypasses pyplot.

    pyplot keeps global state that is not thread-safe, and the notebook's inline backend
    shows every pyplot figure still open when a cell ends -- so a figure drawn by a panel
    training in the background could land in whatever cell the learner runs meanwhile.
    A bare :class:`~matplotlib.figure.Figure` avoids both; the panels render it to PNG.
    """
    if threading.current_thread() is threading.main_thread():
        return plt.subplots(nrows, ncols, **kwargs)
    squeeze = kwargs.pop("squeeze", True)
    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze, **kwargs)


def new_figure(**kwargs):
    """An empty figure; off the main thread, one that bypasses pyplot (see :func:`subplots`)."""
    if threading.current_thread() is threading.main_thread():
        return plt.figure(**kwargs)
    return Figure(**kwargs)


def to_png(fig, dpi: int = 80) -> bytes:
    """``fig`` rendered as PNG bytes (for an ``ipywidgets.Image``); the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    if fig.canvas.manager is not None:  # a pyplot figure: let pyplot forget it
        plt.close(fig)
    return buffer.getvalue()


def stamp_source(fig, source: "data.MNISTSource | None" = None):
    """Caption ``fig`` with the data it was computed on, if that was the bundled subset.

    Args:
        fig: a matplotlib figure.
        source: the data source; defaults to the one most recently loaded.

    Returns:
        ``fig``, for chaining.
    """
    source = source if source is not None else data.current_source()
    if source is not None and source.is_subset:
        fig.text(0.5, 0.005, f"Computed on the {source.describe()}", ha="center", va="bottom",
                 fontsize=8, color="0.35")
    return fig


def _as_images(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 2:
        side = math.isqrt(images.shape[-1])
        if side * side == images.shape[-1] and side > 1:  # flattened square images: 784 -> 28 x 28
            images = images.reshape(-1, side, side)
    if images.ndim != 3:
        raise ValueError(
            f"expected images of shape (n, h, w), (n, h, w, 1) or flattened squares such as (n, 784), "
            f"got {images.shape}"
        )
    return images


def image_grid(images, labels=None, ncols: int = 10, title: str | None = None, cell_size: float = 1.0,
               source: "data.MNISTSource | None" = None):
    """Draw images in a grid, each with its label (if given) above it.

    Args:
        images: (n, 28, 28), (n, 28, 28, 1) or flattened (n, 784) values; uint8 or floats
            in [0, 1] (each image is shown on its own grey scale).
        labels: optional n labels (ints or strings) written above the images.
        ncols: images per row.
        title: optional figure title.
        cell_size: inches per image.
        source: data source for the caption (see :func:`stamp_source`).

    Returns:
        The matplotlib figure.
    """
    images = _as_images(images)
    n = len(images)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    label_room = 0.25 if labels is not None else 0.0
    fig, axes = subplots(nrows, ncols, squeeze=False,
                             figsize=(ncols * cell_size, nrows * (cell_size + label_room) + (0.4 if title else 0.1)))
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < n:
            ax.imshow(images[index], cmap="gray", interpolation="nearest")
            if labels is not None:
                ax.set_title(str(labels[index]), fontsize=9, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3, rect=(0, 0.03, 1, 1))
    return stamp_source(fig, source)


def show_examples(info, dataset, rows: int = 3, cols: int = 3):
    """Like ``tfds.show_examples``: the first ``rows * cols`` images of a dataset, labelled.

    Args:
        info: the :class:`~dbn_course.data.MNISTInfo` of the dataset (for its source).
        dataset: a dataset of ``{"image", "label"}`` elements, as from ``as_dataset``.
    """
    if rows < 1 or cols < 1:
        raise ValueError(f"rows and cols must be at least 1, got {rows} and {cols}")
    images, labels = [], []
    for element in dataset.take(rows * cols):
        images.append(element["image"].numpy())
        labels.append(int(element["label"].numpy()))
    return image_grid(np.stack(images), labels, ncols=cols, cell_size=1.3, source=info.source)


def plot_costs(history: dict, ax=None, label: str | None = None):
    """The reconstruction cost per epoch from a training history (see ``train_rbm``)."""
    costs = history["reconstruction_cost"]
    own = ax is None
    if own:
        fig, ax = subplots(figsize=(5, 3))
    epochs = np.arange(1, len(costs) + 1)
    ax.plot(epochs, costs, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("reconstruction cost (nats / image)")
    ax.set_xticks(epochs if len(epochs) <= 12 else np.linspace(1, len(epochs), 6).round())
    ax.grid(alpha=0.3)
    if label:
        ax.legend()
    if own:
        ax.figure.tight_layout()
        stamp_source(ax.figure)
    return ax.figure


def filter_grid(weights, n: int = 100, ncols: int = 10, title: str | None = "receptive fields (columns of W)"):
    """The first ``n`` columns of W (784 x n_h), each as a 28 x 28 image on its own grey scale."""
    return image_grid(filter_grid_images(weights, n), ncols=ncols, title=title, cell_size=0.6)


def filter_grid_images(weights, n: int = 100) -> np.ndarray:
    """The first ``n`` columns of W (784 x n_h) as images (n, 784), each scaled to [0, 1] on its own."""
    weights = np.asarray(weights, dtype=np.float32)
    if weights.ndim != 2 or weights.shape[0] != data.NUM_PIXELS:
        raise ValueError(f"expected weights of shape (784, hidden units), got {weights.shape}")
    return _scale_each(weights[:, : min(n, weights.shape[1])].T)


def _scale_each(images: np.ndarray) -> np.ndarray:
    """Each image (the first axis) scaled to [0, 1] on its own grey scale."""
    axes = tuple(range(1, images.ndim))
    low = images.min(axis=axes, keepdims=True)
    high = images.max(axis=axes, keepdims=True)
    return (images - low) / np.maximum(high - low, 1e-12)


def compare_rows(rows, row_labels, ncols: int | None = None, title: str | None = None):
    """Several rows of images one above the other (e.g. originals over reconstructions)."""
    rows = [_as_images(r) for r in rows]
    n = len(rows[0])
    if any(len(r) != n for r in rows):
        raise ValueError("every row needs the same number of images")
    if len(row_labels) != len(rows):
        raise ValueError(f"got {len(rows)} rows but {len(row_labels)} labels")
    labels = [label if col == 0 else "" for label in row_labels for col in range(n)]
    return image_grid(np.concatenate(rows), labels=labels, ncols=ncols or n, title=title, cell_size=0.8)


def plot_energies(energies, ax=None, title: str = "energy during recall"):
    """Energy after each sweep, one line per recalled state (rows of ``energies``)."""
    energies = np.atleast_2d(np.asarray(energies, dtype=np.float64))
    own = ax is None
    if own:
        fig, ax = subplots(figsize=(4.5, 3))
    for row in energies:
        ax.plot(np.arange(len(row)), row, marker=".", alpha=0.8)
    ax.set_xlabel("sweep")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("energy E(s)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if own:
        ax.figure.tight_layout()
    return ax.figure


def compare_distributions(exact, sampled, ax=None, title: str | None = None, max_states: int = 256,
                          floor: float = 1e-5):
    """An exact distribution over enumerated states beside an estimate of it, most probable state first.

    The states are ranked by their exact probability, so the bars fall from left to right and a lower
    temperature shows as taller bars on the left. Up to ``max_states`` states are drawn: all of them for a
    machine of up to 8 units; for a larger one, the most probable ``max_states``, and the axis label says
    how much of the probability they hold. The probability axis is logarithmic down to ``floor``, so the
    rare states, where a sampler's histogram is least accurate, stay in view; a state no chain ended in has
    no dot.
    """
    max_states = check_int("max_states", max_states)
    floor = check_float("floor", floor, 0.0, 1.0, low_open=True, high_open=True)
    exact, sampled = np.asarray(exact, dtype=float), np.asarray(sampled, dtype=float)
    if exact.shape != sampled.shape:
        raise ValueError(f"distributions of different sizes: {exact.shape} and {sampled.shape}")
    order = np.argsort(-exact, kind="stable")[:max_states]
    n = len(order)
    own = ax is None
    if own:
        fig, ax = subplots(figsize=(8, 2.8))
    x = np.arange(1, n + 1)
    ax.bar(x, exact[order], width=0.9, label="exact", color="0.55")
    ax.plot(x, sampled[order], ls="none", marker="o", markersize=2.5, label="sampled", color="tab:orange")
    if n == len(exact):
        ax.set_xlabel(f"all {n} states, ranked by exact probability")
    else:
        held = exact[order].sum()
        ax.set_xlabel(f"the {n} most probable of {len(exact):,} states (holding {held:.0%} of the probability), "
                      "ranked")
    ax.set_xlim(0, n + 1)
    ax.set_yscale("log")
    ax.set_ylim(floor, 1.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))  # 1e-05 ... 1: plain text, no mathtext
    ax.set_ylabel("probability (log scale)")
    ax.legend()
    if title:
        ax.set_title(title)
    if own:
        ax.figure.tight_layout()
    return ax.figure


def plot_layer_costs(histories, ax=None, title: str = "greedy pretraining, layer by layer"):
    """Each layer's reconstruction cost per epoch, one line per layer (histories of ``DBN.pretrain``)."""
    own = ax is None
    if own:
        fig, ax = subplots(figsize=(5, 3))
    for index, history in enumerate(histories, start=1):
        costs = history["reconstruction_cost"]
        ax.plot(np.arange(1, len(costs) + 1), costs, marker="o", label=f"layer {index}")
    ax.set_xlabel("epoch of that layer")
    epoch_axis(ax, max((len(h["reconstruction_cost"]) for h in histories), default=1))
    ax.set_ylabel("reconstruction cost (nats)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    if own:
        ax.figure.tight_layout()
        stamp_source(ax.figure)
    return ax.figure


def epoch_axis(ax, n_epochs: int) -> None:
    """Whole-number epoch ticks from 1 to ``n_epochs``, with room either side (even for one epoch)."""
    ax.set_xlim(0.5, max(n_epochs, 2) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def percent_log_axis(ax) -> None:
    """A logarithmic y axis labelled in percent: 1%, 2%, 5%, 10%, 20%, 50%, 100%.

    Matplotlib's own labels on a log axis read "2x10^1" for 20; an error rate is read as
    a percentage, so every labelled tick says one.
    """
    ax.set_yscale("log")
    values = np.concatenate([line.get_ydata() for line in ax.get_lines()] or [np.array([1.0, 100.0])])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size:  # a range at least five-fold wide, so two of the 1-2-5 ticks always show
        high = min(100.0, values.max() * 2) if values.max() <= 100 else values.max() * 1.2
        low = min(values.min() / 2, high / 5)
        ax.set_ylim(low, high)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}%"))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=np.arange(1, 10)))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_error_curves(curves: dict, ax=None, title: str | None = "test error during training",
                      xlabel: str = "epoch", figsize=(5.5, 3.2)):
    """Error (%) per epoch, one line per named curve, on a log scale labelled in percent."""
    own = ax is None
    if own:
        fig, ax = subplots(figsize=figsize)
    for name, errors in curves.items():
        ax.plot(np.arange(1, len(errors) + 1), errors, marker="o", markersize=3, label=name)
    ax.set_xlabel(xlabel)
    epoch_axis(ax, max((len(errors) for errors in curves.values()), default=1))
    ax.set_ylabel("test error")
    percent_log_axis(ax)
    ax.grid(alpha=0.3, which="both")
    if title:
        ax.set_title(title)
    ax.legend()
    if own:
        ax.figure.tight_layout()
        stamp_source(ax.figure)
    return ax.figure


def digits_by_class(images, per_class: int, title: str | None = None, cell_size: float = 0.6):
    """Generated digits in rows, one row per class (``images`` ordered class by class)."""
    images = _as_images(images)
    if per_class < 1 or len(images) % per_class:
        raise ValueError(f"{len(images)} images do not split into rows of {per_class}")
    labels = [f"{index // per_class}" if index % per_class == 0 else "" for index in range(len(images))]
    return image_grid(images, labels=labels, ncols=per_class, title=title, cell_size=cell_size)


def tile(images, ncols: int, pad: int = 2, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Images side by side in one array, ``ncols`` to a row, scaled to [0, 1].

    Each image is scaled on its own grey scale, or, given ``value_range`` (e.g. ``(0, 1)``
    for probabilities, ``(-1, 1)`` for spins), all on that one.

    The gaps (``pad`` pixels) are white (1.0). One ``imshow`` of the result draws a whole
    grid: far cheaper than :func:`image_grid`'s one axes per image, which matters for the
    panels, whose figures are redrawn while a model trains.
    """
    images = _as_images(images)
    n, height, width = images.shape
    ncols = max(1, min(check_int("ncols", ncols), n))
    nrows = math.ceil(n / ncols)
    if value_range is None:
        scaled = _scale_each(images)
    else:
        low, high = value_range
        scaled = np.clip((images - low) / max(high - low, 1e-12), 0.0, 1.0)
    out = np.ones((nrows * (height + pad) - pad, ncols * (width + pad) - pad), dtype=np.float32)
    for index, image in enumerate(scaled):
        top, left = (index // ncols) * (height + pad), (index % ncols) * (width + pad)
        out[top: top + height, left: left + width] = image
    return out


def draw_tiles(ax, images, ncols: int, title: str | None = None, row_labels=None, pad: int = 2,
               value_range: tuple[float, float] | None = None) -> None:
    """Draw :func:`tile`'s grid of ``images`` on ``ax``, with an optional label left of each row."""
    grid = tile(images, ncols, pad, value_range)
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    if row_labels:
        height = _as_images(images).shape[1]
        ax.set_yticks([row * (height + pad) + height / 2 for row in range(len(row_labels))], list(row_labels),
                      fontsize=8)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=9)
