"""The model drawings draw exactly the connections each model has."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Circle, FancyArrowPatch

from dbn_course.course import diagrams


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def units(fig):
    return [p for ax in fig.axes for p in ax.patches if isinstance(p, Circle)]


def lines(fig, color=None):
    return [line for ax in fig.axes for line in ax.lines if color is None or line.get_color() == color]


def test_hopfield_network_joins_every_pair_once():
    fig = diagrams.hopfield_network(7)
    assert len(units(fig)) == 7 and len(lines(fig)) == 7 * 6 // 2


def test_boltzmann_machine_joins_every_pair_and_marks_those_inside_a_layer():
    fig = diagrams.boltzmann_machine(4, 3)
    assert len(units(fig)) == 7
    assert len(lines(fig)) == 7 * 6 // 2
    assert len(lines(fig, "tab:orange")) == 4 * 3 // 2 + 3 * 2 // 2  # what the restriction removes


def test_rbm_is_bipartite():
    fig = diagrams.rbm(5, 3)
    assert len(units(fig)) == 8 and len(lines(fig)) == 15
    assert not lines(fig, "tab:orange")


def test_dbn_has_directed_layers_below_an_undirected_top():
    fig = diagrams.dbn((784, 500, 500, 2000), n_labels=10)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert {"v (pixels): 784 units", "h3: 2,000 units", "y: 10 labels"} <= set(texts)
    arrows = [p for ax in fig.axes for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 2 * 2  # G and R between v-h1 and h1-h2; none into the top level
    assert {"G1", "G2", "R1", "R2"} <= set(texts)


def test_up_down_draws_three_phases_with_the_weights_each_uses():
    fig = diagrams.up_down(3)
    wake, top, sleep = fig.axes
    assert "G learns" in wake.get_title() and "R learns" in sleep.get_title()
    assert {t.get_text() for t in wake.texts} >= {"R1", "R2"}
    assert {t.get_text() for t in sleep.texts} >= {"G1", "G2"}


@pytest.mark.parametrize("call, message", [
    (lambda: diagrams.rbm(0, 3), "n_visible"),
    (lambda: diagrams.hopfield_network(1), "n_units"),
    (lambda: diagrams.dbn((784, 500)), "at least three layers"),
    (lambda: diagrams.dbn((784, 500.5, 10)), "layer size"),
])
def test_impossible_drawings_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
