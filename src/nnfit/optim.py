"""Optimizers as frozen values, each building its optax transformation (optax's ``alias.py``).

An optimizer is a small frozen dataclass whose fields are its settings, with their defaults
declared here and nowhere else: ``Adam(b1=0.9, b2=0.999, eps=1e-7)``,
``Momentum(0.9, nesterov=True)``, ``LBFGS(memory_size=10)``. Being frozen, equal settings hash
equal, so the engine uses the value itself as part of a compiled program's key. The strings that
:func:`nnfit.fit` accepts (``"adam"``, ``"nesterov"``, ...) are shorthand for these values
(:func:`optimizer_from`), with ``momentum``, ``beta_1``, ``beta_2`` and ``epsilon`` filling the
fields they name.

This module imports no JAX: the command line reads the names and defaults to build its flags
before anything heavy is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from ._checks import check_number
from .errors import InvalidOptionError


@dataclass(frozen=True)
class Optimizer:
    """An optimizer's settings; subclasses build the optax transformation.

    Class attributes: ``name`` (the shorthand string), ``full_batch`` (always uses every
    training row per step), ``least_squares`` (nonlinear least squares, not optax),
    and ``keywords``: which of :func:`nnfit.fit`'s keywords set which field.
    """

    name: ClassVar[str] = ""
    full_batch: ClassVar[bool] = False
    least_squares: ClassVar[bool] = False
    keywords: ClassVar[dict] = {}

    def transformation(self, learning_rate):
        """The optax ``GradientTransformation`` at ``learning_rate`` (a number or schedule)."""
        raise NotImplementedError(f"{type(self).__name__} is not an optax optimizer")

    def to_dict(self):
        """``{"name": ..., field: value, ...}``: JSON and TOML ready."""
        return {"name": self.label, **{f.name: getattr(self, f.name) for f in fields(self)}}

    @property
    def label(self):
        """The shorthand string for these settings (``nesterov`` for Nesterov momentum)."""
        return self.name

    def _check(self, name, low=0.0, high=None, low_open=False, high_open=False, integer=False):
        value = getattr(self, name)
        value = value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value
        label = f"{type(self).__name__}.{name}"
        check_number(label, value, low=low, high=high, low_open=low_open, integer=integer)
        if high_open and value >= high:
            raise InvalidOptionError(f"{label} must be < {high}, got {value!r}")
        # plain Python numbers: what optax folds into the compiled program as constants
        object.__setattr__(self, name, int(value) if integer else float(value))


@dataclass(frozen=True)
class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum: ``optax.sgd``."""

    momentum: float = 0.0
    nesterov: bool = False
    name: ClassVar[str] = "sgd"
    keywords: ClassVar[dict] = {"momentum": "momentum"}

    def __post_init__(self):
        self._check("momentum", high=1.0)
        _check_flag(self, "nesterov")

    def transformation(self, learning_rate):
        import optax

        return optax.sgd(learning_rate, momentum=self.momentum or None, nesterov=self.nesterov)


@dataclass(frozen=True)
class GD(SGD):
    """Plain gradient descent: :class:`SGD` by another name (full batch with ``batch_size=None``)."""

    name: ClassVar[str] = "gd"


@dataclass(frozen=True)
class Momentum(SGD):
    """Gradient descent with (Nesterov) momentum, 0.9 unless given."""

    momentum: float = 0.9
    name: ClassVar[str] = "momentum"

    @property
    def label(self):
        return "nesterov" if self.nesterov else "momentum"


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (``optax.adam``), with Keras' epsilon."""

    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-7
    name: ClassVar[str] = "adam"
    keywords: ClassVar[dict] = {"beta_1": "b1", "beta_2": "b2", "epsilon": "eps"}

    def __post_init__(self):
        self._check("b1", high=1.0, high_open=True)  # 1 would never forget: no step at all
        self._check("b2", high=1.0, high_open=True)
        self._check("eps", low_open=True)

    def transformation(self, learning_rate):
        import optax

        return optax.adam(learning_rate, b1=self.b1, b2=self.b2, eps=self.eps)


@dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay (``optax.adamw``)."""

    weight_decay: float = 1e-4
    name: ClassVar[str] = "adamw"

    def __post_init__(self):
        super().__post_init__()
        self._check("weight_decay")

    def transformation(self, learning_rate):
        import optax

        return optax.adamw(learning_rate, b1=self.b1, b2=self.b2, eps=self.eps,
                           weight_decay=self.weight_decay)


@dataclass(frozen=True)
class RMSprop(Optimizer):
    """RMSprop (``optax.rmsprop``), with Keras' defaults."""

    decay: float = 0.9
    eps: float = 1e-7
    momentum: float = 0.0
    name: ClassVar[str] = "rmsprop"
    keywords: ClassVar[dict] = {"epsilon": "eps", "momentum": "momentum"}

    def __post_init__(self):
        self._check("decay", high=1.0)
        self._check("eps", low_open=True)
        self._check("momentum", high=1.0)

    def transformation(self, learning_rate):
        import optax

        return optax.rmsprop(learning_rate, decay=self.decay, eps=self.eps,
                             momentum=self.momentum or None)


@dataclass(frozen=True)
class Adagrad(Optimizer):
    """Adagrad (``optax.adagrad``)."""

    eps: float = 1e-7
    name: ClassVar[str] = "adagrad"
    keywords: ClassVar[dict] = {"epsilon": "eps"}

    def __post_init__(self):
        self._check("eps", low_open=True)

    def transformation(self, learning_rate):
        import optax

        return optax.adagrad(learning_rate, eps=self.eps)


