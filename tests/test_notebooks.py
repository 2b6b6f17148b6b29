"""Every chapter runs, and records what its parameters imply.

Each test executes one chapter once, through papermill (``tools/run_notebooks.py``, the
course's one notebook runner), often with parameters other than its defaults, and checks
the values the chapter records against values computed here, the kernel's peak memory,
and -- as nbval does -- that every cell marked ``# NBVAL_CHECK_OUTPUT`` printed exactly
what the committed chapter shows. Such cells print only what depends neither on the
parameters nor on the data source or quick mode. ``DBN_COURSE_QUICK=1 python -m pytest -n 0
--nbval-lax notebooks/NN.ipynb`` checks one chapter's marked cells with nbval at its defaults.
"""

import nbformat
import numpy as np
import pytest
from run_notebooks import execute_notebook

from dbn_course import data

from .conftest import ROOT

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


NOTEBOOKS = ROOT / "notebooks"
BINDER_BUDGET_MB = 1500  # Binder's 2 GB, less the server and other kernels
CHECKED = "# NBVAL_CHECK_OUTPUT"
UNCOMPARED = ("image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json")  # as nbval leaves them


def compared(outputs) -> tuple[str, list]:
    """What nbval compares of a cell's outputs: the streams' text, joined, and every other output's data but
    images and widget views."""
    text, data = "", []
    for output in outputs:
        if output.output_type == "stream":
            text += output.text
        elif output.output_type == "error":
            data.append(f"{output.ename}: {output.evalue}")
        else:
            data.append({key: value for key, value in output.get("data", {}).items() if key not in UNCOMPARED})
    return text, data


def run_chapter(name: str, tmp_path, parameters: dict | None = None, check_marked: bool = True) -> dict:
    """Execute chapter ``name`` with ``parameters``; check its marked cells against the committed chapter (unless
    the parameters change what they print); return its records."""
    path = NOTEBOOKS / name
    records = execute_notebook(path, tmp_path / name, parameters)
    if not check_marked:
        return records
    committed = nbformat.read(path, as_version=4)
    executed = {cell.source: cell for cell in nbformat.read(tmp_path / name, as_version=4).cells}
    for cell in committed.cells:
        if cell.cell_type == "code" and cell.source.startswith(CHECKED):
            assert compared(executed[cell.source].outputs) == compared(cell.outputs), \
                f"{name}: a {CHECKED} cell printed something else than the committed chapter:\n{cell.source}"
    return records


def test_mnist_notebook_with_other_parameters(tmp_path):
    params = {"example_rows": 2, "example_cols": 4, "threshold": 0.3, "binarize_seed": 5}
    records = run_chapter("01_mnist.ipynb", tmp_path, params)

    images, labels = data.load_arrays("train")
    test_labels = data.load_arrays("test")[1]
    assert records["splits"] == {"train": len(labels), "test": len(test_labels)}
    assert records["examples_shown"] == 8
    assert records["label_counts"] == np.bincount(labels, minlength=10).tolist()
    assert records["mean_pixel"] == pytest.approx(images.mean() / 255, rel=1e-6)

    first = images[:4].reshape(4, -1) / 255.0
    ink = records["ink_fraction"]
    assert ink["grey"] == pytest.approx(first.mean(), rel=1e-5)
    assert ink["threshold"] == pytest.approx((first > 0.3).mean(), rel=1e-6)
    # 3,136 Bernoulli draws: the stochastic fraction is within 4 standard deviations of the grey mean.
    assert abs(ink["stochastic"] - ink["grey"]) < 4 * np.sqrt(0.25 / first.size)
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


