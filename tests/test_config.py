import pytest

from dbn_course import config


def test_by_mode(monkeypatch):
    monkeypatch.setenv(config.QUICK_ENV, "1")
    assert config.quick_mode() and config.by_mode(full=10, quick=1) == 1
    monkeypatch.setenv(config.QUICK_ENV, "0")
    assert not config.quick_mode() and config.by_mode(full=10, quick=1) == 10
    monkeypatch.delenv(config.QUICK_ENV)
    assert config.by_mode(full="a", quick="b") == "a"


def test_bad_quick_value(monkeypatch):
    monkeypatch.setenv(config.QUICK_ENV, "maybe")
    with pytest.raises(ValueError, match=config.QUICK_ENV):
        config.quick_mode()
