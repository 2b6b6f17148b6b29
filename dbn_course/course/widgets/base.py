"""What every panel shares: controls as widgets, status and figure as ordinary outputs, Train and Stop.

A panel shows three things, one under the other: its controls (ipywidgets: sliders and
buttons), a status line, and one figure. Only the controls are widgets. The status line
and the figure are ordinary notebook outputs -- text and a PNG -- each with a
``display_id`` that the panel replaces in place as it trains
(:mod:`dbn_course.course.outputs`). So a notebook that is saved, closed and reopened,
opened untrusted, converted to HTML or read on GitHub still shows the last figure and
what it shows, and a live notebook shows each of them once. The controls' own output
says in words what they were set to, for readers without a kernel.

The status and the figure change together: a new figure is rendered first and then
both are published at once, and the Train and Stop buttons change with them. Training runs
in a background thread (:class:`TrainingRun`, one per kernel), and a panel redraws at most
as often as its :class:`Throttle` allows.
"""

from __future__ import annotations

import base64
import contextlib
import textwrap
import threading
import time
import uuid
import weakref
from collections.abc import Callable

import ipywidgets as widgets
from IPython.display import display

from dbn_course.course import outputs, plotting

DESCRIPTION_WIDTH = "160px"
STYLE = {"description_width": DESCRIPTION_WIDTH}
SLIDER_WIDTH = "470px"
LAYOUT = widgets.Layout(width=SLIDER_WIDTH)
FIGURE_DPI = 80


def int_slider(value: int, low: int, high: int, description: str, step: int = 1) -> widgets.IntSlider:
    return widgets.IntSlider(value, min=low, max=high, step=step, description=description,
                             continuous_update=False, style=STYLE, layout=LAYOUT)


def rate_slider(value: float, description: str = "learning rate") -> widgets.FloatLogSlider:
    """A logarithmic slider from 1e-4 to 1: learning rates are chosen by their order of magnitude."""
    return widgets.FloatLogSlider(value, base=10, min=-4, max=0, step=0.1, description=description,
                                  readout_format=".4f", continuous_update=False, style=STYLE, layout=LAYOUT)


def checkbox(value: bool, description: str) -> widgets.Checkbox:
    return widgets.Checkbox(value, description=description, indent=True, style=STYLE, layout=LAYOUT)


def columns(left, right=None) -> widgets.Box:
    """Widgets in two columns that wrap to one on a narrow screen: ``left`` and ``right``, or ``left`` cut in half."""
    if right is None:
        half = (len(left) + 1) // 2
        left, right = left[:half], left[half:]
    gap = widgets.Layout(margin="0 16px 0 0")
    return widgets.Box([widgets.VBox(list(left), layout=gap), widgets.VBox(list(right), layout=gap)],
                       layout=widgets.Layout(display="flex", flex_flow="row wrap"))


def heading(text: str) -> widgets.HTML:
    """A group's name above its controls."""
    return widgets.HTML(f"<b>{text}</b>", layout=widgets.Layout(margin="4px 0 0 8px"))


@contextlib.contextmanager
def random_state_kept(generator):
    """Put ``generator``'s state back afterwards.

    A live drawing that samples (fantasies) mid-run would otherwise consume random numbers
    the training needs, and the model would depend on when the drawings fell: with the
    state kept, Train in the background gives the model a headless run gives.
    """
    saved = generator.state.numpy()
    try:
        yield
    finally:
        generator.state.assign(saved)


