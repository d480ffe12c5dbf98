"""Datasets: the seed documents' problems by name, CSV / DataFrame input, and splits.

Every problem is a :class:`Dataset`: ``X`` of shape (n, d) float64, ``y`` of shape (n,) float64
(or (n, k)) for regression and (n,) int64 labels for classification, with names and a
description saying where the numbers come from. ``load_dataset(name, **params)`` rebuilds a
problem with the seed document's parameters and seeds as defaults; every draw comes from a local
generator, never from NumPy's global state, so the same parameters always give the same arrays.
The generators themselves live in ``nnfit._generators``; where a generator would emit its rows
sorted by class (the Playground's circle, gauss and spiral), they come out in a seeded random
order, so that the last rows, which Keras' ``validation_split`` takes, hold every class. The seed
documents' problems keep their own order.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import numpy as np

from nnfit._checks import check_choice, check_features, check_targets
from nnfit._fitdata import split_point, split_rows
from nnfit._generators import REGISTRY
from nnfit.errors import InvalidOptionError

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
            raise InvalidOptionError("give both X_val and y_val, or neither")
        if self.X_val is not None:
            X_val, y_val = self._arrays(self.X_val, self.y_val, "X_val", "y_val")
            if X_val.shape[1] != X.shape[1] or y_val.shape[1:] != y.shape[1:]:
                raise InvalidOptionError(f"X_val, y_val have shapes {X_val.shape}, {y_val.shape}; they "
                                 f"must match X, y of shapes {X.shape}, {y.shape} after the rows")
            object.__setattr__(self, "X_val", _frozen(X_val))
            object.__setattr__(self, "y_val", _frozen(y_val))
        k = 1 if y.ndim == 1 else y.shape[1]
        features = self._names("feature_names", self.feature_names, X.shape[1], "x")
        targets = self._names("target_names", self.target_names, k, "y")
        if len(set(features + targets)) != len(features + targets):
            raise InvalidOptionError(f"names must be unique, got features {features} and targets {targets}")
        for field, value in [("X", _frozen(X)), ("y", _frozen(y)), ("feature_names", features),
                             ("target_names", targets)]:
            object.__setattr__(self, field, value)

    def _arrays(self, X, y, xname, yname):
        X = check_features(X, name=xname)
        y = check_targets(y, X.shape[0], name=yname)
        if self.task == "classification":
            if y.ndim != 1 or np.any(y != np.round(y)):
                raise InvalidOptionError(f"{yname} must be integer class labels of shape (n,) for "
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
            raise InvalidOptionError(f"{field} must be {count} strings, got {names!r}")
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
        of the same size, stratified by class for a classification dataset
        (:func:`train_test_split`). Each part keeps the rows' order. Any ``X_val``, ``y_val`` are
        dropped.

        >>> train, val = load_dataset("gd_line").split(0.2)
        >>> len(train), len(val)
        (80, 20)
        >>> train, val = load_dataset("gauss", n_samples=100).split(0.2, shuffle=True, seed=0)
        >>> np.bincount(val.y).tolist()
        [10, 10]
        """
        labels = self.y if self.task == "classification" else None
        if shuffle:
            X, y, X_v, y_v = train_test_split(self.X, self.y, validation_fraction, seed,
                                              stratify=labels)
        else:
            X, y, X_v, y_v = validation_split(self.X, self.y, validation_fraction)
        stratified = " (stratified by class)" if shuffle and labels is not None else ""
        note = (f" Split with validation_fraction={validation_fraction}, shuffle={shuffle}"
                f"{stratified}.")
        part = dict(X_val=None, y_val=None, description=self.description + note)
        return (dataclasses.replace(self, X=X, y=y, name=f"{self.name} (train)", **part),
                dataclasses.replace(self, X=X_v, y=y_v, name=f"{self.name} (validation)", **part))


