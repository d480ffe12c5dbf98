"""Tables as network inputs: columns become numbers by rules learned from the training rows.

A real table has numbers, booleans, text categories, dates and gaps. :func:`learn_table` looks
at the *training* rows of a DataFrame and learns, with scikit-learn's own estimators, what a
careful pipeline (imputer, one-hot encoder, scaler) would learn:

- **numbers** (and booleans as 0/1, dates as days since 1970-01-01) are standardised with the
  training rows' mean and standard deviation (``StandardScaler``); a gap is filled with the
  training rows' median (``SimpleImputer(strategy="median")``);
- **categories** (text, pandas ``category``) are one-hot encoded over the categories seen in
  training (``OneHotEncoder(handle_unknown="ignore")``): a category first met at prediction time
  gives a row of zeros and a warning, not an error; a gap is filled with the most frequent
  training category (``SimpleImputer(strategy="most_frequent")``).

What was learned is kept as plain data (a :class:`TableSpec` of :class:`ColumnRule`, written to
``fit.json`` as JSON, no pickle) and applied by :meth:`TableSpec.encode` with NumPy and pandas
alone, so a loaded fit turns new raw rows into exactly the numbers training saw. The tests check
``encode`` against scikit-learn's ``ColumnTransformer`` on the same data.

Missing feature values follow ``missing``: ``"impute"`` (the default: it is the one rule that
gives every new row a prediction, and the fit's notes say how many cells were filled),
``"drop"`` (training leaves such rows out; their predictions are NaN) or ``"error"``.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from ._tablecolumns import (class_labels, column_kind, column_values, infer_task, label_codes,
                            numeric_target)
from .errors import InvalidOptionError

__all__ = ["TableSpec", "ColumnRule", "learn_table", "read_table", "load_table", "list_tables",
           "is_table", "column_kind", "identifier_like", "class_labels", "infer_task"]

KINDS = ("number", "boolean", "date", "category")
MISSING = ("impute", "drop", "error")
# a text column with more distinct values than this (and than half the rows) is an identifier
MAX_CATEGORIES = 100


@dataclass(frozen=True)
class ColumnRule:
    """How one input column becomes numbers (learned from the training rows).

    Attributes
    ----------
    name : str
        The column's name in the table.
    kind : {'number', 'boolean', 'date', 'category'}
    fill : float or str
        The value a gap becomes: the training median (numbers, booleans as 0/1, dates as days)
        or the most frequent training category.
    mean, scale : float
        Standardisation of numbers: ``(value - mean) / scale`` (categories: 0 and 1).
    categories : tuple of str
        The training categories, in the one-hot columns' order (categories only).
    """

    name: str
    kind: str
    fill: float | str
    mean: float = 0.0
    scale: float = 1.0
    categories: tuple = ()

    @property
    def outputs(self):
        """The names of the numbers this column becomes: itself, or one per category."""
        if self.kind == "category":
            return tuple(f"{self.name}={c}" for c in self.categories)
        return (self.name,)


@dataclass(frozen=True)
class TableSpec:
    """Everything learned about a table: its input columns, its target and its labels.

    Attributes
    ----------
    columns : tuple of ColumnRule
        The input columns, in the order of the network's inputs.
    target : tuple of str
        The target column name(s).
    task : {'regression', 'classification'}
    labels : tuple or None
        Classification: the class labels in the order of the network's outputs (strings,
        integers or booleans, as in the table).
    missing : {'impute', 'drop', 'error'}
        What a gap in an input column becomes.
    """

    columns: tuple
    target: tuple
    task: str
    labels: tuple | None = None
    missing: str = "impute"

    @property
    def features(self):
        """The raw input columns' names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def input_names(self):
        """The network's inputs' names (one per category for one-hot columns)."""
        return tuple(name for c in self.columns for name in c.outputs)

    def encode(self, table, *, name="X", warn=True):
        """Raw rows as the network's inputs.

        Parameters
        ----------
        table : pandas.DataFrame, or array of shape (n, len(features))
            Must have every column of :attr:`features` (others are ignored); an array is read
            as those columns in order.
        name : str
            How the rows are called in messages.
        warn : bool
            Warn (once per call) about categories not seen in training and, with
            ``missing="drop"``, rows left without a prediction.

        Returns
        -------
        X : ndarray of shape (n, len(input_names)), float64
        complete : ndarray of bool, shape (n,)
            False for rows with a gap in a feature (filled with ``missing="impute"``; with
            ``missing="drop"`` their X row is NaN).
        """
        from ._predictwarn import caller_stacklevel

        frame = _as_frame(table, self.features, name)
        blocks, complete = [], np.ones(len(frame), dtype=bool)
        unknown = []
        for rule in self.columns:
            values, gaps = column_values(frame[rule.name], rule.kind, rule.name, name)
            if gaps.any():
                if self.missing == "error":
                    from ._tablecolumns import _row

                    row = _row(frame[rule.name], np.flatnonzero(gaps)[0])
                    raise InvalidOptionError(
                        f"{name}: column {rule.name!r} is missing a value in row {row}; fill it, or choose missing='impute' (the training median or "
                        "most frequent value) or missing='drop'")
                complete &= ~gaps
                values = values.copy()
                values[gaps] = rule.fill
            if rule.kind == "category":
                index = {c: i for i, c in enumerate(rule.categories)}
                codes = np.array([index.get(v, -1) for v in values], dtype=np.int64)
                block = np.zeros((len(values), len(rule.categories)))
                seen = codes >= 0
                block[np.flatnonzero(seen), codes[seen]] = 1.0
                if not seen.all():
                    unknown.append((rule.name, values[~seen][0], int((~seen).sum())))
            else:
                block = ((values.astype(np.float64) - rule.mean) / rule.scale)[:, None]
            blocks.append(block)
        X = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(frame), 0))
        if self.missing == "drop" and not complete.all():
            X[~complete] = np.nan
            if warn:
                warnings.warn(f"{int((~complete).sum())} row(s) of {name} have missing values "
                              "and get no prediction (NaN): the fit was trained with "
                              "missing='drop'", UserWarning, stacklevel=caller_stacklevel())
        if unknown and warn:
            column, value, count = unknown[0]
            more = f" (and in {len(unknown) - 1} more column(s))" if len(unknown) > 1 else ""
            warnings.warn(f"{name}: column {column!r} has {count} row(s) with categories the "
                          f"training rows never had, e.g. {value!r}{more}; they are encoded as "
                          "no known category", UserWarning, stacklevel=caller_stacklevel())
        return X, complete

    def raw_numbers(self, X, stats):
        """The number, boolean and date inputs of ``X`` (n, n_inputs) back in the table's
        units, with the training ``min``/``max`` of ``stats`` likewise, and their names.

        Returns
        -------
        X : ndarray of shape (n, m)
        stats : dict of ``min``, ``max`` arrays (m,)
        names : tuple of m str
        """
        at, positions, rules = 0, [], []
        for rule in self.columns:
            if rule.kind != "category":
                positions.append(at)
                rules.append(rule)
            at += len(rule.outputs)
        mean = np.array([r.mean for r in rules])
        scale = np.array([r.scale for r in rules])
        raw = lambda a: np.asarray(a, np.float64)[..., positions] * scale + mean  # noqa: E731
        return (raw(X), {"min": raw(stats["min"]), "max": raw(stats["max"])},
                tuple(r.name for r in rules))

    def encode_target(self, values, *, name="y"):
        """Targets as training takes them: numbers (n,) / (n, k), or label indices (n,).

        Parameters
        ----------
        values : pandas.Series, DataFrame or array of the target column(s), without gaps

        Returns
        -------
        ndarray
            float64 for regression; int64 indices into :attr:`labels` for classification
            (-1 for a label the table's rows never had).
        """
        import pandas as pd

        if self.task == "regression":
            frame = values if isinstance(values, pd.DataFrame) else pd.DataFrame(
                np.asarray(values).reshape(len(values), -1), columns=list(self.target))
            out = np.column_stack([numeric_target(frame[c], c, name) for c in frame.columns])
            return out[:, 0] if len(self.target) == 1 else out
        series = values.iloc[:, 0] if isinstance(values, pd.DataFrame) else pd.Series(
            np.asarray(values, dtype=object).ravel())
        return label_codes(self.labels, series)

    def to_dict(self):
        """Plain JSON values (what ``fit.json`` keeps)."""
        return {"columns": [dataclasses.asdict(c) | {"categories": list(c.categories)}
                            for c in self.columns],
                "target": list(self.target), "task": self.task,
                "labels": None if self.labels is None else list(self.labels),
                "missing": self.missing}

    @classmethod
    def from_dict(cls, values):
        """The spec from :meth:`to_dict`'s form; raises InvalidOptionError if malformed."""
        try:
            columns = tuple(_rule_from_dict(c) for c in values["columns"])
            spec = cls(columns=columns, target=tuple(map(str, values["target"])),
                       task=values["task"], missing=values["missing"],
                       labels=None if values["labels"] is None else tuple(values["labels"]))
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidOptionError(f"not a table spec: {type(err).__name__} {err}") from None
        if spec.task not in ("regression", "classification") or spec.missing not in MISSING:
            raise InvalidOptionError(f"not a table spec: task {spec.task!r}, missing "
                                     f"{spec.missing!r}")
        if (spec.labels is None) != (spec.task == "regression"):
            raise InvalidOptionError("not a table spec: labels must be given for "
                                     "classification only")
        return spec


