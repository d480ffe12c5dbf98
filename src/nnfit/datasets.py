"""Datasets: the seed documents' problems by name, CSV / DataFrame input, and splits.

Every problem is a :class:`Dataset`: ``X`` of shape (n, d) float64, ``y`` of shape (n,) float64
(or (n, k)) for regression and (n,) int64 labels for classification, with names and a
description saying where the numbers come from. ``load_dataset(name, **params)`` rebuilds a
problem with the seed document's parameters and seeds as defaults; every draw comes from a local
generator, never from NumPy's global state, so the same parameters always give the same arrays.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from pathlib import Path

import numpy as np

from nnfit._checks import check_choice, check_features, check_number, check_targets

__all__ = ["Dataset", "load_dataset", "list_datasets", "validation_split", "train_test_split",
           "from_csv", "from_frame"]


def _frozen(a):
    # A private read-only copy: a frozen Dataset must not change when the caller's array does.
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """Features, targets, their names and their origin.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Integer class labels of shape (n_samples,) when ``task`` is ``"classification"``.
    feature_names, target_names : tuple of str, optional
        Default ``("x1", ..., "xd")`` and ``("y",)`` (``("y1", ..., "yk")`` for k targets).
    name, description : str
    task : {"regression", "classification"}
    X_val, y_val : arrays, optional
        The problem's own validation data, as seed 004 has; both or neither.

    Examples
    --------
    >>> ds = Dataset(X=[[0.0], [1.0], [2.0]], y=[1.0, 3.0, 5.0])
    >>> len(ds), ds.X.shape, ds.feature_names
    (3, (3, 1), ('x1',))
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple = None
    target_names: tuple = None
    name: str = "data"
    task: str = "regression"
    description: str = ""
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    def __post_init__(self):
        check_choice("task", self.task, {"regression", "classification"})
        X, y = self._arrays(self.X, self.y, "X", "y")
        if (self.X_val is None) != (self.y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if self.X_val is not None:
            X_val, y_val = self._arrays(self.X_val, self.y_val, "X_val", "y_val")
            if X_val.shape[1] != X.shape[1] or y_val.shape[1:] != y.shape[1:]:
                raise ValueError(f"X_val, y_val have shapes {X_val.shape}, {y_val.shape}; they "
                                 f"must match X, y of shapes {X.shape}, {y.shape} after the rows")
            object.__setattr__(self, "X_val", _frozen(X_val))
            object.__setattr__(self, "y_val", _frozen(y_val))
        k = 1 if y.ndim == 1 else y.shape[1]
        features = self._names("feature_names", self.feature_names, X.shape[1], "x")
        targets = self._names("target_names", self.target_names, k, "y")
        if len(set(features + targets)) != len(features + targets):
            raise ValueError(f"names must be unique, got features {features} and targets {targets}")
        for field, value in [("X", _frozen(X)), ("y", _frozen(y)), ("feature_names", features),
                             ("target_names", targets)]:
            object.__setattr__(self, field, value)

    def _arrays(self, X, y, xname, yname):
        X = check_features(X, name=xname)
        y = check_targets(y, X.shape[0], name=yname)
        if self.task == "classification":
            if y.ndim != 1 or np.any(y != np.round(y)):
                raise ValueError(f"{yname} must be integer class labels of shape (n,) for "
                                 f"classification, got shape {y.shape} with values {y[:3]}...")
            y = y.astype(np.int64)
        return X, y

    @staticmethod
    def _names(field, names, count, prefix):
        if names is None:
            return (prefix,) if prefix == "y" and count == 1 else tuple(
                f"{prefix}{i + 1}" for i in range(count))
        names = (names,) if isinstance(names, str) else tuple(names)
        if len(names) != count or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{field} must be {count} strings, got {names!r}")
        return names

    def __repr__(self):
        val = "" if self.X_val is None else f", n_val={self.X_val.shape[0]}"
        return (f"Dataset(name={self.name!r}, task={self.task!r}, n={len(self)}{val}, "
                f"features={self.feature_names}, targets={self.target_names})")

    def __len__(self):
        return self.X.shape[0]

    def to_frame(self):
        """The rows as a pandas DataFrame: feature columns, then target columns.

        The validation data ``X_val``, ``y_val`` are not included.

        >>> load_dataset("gd_line").to_frame().columns.tolist()
        ['x1', 'y']
        """
        import pandas as pd

        targets = self.y.reshape(len(self), -1)
        columns = {n: self.X[:, j].copy() for j, n in enumerate(self.feature_names)}
        columns.update({n: targets[:, j].copy() for j, n in enumerate(self.target_names)})
        return pd.DataFrame(columns)

    def split(self, validation_fraction, shuffle=False, seed=None):
        """Split the rows into (train, validation) Datasets.

        Unshuffled, the validation part is the last ``validation_fraction`` of the rows, as Keras's
        ``validation_split`` takes it (see :func:`validation_split`); shuffled, a seeded random part
        of the same size (:func:`train_test_split`). Any ``X_val``, ``y_val`` are dropped.

        >>> train, val = load_dataset("gd_line").split(0.2)
        >>> len(train), len(val)
        (80, 20)
        """
        if shuffle:
            X, y, X_v, y_v = train_test_split(self.X, self.y, validation_fraction, seed)
        else:
            X, y, X_v, y_v = validation_split(self.X, self.y, validation_fraction)
        note = f" Split with validation_fraction={validation_fraction}, shuffle={shuffle}."
        part = dict(X_val=None, y_val=None, description=self.description + note)
        return (dataclasses.replace(self, X=X, y=y, name=f"{self.name} (train)", **part),
                dataclasses.replace(self, X=X_v, y=y_v, name=f"{self.name} (validation)", **part))


def _split_point(n, fraction):
    check_number("fraction", fraction, low=0, low_open=True)
    if fraction >= 1:
        raise ValueError(f"fraction must be < 1, got {fraction!r}; it is the validation share")
    split_at = int(math.floor(n * (1.0 - fraction)))  # Keras's rule, float rounding included
    if split_at == 0 or split_at == n:
        raise ValueError(f"fraction={fraction!r} of {n} rows leaves "
                         f"{'no training' if split_at == 0 else 'no validation'} rows; "
                         "give more rows or another fraction")
    return split_at


def _check_rows(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y need the same number of rows, got shapes {X.shape}, {y.shape}")
    return X, y


def validation_split(X, y, fraction):
    """Keras's ``validation_split``: the last ``fraction`` of the rows, unshuffled, validate.

    The training part is the first ``floor(n * (1 - fraction))`` rows, exactly as
    ``keras.Model.fit(validation_split=fraction)`` takes it.

    Parameters
    ----------
    X : array of shape (n, ...)
    y : array of shape (n, ...)
    fraction : float in (0, 1)

    Returns
    -------
    X_train, y_train, X_val, y_val : arrays of n_train and n - n_train rows

    Examples
    --------
    >>> X_train, y_train, X_val, y_val = validation_split(np.zeros((10, 1)), np.arange(10), 0.2)
    >>> y_val
    array([8, 9])
    """
    X, y = _check_rows(X, y)
    at = _split_point(X.shape[0], fraction)
    return X[:at], y[:at], X[at:], y[at:]


def train_test_split(X, y, fraction, seed=None):
    """A shuffled split: a seeded random ``fraction`` of the rows validate.

    The sizes are those of :func:`validation_split`; which rows go where comes from
    ``np.random.default_rng(seed)`` (``seed=None``: fresh entropy, not reproducible).

    Parameters
    ----------
    X : array of shape (n, ...)
    y : array of shape (n, ...)
    fraction : float in (0, 1)
    seed : int or None

    Returns
    -------
    X_train, y_train, X_val, y_val : arrays

    Examples
    --------
    >>> X_train, y_train, X_val, y_val = train_test_split(np.zeros((10, 1)), np.arange(10), 0.2, 0)
    >>> X_train.shape, X_val.shape
    ((8, 1), (2, 1))
    """
    X, y = _check_rows(X, y)
    at = _split_point(X.shape[0], fraction)
    order = np.random.default_rng(seed).permutation(X.shape[0])
    return X[order[:at]], y[order[:at]], X[order[at:]], y[order[at:]]


# ---- the seed problems --------------------------------------------------------------------------

_REGISTRY = {}  # name -> (generator, task, description)


def _register(name, task, description):
    def add(generator):
        _REGISTRY[name] = (generator, task, description)
        return generator
    return add


def _count(n_samples, low=2):
    return check_number("n_samples", n_samples, low=low, integer=True)


def _seeded(seed, noise, high=None, name="noise"):
    check_number("seed", seed, low=0, integer=True)
    check_number(name, noise, low=0, high=high)


def _make_regression(n_samples, noise, seed, bias):
    from sklearn.datasets import make_regression

    _seeded(seed, noise)
    return make_regression(n_samples=_count(n_samples), n_features=1, noise=noise,
                           random_state=seed, bias=bias)


@_register("linear", "regression", "Seed 000: sklearn make_regression(n_features=1, noise=30, "
           "random_state=42, bias=100), 100 samples; the closed-form fit with intercept is "
           "theta = [103.49534596, 49.82930935].")
def _linear(n_samples=100, noise=30.0, seed=42, bias=100.0):
    X, y = _make_regression(n_samples, noise, seed, bias)
    return dict(X=X, y=y)


@_register("cubic", "regression", "Seed 000: make_regression(n_features=1, noise=20, "
           "random_state=42, bias=100, n_samples=500), then the feature is cubed (x1 = X**3) and "
           "y is kept, so y is a cube root of x1 plus noise.")
def _cubic(n_samples=500, noise=20.0, seed=42, bias=100.0):
    X, y = _make_regression(n_samples, noise, seed, bias)
    return dict(X=X**3, y=y)


@_register("sine", "regression", "Seed 000's 'sine wave': X, y = make_regression(n_features=1, "
           "noise=10, random_state=42, n_samples=500); the seed then takes make_regression's y "
           "as the feature x1 and sin(4 * X) as the target, and so does this set.")
def _sine(n_samples=500, noise=10.0, seed=42):
    X, y = _make_regression(n_samples, noise, seed, 0.0)
    return dict(X=y[:, None], y=np.sin(4.0 * X[:, 0]))


@_register("line", "regression", "Seed 001: N = 200, x ~ U(0, 1), y = 3x + N(0, 0.1) noise, "
           "drawn in that order from np.random.RandomState(seed); the seed document was "
           "unseeded, seed 0 is nnfit's choice.")
def _line(n_samples=200, slope=3.0, noise=0.1, seed=0):
    _seeded(seed, noise)
    check_number("slope", slope)
    rs = np.random.RandomState(seed)  # the seed's legacy API, locally
    x = rs.rand(_count(n_samples))
    return dict(X=x[:, None], y=slope * x + rs.normal(0.0, noise, x.shape[0]))


@_register("cube_root", "regression", "Seed 002: X = np.linspace(0, 1) (50 points), "
           "y = X ** (1/3), no noise; stop=10 gives the seed's extrapolation range.")
def _cube_root(n_samples=50, start=0.0, stop=1.0):
    check_number("start", start, low=0)
    check_number("stop", stop, low=start, low_open=True)
    x = np.linspace(start, stop, _count(n_samples))
    return dict(X=x[:, None], y=x ** (1.0 / 3.0))


@_register("gd_line", "regression", "Seed 003: np.random.seed(0); X = 2 * np.random.rand(100, 1); "
           "y = 4 + 3 * X + np.random.randn(100, 1), reproduced exactly with a local "
           "RandomState(0); the closed form is theta = [4.22215108, 2.96846751].")
def _gd_line(n_samples=100, noise=1.0, seed=0):
    _seeded(seed, noise)
    rs = np.random.RandomState(seed)
    X = 2 * rs.rand(_count(n_samples), 1)
    y = 4 + 3 * X + noise * rs.randn(X.shape[0], 1)
    return dict(X=X, y=y[:, 0])


def _capacity_mean(x):
    return 0.6 * x * np.sin(4 * np.pi * x)


def _capacity_label(X):
    return (X[:, 1] > 0.5 * np.sin(np.pi * X[:, 0])).astype(np.int64)


def _two_streams(seed):
    # Independent streams, so n_val never changes the training rows and n_samples never the
    # validation rows.
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)]