def _check_rows(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise InvalidOptionError(f"X and y need the same number of rows, got shapes {X.shape}, {y.shape}")
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
    at = split_point(X.shape[0], fraction)
    return X[:at], y[:at], X[at:], y[at:]


def train_test_split(X, y, fraction, seed=None, *, stratify=None):
    """A shuffled split: a seeded random ``fraction`` of the rows validate.

    The sizes are those of :func:`validation_split`. Without ``stratify`` the rows come from
    ``np.random.default_rng(seed).permutation``; with class labels, from scikit-learn's
    ``train_test_split(..., stratify=stratify, random_state=seed)``, so that each class keeps its
    share in both parts (a plain shuffle where a class has a single row). Each part keeps the
    rows' order. See :func:`nnfit._fitdata.split_rows`.

    Parameters
    ----------
    X : array of shape (n, ...)
    y : array of shape (n, ...)
    fraction : float in (0, 1)
    seed : int or None
        ``None``: fresh entropy, not reproducible.
    stratify : array-like of shape (n,), optional
        Class labels to stratify by, usually ``y`` of a classification problem.

    Returns
    -------
    X_train, y_train, X_val, y_val : arrays

    Examples
    --------
    >>> X_train, y_train, X_val, y_val = train_test_split(np.zeros((10, 1)), np.arange(10), 0.2, 0)
    >>> X_train.shape, X_val.shape
    ((8, 1), (2, 1))
    >>> y = np.repeat([0, 1], 5)
    >>> np.bincount(train_test_split(np.zeros((10, 1)), y, 0.4, 0, stratify=y)[3]).tolist()
    [2, 2]
    """
    X, y = _check_rows(X, y)
    train, val = split_rows(X.shape[0], fraction, shuffle=True, seed=seed, labels=stratify)
    return X[train], y[train], X[val], y[val]


def list_datasets():
    """The names :func:`load_dataset` knows, each with its description.

    Returns
    -------
    dict of str -> str

    >>> "gd_line" in list_datasets()
    True
    """
    return {name: description for name, (_, _, description) in REGISTRY.items()}


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
    generator, task, description = REGISTRY[check_choice("dataset", name, REGISTRY)]
    signature = inspect.signature(generator)
    unknown = sorted(set(params) - set(signature.parameters))
    if unknown:
        raise InvalidOptionError(f"dataset {name!r} has no parameter {unknown[0]!r}; its parameters are "
                        f"{', '.join(signature.parameters)}")
    bound = signature.bind(**params)
    bound.apply_defaults()
    used = ", ".join(f"{k}={v!r}" for k, v in bound.arguments.items())
    return Dataset(name=name, task=task, description=f"{description} Parameters: {used}.",
                   **generator(**params))


# ---- your own data ----

def _column(series, column):
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() & series.notna().to_numpy())
    if bad.size:
        raise InvalidOptionError(f"column {column!r} has the non-numeric value {series.iloc[bad[0]]!r} at "
                         f"row {bad[0]} (counting from 0): a Dataset (and nnfit sweep) takes "
                         f"numbers; nnfit fit and nnfit.fit(model, table, target) read text "
                         f"columns as categories, or drop the column")
    values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise InvalidOptionError(f"column {column!r} has {values[bad[0]]} at row {bad[0]} (counting from "
                         "0): a Dataset (and nnfit sweep) takes finite numbers; nnfit fit and "
                         "nnfit.fit(model, table, target) fill gaps (missing='impute'), or "
                         "fill them first")
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
        raise InvalidOptionError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    targets = list(target) if isinstance(target, (list, tuple)) else [target]
    if features is not None:
        features = list(features) if isinstance(features, (list, tuple)) else [features]
    if not targets:
        raise InvalidOptionError(f"target must name at least one column, got {target!r}")
    missing = [c for c in targets + (features or []) if c not in df.columns]
    if missing:
        raise InvalidOptionError(f"column {missing[0]!r} not found; choose target and features from the "
                         f"columns {list(df.columns)}")
    if features is None:
        features = [c for c in df.columns if c not in targets]
    if not features or set(features) & set(targets):
        raise InvalidOptionError(f"features {features} must be non-empty and leave out the targets "
                         f"{targets}; the columns are {list(df.columns)}")
    if len(df) < 2:
        raise InvalidOptionError(f"need at least 2 rows, got {len(df)}")
    X = np.column_stack([_column(df[c], c) for c in features])
    Y = np.column_stack([_column(df[c], c) for c in targets])
    return Dataset(X=X, y=Y if isinstance(target, (list, tuple)) else Y[:, 0], task=task, name=name,
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

    Returns
    -------
    Dataset

    Examples
    --------
    >>> ds = from_csv("data.csv", target="y")  # doctest: +SKIP
    """
    from .tabular import read_table

    path = Path(path)
    df = read_table(path, **read_csv_kwargs)
    return from_frame(df, target, features, task=task, name=name or path.stem,
                      description=f"Read from {path}.")
