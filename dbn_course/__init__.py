"""dbn-course: how networks learned to generate digits, in TensorFlow 2.

Importing the package starts TensorFlow quietly and within the CPU quota
(:mod:`dbn_course.runtime`), so import it before TensorFlow in a notebook. Nothing else is
loaded until it is used: ``dbn_course.rbm`` or ``from dbn_course.rbm import RBM`` imports
the RBM and what it needs, no more.

The package, by idea (each folder's docstring says what it holds and what it may import)::

    (top)       the models, where the book imports them: hopfield, boltzmann,
                explaining_away, rbm, top_level, dbn, classifier; evaluation
                (reconstruction cost, pseudo-likelihood, sample readings); saving
    data/       MNIST as tensorflow-datasets shapes it, and the data boundary (inputs)
    sampling/   block Gibbs sampling, parallel tempering's swaps, AIS and RAISE, exact
                enumeration, TensorFlow Probability kernels
    training/   the one training engine, and what is composed around each model's step:
                CD and its variants, pretraining, up-down, the recipe, the cached stages
    course/     what the chapters use: panels, exercises, plots, notebook outputs, results
    pretrained/ the shipped models, loaded

    checks (argument checks, the finiteness guard), config (quick mode), runtime
    (starting TensorFlow), reproduce (the shipped models' writer), deprecation
"""

import importlib
import sys

from dbn_course.runtime import start_tensorflow as _start_tensorflow

_start_tensorflow()

from dbn_course import deprecation as _deprecation  # noqa: E402
from dbn_course.config import by_mode, quick_mode  # noqa: E402,F401

__version__ = "0.4.0"

_SUBMODULES = {
    "boltzmann", "checks", "classifier", "config", "course", "data", "dbn", "evaluation", "explaining_away",
    "hopfield", "pretrained", "rbm", "reproduce", "runtime", "sampling", "saving", "top_level", "training",
}

_deprecation.alias_moved_modules(__name__)

if "ipykernel" in sys.modules:  # in a notebook, training draws the course layer's progress bar, which a saved
    from dbn_course.course import outputs as _outputs  # noqa: E402,F401  notebook keeps as text

__all__ = ["by_mode", "flatten_image", "quick_mode"]  # noqa: F822  (a star import brings these, no submodule)


def __getattr__(name: str):
    # Submodules load on first use (PEP 562), as scikit-learn's and SciPy's do.
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "flatten_image":
        return importlib.import_module(f"{__name__}.data").flatten_image
    if name in _deprecation.MOVED_MODULES:
        return importlib.import_module(f"{__name__}.{name}")  # through the alias, with its warning
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*__all__, *_SUBMODULES, "__version__"})
