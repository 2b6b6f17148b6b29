"""The course's results beside the literature: published figures typed once, benchmark results read, tables built.

Chapters 06 and 07 set what the course measured -- by the scripts in ``benchmarks/``,
with the machine and the date -- beside what the papers report. The published figures live
here and nowhere else. The measured figures the chapters quote (:data:`QUOTED`) ship with
the package, in ``measured.json`` beside this module, so a chapter shows them wherever it
runs: in a clone, on Binder, or on Colab from an installed copy. The benchmarks write that
file when they write their results (``benchmarks/common.py``); :func:`benchmark_figures`
reads it. The ``*_table`` functions build the Markdown tables the chapters display, each
taking the chapter's own rows to add at the end.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Iterable, Sequence
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Published:
    """A figure from a paper: what was measured, the value, where it is reported."""

    model: str
    value: float
    source: str
    approximate: bool = False  # read off a figure, not printed in a table

    def text(self, fmt: str = "{:g}") -> str:
        """The value as the paper gives it (``fmt``: ``"{:g}%"`` for a percentage), "about" if read off a figure."""
        return ("about " if self.approximate else "") + fmt.format(self.value)


PUBLISHED_TEST_ERRORS = (
    Published("DBN, up-down fine-tuning", 1.25, "Hinton, Osindero & Teh (2006)"),
    Published("DBN, backprop fine-tuning", 1.2, "Hinton & Salakhutdinov (2006)"),
    Published("DBN, dropout fine-tuning", 0.92, "Srivastava et al. (2014)"),
)
"""MNIST test error rates (%) of DBNs, as their papers report them."""

PUBLISHED_LOG_LIKELIHOODS = (
    Published("RBM 500, CD-1", -125.0, "Salakhutdinov & Murray (2008), Fig. 2", approximate=True),
    Published("RBM 500, CD-25", -86.34, "Salakhutdinov & Murray (2008), Table 2"),
)
"""Average test log-likelihoods (nats) of 500-hidden-unit RBMs on binarised MNIST, estimated by AIS."""

MISSING = "not measured"


MEASURED_FILE = Path(__file__).with_name("measured.json")
"""The measured figures the chapters quote, with each benchmark's machine and date (package data)."""

_FRONTIER_KEYS = ("settings", "ais_settled", "ais_runs", "ais_betas", "ais_test_loglik_nats", "train_s",
                  "ais_log_z_standard_error", "ais_log_z_change_with_more_betas", "ais_subset_loglik_nats",
                  "raise_subset_loglik_nats")
QUOTED = {
    # Each benchmark's figures that a chapter's table quotes (shell-style patterns allowed).
    "dbn_backprop": ("dbn_backprop_test_error_pct", "dbn_random_init_sgd_test_error_pct",
                     "dbn_random_init_adam_test_error_pct"),
    "dbn_mnist": ("dbn_updown_test_error_pct", "dbn_updown_s"),
    "dbn_sampling": ("dbn_top_level_pcd_test_error_pct", "dbn_conditional_sample_accuracy_pct"),
    "rbm_loglik": tuple(f"rbm_{key}_{figure}" for key in ("cd1", "cd10", "pcd")
                        for figure in ("ais_test_loglik_nats", "train_s")),
    "rbm_raise": ("rbm_pcd_ais_subset_loglik_nats", "rbm_pcd_raise_subset_loglik_nats"),
    **{f"rbm_frontier_{key}": (*(f"rbm_{key}_{figure}" for figure in _FRONTIER_KEYS), "raise_examples", "raise_betas")
       for key in ("pcd", "fpcd", "pt")},
    "rbm_speed": ("rbm_cd1_epoch_s", "sklearn_rbm_epoch_s", "rbm_cd1_matmul_efficiency_pct"),
    "notebooks": ("notebook_*_peak_rss_mb",),
}


def quoted(results: dict) -> dict:
    """What the package keeps of a benchmark's results file (a dict): its date, machine and quoted figures."""
    patterns = QUOTED[results["name"]]
    return {"date": results["date"], "commit": results.get("commit"), "machine": results["machine"],
            "figures": {key: value for key, value in results["figures"].items()
                        if any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)}}