@_register("capacity", "regression", "Seed-004-like (the seed's data generation is not shown; "
           "this is not its data): x ~ U(0, 1), y = 0.6 x sin(4 pi x) + N(0, 0.14^2), 50 training "
           "and 1000 validation points as the seed's evaluate() counts show. The noise variance "
           "0.0196 puts a well-fitted model's validation MSE near 0.02-0.03, and an overfitting "
           "one's training MSE near 0.01, as in the seed's table.")
def _capacity(n_samples=50, n_val=1000, noise=0.14, seed=0):
    _seeded(seed, noise)
    parts = []
    for rng, n in zip(_two_streams(seed), [_count(n_samples), _count(n_val, low=1)]):
        x = rng.uniform(0.0, 1.0, n)
        parts += [x[:, None], _capacity_mean(x) + noise * rng.normal(size=n)]
    return dict(zip(["X", "y", "X_val", "y_val"], parts))


@_register("capacity_classification", "classification", "Seed-004-like binary problem (the "
           "seed's data are not shown): 2 features (the seed's first layer has 3072 = 1024 * "
           "(2 + 1) parameters) uniform on [-1, 1]^2, class 1 above the curve x2 = 0.5 sin(pi x1), "
           "each label flipped with probability label_noise = 0.1, so the best achievable "
           "accuracy is 0.90 (the seed reports 0.88-0.90); 500 training and 10000 validation "
           "points.")
