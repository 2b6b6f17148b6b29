"""The results tables, the chapters' one-off figures, and the state-counting helpers chapter 03 calls."""

import json

import matplotlib
import numpy as np
import pytest

from dbn_course.course import results
from dbn_course.course.chapters import hopfield, measuring, mnist, rbm
from dbn_course.sampling import annealing, exact

from .conftest import ROOT

RESULTS_DIR = ROOT / "benchmarks" / "results"

matplotlib.use("Agg")


def write_results(folder, name, figures_, date="2026-01-02", cores=2):
    (folder / f"{name}.json").write_text(json.dumps({"name": name, "machine": {"cores": cores}, "date": date,
                                                     "figures": figures_}))


def test_tables_say_what_was_not_measured(tmp_path):
    table = results.test_error_table(folder=tmp_path)
    lines = table.splitlines()
    assert lines[0] == "| model | source | test error |" and lines[1] == "|---|---|---|"
    published = [line for line in lines if "published" in line]
    assert len(published) == len(results.PUBLISHED_TEST_ERRORS)
    assert "| 0.92% |" in table and "| 1.2% |" in table  # as the papers print them
    assert sum("not measured" in line for line in lines) == len(lines) - 2 - len(published)


def test_tables_read_the_results_files_and_end_with_the_chapters_rows(tmp_path):
    write_results(tmp_path, "dbn_backprop", {"dbn_backprop_test_error_pct": 1.0912,
                                             "dbn_random_init_sgd_test_error_pct": 2.5,
                                             "dbn_random_init_adam_test_error_pct": 1.14}, cores=4)
    write_results(tmp_path, "rbm_loglik", {"rbm_pcd_ais_test_loglik_nats": -90.714, "rbm_pcd_train_s": 91.2})
    nested = tmp_path
    errors = results.test_error_table([("mine", "this run", "3.00%")], folder=nested)
    assert "| DBN 784-500-500-2000, backprop fine-tuning with dropout | `dbn_backprop.json` (2026-01-02, 4-core CPU) " \
           "| 1.09% |" in errors
    assert errors.splitlines()[-1] == "| mine | this run | 3.00% |"
    likelihoods = results.log_likelihood_table(folder=nested)
    assert "| RBM 500, PCD-1, 60 epochs, decaying rate | `rbm_loglik.json` (2026-01-02, 2-core CPU) | -90.71 | 91 s |" \
        in likelihoods
    assert "| RBM 500, CD-1, 20 epochs | `rbm_loglik.json` (2026-01-02, 2-core CPU) | not measured |  |" in likelihoods
    assert "| about -125 |" in likelihoods
    assert "| RBM 500, FPCD-1, decaying rate | not measured | not measured |  |" in likelihoods
    write_results(tmp_path, "rbm_frontier_pt", {
        "rbm_pt_settings": {"epochs": 60, "temperatures": [1.0, 0.9, 0.8]}, "rbm_pt_ais_settled": True,
        "rbm_pt_ais_runs": 1600, "rbm_pt_ais_betas": 8000, "rbm_pt_ais_test_loglik_nats": -87.123,
        "rbm_pt_train_s": 700.4, "rbm_pt_ais_log_z_standard_error": 0.0812,
        "rbm_pt_ais_log_z_change_with_more_betas": -0.05, "raise_examples": 500, "raise_betas": 4000,
        "rbm_pt_ais_subset_loglik_nats": -86.5,
        "rbm_pt_raise_subset_loglik_nats": -86.91})
    likelihoods = results.log_likelihood_table(folder=nested).splitlines()
    row = likelihoods.index("| RBM 500, PCD-1 with parallel tempering (3 temperatures, 1 to 0.8), 60 epochs, "
                            "decaying rate; settled AIS, 1,600 runs x 8,000 temperatures | `rbm_frontier_pt.json` "
                            "(2026-01-02, 2-core CPU) | -87.12 | 700 s |")
    assert likelihoods[row + 1] == ("| the same, first 500 test images: AIS -86.50, RAISE (from below) | "
                                    "`rbm_frontier_pt.json` (2026-01-02, 2-core CPU) | -86.91 |  |")
    frontier = results.frontier_table(folder=nested).splitlines()
    assert frontier[2] == "| PCD-1 | not measured |  |  |  |  |  |" and len(frontier) == 2 + 3
    assert frontier[4] == ("| PCD-1 with parallel tempering (3 temperatures, 1 to 0.8) | 60 | 11.7 min on 2 cores | "
                           "-87.12 | 1,600 x 8,000; 0.08; -0.05 (settled) | -86.50 / -86.91 (500 images, 4,000 "
                           "temperatures) | `rbm_frontier_pt.json` (2026-01-02) |")
    write_results(tmp_path, "notebooks", {"notebook_03_rbm_peak_rss_mb": 1200, "notebook_05_x_peak_rss_mb": 1300,
                                          "notebook_05_x_s": 100})
    assert "| 1300 MB (05_x) |" in results.measurement_table(folder=nested)