def benchmark_figures(name: str, folder=None) -> dict | None:
    """The quoted figures of the benchmark ``name``, with ``_machine`` and ``_date``; None if it was not measured.

    They come from the package's :data:`MEASURED_FILE`, or from ``folder/<name>.json``, a
    benchmark's results file, when ``folder`` is given.
    """
    if folder is None:
        entry = json.loads(MEASURED_FILE.read_text()).get(name) if MEASURED_FILE.is_file() else None
    else:
        path = Path(folder) / f"{name}.json"
        entry = json.loads(path.read_text()) if path.is_file() else None
    if entry is None:
        return None
    return {**entry["figures"], "_machine": entry["machine"], "_date": entry["date"]}


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A Markdown table: one line of ``header``, then one line per row (cells as given, in order)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _source(name: str, figures: dict) -> str:
    return f"`{name}.json` ({figures['_date']}, {figures['_machine']['cores']}-core CPU)"


def _measured(rows: list, name: str, entries, folder) -> None:
    """Append ``(label, source, value text, ...)`` for each ``(label, key, fmt, ...)`` of the results file ``name``.

    An entry may name several ``key, fmt`` pairs after its label: one cell each. A file or
    figure not there reads :data:`MISSING` (a time not there, an empty cell).
    """
    figures = benchmark_figures(name, folder)
    for label, *pairs in entries:
        cells = []
        for index in range(0, len(pairs), 2):
            value = None if figures is None else figures.get(pairs[index])
            cells.append(pairs[index + 1].format(value) if value is not None else MISSING if index == 0 else "")
        rows.append((label, MISSING if figures is None else _source(name, figures), *cells))


def test_error_table(extra_rows: Iterable[Sequence] = (), folder=None) -> str:
    """Published and measured MNIST test errors, then ``extra_rows`` = ``(model, source, error text)``."""
    rows = [(p.model, f"published: {p.source}", p.text("{:g}%")) for p in PUBLISHED_TEST_ERRORS]
    _measured(rows, "dbn_backprop", [
        ("DBN 784-500-500-2000, backprop fine-tuning with dropout", "dbn_backprop_test_error_pct", "{:.2f}%"),
        ("same network, random init + SGD", "dbn_random_init_sgd_test_error_pct", "{:.2f}%"),
        ("same network, random init + Adam", "dbn_random_init_adam_test_error_pct", "{:.2f}%")], folder)
    generative = benchmark_figures("dbn_mnist", folder) or {}
    minutes = f" ({generative['dbn_updown_s'] / 60:.0f} min)" if "dbn_updown_s" in generative else ""
    _measured(rows, "dbn_mnist", [(f"generative DBN after up-down{minutes}", "dbn_updown_test_error_pct",
                                   "{:.2f}%")], folder)
    _measured(rows, "dbn_sampling", [("generative DBN, top level refined by PCD", "dbn_top_level_pcd_test_error_pct",
                                      "{:.2f}%")], folder)
    return markdown_table(("model", "source", "test error"), [*rows, *extra_rows])


def log_likelihood_table(extra_rows: Iterable[Sequence] = (), folder=None) -> str:
    """Measured and published test log-likelihoods of RBMs, then ``extra_rows`` = ``(model, source, nats, time)``."""
    rows = []
    _measured(rows, "rbm_loglik", [
        (f"RBM 500, {name}", f"rbm_{key}_ais_test_loglik_nats", "{:.2f}", f"rbm_{key}_train_s", "{:.0f} s")
        for name, key in (("CD-1, 20 epochs", "cd1"), ("CD-10, 20 epochs", "cd10"),
                          ("PCD-1, 60 epochs, decaying rate", "pcd"))], folder)
    _measured(rows, "rbm_raise", [
        ("RBM 500, PCD-1, first 1,000 test images: AIS (from above)", "rbm_pcd_ais_subset_loglik_nats", "{:.2f}"),
        ("the same images: RAISE (from below)", "rbm_pcd_raise_subset_loglik_nats", "{:.2f}")], folder)
    rows = [(*row, "")[:4] for row in rows]
    rows += _frontier_rows(folder)
    rows += [(p.model, f"published: {p.source}", p.text("{:g}"), "") for p in PUBLISHED_LOG_LIKELIHOODS]
    return markdown_table(("model", "source", "test log-likelihood (nats)", "training time"), [*rows, *extra_rows])


FRONTIER_METHODS = (("pcd", "PCD-1"), ("fpcd", "FPCD-1"), ("pt", "PCD-1 with parallel tempering"))
"""The methods of ``benchmarks/rbm_frontier.py``: its results file suffix and the method's name in a table."""


def _frontier_method(method: str, settings: dict) -> str:
    """The method's name in a table, with parallel tempering's ladder when it has one."""
    betas = settings.get("temperatures")
    return f"{method} ({len(betas)} temperatures, {betas[0]:g} to {betas[-1]:g})" if betas else method