def _capacity_classification(n_samples=500, n_val=10000, label_noise=0.1, seed=0):
    _seeded(seed, label_noise, high=0.5, name="label_noise")
    parts = []
    for rng, n in zip(_two_streams(seed), [_count(n_samples), _count(n_val, low=1)]):
        X = rng.uniform(-1.0, 1.0, (n, 2))
        flip = rng.uniform(size=n) < label_noise
        parts += [X, np.where(flip, 1 - _capacity_label(X), _capacity_label(X))]
    return dict(zip(["X", "y", "X_val", "y_val"], parts))


# TensorFlow Playground (src/dataset.ts), vectorised; labels -1/+1 become 0/1. Each point's noise
# moves only the position used to label it, as there. Odd n: the positive class gets the extra
# point, so the set has exactly n_samples rows.
_PLAYGROUND = ("TensorFlow Playground's {} {} points by default (the playground's number), noise "
               "in [0, 0.5] (its slider / 100), drawn from np.random.default_rng(seed).")


def _halves(n_samples):
    n = _count(n_samples)
    return n - n // 2, n // 2


@_register("circle", "classification", _PLAYGROUND.format(
    "classifyCircleData: class 1 at radius < 2.5, class 0 at radius 3.5 to 5, each labelled by "
    "whether its noisy position lies within radius 2.5;", 500))
