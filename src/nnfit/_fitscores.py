"""What a fit is checked against: its test rows, its validation rows' warnings, its scores.

After training, :func:`scores` scores the fit on its training, validation and test rows beside
the baselines of :mod:`nnfit.checks`; before it, :func:`test_rows` checks the test rows and
:func:`validation_warnings` looks for validation rows that cannot tell the truth (classes
training never saw, targets outside the training range).
"""

from __future__ import annotations

import warnings

from ._checks import check_features, check_targets
from ._fitdata import class_labels, encode_targets
from .errors import InvalidOptionError


def test_rows(model, task, test_data, X, n_classes):
    """``test_data`` as (X_test, Y_test) encoded like the training targets, or None."""
    if test_data is None:
        return None
    if not isinstance(test_data, (tuple, list)) or len(test_data) != 2:
        raise InvalidOptionError("test_data must be (X_test, y_test)")
    X_test = check_features(test_data[0], name="X_test")
    if X_test.shape[1] != X.shape[1]:
        raise InvalidOptionError(f"X_test has {X_test.shape[1]} features but X has {X.shape[1]}")
    y_test = check_targets(test_data[1], len(X_test), name="y_test")
    return X_test, encode_targets(model, y_test, task, n_classes)[0]


def scores(fitted, X_tr, Y_tr, w_tr, X_val, Y_val, w_val, test):
    """The fit's and its baselines' metrics on the training and validation rows (checks)."""
    from .checks import score_fit

    view = fitted.encoded()  # the arrays are the network's inputs
    if fitted.task == "classification":
        labels = lambda Y: None if Y is None else class_labels(Y).astype(int)  # noqa: E731
        predict = view.predict_proba
    else:
        labels = lambda Y: None if Y is None else (Y[:, 0] if fitted.y_shape == () else Y)  # noqa: E731
        predict = view.predict
    X_test, Y_test = test if test is not None else (None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a diverged fit's NaN predictions: scored as None
        return score_fit(fitted.task, predict, X_tr, labels(Y_tr), X_val, labels(Y_val),
                         X_test, labels(Y_test),
                         classes=None if fitted.classes is None else fitted.classes.tolist(),
                         sample_weight=w_tr, val_sample_weight=w_val)


def validation_warnings(task, Y_tr, Y_val, table, options, given):
    """Classes only validation has; validation targets mostly outside the training range.

    ``given``: the user passed ``validation_data`` (a table's split, made from the raw rows,
    is the options' rule, not given data).
    """
    from ._fitdata import validation_warnings as warnings_of

    if Y_val is None:
        return []
    names = None if table is None or table.spec.labels is None else list(table.spec.labels)
    rule = ("given" if given else "shuffled" if options.validation_shuffle else "last")
    targets = None if table is None or task != "regression" else list(table.spec.target)
    return warnings_of(task, Y_tr, Y_val, label_names=names, target_names=targets, rule=rule)
