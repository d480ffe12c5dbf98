"""A table given to :func:`nnfit.fit` becomes the arrays training takes.

The order matters: rows without a target leave first, the validation rows are chosen next (from
the raw rows, so that nothing is learned from them), then :func:`nnfit.tabular.learn_table`
learns the columns' rules from the training rows alone and encodes both parts. Training then
sees plain arrays with explicit validation data, and the Fit keeps the spec to encode new rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .errors import InvalidOptionError
from ._tablecolumns import class_labels, infer_task, label_codes
from .tabular import learn_table


@dataclass
class PreparedTable:
    """What a table became: the model to train, the arrays, the spec and the notes."""

    model: object
    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray | None
    validation_data: tuple | None
    test_data: tuple | None
    spec: object
    notes: list
    n_classes: int | None
    validation_given: bool = False  # the user's own validation rows, not a split


def string_columns(frame, name="X"):
    """The table with its column names as strings (``0`` and ``"0"`` name one column: the
    spec saved as JSON keeps strings), refusing two columns of one name."""
    names = [str(c) for c in frame.columns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidOptionError(f"{name} has more than one column named {twice[0]!r}; rename or "
                                 "drop the copies")
    return frame if list(frame.columns) == names else frame.set_axis(names, axis=1)


def _target_names(X, y):
    """The column names ``y`` gives (a name, or a list of names of X), or None for values."""
    if isinstance(y, (str, int, np.integer)) and not isinstance(y, bool):
        if str(y) not in X.columns:
            raise InvalidOptionError(f"target column {y!r} not found; the columns are "
                                     f"{list(X.columns)}")
        return [str(y)]
    if isinstance(y, (list, tuple)) and y and all(isinstance(c, str) for c in y):
        inside = [c in X.columns for c in y]
        if all(inside):
            names = list(y)
            if len(set(names)) != len(names):
                raise InvalidOptionError(f"the target names a column twice: {names}")
            return names
        if len(y) != len(X):  # names meant, one of them wrong (else: labels, one per row)
            raise InvalidOptionError(f"target column {y[inside.index(False)]!r} not found; the "
                                     f"columns are {list(X.columns)}")
    return None


def target_columns(X, y):
    """The target as a DataFrame aligned with ``X``'s rows, and the feature columns' frame.

    ``y`` is a column name (or a list of them) of ``X``, or values with one entry per row
    (a pandas Series or DataFrame, an array, a list). Column names become strings.
    """
    import pandas as pd

    X = string_columns(X)
    names = _target_names(X, y)
    if names is not None:
        return X[names], X.drop(columns=names)  # the table's own index names rows in errors
    named = isinstance(y, pd.DataFrame) or (isinstance(y, pd.Series) and y.name is not None)
    if isinstance(y, pd.Series):
        frame = y.to_frame(name=str(y.name) if y.name is not None else "y")
    elif isinstance(y, pd.DataFrame):
        frame = string_columns(y, "y")
    else:
        values = np.asarray(y, dtype=object)
        if values.ndim not in (1, 2):
            raise InvalidOptionError(f"y must have one value per row of X, got shape "
                                     f"{values.shape}")
        values = values.reshape(len(values), -1)
        frame = pd.DataFrame(values, columns=[f"y{j + 1}" for j in range(values.shape[1])]
                             if values.shape[1] > 1 else ["y"])
        for c in frame.columns:  # numbers stay numbers: object arrays of floats read as text
            converted = pd.to_numeric(frame[c], errors="coerce")
            if converted.notna().sum() == frame[c].notna().sum():
                frame[c] = converted
    if len(frame) != len(X):
        raise InvalidOptionError(f"y has {len(frame)} rows but X has {len(X)}; give one target "
                                 "per row (or the target's column name)")
    frame = frame.set_axis(X.index)  # values given apart line up with X's rows by position
    frame.columns = [str(c) for c in frame.columns]
    if named:  # a named target that is also a column of X is not its own input
        return frame, X.drop(columns=[c for c in frame.columns if c in X.columns])
    while any(c in X.columns for c in frame.columns):  # an unnamed target's name: not X's
        frame.columns = [f"{c}_" for c in frame.columns]
    return frame, X


def prepare_table(model, X, y, options, *, validation_data=None, test_data=None,
                  sample_weight=None):
    """Turn a table and its target into training arrays (see the module docstring).

    Parameters
    ----------
    model : MLP
    X : pandas.DataFrame
    y : str, list of str, or values with one entry per row
    options : FitOptions
    validation_data : (table, y) or (table, y, weights), optional
    test_data : (table, y), optional
    sample_weight : array of shape (n,), optional

    Returns
    -------
    PreparedTable
    """
    from ._checks import check_sample_weight
    from ._fitdata import split_rows

    targets, features = target_columns(X, y)
    notes = []
    weight = check_sample_weight(sample_weight, len(features))
    known = targets.notna().all(axis=1).to_numpy()
    if not known.any():
        raise InvalidOptionError(f"the target {list(targets.columns)} has no values")
    if not known.all():
        notes.append(f"dropped {int((~known).sum())} row(s) whose target is missing")
        targets, features = targets[known], features[known]
        weight = None if weight is None else weight[known]
    task, why = _task(options.task, targets, model.output)
    notes.append(f"task: {task} ({why}" + ("" if options.task else
                                           f"; task='{_other(task)}' chooses otherwise") + ")")
    labels = None
    if task == "classification":
        labels = class_labels(targets.iloc[:, 0])
        model = _classifier_output(model, labels, notes)
    elif model.output != "linear":
        raise InvalidOptionError(f"task is regression but the model's output is {model.output!r}; "
                                 "use output='linear', or task='classification'")
    if validation_data is not None:
        train_rows = np.arange(len(features))
        val_frame, val_targets, val_weight = _validation_table(validation_data, targets.columns)
    else:
        val_frame = None
        if options.validation_split > 0:
            codes = None if task != "classification" else label_codes(labels, targets.iloc[:, 0])
            train_rows, val_rows = split_rows(len(features), options.validation_split,
                                              shuffle=options.validation_shuffle,
                                              seed=options.seed, labels=codes)
            rule = ("at random" + (", stratified by class" if task == "classification" else "")
                    if options.validation_shuffle else "the last rows (Keras' rule)")
            notes.append(f"validation: {len(val_rows)} of {len(features)} rows, {rule}")
            val_frame, val_targets = features.iloc[val_rows], targets.iloc[val_rows]
            val_weight = None if weight is None else weight[val_rows]
        else:
            train_rows = np.arange(len(features))
    train_frame, train_targets = features.iloc[train_rows], targets.iloc[train_rows]
    train_weight = None if weight is None else weight[train_rows]
    if options.missing == "drop":
        train_frame, train_targets, train_weight = _drop_gaps(
            train_frame, train_targets, train_weight, "training", notes)
        if val_frame is not None:
            val_frame, val_targets, val_weight = _drop_gaps(val_frame, val_targets, val_weight,
                                                            "validation", notes)
    spec, learned = learn_table(train_frame, tuple(targets.columns), task=task,
                                missing=options.missing)
    spec = replace(spec, labels=labels)
    notes.extend(learned)
    X_train, _ = spec.encode(train_frame, name="the training rows")
    y_train = spec.encode_target(train_targets)
    validation = None
    if val_frame is not None:
        X_val, _ = spec.encode(val_frame, name="the validation rows")
        y_val = spec.encode_target(val_targets, name="y_val")
        if task == "classification" and (y_val < 0).any():
            raise InvalidOptionError(f"the validation rows have labels the training table never "
                                     f"had, e.g. {val_targets.iloc[int(np.argmin(y_val)), 0]!r}")
        validation = (X_val, y_val) if val_weight is None else (X_val, y_val, val_weight)
    test = None
    if test_data is not None:
        if not isinstance(test_data, (tuple, list)) or len(test_data) != 2:
            raise InvalidOptionError("test_data must be (table, y)")
        test_frame, test_targets, _ = _validation_table(test_data, targets.columns, "test_data")
        X_test, _ = spec.encode(test_frame, name="the test rows", warn=False)
        complete = ~np.isnan(X_test).any(axis=1)  # missing='drop' leaves rows unpredicted
        y_test = spec.encode_target(test_targets, name="y_test")
        unseen = (y_test < 0) if task == "classification" else np.zeros(len(y_test), bool)
        if unseen.any():
            notes.append(f"test: {int(unseen.sum())} row(s) have classes the training table "
                         f"never had (e.g. {test_targets.iloc[int(np.argmax(unseen)), 0]!r}): "
                         "a classifier cannot predict them; they are not scored")
        keep = complete & ~unseen
        notes.append(f"test: {int(keep.sum())} of {len(keep)} rows scored")
        test = (X_test[keep], y_test[keep]) if keep.any() else None
    return PreparedTable(model, X_train, y_train, train_weight, validation, test, spec, notes,
                         None if labels is None else len(labels),
                         validation_given=validation_data is not None)


def _task(task, targets, output):
    if targets.shape[1] > 1:
        if task == "classification" or output != "linear":
            raise InvalidOptionError(f"{targets.shape[1]} target columns make a regression; a "
                                     "classifier predicts one label column")
        return "regression", f"{targets.shape[1]} target columns"
    if task is not None:
        return task, "as asked"
    return infer_task(targets.iloc[:, 0], output)


def _other(task):
    return "classification" if task == "regression" else "regression"


def _classifier_output(model, labels, notes):
    if len(labels) < 2:
        raise InvalidOptionError(f"the target holds a single class ({labels[0]!r}); a classifier "
                                 "needs at least two (check the target column, or fit a "
                                 "regression with task='regression')")
    wanted = "sigmoid" if len(labels) == 2 else "softmax"
    if model.output == "linear":
        notes.append(f"output: {wanted} for {len(labels)} classes")
        return replace(model, output=wanted)
    if model.output == "sigmoid" and len(labels) > 2:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in labels)
        raise InvalidOptionError(
            f"output='sigmoid' is binary but the target has {len(labels)} distinct values; "
            + ("they are numbers: a regression takes output='linear'" if numbers else
               "use output='softmax' for more than two classes"))
    return model


def _validation_table(validation_data, target_names, name="validation_data"):
    import pandas as pd

    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise InvalidOptionError(f"{name} must be (table, y) or (table, y, weights)")
    frame, y = validation_data[0], validation_data[1]
    if not isinstance(frame, pd.DataFrame):
        raise InvalidOptionError(f"{name}'s rows must be a DataFrame like X, got "
                                 f"{type(frame).__name__}")
    targets, features = target_columns(frame, y)
    targets.columns = list(target_names)[:targets.shape[1]]
    known = targets.notna().all(axis=1).to_numpy()
    weight = None
    if len(validation_data) == 3:
        from ._checks import check_sample_weight

        weight = check_sample_weight(validation_data[2], len(frame))[known]
    return features[known], targets[known], weight


def _drop_gaps(frame, targets, weight, part, notes):
    complete = frame.notna().all(axis=1).to_numpy()
    if complete.all():
        return frame, targets, weight
    if not complete.any():
        raise InvalidOptionError(f"every {part} row has a missing value; with missing='drop' "
                                 "nothing is left: use missing='impute' or drop the emptiest "
                                 "column")
    notes.append(f"missing='drop': left out {int((~complete).sum())} {part} row(s) with gaps")
    return frame[complete], targets[complete], None if weight is None else weight[complete]
