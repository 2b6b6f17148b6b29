"""One recipe, the stages that train by it (caching as an option), one saving module, and the renamed names."""

import json

import numpy as np
import pytest

from dbn_course import classifier, saving
from dbn_course.dbn import DBN
from dbn_course.rbm import RBM
from dbn_course.training import recipe, stages
from dbn_course.training.recipe import make_dbn

TINY = recipe.Recipe(
    pretraining=recipe.Pretraining(hidden_units=(12, 12, 16), num_epochs=1, batch_size=50),
    up_down=recipe.UpDown(num_epochs=5, top_gibbs_steps=(1, 2), batch_size=50),
    top_level_pcd=recipe.TopLevelPCD(num_epochs=1),
    backprop=recipe.Backprop(num_epochs=2, batch_size=50, dropout=0.0, input_dropout=0.0, schedule="constant"))


@pytest.fixture(scope="module")
def digits(random_digits):
    """200 of them: four minibatches of the tiny recipe an epoch."""
    images, labels = random_digits
    return images[:200], labels[:200]


def test_a_recipe_round_trips_through_json():
    for plan in (recipe.SHIPPED, recipe.quick(), TINY):
        text = json.dumps(plan.to_dict())
        assert recipe.Recipe.from_dict(json.loads(text)) == plan


@pytest.mark.parametrize("build, words", [
    (lambda: recipe.Pretraining(num_epochs=0), "num_epochs"),
    (lambda: recipe.Pretraining(hidden_units=()), "hidden_units"),
    (lambda: recipe.Pretraining(momentum=1.0), "momentum"),
    (lambda: recipe.UpDown(num_epochs=None, minutes=None), "a limit"),
    (lambda: recipe.UpDown(top_gibbs_steps=(3, 0)), r"top_gibbs_steps\[1\]"),
    (lambda: recipe.Backprop(schedule="linear"), "schedule"),
    (lambda: recipe.Backprop(optimizer="rmsprop"), "optimizer"),
    (lambda: recipe.Recipe(pretraining={"num_epochs": 3}), "recipe.Pretraining"),
    (lambda: recipe.Recipe.from_dict({"pretrainig": {}}), "unknown recipe parts"),
])
def test_a_wrong_recipe_is_refused_with_its_name(build, words):
    with pytest.raises(ValueError, match=words):
        build()


def test_the_models_defaults_are_the_recipes():
    dbn = make_dbn([8, 8, 12])
    shared = recipe.Pretraining()
    for rbm in dbn.rbms:
        assert (rbm.learning_rate, rbm.momentum, rbm.weight_decay) == (shared.learning_rate, recipe.MOMENTUM,
                                                                       recipe.WEIGHT_DECAY)
    assert (dbn.num_epochs, dbn.batch_size) == (shared.num_epochs, shared.batch_size)
    assert recipe.quick().pretraining.hidden_units == (64, 64, 128)


def test_a_cached_stage_trains_once(digits, cache_folder):
    images, labels = digits
    first = stages.pretrained_dbn(images, labels, TINY, cache=True, progress=False)
    again = stages.pretrained_dbn(images, labels, TINY, cache=True, progress=False)
    assert not first.from_cache and again.from_cache and again.history == first.history
    for a, b in zip(first.model.weights, again.model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = stages.pretrained_dbn(images, labels, TINY.replace(seed=1), cache=True, progress=False)
    assert not other.from_cache


def test_cached_up_down_fine_tunes_a_copy_in_stages(digits, cache_folder):
    images, labels = digits
    tuned = stages.up_down_dbn(images, labels, TINY, cache=True, progress=False)
    # Five epochs split over two stages of top-level Gibbs steps: 2 with k = 1, then 3 with k = 2.
    assert tuned.history["top_gibbs_steps"] == [1, 1, 2, 2, 2]
    assert len(tuned.history["seconds"]) == len(tuned.history["epoch_seconds"]) == 5
    base = stages.pretrained_dbn(images, labels, TINY, cache=True, progress=False)
    assert base.from_cache
    assert not np.array_equal(base.model.rbms[0].W.numpy(), tuned.model.rbms[0].W.numpy())
    with pytest.raises(ValueError, match="start only without the cache"):
        stages.up_down_dbn(images, labels, TINY, start=base.model, cache=True)


def test_the_uncached_stages_chain_as_the_writer_runs_them(digits):
    images, labels = digits
    dbn = stages.pretrained_dbn(images, labels, TINY, progress=False).model
    before = dbn.top.W.numpy().copy()
    tuned = stages.up_down_dbn(images, labels, TINY, start=dbn, progress=False)
    assert tuned.model is dbn and not tuned.from_cache  # fine-tuned in place
    refined = stages.refined_dbn(images, labels, TINY, start=dbn, progress=False)
    assert refined.model is not dbn
    assert not np.array_equal(refined.model.top.W.numpy(), dbn.top.W.numpy())
    assert not np.array_equal(before, dbn.top.W.numpy())
    np.testing.assert_array_equal(refined.model.rbms[0].W.numpy(), dbn.rbms[0].W.numpy())
    network = stages.fine_tuned_classifier(images, labels, TINY, start=dbn, test=(images, labels), progress=False)
    assert len(network.history["test_error_pct"]) == TINY.backprop.num_epochs
    random = stages.fine_tuned_classifier(images, labels, TINY, start="random", progress=False)
    assert [w.shape for w in random.model.weights] == [w.shape for w in network.model.weights]
    with pytest.raises(ValueError, match="start must be"):
        stages.fine_tuned_classifier(images, labels, TINY, start="pretrianed")


def test_every_model_saves_and_loads_through_one_module(tmp_path, digits):
    images, labels = digits
    rbm = RBM(6, number_visible_units=784, seed=0)
    dbn = make_dbn([6, 6, 8], seed=0)
    network = classifier.classifier_network([784, 5], 10, seed=0)
    for name, model, kind in (("rbm", rbm, RBM), ("dbn", dbn, DBN), ("net", network, type(network))):
        saving.save_model(model, tmp_path / f"{name}.keras")
        loaded = saving.load_model(tmp_path / f"{name}.keras")
        assert isinstance(loaded, kind)
        for a, b in zip(model.weights, loaded.weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not list(tmp_path.glob("*.partial.keras"))
    with pytest.raises(ValueError, match="no weights yet"):
        saving.save_model(RBM(6), tmp_path / "unbuilt.keras")
    saving.save_top_level(dbn, tmp_path / "top.npz")
    with pytest.raises(ValueError, match="does not fit this DBN"):
        saving.load_top_level(make_dbn([6, 6, 9], seed=0), tmp_path / "top.npz")
