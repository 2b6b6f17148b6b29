"""Training that runs beside the notebook: one background thread, a Stop request, a report.

A Jupyter kernel handles widget events one at a time, on its main thread: while a cell
or a button's callback runs, no other event -- a Stop press, a slider move -- is seen
until it returns. So a panel that trained inside its Train callback would freeze the
notebook for the whole run. Instead the callback starts a :class:`TrainingRun`, which
calls the training function in a daemon thread and returns at once; the kernel stays
free, and Stop sets a :class:`threading.Event` that the training engine
(:mod:`dbn_course.training`) checks after every block of minibatches, whichever model
it trains (``stop_event`` of :func:`~dbn_course.rbm.train_rbm`,
:meth:`~dbn_course.dbn.DBN.pretrain`, :meth:`~dbn_course.dbn.DBN.up_down` and
:func:`~dbn_course.classifier.fine_tune`).
This is the design the ipywidgets documentation gives for asynchronous widgets.

Executed headless (nbval, papermill) there is nobody to press a button: the panel
trains synchronously, in the cell that creates it, and its output is there when the
cell ends. The same :class:`TrainingRun` does both; ``background`` chooses.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Callable

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