def test_index_notebook_points_the_course_at_a_folder(tmp_path):
    run_chapter("00_index.ipynb", tmp_path, {"mnist_dir": str(data.EMBEDDED_DIR)})
    nb = nbformat.read(tmp_path / "00_index.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Data: MNIST from the folder named by DBN_COURSE_MNIST_DIR" in printed
    assert "Run mode: quick" in printed


def test_rbm_notebook_with_other_hyperparameters(tmp_path):
    params = {"hidden_units": 32, "cd_steps": 2, "persistent": True, "learning_rate": 0.05,
              "num_epochs": 2, "n_train": 2000, "fantasy_steps": 20}
    records = run_chapter("03_rbm.ipynb", tmp_path, params)
    costs = records["reconstruction_cost"]
    assert len(costs) == 2 and costs[1] < costs[0] < 543.0  # 543 = 784 ln 2, the untrained cost
    assert len(records["pcd_reconstruction_cost"]) == 2
    # 4,000 chains on 16 states: sampling noise alone gives a total-variation distance of about 0.02.
    assert records["toy_tv_distance"] < 0.06
    assert -784 * np.log(2) < records["test_pseudo_log_likelihood"] < 0
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


def test_hopfield_notebook_with_other_parameters(tmp_path):
    params = {"n_digits": 6, "corruption": 0.1, "rule": "sync", "capacity_units": 100, "capacity_trials": 1,
              "bm_units": 5, "temperature": 2.0, "n_chains": 3000}
    records = run_chapter("02_hopfield_boltzmann.ipynb", tmp_path, params)
    assert records["hebbian_recalled"] < 3  # three correlated digits defeat Hebb's rule
    assert records["projection_recalled"]["corrupted"] == 6
    assert len(records["digit_success"]["projection"]) == 6 and min(records["digit_success"]["projection"]) == 1.0
    curve = records["capacity_curve"]
    assert curve["success"][0] == 1.0 and curve["success"][-1] < 0.2
    # 3,000 chains over the 32 states of 5 units: sampling noise alone gives about 0.05 at most.
    assert records["bm_total_variation"] < 0.08
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


# 6,000 images and 5 epochs: 300 updates per layer, enough for the small top level to learn the labels.
SMALL_DBN = {"hidden_units": [64, 64, 128], "n_train": 6000, "seed": 1}


def test_pretraining_notebook_at_its_defaults(tmp_path):
    """The book's DBN, 500-500-2000 (its marked cells print that architecture), in one epoch a layer."""
    records = run_chapter("04_dbn_pretraining.ipynb", tmp_path)
    assert len(records["layer_costs"]) == 3
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


def test_pretraining_notebook_with_a_small_dbn(tmp_path):
    params = {**SMALL_DBN, "num_epochs": 5, "gibbs_steps": 20}
    # The marked cells print the layers' sizes, which these parameters change: the run above checks them.
    records = run_chapter("04_dbn_pretraining.ipynb", tmp_path, params, check_marked=False)
    costs = records["layer_costs"]
    assert len(costs) == 3 and all(len(c) == 5 and c[-1] < c[0] for c in costs)
    assert records["pretrained_test_error_pct"] < 60  # chance: 90%
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


def test_generation_notebook_with_a_small_dbn(tmp_path):
    params = {**SMALL_DBN, "pretrain_epochs": 5, "up_down_epochs": 2, "gibbs_steps": 200}
    records = run_chapter("05_dbn_generation.ipynb", tmp_path, params)
    before, after = records["up_down_test_error_pct"]
    assert before < 60 and after < 60
    # Class-conditional digits from the shipped DBN, read by the shipped classifier.
    assert records["conditional_sample_accuracy_pct"] >= 40  # chance: 10%; the benchmark measures 65%
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


def test_classifier_notebook_with_a_small_dbn(tmp_path):
    params = {**SMALL_DBN, "pretrain_epochs": 5, "fine_tune_epochs": 3}
    records = run_chapter("06_dbn_classifier.ipynb", tmp_path, params)
    errors = records["test_error_pct"]
    assert set(errors) == {"pretrained + SGD", "random init + SGD", "random init + Adam"}
    assert errors["pretrained + SGD"] < 30 and errors["pretrained + SGD"] < errors["random init + SGD"]
    assert records["untuned_test_error_pct"] < 60
    assert records["shipped_test_error_pct"] < 3
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB


def test_measuring_notebook_with_a_small_rbm(tmp_path):
    params = {"hidden_units": 32, "num_epochs": 2, "n_train": 3000, "n_betas": 400, "n_runs": 20,
              "exact_check_betas": [50, 2000], "raise_examples": 20, "raise_check_examples": 10,
              "raise_runs": 2, "method_images": 2000, "method_epochs": 2, "method_seeds": [0]}
    records = run_chapter("07_measuring.ipynb", tmp_path, params)
    # The 16-hidden-unit RBM against its exact log Z: slower annealing, a smaller error.
    errors = records["small_rbm_ais_error"]
    assert abs(errors["2000"]) < abs(errors["50"]) and abs(errors["2000"]) < 2.0
    assert -784 * np.log(2) < records["test_loglik_nats"] < -60
    assert set(records["log_z_by_betas"]) == {"25", "100", "400"}
    # AIS errs high at every schedule. RAISE bounds the annealing model p_ann from below,
    # which is close to the RBM only when the schedule is slow: with 50 temperatures it
    # can land far above the exact value (21 nats on full MNIST), with 2,000 it is below.
    bracket = records["small_rbm_bracket"]
    exact = bracket["exact"]
    assert bracket["50"][1] > exact - 0.5
    lower, upper = bracket["2000"]
    assert lower < exact + 0.5 and upper > exact - 0.5
    assert upper - lower < bracket["50"][1] - bracket["50"][0]
    assert records["mnist_rbm_bracket"]["raise"] < records["mnist_rbm_bracket"]["ais"] + 1.0
    # Section 7: every training method trained and was measured exactly; the tempering swapped;
    # the settled AIS estimate of a 16-hidden-unit RBM lands near its exact log Z.
    methods = records["training_methods"]
    # (After 40 updates a PCD model can still sit below the uniform model's -543 nats.)
    assert len(methods) == 4 and all(len(runs) == 1 and -1000 < runs[0] < 0 for runs in methods.values())
    assert len(records["swap_acceptance"]) == 4 and all(0 < rate <= 1 for rate in records["swap_acceptance"])
    assert abs(records["settled_error"]) < 0.5
    assert records["_peak_rss_mb"] < BINDER_BUDGET_MB
