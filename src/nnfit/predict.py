"""``nnfit predict``: a saved run applied to new rows, as a table of predictions.

The run's fit turns the new rows into its inputs exactly as training did (the table rules of
:mod:`nnfit.tabular`, saved as plain data in ``fit.json``), so the only thing a new file must
have is the columns the run was trained on; other columns (an id, the true target) are ignored.
"""

from __future__ import annotations

import sys

import numpy as np

from .errors import InvalidOptionError

# the networks compute in float32 by default: more digits would print its rounding as news
FLOAT_FORMAT = "%.8g"


def prediction_frame(fit, rows):
    """The predictions of ``fit`` for ``rows`` as a DataFrame, one row per input row.

    Parameters
    ----------
    fit : Fit
    rows : pandas.DataFrame
        For a fit of a table, its raw columns (``fit.table.features``); otherwise the columns
        named ``fit.feature_names`` (or exactly ``n_inputs`` numeric columns).

    Returns
    -------
    pandas.DataFrame
        A column named after the target (the prediction: a value or a class label), for
        classification ``probability_<label>`` per class, for ``n_members > 1`` the members'
        spread ``<target>_std`` (of the predicted class's probability for a classifier).
    """
    import pandas as pd

    X = _inputs(fit, rows)
    targets = _target_names(fit)
    if len(rows) == 0:  # a header alone: no predictions, the columns all the same
        return _empty(fit, targets)
    columns = {}
    members = fit.predict_members(X)  # once: the rows are encoded (and warned about) once
    fit._warn_far(fit.inputs(X, warn=False))
    mean, std = members.mean(axis=0), members.std(axis=0)
    if fit.task == "classification":
        unknown = np.isnan(mean).any(axis=-1)  # missing='drop': rows with gaps
        label = np.nan_to_num(mean).argmax(axis=-1)
        columns[targets[0]] = np.where(unknown, None, fit.classes[label].astype(object))
        for j, name in enumerate(fit.classes):
            columns[f"probability_{name}"] = mean[:, j]
        if fit.n_members > 1:
            columns[f"{targets[0]}_std"] = std[np.arange(len(label)), label]
    else:
        mean, std = mean.reshape(len(rows), -1), std.reshape(len(rows), -1)
        for j, name in enumerate(targets):
            columns[name] = mean[:, j]
            if fit.n_members > 1:
                columns[f"{name}_std"] = std[:, j]
    return pd.DataFrame(columns, index=rows.index)


def _empty(fit, targets):
    import pandas as pd

    names = list(targets)
    if fit.task == "classification":
        names += [f"probability_{label}" for label in fit.classes]
    if fit.n_members > 1:
        names += [f"{t}_std" for t in targets]
    return pd.DataFrame(columns=names)


def _target_names(fit):
    if fit.table is not None:
        return list(fit.table.target)
    k = fit.network.n_outputs if fit.task == "regression" else 1
    names = (fit.config or {}).get("target_names")
    if isinstance(names, list) and len(names) == k:
        return names
    return ["y"] if k == 1 else [f"y{j + 1}" for j in range(k)]


def _inputs(fit, rows):
    """What fit.predict takes: the raw table, or the named numeric columns as an array."""
    if fit.table is not None:
        missing = [c for c in fit.table.features if c not in rows.columns]
        if missing:
            raise InvalidOptionError(f"the new rows have no column {missing[0]!r}; the run was "
                                     f"trained on the columns {list(fit.table.features)}")
        return rows
    names = fit.feature_names
    if names is not None and all(n in rows.columns for n in names):
        frame = rows[list(names)]
    elif names is not None and not all(n.startswith("x") and n[1:].isdigit() for n in names):
        missing = [n for n in names if n not in rows.columns]
        raise InvalidOptionError(f"the new rows have no column {missing[0]!r}; the run was "
                                 f"trained on the columns {list(names)}")
    else:
        frame = rows.select_dtypes("number")
        if frame.shape[1] != fit.network.n_inputs:
            raise InvalidOptionError(
                f"the new rows have {frame.shape[1]} numeric columns "
                f"({', '.join(map(str, frame.columns))}) but the run takes "
                f"{fit.network.n_inputs} input(s) (named {', '.join(names or ())}): keep those "
                "columns only, in that order (drop the target's column)")
    values = frame.to_numpy(np.float64, na_value=np.nan)
    if np.isnan(values).any():
        row, col = map(int, np.argwhere(np.isnan(values))[0])
        raise InvalidOptionError(f"column {frame.columns[col]!r} is missing a value in row {row}; "
                                 "this run was trained on arrays and cannot fill gaps")
    return values


def predict_table(run_dir, path, na_values=None):
    """Load the run in ``run_dir`` and predict the rows of the CSV file ``path``.

    ``na_values``: text that marks a missing value; default, the run's own (its config.toml's
    ``[data] na_values``, if any).

    Returns
    -------
    predictions : pandas.DataFrame
        See :func:`prediction_frame`.
    notes : list of str
        Gaps filled with the training rows' values, per column.
    """
    from .fitted import load_fit
    from .tabular import read_table

    fit = load_fit(run_dir)
    if na_values is None:
        na_values = _run_na_values(run_dir)
    rows = read_table(path, min_rows=0, **({"na_values": na_values} if na_values else {}))
    notes = []
    if fit.table is not None and fit.table.missing == "impute":
        gaps = {c: int(n) for c, n in rows[[c for c in fit.table.features if c in rows]]
                .isna().sum().items() if n}
        if gaps:
            notes.append("missing values filled with the training median / most frequent "
                         "value: " + ", ".join(f"{c} {n}" for c, n in gaps.items()))
    return prediction_frame(fit, rows), notes


def write_predictions(frame, out=None):
    """Write the predictions as CSV to ``out``, or to standard output when None."""
    if out is None:
        frame.to_csv(sys.stdout, index=False, float_format=FLOAT_FORMAT)
        return
    from ._runfolder import _atomic_write

    _atomic_write(out, lambda f: frame.to_csv(f, index=False, float_format=FLOAT_FORMAT), "w")


def _run_na_values(run_dir):
    """The ``[data] na_values`` the run was read with (its config.toml), or None."""
    import os
    import tomllib

    path = os.path.join(run_dir, "config.toml")
    try:
        with open(path, "rb") as f:
            values = tomllib.load(f).get("data", {}).get("na_values")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return values if isinstance(values, list) and all(isinstance(v, str) for v in values) else None
