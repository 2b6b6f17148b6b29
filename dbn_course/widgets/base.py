"""What every panel shares: figures shown as images, slider styles, and Train/Stop wiring.

A panel wires ipywidgets to plain package functions -- models, training loops, plotting
helpers -- and holds no model logic of its own. Figures are rendered to PNG and shown
in an ``ipywidgets.Image``: setting its value is safe from the training thread, and
the picture is replaced in place rather than appended below the panel.
"""

from __future__ import annotations

import contextlib
import threading

import ipywidgets as widgets
from IPython.display import display

from .. import live, plotting

STYLE = {"description_width": "130px"}
LAYOUT = widgets.Layout(width="440px")


def figure_view(width: str = "auto") -> widgets.Image:
    """An empty image widget that :func:`show_figure` fills."""
    return widgets.Image(format="png", layout=widgets.Layout(width=width, max_width="100%"))


def show_figure(view: widgets.Image, fig) -> None:
    """Replace the picture in ``view`` with ``fig`` (which is then closed)."""
    view.value = plotting.to_png(fig)


@contextlib.contextmanager
def random_state_kept(generator):
    """Put ``generator``'s state back afterwards.

    A live redraw that samples (fantasies) mid-run would otherwise consume random numbers
    the training needs, and the model would depend on when the redraws fell: with the
    state kept, Train in the background gives the model a headless run gives.
    """
    saved = generator.state.numpy()
    try:
        yield
    finally:
        generator.state.assign(saved)


def int_slider(value: int, low: int, high: int, description: str, step: int = 1) -> widgets.IntSlider:
    return widgets.IntSlider(value, min=low, max=high, step=step, description=description,
                             continuous_update=False, style=STYLE, layout=LAYOUT)


def rate_slider(value: float, description: str = "learning rate") -> widgets.FloatLogSlider:
    """A logarithmic slider from 1e-4 to 1: learning rates are chosen by their order of magnitude."""
    return widgets.FloatLogSlider(value, base=10, min=-4, max=0, step=0.1, description=description,
                                  readout_format=".4f", continuous_update=False, style=STYLE, layout=LAYOUT)


class TrainingPanel:
    """Train and Stop buttons, a progress bar and a status line around a training function.

    Subclasses build their sliders, call :meth:`_training_controls`, and implement
    ``_train(stop_event)``: build a model from the sliders, train it with ``stop_event``
    passed to the package's training loop, keep the model on the panel as it goes, and
    redraw. Pressing Train runs ``_train`` in a background thread (see
    :mod:`dbn_course.live`), so the notebook stays responsive and Stop works mid-run;
    :meth:`train` called directly -- as a panel does once when created, and as headless
    execution needs -- runs it synchronously.

    Attributes:
        redraws: how many times the panel's figures were drawn.
        live_interval: the least time, in seconds, between two redraws while training.
    """

    live_interval = 1.0

    def _training_controls(self) -> None:
        self.redraws = 0
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play",
                                           tooltip="retrain with the sliders' values")
        self.stop_button = widgets.Button(description="Stop", button_style="warning", icon="stop", disabled=True,
                                          tooltip="stop training and keep the model trained so far")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="progress", style=STYLE)
        self.status = widgets.Label()
        self.train_button.on_click(lambda _: self.train(background=True))
        self.stop_button.on_click(lambda _: self.stop())
        self.run = live.TrainingRun(on_finish=self._finished)
        self._live = live.Throttle(self.live_interval)

    def _button_row(self) -> widgets.HBox:
        return widgets.HBox([self.train_button, self.stop_button, self.progress])

    @property
    def training(self) -> bool:
        """Whether a run is going on."""
        return self.run.running

    def train(self, background: bool = False) -> bool:
        """Retrain from the sliders' values; return False if a run is already going on.

        Args:
            background: train in a thread and return at once (what the Train button does).
        """
        if self.run.running:
            return False
        self.train_button.disabled, self.stop_button.disabled = True, not background
        self.status.value = "starting..."
        self._live = live.Throttle(self.live_interval)
        started = self.run.start(self._train, background=background)
        if not started:  # another run began in between: the buttons are that run's
            self.train_button.disabled, self.stop_button.disabled = True, False
        return started

    def stop(self) -> None:
        """Ask the run to stop; the model trained so far stays on the panel and is drawn."""
        if self.run.running:
            self.status.value = "stopping..."
            self.run.request_stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background run to finish (for scripts and tests)."""
        return self.run.wait(timeout)

    def _live_redraw_due(self) -> bool:
        """Whether to redraw now, mid-run: at most once a second, and only from the training thread."""
        return threading.current_thread() is not threading.main_thread() and self._live.ready()

    def _finished(self, error, stopped) -> None:
        if error is not None:
            self.status.value = f"training failed: {error}"
        self.train_button.disabled, self.stop_button.disabled = False, True

    def _train(self, stop_event) -> None:  # pragma: no cover - every panel defines it
        raise NotImplementedError

    def _ipython_display_(self):
        display(self.widget)


def describe_end(stopped: bool, done: int, total: int, unit: str) -> str:
    """The start of a status line: "trained" or "stopped after 3 of 10 epochs"."""
    if stopped:
        return f"stopped after {done} of {total} {unit}"
    return "trained"
