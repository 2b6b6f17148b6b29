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

import threading
import time
from collections.abc import Callable


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
    """

    def __init__(self, on_finish: Callable[[BaseException | None, bool], None] | None = None):
        self.on_finish = on_finish
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.stopped = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = False

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
        self.error, self.stopped = None, False
        if background:
            self._thread = threading.Thread(target=self._run, args=(work,), name="dbn-course training", daemon=True)
            self._thread.start()
        else:
            self._thread = None
            self._run(work)
        return True

    def request_stop(self) -> None:
        """Ask the running work to stop; it keeps what it has learned so far."""
        if self._busy:
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
    """True at most once every ``interval`` seconds: how often live figures are redrawn.

    Drawing a grid of 64 filters takes a few tenths of a second; redrawing after every
    epoch of a fast run would spend more time drawing than training.
    """

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] | None = None):
        self.interval = interval
        self.clock = clock or time.monotonic
        self._last: float | None = None

    def ready(self) -> bool:
        now = self.clock()
        if self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False
