"""Explaining away in the two-cause belief net, checked against hand-derived values."""

import math

import pytest

from dbn_course import explaining_away


def test_the_posterior_is_a_distribution_and_bayes_rule_by_hand():
    post = explaining_away.posterior(prior_a=0.3, prior_b=0.6, weight_a=2.0, weight_b=-1.0, bias=0.5)
    assert sum(post.values()) == pytest.approx(1.0)
    s = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    joint = {(a, b): (0.3 if a else 0.7) * (0.6 if b else 0.4) * s(2 * a - b + 0.5) for a in (0, 1) for b in (0, 1)}
    total = sum(joint.values())
    for state, value in joint.items():
        assert post[state] == pytest.approx(value / total)


def test_observing_the_effect_correlates_independent_causes():
    facts = explaining_away.summary()
    assert facts["p(a | e)"] > facts["p(a)"]  # the wet lawn makes rain likelier
    assert facts["p(a | e, b=1)"] == pytest.approx(0.2, abs=1e-3)  # the sprinkler explains it away
    assert facts["p(a | e, b=0)"] > 0.99
    assert facts["posterior correlation of a and b"] < -0.5


def test_without_the_observation_the_causes_stay_independent():
    # With no link from the causes to the effect, observing it tells nothing.
    facts = explaining_away.summary(weight_a=0.0, weight_b=0.0)
    assert facts["p(a | e)"] == pytest.approx(0.2)
    assert facts["posterior correlation of a and b"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("kwargs", [dict(prior_a=0.0), dict(prior_b=1.0), dict(effect=2), dict(bias=float("nan"))])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError):
        explaining_away.posterior(**kwargs)
