"""Deprecated: the shipped models' writer is :mod:`dbn_course.reproduce` (``python -m dbn_course.reproduce``).

``dbn_course.pretrained`` only loads the shipped models; this command and its functions
keep working, with a warning, until dbn-course 0.4.0.
"""

from __future__ import annotations

from ..deprecation import moved_attributes, warn_renamed

__getattr__ = moved_attributes(__name__, {"main": "dbn_course.reproduce:main",
                                          "mnist_arrays": "dbn_course.reproduce:mnist_arrays"})

if __name__ == "__main__":
    warn_renamed("python -m dbn_course.pretrained.reproduce", "python -m dbn_course.reproduce", stacklevel=1)
    from ..reproduce import main

    main()
