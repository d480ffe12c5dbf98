"""Linear regression, exact: ``solve`` (SVD, QR, pseudo-inverse, normal equations) and the loss
surface over two coefficients; the hand-written gradient solvers live in ``nnfit.linear_gd`` and
are re-exported here.

Contract
--------
The model is ``y ≈ intercept + X @ coef.T`` with ``X`` of shape (n_samples, n_features) and ``y`` of
shape (n_samples,) or (n_samples, n_targets). Shapes follow scikit-learn's ``LinearRegression``:
``coef`` is (n_features,) for a 1-D ``y`` and (n_targets, n_features) for a 2-D one; ``intercept``
is a float or (n_targets,). Everything is float64.

The exact solvers work on centred data: with an intercept, the (weighted) column means are taken
out of ``X`` and ``y``, the slope coefficients are the least-squares solution of the centred problem
and the intercept is ``mean(y) - mean(X) @ coef``. Sample weights ``w`` scale the centred rows by
``sqrt(w)``, exactly as scikit-learn does. ``singular_values`` describe that centred, weighted
matrix and ``rank`` counts its singular values above ``max(n_samples, n_features) * eps`` times
the largest (NumPy's ``matrix_rank`` rule; for ``"svd"`` and ``"qr"``, those of the matrix with
equilibrated columns, below). A rank-deficient problem — collinear columns, or fewer rows than
columns — gets the minimum-norm solution and a ``RankDeficientWarning``.

The answer does not depend on the scale of the data: where ``X``, a column of ``y`` or the
weights hold numbers beyond 2**±256 (about 1e±77), whose squares and products would leave
float64's range inside the factorisations, they are divided by a power of two first (exact: all
of ``X`` by one, so ranks, minimum-norm solutions and singular values keep their meaning; each
target by its own) and the coefficients multiplied back. ``X * 1e-300`` gives coefficients
``1e300`` times larger, to the last digit. Where the coefficients themselves fall outside
float64's range (``y`` ``1e300`` times larger than an ``X`` of ``1e-300``), no float64 answer
exists and :class:`~nnfit.errors.InvalidOptionError` says so, rather than returning inf or NaN.

``"svd"`` and ``"qr"`` (see ``nnfit._lstsq``) equilibrate the columns of the centred matrix
(each divided by a power of two near its norm), solve by Householder QR, and refine the answer:
the residual of the original (uncentred) problem and its product with ``X`` are accumulated
beyond float64 (``np.longdouble`` where it has a 64-bit significand and the problem is well
conditioned, double-double arithmetic by error-free transformations otherwise) and each
correction solves the corrected semi-normal equations with the triangular factor at hand
(Björck), until the corrections reach float64's rounding. The rank rule applies to the
equilibrated matrix, so ``rank`` counts a column that only the scale of the data made look
dependent, and a ``RankDeficientWarning`` means a dependence that refinement cannot undo. On
NIST's eleven StRD linear problems this keeps every certified digit that float64 data allow:
7.6 on Filip (a degree-10 polynomial given as the columns x..x**10, cond 1.8e15, where
scikit-learn and ``numpy.linalg.lstsq`` keep none: the data rounded to float64 are themselves
7.6 digits from NIST's),
13.2 to 15 on the others. A well-conditioned problem takes one refinement pass over the data.
For a polynomial in one variable, :func:`polyfit` fits in a Chebyshev basis and converts
exactly, keeping 14 digits on Filip.

The loss surface and the gradient solvers share one parameter vector, ``theta``, intercept first:
``theta = [intercept, coef_1, ..., coef_d]``.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import scipy.linalg as sla

from nnfit import _lstsq
from nnfit._checks import (
    check_choice,
    check_features,
    check_sample_weight,
    check_targets,
)
from nnfit._polyfit import polyfit
from nnfit.errors import InvalidOptionError
from nnfit.linear_gd import (
    DescentResult,
    GradientDescentDiverged,
    gradient_descent,
    loss_scale,
)

__all__ = [
    "EXACT_SOLVERS",
    "GRADIENT_SOLVERS",
    "DescentResult",
    "GradientDescentDiverged",
    "IllConditionedWarning",
    "LinearSolution",
    "RankDeficientWarning",
    "gradient_descent",
    "loss_surface",
    "polyfit",
    "solve",
]

EXACT_SOLVERS = ("svd", "qr", "pinv", "normal")
GRADIENT_SOLVERS = ("gd", "minibatch", "sgd")

HAS_EXTENDED = _lstsq.HAS_EXTENDED

# Data whose largest magnitude is beyond 2**±SAFE_EXPONENT are scaled by a power of two before
# solving: the squares and products of the factorisations then stay far inside float64's range
# (2**±1022), and data inside it are used as they are (no copy, the same bits).
SAFE_EXPONENT = 256

# The normal equations square the condition number, so their answer keeps about
# -log10(cond(X)**2 * eps) digits; warn when that is fewer than this many.
NORMAL_EQUATIONS_MIN_DIGITS = 8


class RankDeficientWarning(UserWarning):
    """The centred design matrix is rank-deficient; the minimum-norm solution was returned."""


class IllConditionedWarning(UserWarning):
    """The solver chosen loses too many digits for this problem's condition number."""


