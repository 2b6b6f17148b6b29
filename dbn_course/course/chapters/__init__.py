"""Each chapter's own helpers: the figures only that chapter draws, one module per chapter.

    mnist      -- chapter 01, MNIST as a model sees it
    hopfield   -- chapter 02, Hopfield networks and Boltzmann machines
    rbm        -- chapter 03, the Restricted Boltzmann Machine
    measuring  -- chapter 07, measuring an RBM's likelihood

A chapter imports its own: ``from dbn_course.course.chapters import mnist as chapter``.
The exercise checkers follow the same chapters (:mod:`dbn_course.course.exercises`).
"""
