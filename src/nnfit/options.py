"""The options of :func:`nnfit.fit`, declared once.

:class:`FitOptions` is a frozen dataclass: each field carries its default, its check and where
it may be set (an :class:`Option` in the field's metadata, in the way scikit-learn keeps a table
of parameter constraints and equinox keeps dataclass fields). Everything else is derived from it:
``nnfit.fit``'s validation, the ``[train]`` table of TOML experiment files (:mod:`nnfit.config`),
sweep grid keys (:mod:`nnfit.sweep.grid`), the command line's flags (:mod:`nnfit.cli`) and the
estimators' checks, so a default or a rule lives in one place. A bad value raises
:class:`~nnfit.errors.InvalidOptionError` naming the option and the fix.

The options hold settings only, never data: ``validation_data``, ``sample_weight``,
``init_params`` and ``callback`` are arguments of :func:`nnfit.fit` beside them, so a saved
:class:`~nnfit.Fit` (which keeps its options) carries none of the user's rows.

This module imports no JAX, pandas or scikit-learn: the command line builds its flags from it
before anything heavy loads.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ._checks import INT32_MAX, _short, check_choice, check_number
from .errors import InvalidOptionError
from .optim import KEYWORDS as OPTIMIZER_KEYWORDS, optimizer_from

SCHEDULES = ("constant", "invscaling", "exponential", "cosine", "adaptive")
DTYPES = ("float32", "float64")
# where an option can be set besides the Python API
TOML, GRID, CLI = "toml", "grid", "cli"
EVERYWHERE = (TOML, GRID, CLI)
MAX_MEMBERS = 1 << 20
MAX_SEED = 2**32 - 1  # a seed is one 32-bit word of a JAX key (64-bit mode would use two)


@dataclass(frozen=True)
class Option:
    """How one option is checked and where it can be set.

    Attributes
    ----------
    check : callable(name, value) -> value
        Returns the canonical value or raises InvalidOptionError.
    help : str
        One line for ``--help`` and for error messages.
    where : tuple of str
        Among ``toml`` (the ``[train]`` table), ``grid`` (a sweep grid key) and ``cli``
        (a flag ``--name-with-dashes``).
    elsewhere : str
        Why the option is missing from one of those places, for the user (and a test).
    flags : tuple of str
        More spellings of the command-line flag.
    """

    check: Callable[[str, Any], Any]
    help: str
    where: tuple = EVERYWHERE
    elsewhere: str = ""
    flags: tuple = ()


def option(default, check, help, **kwargs):
    """A dataclass field whose metadata is its :class:`Option`."""
    return field(default=default, metadata={"option": Option(check, help, **kwargs)})


# ----------------------------------------------------------------------------- the checks
def _plain(value):
    """NumPy scalars as Python ones, so checks and JSON see plain types."""
    return value.item() if isinstance(value, np.generic) else value


def integer(low=1, high=INT32_MAX):
    def check(name, value):
        return int(check_number(name, _plain(value), low=low, high=high, integer=True))
    return check


def real(low=None, high=None, low_open=False, high_open=False):
    def check(name, value):
        value = float(check_number(name, _plain(value), low=low, high=None if high_open else high,
                                   low_open=low_open))
        if high_open and value >= high:
            raise InvalidOptionError(f"{name} must be < {high}, got {value!r}")
        return value
    return check


def flag(name, value):
    value = _plain(value)
    if not isinstance(value, bool):
        raise InvalidOptionError(f"{name} must be True or False, got {value!r} of type "
                                 f"{type(value).__name__}")
    return value


def choice(*allowed):
    def check(name, value):
        return check_choice(name, _plain(value), allowed)
    return check


def optional(check):
    def optional_check(name, value):
        return None if value is None else check(name, value)
    return optional_check


def _sequence(value):
    """A list, tuple or 1-D/2-D array as nested tuples; anything else as it is."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(_sequence(v) for v in value)
    return _plain(value)


def _numbers(name, value, check, depth):
    """A number, or a non-empty sequence (nested up to ``depth``) of numbers, each checked."""
    value = _sequence(value)
    if isinstance(value, tuple):
        if depth == 0:
            raise InvalidOptionError(f"{name} is nested too deeply: {value!r}")
        if not value:
            raise InvalidOptionError(f"{name} is empty; give a number")
        return tuple(_numbers(name, v, check, depth - 1) for v in value)
    return check(name, value)


