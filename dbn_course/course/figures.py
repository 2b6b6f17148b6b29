"""Deprecated: each chapter's one-off figures are in its own module of :mod:`dbn_course.course.chapters`."""

from dbn_course.deprecation import moved_attributes

# 0.4.0: a one-chapter figure lives with its chapter's helpers.
__getattr__ = moved_attributes(__name__, {
    "label_counts": "dbn_course.course.chapters.mnist:label_counts",
    "digit_as_vector": "dbn_course.course.chapters.mnist:digit_as_vector",
    "pixel_statistics": "dbn_course.course.chapters.mnist:pixel_statistics",
    "capacity_curves": "dbn_course.course.chapters.hopfield:capacity_curves",
    "state_probabilities": "dbn_course.course.chapters.rbm:state_probabilities",
    "ais_diagnostics": "dbn_course.course.chapters.measuring:ais_diagnostics",
})