def identifier_like(n_distinct, n_known):
    """Whether a text column of ``n_distinct`` values over its ``n_known`` filled rows is an
    identifier or free text rather than categories: one-hot encoding it would give a column per
    value (more than MAX_CATEGORIES, or more than 20 and over half the rows)."""
    return n_distinct > MAX_CATEGORIES or (n_distinct > 20 and n_distinct > 0.5 * n_known)


def _rule_from_dict(values):
    rule = ColumnRule(name=str(values["name"]), kind=values["kind"], fill=values["fill"],
                      mean=float(values["mean"]), scale=float(values["scale"]),
                      categories=tuple(map(str, values["categories"])))
    if rule.kind not in KINDS:
        raise ValueError(f"column kind {rule.kind!r}")
    if rule.kind == "category" and not (isinstance(rule.fill, str) and rule.categories):
        raise ValueError(f"category column {rule.name!r} without categories")
    if rule.kind != "category" and not (isinstance(rule.fill, (int, float))
                                        and np.isfinite([rule.fill, rule.mean, rule.scale]).all()
                                        and rule.scale > 0):
        raise ValueError(f"column {rule.name!r}: fill/mean/scale must be finite, scale > 0")
    return dataclasses.replace(rule, fill=rule.fill if rule.kind == "category" else float(rule.fill))