def schedule_hint(value):
    """Where a learning rate given as ``value`` (a string) names a schedule, where to put it
    instead: scikit-learn's ``learning_rate`` is its schedule; else nothing."""
    name = str(value).strip().lower()
    if name not in SCHEDULES:
        return ""
    return f". The learning-rate schedule is the option 'schedule' (e.g. schedule={name!r})"


def learning_rate(name, value):
    """A positive number, one per member, or an optax schedule (a callable; API only)."""
    if callable(value) and not isinstance(value, (numbers.Number, np.ndarray)):
        return value
    if isinstance(_plain(value), str):
        raise InvalidOptionError(f"{name} is the step size, a number; got {value!r}"
                                 + schedule_hint(value))
    return _numbers(name, value, real(low=0, low_open=True), depth=1)


def penalty(name, value):
    """A number >= 0, one per dense layer, or rows of those per member."""
    value = _numbers(name, value, real(low=0), depth=2)
    rows = [len(v) if isinstance(v, tuple) else None for v in value] if isinstance(value, tuple) else []
    if len(set(rows)) > 1:
        raise InvalidOptionError(f"{name}: give every member's row with one length (or a number "
                                 f"or one per layer), got {value!r}")
    return value


def _flat(value):
    """The numbers of a number or nested tuples of numbers."""
    if isinstance(value, tuple):
        for v in value:
            yield from _flat(v)
    else:
        yield value


def seed(name, value):
    """A seed in [0, 2**32 - 1], or one per member."""
    return _numbers(name, value, integer(low=0, high=MAX_SEED), depth=1)


def batch_size(name, value):
    """A positive integer, or None / ``"full"`` for the whole training set."""
    if value is None or (isinstance(value, str) and value == "full"):
        return None
    if isinstance(value, str):
        raise InvalidOptionError(f"{name} must be a positive integer or \"full\", got {value!r}")
    return integer()(name, value)


def optimizer(name, value, **keywords):
    """A shorthand string, an :class:`~nnfit.optim.Optimizer`, or its dict form; ``keywords``
    (``momentum``, ``beta_1``, ...) fill the fields of one given by name."""
    if isinstance(value, str) and value == "full":
        raise InvalidOptionError(f"{name} 'full' is not an optimizer; did you mean batch_size?")
    return optimizer_from(value, **keywords)


def schedule(name, value):
    if callable(value):
        return value
    return check_choice(name, _plain(value), SCHEDULES)


def dtype(name, value):
    if not isinstance(value, str):
        try:
            value = np.dtype(value).name
        except (TypeError, ValueError, SyntaxError):
            raise InvalidOptionError(f"{name} must be 'float32' or 'float64', got "
                                     f"{_short(value)}") from None
    return check_choice(name, value, DTYPES)


def loss(name, value):
    from .objectives import CLASSIFICATION_LOSSES, LOSS_ALIASES, REGRESSION_LOSSES

    allowed = set(REGRESSION_LOSSES) | set(CLASSIFICATION_LOSSES) | set(LOSS_ALIASES)
    value = check_choice(name, _plain(value), allowed)
    return LOSS_ALIASES.get(value, value)


def metrics(name, value):
    allowed = ("mse", "mae", "accuracy")
    names = (value,) if isinstance(value, str) else _sequence(value)
    if not isinstance(names, tuple):
        raise InvalidOptionError(f"{name} must be a list of metric names, got {value!r}")
    return tuple(check_choice(name, m, allowed) for m in names)


def monitor(name, value):
    if not isinstance(value, str) or not value:
        raise InvalidOptionError(f"{name} must be a history column such as 'val_loss', got {value!r}")
    return value


# ---------------------------------------------------------------------------- the options
NOT_SWEPT = "a run-level setting of sweep.run(), not a grid key"


