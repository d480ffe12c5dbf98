"""Scores that catch a bad fit: the network's metrics beside two baselines, as plain JSON.

Contract
--------
:func:`score_fit` scores a model on each split it is given (``"train"``, ``"validation"``,
``"test"``) and scores, on the same rows, two baselines fitted to the training rows alone:

- ``constant``: the training mean of each target (regression), or the training class
  frequencies, whose most probable class is the majority class (classification);
- ``linear``: nnfit's exact least squares (:func:`nnfit.linear.solve`, SVD, with an intercept)
  on the same input columns. For classification it is least squares on the one-hot targets,
  predicting the class of the largest output (the linear probability model; with two classes
  its direction is Fisher's discriminant). It needs no iterations, no learning rate and no
  seed, so it cannot fail the way a trained network can; with three or more classes it can
  miss a class in the middle (masking), which only makes it an easier baseline to beat.
  Its outputs are scores, not probabilities, so it has an accuracy but no log-loss.

Both cost one pass over the data and one small factorisation: under a millisecond for a few
hundred rows, about 0.5 s for 1e5 rows of 100 columns. The result is plain JSON (dicts, str,
int, float; None where a number is undefined or not finite), meant to be stored with the fit.
This module only measures; it judges nothing.

What the scores mean is :func:`assess`'s (from :mod:`nnfit._findings`, re-exported here with
its thresholds ``LINEAR_RATIO``, ``LINEAR_GAP``, ``MIN_LOSS_FALL`` and ``LARGE_SCALE``): it
reads such a result and returns ``(level, text)`` findings, each with its likely cause and fix.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ._findings import LARGE_SCALE, LINEAR_GAP, LINEAR_RATIO, MIN_LOSS_FALL, assess

__all__ = ["score_fit", "assess", "SPLITS", "LINEAR_RATIO", "LINEAR_GAP", "MIN_LOSS_FALL",
           "LARGE_SCALE"]

SPLITS = ("train", "validation", "test")


def score_fit(task, predict, X_train, y_train, X_val=None, y_val=None, X_test=None, y_test=None,
              *, classes=None, sample_weight=None, val_sample_weight=None,
              test_sample_weight=None):
    """The model's metrics and two baselines' on each split, as plain JSON.

    Parameters
    ----------
    task : {"regression", "classification"}
    predict : callable
        ``predict(X)``: for regression the predictions in the target's units, shape (n,) or
        (n, n_targets) like ``y``; for classification the class probabilities (n, n_classes),
        columns in the order of ``classes`` (a binary model may give (n,) or (n, 1): the second
        class's probability).
    X_train : array of shape (n, n_features)
        The network's numeric inputs (already encoded), the rows it was trained on.
    y_train : array of shape (n,) or (n, n_targets)
        Regression targets in their own units, or class indices 0 .. n_classes - 1.
    X_val, y_val, X_test, y_test : arrays, optional
        Validation and test rows, scored when given (both of a pair, or neither).
    classes : sequence, optional
        The class labels (index i names class i); their number sets ``n_classes``, else the
        width of ``predict``'s output does.
    sample_weight, val_sample_weight, test_sample_weight : array of shape (n,), optional
        Non-negative row weights of each split. The baselines are fitted with the training
        weights; every metric is the weighted one (as scikit-learn's ``sample_weight``).

    Returns
    -------
    dict
        ``{"task", "splits": {split: {"rows", "model": {metrics}, "constant": {metrics},
        "linear": {metrics} or None}}, "baselines": {...}, "target": {...}, "inputs": {...},
        "seconds"}``. Metrics are ``mse``, ``rmse``, ``mae``, ``r2`` (regression; averaged over
        the targets as scikit-learn does, ``rmse`` is ``sqrt(mse)``) or ``accuracy``,
        ``log_loss`` (classification; the linear baseline has no ``log_loss``). A number that
        is undefined (R² of a constant target) or not finite (a diverged model) is None.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(0, 1, 20)[:, None]; y = 3 * X[:, 0] + 1
    >>> s = score_fit("regression", lambda X: np.full(len(X), 9.0), X, y)
    >>> s["splits"]["train"]["model"]["r2"] < 0, round(s["splits"]["train"]["linear"]["r2"], 9)
    (True, 1.0)
    """
    if task not in ("regression", "classification"):
        raise ValueError(f"task must be 'regression' or 'classification', got {task!r}")
    if not callable(predict):
        raise TypeError("predict must be a function X -> predictions, got "
                        f"{type(predict).__name__}")
    start = time.perf_counter()
    given = {"train": (X_train, y_train, sample_weight),
             "validation": (X_val, y_val, val_sample_weight),
             "test": (X_test, y_test, test_sample_weight)}
    data = {}
    for split, (X, y, w) in given.items():
        if (X is None) != (y is None):
            raise ValueError(f"give both X and y of the {split} rows, or neither")
        if X is None:
            continue
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(len(X), -1)
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"the {split} rows: X has {len(X)} rows but y has {len(y)}")
        if w is not None:
            w = np.asarray(w, dtype=np.float64).ravel()
            if w.shape != (len(X),) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError(f"the {split} rows' sample weights must be {len(X)} finite "
                                 "numbers >= 0")
        data[split] = (X, y, w)
    if len(data["train"][0]) == 0:
        raise ValueError("X_train has no rows")
    if task == "regression":
        out = _score_regression(predict, data)
    else:
        out = _score_classification(predict, data, classes)
    out["inputs"] = _input_scale(data["train"][0])
    out["seconds"] = time.perf_counter() - start
    return out


# ---------------------------------------------------------------------------------------------
# regression


def _score_regression(predict, data):
    X, y, w = data["train"]
    Y = _as_2d(np.asarray(y, dtype=np.float64))
    wt = np.ones(len(Y)) if w is None else w
    mean = np.average(Y, axis=0, weights=wt)
    std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=wt))
    linear, info = _linear_fit(X, Y, w)
    out = {"task": "regression", "splits": {}}
    for split, (Xs, ys, ws) in data.items():
        Ys = _as_2d(np.asarray(ys, dtype=np.float64))
        if Ys.shape[1] != Y.shape[1]:
            raise ValueError(f"the {split} rows have {Ys.shape[1]} targets but the training rows "
                             f"{Y.shape[1]}")
        P = np.asarray(predict(Xs), dtype=np.float64)
        P = P.reshape(len(P), -1) if P.ndim != 1 else P[:, None]
        if P.shape != Ys.shape:
            raise ValueError(f"predict gave shape {np.shape(P)} for the {split} rows; the targets "
                             f"have shape {Ys.shape}: give predictions in the target's units")
        out["splits"][split] = {
            "rows": int(len(Ys)),
            "model": _regression_metrics(Ys, P, ws),
            "constant": _regression_metrics(Ys, np.broadcast_to(mean, Ys.shape), ws),
            "linear": None if linear is None else _regression_metrics(Ys, linear(Xs), ws),
        }
    out["baselines"] = {"constant": {"kind": "mean", "value": _floats(mean)}, "linear": info}
    out["target"] = {"outputs": int(Y.shape[1]), "mean": _floats(mean), "std": _floats(std)}
    return out


def _regression_metrics(Y, P, w):
    """mse, rmse, mae, r2 of predictions P (n, k) for targets Y (n, k); weighted by w."""
    w = np.ones(len(Y)) if w is None else w
    if len(Y) == 0 or w.sum() <= 0:
        return {"mse": None, "rmse": None, "mae": None, "r2": None}
    with np.errstate(all="ignore"):
        R = Y - P
        mse_k = np.average(R ** 2, axis=0, weights=w)
        mae_k = np.average(np.abs(R), axis=0, weights=w)
        ss_tot = np.average((Y - np.average(Y, axis=0, weights=w)) ** 2, axis=0, weights=w)
        # R² per target against the split's own (weighted) mean, then averaged (scikit-learn's
        # "uniform_average"); undefined where a target is constant on the split
        r2 = float(np.mean(1 - mse_k / ss_tot)) if np.all(ss_tot > 0) else None
        mse = float(np.mean(mse_k))
    return {"mse": _finite(mse), "rmse": _finite(np.sqrt(mse)), "mae": _finite(np.mean(mae_k)),
            "r2": _finite(r2)}


# ---------------------------------------------------------------------------------------------
# classification


def _score_classification(predict, data, classes):
    X, y, w = data["train"]
    labels = _labels(y, "train")
    n_classes = None if classes is None else len(classes)
    if n_classes is not None and n_classes < 2:
        raise ValueError(f"classes must name at least two classes, got {list(classes)!r}")
    probas = {}
    for split, (Xs, ys, _) in data.items():
        P = _probabilities(predict(Xs), len(Xs), split)
        if n_classes is None:
            n_classes = P.shape[1]
        if P.shape[1] != n_classes:
            raise ValueError(f"predict gave {P.shape[1]} class probabilities for the {split} rows; "
                             f"there are {n_classes} classes")
        probas[split] = P
    wt = np.ones(len(labels)) if w is None else w
    for split, (_, ys, _) in data.items():
        lab = _labels(ys, split)
        if lab.size and lab.max() >= n_classes:
            raise ValueError(f"the {split} rows hold class index {int(lab.max())}, but there are "
                             f"only {n_classes} classes (indices 0 .. {n_classes - 1})")
    counts = np.bincount(labels, weights=wt, minlength=n_classes)
    prior = counts / counts.sum()
    majority = int(np.argmax(prior))
    linear, info = _linear_fit(X, np.eye(n_classes)[labels], w)
    out = {"task": "classification", "splits": {}}
    for split, (Xs, ys, ws) in data.items():
        lab = _labels(ys, split)
        scores = None if linear is None else linear(Xs)
        out["splits"][split] = {
            "rows": int(len(lab)),
            "model": _classification_metrics(lab, probas[split], ws),
            "constant": _classification_metrics(
                lab, np.broadcast_to(prior, (len(lab), n_classes)), ws),
            "linear": None if scores is None else
            {"accuracy": _accuracy(lab, np.argmax(scores, axis=1), ws)},
        }
    name = classes[majority] if classes is not None else majority
    out["baselines"] = {"constant": {"kind": "majority class", "class": majority,
                                     "label": _plain(name), "share": float(prior[majority])},
                        "linear": info}
    out["target"] = {"classes": int(n_classes), "counts": _floats(counts),
                     "labels": None if classes is None else [_plain(c) for c in classes]}
    return out


def _labels(y, split):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"the {split} rows' classes must be indices of shape (n,), got {y.shape}")
    if y.size and (not np.issubdtype(y.dtype, np.number) or np.any(y != np.round(y))
                   or y.min() < 0):
        raise ValueError(f"the {split} rows' classes must be the indices 0 .. n_classes - 1 "
                         "(encode labels first), got values such as " f"{y.ravel()[0]!r}")
    return y.astype(np.int64)


def _probabilities(P, n, split):
    P = np.asarray(P, dtype=np.float64)
    if P.ndim == 1 or (P.ndim == 2 and P.shape[1] == 1):
        p = P.reshape(-1)
        P = np.stack([1 - p, p], axis=1)
    if P.ndim != 2 or len(P) != n:
        raise ValueError(f"predict gave shape {P.shape} for the {split} rows; a classifier's "
                         f"must be class probabilities (n, n_classes) with n = {n}: pass "
                         "predict_proba, not predict")
    return P


def _accuracy(labels, predicted, w):
    if len(labels) == 0:
        return None
    return _finite(np.average(labels == predicted, weights=w))


def _classification_metrics(labels, P, w):
    """accuracy and log-loss of probabilities P (n, n_classes); weighted by w."""
    if len(labels) == 0:
        return {"accuracy": None, "log_loss": None}
    if not np.all(np.isfinite(P)):
        return {"accuracy": None, "log_loss": None}
    # as scikit-learn's log_loss: rows renormalised, clipped at float64's eps so that a zero
    # probability on the true class costs -log(eps) ~ 36 rather than infinity
    eps = np.finfo(np.float64).eps
    P = np.clip(P, eps, 1 - eps)
    P = P / P.sum(axis=1, keepdims=True)
    ll = -np.average(np.log(P[np.arange(len(labels)), labels]), weights=w)
    return {"accuracy": _accuracy(labels, np.argmax(P, axis=1), w), "log_loss": _finite(ll)}


# ---------------------------------------------------------------------------------------------
# shared


def _linear_fit(X, Y, w):
    """nnfit's exact least squares on the training rows: (predict function, description)."""
    from .errors import InvalidOptionError
    from .linear import solve

    info = {"kind": "least squares", "solver": "svd", "intercept": True,
            "features": int(X.shape[1])}
    if X.shape[1] == 0:
        return (lambda Xs: np.broadcast_to(np.average(Y, axis=0, weights=w), (len(Xs), Y.shape[1])),
                {**info, "rank": 0})
    try:
        with warnings.catch_warnings():
            # collinear columns (a one-hot block beside the intercept) are ordinary here: the
            # minimum-norm solution predicts as well as any other
            warnings.simplefilter("ignore")
            sol = solve(X, Y, solver="svd", sample_weight=w, refine=False)
    except (InvalidOptionError, ValueError, np.linalg.LinAlgError) as err:
        return None, {**info, "error": str(err).splitlines()[0] if str(err) else type(err).__name__}
    coef, intercept = np.atleast_2d(sol.coef), np.atleast_1d(sol.intercept)
    # interpolates when the rank reaches the rows less the intercept: its training score then
    # says nothing, and comparisons on the training rows skip it
    return (lambda Xs: Xs @ coef.T + intercept,
            {**info, "rank": int(sol.rank), "interpolates": bool(sol.rank >= len(X) - 1)})


def _input_scale(X):
    with np.errstate(all="ignore"):
        std = X.std(axis=0) if len(X) else np.zeros(X.shape[1])
        mean = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
    return {"features": int(X.shape[1]),
            "largest_abs_mean": _finite(np.max(np.abs(mean))) if X.shape[1] else 0.0,
            "largest_std": _finite(np.max(std)) if X.shape[1] else 0.0}


def _as_2d(a):
    return a[:, None] if a.ndim == 1 else a.reshape(len(a), -1)


def _finite(x):
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _floats(a):
    return [_finite(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _plain(v):
    """A class label as JSON: numbers stay numbers, anything else becomes its str."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return str(v)
