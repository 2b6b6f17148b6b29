"""Explaining away, exactly: two hidden causes of one observed effect (chapter 04).

A sigmoid belief net with two independent binary causes a, b (priors p(a = 1) = pi_a,
p(b = 1) = pi_b) and one effect e with

    p(e = 1 | a, b) = sigmoid(w_a a + w_b b + bias).

The causes are independent a priori, but once e is observed they compete: learning that
b is on makes a less probable, because b already explains e. That correlation in the
posterior p(a, b | e) is what makes inference in a deep directed net hard, and what the
"complementary prior" of a DBN's higher layers cancels exactly (Hinton et al., 2006).
Everything here is enumerated over the four states of (a, b).
"""

from __future__ import annotations

import itertools
import math

from dbn_course.checks import check_float


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def posterior(prior_a: float = 0.2, prior_b: float = 0.2, weight_a: float = 20.0, weight_b: float = 20.0,
              bias: float = -10.0, effect: int = 1) -> dict[tuple[int, int], float]:
    """p(a, b | e) for the four states (a, b), by Bayes' rule over the enumerated joint.

    The defaults follow the course's house example: rain (a) and a sprinkler (b) each
    wet the lawn (e) almost surely, and the lawn is almost never wet otherwise.
    """
    prior_a = check_float("prior_a", prior_a, 0.0, 1.0, low_open=True, high_open=True)
    prior_b = check_float("prior_b", prior_b, 0.0, 1.0, low_open=True, high_open=True)
    weight_a, weight_b, bias = (check_float(name, value, -math.inf) for name, value in
                                (("weight_a", weight_a), ("weight_b", weight_b), ("bias", bias)))
    if effect not in (0, 1):
        raise ValueError(f"effect must be 0 or 1, got {effect!r}")
    joint = {}
    for a, b in itertools.product((0, 1), repeat=2):
        prior = (prior_a if a else 1 - prior_a) * (prior_b if b else 1 - prior_b)
        p_effect = _sigmoid(weight_a * a + weight_b * b + bias)
        joint[(a, b)] = prior * (p_effect if effect else 1 - p_effect)
    total = sum(joint.values())
    return {state: value / total for state, value in joint.items()}


def summary(**kwargs) -> dict[str, float]:
    """The probabilities that show explaining away: p(a), p(a | e), p(a | e, b = 1), and the
    correlation of a and b under the posterior (zero under the prior)."""
    post = posterior(**kwargs)
    prior_a = kwargs.get("prior_a", 0.2)
    p_a = post[(1, 0)] + post[(1, 1)]
    p_b = post[(0, 1)] + post[(1, 1)]
    covariance = post[(1, 1)] - p_a * p_b
    correlation = covariance / math.sqrt(p_a * (1 - p_a) * p_b * (1 - p_b)) if 0 < p_a < 1 and 0 < p_b < 1 else 0.0
    return {
        "p(a)": prior_a,
        "p(a | e)": p_a,
        "p(a | e, b=1)": post[(1, 1)] / p_b,
        "p(a | e, b=0)": post[(1, 0)] / (post[(0, 0)] + post[(1, 0)]),
        "posterior correlation of a and b": correlation,
    }
