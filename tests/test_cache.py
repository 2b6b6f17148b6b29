"""Models cached under the user's cache folder, keyed by their configuration."""

import json

import pytest

from dbn_course.classifier import classifier_network
from dbn_course.training import stages as cache


def trainer(calls, seed=0):
    def train():
        calls.append(seed)
        return classifier_network([4, 3], 2, seed=seed), {"loss": [1.0, 0.5]}

    return train


def test_a_second_run_loads_instead_of_training(cache_folder):
    calls = []
    model, history, hit = cache.cached_model("toy", {"seed": 0}, trainer(calls))
    assert not hit and calls == [0] and history == {"loss": [1.0, 0.5]}
    again, history_again, hit_again = cache.cached_model("toy", {"seed": 0}, trainer(calls))
    assert hit_again and calls == [0] and history_again == history
    assert all((a == b).all() for a, b in zip(model.get_weights(), again.get_weights()))
    stored = json.loads(next(cache_folder.glob("toy-*.json")).read_text())
    assert stored["config"] == {"seed": 0}


def test_another_configuration_trains_again(cache_folder):
    calls = []
    cache.cached_model("toy", {"seed": 0}, trainer(calls, 0))
    cache.cached_model("toy", {"seed": 1}, trainer(calls, 1))
    cache.cached_model("other", {"seed": 0}, trainer(calls, 2))
    assert calls == [0, 1, 2]
    assert cache.cache_key("toy", {"seed": 0}) != cache.cache_key("toy", {"seed": 1})


def test_caching_can_be_switched_off(cache_folder, monkeypatch):
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, "0")
    calls = []
    cache.cached_model("toy", {"seed": 0}, trainer(calls))
    cache.cached_model("toy", {"seed": 0}, trainer(calls))
    assert calls == [0, 0] and not cache_folder.exists()


def test_a_damaged_entry_is_retrained(cache_folder):
    calls = []
    cache.cached_model("toy", {"seed": 0}, trainer(calls))
    next(cache_folder.glob("toy-*.keras")).write_bytes(b"not a model")
    with pytest.warns(UserWarning, match="damaged"):
        _, _, hit = cache.cached_model("toy", {"seed": 0}, trainer(calls))
    assert not hit and calls == [0, 0]


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "dbn-course"
