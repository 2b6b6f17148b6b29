"""The RBM's maths, proved on machines small enough to enumerate every state."""

import math

import numpy as np
import pytest
import tensorflow as tf

from dbn_course import data, saving
from dbn_course.rbm import RBM, TrainingDivergedError, linear_decay, train_rbm
from dbn_course.sampling import exact
from dbn_course.training.cd import trainer_for

from .conftest import random_rbm

N_VISIBLE, N_HIDDEN = 8, 4


def tiny_rbm(scale=1.0, seed=0, **settings):
    """An 8 x 4 RBM with weights large enough that the exact quantities are not trivial."""
    return random_rbm(N_VISIBLE, N_HIDDEN, seed=seed, scale=scale, **settings)


def all_states(n):
    return exact.all_binary_states(n).astype(np.float32)


def exact_distribution(rbm):
    """p(v) for every visible state, from the energies of every joint state."""
    v, h = all_states(N_VISIBLE), all_states(N_HIDDEN)
    vv = np.repeat(v, len(h), axis=0)
    hh = np.tile(h, (len(v), 1))
    energy = rbm.energy(vv, hh).numpy().astype(np.float64).reshape(len(v), len(h))
    unnormalised = np.exp(-energy).sum(axis=1)
    return v, unnormalised / unnormalised.sum(), energy


# ----------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(number_hidden_units=0), "number_hidden_units"),
        (dict(number_hidden_units=2.5), "number_hidden_units"),
        (dict(number_hidden_units=3, number_visible_units=-1), "number_visible_units"),
        (dict(number_hidden_units=3, learning_rate=0), "learning_rate"),
        (dict(number_hidden_units=3, learning_rate=float("nan")), "learning_rate"),
        (dict(number_hidden_units=3, cd_steps=0), "cd_steps"),
        (dict(number_hidden_units=3, momentum=1.0), "momentum"),
        (dict(number_hidden_units=3, weight_decay=-0.1), "weight_decay"),
        (dict(number_hidden_units=3, persistent="yes"), "persistent"),
        (dict(number_hidden_units=True), "number_hidden_units"),
    ],
)
def test_nonsense_hyperparameters_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RBM(**kwargs)


def test_build_call_and_config():
    rbm = RBM(5, learning_rate=0.05, cd_steps=3, persistent=True, momentum=0.5, weight_decay=1e-4, seed=3)
    out = rbm(np.zeros((2, 7), np.float32))
    assert out.shape == (2, 5) and rbm.number_visible_units == 7
    assert rbm.W.shape == (7, 5) and rbm.b.shape == (7,) and rbm.c.shape == (5,)
    np.testing.assert_allclose(out.numpy(), 0.5)  # c = 0 at initialisation
    config = rbm.get_config()
    clone = RBM.from_config(config)
    assert clone.get_config() == config
    assert rbm.w_gen.shape == (5, 7) and rbm.vb is rbm.b and rbm.hb is rbm.c and rbm.w_rec is rbm.W


def test_initial_weights_are_small_and_seeded():
    a, b = RBM(50, 784, seed=1), RBM(50, 784, seed=1)
    np.testing.assert_array_equal(a.W.numpy(), b.W.numpy())
    assert 0.009 < a.W.numpy().std() < 0.011


def test_width_mismatch_is_rejected():
    rbm = RBM(3, 6)
    with pytest.raises(ValueError, match=r"shape \(batch, 6\)"):
        rbm.forward(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match="has 6 visible units"):
        rbm.build((None, 5))
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        rbm.reverse(np.zeros((2, 4), np.float32))