def _circle(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng, (n_in, n_out) = np.random.default_rng(seed), _halves(n_samples)
    r = np.concatenate([rng.uniform(0.0, 2.5, n_in), rng.uniform(3.5, 5.0, n_out)])
    angle = rng.uniform(0.0, 2 * np.pi, r.shape[0])
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    noisy = X + noise * rng.uniform(-5.0, 5.0, X.shape)
    return dict(X=X, y=(np.hypot(noisy[:, 0], noisy[:, 1]) < 2.5).astype(np.int64))


@_register("xor", "classification", _PLAYGROUND.format(
    "classifyXORData: x1, x2 ~ U(-5, 5) pushed 0.3 away from the axes, class 1 where the noisy "
    "x1 * x2 >= 0;", 500))
def _xor(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng = np.random.default_rng(seed)
    u = rng.uniform(-5.0, 5.0, (_count(n_samples), 2))
    X = u + np.where(u > 0, 0.3, -0.3)
    noisy = X + noise * rng.uniform(-5.0, 5.0, X.shape)
    return dict(X=X, y=(noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64))


@_register("gauss", "classification", _PLAYGROUND.format(
    "classifyTwoGaussData: class 1 around (2, 2), class 0 around (-2, -2), variance "
    "0.5 + 7 * noise;", 500))
def _gauss(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng, (n_pos, n_neg) = np.random.default_rng(seed), _halves(n_samples)
    y = np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])
    centre = np.where(y == 1, 2.0, -2.0)[:, None]
    return dict(X=rng.normal(centre, np.sqrt(0.5 + 7.0 * noise), (y.shape[0], 2)), y=y)


@_register("spiral", "classification", _PLAYGROUND.format(
    "classifySpiralData: two interleaved spirals, r = 5 i / n, t = 1.75 * 2 pi i / n (+ pi for "
    "class 0), positions jittered by U(-1, 1) * noise;", 500))
def _spiral(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng, parts = np.random.default_rng(seed), []
    for n, shift in zip(_halves(n_samples), [0.0, np.pi]):
        i = np.arange(n) / n
        r, t = 5 * i, 1.75 * i * 2 * np.pi + shift
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    X = np.concatenate(parts)
    y = np.repeat(np.array([1, 0], dtype=np.int64), [len(p) for p in parts])
    return dict(X=X + noise * rng.uniform(-1.0, 1.0, X.shape), y=y)


def _noisy_square(n_samples, noise, seed):
    _seeded(seed, noise, high=0.5)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6.0, 6.0, (_count(n_samples), 2))
    return X, X + noise * rng.uniform(-6.0, 6.0, X.shape)


@_register("plane", "regression", _PLAYGROUND.format(
    "regressPlane: x1, x2 ~ U(-6, 6), y = (x1 + x2) / 10 at the noisy position;", 1200))
def _plane(n_samples=1200, noise=0.0, seed=0):
    X, noisy = _noisy_square(n_samples, noise, seed)
    return dict(X=X, y=noisy.sum(axis=1) / 10.0)


_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                       [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64)


@_register("multi_gaussian", "regression", _PLAYGROUND.format(
    "regressGaussian: six signed bumps max(0, 1 - d / 2) at (+-4 or 0, +-2.5); y is the bump of "
    "largest magnitude at the noisy position;", 1200))
def _multi_gaussian(n_samples=1200, noise=0.0, seed=0):
    X, noisy = _noisy_square(n_samples, noise, seed)
    d = np.hypot(noisy[:, None, 0] - _GAUSSIANS[:, 0], noisy[:, None, 1] - _GAUSSIANS[:, 1])
    bumps = _GAUSSIANS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    # argmax takes the first of equal magnitudes, as the playground's strict '>' does
    return dict(X=X, y=bumps[np.arange(X.shape[0]), np.argmax(np.abs(bumps), axis=1)])


def list_datasets():
    """The names :func:`load_dataset` knows, each with its description.

    Returns
    -------
    dict of str -> str

    >>> "gd_line" in list_datasets()
    True
    """
    return {name: description for name, (_, _, description) in _REGISTRY.items()}


def load_dataset(name, **params):
    """Build a named problem; the seed document's parameters are the defaults.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    **params
        The problem's own keywords, e.g. ``n_samples``, ``noise``, ``seed``.

    Returns
    -------
    Dataset
        ``X`` (n, d) float64; ``y`` (n,) float64 or int64 labels; ``X_val``, ``y_val`` for
        "capacity" and "capacity_classification".

    Examples
    --------
    >>> ds = load_dataset("xor", n_samples=100, noise=0.1, seed=3)
    >>> ds.X.shape, ds.y.dtype
    ((100, 2), dtype('int64'))
    """
    generator, task, description = _REGISTRY[check_choice("dataset", name, _REGISTRY)]
    signature = inspect.signature(generator)
    unknown = sorted(set(params) - set(signature.parameters))
    if unknown:
        raise TypeError(f"dataset {name!r} has no parameter {unknown[0]!r}; its parameters are "
                        f"{', '.join(signature.parameters)}")
    bound = signature.bind(**params)
    bound.apply_defaults()
    used = ", ".join(f"{k}={v!r}" for k, v in bound.arguments.items())
    return Dataset(name=name, task=task, description=f"{description} Parameters: {used}.",
                   **generator(**params))


# ---- your own data -------------------------------------------------------------------------------

def _column(series, column):
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() & series.notna().to_numpy())
    if bad.size:
        raise ValueError(f"column {column!r} has the non-numeric value {series.iloc[bad[0]]!r} at "
                         f"row {bad[0]} (counting from 0); fix or drop that row")
    values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"column {column!r} has {values[bad[0]]} at row {bad[0]} (counting from "
                         "0); fill or drop missing and infinite values first, e.g. df.dropna()")
    return values