# ------------------------------------------------------------------------------- learning
def learn_table(frame, target, *, task, missing="impute"):
    """Learn a :class:`TableSpec` from the training rows of a table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The training rows' input columns (no target columns).
    target : tuple of str
        The target column names (kept in the spec for ``nnfit predict``).
    task : {'regression', 'classification'}
    missing : {'impute', 'drop', 'error'}

    Returns
    -------
    spec : TableSpec
        With ``labels=None``; the caller sets the labels (see :func:`class_labels`).
    notes : list of str
        What was decided, in words (columns by kind, cells imputed).

    Examples
    --------
    >>> import pandas as pd
    >>> spec, notes = learn_table(pd.DataFrame({"a": [1.0, 3.0, None], "c": ["x", "y", "x"]}),
    ...                           ("t",), task="regression")
    >>> spec.input_names, spec.columns[0].fill
    (('a', 'c=x', 'c=y'), 2.0)
    """
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if missing not in MISSING:
        raise InvalidOptionError(f"missing must be one of {', '.join(MISSING)}, got {missing!r}")
    if frame.shape[1] == 0:
        raise InvalidOptionError("the table has no feature columns left; keep at least one")
    rules, filled, notes = [], {}, []
    for column in frame.columns:
        kind = column_kind(frame[column])
        values, gaps = column_values(frame[column], kind, column, "the training rows")
        if gaps.all():
            raise InvalidOptionError(f"column {column!r} has no values in the training rows; "
                                     "drop it")
        if gaps.any():
            filled[column] = int(gaps.sum())
        if kind == "category":
            known = values[~gaps]
            distinct = np.unique(known)
            if identifier_like(len(distinct), len(known)):
                raise InvalidOptionError(
                    f"column {column!r} has {len(distinct)} distinct text values in "
                    f"{len(known)} rows (an identifier or free text?); one-hot encoding it "
                    "would give a column per value: drop it (--drop / drop=)")
            block = np.where(gaps, np.nan, values).astype(object)[:, None]
            fill = SimpleImputer(strategy="most_frequent").fit(block).statistics_[0]
            imputed = np.where(gaps, fill, values).astype(object)[:, None]
            categories = OneHotEncoder(handle_unknown="ignore").fit(imputed).categories_[0]
            rules.append(ColumnRule(str(column), kind, str(fill),
                                    categories=tuple(map(str, categories))))
        else:
            block = values.astype(np.float64)[:, None]
            fill = float(SimpleImputer(strategy="median").fit(block).statistics_[0])
            scaler = StandardScaler().fit(np.where(gaps[:, None], fill, block))
            rules.append(ColumnRule(str(column), kind, fill, float(scaler.mean_[0]),
                                    float(scaler.scale_[0])))
    kinds = {k: [r.name for r in rules if r.kind == k] for k in KINDS}
    notes.append("inputs: " + "; ".join(f"{len(v)} {k} column(s) ({_names(v)})"
                                        for k, v in kinds.items() if v)
                 + f" -> {sum(len(r.outputs) for r in rules)} network inputs"
                 + (" (categories one-hot)" if kinds["category"] else ""))
    if filled:
        action = {"impute": "filled with the training median / most frequent value",
                  "drop": "rows left out", "error": "refused"}[missing]
        notes.append(f"missing values ({action}): "
                     + ", ".join(f"{c} {n}" for c, n in filled.items()))
    spec = TableSpec(columns=tuple(rules), target=tuple(map(str, target)), task=task,
                     missing=missing)
    return spec, notes