def test_the_package_ships_the_figures_the_chapters_quote():
    """The chapters' tables read the same from the package's copy as from the committed results, installed or not."""
    committed = {path.stem for path in RESULTS_DIR.glob("*.json")}
    assert set(results.QUOTED) <= committed
    shipped = json.loads(results.MEASURED_FILE.read_text())
    for name in results.QUOTED:
        assert shipped[name] == results.quoted(json.loads((RESULTS_DIR / f"{name}.json").read_text())), (
            f"the package's copy of {name} is stale: python benchmarks/common.py writes it again")
    for table in (results.test_error_table, results.log_likelihood_table, results.frontier_table,
                  results.measurement_table):
        assert table() == table(folder=RESULTS_DIR) and "not measured" not in table()
    assert not any("benchmarks" in key for entry in shipped.values() for key in entry["figures"])


def test_a_quoted_figure_keeps_its_date_and_machine_and_nothing_else():
    entry = results.quoted({"name": "rbm_speed", "date": "2026-01-02", "commit": "abc", "machine": {"cores": 2},
                            "figures": {"rbm_cd1_epoch_s": 1.5, "rbm_cd1_batch_ms": [1, 2]}})
    assert entry == {"date": "2026-01-02", "commit": "abc", "machine": {"cores": 2},
                     "figures": {"rbm_cd1_epoch_s": 1.5}}
    notebooks = results.quoted({"name": "notebooks", "date": "d", "machine": {}, "figures": {
        "notebook_03_rbm_peak_rss_mb": 1200, "notebook_03_rbm_s": 40}})
    assert notebooks["figures"] == {"notebook_03_rbm_peak_rss_mb": 1200}


def test_state_index_is_the_inverse_of_counting_order():
    for n in (1, 3, 6):
        states = exact.all_binary_states(n)
        np.testing.assert_array_equal(exact.state_index(states), np.arange(2 ** n))
    assert exact.state_index([0, 1, 1]).tolist() == [3]
    frequencies = exact.empirical_distribution(np.array([[0, 1], [0, 1], [1, 1], [0, 0]]))
    np.testing.assert_allclose(frequencies, [0.25, 0.5, 0.0, 0.25])
    assert exact.total_variation(frequencies, [0.25, 0.25, 0.25, 0.25]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="0s and 1s"):
        exact.state_index([[0.5, 1.0]])


def test_the_chapters_figures_draw_what_they_are_given():
    counts = np.arange(10) * 10 + 5
    fig = mnist.label_counts(counts)
    assert [bar.get_height() for bar in fig.axes[0].patches] == counts.tolist()
    fig = mnist.digit_as_vector(np.linspace(0, 1, 784), 7)
    assert fig.axes[0].get_title() == "label 7, as 28 x 28" and fig.axes[1].images[0].get_array().shape == (1, 784)
    images = np.zeros((30, 28, 28), np.uint8)
    images[:, 14, 14] = 255
    fig = mnist.pixel_statistics(images, histogram_images=10)
    assert fig.axes[0].images[0].get_array()[14, 14] == 1.0 and "10 images" in fig.axes[1].get_title()
    states = exact.all_binary_states(2)
    fig = rbm.state_probabilities([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], states, "chains", 0.3)
    assert [label.get_text() for label in fig.axes[0].get_xticklabels()] == ["00", "01", "10", "11"]
    assert "0.300" in fig.axes[0].get_title()
    curve = {"loads": [0.05, 0.1], "success": [1.0, 0.5], "overlap": [1.0, 0.8]}
    fig = hopfield.capacity_curves(curve, {"hebbian": [1.0, 0.5, 0.0], "projection": [1.0, 1.0, 1.0]}, 100)
    assert len(fig.axes[0].get_lines()) == 5  # two random-pattern curves, two digit curves, the theory line
    result = annealing.AISResult(log_z=1.0, log_weights=np.array([0.0, -1.0, -2.0, -30.0]), log_z_base=0.0,
                                 n_betas=10)
    fig = measuring.ais_diagnostics(result, [10, 100], [0.5, 1.0])
    assert sum(patch.get_height() for patch in fig.axes[0].patches) == 4
    assert "4 runs; the largest carries 67%" in fig.axes[0].get_title()


def test_each_chapters_figures_are_its_own_and_the_old_names_still_draw_them():
    """A one-chapter figure lives in its chapter's module; ``dbn_course.figures`` finds it for one version."""
    import importlib
    import sys

    from dbn_course.course import chapters

    assert {"mnist", "hopfield", "rbm", "measuring"} <= set(chapters.__doc__.split())
    sys.modules.pop("dbn_course.figures", None)
    with pytest.warns(FutureWarning, match="dbn_course.figures is now dbn_course.course.chapters"):
        old = importlib.import_module("dbn_course.figures")
    with pytest.warns(FutureWarning, match="now dbn_course.course.chapters.mnist.label_counts"):
        assert old.label_counts is mnist.label_counts
