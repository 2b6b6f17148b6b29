"""The course layer: what the chapters use beside the models.

    widgets     -- control panels that retrain a model when a slider moves (ipywidgets)
    exercises   -- checkers for the exercises that close each chapter
    plotting    -- image grids, filters, cost curves and captions shared by every chapter
    diagrams    -- drawings of the models: which units exist and how they connect
    chapters    -- each chapter's own figures, one module per chapter
    results     -- the course's measurements beside the published figures, as the chapters' tables
    notebook    -- helpers for notebooks: recording results, describing the setup
    outputs     -- notebook outputs replaced in place: the panels' figures and the progress bars

Only this layer imports ipywidgets, matplotlib or IPython. It may import anything else in
the package, and nothing below it imports it: the training engine draws its progress bar
through :func:`dbn_course.training.show_progress_with`, which :mod:`outputs` sets when it
is imported -- by the package's root, in a Jupyter kernel.
"""
