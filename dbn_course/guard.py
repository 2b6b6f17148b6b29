"""The finiteness guard: training never leaves NaN or infinite weights behind.

A learning rate that is too large makes weights overflow to infinity and then NaN;
from there every later update and every figure is NaN too, silently. Every training
path of the package (an RBM's ``cd_update`` and :func:`~dbn_course.rbm.train_rbm`, a
DBN's pretraining, wake / top / sleep updates and ``up_down``, and
:func:`~dbn_course.classifier.fine_tune`) keeps a :class:`FiniteGuard` over the weights
it changes: after each update (or each epoch) it checks them, and if one is no longer
finite it puts back the last finite values and raises :class:`TrainingDivergedError`
saying what to change. Numbers computed from the weights (a reconstruction cost, a
loss) are watched the same way: weights that have grown so large that these overflow
have diverged as surely as NaN weights.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


class TrainingDivergedError(ArithmeticError):
    """The weights became NaN or infinite during training (the last finite ones were restored)."""


class FiniteGuard:
    """Remembers the last finite values of some variables and restores them when that ends.

    Args:
        variables: the ``tf.Variable`` s (or Keras variables) an update changes.
        what: how the message names the model, e.g. ``"the RBM"``.
        advice: what the learner should change, e.g. ``"Lower the learning rate (now 10)."``.
    """

    def __init__(self, variables, what: str, advice: str = "Lower the learning rate."):
        self.variables = list(variables)
        self.what = what
        self.advice = advice
        self.checkpoint()

    def checkpoint(self) -> None:
        """Remember the variables' current values as the ones to go back to."""
        self._saved = [np.array(variable.numpy(), copy=True) for variable in self.variables]

    def first_non_finite(self):
        """The first variable holding NaN or an infinity, or None."""
        for variable in self.variables:
            if not bool(tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(variable)))):
                return variable
        return None

    def restore(self) -> None:
        """Put back the values of the last :meth:`checkpoint`."""
        for variable, value in zip(self.variables, self._saved):
            variable.assign(value)

    def check(self, when: str, monitored: dict | None = None) -> None:
        """Checkpoint if every variable (and every monitored number) is finite; otherwise restore and raise.

        Args:
            when: where training was, for the message (e.g. ``"in epoch 3"``).
            monitored: numbers computed from the new weights, by name (e.g. the
                reconstruction cost): weights so large that these overflow have diverged
                too, even while each weight is still finite.

        Raises:
            TrainingDivergedError: a variable or a monitored number became NaN or infinite.
        """
        bad = self.first_non_finite()
        culprit = None if bad is None else (getattr(bad, "path", None) or getattr(bad, "name", "a weight"))
        for name, value in (monitored or {}).items():
            if culprit is None and not np.all(np.isfinite(np.asarray(value, np.float64))):
                culprit = f"its {name} became {float(np.asarray(value).ravel()[0])}"
        if culprit is None:
            self.checkpoint()
            return
        self.restore()
        raise TrainingDivergedError(
            f"{self.what}'s weights became NaN or infinite {when} ({culprit}): training stopped and the "
            f"weights from before it were put back. {self.advice}"
        )