@dataclass(frozen=True)
class FitOptions:
    """Validated options of :func:`nnfit.fit` (see its docstring for what each means).

    Construct with keywords; every value is checked and put in canonical form (lists become
    tuples, ``batch_size="full"`` becomes None, an optimizer string becomes its
    :class:`~nnfit.optim.Optimizer` with ``momentum``/``beta_1``/``beta_2``/``epsilon`` folded
    in). Frozen and hashable where its values are.

    Examples
    --------
    >>> FitOptions(optimizer="nesterov", epochs=50).optimizer
    Momentum(momentum=0.9, nesterov=True)
    >>> FitOptions(epochs=0)
    Traceback (most recent call last):
    ...
    nnfit.errors.InvalidOptionError: epochs must be >= 1, got 0
    """

    optimizer: Any = option("adam", optimizer, "adam, sgd, gd, momentum, nesterov, adamw, "
                            "rmsprop, adagrad, lbfgs, lm, trf")
    learning_rate: Any = option(0.001, learning_rate, "step size (or one per member)",
                                flags=("--lr",))
    epochs: int = option(200, integer(), "maximum passes over the training data")
    batch_size: Any = option(32, batch_size, "mini-batch size, or 'full'")
    validation_split: float = option(
        0.0, real(low=0, high=1, high_open=True), "hold out this fraction of the rows",
        where=(CLI,), elsewhere="TOML: [data] validation_split; sweeps: run(validation_split=)")
    validation_shuffle: bool = option(
        False, flag, "take the validation rows at random (stratified by class), not the last",
        where=(CLI,), elsewhere="TOML: [data] validation_shuffle; sweeps: the rows as given")
    shuffle: bool = option(True, flag, "reshuffle the training rows every epoch")
    loss: Any = option(None, optional(loss), "mse, sse, mae, huber, poisson, "
                       "binary_crossentropy, categorical_crossentropy (default: the task's)")
    l1: Any = option(0.0, penalty, "L1 penalty on the weights (one, or one per layer)")
    l2: Any = option(0.0, penalty, "L2 penalty on the weights (one, or one per layer)")
    early_stopping: bool = option(False, flag, "stop when the monitored loss stops improving")
    n_iter_no_change: int = option(10, integer(), "early stopping's patience, in epochs")
    tol: float = option(1e-4, real(low=0), "the improvement that counts as progress")
    target_loss: Any = option(None, optional(real()), "stop once the monitored loss is below")
    gtol: Any = option(None, optional(real(low=0)), "lbfgs: stop at this largest |gradient|")
    ftol: Any = option(None, optional(real(low=0)), "lbfgs: stop at this relative decrease")
    max_evaluations: Any = option(None, optional(integer()), "lbfgs: budget of evaluations")
    restore_best_weights: Any = option(None, optional(flag),
                                       "return the best epoch's weights (default: early_stopping)")
    monitor: Any = option(None, optional(monitor), "the history column to watch, e.g. val_loss")
    n_members: int = option(1, integer(high=MAX_MEMBERS), "members trained together",
                            where=(TOML, CLI), elsewhere="sweeps: list the seeds instead",
                            flags=("--members",))
    seed: Any = option(0, seed, "seed (member i uses seed + i), or one per member")
    dtype: str = option("float32", dtype, "float32 or float64")
    task: Any = option(None, optional(choice("regression", "classification")),
                       "regression or classification (default: from the target and output)",
                       where=(CLI,), elsewhere="TOML: [data] task; sweeps: the model's output")
    missing: str = option("impute", choice("impute", "drop", "error"),
                          "a table's missing feature values: impute, drop the row, or error",
                          where=(CLI,), elsewhere="TOML: [data] missing; sweeps: arrays only")
    scale_target: Any = option(None, optional(flag),
                               "train on the standardised regression target (default: on for "
                               "tables, off for arrays)", where=(TOML, CLI),
                               elsewhere="sweeps train on the target as given (their "
                               "configurations' ids stay those of earlier versions)")
    schedule: Any = option("constant", schedule, "constant, invscaling, exponential, cosine, "
                           "adaptive")
    momentum: Any = option(None, optional(real(low=0, high=1)),
                           "momentum of sgd/momentum/nesterov/rmsprop (default: the "
                           "optimizer's)")
    beta_1: Any = option(None, optional(real(low=0, high=1, high_open=True)),
                         "adam/adamw's b1 (default: the optimizer's, nnfit.optim)")
    beta_2: Any = option(None, optional(real(low=0, high=1, high_open=True)),
                         "adam/adamw's b2 (default: the optimizer's)")
    epsilon: Any = option(None, optional(real(low=0, low_open=True)),
                          "adam/adamw/rmsprop/adagrad's eps (default: the optimizer's)")
    power_t: float = option(0.5, real(low=0), "invscaling's exponent")
    decay_rate: float = option(0.96, real(low=0, low_open=True), "exponential's decay per epoch")
    metrics: Any = option(None, optional(metrics), "epoch metrics: mse, mae, accuracy")
    chunk_epochs: Any = option(None, optional(integer()), "epochs per compiled call",
                               where=(TOML,), elsewhere="a tuning knob of progress reporting")
    verbose: bool = option(False, flag, "show a progress bar", where=(),
                           elsewhere="the command line shows progress unless --quiet")

    def __post_init__(self):
        for name, check, default in _CHECKS():
            value = getattr(self, name)
            # a default is canonical already: a fit of mostly defaults checks only what it sets
            if value is not default and not (type(value) is type(default) and value == default):
                object.__setattr__(self, name, check(name, value))
        keywords = {k: getattr(self, k) for k in OPTIMIZER_KEYWORDS}
        object.__setattr__(self, "optimizer", optimizer("optimizer", self.optimizer, **keywords))
        for k in OPTIMIZER_KEYWORDS:  # folded into the optimizer: one place for each value
            object.__setattr__(self, k, None)
        for name in ("gtol", "ftol", "max_evaluations"):
            if getattr(self, name) is not None and self.optimizer.name != "lbfgs":
                raise InvalidOptionError(
                    f"{name}={getattr(self, name)!r} is a stopping test of optimizer='lbfgs', "
                    f"not of {self.optimizer.label!r}; leave {name} unset or use 'lbfgs'")
        if callable(self.learning_rate) and callable(self.schedule):
            raise InvalidOptionError("learning_rate and schedule are both callables; give the "
                                     "optax schedule as learning_rate alone")
        self._check_dtype_range()

    def _check_dtype_range(self):
        """Numbers the compiled program holds in ``dtype`` must be finite there."""
        largest = float(np.finfo(self.dtype).max)
        for name in ("learning_rate", "l1", "l2", "tol", "target_loss"):
            value = getattr(self, name)
            if value is None or callable(value):
                continue
            if any(abs(v) > largest for v in _flat(value)):
                raise InvalidOptionError(
                    f"{name}={value!r} is outside {self.dtype}'s range (±{largest:.3g}); use a "
                    f"smaller value" + (" or dtype='float64'" if self.dtype == "float32" else ""))

    # ------------------------------------------------------------------------ derived views
    @property
    def full_batch(self):
        """Every step sees every training row (``batch_size=None`` or a full-batch solver)."""
        return self.batch_size is None or self.optimizer.full_batch

    def replace(self, **changes):
        """A copy with ``changes``, checked again; ``momentum``, ``beta_1``, ``beta_2`` and
        ``epsilon`` change the fields of the optimizer (which must have them)."""
        if "optimizer" not in changes and any(changes.get(k) is not None for k in OPTIMIZER_KEYWORDS):
            changes["optimizer"] = self.optimizer.to_dict()
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """Plain JSON values: the optimizer as its name plus ``optimizer_settings``."""
        settings = self.optimizer.to_dict()
        out = {"optimizer": settings.pop("name"), "optimizer_settings": settings}
        out.update((name, _jsonable(getattr(self, name))) for name, _, _ in _CHECKS())
        return out

    @classmethod
    def from_dict(cls, values):
        """Options from :meth:`to_dict`'s form; keys that are not options are ignored."""
        kwargs = {k: values[k] for k in option_names() if k in values}
        if "optimizer" in kwargs and isinstance(values.get("optimizer_settings"), dict):
            kwargs["optimizer"] = {"name": kwargs["optimizer"], **values["optimizer_settings"]}
        return cls(**{k: _from_json(v) for k, v in kwargs.items()})