@dataclass(frozen=True)
class LBFGS(Optimizer):
    """L-BFGS with a zoom line search on the full batch (``optax.lbfgs``); no learning rate."""

    memory_size: int = 10
    name: ClassVar[str] = "lbfgs"
    full_batch: ClassVar[bool] = True

    def __post_init__(self):
        self._check("memory_size", low=1, high=10_000, integer=True)

    def transformation(self, learning_rate):
        import optax

        return optax.lbfgs(memory_size=self.memory_size)


@dataclass(frozen=True)
class _LeastSquares(Optimizer):
    """scipy's three stopping tests of ``scipy.optimize.least_squares``, with its defaults.

    ``ftol``: the cost fell by less than ``ftol`` times itself over a step whose reduction the
    local linear model predicted well (ratio > 0.25); ``xtol``: the step was shorter than
    ``xtol * (xtol + |x|)``; ``gtol``: no component of the cost's gradient exceeds ``gtol``.
    0 switches a test off.
    """

    ftol: float = 1e-8
    xtol: float = 1e-8
    gtol: float = 1e-8
    full_batch: ClassVar[bool] = True
    least_squares: ClassVar[bool] = True

    def __post_init__(self):
        for name in ("ftol", "xtol", "gtol"):
            self._check(name)


@dataclass(frozen=True)
class LevenbergMarquardt(_LeastSquares):
    """Levenberg-Marquardt least squares: ``optimistix.LevenbergMarquardt``, compiled whole.

    Every member is solved at once (``jax.vmap``), each step one residual evaluation, so
    ``epochs`` is scipy's ``max_nfev``; the tests are scipy's (see :class:`_LeastSquares` and
    :mod:`nnfit._lm`).
    """

    name: ClassVar[str] = "lm"


@dataclass(frozen=True)
class TrustRegion(_LeastSquares):
    """Trust-region reflective least squares (``scipy.optimize.least_squares(method='trf')``)."""

    name: ClassVar[str] = "trf"


# shorthand string -> (class, fixed settings)
SHORTHANDS = {
    "sgd": (SGD, {}), "gd": (GD, {}), "momentum": (Momentum, {}),
    "nesterov": (Momentum, {"nesterov": True}), "adam": (Adam, {}), "adamw": (AdamW, {}),
    "rmsprop": (RMSprop, {}), "adagrad": (Adagrad, {}), "lbfgs": (LBFGS, {}),
    "lm": (LevenbergMarquardt, {}), "trf": (TrustRegion, {}),
}
# the keywords of nnfit.fit that fill an optimizer's fields when it is given by name
KEYWORDS = ("momentum", "beta_1", "beta_2", "epsilon")


def _check_flag(optimizer, name):
    if not isinstance(getattr(optimizer, name), bool):
        raise InvalidOptionError(f"{type(optimizer).__name__}.{name} must be True or False, "
                                 f"got {getattr(optimizer, name)!r}")


def optimizer_from(value, **keywords):
    """The :class:`Optimizer` that ``value`` names, with ``keywords`` filling its fields.

    Parameters
    ----------
    value : str, Optimizer or dict
        A shorthand (``"adam"``, ``"nesterov"``, ...), an optimizer value, or its
        :meth:`Optimizer.to_dict` form (``{"name": "adam", "b1": 0.95}``, as in TOML).
    **keywords : float or None
        :func:`nnfit.fit`'s ``momentum``, ``beta_1``, ``beta_2``, ``epsilon``; None is unset.

    Returns
    -------
    Optimizer

    Raises
    ------
    InvalidOptionError
        An unknown name or field, a value out of range, or a keyword the optimizer does not have.

    Examples
    --------
    >>> optimizer_from("nesterov")
    Momentum(momentum=0.9, nesterov=True)
    >>> optimizer_from("adam", beta_1=0.8)
    Adam(b1=0.8, b2=0.999, eps=1e-07)
    """
    given = {k: v for k, v in keywords.items() if v is not None}
    if isinstance(value, Optimizer):
        if given:
            raise InvalidOptionError(
                f"{', '.join(given)} given beside optimizer={value!r}; set them in the optimizer "
                f"value itself, e.g. {type(value).__name__}(...)")
        return value
    settings = {}
    if isinstance(value, dict):
        settings = dict(value)
        value = settings.pop("name", None)
    if not isinstance(value, str) or value not in SHORTHANDS:
        raise InvalidOptionError(f"unknown optimizer {value!r}; choose one of "
                                 f"{', '.join(SHORTHANDS)} or an nnfit.optim value such as Adam()")
    cls, fixed = SHORTHANDS[value]
    for keyword, number in given.items():
        if keyword not in cls.keywords:
            uses = sorted(n for n, (c, _) in SHORTHANDS.items() if keyword in c.keywords)
            raise InvalidOptionError(
                f"{keyword}={number!r} does not apply to optimizer {value!r}; it is a setting "
                f"of {', '.join(uses)}: leave {keyword} unset or choose one of those")
        settings[cls.keywords[keyword]] = number
    names = {f.name for f in fields(cls)}
    unknown = set(settings) - names
    if unknown:
        raise InvalidOptionError(f"optimizer {value!r} has no setting {sorted(unknown)[0]!r}; its "
                                 f"settings are {', '.join(sorted(names)) or 'none'}")
    return cls(**{**settings, **fixed})