def _frontier_rows(folder) -> list:
    """Two rows per method of ``rbm_frontier``: the AIS figure on the whole test set, then RAISE's on a subset."""
    rows = []
    for key, method in FRONTIER_METHODS:
        name = f"rbm_frontier_{key}"
        figures = benchmark_figures(name, folder)
        if figures is None:
            rows.append((f"RBM 500, {method}, decaying rate", MISSING, MISSING, ""))
            continue
        settings, model = figures[f"rbm_{key}_settings"], f"rbm_{key}"
        method = _frontier_method(method, settings)
        settled = "settled" if figures[f"{model}_ais_settled"] else "unsettled"
        rows.append((f"RBM 500, {method}, {settings['epochs']} epochs, decaying rate; {settled} AIS, "
                     f"{figures[f'{model}_ais_runs']:,} runs x {figures[f'{model}_ais_betas']:,} temperatures",
                     _source(name, figures), f"{figures[f'{model}_ais_test_loglik_nats']:.2f}",
                     f"{figures[f'{model}_train_s']:.0f} s"))
        rows.append((f"the same, first {figures['raise_examples']:,} test images: AIS "
                     f"{figures[f'{model}_ais_subset_loglik_nats']:.2f}, RAISE (from below)",
                     _source(name, figures), f"{figures[f'{model}_raise_subset_loglik_nats']:.2f}", ""))
    return rows


def frontier_table(folder=None) -> str:
    """The 500-hidden-unit RBMs of ``benchmarks/rbm_frontier.py``, one row per method: how long each trained, its
    AIS estimate (with the protocol's last schedule, standard error and last change) and RAISE beside AIS."""
    rows = []
    for key, method in FRONTIER_METHODS:
        name, model = f"rbm_frontier_{key}", f"rbm_{key}"
        figures = benchmark_figures(name, folder)
        if figures is None:
            rows.append((method, MISSING, "", "", "", "", ""))
            continue
        settings = figures[f"{model}_settings"]
        method = _frontier_method(method, settings)
        cores = figures["_machine"]["cores"]
        settled = "settled" if figures[f"{model}_ais_settled"] else "not settled"
        rows.append((method, f"{settings['epochs']}", f"{figures[f'{model}_train_s'] / 60:.1f} min on {cores} "
                     f"core{'s' if cores > 1 else ''}", f"{figures[f'{model}_ais_test_loglik_nats']:.2f}",
                     f"{figures[f'{model}_ais_runs']:,} x {figures[f'{model}_ais_betas']:,}; "
                     f"{figures[f'{model}_ais_log_z_standard_error']:.2f}; "
                     f"{figures[f'{model}_ais_log_z_change_with_more_betas']:+.2f} ({settled})",
                     f"{figures[f'{model}_ais_subset_loglik_nats']:.2f} / "
                     f"{figures[f'{model}_raise_subset_loglik_nats']:.2f} ({figures['raise_examples']:,} images, "
                     f"{figures['raise_betas']:,} temperatures)",
                     f"`{name}.json` ({figures['_date']})"))
    return markdown_table(("RBM 500, method", "epochs", "training", "test log-likelihood by AIS (nats)",
                           "log Z: runs x temperatures; standard error; change from the schedule before",
                           "the first test images: AIS / RAISE", "source"), rows)


def measurement_table(folder=None) -> str:
    """The course's samples, speed and memory, as its benchmarks measured them."""
    rows = []
    _measured(rows, "dbn_sampling", [("class-conditional samples read as their class",
                                      "dbn_conditional_sample_accuracy_pct", "{:.1f}%")], folder)
    _measured(rows, "rbm_speed", [
        ("RBM epoch, 60,000 images, 500 hidden, CD-1", "rbm_cd1_epoch_s", "{:.2f} s"),
        ("the same with scikit-learn's BernoulliRBM", "sklearn_rbm_epoch_s", "{:.2f} s"),
        ("CD-1's share of the machine's matmul rate", "rbm_cd1_matmul_efficiency_pct", "{:.0f}%")], folder)
    notebooks = benchmark_figures("notebooks", folder)
    if notebooks:
        peaks = {key[len("notebook_"):-len("_peak_rss_mb")]: value for key, value in notebooks.items()
                 if key.startswith("notebook_") and key.endswith("_peak_rss_mb")}
        rows.append(("largest notebook peak memory at defaults", _source("notebooks", notebooks),
                     f"{max(peaks.values()):.0f} MB ({max(peaks, key=peaks.get)})"))
    return markdown_table(("measurement", "source", "value"), rows)
