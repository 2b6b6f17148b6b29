"""Each chapter's own helpers: the figures only that chapter draws, one module per chapter.

    mnist      -- chapter 01, MNIST as a model sees it
    hopfield   -- chapter 02, Hopfield networks and Boltzmann machines
    rbm        -- chapter 03, the Restricted Boltzmann Machine
    measuring  -- chapter 07, measuring an RBM's likelihood

A chapter imports its own: ``from dbn_course.course.chapters import mnist as chapter``.
The exercise checkers follow the same chapters (:mod:`dbn_course.course.exercises`).
"""

from dbn_course.deprecation import moved_attributes

# 0.4.0: ``dbn_course.figures`` held these; each lives with its chapter now.
__getattr__ = moved_attributes(__name__, {
    "label_counts": "dbn_course.course.chapters.mnist:label_counts",
    "digit_as_vector": "dbn_course.course.chapters.mnist:digit_as_vector",
    "pixel_statistics": "dbn_course.course.chapters.mnist:pixel_statistics",
    "capacity_curves": "dbn_course.course.chapters.hopfield:capacity_curves",
    "state_probabilities": "dbn_course.course.chapters.rbm:state_probabilities",
    "ais_diagnostics": "dbn_course.course.chapters.measuring:ais_diagnostics",
})
