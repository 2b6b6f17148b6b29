import numpy as np
import pytest

from dbn_course import hopfield as hf


def test_hebbian_weights_are_symmetric_with_zero_diagonal():
    patterns = hf.random_patterns(5, 30, seed=0)
    net = hf.HopfieldNetwork(30).store(patterns)
    np.testing.assert_allclose(net.weights, net.weights.T)
    assert (np.diag(net.weights) == 0).all()
    expected = patterns.T @ patterns / 30
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(net.weights, expected, rtol=1e-6)


def test_zero_one_patterns_are_converted_to_spins():
    net = hf.HopfieldNetwork(4).store([[1, 0, 1, 0]])
    np.testing.assert_array_equal(net.patterns, [[1, -1, 1, -1]])
    assert net.energy([1, 0, 1, 0]) == pytest.approx(net.energy([1, -1, 1, -1]))


def test_energy_formula():
    rng = np.random.default_rng(0)
    net = hf.HopfieldNetwork(6, thresholds=rng.normal(size=6)).store(hf.random_patterns(2, 6, seed=1))
    s = hf.random_patterns(3, 6, seed=2)
    expected = [-0.5 * x @ net.weights @ x + net.thresholds @ x for x in s]
    np.testing.assert_allclose(net.energy(s), expected, rtol=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_asynchronous_updates_never_raise_the_energy(seed):
    rng = np.random.default_rng(seed)
    net = hf.HopfieldNetwork(60, thresholds=rng.normal(0, 0.1, 60)).store(hf.random_patterns(15, 60, seed=seed))
    result = net.recall(hf.random_patterns(40, 60, seed=seed + 100), rule="async", seed=seed, max_sweeps=30)
    assert (np.diff(result.energies, axis=1) <= 1e-5).all()
    assert result.converged.all()


def test_synchronous_updates_can_oscillate():
    """Two units that want to disagree, updated together, swap forever: a 2-cycle."""
    net = hf.HopfieldNetwork(2).store([[1, -1]])
    result = net.recall([[1, 1]], rule="sync", max_sweeps=6, keep_trajectory=True)
    assert not result.converged[0]
    np.testing.assert_array_equal(result.trajectory[:, 0], [[1, 1], [-1, -1], [1, 1], [-1, -1], [1, 1], [-1, -1], [1, 1]])
    assert net.recall([[1, 1]], rule="async", seed=0).converged[0]


@pytest.mark.parametrize("rule", hf.RULES)
def test_few_stored_patterns_are_fixed_points(rule):
    patterns = hf.random_patterns(5, 200, seed=3)
    net = hf.HopfieldNetwork(200).store(patterns)
    result = net.recall(patterns, rule=rule, seed=0)
    assert result.sweeps == 1 and result.converged.all()
    np.testing.assert_array_equal(result.states, patterns)


@pytest.mark.parametrize("rule", hf.RULES)
def test_recall_from_a_corrupted_pattern(rule):
    patterns = hf.random_patterns(8, 200, seed=4)
    net = hf.HopfieldNetwork(200).store(patterns)
    noisy = hf.corrupt(patterns, 0.15, seed=5)
    assert (net.overlaps(noisy).diagonal() == pytest.approx(0.7, abs=1e-6))
    result = net.recall(noisy, rule=rule, seed=6)
    np.testing.assert_array_equal(result.states, patterns)


def test_inverted_patterns_are_also_minima():
    patterns = hf.random_patterns(3, 100, seed=7)
    net = hf.HopfieldNetwork(100).store(patterns)
    np.testing.assert_array_equal(net.recall(-patterns, seed=0).states, -patterns)
    np.testing.assert_allclose(net.energy(-patterns), net.energy(patterns))


def test_capacity_breaks_down_near_0_14_n():
    """Random patterns: recall holds well below alpha = 0.138 and fails well above it."""
    curve = hf.capacity_curve(400, [0.05, 0.10, 0.25], trials=1, seed=0)
    low, mid, high = curve["success"]
    assert low == 1.0 and mid > 0.9
    assert high < 0.1 and curve["overlap"][2] < 0.8


@pytest.mark.parametrize(
    "patterns, message",
    [([[0, 1, 2, 1]], "binary"), ([[0.5, 1, 0, 1]], "binary"), ([[1, -1, 0, 1]], "binary"),
     (np.zeros((0, 4)), "empty"), ([[1, 0, 1]], "4 units"), ([[1, np.nan, 0, 1]], "NaN")],
)
def test_bad_patterns_are_rejected(patterns, message):
    with pytest.raises(ValueError, match=message):
        hf.HopfieldNetwork(4).store(patterns)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="n_units"):
        hf.HopfieldNetwork(1)
    with pytest.raises(ValueError, match="thresholds"):
        hf.HopfieldNetwork(3, thresholds=[0, 1])
    net = hf.HopfieldNetwork(4).store([[1, 0, 1, 0]])
    with pytest.raises(ValueError, match="rule"):
        net.recall([[1, 1, 1, 1]], rule="random")
    with pytest.raises(ValueError, match="max_sweeps"):
        net.recall([[1, 1, 1, 1]], max_sweeps=0)
    with pytest.raises(ValueError, match="fraction"):
        hf.corrupt([[1, 0, 1, 0]], 1.5)


def test_projection_rule_stores_correlated_patterns():
    """Biased patterns (80% of units off, like a digit's background) defeat Hebb's rule, not the projection rule."""
    rng = np.random.default_rng(8)
    patterns = np.where(rng.random((6, 100)) < 0.2, 1.0, -1.0).astype(np.float32)
    hebbian = hf.HopfieldNetwork(100).store(patterns)
    assert not (hebbian.recall(patterns, seed=0).states == patterns).all()
    projection = hf.HopfieldNetwork(100).store(patterns, rule="projection")
    np.testing.assert_allclose(projection.weights, projection.weights.T, atol=1e-6)
    assert (np.diag(projection.weights) == 0).all()
    result = projection.recall(hf.corrupt(patterns, 0.1, seed=1), seed=0)
    np.testing.assert_array_equal(result.states, patterns)
    assert (np.diff(result.energies, axis=1) <= 1e-5).all()


def test_unknown_storage_rule_is_rejected():
    with pytest.raises(ValueError, match="hebbian"):
        hf.HopfieldNetwork(4).store([[1, 0, 1, 0]], rule="oja")
