"""The user's targets, weights and validation rows as the arrays training takes.

Targets become a 2-D float array (class labels one-hot or 0/1), weights a checked (n,) array,
and the validation rows either the given ``validation_data`` or the last fraction of the rows
(Keras' rule).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_features, check_sample_weight, check_targets
from .errors import InvalidOptionError


def encode_targets(model, y, task, n_classes=None):
    """Targets as a 2-D float array (n, n_outputs); class labels become 0/1 or one-hot.

    ``n_classes`` (the training set's) fixes the one-hot width of validation labels.
    """
    y_shape = y.shape[1:]
    if task == "regression":
        return (y if y.ndim == 2 else y[:, None]), None, y_shape
    labels = y.ravel() if (y.ndim == 1 or y.shape[1] == 1) else None
    if labels is None:
        raise InvalidOptionError(f"classification targets must be labels of shape (n,), got {y.shape}")
    if np.any(labels != np.round(labels)) or labels.min() < 0:
        bad = labels[(labels != np.round(labels)) | (labels < 0)][0]
        raise InvalidOptionError(f"class labels must be integers 0, 1, ..., got {bad!r}")
    classes = np.arange(int(labels.max()) + 1)
    if n_classes is None and np.unique(labels).size < 2:
        raise InvalidOptionError(
            f"y holds a single class ({labels[0]:g}); a classifier needs at least two classes "
            "in its training rows (check the target column, or fit a regression)")
    if n_classes is not None:
        if classes.size > n_classes:
            raise InvalidOptionError(f"validation labels go up to {classes[-1]} but the training labels "
                             f"only to {n_classes - 1}")
        classes = np.arange(n_classes)
    if model.output == "sigmoid":
        if classes.size > 2:
            raise InvalidOptionError(f"output='sigmoid' is binary but y has labels up to {classes[-1]}; "
                             "use output='softmax' for more than two classes")
        return labels[:, None], np.arange(2), ()
    return np.eye(max(2, classes.size))[labels.astype(int)], np.arange(max(2, classes.size)), ()


def weights(sample_weight, n):
    """Weights (n,): ones, or the user's checked (finite, >= 0, a positive sum)."""
    w = check_sample_weight(sample_weight, n)
    return np.ones(n) if w is None else w


def split_validation(model, X, Y, w, task, n_classes, split, validation_data):
    """Split off the validation rows: given data, else the last ``split`` fraction (Keras)."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise InvalidOptionError("validation_data must be (X_val, y_val) or (X_val, y_val, weights)")
        X_val = check_features(validation_data[0], name="X_val")
        if X_val.shape[1] != X.shape[1]:
            raise InvalidOptionError(f"X_val has {X_val.shape[1]} features but X has {X.shape[1]}")
        Y_val, _, _ = encode_targets(model, check_targets(validation_data[1], len(X_val),
                                                           name="y_val"), task, n_classes)
        if Y_val.shape[1] != Y.shape[1]:
            raise InvalidOptionError(f"y_val has {Y_val.shape[1]} outputs but y has {Y.shape[1]}")
        w_val = (np.ones(len(X_val)) if len(validation_data) == 2
                 else weights(validation_data[2], len(X_val)))
        return X, Y, w, X_val, Y_val, w_val
    if split == 0:
        return X, Y, w, None, None, None
    from .datasets import validation_split
    X_tr, Y_tr, X_val, Y_val = validation_split(X, Y, split)
    n_tr = len(X_tr)
    return X_tr, Y_tr, w[:n_tr], X_val, Y_val, w[n_tr:]