def _readable(control) -> str:
    """A control's value as its readout shows it ("20%", "on"), or plainly ("0.1", "100")."""
    value = control.value
    if isinstance(control, (widgets.Dropdown, widgets.SelectionSlider)):
        return control.label
    if "%" in getattr(control, "readout_format", ""):
        return format(value, control.readout_format)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def plural(n: int, noun: str) -> str:
    """"1 epoch", "3 epochs"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def wrap(text: str, width: int = 110) -> str:
    """A status line broken into lines of at most ``width`` characters (text outputs do not wrap everywhere)."""
    return "\n".join(textwrap.wrap(text, width)) or text


# ---------------------------------------------------------------------- training beside the notebook
# One background thread, a Stop request, a report.
#
# A Jupyter kernel handles widget events one at a time, on its main thread: while a cell
# or a button's callback runs, no other event -- a Stop press, a slider move -- is seen
# until it returns. So a panel that trained inside its Train callback would freeze the
# notebook for the whole run. Instead the callback starts a TrainingRun, which calls the
# training function in a daemon thread and returns at once; the kernel stays free, and
# Stop sets a threading.Event that the training engine (dbn_course.training) checks after
# every block of minibatches, whichever model it trains (the stop_event of train_rbm,
# pretrain, up_down and fine_tune). This is the design the ipywidgets documentation gives
# for asynchronous widgets.
#
# Executed headless (nbval, papermill) there is nobody to press a button: the panel
# trains synchronously, in the cell that creates it, and its output is there when the
# cell ends. The same TrainingRun does both; ``background`` chooses.

STOP_PRESSED = "stop requested"
"""The reason a run stops when the learner presses Stop."""

_runs: "weakref.WeakSet[TrainingRun]" = weakref.WeakSet()
_runs_lock = threading.Lock()


def stop_other_runs(keep: "TrainingRun | None", reason: str, timeout: float = 120.0) -> None:
    """Stop every run in this kernel but ``keep``, and wait for each to end.

    A kernel trains one model at a time: a run left going when a learner re-runs a
    panel's cell, or presses Train on another panel, would go on invisibly, competing for
    the same cores. ``reason`` is kept on the stopped run, for its panel's status line.
    """
    with _runs_lock:
        others = [run for run in _runs if run is not keep and run.running]
    for run in others:
        run.request_stop(reason)
    for run in others:
        run.wait(timeout)


class TrainingRun:
    """Runs ``work(stop_event)`` at most once at a time, in a daemon thread or in the caller's.

    Args:
        on_finish: called as ``on_finish(error, stopped)`` in the thread that ran the work,
            once it has returned (``error`` is None) or raised (the exception; it is not
            re-raised, so a failed run never leaves a traceback in the notebook). The run
            counts as finished, and another may start, from the moment it is called.

    Attributes:
        error: the exception the last run raised, or None.
        stopped: whether the last run was asked to stop before it returned.
        stop_reason: why it was asked to stop (:data:`STOP_PRESSED`, or what
            :func:`stop_other_runs` said), or None.
    """

    def __init__(self, on_finish: Callable[[BaseException | None, bool], None] | None = None):
        self.on_finish = on_finish
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.stopped = False
        self.stop_reason: str | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = False
        with _runs_lock:
            _runs.add(self)

    @property
    def running(self) -> bool:
        """Whether a run has started and not yet finished."""
        return self._busy

    def start(self, work: Callable[[threading.Event], None], *, background: bool) -> bool:
        """Start ``work`` unless a run is going on; return whether it started.

        With ``background=False`` the call returns when ``work`` has finished.
        """
        with self._lock:
            if self._busy:
                return False
            self._busy = True
        self.stop_event.clear()
        self.error, self.stopped, self.stop_reason = None, False, None
        if background:
            self._thread = threading.Thread(target=self._run, args=(work,), name="dbn-course training", daemon=True)
            self._thread.start()
        else:
            self._thread = None
            self._run(work)
        return True

    def request_stop(self, reason: str = STOP_PRESSED) -> None:
        """Ask the running work to stop; it keeps what it has learned so far."""
        if self._busy and not self.stop_event.is_set():
            self.stop_reason = reason
            self.stop_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background run to finish; return False if ``timeout`` seconds passed first."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self, work) -> None:
        error = None
        try:
            work(self.stop_event)
        except Exception as exc:  # reported through on_finish, never as a traceback
            error = exc
        self.error, self.stopped = error, self.stop_event.is_set()
        with self._lock:
            self._busy = False  # before on_finish, which re-enables the Train button
        if self.on_finish is not None:
            self.on_finish(error, self.stopped)


class Throttle:
    """Whether a live drawing is due: at most one per ``interval`` seconds, within a share of the time.

    Drawing a panel's figure takes a tenth of a second or more; drawn after every epoch
    of a fast run, it would take longer than the training. A drawing is due once
    ``interval`` seconds have passed since the last one ended (or since the run began)
    *and* enough time has passed that drawing takes at most ``share`` of the wall time:
    after a drawing of ``d`` seconds the next waits ``d (1 - share) / share``. Time each
    drawing with :meth:`drawing`. ``cost``, what a drawing took last time (a panel's
    previous run), holds the first drawing to the same rule, so a short run is not
    dominated by one drawing in its middle.
    """

    def __init__(self, interval: float = 1.0, share: float = 1.0, clock: Callable[[], float] | None = None,
                 cost: float = 0.0):
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share}")
        self.interval = interval
        self.share = share
        self.clock = clock or time.monotonic
        self._last = self.clock()
        self._cost = cost

    @property
    def cost(self) -> float:
        """Seconds the last drawing took (or the ``cost`` given, before any)."""
        return self._cost

    def ready(self) -> bool:
        wait = max(self.interval, self._cost * (1 - self.share) / self.share)
        return self.clock() - self._last >= wait

    @contextlib.contextmanager
    def drawing(self):
        """Time a drawing: the next is due only after the interval and the share allow."""
        start = self.clock()
        try:
            yield
        finally:
            self._last = self.clock()
            self._cost = self._last - start


# ---------------------------------------------------------------------- panels


class Panel:
    """Controls, a status line and a figure; the last two kept as ordinary outputs.

    Subclasses set ``self.controls`` (the widgets that describe the run, for the text
    that stands in for them without a kernel) and ``self.widget`` (the controls' layout),
    and call :meth:`show` with a status line and/or a figure.

    Attributes:
        status_text: the status line shown now.
        figure_png: the figure shown now, as PNG bytes (None before the first drawing).
        redraws: how many figures were shown.
    """

    title = "panel"

    def _panel_outputs(self) -> None:
        ident = uuid.uuid4().hex
        self._status_id, self._figure_id = f"dbn-course-status-{ident}", f"dbn-course-figure-{ident}"
        self.status_text = ""
        self.figure_png: bytes | None = None
        self.redraws = 0
        self._displayed = False
        self._show_lock = threading.Lock()

    def show(self, status: str | None = None, fig=None, *, unless=None) -> None:
        """Replace the status line and/or the figure; a figure is rendered before either changes.

        ``unless``: a function checked once the figure is rendered; if it returns True
        the status line is left as it is (a newer one was shown meanwhile).
        """
        png = plotting.to_png(fig, dpi=FIGURE_DPI) if fig is not None else None
        with self._show_lock:
            if png is not None:
                self.figure_png = png
                self.redraws += 1
                self._publish_figure(update=True)
            if status is not None and not (unless is not None and unless()):
                self.status_text = wrap(status)
                self._publish_status(update=True)

    def _publish_status(self, update: bool) -> None:
        if update and not self._displayed:
            return
        outputs.publish({"text/plain": self.status_text}, self._status_id, update=update)

    def _publish_figure(self, update: bool) -> None:
        if (update and not self._displayed) or self.figure_png is None:
            return
        outputs.publish({"image/png": base64.b64encode(self.figure_png).decode("ascii"),
                                 "text/plain": f"<{self.title} figure>"}, self._figure_id, update=update)

    def describe_controls(self) -> str:
        """The controls' values in words, shown where the widgets cannot be (no kernel)."""
        settings = ", ".join(f"{control.description} {_readable(control)}" for control in self.controls)
        return f"{self.title} (interactive in a running notebook): {settings}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = self.describe_controls()
        return bundle

    def _ipython_display_(self):
        display(self._repr_mimebundle_(), raw=True)
        self._displayed = True
        with self._show_lock:
            self._publish_status(update=False)
            self._publish_figure(update=False)


class TrainingPanel(Panel):
    """Train and Stop buttons and a progress bar around a training function.

    Subclasses build their sliders, call :meth:`_training_controls`, and implement
    ``_train(stop_event)`` -- build a model from the sliders, train it with
    ``stop_event`` passed to the package's training loop, keep it on the panel, and
    return the final status line -- and ``_figure()``, the figure of the model as it is.
    During training they call :meth:`_report` with a status line after each epoch.

    Pressing Train runs ``_train`` in a background thread (see :mod:`dbn_course.course.widgets.base`),
    so the notebook stays responsive and Stop works mid-run; :meth:`train` called
    directly -- as a panel does once when created, and as headless execution needs --
    runs it synchronously. One run trains at a time in a kernel: creating a panel, or
    pressing Train, stops any other panel's run first, and that panel's status says so.

    Attributes:
        run_label, run_tooltip, stop_tooltip: the Train button's words, and the buttons'
            tooltips (a panel that estimates rather than trains says "Run").
        live_interval: the least time, in seconds, between two drawings while training.
        live_share: the most of the run's wall time that drawing may take (the first
            drawing of a run waits as if the last run's final drawing had just been made).
        wall_seconds: the last run's wall time up to its final drawing.
    """

    live_interval = 1.0
    live_share = 0.2
    run_label = "Train"
    run_tooltip = "retrain with the sliders' values"
    stop_tooltip = "stop training and keep the model trained so far"

    def _training_controls(self) -> None:
        self._panel_outputs()
        self.train_button = widgets.Button(description=self.run_label, button_style="primary", icon="play",
                                           tooltip=self.run_tooltip)
        self.stop_button = widgets.Button(description="Stop", button_style="warning", icon="stop", disabled=True,
                                          tooltip=self.stop_tooltip)
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="progress", style=STYLE)
        self.train_button.on_click(lambda _: self.train(background=True))
        self.stop_button.on_click(lambda _: self.stop())
        self.run = TrainingRun(on_finish=self._finished)
        # a drawing's cost carries into the next run (see Throttle)
        self._live = Throttle(self.live_interval, self.live_share, clock=self.clock)
        self._final_png: bytes | None = None
        self._final_status = ""
        self.wall_seconds = 0.0
        stop_other_runs(self.run, "a new panel was created")

    def clock(self) -> float:
        """Where the panel reads the time, in seconds: wall time (:func:`time.perf_counter`).

        The status line's seconds and the drawing throttle (:class:`Throttle`)
        read it. A test replaces it with a clock it advances itself, so that when a drawing
        is due never depends on how fast the machine is.
        """
        return time.perf_counter()

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
        stop_other_runs(self.run, "another panel started training")
        self.train_button.disabled, self.stop_button.disabled = True, not background
        self.show(status="starting...")
        self._live = Throttle(self.live_interval, self.live_share, clock=self.clock, cost=self._live.cost)
        self._started = self.clock()
        started = self.run.start(self._work, background=background)
        if not started:  # another run began in between: the buttons are that run's
            self.train_button.disabled, self.stop_button.disabled = True, False
        return started

    def stop(self) -> None:
        """Ask the run to stop; the model trained so far stays on the panel and is drawn."""
        with self._show_lock:  # the run's last status cannot come between the request and "stopping..."
            self.run.request_stop()
            if self.run.running:
                self.stop_button.disabled = True
                self.status_text = "stopping..."
                self._publish_status(update=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background run to finish (for scripts and tests)."""
        return self.run.wait(timeout)

    def elapsed(self) -> float:
        """Seconds of wall time since Train, drawing included."""
        return self.clock() - self._started

    def stopped_because(self) -> str:
        """Why the run stopped early, in words for the status line ("" if the learner pressed Stop)."""
        reason = self.run.stop_reason
        return "" if reason in (None, STOP_PRESSED) else f" ({reason})"

    def _report(self, status: str, *, draw: bool = True) -> None:
        """A status line after an epoch, with a fresh figure when one is due (never after Stop)."""
        stopping = self.run.stop_event.is_set
        if stopping():
            return  # "stopping..." stays until the final status: messages never go back in time
        if draw and self._live_redraw_due():
            with self._live.drawing():
                self.show(status=status, fig=self._figure(), unless=stopping)
        else:
            self.show(status=status, unless=stopping)

    def _live_redraw_due(self) -> bool:
        """Whether to draw now, mid-run: only from the training thread, and within the drawing budget."""
        return threading.current_thread() is not threading.main_thread() and self._live.ready()

    def _work(self, stop_event) -> None:
        status = self._train(stop_event)
        self.wall_seconds = self.elapsed()
        self._final_status = status
        with self._live.drawing():  # timed too: the next run's first drawing waits on it
            self._final_png = plotting.to_png(self._figure(), dpi=FIGURE_DPI)

    def _finished(self, error, stopped) -> None:
        """Publish the final figure, status and buttons together, once the run has ended."""
        with self._show_lock:
            if error is not None:
                self.status_text = wrap(f"training failed: {error}")
            else:
                self.figure_png, self.status_text = self._final_png, wrap(self._final_status)
                self.redraws += 1
                self._publish_figure(update=True)
            self._publish_status(update=True)
            self.train_button.disabled, self.stop_button.disabled = False, True

    def _train(self, stop_event) -> str:  # pragma: no cover - every panel defines it
        raise NotImplementedError

    def _figure(self):  # pragma: no cover - every panel defines it
        raise NotImplementedError
