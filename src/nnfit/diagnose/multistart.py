"""Many starts, one curve: parameters differ, predictions agree inside the data.

Seed 002: "Run this sequence several times with new initializations. You should get equally
good fits, but different parameters." Part of that difference is trivial. Hidden units can be
relabelled, and for some activations a unit can be flipped or rescaled, without changing the
function the network computes. :func:`canonical_params` removes those symmetries, so what is
left of the differences between starts is real non-uniqueness.

Canonical form, hidden layer by hidden layer from the input side:

1. **sign** (odd activations ``tanh``, ``sin``, ``linear``: f(-z) = -f(z)): flip unit ``j`` so
   that its largest-magnitude incoming weight is positive, negating its bias and its outgoing
   weights. ``sigmoid`` has the same symmetry up to a constant, sigma(-z) = 1 - sigma(z):
   the flip negates the outgoing weights and adds them to the next layer's bias.
2. **scale** (positively homogeneous ``relu``, ``leaky_relu``, ``linear``: f(c z) = c f(z) for
   c > 0): divide the unit's incoming weights and bias by their joint Euclidean norm and
   multiply its outgoing weights by it.
3. **order**: sort the units by their change point ``-b_j / w_j`` along the largest-magnitude
   incoming weight (for a network of one input, where the unit bends in x), ascending.

The network's function is unchanged by each step (to rounding). Other activations (``elu``,
``gelu``, ``gelu_tanh``, ``softplus``, ``silu``) only get the ordering. A linear layer has a far
larger symmetry (any invertible mixing of its units) that this does not remove.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_features
from ._common import check_fit, stacked_params

ODD = ("tanh", "sin", "linear")
HOMOGENEOUS = ("relu", "leaky_relu", "linear")


@dataclass(frozen=True)
class MultiStart:
    """Parameters and predictions of ``K`` starts compared.

    Attributes
    ----------
    fit : Fit
        The fit with ``K`` members.
    params : ndarray of shape (K, p)
        Each member's flat parameters (``W0`` row-major, ``b0``, ``W1``, ...).
    canonical : ndarray of shape (K, p)
        The same after :func:`canonical_params`.
    distance, canonical_distance : ndarray of shape (K, K)
        Euclidean distances between members' parameter vectors, before and after removing the
        symmetries.
    X_inside : ndarray of shape (n_in, d)
        The inputs inside the data (the training inputs).
    predictions_inside : ndarray of shape (K, n_in) or (K, n_in, k)
    X_outside : ndarray of shape (n_out, d) or None
    predictions_outside : ndarray of shape (K, n_out) or (K, n_out, k), or None
    summary : pandas.DataFrame
        One row per region (``inside``, ``outside``): ``mean_std`` and ``max_std`` of the
        members' predictions, and ``max_range`` (largest max - min across members).
    """

    fit: object
    params: np.ndarray
    canonical: np.ndarray
    distance: np.ndarray
    canonical_distance: np.ndarray
    X_inside: np.ndarray
    predictions_inside: np.ndarray
    X_outside: np.ndarray | None
    predictions_outside: np.ndarray | None
    summary: object


def canonical_params(network, params):
    """One member's parameters with hidden-unit symmetries removed (see the module docstring).

    Parameters
    ----------
    network : Network
        ``fit.network``.
    params : list of (W, b)
        One member's parameters, e.g. ``fit.member_params(0)``.

    Returns
    -------
    list of (W, b)
        Float64 copies, same shapes; ``network.apply`` gives the same outputs.
    """
    params = [[np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)] for W, b in params]
    for layer, act in enumerate(network.spec.activation):
        W, b = params[layer]
        W_next, b_next = params[layer + 1]
        lead = np.argmax(np.abs(W), axis=0)  # each unit's largest-magnitude incoming weight
        w_lead = W[lead, np.arange(W.shape[1])]
        if act in ODD or act == "sigmoid":
            flip = w_lead < 0
            sign = np.where(flip, -1.0, 1.0)
            if act == "sigmoid":  # w sigma(z) = w - w sigma(-z)
                b_next = b_next + (W_next * flip[:, None]).sum(axis=0)
            W, b, W_next = W * sign[None, :], b * sign, W_next * sign[:, None]
            w_lead = w_lead * sign
        if act in HOMOGENEOUS:
            norm = np.sqrt((W ** 2).sum(axis=0) + b ** 2)
            scale = np.where(norm > 0, norm, 1.0)
            W, b, W_next = W / scale[None, :], b / scale, W_next * scale[:, None]
            w_lead = w_lead / scale
        with np.errstate(divide="ignore", invalid="ignore"):
            key = np.where(w_lead != 0, -b / np.where(w_lead != 0, w_lead, 1.0), np.inf)
        order = np.lexsort((b, key))  # ties (e.g. zero weights) broken by the bias
        params[layer] = [W[:, order], b[order]]
        params[layer + 1] = [W_next[order, :], b_next]
    return [(W, b) for W, b in params]


def _flat(params):
    return np.concatenate([np.concatenate([W.ravel(), b.ravel()]) for W, b in params])


def _distances(V):
    diff = V[:, None, :] - V[None, :, :]
    return np.sqrt((diff ** 2).sum(axis=-1))


def _outside_grid(X, n_points=50):
    """For one input: points beyond each end of the training range, one range wide."""
    low, high = X[:, 0].min(), X[:, 0].max()
    width = high - low if high > low else 1.0
    left = np.linspace(low - width, low, n_points // 2, endpoint=False)
    right = np.linspace(high + width, high, n_points - n_points // 2, endpoint=False)[::-1]
    return np.concatenate([left, right])[:, None]


def _spread(predictions):
    std = predictions.std(axis=0)
    spread = predictions.max(axis=0) - predictions.min(axis=0)
    return float(std.mean()), float(std.max()), float(spread.max())


def compare_starts(fit, X, X_outside=None):
    """Compare the members of a multi-member fit: parameters (raw and canonical), predictions.

    Parameters
    ----------
    fit : Fit
        With ``n_members >= 2`` (e.g. ``nnfit.fit(..., n_members=K)``).
    X : array-like of shape (n, n_inputs)
        Inputs inside the data, usually the training inputs.
    X_outside : array-like of shape (m, n_inputs), optional
        Inputs outside the data; for a network of one input, by default 50 points spread over
        one training range beyond each end.

    Returns
    -------
    MultiStart
    """
    import pandas as pd

    check_fit(fit, "compare_starts")
    if fit.n_members < 2:
        raise ValueError("compare_starts needs a fit with several members; train one with "
                         "nnfit.fit(model, X, y, n_members=K) or use multistart()")
    X = check_features(X)
    if X_outside is None and fit.network.n_inputs == 1:
        X_outside = _outside_grid(X)
    elif X_outside is not None:
        X_outside = check_features(X_outside, name="X_outside")
    stacked = stacked_params(fit)
    members = [[(W[m], b[m]) for W, b in stacked] for m in range(fit.n_members)]
    raw = np.stack([_flat(p) for p in members]).astype(np.float64)
    canonical = np.stack([_flat(canonical_params(fit.network, p)) for p in members])
    inside = fit.predict_members(X)
    outside = None if X_outside is None else fit.predict_members(X_outside)
    rows = [("inside", len(X), *_spread(inside))]
    if outside is not None:
        rows.append(("outside", len(X_outside), *_spread(outside)))
    summary = pd.DataFrame(rows, columns=["region", "n_points", "mean_std", "max_std", "max_range"])
    return MultiStart(fit=fit, params=raw, canonical=canonical, distance=_distances(raw),
                      canonical_distance=_distances(canonical), X_inside=X,
                      predictions_inside=inside, X_outside=X_outside,
                      predictions_outside=outside, summary=summary)


def multistart(model, X, y, *, n_starts=8, X_outside=None, seed=0, **fit_options):
    """Train ``n_starts`` starts of ``model`` together and compare them.

    Parameters
    ----------
    model : MLP
    X : array-like of shape (n, n_inputs)
    y : array-like of shape (n,) or (n, n_outputs)
    n_starts : int
        Members trained together; start ``i`` uses seed ``seed + i``.
    X_outside : array-like of shape (m, n_inputs), optional
        See :func:`compare_starts`.
    seed : int
    **fit_options
        Passed to :func:`nnfit.fit` (optimizer, learning_rate, epochs, ...).

    Returns
    -------
    MultiStart

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(0, 1, 50)[:, None]; y = X[:, 0] ** (1 / 3)
    >>> ms = nnfit.diagnose.multistart(nnfit.MLP(hidden=(3,), activation="tanh"), X, y,
    ...                                n_starts=4, learning_rate=0.01, epochs=50, batch_size=None)
    >>> ms.canonical_distance.shape, list(ms.summary.region)
    ((4, 4), ['inside', 'outside'])
    """
    from ..training import fit as train

    fit = train(model, X, y, n_members=n_starts, seed=seed, **fit_options)
    return compare_starts(fit, X, X_outside)