@pytest.mark.parametrize("bad, message", [(1.5, "must lie in"), (-0.2, "must lie in"), (np.nan, "NaN")])
def test_values_outside_the_unit_interval_are_rejected(bad, message):
    rbm = RBM(3, 4)
    v = np.full((2, 4), 0.5, np.float32)
    v[1, 2] = bad
    for method in (rbm.forward, rbm.free_energy, rbm.reconstruction_cost, rbm.sample_h):
        with pytest.raises(ValueError, match=message):
            method(v)
    with pytest.raises(ValueError, match=message):
        train_rbm(rbm, v, num_epochs=1, progress=False)


# ----------------------------------------------------------------------- exact maths


def test_free_energy_matches_enumeration_over_h():
    rbm = tiny_rbm()
    v, _, energy = exact_distribution(rbm)
    by_enumeration = -np.log(np.exp(-energy).sum(axis=1))
    np.testing.assert_allclose(rbm.free_energy(v).numpy(), by_enumeration, rtol=1e-5, atol=1e-5)


def test_probabilities_from_the_free_energy_sum_to_one():
    rbm = tiny_rbm()
    v, p, _ = exact_distribution(rbm)
    log_p = exact.log_likelihood_exact(rbm, v)
    np.testing.assert_allclose(np.exp(log_p), p, rtol=1e-5)
    assert np.exp(log_p).sum() == pytest.approx(1.0, abs=1e-9)


def test_log_partition_is_the_same_summed_either_way():
    rbm = tiny_rbm()  # 4 hidden < 8 visible: enumerates h
    flipped = RBM(N_VISIBLE, N_HIDDEN)  # the same machine with the layers swapped: enumerates v
    flipped.W.assign(tf.transpose(rbm.W))
    flipped.b.assign(rbm.c)
    flipped.c.assign(rbm.b)
    assert exact.log_partition_exact(rbm) == pytest.approx(exact.log_partition_exact(flipped), abs=1e-9)


def test_free_energy_is_stable_where_log_one_plus_exp_overflows():
    rbm = RBM(2, 3)
    rbm.W.assign(np.full((3, 2), 60.0, np.float32))
    v = np.ones((1, 3), np.float32)
    naive = -tf.reduce_sum(tf.math.log(1 + tf.math.exp(tf.matmul(v, rbm.W) + rbm.c)), axis=1)
    assert not np.isfinite(naive.numpy()).all()  # the book's formula overflows
    assert float(rbm.free_energy(v)[0]) == pytest.approx(-360.0)


def test_conditionals_are_the_sigmoids_of_the_energy_differences():
    rbm = tiny_rbm()
    v = all_states(N_VISIBLE)[::17]
    ph = rbm.forward(v).numpy()
    # p(h_j = 1 | v) / p(h_j = 0 | v) = exp(c_j + (v W)_j)
    expected = 1 / (1 + np.exp(-(v @ rbm.W.numpy() + rbm.c.numpy())))
    np.testing.assert_allclose(ph, expected, rtol=1e-5)


def test_tape_gradient_equals_the_analytic_statistics():
    rbm = tiny_rbm(seed=4)
    rng = np.random.default_rng(1)
    v_data = (rng.random((32, N_VISIBLE)) < 0.4).astype(np.float32)
    v_model = rbm.contrastive_divergence(v_data, steps=3)
    for tape, analytic in zip(rbm.free_energy_gradients(v_data, v_model), rbm.cd_statistics(v_data, v_model)):
        np.testing.assert_allclose(tape.numpy(), analytic.numpy(), rtol=1e-5, atol=1e-6)


