"""Checkers for the exercises at the end of each chapter.

Each checker takes the learner's answer -- a number, an array or a function -- and
returns a :class:`Feedback` that says whether it is right and why. One module per
chapter; the notebook says which function checks which exercise, and imports its module
(``from dbn_course.course.exercises import rbm as exercises``).

    mnist      -- chapter 01, MNIST as the book loads it
    hopfield   -- chapter 02, Hopfield networks and Boltzmann machines
    rbm        -- chapter 03, the Restricted Boltzmann Machine
    dbn        -- chapters 04-06, Deep Belief Networks
    measuring  -- chapter 07, measuring an RBM's likelihood
"""

from dbn_course.course.exercises.feedback import Feedback

__all__ = ["Feedback"]
