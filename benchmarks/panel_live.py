"""What live drawing costs a panel's Train: wall time with the figure redrawn as it trains, and without.

    python benchmarks/panel_live.py            # the chapters' panels on full MNIST
    python benchmarks/panel_live.py --quick    # 1,000 bundled images, a small DBN, one repeat, for CI

Each run is a press of Train (a background run, as in a notebook, on a panel whose cell
has already trained and drawn it once) timed from the press to the end of training,
before the one final drawing every run makes; the same run with live drawing switched
off (an infinite redraw interval) is the baseline. Runs
alternate, live and not, three times (once with ``--quick``), and the median of each is compared:

* ``panel_live_overhead_pct``: chapter 03's RBM panel at its defaults (10,000 images,
  100 hidden units, two epochs): extra wall time, in per cent of the baseline;
* ``rbm_panel_30_epochs_overhead_pct``: the same panel for thirty epochs, long enough
  for the figure to be redrawn as it trains;
* ``dbn_panel_overhead_pct``: chapter 05's DBN panel at its defaults (two epochs a
  layer, then two up-down epochs);
* ``*_live_s``, ``*_baseline_s``: the medians; ``*_redraws``: the drawings of one panel
  in a live run -- its cell's, those made while training, the final one;
  ``rbm_figure_s``: one drawing of the RBM panel's figure.
"""

from __future__ import annotations

import math
import statistics
import time

import common

import dbn_course  # noqa: F401  (starts TensorFlow quietly)
from dbn_course import data
from dbn_course.course import plotting, widgets

REPEATS = 3  # one with --quick


def timed_train(make_panel, live: bool) -> tuple[float, int]:
    """Wall seconds from Train to the end of training, and the drawings made (final one included)."""
    panel = make_panel()
    if not live:
        panel.live_interval = math.inf
    panel.train_button.click()
    assert panel.wait(1800), "training did not finish"
    if panel.run.error is not None:
        raise panel.run.error
    return panel.wall_seconds, panel.redraws


def compare(make_panel, repeats: int = REPEATS) -> dict:
    timed_train(make_panel, live=True)  # compiles what the first run would otherwise pay for
    live, baseline, redraws = [], [], []
    for _ in range(repeats):
        seconds, drawn = timed_train(make_panel, live=True)
        live.append(seconds)
        redraws.append(drawn)
        baseline.append(timed_train(make_panel, live=False)[0])
    live_s, baseline_s = statistics.median(live), statistics.median(baseline)
    return {"live_s": round(live_s, 2), "baseline_s": round(baseline_s, 2),
            "overhead_pct": round(100 * (live_s - baseline_s) / baseline_s, 1),
            "redraws": int(statistics.median(redraws))}


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    images, labels = data.load_arrays("train", data_dir=data.EMBEDDED_DIR if args.quick else None)
    test_images, test_labels = data.load_arrays("test", data_dir=data.EMBEDDED_DIR if args.quick else None)
    n = 1000 if args.quick else 10_000
    train, train_labels = images[:n], labels[:n]
    test = (test_images[:500 if args.quick else 2000], test_labels[:500 if args.quick else 2000])

    # As in a notebook: the panel's cell trains and draws once, then the learner presses Train.
    def rbm_panel(epochs):
        return lambda: widgets.RBMPanel(train, hidden_units=100, num_epochs=epochs, seed=0)

    def dbn_panel():
        return widgets.DBNPanel(train, train_labels, test, hidden_units=(32, 32, 64) if args.quick else (256, 256, 512),
                                num_epochs=2, up_down_epochs=2, seed=0)

    figures = {"data_source": data.current_source().describe(), "images": n}
    for name, make_panel in (("rbm_panel_default", rbm_panel(2)),
                             ("rbm_panel_30_epochs", rbm_panel(5 if args.quick else 30)),
                             ("dbn_panel", dbn_panel)):
        for key, value in compare(make_panel, 1 if args.quick else REPEATS).items():
            figures[f"{name}_{key}"] = value
    figures["panel_live_overhead_pct"] = figures.pop("rbm_panel_default_overhead_pct")
    figures["rbm_panel_30_epochs_overhead_pct"] = figures.pop("rbm_panel_30_epochs_overhead_pct")

    panel = rbm_panel(2)()
    start = time.perf_counter()
    plotting.to_png(panel._figure())
    figures["rbm_figure_s"] = round(time.perf_counter() - start, 3)
    common.write_results("panel_live", figures, args)


if __name__ == "__main__":
    main()