def test_cd_with_long_chains_approaches_the_exact_likelihood_gradient():
    rbm = tiny_rbm(scale=0.5, seed=2)
    rng = np.random.default_rng(3)
    patterns = (rng.random((6, N_VISIBLE)) < 0.5).astype(np.float32)
    v, p, _ = exact_distribution(rbm)
    ph = rbm.forward(v).numpy()
    exact_model_vh = np.einsum("s,si,sj->ij", p, v, ph)  # <v p(h|v)^T> under the model
    exact_data_vh = patterns.T @ rbm.forward(patterns).numpy() / len(patterns)
    exact_gradient = exact_model_vh - exact_data_vh  # dL/dW with the exact model expectation

    replicas = np.tile(patterns, (2000, 1))  # 12,000 chains started at the data
    long_chain = rbm.contrastive_divergence(replicas, steps=100)
    cd100 = rbm.cd_statistics(replicas, long_chain)[0].numpy()
    # Each entry averages 12,000 terms in [0, 1]: standard error at most 0.5 / sqrt(12000) = 0.0046.
    np.testing.assert_allclose(cd100, exact_gradient, atol=0.025)

    cd1 = rbm.cd_statistics(replicas, rbm.contrastive_divergence(replicas, steps=1))[0].numpy()
    assert np.abs(cd1 - exact_gradient).max() > 2 * np.abs(cd100 - exact_gradient).max()


def test_sampling_frequencies_match_the_conditionals():
    rbm = tiny_rbm(seed=5)
    v = np.tile(all_states(N_VISIBLE)[[3, 200]], (10_000, 1))
    frequencies = rbm.sample_h(v).numpy().reshape(10_000, 2, N_HIDDEN).mean(axis=0)
    probabilities = rbm.forward(v[:2]).numpy()
    # 10,000 draws per unit: 4.5 standard errors of at most 0.005 each.
    np.testing.assert_allclose(frequencies, probabilities, atol=4.5 * 0.005)
    h = np.tile(all_states(N_HIDDEN)[[5, 10]], (10_000, 1))
    frequencies = rbm.sample_v(h).numpy().reshape(10_000, 2, N_VISIBLE).mean(axis=0)
    np.testing.assert_allclose(frequencies, rbm.reverse(h[:2]).numpy(), atol=4.5 * 0.005)


def test_noise_has_the_shape_of_the_batch():
    """Identical rows get independent samples (the book's listing shares one row of noise)."""
    rbm = RBM(200, 4, seed=0)
    samples = rbm.sample_h(np.full((2, 4), 0.5, np.float32)).numpy()
    assert not np.array_equal(samples[0], samples[1])


def test_exact_pseudo_likelihood_and_its_one_bit_estimate():
    rbm = tiny_rbm(seed=6)
    v, p, _ = exact_distribution(rbm)
    some = v[[1, 50, 100, 255]]
    log_p = dict(zip(map(tuple, v), np.log(p)))
    expected = []
    for row in some:
        total = 0.0
        for i in range(N_VISIBLE):
            other = row.copy()
            other[i] = 1 - other[i]
            total += log_p[tuple(row)] - np.logaddexp(log_p[tuple(row)], log_p[tuple(other)])
        expected.append(total)
    assert float(rbm.pseudo_likelihood(some, exact=True)) == pytest.approx(np.mean(expected), rel=1e-5)
    estimates = [float(rbm.pseudo_likelihood(np.tile(some, (500, 1)), seed=s)) for s in range(4)]
    assert np.mean(estimates) == pytest.approx(np.mean(expected), rel=0.05)


def test_reconstruction_cost_is_the_cross_entropy_of_the_mean_field_reconstruction():
    rbm = tiny_rbm(seed=7)
    v = all_states(N_VISIBLE)[::9] * 0.9 + 0.05
    recon = rbm.reverse(rbm.forward(v)).numpy()
    expected = -(v * np.log(recon) + (1 - v) * np.log(1 - recon)).sum(axis=1).mean()
    assert float(rbm.reconstruction_cost(v)) == pytest.approx(expected, rel=1e-5)


# ----------------------------------------------------------------------- training


