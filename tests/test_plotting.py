import matplotlib.pyplot as plt
import numpy as np
import pytest

from dbn_course import data
from dbn_course.course import plotting


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


def test_tile_puts_images_in_a_grid_with_white_gaps():
    images = np.stack([np.full((2, 3), value, dtype=np.float32) for value in (0.0, 1.0, 2.0)])
    grid = plotting.tile(images, ncols=2, pad=1, value_range=(0.0, 2.0))
    assert grid.shape == (2 * 2 + 1, 2 * 3 + 1)
    np.testing.assert_allclose(grid[:2, :3], 0.0)
    np.testing.assert_allclose(grid[:2, 4:], 0.5)
    np.testing.assert_allclose(grid[3:, :3], 1.0)
    np.testing.assert_allclose(grid[2, :], 1.0)  # the gap between rows
    np.testing.assert_allclose(grid[3:, 4:], 1.0)  # the empty cell stays white


def test_tile_scales_each_image_on_its_own_without_a_range():
    images = np.stack([np.array([[0.0, 4.0]]), np.array([[10.0, 12.0]])]).astype(np.float32)
    grid = plotting.tile(images, ncols=2, pad=0)
    np.testing.assert_allclose(grid, [[0.0, 1.0, 0.0, 1.0]])


def test_error_curves_are_labelled_in_percent_even_on_a_narrow_range():
    for curves in ({"a": [20.0, 18.0, 17.5]}, {"a": [88.5, 86.8]}, {"a": [3.0, 1.2], "b": [90.0, 40.0]}):
        fig = plotting.plot_error_curves(curves)
        fig.canvas.draw()
        shown = [tick.get_text() for tick in fig.axes[0].get_yticklabels() if tick.get_text()]
        assert len(shown) >= 2 and all(text.endswith("%") and "10^" not in text for text in shown), shown
        plt.close(fig)
