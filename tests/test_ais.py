"""Annealed importance sampling against the exact log Z of RBMs small enough to enumerate."""

import numpy as np
import pytest

from dbn_course.rbm import RBM
from dbn_course.sampling import annealing, exact

from . import conftest


def random_rbm(n_visible, n_hidden, scale, seed):
    """Visible biases around -0.5: most pixels off, as in MNIST."""
    return conftest.random_rbm(n_visible, n_hidden, seed=seed, scale=scale, visible_mean=-0.5)


@pytest.mark.parametrize("n_visible, n_hidden, scale, seed", [(12, 6, 1.0, 0), (16, 10, 0.7, 1), (40, 12, 0.5, 2)])
def test_ais_matches_the_exact_log_partition_function(n_visible, n_hidden, scale, seed):
    rbm = random_rbm(n_visible, n_hidden, scale, seed)
    exact_value = exact.log_partition_exact(rbm)
    data = (np.random.default_rng(seed).random((500, n_visible)) < 0.3).astype(np.float32)
    result = annealing.ais_log_partition(rbm, annealing.base_rate_biases(data), n_runs=200,
                                          betas=annealing.annealing_schedule(2000), seed=seed)
    assert result.log_z == pytest.approx(exact_value, abs=0.1)
    low, high = result.interval()
    assert low - 0.05 <= exact_value <= high + 0.05
    assert result.n_runs == 200 and result.n_betas == 2000


def test_ais_with_three_temperatures_weighs_every_step():
    """0 -> 0.5 -> 1: each run's weight is the product of two ratios, and E[w] = Z / Z_A exactly.

    With so few temperatures the weights vary widely, but 20,000 runs bring log Z within
    about 0.012 nat (one standard error) of the exact value; a weight missing a step would
    estimate another model's normaliser, nats away.
    """
    rbm = random_rbm(6, 3, 1.0, 8)
    result = annealing.ais_log_partition(rbm, np.full(6, -0.5, np.float32), n_runs=20_000,
                                          betas=np.array([0.0, 0.5, 1.0]), seed=8)
    assert result.standard_error < 0.02
    assert result.log_z == pytest.approx(exact.log_partition_exact(rbm), abs=5 * result.standard_error)


def test_ais_is_exact_when_the_rbm_is_the_base_model():
    rbm = RBM(5, 10, seed=0)
    rbm.W.assign(np.zeros((10, 5), np.float32))
    biases = np.linspace(-2, 2, 10).astype(np.float32)
    rbm.b.assign(biases)
    result = annealing.ais_log_partition(rbm, biases, n_runs=5, betas=np.linspace(0, 1, 10), seed=0)
    # W = 0, c = 0: every intermediate distribution is the base model, so every weight is 1.
    np.testing.assert_allclose(result.log_weights, 0.0, atol=1e-5)
    assert result.log_z == pytest.approx(exact.log_partition_exact(rbm), abs=1e-4)


def test_ais_log_likelihood_is_minus_free_energy_minus_log_z():
    rbm = random_rbm(12, 6, 1.0, 3)
    v = (np.random.default_rng(0).random((30, 12)) < 0.5).astype(np.float32)
    result = annealing.ais_log_partition(rbm, np.zeros(12, np.float32), n_runs=100,
                                          betas=annealing.annealing_schedule(1000), seed=0)
    exact_value = exact.log_likelihood_exact(rbm, v).mean()
    assert annealing.ais_log_likelihood(rbm, v, result, batch_size=7) == pytest.approx(exact_value, abs=0.1)


def test_runs_are_reproducible_with_a_seed():
    rbm = random_rbm(12, 6, 1.0, 4)
    betas = annealing.annealing_schedule(300)
    first = annealing.ais_log_partition(rbm, np.zeros(12, np.float32), n_runs=10, betas=betas, seed=7)
    again = annealing.ais_log_partition(rbm, np.zeros(12, np.float32), n_runs=10, betas=betas, seed=7)
    np.testing.assert_array_equal(first.log_weights, again.log_weights)


def test_schedule_and_base_rates():
    betas = annealing.annealing_schedule()
    assert len(betas) == 14_500 and betas[0] == 0 and betas[-1] == 1 and np.all(np.diff(betas) > 0)
    assert np.sum(betas > 0.9) == pytest.approx(10_000, abs=2)
    short = annealing.annealing_schedule(101)
    assert len(short) == 101 and short[-1] == 1
    biases = annealing.base_rate_biases(np.array([[0, 1], [0, 1], [1, 1]], np.float32), pseudo_count=1)
    np.testing.assert_allclose(biases, np.log([(2 / 5) / (3 / 5), (4 / 5) / (1 / 5)]), rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_runs=0), "n_runs"),
    (dict(betas=[0.0, 0.5, 0.4, 1.0]), "betas"),
    (dict(betas=[0.1, 1.0]), "betas"),
    (dict(base_biases=np.zeros(3, np.float32)), "base_biases"),
])
def test_bad_arguments_are_rejected(kwargs, message):
    rbm = random_rbm(12, 6, 1.0, 0)
    arguments = {"base_biases": np.zeros(12, np.float32), **kwargs}
    with pytest.raises(ValueError, match=message):
        annealing.ais_log_partition(rbm, **arguments)


