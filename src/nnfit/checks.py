"""Checks that catch a bad fit: the network's scores beside two baselines, and what they mean.

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

:func:`assess` reads such a result (and the history and configuration, when given) and returns
``(level, text)`` findings: a fit worse than the mean, clearly worse than the straight line, no
better than the majority class, or whose loss never fell, each with its likely cause and fix as
far as the evidence shows it (the target's and the inputs' scale, the learning rate, the epochs,
the penalty, the validation rows). An empty list means these checks passed.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

__all__ = ["score_fit", "assess", "SPLITS", "LINEAR_RATIO", "LINEAR_GAP", "MIN_LOSS_FALL",
           "LARGE_SCALE"]

SPLITS = ("train", "validation", "test")

# "Clearly worse than the straight line" needs both: an error (MSE, or 1 - accuracy) above
# LINEAR_RATIO times the linear model's, and an R² (or accuracy) below it by more than LINEAR_GAP.
# The ratio alone would flag differences nobody can see (R² 0.998 against 0.999 is a ratio of 2);
# the gap alone would flag noisy problems where both models are poor and 5 points of R² are
# within seed-to-seed spread (R² 0.44 against 0.50 is a ratio of 1.12). Together: the network
# leaves half again as much error as a model with no hidden layer, and the excess is over 5 % of
# the target's variance, which a plot of the fit shows plainly.
LINEAR_RATIO = 1.5
LINEAR_GAP = 0.05
# The loss "never fell" when its best epoch is less than 1 % below its first one.
MIN_LOSS_FALL = 0.01
# A target whose mean or spread exceeds this, or inputs whose columns do, are "large" for a
# network whose initial weights are of order 1 (Glorot): its outputs start near 0 with a spread
# near 1, and tanh/sigmoid units saturate for inputs beyond a few units.
LARGE_SCALE = 10.0


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


# ---------------------------------------------------------------------------------------------
# assessment

_NO_LEARNING_RATE = ("lbfgs", "lm", "trf", "dogbox")
_SPLIT_NAMES = {"train": "training", "validation": "validation", "test": "test"}


def assess(scores, history=None, *, config=None):
    """What the scores say about a fit: a list of ``(level, text)``; empty when the checks pass.

    ``level`` is ``"warning"`` for a fit that is worse than the mean (R² < 0 on a split),
    clearly worse than the straight line (see ``LINEAR_RATIO``, ``LINEAR_GAP``), no better than
    the majority class (accuracy at or below its share), with non-finite predictions, or whose
    training loss never fell (by ``MIN_LOSS_FALL`` from the first epoch to the best) or rose;
    ``"note"`` for what does not make the fit wrong. Each warning names the likely cause and
    the fix, as far as the evidence shows it: the target's scale and ``scale_target``, the
    inputs' scale and ``normalize=True``, the learning rate, the epochs (the loss still falling
    at the end), the penalty, and for validation or test rows worse than the training rows,
    rows unlike the training ones (``validation_shuffle=True``) or overfitting.

    Parameters
    ----------
    scores : dict
        What :func:`score_fit` returns (or None: no findings).
    history : pandas.DataFrame, optional
        One row per epoch with ``epoch`` and ``loss`` (``penalty``, ``val_loss``... when
        recorded), as ``Fit.history``.
    config : dict, optional
        The fit's configuration (``Fit.config``): the learning rate, optimizer, epochs, penalty,
        ``scale_target``, ``validation_split``, ``validation_shuffle`` and ``model.normalize``
        sharpen the causes named.

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(0, 1, 20)[:, None]; y = 3 * X[:, 0] + 1
    >>> [level for level, _ in assess(score_fit("regression", lambda X: 0 * X[:, 0], X, y))]
    ['warning']
    """
    if scores is None:
        return []
    cfg = config or {}
    ev = _evidence(scores, history, cfg)
    out = _non_finite(scores)
    if scores["task"] == "regression":
        found, poor = _regression_findings(scores, ev, cfg)
    else:
        found, poor = _classification_findings(scores, ev, cfg)
    out += found
    out += _loss_findings(ev, poor)
    return out


def _non_finite(scores):
    out = []
    for split, s in scores["splits"].items():
        if s["rows"] and all(v is None for v in s["model"].values()):
            out.append(("warning", f"The model's predictions on the {s['rows']} "
                        f"{_SPLIT_NAMES[split]} rows are not finite (or its metrics overflow): the "
                        "fit diverged. Lower the learning rate and normalise the inputs "
                        "(normalize=True)."))
    return out


def _evidence(scores, history, cfg):
    """What the scores, the history and the configuration say about likely causes."""
    ev = {}
    model = cfg.get("model") or {}
    ev["normalized"] = bool(model.get("normalize"))
    # scale_target=None means "on for tables": the fit's config says what was done
    ev["scaled_target"] = bool(cfg.get("scale_target")) or "target_scale" in cfg
    inputs = scores.get("inputs") or {}
    spread = max(inputs.get("largest_std") or 0.0, inputs.get("largest_abs_mean") or 0.0)
    ev["inputs_large"] = spread if spread > LARGE_SCALE and not ev["normalized"] else None
    target = scores.get("target") or {}
    if scores["task"] == "regression" and not ev["scaled_target"]:
        size = max([abs(v) for v in (target.get("mean") or []) + (target.get("std") or [])
                    if v is not None] or [0.0])
        ev["target_large"] = size if size > LARGE_SCALE else None
    else:
        ev["target_large"] = None
    lr = cfg.get("learning_rate")
    lrs = lr if isinstance(lr, (list, tuple)) else [lr]
    numeric = [v for v in lrs if isinstance(v, (int, float)) and not isinstance(v, bool)]
    ev["lr"] = (max(numeric) if numeric and len(numeric) == len(lrs)
                and cfg.get("optimizer") not in _NO_LEARNING_RATE else None)
    ev["epochs"] = cfg.get("epochs")
    ev.update(_history_evidence(history))
    return ev


def _history_evidence(history):
    ev = {"n_epochs": 0, "fall": None, "rose": False, "still_falling": False, "penalty_share": None}
    if history is None or len(history) == 0 or "loss" not in history:
        return ev
    loss = np.asarray(history["loss"], dtype=np.float64)
    ev["n_epochs"] = n = len(loss)
    if n < 2 or not np.isfinite(loss[0]) or loss[0] == 0:
        return ev
    finite = loss[np.isfinite(loss)]
    best = float(finite.min())
    ev["fall"] = (loss[0] - best) / abs(loss[0])
    ev["best_epoch"] = int(np.asarray(history["epoch"])[int(np.nanargmin(loss))]) \
        if "epoch" in history else int(np.nanargmin(loss)) + 1
    ev["rose"] = bool(np.isfinite(loss[-1]) and loss[-1] > loss[0] * (1 + MIN_LOSS_FALL)
                      and loss[0] > 0) or not np.isfinite(loss[-1])
    # the last tenth of the epochs (at least the last 3) still took the loss down by over 1 %
    window = min(n - 1, max(3, n // 10))
    before, end = loss[-1 - window], loss[-1]
    ev["still_falling"] = bool(np.isfinite(end) and before > 0
                               and (before - end) / before > MIN_LOSS_FALL)
    if "penalty" in history and np.isfinite(loss[-1]) and loss[-1] > 0:
        pen = float(np.asarray(history["penalty"], dtype=np.float64)[-1])
        ev["penalty_share"] = pen / loss[-1] if np.isfinite(pen) else None
    return ev


def _underfit_causes(ev, classification=False):
    """The likely causes of a network that fits its own training rows poorly, with fixes."""
    causes = []
    if ev["rose"]:
        causes.append("the training loss rose: the learning rate is too high; lower it "
                      "(by 10x)")
    if ev["target_large"] is not None:
        causes.append(f"the target is large (mean or spread up to {_num(ev['target_large'])}) "
                      "and was not scaled: the network's outputs start near 0 with a spread near "
                      "1, and small steps take very long to reach it; train on the standardised "
                      "target (scale_target=True)")
    if ev["inputs_large"] is not None:
        causes.append(f"the inputs are not normalised (a column's mean or spread reaches "
                      f"{_num(ev['inputs_large'])}): tanh and sigmoid units saturate and "
                      "gradients vanish; use MLP(..., normalize=True)")
    if ev["lr"] is not None and ev["lr"] <= 1e-4 and not ev["rose"]:
        causes.append(f"the learning rate ({_num(ev['lr'])}) is small for so few steps; raise "
                      "it (Adam: 1e-3 to 1e-2)")
    if ev["still_falling"]:
        causes.append(f"the loss was still falling at the last epoch ({ev['n_epochs']}): "
                      "train longer (raise epochs)")
    elif ev["n_epochs"] and ev["n_epochs"] < 20:
        causes.append(f"only {ev['n_epochs']} epoch{'s were' if ev['n_epochs'] > 1 else ' was'} "
                      "run: raise epochs")
    if ev["penalty_share"] is not None and ev["penalty_share"] > 0.5:
        causes.append(f"the penalty is {100 * ev['penalty_share']:.0f}% of the final loss: "
                      "lower l1/l2")
    if not causes:
        causes.append("no single cause stands out: try normalize=True"
                      + ("" if classification else " and scale_target=True")
                      + ", a learning rate of 1e-3 to 1e-2 (Adam), more epochs, or more units")
    return "Likely cause: " + "; ".join(causes) + "."


def _generalisation_causes(ev, cfg, shifted):
    """Why rows held out do worse than the training rows: unlike them, or overfitting."""
    if shifted:
        return ("Likely cause: the held-out rows are unlike the training rows (the training "
                "rows' baselines do poorly on them too)." + _split_fix(cfg))
    return ("Likely cause: overfitting (the training rows are fitted well); use a penalty "
            "(l2), early_stopping=True, fewer units, or more rows.")


def _split_fix(cfg):
    if cfg.get("validation_split") and not cfg.get("validation_shuffle"):
        return (" validation_split takes the last rows, so a table sorted by a column (a class, "
                "a date) holds out a different range; shuffle the split "
                "(validation_shuffle=True) or the rows.")
    return " Check how they were chosen; rows drawn at random from the same table avoid this."


def _regression_findings(scores, ev, cfg):
    """Splits worse than the mean, below R² 0 only against their own mean, or worse than the line.

    On the training rows R² < 0 means worse than the training mean. On held-out rows R² is
    taken against their own mean, which no model fitted to the training rows knows: there the
    fit is "worse than the mean" when the training mean predicts those rows better (a lower
    MSE), and R² < 0 with a lower MSE than the training mean is flagged apart, as rows unlike
    the training ones (the training mean does worse still).
    """
    splits = scores["splits"]
    interpolates = (scores["baselines"]["linear"] or {}).get("interpolates")
    worse_mean, own_mean, worse_line = {}, {}, {}
    for split, s in splits.items():
        model, const, line = s["model"], s["constant"], s["linear"]
        if model["r2"] is None or model["mse"] is None:
            continue
        if model["r2"] < 0:
            held_out_better = (split != "train" and const["mse"] is not None
                               and model["mse"] < const["mse"])
            (own_mean if held_out_better else worse_mean)[split] = s
        elif (line is not None and line["mse"] is not None and line["r2"] is not None
              and not (split == "train" and interpolates)
              and model["mse"] > LINEAR_RATIO * line["mse"]
              and line["r2"] - model["r2"] > LINEAR_GAP):
            worse_line[split] = s
    out = []
    train_poor = "train" in worse_mean or "train" in worse_line
    if worse_mean:
        parts = [_regression_part(split, s, "constant") for split, s in worse_mean.items()]
        cause = (_underfit_causes(ev) if train_poor else
                 _generalisation_causes(ev, cfg, _shifted_regression(worse_mean)))
        out.append(("warning", f"Worse than the mean: {'; '.join(parts)}: predicting the "
                    f"training rows' mean for every row does better. {cause}"))
    if own_mean:
        parts = [_regression_part(split, s, "constant") for split, s in own_mean.items()]
        out.append(("warning", f"R² below 0 on held-out rows: {'; '.join(parts)}. The network "
                    "beats the training mean there, but those rows' own mean would predict them "
                    "better: their target lies in a range or spread unlike the training "
                    "rows'." + _split_fix(cfg)))
    if worse_line:
        parts = [_regression_part(split, s, "linear") for split, s in worse_line.items()]
        cause = (_underfit_causes(ev) if train_poor
                 else _generalisation_causes(ev, cfg, False))
        out.append(("warning", f"Clearly worse than the straight line: {'; '.join(parts)}: "
                    f"nnfit's exact linear model on the same inputs leaves less than "
                    f"1/{LINEAR_RATIO:g} of the network's squared error and scores over "
                    f"{LINEAR_GAP:g} more R². {cause}"))
    return out, train_poor


def _regression_part(split, s, baseline):
    model, ref = s["model"], s[baseline]
    other = "the training mean" if baseline == "constant" else "the line"
    return (f"R² {_num(model['r2'])} on the {s['rows']} {_SPLIT_NAMES[split]} rows (MSE "
            f"{_num(model['mse'])}; {other}: R² {_num(ref['r2'])}, MSE {_num(ref['mse'])})")


def _shifted_regression(bad):
    """Held-out rows on which the training mean is itself far off: R² below -0.5."""
    return any((s["constant"]["r2"] is not None and s["constant"]["r2"] < -0.5)
               for split, s in bad.items() if split != "train")


def _classification_findings(scores, ev, cfg):
    splits = scores["splits"]
    base = scores["baselines"]["constant"]
    label = base["label"]
    majority, worse_line = {}, {}
    for split, s in splits.items():
        model, const, line = s["model"], s["constant"], s["linear"]
        acc = model["accuracy"]
        if acc is None:
            continue
        if const["accuracy"] is not None and acc <= const["accuracy"] + 1e-12:
            majority[split] = s
            continue
        interpolates = (scores["baselines"]["linear"] or {}).get("interpolates")
        if (line is not None and line["accuracy"] is not None
                and not (split == "train" and interpolates)
                and (1 - acc) > LINEAR_RATIO * (1 - line["accuracy"])
                and line["accuracy"] - acc > LINEAR_GAP):
            worse_line[split] = s
    out = []
    train_poor = "train" in majority or "train" in worse_line
    if majority:
        parts = [f"accuracy {_num(s['model']['accuracy'])} on the {s['rows']} "
                 f"{_SPLIT_NAMES[split]} rows, where always answering {label!r} scores "
                 f"{_num(s['constant']['accuracy'])}" for split, s in majority.items()]
        if train_poor:
            cause = _underfit_causes(ev, classification=True)
        else:
            shifted = any(s["constant"]["accuracy"] is not None
                          and s["constant"]["accuracy"] < base["share"] - 0.25
                          for s in majority.values())
            cause = _generalisation_causes(ev, cfg, shifted)
        imbalance = (f" The training rows are {100 * base['share']:.0f}% {label!r}: weight the "
                     "rarer classes (sample_weight) if they matter."
                     if base["share"] >= 0.8 else "")
        out.append(("warning", f"No better than the majority class: {'; '.join(parts)}. "
                    f"{cause}{imbalance}"))
    if worse_line:
        parts = [f"accuracy {_num(s['model']['accuracy'])} on the {s['rows']} "
                 f"{_SPLIT_NAMES[split]} rows (the line: {_num(s['linear']['accuracy'])})"
                 for split, s in worse_line.items()]
        cause = (_underfit_causes(ev, classification=True) if train_poor
                 else _generalisation_causes(ev, cfg, False))
        out.append(("warning", f"Clearly worse than a linear classifier: {'; '.join(parts)}: "
                    f"least squares on the one-hot classes, on the same inputs, errs less than "
                    f"1/{LINEAR_RATIO:g} as often and is more than {LINEAR_GAP:g} more accurate. "
                    f"{cause}"))
    return out, train_poor


def _loss_findings(ev, poor):
    fall = ev["fall"]
    if fall is None:
        if poor and ev["n_epochs"] == 1:
            return [("note", "The history has one epoch: whether the loss fell cannot be "
                     "told; raise epochs.")]
        return []
    if ev["rose"]:
        return [("warning", f"The training loss rose over the {ev['n_epochs']} epochs (best at "
                 f"epoch {ev['best_epoch']}): the learning rate is too high for this model and "
                 "data; lower it by 10x" + ("" if ev["normalized"] else
                                            " and normalise the inputs (normalize=True)") + ".")]
    if fall >= MIN_LOSS_FALL:
        return []
    text = (f"The training loss never fell: its best epoch ({ev['best_epoch']}) is "
            f"{100 * fall:.2g}% below the first of {ev['n_epochs']}.")
    if poor:  # the warning on the scores above names the causes
        return [("warning", f"{text} The network learned next to nothing; see the likely "
                 "causes given with its scores.")]
    # a good fit whose first epoch already did the work (many batches an epoch)
    return [("note", f"{text} The first epoch already reached the fit shown; the later ones "
             "changed little.")]


def _num(x):
    if x is None:
        return "undefined"
    x = float(x)
    if 1e3 <= abs(x) < 1e7:
        return f"{x:,.0f}"
    return f"{x:.3g}"