def _as_frame(table, features, name):
    """The table as a DataFrame holding ``features``; an array's columns are taken in order."""
    import pandas as pd

    if isinstance(table, pd.Series):  # one row, its index the columns
        table = table.to_frame().T
    if not isinstance(table, pd.DataFrame):
        if isinstance(table, dict):
            table = pd.DataFrame(table)
        else:
            array = np.asarray(table, dtype=object)
            if array.ndim != 2 or array.shape[1] != len(features):
                raise InvalidOptionError(
                    f"{name} must be a table with the columns {list(features)}; got "
                    f"{type(table).__name__} of shape {array.shape}")
            table = pd.DataFrame(array, columns=list(features))
    from ._tablefit import string_columns

    table = string_columns(table, name)
    missing = [c for c in features if c not in table.columns]
    if missing:
        raise InvalidOptionError(f"{name}: no column {missing[0]!r}; the fit needs the columns "
                                 f"{list(features)}")
    return table


def _names(names, limit=4):
    shown = ", ".join(names[:limit])
    return shown + (f", +{len(names) - limit} more" if len(names) > limit else "")


def is_table(X):
    """Whether ``X`` is a table that :mod:`nnfit.tabular` handles (a pandas DataFrame)."""
    import sys

    pd = sys.modules.get("pandas")  # a caller without pandas has no DataFrame
    return pd is not None and isinstance(X, pd.DataFrame)


def read_table(path, *, min_rows=2, **read_csv_kwargs):
    """A CSV file with a header row as a DataFrame, with one-line errors.

    Parameters
    ----------
    path : str or Path
    min_rows : int
        Fewer data rows are refused (a fit needs 2; a prediction none).
    **read_csv_kwargs
        Passed to ``pandas.read_csv`` (``sep``, ``comment``, ``encoding``...).

    Returns
    -------
    pandas.DataFrame
        At least 2 rows.

    Raises
    ------
    FileNotFoundError
        No such file.
    InvalidOptionError
        Empty, not CSV, not UTF-8, unreadable, or fewer than 2 rows.
    """
    from pathlib import Path

    import pandas as pd

    from ._checks import first_line
    from ._csvrows import read_csv_rows

    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():  # a pipe or a device
        raise InvalidOptionError(f"{str(path)!r} is not a regular file (a pipe or a device); "
                                 "nnfit reads tables from files: save it to a file and give "
                                 "that file's path")
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"{str(path)!r} {what} (working directory {str(Path.cwd())!r}); "
                                "check the path")
    try:
        frame = read_csv_rows(path, repr(str(path)), **read_csv_kwargs)
    except pd.errors.EmptyDataError:
        raise InvalidOptionError(f"{str(path)!r} is empty; it needs a header row and at least 2 "
                                 "data rows") from None
    except pd.errors.ParserError as err:
        raise InvalidOptionError(f"{str(path)!r} is not a readable CSV file: "
                                 f"{first_line(err)}; check that every line has as many "
                                 "cells as the header row (a CSV file is text, one row a line, "
                                 "its cells split by commas)") from None
    except UnicodeDecodeError as err:
        raise InvalidOptionError(f"{str(path)!r} is not UTF-8 text (byte {err.start}); save it as "
                                 "UTF-8, or pass encoding=... (e.g. encoding='latin-1')") from None
    except PermissionError:
        raise InvalidOptionError(f"{str(path)!r} cannot be read: permission denied") from None
    if len(frame) < min_rows:
        raise InvalidOptionError(f"{str(path)!r} has {len(frame)} data row(s); a fit needs at "
                                 f"least {min_rows}")
    return frame


# public tables shipped with nnfit: name -> (file in nnfit/data, description)
TABLES = {
    "penguins": ("penguins.csv",
                 "Palmer penguins (Gorman, Williams & Fraser 2014, PLoS ONE 9(3): e90081; the "
                 "palmerpenguins package's penguins.csv, CC0): 344 penguins of three species on "
                 "three islands, 2007-2009; text columns (species, island, sex), 19 missing "
                 "cells, rows sorted by species and year, as published."),
}


def list_tables():
    """The public tables :func:`load_table` knows, each with its description.

    >>> "penguins" in list_tables()
    True
    """
    return {name: description for name, (_, description) in TABLES.items()}


def load_table(name):
    """A public table shipped with nnfit, as published: text, gaps and sorted rows included.

    Parameters
    ----------
    name : str
        One of :func:`list_tables`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> penguins = load_table("penguins")
    >>> penguins.shape, int(penguins["sex"].isna().sum())
    ((344, 8), 11)
    """
    from importlib import resources

    from ._checks import check_choice

    file, _ = TABLES[check_choice("table", name, TABLES)]
    with resources.files("nnfit").joinpath("data", file).open("rb") as f:
        import pandas as pd

        return pd.read_csv(f)
