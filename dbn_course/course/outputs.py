"""Ordinary notebook outputs that can be replaced in place: the one way panels and progress bars show results.

An output published with a ``display_id`` can later be replaced by another published
with the same id (Jupyter's ``update_display_data`` message), wherever it is in the
notebook and from whichever thread. What stays in the saved notebook is the last
version: an image, a line of text -- ordinary outputs that read the same with or
without a kernel, trusted or not, in JupyterLab, in nbconvert's HTML and on GitHub.
Outside a Jupyter kernel (a script, the tests) publishing does nothing.

Progress bars are such an output. ``tqdm.auto`` draws a bar in a notebook as an
ipywidget, which needs the kernel that made it: once the notebook is saved and reopened,
or read on GitHub, the bar shows as "Error displaying widget: model not found".
:func:`progress_bar` draws tqdm's text line instead, one output each refresh replaces (at
most ten times a second), so the saved notebook keeps the bar's last state -- "100%|####|
3000/3000 [00:01<00:00, ...]" -- as plain text; outside a kernel it is tqdm's usual line
on standard error. Importing this module makes it the training engine's bar
(:func:`dbn_course.training.show_progress_with`); ``import dbn_course`` does that in a
Jupyter kernel.
"""

from __future__ import annotations

import threading
import uuid

from tqdm.std import tqdm as _text_tqdm

from dbn_course import training


def in_kernel() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython with a frontend to show outputs)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel, a dependency
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


_lock = threading.Lock()


def publish(data: dict, display_id: str, *, update: bool, metadata: dict | None = None) -> None:
    """Show ``data`` (a mime bundle) as the output ``display_id``, or replace it (``update=True``).

    Safe to call from a training thread: the message goes out on the kernel's IOPub
    channel, which is thread-safe, and the frontend finds the output by its id.
    """
    if not in_kernel():
        return
    from IPython.display import publish_display_data

    with _lock:  # one message at a time, so two threads' updates never interleave their parts
        publish_display_data(data, metadata=metadata or {}, transient={"display_id": display_id}, update=update)


class _Discard:
    """A file that drops what tqdm writes to it: the bar is published as an output instead."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class NotebookTextBar(_text_tqdm):
    """tqdm's text bar, shown as one notebook output that every refresh updates in place."""

    def __init__(self, *args, **kwargs):
        self._display_id = f"dbn-course-progress-{uuid.uuid4().hex}"
        self._shown = False
        super().__init__(*args, **kwargs)

    def display(self, msg=None, pos=None):
        # Called by tqdm on every refresh and once more by close(), with the final line.
        line = self.__str__() if msg is None else msg
        publish({"text/plain": line}, self._display_id, update=self._shown)
        self._shown = True
        return True


def progress_bar(*, total=None, desc=None, unit="it", disable=False):
    """A tqdm progress bar: in a Jupyter kernel, a text line updated in place; elsewhere tqdm on stderr."""
    if disable:
        return _text_tqdm(total=total, desc=desc, unit=unit, disable=True)
    if in_kernel():
        return NotebookTextBar(total=total, desc=desc, unit=unit, file=_Discard(),
                               mininterval=0.25, ascii=False, dynamic_ncols=False, ncols=100)
    return _text_tqdm(total=total, desc=desc, unit=unit)


training.show_progress_with(progress_bar)