def test_ais_on_an_mnist_rbm_whose_hidden_layer_can_be_enumerated():
    from dbn_course import data
    from dbn_course.rbm import train_rbm

    images = data.load_arrays("train", data_dir=data.EMBEDDED_DIR)[0][:2000].reshape(-1, 784)
    binary = data.binarize_stochastic(images / 255.0, seed=0).numpy()
    rbm = RBM(14, learning_rate=0.05, seed=0)
    train_rbm(rbm, binary, num_epochs=3, batch_size=50, progress=False, seed=0)
    exact_value = exact.log_partition_exact(rbm)  # 2^14 hidden states, 784 pixels summed analytically
    result = annealing.ais_log_partition(rbm, annealing.base_rate_biases(binary), n_runs=100,
                                          betas=annealing.annealing_schedule(3000), seed=0)
    # AIS with 100 runs lands within a few tenths of a nat here (the same RBM trained with seeds 1 and 2:
    # +0.16 and -0.29); the exact value must also lie inside the estimate's three-standard-error interval.
    low, high = result.interval(3)
    assert low <= exact_value <= high and result.log_z == pytest.approx(exact_value, abs=0.4)


# ----------------------------------------------------------------------- the settling protocol


def test_standard_error_is_the_delta_method_and_matches_the_spread_of_repeats():
    result = annealing.AISResult.from_log_weights(np.log([1.0, 2.0, 3.0, 6.0]), n_betas=10)
    assert result.standard_error == pytest.approx(np.std([1, 2, 3, 6], ddof=1) / (2 * 3.0))
    rbm = random_rbm(16, 10, 0.7, 5)
    base = np.zeros(16, np.float32)
    repeats = [annealing.ais_log_partition(rbm, base, n_runs=50, betas=annealing.annealing_schedule(300), seed=seed)
               for seed in range(30)]
    spread = np.std([r.log_z for r in repeats], ddof=1)
    assert np.median([r.standard_error for r in repeats]) == pytest.approx(spread, rel=0.5)


def test_the_protocol_settles_near_the_exact_log_z_and_reports_its_ladder():
    rbm = random_rbm(20, 10, 1.2, 6)
    exact_value = exact.log_partition_exact(rbm)
    seen = []
    settled = annealing.settled_log_partition(rbm, np.zeros(20, np.float32), n_runs=20, n_betas=50,
                                              target_standard_error=0.05, seed=3, progress=seen.append)
    assert settled.settled and settled.result is settled.estimates[-1] and seen == list(settled.estimates)
    assert settled.standard_error <= 0.05 and abs(settled.change) < 2 * settled.standard_error
    assert abs(settled.log_z - exact_value) < 4 * settled.standard_error + 0.02
    table = settled.table()
    assert [row["betas"] for row in table] == sorted(row["betas"] for row in table)
    assert table[0]["runs"] == 20 and table[-1]["runs"] >= 20 and table[-1]["betas"] >= 100
    assert len({row["runs"] for row in table[1:]}) == 1 or table[-1]["runs"] > table[1]["runs"]
    faster = [e for e in settled.estimates if e.n_betas < settled.result.n_betas][-1]
    assert settled.change == pytest.approx(settled.log_z - faster.log_z)


def test_the_protocol_says_when_its_budget_ends_before_it_settles():
    rbm = random_rbm(20, 10, 3.0, 7)  # strong couplings: 8 -> 16 temperatures moves log Z a lot
    settled = annealing.settled_log_partition(rbm, np.zeros(20, np.float32), n_runs=20, n_betas=8, max_betas=16,
                                              max_runs=20, seed=0)
    assert not settled.settled and [e.n_betas for e in settled.estimates] == [8, 16]


@pytest.mark.parametrize("kwargs, message", [(dict(factor=1), "factor"), (dict(target_standard_error=0), "positive"),
                                             (dict(n_runs=0), "n_runs")])
def test_the_protocol_rejects_settings_that_cannot_settle(kwargs, message):
    with pytest.raises(ValueError, match=message):
        annealing.settled_log_partition(random_rbm(6, 3, 1.0, 0), np.zeros(6, np.float32), **kwargs)
