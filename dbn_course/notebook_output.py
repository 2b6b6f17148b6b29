"""Ordinary notebook outputs that can be replaced in place: the one way panels and bars show results.

An output published with a ``display_id`` can later be replaced by another published
with the same id (Jupyter's ``update_display_data`` message), wherever it is in the
notebook and from whichever thread. What stays in the saved notebook is the last
version: an image, a line of text -- ordinary outputs that read the same with or
without a kernel, trusted or not, in JupyterLab, in nbconvert's HTML and on GitHub.
Outside a Jupyter kernel (a script, the tests) publishing does nothing.
"""

from __future__ import annotations

import threading


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
