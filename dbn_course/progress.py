"""Progress bars that survive being saved: text, updated in place, never a widget.

``tqdm.auto`` draws a progress bar in a notebook as an ipywidget. A widget needs the
kernel that made it: once the notebook is saved and reopened, or opened untrusted, or
read on GitHub, the bar shows as "Error displaying widget: model not found" or as the
raw text ``0%| | 0/3000``. :func:`progress_bar` draws the same tqdm line as ordinary
text. In a Jupyter kernel the line is one output with a ``display_id`` that each refresh
replaces (at most ten times a second, tqdm's own pace), so the saved notebook keeps the
bar's last state -- "100%|##########| 3000/3000 [00:01<00:00, ...]" -- as plain text;
anywhere else it is tqdm's usual line on standard error.
"""

from __future__ import annotations

import uuid

from tqdm.std import tqdm as _text_tqdm

from . import notebook_output


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
        notebook_output.publish({"text/plain": line}, self._display_id, update=self._shown)
        self._shown = True
        return True


def progress_bar(*, total=None, desc=None, unit="it", disable=False):
    """A tqdm progress bar: in a Jupyter kernel, a text line updated in place; elsewhere tqdm on stderr."""
    if disable:
        return _text_tqdm(total=total, desc=desc, unit=unit, disable=True)
    if notebook_output.in_kernel():
        return NotebookTextBar(total=total, desc=desc, unit=unit, file=_Discard(),
                               mininterval=0.25, ascii=False, dynamic_ncols=False, ncols=100)
    return _text_tqdm(total=total, desc=desc, unit=unit)
