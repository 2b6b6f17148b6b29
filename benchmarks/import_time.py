"""What ``import dbn_course`` costs a learner: its time, what it loads, and the package's shape.

    python benchmarks/import_time.py            # seven fresh interpreters each
    python benchmarks/import_time.py --quick    # one each, for CI

Each measurement is a fresh Python that imports one thing and exits:

* ``import_dbn_course_s``: ``import dbn_course`` (which starts TensorFlow), the median;
* ``import_tensorflow_s``: ``import tensorflow`` alone, the median, measured in turn with the
  first so that both see the same machine; ``import_overhead_s`` is their difference, what
  the package adds;
* ``import_rbm_s``: ``from dbn_course.rbm import RBM, train_rbm``, the book's first line;
* ``package_modules_loaded`` by ``import dbn_course``, and whether it loaded ipywidgets,
  matplotlib or the exercises beyond what ``import tensorflow`` loads (Keras 3 imports
  matplotlib and IPython itself when they are installed);
* from the source, read and not run: the package's ``modules``, ``import_edges`` between
  them (module level and inside functions alike) and ``import_cycles``.
"""

from __future__ import annotations

import ast
import json
import statistics
import subprocess
import sys
from pathlib import Path

import common

import dbn_course

PACKAGE = Path(dbn_course.__file__).resolve().parent

PROBE = """
import json, sys, time
start = time.perf_counter()
{statement}
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "modules": sorted(sys.modules)}}))
"""


def fresh_import(statement: str) -> dict:
    printed = subprocess.run([sys.executable, "-c", PROBE.format(statement=statement)], capture_output=True,
                             text=True, check=True).stdout
    return json.loads(printed.splitlines()[-1])


def package_shape() -> dict:
    """Modules, import edges between them and import cycles, from the source."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    edges = set()
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):  # relative imports too, as the package once wrote them
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]) if node.level else ""
                base = ".".join(part for part in (base, node.module) if part)
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                names = []
            for name in names:
                while name not in modules and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name in modules and name not in (module, "dbn_course"):
                    edges.add((module, name))
    graph = {module: {target for source, target in edges if source == module} for module in modules}
    cycles, done = [], set()

    def visit(module, path):
        if module in path:
            cycles.append(path[path.index(module):])
            return
        if module not in done:
            for target in sorted(graph[module]):
                visit(target, path + [module])
            done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return {"modules": len(modules), "import_edges": len(edges), "import_cycles": len(cycles)}


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    repeats = 1 if args.quick else 7
    runs = {"dbn_course": [], "tensorflow": [], "rbm": []}
    for _ in range(repeats):  # in turn, so a busy moment touches all three alike
        runs["dbn_course"].append(fresh_import("import dbn_course"))
        runs["tensorflow"].append(fresh_import("import tensorflow"))
        runs["rbm"].append(fresh_import("from dbn_course.rbm import RBM, train_rbm"))
    seconds = {name: statistics.median(run["seconds"] for run in found) for name, found in runs.items()}
    loaded = set(runs["dbn_course"][0]["modules"])
    added = loaded - set(runs["tensorflow"][0]["modules"])
    figures = {
        "repeats": repeats,
        "import_dbn_course_s": round(seconds["dbn_course"], 3),
        "import_tensorflow_s": round(seconds["tensorflow"], 3),
        "import_overhead_s": round(seconds["dbn_course"] - seconds["tensorflow"], 3),
        "import_rbm_s": round(seconds["rbm"], 3),
        "package_modules_loaded": sum(name.split(".")[0] == "dbn_course" for name in loaded),
        "loads_ipywidgets": any(name.split(".")[0] == "ipywidgets" for name in added),
        "loads_matplotlib": any(name.split(".")[0] == "matplotlib" for name in added),
        "loads_exercises": any("exercises" in name for name in loaded),
        **package_shape(),
    }
    common.write_results("import_time", figures, args)


if __name__ == "__main__":
    main()