def deterministic_update(rbm, v0, steps=1):
    """Apply compiled updates whose noise makes every visible sample 1 (noise 0 < p)."""
    trainer = trainer_for(rbm, rbm.cd_settings())
    for _ in range(steps):
        noise_h = tf.zeros((1, rbm.cd_steps, len(v0), rbm.number_hidden_units))
        noise_v = tf.zeros((1, rbm.cd_steps, len(v0), rbm.number_visible_units))
        trainer._run(tf.constant(v0), tf.range(len(v0))[tf.newaxis], tf.constant(1.0),
                     tf.constant(rbm.learning_rate, tf.float32), noise_h, noise_v, tf.zeros((1, rbm.cd_steps, 0)))


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.0, 0.01), (0.5, 0.0)])
def test_compiled_update_is_the_cd_rule(momentum, weight_decay):
    rbm = tiny_rbm(seed=8, learning_rate=0.1, momentum=momentum, weight_decay=weight_decay)
    v0 = (np.random.default_rng(0).random((5, N_VISIBLE)) < 0.5).astype(np.float32)
    ones = np.ones_like(v0)
    params = [rbm.W.numpy(), rbm.b.numpy(), rbm.c.numpy()]
    velocity = [np.zeros_like(x) for x in params]
    for _ in range(2):
        grads = [g.numpy() for g in rbm.cd_statistics(v0, ones)]
        grads[0] = grads[0] + weight_decay * rbm.W.numpy()
        velocity = [momentum * vel - 0.1 * g for vel, g in zip(velocity, grads)]
        params = [x + vel for x, vel in zip(params, velocity)]
        deterministic_update(rbm, v0)
        for expected, var in zip(params, (rbm.W, rbm.b, rbm.c)):
            np.testing.assert_allclose(var.numpy(), expected, rtol=1e-5, atol=1e-6)


def small_patterns(n=400, seed=0):
    """Noisy copies of two 8-bit prototypes: data a 4-hidden-unit RBM can model well."""
    rng = np.random.default_rng(seed)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 0, 1]], np.float32)
    picks = prototypes[rng.integers(0, 2, n)]
    flips = rng.random(picks.shape) < 0.05
    return np.abs(picks - flips).astype(np.float32)


@pytest.mark.parametrize("persistent", [False, True])
def test_training_raises_the_exact_log_likelihood(persistent):
    patterns = small_patterns()
    rbm = RBM(N_HIDDEN, N_VISIBLE, learning_rate=0.1, persistent=persistent, seed=0)
    before = exact.log_likelihood_exact(rbm, patterns).mean()
    history = train_rbm(rbm, patterns, num_epochs=60, batch_size=20, seed=0, progress=False).history
    after = exact.log_likelihood_exact(rbm, patterns).mean()
    assert before == pytest.approx(-N_VISIBLE * math.log(2), abs=0.05)  # W ~ 0: uniform over 256 states
    assert after > before + 2.0, (before, after)
    assert len(history["reconstruction_cost"]) == 60 and history["reconstruction_cost"][-1] < history["reconstruction_cost"][0]
    if persistent:
        assert trainer_for(rbm, rbm.cd_settings()).chains is not None


def test_training_is_reproducible_and_reads_uint8_as_pixels():
    images = (small_patterns(200) * 255).astype(np.uint8)
    runs = []
    for data_in in (images, images / 255.0, images.astype(np.float32) / 255.0):
        rbm = RBM(N_HIDDEN, N_VISIBLE, seed=1)
        train_rbm(rbm, data_in, num_epochs=3, batch_size=16, seed=2, progress=False)
        runs.append(rbm.W.numpy())
    np.testing.assert_allclose(runs[0], runs[1], atol=1e-6)
    np.testing.assert_allclose(runs[0], runs[2], atol=1e-6)


def test_training_from_a_dataset_with_a_map_fn():
    patterns = small_patterns(100)
    ds = tf.data.Dataset.from_tensor_slices({"x": patterns})
    rbm = RBM(N_HIDDEN, seed=0)
    history = train_rbm(rbm, ds, map_fn=lambda e: e["x"], num_epochs=2, batch_size=25, seed=0, progress=False).history
    assert len(history["reconstruction_cost"]) == 2 and rbm.number_visible_units == N_VISIBLE