class LinearSolution(NamedTuple):
    """What ``solve`` returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept : float or ndarray of shape (n_targets,)
    rank : int
        Numerical rank of the centred, weighted design matrix (for ``"svd"`` and ``"qr"``, of
        that matrix with equilibrated columns: what refinement can recover).
    singular_values : ndarray of shape (min(n_samples, n_features),)
        Its singular values, largest first (for ``"normal"``: square roots of the eigenvalues of
        ``X.T @ X``, accurate only down to about ``sqrt(eps)`` times the largest).
    cond : float
        ``singular_values[0] / singular_values[-1]`` (``inf`` when the last one is zero).
    """

    coef: np.ndarray
    intercept: float | np.ndarray
    rank: int
    singular_values: np.ndarray
    cond: float


def solve(X, y, solver="svd", fit_intercept=True, sample_weight=None, refine=True):
    """Least-squares coefficients of ``y ≈ intercept + X @ coef.T``, exactly.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    solver : {"svd", "qr", "pinv", "normal"}
        ``"svd"`` (default): Householder QR of the centred, column-equilibrated matrix, the SVD
        of its small triangular factor, then iterative refinement; the most robust. ``"qr"``:
        column-pivoted Householder QR, triangular solves and refinement (the SVD of R when
        rank-deficient); as accurate as ``"svd"`` on full-rank problems. ``"pinv"``: forms the
        pseudo-inverse ``X⁺`` from the SVD and multiplies, as textbooks write it. ``"normal"``:
        solves ``XᵀX b = Xᵀy`` by Cholesky (by the eigendecomposition of ``XᵀX`` when singular);
        the teaching variant, it squares the condition number and warns
        (``IllConditionedWarning``) when fewer than 8 digits can be trusted.
    fit_intercept : bool
        Centre the data and fit an intercept; if false the intercept is 0.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights; the loss is ``sum_i w_i * (y_i - ŷ_i)**2``.
    refine : bool
        ``"svd"`` and ``"qr"`` only: iterative refinement with the residual accumulated beyond
        float64 (see the module docstring); one pass over the data on a well-conditioned
        problem, a few on an ill-conditioned one. Turn it off to save them.

    Returns
    -------
    LinearSolution
        ``coef``, ``intercept``, ``rank``, ``singular_values``, ``cond``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.linear import solve
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> sol = solve(X, y)
    >>> np.round(sol.coef, 12), round(float(sol.intercept), 12)
    (array([2.]), 1.0)
    """
    check_choice("solver", solver, EXACT_SOLVERS)
    X = check_features(X)
    y = check_targets(y, X.shape[0])
    w = check_sample_weight(sample_weight, X.shape[0])
    n, d = X.shape
    # the problem solved is scaled by powers of two into a safe range (see the module
    # docstring): exact, and a no-op for data of ordinary size
    X, x_exp = _scaled(X, axis=None)
    Y, y_exp = _scaled(y.reshape(n, -1), axis=0)
    w, w_exp = (None, 0) if w is None else _scaled(w, axis=None, even=True)
    Xc, Yc, x_mean, y_mean = _centre(X, Y, fit_intercept, w)

    factors = None
    if solver == "normal":
        coef_t, s = _solve_normal(Xc, Yc, n, d)
        rank = _lstsq.rank(s, None, n, d)
    elif solver == "pinv":
        coef_t, s = _solve_pinv(Xc, Yc, _lstsq.rtol(n, d))
        rank = _lstsq.rank(s, _lstsq.rtol(n, d), n, d)
    else:  # the rank of the column-equilibrated matrix (see nnfit._lstsq)
        coef_t, s, rank, factors = _lstsq.orthogonal(Xc, Yc, _lstsq.rtol(n, d), solver == "qr")
    del Xc, Yc
    cond = float(s[0] / s[-1]) if s.size and s[-1] > 0 else float("inf")
    if rank < d:
        rows = (
            f"; {n} rows are too few for {d} columns{' and an intercept' if fit_intercept else ''}"
            if n < d + fit_intercept
            else ""
        )
        warnings.warn(
            f"X{' (centred)' if fit_intercept else ''} has rank {rank} < {d} columns{rows}: "
            "the coefficients are not unique and the minimum-norm solution is returned",
            RankDeficientWarning,
            stacklevel=2,
        )
    if solver == "normal" and rank == d:
        digits = -np.log10(cond**2 * np.finfo(np.float64).eps)
        if digits < NORMAL_EQUATIONS_MIN_DIGITS:
            warnings.warn(
                f"the normal equations square the condition number: cond(X) = {cond:.3g}, so "
                f"only about {max(digits, 0):.0f} significant digits of the coefficients can be "
                "trusted; use solver='svd' or 'qr' for an accurate answer",
                IllConditionedWarning,
                stacklevel=2,
            )

    intercept = y_mean - x_mean @ coef_t if fit_intercept else np.zeros(coef_t.shape[1])
    if refine and factors is not None:
        coef_t, intercept, _ = _lstsq.refine(X, Y, w, x_mean, coef_t, intercept, factors,
                                             fit_intercept)
    coef_t, intercept = _unscaled(coef_t, intercept, x_exp, y_exp)
    if x_exp or w_exp:
        with np.errstate(over="ignore"):  # beyond float64 (entries near 1e308): inf, honestly
            s = np.ldexp(s, x_exp + w_exp // 2)
    if y.ndim == 1:
        return LinearSolution(coef_t[:, 0], float(intercept[0]), rank, s, cond)
    return LinearSolution(np.ascontiguousarray(coef_t.T), intercept, rank, s, cond)


def _scaled(a, axis, even=False):
    """``a`` divided by powers of two where its largest magnitude (over ``axis``) is beyond
    2**±SAFE_EXPONENT, and the exponents used (an int, or one per column; 0: left as it is).

    The result's largest magnitude is then in [0.5, 1) (in [0.25, 1) with ``even``, which keeps
    the exponent even so that ``sqrt`` of a weight scales by an exact power of two too).
    Dividing by a power of two is exact, but for numbers that end up below 2**-1022, which are
    then negligible next to the largest (the rank rule drops such directions in any case)."""
    top = np.maximum(np.max(a, axis=axis), -np.min(a, axis=axis))
    _, exp = np.frexp(top)
    if even:
        exp = exp + (exp % 2)
    exp = np.where(np.abs(exp) > SAFE_EXPONENT, exp, 0).astype(np.int64)
    if not np.any(exp):
        return a, (0 if axis is None else np.zeros(np.shape(exp), np.int64))
    return np.ldexp(a, -exp), (int(exp) if axis is None else exp)


def _unscaled(coef_t, intercept, x_exp, y_exp):
    """The coefficients (d, k) and intercepts (k,) of the problem before :func:`_scaled`.

    Raises :class:`InvalidOptionError` when they leave float64's range: a coefficient that
    matters (above ``eps`` times its target's largest) would be infinite, or would be 0 or
    lose its digits below float64's smallest normal number, so no float64 answer exists."""
    if not np.any(x_exp) and not np.any(y_exp):
        return coef_t, intercept
    shift = np.asarray(y_exp) - x_exp  # per target
    with np.errstate(over="ignore", under="ignore"):
        coef = np.ldexp(coef_t, shift[None, :])
        icpt = np.ldexp(intercept, np.asarray(y_exp))
    info = np.finfo(np.float64)
    magnitude = np.abs(coef_t)
    matters = magnitude > info.eps * magnitude.max(axis=0, keepdims=True)
    bad = matters & ((~np.isfinite(coef)) | (np.abs(coef) < info.tiny))
    if np.any(bad) or not np.all(np.isfinite(icpt)):
        several = coef_t.shape[1] > 1
        if np.any(bad):
            j, k = (int(i[0]) for i in np.nonzero(bad))
            what = f"coefficient {j}" + (f" of target {k}" if several else "")
            log2 = np.log2(abs(coef_t[j, k])) + shift[k]
        else:
            k = int(np.flatnonzero(~np.isfinite(icpt))[0])
            what = "the intercept" + (f" of target {k}" if several else "")
            log2 = np.log2(abs(intercept[k])) + np.broadcast_to(y_exp, icpt.shape)[k]
        log10 = log2 * np.log10(2.0)
        side = "above" if log10 > 0 else "below"
        fix = (f"express X or y in other units (e.g. multiply X by 1e{round(log10 / 2):+d})"
               if np.any(bad) else  # the intercept: y's scale times X's offset
               f"centre X (subtract its mean) or express y in other units (e.g. divide y by "
               f"1e{round(log10) - 300:+d})")
        raise InvalidOptionError(
            f"no float64 answer exists: {what} would be about 1e{log10:+.0f}, {side} float64's "
            f"range (about 1e±308), because y and X differ in scale by that much; {fix} and "
            "solve again")
    return coef, icpt


def _centre(X, Y, fit_intercept, w):
    """Centred (if fit_intercept), sqrt(w)-scaled copies of X (Fortran order, for LAPACK) and Y."""
    n, d = X.shape
    if not fit_intercept:
        x_mean, y_mean = np.zeros(d), np.zeros(Y.shape[1])
    elif w is None:
        x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    else:
        x_mean, y_mean = (w @ X) / w.sum(), (w @ Y) / w.sum()
    Xc = np.empty((n, d), order="F")
    np.subtract(X, x_mean, out=Xc)
    Yc = Y - y_mean
    if w is not None:
        root = np.sqrt(w)[:, None]
        Xc *= root
        Yc *= root
    return Xc, Yc, x_mean, y_mean


def _solve_pinv(Xc, Yc, rtol):
    U, s, Vt = sla.svd(Xc, full_matrices=False, overwrite_a=True, check_finite=False)
    keep = s > rtol * s[0] if s.size and s[0] > 0 else np.zeros(s.shape, bool)
    pinv = (Vt[keep].T / s[keep]) @ U[:, keep].T  # X⁺, (n_features, n_samples)
    return pinv @ Yc, s


def _solve_normal(Xc, Yc, n, d):
    gram, rhs = Xc.T @ Xc, Xc.T @ Yc
    lam, V = sla.eigh(gram, check_finite=False)
    lam, V = lam[::-1], V[:, ::-1]
    s = np.sqrt(np.clip(lam, 0.0, None))[: min(n, d)]
    if _lstsq.rank(s, None, n, d) == d:
        try:
            return sla.cho_solve(sla.cho_factor(gram, check_finite=False), rhs), s
        except np.linalg.LinAlgError:
            pass  # numerically not positive definite: fall through to the eigen pseudo-inverse
    keep = lam > _lstsq.rtol(n, d) * lam[0] if lam[0] > 0 else np.zeros(lam.shape, bool)
    return V[:, keep] @ ((V[:, keep].T @ rhs) / lam[keep, None]), s


def loss_surface(X, y, theta=None, i=0, j=1, grid_i=None, grid_j=None, loss="mse",
                 sample_weight=None):
    """The loss over a grid of two coefficients, the others held fixed.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, 1)
    theta : array-like of shape (n_features + 1,), optional
        The parameters, intercept first; the coefficients other than ``i`` and ``j`` are held at
        these values. Default: the exact least-squares fit (``solve(X, y)``).
    i, j : int
        Which two entries of ``theta`` vary (0 is the intercept, ``k`` the k-th feature's slope).
    grid_i, grid_j : array-like of shape (n_i,) and (n_j,)
        Values for ``theta[i]`` and ``theta[j]``. Default: 41 points on ``theta[.] ± 10``.
    loss : {"mse", "sse"}
        ``"mse"``: ``sum(w * r**2) / sum(w)``; ``"sse"``: ``0.5 * sum(w * r**2)``, with
        ``r = y - theta[0] - X @ theta[1:]`` and ``w`` the sample weights (default 1).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    Ti, Tj : ndarray of shape (n_j, n_i)
        ``np.meshgrid(grid_i, grid_j)`` (indexing ``"xy"``): ``Ti[b, a] = grid_i[a]``,
        ``Tj[b, a] = grid_j[b]``, ready for ``plot_surface(Ti, Tj, Z)`` or ``contour``.
    Z : ndarray of shape (n_j, n_i)
        ``Z[b, a]`` is the loss at ``theta`` with ``theta[i] = grid_i[a]`` and
        ``theta[j] = grid_j[b]``.

    Notes
    -----
    The loss is quadratic in ``theta``, so the surface is evaluated exactly from one pass over
    the data: with ``r0`` the residual at ``theta`` and ``a, b`` the offsets from ``theta[i]``,
    ``theta[j]``, ``sum w (r0 - a x_i - b x_j)**2`` expands into six weighted sums. The work is
    O(n_samples + n_i * n_j), not O(n_samples * n_i * n_j).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.linear import loss_surface
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> Ti, Tj, Z = loss_surface(X, y, grid_i=[0.0, 1.0, 2.0], grid_j=[1.0, 2.0])
    >>> Z.shape, round(float(Z[1, 1]), 12), round(float(Z[0, 0]), 12)
    ((2, 3), 0.0, 4.666666666667)
    """
    check_choice("loss", loss, ("mse", "sse"))
    X = check_features(X)
    y = check_targets(y, X.shape[0])
    if y.ndim == 2 and y.shape[1] != 1:
        raise InvalidOptionError(f"loss_surface needs a single target, got y of shape {y.shape}")
    y = y.reshape(-1)
    n, d = X.shape
    w = check_sample_weight(sample_weight, n)
    if theta is None:
        sol = solve(X, y, sample_weight=w)
        theta = np.r_[sol.intercept, sol.coef]
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (d + 1,):
        raise InvalidOptionError(f"theta must have shape ({d + 1},) (intercept first), got {theta.shape}")
    for name, k in (("i", i), ("j", j)):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= d:
            raise InvalidOptionError(f"{name} must be an index of theta between 0 and {d}, got {k!r}")
    if i == j:
        raise InvalidOptionError(f"i and j must differ, got i = j = {i}")
    grids = []
    for name, g, k in (("grid_i", grid_i, i), ("grid_j", grid_j, j)):
        g = np.linspace(theta[k] - 10, theta[k] + 10, 41) if g is None else np.asarray(g, float)
        if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)):
            raise InvalidOptionError(f"{name} must be a non-empty 1-D array of finite numbers, got {g!r}")
        grids.append(g)
    grid_i, grid_j = grids

    w = np.ones(n) if w is None else w
    Xb = np.column_stack([np.ones(n), X])
    xi, xj = Xb[:, i], Xb[:, j]
    r0 = y - Xb @ theta
    wr, wxi = w * r0, w * xi
    c0, pi, pj = wr @ r0, wr @ xi, wr @ xj
    qii, qij, qjj = wxi @ xi, wxi @ xj, (w * xj) @ xj
    a = (grid_i - theta[i])[None, :]
    b = (grid_j - theta[j])[:, None]
    Z = c0 - 2 * a * pi - 2 * b * pj + a * a * qii + 2 * a * b * qij + b * b * qjj
    Z = loss_scale(loss, w.sum()) * np.maximum(Z, 0.0)  # rounding must not make it negative
    Ti, Tj = np.meshgrid(grid_i, grid_j)
    return Ti, Tj, Z