@functools.cache
def _CHECKS():  # noqa: N802 -- a constant, computed once the class exists
    """(name, check, default) of every option but the optimizer (checked with its keywords)."""
    return tuple((f.name, f.metadata["option"].check, f.default)
                 for f in dataclasses.fields(FitOptions) if f.name != "optimizer")


def _jsonable(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if callable(value):
        return repr(value)
    return value


def _from_json(value):
    return tuple(_from_json(v) for v in value) if isinstance(value, list) else value


@functools.cache
def _option_fields():
    return {f.name: f.metadata["option"] for f in dataclasses.fields(FitOptions)}


def option_fields():
    """``{name: Option}`` for every option of :func:`nnfit.fit`, in declaration order."""
    return dict(_option_fields())


def option_names(where=None):
    """The options' names; with ``where`` (``toml``, ``grid`` or ``cli``), those set there."""
    return tuple(name for name, spec in option_fields().items()
                 if where is None or where in spec.where)


def defaults():
    """``{name: default}`` as declared (before canonical form: ``optimizer`` is ``'adam'``)."""
    return {f.name: f.default for f in dataclasses.fields(FitOptions)}


def check_option(name, value, label=None):
    """Check one option's value alone; ``label`` is how the message names it."""
    spec = _option_fields().get(name)
    if spec is None:
        raise InvalidOptionError(f"unknown option {name!r}")
    label = label or name
    try:
        return spec.check(label, value)
    except InvalidOptionError as err:  # a message from deeper down (an optimizer's) names the label
        if label in str(err):
            raise
        raise InvalidOptionError(f"{label}: {err}") from None
