"""How far outside the training data an input lies, and what the model predicts there.

Seed 002 fits y = x^(1/3) on [0, 1] with tanh units and shows the fit flattening beyond 1: every
tanh saturates, so the network predicts a constant where the truth keeps rising. Nothing in the
prediction itself says so. :func:`extrapolation_score` measures, for each input, two distances
from the training inputs:

- the **range distance** of each feature: how far it lies outside the training ``[min, max]``
  of that feature, in units of that range (0 inside; 0.5 means half a range beyond the edge);
  ``range_score`` is the largest over the features;
- the **Mahalanobis distance** from the training mean under the training covariance
  (pseudo-inverse when the covariance is singular), which also catches points inside every
  feature's range but off the data's correlation (a corner of the box the data never visit).

An input is flagged ``outside`` when its range score exceeds ``range_tol`` (default 0: any
feature outside its training range) **or** its Mahalanobis distance exceeds the threshold,
by default the largest Mahalanobis distance of any training input (so no training point is
flagged). :func:`extrapolate` adds the fit's prediction and ensemble spread to the same table.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._checks import check_features
from ._common import check_fit


@dataclass(frozen=True)
class ExtrapolationScore:
    """Distances of ``n`` inputs from ``d``-feature training data.

    Attributes
    ----------
    range_distance : ndarray of shape (n, d)
        Per feature: ``max(min - x, x - max, 0) / (max - min)``; a constant training feature
        (zero range) gives 0 at its value and ``inf`` elsewhere.
    range_score : ndarray of shape (n,)
        The largest ``range_distance`` of each input.
    mahalanobis : ndarray of shape (n,)
        ``sqrt((x - mean)^T pinv(cov) (x - mean))`` with the training mean and covariance.
    threshold : float
        The Mahalanobis distance above which an input is ``outside``.
    range_tol : float
        The range score above which an input is ``outside``.
    outside : ndarray of bool, shape (n,)
        ``(range_score > range_tol) | (mahalanobis > threshold)``.
    """

    range_distance: np.ndarray
    range_score: np.ndarray
    mahalanobis: np.ndarray
    threshold: float
    range_tol: float
    outside: np.ndarray

    def to_frame(self):
        """DataFrame with columns ``range_score``, ``mahalanobis``, ``outside``."""
        import pandas as pd

        return pd.DataFrame({"range_score": self.range_score, "mahalanobis": self.mahalanobis,
                             "outside": self.outside})


def _threshold(name, value):
    """A threshold: a number >= 0, ``inf`` allowed (it switches that test off)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0 (inf switches the test off), got {value!r}")
    return float(value)


def _mahalanobis(X_train, X):
    mean = X_train.mean(axis=0)
    cov = np.atleast_2d(np.cov(X_train, rowvar=False))
    precision = np.linalg.pinv(cov, hermitian=True)

    def distance(A):
        D = A - mean[None, :]
        return np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", D, precision, D), 0.0))

    return distance(X_train), distance(X)


def extrapolation_score(X_train, X, *, range_tol=0.0, mahalanobis_threshold=None):
    """Score how far each row of ``X`` lies outside the training inputs ``X_train``.

    Parameters
    ----------
    X_train : array-like of shape (n_train, d)
        The inputs the model was trained on (at least 2 rows).
    X : array-like of shape (n, d)
        The inputs to score.
    range_tol : float
        Range score (in training ranges) tolerated before an input counts as outside;
        ``inf`` switches the range test off.
    mahalanobis_threshold : float, optional
        Mahalanobis distance above which an input counts as outside; default the largest
        distance of any training input; ``inf`` switches the Mahalanobis test off.

    Returns
    -------
    ExtrapolationScore

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.diagnose import extrapolation_score
    >>> s = extrapolation_score(np.linspace(0, 1, 50)[:, None], [[0.5], [1.0], [3.0]])
    >>> s.range_score.tolist(), s.outside.tolist()
    ([0.0, 0.0, 2.0], [False, False, True])
    """
    X_train = check_features(X_train, name="X_train")
    X = check_features(X)
    if X.shape[1] != X_train.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but X_train has {X_train.shape[1]}")
    if len(X_train) < 2:
        raise ValueError("X_train needs at least 2 rows to define a range and a covariance")
    range_tol = _threshold("range_tol", range_tol)
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    width = high - low
    beyond = np.maximum(np.maximum(low[None, :] - X, X - high[None, :]), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(width[None, :] > 0, beyond / np.where(width > 0, width, 1.0)[None, :],
                            np.where(beyond > 0, np.inf, 0.0))
    score = distance.max(axis=1)
    train_d, d = _mahalanobis(X_train, X)
    if mahalanobis_threshold is None:
        threshold = float(train_d.max())
    else:
        threshold = _threshold("mahalanobis_threshold", mahalanobis_threshold)
    # a hair of slack so the training points themselves, recomputed, are never flagged
    outside = (score > range_tol) | (d > threshold * (1 + 1e-9))
    return ExtrapolationScore(range_distance=distance, range_score=score, mahalanobis=d,
                              threshold=threshold, range_tol=range_tol, outside=outside)


def extrapolate(fit, X_train, X, *, range_tol=0.0, mahalanobis_threshold=None):
    """Predictions, ensemble spread and extrapolation scores on inputs ``X``.

    Parameters
    ----------
    fit : Fit
        A regression fit; with several members the spread is their standard deviation.
    X_train : array-like of shape (n_train, n_inputs)
        The training inputs (a Fit does not keep them).
    X : array-like of shape (n, n_inputs)
    range_tol, mahalanobis_threshold
        As in :func:`extrapolation_score`.

    Returns
    -------
    pandas.DataFrame
        One row per input: the inputs (``x`` for one input, else the feature names or
        ``x0``, ``x1``, ...), ``prediction`` and ``std`` (``prediction_k``/``std_k`` per output
        for 2-D targets), ``range_score``, ``mahalanobis``, ``outside``.
    """
    import pandas as pd

    check_fit(fit, "extrapolate")
    if fit.task != "regression":
        raise ValueError("extrapolate is for regression fits; this Fit is a classifier")
    score = extrapolation_score(X_train, X, range_tol=range_tol,
                                mahalanobis_threshold=mahalanobis_threshold)
    X = check_features(X)
    mean, std = fit.predict(X, return_std=True)
    if X.shape[1] == 1:
        columns = {"x": X[:, 0]}
    else:
        names = fit.feature_names or tuple(f"x{i}" for i in range(X.shape[1]))
        columns = {name: X[:, i] for i, name in enumerate(names)}
    if mean.ndim == 1:
        columns.update(prediction=mean, std=std)
    else:
        for k in range(mean.shape[1]):
            columns.update({f"prediction_{k}": mean[:, k], f"std_{k}": std[:, k]})
    frame = pd.DataFrame(columns)
    return pd.concat([frame, score.to_frame()], axis=1)
