"""The course's training recipes: every hyperparameter default of a DBN's training, typed, in one place.

A :class:`Recipe` is the whole plan for a labelled DBN -- greedy pretraining
(:class:`Pretraining`), up-down fine-tuning (:class:`UpDown`), persistent CD at the top
level (:class:`TopLevelPCD`) and backpropagation of the classifier built from it
(:class:`Backprop`) -- and :data:`SHIPPED` is the recipe behind the shipped models. The
stages (:mod:`dbn_course.training.stages`) train by a recipe, the model cache keys on it, the
shipped models' ``metadata.json`` records it, and chapters 04-07 change only the fields
they teach::

    from dbn_course.training import recipe
    plan = recipe.SHIPPED.replace(pretraining=recipe.Pretraining(num_epochs=5))

The defaults follow Hinton, Osindero and Teh (2006) in the architecture (784-500-500-2000
with 10 label units) and Hinton's practical guide (2010) in the RBM settings: a learning
rate of 0.05, momentum :data:`MOMENTUM` and L2 weight decay :data:`WEIGHT_DECAY`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from dbn_course.checks import check_float, check_int
from dbn_course.dbn import DBN
from dbn_course.rbm import CDSettings

MOMENTUM = 0.5
"""The momentum of every RBM update in the course's recipes (Hinton 2010 starts at 0.5)."""

WEIGHT_DECAY = 2e-4
"""The L2 weight decay of every RBM update in the course's recipes (Hinton 2010: 1e-4 to 1e-2 times the rate)."""


def _check_fields(instance, integers=(), rates=(), fractions=()) -> None:
    for name in integers:
        check_int(name, getattr(instance, name))
    for name in rates:
        check_float(name, getattr(instance, name), 0.0, low_open=True)
    for name in fractions:
        check_float(name, getattr(instance, name), 0.0, 1.0, high_open=True)


@dataclass(frozen=True)
class Pretraining:
    """Greedy layer-wise pretraining (:meth:`~dbn_course.dbn.DBN.pretrain`): every RBM trained alike by CD-k.

    ``hidden_units`` lists each RBM's hidden units, bottom first; the last is the top
    level, whose visible units are the layer below's plus ``number_label_units``.
    """

    hidden_units: tuple[int, ...] = (500, 500, 2000)
    number_visible_units: int = 784
    number_label_units: int = 10
    num_epochs: int = 10
    batch_size: int = 100
    learning_rate: float = 0.05
    cd_steps: int = 1
    momentum: float = MOMENTUM
    weight_decay: float = WEIGHT_DECAY
    persistent: bool = False

    def __post_init__(self):
        object.__setattr__(self, "hidden_units", tuple(int(n) for n in self.hidden_units))
        if not self.hidden_units:
            raise ValueError("hidden_units is empty: a DBN needs at least one layer")
        for index, units in enumerate(self.hidden_units):
            check_int(f"hidden_units[{index}]", units)
        _check_fields(self, integers=("number_visible_units", "num_epochs", "batch_size"))
        check_int("number_label_units", self.number_label_units, minimum=0)
        CDSettings(**self.rbm_settings())  # every RBM's training settings, checked where they are defined

    @property
    def layer_sizes(self) -> list[int]:
        """``[visible, hidden_1, ..., hidden_top]``."""
        return [self.number_visible_units, *self.hidden_units]

    def rbm_settings(self) -> dict:
        """The arguments every RBM of the stack shares: ``RBM(n, **settings)``."""
        return dict(learning_rate=self.learning_rate, cd_steps=self.cd_steps, momentum=self.momentum,
                    weight_decay=self.weight_decay, persistent=self.persistent)


@dataclass(frozen=True)
class UpDown:
    """Up-down fine-tuning (:meth:`~dbn_course.dbn.DBN.up_down`) for ``num_epochs`` epochs or ``minutes``.

    Training ends at whichever limit comes first (``None``: no limit of that kind; at least
    one is needed). ``top_gibbs_steps`` may list several values: both budgets are then
    split evenly into stages, each with its number of top-level Gibbs steps (Hinton et al.
    2006 used 3, then 6, then 10). With ``minutes``, epochs run whole: a stage starts epochs
    while its share of the time remains, so how many fit depends on the machine's speed.
    """

    num_epochs: int | None = 10
    minutes: float | None = None
    batch_size: int = 100
    learning_rate: float = 0.02
    top_gibbs_steps: tuple[int, ...] = (3, 6, 10)

    def __post_init__(self):
        steps = self.top_gibbs_steps
        object.__setattr__(self, "top_gibbs_steps", (int(steps),) if isinstance(steps, int) else
                           tuple(int(k) for k in steps))
        if not self.top_gibbs_steps:
            raise ValueError("top_gibbs_steps is empty: give at least one number of Gibbs steps")
        for index, steps in enumerate(self.top_gibbs_steps):
            check_int(f"top_gibbs_steps[{index}]", steps)
        if self.num_epochs is None and self.minutes is None:
            raise ValueError("up-down needs a limit: num_epochs, minutes or both")
        if self.num_epochs is not None:
            check_int("num_epochs", self.num_epochs, minimum=0)
        if self.minutes is not None:
            check_float("minutes", self.minutes, 0.0, low_open=True)
        _check_fields(self, integers=("batch_size",), rates=("learning_rate",))


@dataclass(frozen=True)
class TopLevelPCD:
    """Persistent CD for the top level (:meth:`~dbn_course.dbn.DBN.refine_top_level`), its rate falling to zero."""

    num_epochs: int = 15
    learning_rate: float = 0.001
    cd_steps: int = 1

    def __post_init__(self):
        _check_fields(self, integers=("num_epochs", "cd_steps"), rates=("learning_rate",))


SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class Backprop:
    """Backpropagation of the classifier unrolled from the DBN (:func:`~dbn_course.training.backprop.fine_tune`).

    ``schedule`` is ``"cosine"`` (the rate decays to 0 over the epochs:
    :func:`~dbn_course.training.cosine_decay`) or ``"constant"``; ``dropout`` and
    ``input_dropout`` as in :meth:`~dbn_course.dbn.DBN.to_classifier` (Srivastava et al.
    2014); ``optimizer`` is ``"sgd"`` (with ``momentum``) or ``"adam"``.
    """

    num_epochs: int = 300
    batch_size: int = 100
    learning_rate: float = 0.1
    momentum: float = 0.9
    dropout: float = 0.5
    input_dropout: float = 0.2
    schedule: str = "cosine"
    optimizer: str = "sgd"

    def __post_init__(self):
        _check_fields(self, integers=("num_epochs", "batch_size"), rates=("learning_rate",),
                      fractions=("momentum", "dropout", "input_dropout"))
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")


_PARTS = {"pretraining": Pretraining, "up_down": UpDown, "top_level_pcd": TopLevelPCD, "backprop": Backprop}


@dataclass(frozen=True)
class Recipe:
    """The whole plan: the four stages' settings and the seed of every initialisation, shuffle and sample."""

    pretraining: Pretraining = field(default_factory=Pretraining)
    up_down: UpDown = field(default_factory=lambda: UpDown(num_epochs=None, minutes=15.0))
    top_level_pcd: TopLevelPCD = field(default_factory=TopLevelPCD)
    backprop: Backprop = field(default_factory=Backprop)
    seed: int = 0

    def __post_init__(self):
        for name, kind in _PARTS.items():
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"{name} must be a recipe.{kind.__name__}, got {getattr(self, name)!r}")
        check_int("seed", self.seed, minimum=0)

    def replace(self, **changes) -> "Recipe":
        """A copy with whole parts or the seed replaced: ``recipe.replace(seed=1)``."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """The recipe as JSON-ready dicts and lists (how ``metadata.json`` and the model cache record it)."""
        return _lists(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, values: dict) -> "Recipe":
        """The recipe :meth:`to_dict` gave."""
        unknown = set(values) - {*_PARTS, "seed"}
        if unknown:
            raise ValueError(f"unknown recipe parts {sorted(unknown)}; expected {sorted({*_PARTS, 'seed'})}")
        parts = {name: kind(**values[name]) for name, kind in _PARTS.items() if name in values}
        return cls(**parts, **({"seed": values["seed"]} if "seed" in values else {}))


def _lists(value):
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(item) for item in value]
    return value


SHIPPED = Recipe()
"""The recipe of the shipped models (``dbn_course/pretrained/``): ten CD-1 epochs a layer, 15 minutes of up-down
(3, 6, then 10 top-level Gibbs steps), 15 epochs of top-level PCD, 300 epochs of backprop with dropout."""


def quick(recipe: Recipe = SHIPPED) -> Recipe:
    """``recipe`` shrunk for tests and CI: layers of 64, 64 and 128 units, one epoch a stage (up-down: 3 s where
    it runs by the clock)."""
    return recipe.replace(
        pretraining=dataclasses.replace(recipe.pretraining, hidden_units=(64, 64, 128), num_epochs=1),
        up_down=dataclasses.replace(recipe.up_down, num_epochs=1 if recipe.up_down.num_epochs else
                                    recipe.up_down.num_epochs, minutes=recipe.up_down.minutes and 0.05),
        top_level_pcd=dataclasses.replace(recipe.top_level_pcd, num_epochs=1),
        backprop=dataclasses.replace(recipe.backprop, num_epochs=1))


_P = Pretraining()


def make_dbn(hidden_units, *, number_visible_units: int = _P.number_visible_units,
             number_label_units: int = _P.number_label_units, learning_rate: float = _P.learning_rate,
             cd_steps: int = _P.cd_steps, momentum: float = _P.momentum,
             weight_decay: float = _P.weight_decay, persistent: bool = _P.persistent,
             num_epochs: int = _P.num_epochs, batch_size: int = _P.batch_size, seed: int | None = 0) -> DBN:
    """A DBN with the same RBM settings on every layer: ``make_dbn([500, 500, 2000])`` is the paper's.

    The defaults are the course's recipe (:class:`Pretraining`).

    Args:
        hidden_units: the hidden units of each RBM, bottom first; the last is the top level.
        number_visible_units: pixels per image.
        number_label_units: label units at the top (0 for none).
        learning_rate, cd_steps, momentum, weight_decay, persistent: every RBM's.
        num_epochs, batch_size, seed: as in :class:`~dbn_course.dbn.DBN`.
    """
    hidden_units = list(hidden_units)
    if not hidden_units:
        raise ValueError("hidden_units is empty: a DBN needs at least one layer")
    settings = dict(learning_rate=learning_rate, cd_steps=cd_steps, momentum=momentum, weight_decay=weight_decay,
                    persistent=persistent)
    params = [dict(number_visible_units=number_visible_units, number_hidden_units=hidden_units[0], **settings)]
    params += [dict(number_hidden_units=n, **settings) for n in hidden_units[1:]]
    return DBN(params, num_epochs=num_epochs, batch_size=batch_size, number_label_units=number_label_units, seed=seed)
