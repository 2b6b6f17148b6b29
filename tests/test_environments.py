"""pyproject.toml, environment.yml and binder/ install the same packages.

binder/ pins exact versions and may name ``tensorflow-cpu`` for ``tensorflow``; each
pin must satisfy the ranges in pyproject.toml and environment.yml.
"""

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

BINDER_ALIASES = {"tensorflow-cpu": "tensorflow"}


def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def as_requirements(lines):
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def runtime_requirements():
    project = pyproject()
    return as_requirements(project["dependencies"] + project["optional-dependencies"]["lab"])


def conda_pip_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section, "environment.yml should install the course itself"
    return env, as_requirements(line for line in pip_section if not line.startswith("-"))


def binder_requirements():
    """binder/requirements.txt's pins, and those postBuild installs without their dependencies."""
    lines = [line.split("#")[0].strip() for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    no_deps = re.findall(r"([\w.-]+==[\w.]+)", "".join(
        line for line in (ROOT / "binder" / "postBuild").read_text().splitlines(True) if "--no-deps" in line))
    return as_requirements([line for line in lines if line] + no_deps)


def test_environment_yml_matches_pyproject():
    _, conda = conda_pip_requirements()
    expected = runtime_requirements()
    assert conda.keys() == expected.keys()
    for name, requirement in expected.items():
        assert conda[name].specifier == requirement.specifier, name


def test_binder_pins_every_dependency_exactly_and_within_range():
    binder = binder_requirements()
    expected = runtime_requirements()
    renamed = {canonicalize_name(BINDER_ALIASES.get(name, name)): req for name, req in binder.items()}
    assert renamed.keys() == expected.keys()
    for name, pin in renamed.items():
        (spec,) = pin.specifier
        assert spec.operator == "==", f"binder/requirements.txt must pin {pin.name} exactly"
        assert expected[name].specifier.contains(spec.version), f"{pin} is outside pyproject's {expected[name]}"


def test_binder_uses_the_cpu_build_and_installs_the_course_without_deps():
    binder = binder_requirements()
    assert "tensorflow-cpu" in binder and "tensorflow" not in binder
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install --no-deps [^\n]* \.$", post_build, re.MULTILINE)


def test_python_versions_agree():
    env, _ = conda_pip_requirements()
    conda_python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    binder_python = (ROOT / "binder" / "runtime.txt").read_text().strip()
    version = conda_python.split("=")[1]
    assert binder_python == f"python-{version}"
    requires = Requirement(f"python{pyproject()['requires-python']}").specifier
    assert requires.contains(f"{version}.0")


def test_binder_brings_the_widgets_jupyterlab_extension():
    """Without the extension JupyterLab shows "Loading widget..." and no panel works."""
    import sys
    from pathlib import Path

    binder = binder_requirements()
    assert {"ipywidgets", "jupyterlab", "jupyterlab-widgets"} <= binder.keys()
    manager = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
    assert (manager / "package.json").is_file(), "jupyterlab_widgets did not install its JupyterLab extension"
