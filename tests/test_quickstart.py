"""The README's first command, as written, serves the course in JupyterLab -- as root too.

``.ci/run`` runs the README's test command itself; this test takes the other one, the
command that opens the course (after its ``pip install``, which the test environment has
already done), runs it unchanged from the repository's root and asks the server it
starts for the chapter it names. Only the environment differs: Jupyter's configuration
and runtime folders are temporary ones, and ``BROWSER=true`` makes "opening a browser"
a no-op.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def readme_open_command() -> str:
    """The command after ``&&`` on the README's quickstart line that runs ``jupyter lab``."""
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("pip install") and "jupyter lab" in line:
            return line.split("#", 1)[0].split("&&", 1)[1].strip()
    pytest.fail("README.md has no quickstart line 'pip install ... && jupyter lab ...'")


def test_the_readme_shows_one_command_to_open_the_course():
    command = shlex.split(readme_open_command())
    assert command[:2] == ["jupyter", "lab"]
    assert command[-1] == "notebooks/00_index.ipynb" and (ROOT / command[-1]).is_file()


def test_the_readme_command_serves_jupyterlab(tmp_path):
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("JupyterLab is not installed (pip install -e \".[lab]\")")
    bin_dir = Path(sys.executable).parent
    if shutil.which("jupyter", path=str(bin_dir)) is None:
        pytest.skip(f"no jupyter command beside {sys.executable}")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", BROWSER="true",
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(shlex.split(readme_open_command()), cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = _wait_for_url(server, log_path, timeout=120)
            page = urllib.request.urlopen(url, timeout=30).read().decode()
            assert "JupyterLab" in page or "jupyter-config-data" in page
            base, token = re.match(r"(http://[^/]+)/.*[?&]token=(\w+)", url).groups()
            # Given a notebook, JupyterLab serves the notebook's folder and opens it there.
            name = Path(shlex.split(readme_open_command())[-1]).name
            tree = urllib.request.urlopen(f"{base}/lab/tree/{name}?token={token}", timeout=30)
            assert tree.status == 200
            contents = urllib.request.urlopen(f"{base}/api/contents/{name}?content=0&token={token}",
                                              timeout=30).read().decode()
            assert re.search(r'"type":\s*"notebook"', contents)
        finally:
            _stop(server)


def _wait_for_url(server: subprocess.Popen, log_path: Path, timeout: float) -> str:
    """The tokenised URL the server prints once it listens; fail with its log if it exits first."""
    deadline = time.monotonic() + timeout
    pattern = re.compile(r"(http://(?:localhost|127\.0\.0\.1):\d+/lab\S*\?token=\w+)")
    while time.monotonic() < deadline:
        match = pattern.search(log_path.read_text())
        if match:
            return match.group(1)
        if server.poll() is not None:
            pytest.fail(f"the README's command exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"the README's command did not serve JupyterLab within {timeout} s:\n{log_path.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    """End the server and anything it started (its kernels share its process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
