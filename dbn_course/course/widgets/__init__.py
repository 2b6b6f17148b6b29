"""Control panels that retrain a model when a learner moves a slider.

Each panel wires ipywidgets to plain package functions -- the model, its training loop
and the plotting helpers -- and holds no model logic of its own. Pressing *Train*
builds a fresh model from the sliders' values and trains it in a background thread
(:mod:`dbn_course.course.widgets.base`), redrawing the figures as it goes, so the notebook stays
responsive and *Stop* ends the run with the model trained so far. Run headless (nbval,
papermill), a panel trains its default configuration once, synchronously, when it is
created, so the notebook's output shows a real result. Only the controls are widgets: a
panel's status line and figure are ordinary outputs it replaces in place
(:mod:`dbn_course.course.widgets.base`), which a saved notebook keeps.

- :class:`RBMPanel` -- the RBM chapter.
- :class:`HopfieldPanel`, :class:`BoltzmannPanel` -- the Hopfield and Boltzmann chapter.
- :class:`DBNPanel`, :class:`FineTunePanel` -- the DBN chapters.
- :class:`AISPanel` -- the measuring chapter.
"""

from dbn_course.course.widgets.annealing_panel import AISPanel
from dbn_course.course.widgets.base import TrainingPanel
from dbn_course.course.widgets.dbn_panels import DBNPanel, FineTunePanel
from dbn_course.course.widgets.hopfield_panels import BoltzmannPanel, HopfieldPanel
from dbn_course.course.widgets.rbm_panel import RBMPanel

__all__ = ["AISPanel", "BoltzmannPanel", "DBNPanel", "FineTunePanel", "HopfieldPanel", "RBMPanel", "TrainingPanel"]
