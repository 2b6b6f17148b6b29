"""Names that moved keep working for one version, with a warning at the learner's own line; removed names are gone."""

import importlib
import re
import subprocess
import sys
import textwrap

import pytest

from dbn_course import classifier


def test_modules_moved_in_0_4_0_import_under_their_old_names_with_a_warning():
    """One version of grace for the modules grouped into folders, and for backprop leaving the classifier module."""
    from dbn_course.deprecation import MOVED_MODULES
    from dbn_course.sampling import gibbs
    from dbn_course.training import backprop

    for old, new in MOVED_MODULES.items():
        sys.modules.pop(f"dbn_course.{old}", None)
        with pytest.warns(FutureWarning, match=rf"dbn_course\.{old} is now dbn_course\.{re.escape(new)}; .* 0\.5\.0"):
            module = importlib.import_module(f"dbn_course.{old}")
        assert module is importlib.import_module(f"dbn_course.{new}")
    sys.modules.pop("dbn_course.gibbs")
    with pytest.warns(FutureWarning, match="dbn_course.gibbs is now dbn_course.sampling.gibbs"):
        from dbn_course.gibbs import hidden_probabilities  # a name from a moved module, by its old path
    assert hidden_probabilities is gibbs.hidden_probabilities
    with pytest.warns(FutureWarning, match="classifier.fine_tune is now dbn_course.training.backprop.fine_tune"):
        assert classifier.fine_tune is backprop.fine_tune
    from dbn_course.sampling import tempering
    from dbn_course.training import cd

    with pytest.warns(FutureWarning, match="training.cd.tempering_betas is now dbn_course.sampling.tempering"):
        assert cd.tempering_betas is tempering.tempering_betas
    with pytest.warns(FutureWarning, match="dbn.make_dbn is now dbn_course.training.recipe.make_dbn"):
        from dbn_course.dbn import make_dbn  # noqa: F401
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("dbn_course.no_such_module")


def test_the_names_deprecated_in_0_3_0_are_gone(random_digits):
    """The CHANGELOG of 0.3.0 promised their removal in 0.4.0: each now fails as Python's own error says."""

    from dbn_course import dbn, pretrained, rbm
    from dbn_course.course import widgets
    from dbn_course.training import backprop

    for module, name in ((rbm, "save_rbm"), (rbm, "load_rbm"), (dbn, "save_dbn"), (dbn, "load_dbn"),
                         (pretrained, "save_float16"), (pretrained, "save_top_level")):
        assert not hasattr(module, name), name
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("dbn_course.pretrained.reproduce")
    images, labels = random_digits
    images, labels = images[:200], labels[:200]
    network = classifier.classifier_network([784, 5], 10, seed=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'epochs'"):
        backprop.fine_tune(network, images, labels, epochs=1, progress=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'epochs'"):
        widgets.RBMPanel(images, hidden_units=4, epochs=3, train_now=False)


def test_a_submodule_of_a_moved_folder_is_the_new_module_and_the_warning_names_the_learners_line(tmp_path):
    """``from dbn_course.widgets.rbm_panel import RBMPanel`` gives the one RBMPanel class, and says where to change."""
    script = tmp_path / "learner.py"
    script.write_text(textwrap.dedent("""
        import warnings
        warnings.simplefilter("always")
        from dbn_course.widgets.rbm_panel import RBMPanel
        from dbn_course import plotting
        from dbn_course.course.widgets import RBMPanel as same
        from dbn_course.course import plotting as same_plotting
        print(RBMPanel is same, plotting is same_plotting)
    """))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True"]
    warned = [line for line in result.stderr.splitlines() if "FutureWarning" in line]
    assert warned and all(line.startswith(f"{script}:") for line in warned), warned
    assert [line.split(":")[1] for line in warned] == ["4", "4", "5"]  # widgets, widgets.rbm_panel, plotting