def test_early_stopping_and_callbacks():
    patterns = small_patterns(100)
    history = train_rbm(RBM(N_HIDDEN, N_VISIBLE, seed=0), patterns, num_epochs=50, tolerance=1e6, progress=False).history
    assert len(history["reconstruction_cost"]) == 2 and history["stopped_early"]
    seen = []
    history = train_rbm(RBM(N_HIDDEN, N_VISIBLE, seed=0), patterns, num_epochs=50, progress=False,
                        callbacks=[lambda rbm, epoch, hist: seen.append(epoch) or epoch == 3]).history
    assert seen == [0, 1, 2, 3] and len(history["epoch_seconds"]) == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(num_epochs=0), "num_epochs"), (dict(batch_size=0), "batch_size"), (dict(tolerance=-1.0), "tolerance")],
)
def test_bad_training_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_rbm(RBM(2, 8), small_patterns(10), progress=False, **kwargs)


def test_bad_training_data():
    with pytest.raises(ValueError, match="shape"):
        train_rbm(RBM(2, 8), np.zeros((4, 2, 2), np.float32), progress=False)
    with pytest.raises(ValueError, match="empty"):
        train_rbm(RBM(2), np.zeros((0, 8), np.float32), progress=False)


def test_diverged_weights_stop_training_with_a_message():
    rbm = RBM(N_HIDDEN, N_VISIBLE, seed=0)
    rbm.W.assign(np.full((N_VISIBLE, N_HIDDEN), np.nan, np.float32))
    with pytest.raises(TrainingDivergedError, match="NaN or infinite in epoch 1.*learning rate"):
        train_rbm(rbm, small_patterns(50), num_epochs=3, progress=False)


