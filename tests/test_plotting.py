import matplotlib.pyplot as plt
import numpy as np
import pytest

from dbn_course import data, plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def captions(fig):
    return [t.get_text() for t in fig.texts]


@pytest.mark.parametrize("shape", [(12, 28, 28), (12, 28, 28, 1), (12, 784)])
def test_image_grid_accepts_the_usual_shapes(shape):
    fig = plotting.image_grid(np.random.default_rng(0).random(shape), labels=list(range(12)), ncols=5,
                              source=data.MNISTSource("directory", "x"))
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(shown) == 12
    assert [ax.get_title() for ax in shown] == [str(i) for i in range(12)]
    assert captions(fig) == []


def test_image_grid_stamps_the_subset():
    embedded = data.MNISTSource("embedded", str(data.EMBEDDED_DIR))
    fig = plotting.image_grid(np.zeros((2, 784)), source=embedded)
    assert any("bundled MNIST subset" in text for text in captions(fig))


@pytest.mark.parametrize(
    "images, labels, message",
    [(np.zeros((3, 10)), None, "expected images"), (np.zeros((3, 5, 5, 2)), None, "expected images"), (np.zeros((3, 784)), [1, 2], "3 images but 2 labels"),
     (np.zeros((0, 784)), None, "at least one")],
)
def test_image_grid_rejects_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        plotting.image_grid(images, labels)


def test_show_examples_labels_each_image():
    builder = data.builder("mnist", data_dir=data.EMBEDDED_DIR)
    fig = plotting.show_examples(builder.info, builder.as_dataset("train"), rows=2, cols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["5", "0", "4", "1", "9", "2"]


def test_compare_distributions_draws_every_state_most_probable_first():
    """The 8-unit figure of chapter 02: all 256 states, so lowering T makes the first bar taller."""
    from dbn_course.boltzmann import BoltzmannMachine

    bm = BoltzmannMachine.random(8, seed=0)
    tallest = []
    for T in (1.0, 0.5):
        exact = bm.exact_distribution(T)
        fig = plotting.compare_distributions(exact, exact)
        heights = np.array([bar.get_height() for bar in fig.axes[0].patches])
        assert len(heights) == 256 and heights.sum() == pytest.approx(1.0)
        assert (np.diff(heights) <= 0).all()
        tallest.append(heights[0])
    assert tallest[1] > tallest[0]


def test_compare_distributions_says_how_much_a_truncated_figure_holds():
    exact = np.full(1024, 1 / 1024)
    fig = plotting.compare_distributions(exact, exact, max_states=256)
    assert len(fig.axes[0].patches) == 256
    assert "256 most probable of 1,024 states (holding 25%" in fig.axes[0].get_xlabel()


@pytest.mark.parametrize("kwargs, message", [(dict(max_states=0), "max_states"), (dict(floor=0.0), "floor"),
                                             (dict(floor=2.0), "floor")])
def test_compare_distributions_refuses_settings_it_cannot_draw(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.compare_distributions(np.full(4, 0.25), np.full(4, 0.25), **kwargs)