def from_frame(df, target, features=None, *, task="regression", name="data", description=""):
    """A Dataset from the columns of a pandas DataFrame, chosen by name.

    Parameters
    ----------
    df : pandas.DataFrame with at least 2 rows
    target : str or list of str
        One name gives ``y`` of shape (n,); a list gives (n, k).
    features : list of str, optional
        Default: every column that is not a target.
    task, name, description : str
        As in :class:`Dataset`.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> import pandas as pd
    >>> ds = from_frame(pd.DataFrame({"a": [0.0, 1.0], "b": [2.0, 3.0]}), "b")
    >>> ds.X.shape, ds.feature_names
    ((2, 1), ('a',))
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    targets = [target] if isinstance(target, str) else list(target)
    if features is not None:
        features = [features] if isinstance(features, str) else list(features)
    if not targets:
        raise ValueError(f"target must name at least one column, got {target!r}")
    missing = [c for c in targets + (features or []) if c not in df.columns]
    if missing:
        raise ValueError(f"column {missing[0]!r} not found; choose target and features from the "
                         f"columns {list(df.columns)}")
    if features is None:
        features = [c for c in df.columns if c not in targets]
    if not features or set(features) & set(targets):
        raise ValueError(f"features {features} must be non-empty and leave out the targets "
                         f"{targets}; the columns are {list(df.columns)}")
    if len(df) < 2:
        raise ValueError(f"need at least 2 rows, got {len(df)}")
    X = np.column_stack([_column(df[c], c) for c in features])
    Y = np.column_stack([_column(df[c], c) for c in targets])
    return Dataset(X=X, y=Y[:, 0] if isinstance(target, str) else Y, task=task, name=name,
                   feature_names=tuple(map(str, features)), target_names=tuple(map(str, targets)),
                   description=description)


def from_csv(path, target, features=None, *, task="regression", name=None, **read_csv_kwargs):
    """A Dataset from a CSV file with a header row; see :func:`from_frame` for the columns.

    Parameters
    ----------
    path : str or Path
    target : str or list of str
    features : list of str, optional
    task : {"regression", "classification"}
    name : str, optional
        Default: the file name without its extension.
    **read_csv_kwargs
        Passed to ``pandas.read_csv`` (``sep``, ``comment``...).

    Examples
    --------
    >>> ds = from_csv("data.csv", target="y")  # doctest: +SKIP
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"{str(path)!r} {what} (working directory {str(Path.cwd())!r}); "
                                "check the path")
    try:
        df = pd.read_csv(path, **read_csv_kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{str(path)!r} is empty; it needs a header row and at least 2 data "
                         "rows") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"{str(path)!r} is not a readable CSV file: {err}") from None
    return from_frame(df, target, features, task=task, name=name or path.stem,
                      description=f"Read from {path}.")