def test_save_and_load_restore_weights_and_configuration(tmp_path):
    rbm = RBM(6, learning_rate=0.05, cd_steps=2, persistent=True, momentum=0.5, weight_decay=1e-3, seed=4)
    train_rbm(rbm, small_patterns(40), num_epochs=2, batch_size=10, progress=False)
    saving.save_model(rbm, tmp_path / "rbm.keras")
    loaded = saving.load_model(tmp_path / "rbm.keras", expect=RBM)
    assert isinstance(loaded, RBM)
    assert loaded.get_config() == rbm.get_config()
    for a, b in zip((rbm.W, rbm.b, rbm.c), (loaded.W, loaded.b, loaded.c)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_gibbs_chain_and_fantasies():
    rbm = tiny_rbm(seed=9)
    frames = rbm.gibbs_chain(all_states(N_VISIBLE)[:3], steps=10, record_every=5)
    assert len(frames) == 2 and frames[0].shape == (3, N_VISIBLE)
    fantasies = rbm.fantasy_digits(n=5, steps=20).numpy()
    assert fantasies.shape == (5, N_VISIBLE) and ((0 <= fantasies) & (fantasies <= 1)).all()
    sample = rbm.gibbs_chain(all_states(N_VISIBLE)[:3], steps=4).numpy()
    assert set(np.unique(sample)) <= {0.0, 1.0}


def test_a_short_mnist_run_lowers_the_reconstruction_cost():
    """One epoch on the first 10,000 training digits (the bundled subset, or the full set's first 10,000).

    Measured on 2026-11-25: 543 nats per image at initialisation (784 ln 2, since W ~ 0 and
    b = 0 reconstruct every pixel as 0.5), and 147 after this epoch (100 updates).
    """
    images = data.load_arrays("train")[0][:10_000].reshape(-1, 784)
    rbm = RBM(200, learning_rate=0.1, seed=0)
    monitor = images[:2000].astype(np.float32) / 255
    initial = float(rbm.reconstruction_cost(monitor))
    history = train_rbm(rbm, images, num_epochs=1, batch_size=100, seed=0, progress=False).history
    assert initial == pytest.approx(784 * math.log(2), rel=0.01)
    assert history["reconstruction_cost"][-1] < 160.0


def test_a_schedule_changes_the_rate_between_epochs_and_keeps_the_persistent_chains():
    """The rate is an argument of each compiled call: PCD's chains and momentum carry on across epochs."""
    rbm = tiny_rbm(seed=3, learning_rate=0.1, persistent=True, momentum=0.5)
    data = (np.random.default_rng(0).random((40, rbm.number_visible_units)) < 0.5).astype(np.float32)
    seen = []
    history = train_rbm(rbm, data, num_epochs=3, batch_size=10, progress=False, schedule=linear_decay(0.1, 3),
                        callbacks=[lambda model, epoch, history: seen.append(model.trainer)], seed=0).history
    np.testing.assert_allclose(history["learning_rate"], [0.1, 0.1 * 2 / 3, 0.1 / 3])
    assert seen[0] is seen[1] is seen[2]
    assert rbm.learning_rate == 0.1  # the schedule is the run's, not the layer's
    before = rbm.W.numpy().copy()
    trainer_for(rbm, rbm.cd_settings()).velocity[0].assign(tf.zeros_like(rbm.W))
    train_rbm(rbm, data, num_epochs=1, batch_size=10, progress=False, seed=1, learning_rate=1e-30)
    np.testing.assert_allclose(rbm.W.numpy(), before, atol=1e-6)  # a negligible step: W barely moves


def test_settings_passed_to_training_leave_the_layers_own_alone():
    rbm = tiny_rbm(seed=4, learning_rate=0.1)
    config = rbm.get_config()
    data = small_patterns(40)
    history = train_rbm(rbm, data, num_epochs=2, batch_size=10, progress=False, learning_rate=0.02, cd_steps=3,
                        persistent=True, momentum=0.5, weight_decay=1e-3).history
    assert rbm.get_config() == config
    assert history["learning_rate"] == [0.02, 0.02]
    assert trainer_for(rbm, rbm.cd_settings(cd_steps=3, persistent=True, momentum=0.5, weight_decay=1e-3)).chains \
        is not None  # the run's trainer, PCD's chains kept for the next run with the same settings
    own = trainer_for(rbm, rbm.cd_settings())
    assert own.config == (1, False, 0.0, 0.0, 0.0, 1)  # the layer's own settings make a fresh one


@pytest.mark.parametrize("kwargs, message", [
    (dict(learning_rate=-1.0), "learning_rate"), (dict(cd_steps=0), "cd_steps"), (dict(persistent="yes"), "persistent"),
    (dict(momentum=1.0), "momentum"), (dict(weight_decay=-1e-3), "weight_decay"),
    (dict(fast_learning_rate=-0.1, persistent=True), "fast_learning_rate"),
    (dict(temperatures=0, persistent=True), "temperatures"),
    (dict(temperatures=(0.9, 0.5), persistent=True), "from 1 falling strictly"),
    (dict(temperatures=(1.0, 0.5, 0.7), persistent=True), "from 1 falling strictly"),
    (dict(temperatures=(1.0, -0.5), persistent=True), "no less than 0"),
    (dict(temperatures="hot", persistent=True), "temperatures must be"),
    (dict(fast_learning_rate=0.1), "fast_learning_rate refines persistent CD: pass persistent=True"),
    (dict(temperatures=4), "temperatures refines persistent CD: pass persistent=True"),
    (dict(temperatures=4, fast_learning_rate=0.1, persistent=True), "choose one"),
])
def test_bad_training_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_rbm(tiny_rbm(), small_patterns(10), progress=False, **kwargs)


def test_a_stop_request_ends_training_mid_epoch():
    import threading

    rbm = tiny_rbm(seed=2, learning_rate=0.05)
    data = (np.random.default_rng(0).random((2000, rbm.number_visible_units)) < 0.5).astype(np.float32)
    stop = threading.Event()
    stop.set()
    history = train_rbm(rbm, data, num_epochs=5, batch_size=1, progress=False, stop_event=stop, seed=0).history
    assert len(history["epoch_seconds"]) == 1 and history["stopped_early"]
    assert np.isfinite(history["reconstruction_cost"][0])
    whole_epoch = tiny_rbm(seed=2, learning_rate=0.05)
    train_rbm(whole_epoch, data, num_epochs=1, batch_size=1, progress=False, seed=0)
    untrained = tiny_rbm(seed=2).W.numpy()
    moved, moved_whole = (np.abs(m.W.numpy() - untrained).sum() for m in (rbm, whole_epoch))
    assert 0 < moved < moved_whole  # some updates ran, not the whole epoch's 2,000


def test_boolean_data_trains_like_the_same_floats():
    rng = np.random.default_rng(5)
    bits = rng.random((300, N_VISIBLE)) < 0.4
    runs = []
    for data_ in (bits, bits.astype(np.float32)):
        rbm = tiny_rbm(seed=6, learning_rate=0.05)
        history = train_rbm(rbm, data_, num_epochs=2, batch_size=30, progress=False, seed=0).history
        runs.append((rbm.W.numpy(), history["reconstruction_cost"]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


# ----------------------------------------------------------------------- FPCD and parallel tempering


def test_fast_weights_follow_the_gradient_and_decay():
    """With momentum 0 and no weight decay each update moves W by -lr g, so the fast weights,
    W_f <- (19/20) W_f - lr_f g, must equal (19/20) W_f + (lr_f / lr) (W_new - W_old) whatever g was."""
    rbm = tiny_rbm(seed=9)
    data = small_patterns(40)
    lr, fast_lr = 0.1, 0.3
    trainer = trainer_for(rbm, rbm.cd_settings(learning_rate=lr, persistent=True, fast_learning_rate=fast_lr))
    expected = [np.zeros_like(var.numpy()) for var in (rbm.W, rbm.b, rbm.c)]
    for batch in range(3):
        before = [var.numpy() for var in (rbm.W, rbm.b, rbm.c)]
        trainer.step(tf.constant(data[batch * 10:(batch + 1) * 10]), lr)
        for i, var in enumerate((rbm.W, rbm.b, rbm.c)):
            expected[i] = 19 / 20 * expected[i] + fast_lr / lr * (var.numpy() - before[i])
            np.testing.assert_allclose(trainer.fast[i].numpy(), expected[i], rtol=1e-4, atol=1e-6)
    assert np.abs(trainer.fast[0].numpy()).max() > 0.01


def hidden_distribution(W, b, c):
    """p(h) of an RBM with weights W, biases b, c, for every hidden state in counting order."""
    h = all_states(W.shape[1]).astype(np.float64)
    log_p = h @ c + np.logaddexp(0, h @ W.T + b).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def test_fpcd_chains_sample_the_model_plus_its_fast_weights():
    """Held fixed (vanishing learning rates, fast weights put back before every update), the
    persistent chains' hidden states follow p(h) of the RBM with weights W + W_f, b + b_f, c + c_f."""
    rbm = tiny_rbm(seed=10, scale=0.8)
    rng = np.random.default_rng(1)
    fast = [rng.normal(0, 0.8, var.shape).astype(np.float32) for var in (rbm.W, rbm.b, rbm.c)]
    trainer = trainer_for(rbm, rbm.cd_settings(learning_rate=1e-12, persistent=True, fast_learning_rate=1e-12))
    v0 = tf.constant(small_patterns(200))
    states = []
    for _ in range(400):
        for var, value in zip(trainer.fast, fast):
            var.assign(value)
        trainer.step(v0, 1e-12)
        states.append(trainer.chains.numpy())
    observed = exact.empirical_distribution(np.concatenate(states[20:]))
    slow = [var.numpy().astype(np.float64) for var in (rbm.W, rbm.b, rbm.c)]
    with_fast = hidden_distribution(*(var + f for var, f in zip(slow, fast)))
    without = hidden_distribution(*slow)
    assert exact.total_variation(observed, with_fast) < 0.02
    assert exact.total_variation(with_fast, without) > 0.2  # the check could tell them apart


def tempered_distribution(rbm, beta):
    """p_beta(v), proportional to exp(b^T v) prod_j (1 + exp(beta (c + v W)_j)), for every visible state."""
    W, b, c = (var.numpy().astype(np.float64) for var in (rbm.W, rbm.b, rbm.c))
    v = all_states(N_VISIBLE).astype(np.float64)
    log_p = v @ b + np.logaddexp(0, beta * (v @ W + c)).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def test_parallel_tempering_samples_every_temperature_and_swaps():
    """Held fixed, each level of the tempered chains follows its p_beta(v) -- a wrong swap rule
    would pull the levels towards each other -- and neighbours exchange states."""
    rbm = tiny_rbm(seed=11, scale=2.0)
    levels = 4
    trainer = trainer_for(rbm, rbm.cd_settings(learning_rate=1e-12, persistent=True, temperatures=levels))
    v0 = tf.constant(small_patterns(100))
    states = []
    for _ in range(300):
        trainer.step(v0, 1e-12)
        states.append(trainer.chains.numpy().reshape(levels, 100, N_VISIBLE))
    states = np.concatenate(states[20:], axis=1)
    np.testing.assert_allclose(trainer.betas, [1, 2 / 3, 1 / 3, 0], atol=1e-6)
    for level, beta in enumerate(trainer.betas):
        assert exact.total_variation(exact.empirical_distribution(states[level]),
                                     tempered_distribution(rbm, beta)) < 0.04, level
    assert exact.total_variation(tempered_distribution(rbm, 1.0), tempered_distribution(rbm, 2 / 3)) > 0.15
    acceptance = trainer.swap_acceptance
    assert acceptance.shape == (levels - 1,) and np.all(acceptance > 0.05) and np.all(acceptance < 1.0)


def test_a_ladder_of_given_inverse_temperatures():
    rbm = tiny_rbm(seed=12, scale=2.0)
    ladder = [1.0, 0.8, 0.6]
    trainer = trainer_for(rbm, rbm.cd_settings(learning_rate=1e-12, persistent=True, temperatures=ladder))
    np.testing.assert_allclose(trainer.betas, ladder, atol=1e-6)
    assert trainer.levels == 3 and trainer.config[-1] == (1.0, 0.8, 0.6)  # a list becomes a tuple
    v0 = tf.constant(small_patterns(100))
    states = []
    for _ in range(300):
        trainer.step(v0, 1e-12)
        states.append(trainer.chains.numpy().reshape(3, 100, N_VISIBLE))
    states = np.concatenate(states[20:], axis=1)
    for level, beta in enumerate(ladder):
        assert exact.total_variation(exact.empirical_distribution(states[level]),
                                     tempered_distribution(rbm, beta)) < 0.04, level


def test_parallel_tempering_trains_from_the_coldest_chains():
    patterns = small_patterns()
    rbm = RBM(N_HIDDEN, N_VISIBLE, learning_rate=0.1, seed=0)
    before = exact.log_likelihood_exact(rbm, patterns).mean()
    history = train_rbm(rbm, patterns, num_epochs=60, batch_size=20, seed=0, progress=False, persistent=True,
                        temperatures=5).history
    after = exact.log_likelihood_exact(rbm, patterns).mean()
    assert after > before + 2.0, (before, after)
    assert len(history["swap_acceptance"]) == 4 and all(0 <= rate <= 1 for rate in history["swap_acceptance"])
    assert "swap_acceptance" not in train_rbm(rbm, patterns, num_epochs=1, progress=False).history
