"""Execute the course notebooks in place, so they are committed with their outputs.

Run from the repository's root with the full MNIST copy and at full settings:

    DBN_COURSE_MNIST_DIR=/path/to/mnist python tools/execute_notebooks.py [notebooks/01_mnist.ipynb ...]

Each notebook runs in a fresh kernel from its own folder, exactly as a reader would run it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(paths: list[str]) -> None:
    if os.environ.get("DBN_COURSE_QUICK", "0") not in ("", "0"):
        sys.exit("unset DBN_COURSE_QUICK: committed notebooks show full-size runs")
    notebooks = [Path(p) for p in paths] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in notebooks:
        start = time.monotonic()
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        nbformat.write(nb, path)
        print(f"{path}: executed in {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
