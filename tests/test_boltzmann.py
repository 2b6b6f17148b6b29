import numpy as np
import pytest

from dbn_course.boltzmann import BoltzmannMachine
from dbn_course.sampling.exact import total_variation


def test_exact_distribution_is_the_gibbs_measure():
    bm = BoltzmannMachine.random(5, seed=0)
    p = bm.exact_distribution()
    assert p.sum() == pytest.approx(1.0)
    states = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0]], np.float32)
    k = bm.state_index(states)
    ratio = p[k[0]] / p[k[1]]
    assert ratio == pytest.approx(np.exp(-(bm.energy(states)[0] - bm.energy(states)[1])), rel=1e-6)


def test_temperature_flattens_and_sharpens():
    bm = BoltzmannMachine.random(6, seed=1)
    uniform = np.full(64, 1 / 64)
    hot, warm, cold = (total_variation(bm.exact_distribution(T), uniform) for T in (100.0, 1.0, 0.1))
    assert hot < 0.02 < warm < cold
    assert bm.exact_distribution(0.05).max() > 0.9  # nearly all mass on the lowest energy


@pytest.mark.parametrize("temperature", [0.7, 1.0, 2.0])
def test_gibbs_sampler_matches_the_exact_distribution(temperature):
    """20,000 independent chains, one final state each, over the 64 states of 6 units.

    With M independent samples of a K-state distribution the expected total-variation
    distance is at most 1/2 sum_k sqrt(p_k / M) <= 1/2 sqrt(K / M) = 0.028 here (by
    Cauchy-Schwarz). After 30 sweeps these small machines have mixed, so a distance
    above 0.045 would mean the sampler draws from the wrong distribution.
    """
    bm = BoltzmannMachine.random(6, seed=2)
    samples = bm.sample(20_000, 30, temperature=temperature, seed=3)
    distance = total_variation(bm.exact_distribution(temperature), bm.empirical_distribution(samples))
    assert distance < 0.045, distance


def test_a_wrong_sampler_is_caught():
    """The same check rejects samples drawn at the wrong temperature."""
    bm = BoltzmannMachine.random(6, seed=2)
    samples = bm.sample(20_000, 30, temperature=3.0, seed=3)
    assert total_variation(bm.exact_distribution(1.0), bm.empirical_distribution(samples)) > 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(weights=[[0, 1], [2, 0]]), "symmetric"), (dict(weights=[[1, 0], [0, 0]]), "diagonal"),
     (dict(weights=np.zeros((2, 3))), "square"), (dict(weights=np.zeros((2, 2)), biases=[1]), "biases"),
     (dict(weights=np.zeros((2, 2)), temperature=0), "temperature"),
     (dict(weights=[[0, np.nan], [np.nan, 0]]), "finite")],
)
def test_bad_machines_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BoltzmannMachine(**kwargs)


def test_bad_sampling_arguments_are_rejected():
    bm = BoltzmannMachine.random(3, seed=0)
    with pytest.raises(ValueError, match="n_chains"):
        bm.sample(0, 5)
    with pytest.raises(ValueError, match="temperature"):
        bm.sample(5, 5, temperature=-1.0)
    with pytest.raises(ValueError, match="binary"):
        bm.energy([[0, 2, 1]])
    with pytest.raises(ValueError, match="at most 16"):
        BoltzmannMachine(np.zeros((17, 17))).exact_distribution()


def test_two_valleys_has_its_valleys_and_ridge_where_the_docstring_says():
    bm = BoltzmannMachine.two_valleys(8, coupling=0.6, tilt=0.2)
    energies = bm.energy(np.array([[0] * 8, [1] * 8, [1] * 4 + [0] * 4], np.float32))
    np.testing.assert_allclose(energies, [0.0, -1.6, 4.0], atol=1e-5)
    assert bm.exact_distribution(0.3).argmax() == 255  # all units on, the deeper valley
    with pytest.raises(ValueError, match="coupling"):
        BoltzmannMachine.two_valleys(8, coupling=0.0)
    with pytest.raises(ValueError, match="n_units"):
        BoltzmannMachine.two_valleys(1)
    with pytest.raises(ValueError, match="tilt"):
        BoltzmannMachine.two_valleys(8, tilt=float("nan"))


def test_two_valleys_defeat_the_sampler_only_when_cold():
    """20 sweeps mix at T = 1 and not at T = 0.3: the chains stay in the valley they fell into."""
    bm = BoltzmannMachine.two_valleys(8)

    def distance(T):
        samples = bm.sample(5000, 20, temperature=T, seed=0)
        return total_variation(bm.exact_distribution(T), bm.empirical_distribution(samples))

    assert distance(1.0) < 0.1 < 0.25 < distance(0.3)


def test_a_trace_keeps_every_sweep_and_ends_where_sampling_ends():
    bm = BoltzmannMachine.random(5, seed=0)
    trace = bm.sample(7, 12, seed=3, trace=True)
    assert trace.shape == (12, 7, 5)
    np.testing.assert_array_equal(trace[-1], bm.sample(7, 12, seed=3))
    assert set(np.unique(trace)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="trace"):
        bm.sample(7, 12, seed=3, trace="yes")
