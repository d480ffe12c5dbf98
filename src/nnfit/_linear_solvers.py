"""The solvers ``nnfit.LinearRegression`` adds to ``nnfit.linear`` for scikit-learn's cases, and
the rule for sparse ``X``.

Contract
--------
``lsqr`` and ``nnls`` take ``X`` of shape (n_samples, n_features) as float64 (``lsqr``: dense or
scipy.sparse CSR; ``nnls``: dense), ``Y`` as float64 of shape (n_samples, n_targets) and ``w``
None or float64 of shape (n_samples,), and return ``coef`` of shape (n_targets, n_features) and
``intercept`` of shape (n_targets,), both float64. They solve the problem that
``nnfit.linear.solve`` solves — ``sum_i w_i (y_i - intercept - x_i @ coef)**2``, centred by the
weighted column means when there is an intercept, rows scaled by ``sqrt(w)`` — as scikit-learn's
``LinearRegression`` does:

- ``lsqr``: ``scipy.sparse.linalg.lsqr`` on a ``LinearOperator`` that applies the centred matrix
  without forming it (``X @ b - sqrt(w) * (mean @ b)`` and its transpose), so sparse ``X`` is
  never densified; one call per target, ``atol = btol = tol``. From a zero start it converges to
  the minimum-norm least-squares solution, the answer of ``solve``; it warns where it stops
  before ``tol`` (scikit-learn's does not).
- ``nnls``: ``scipy.optimize.nnls`` (coefficients >= 0) on the centred, scaled dense copy.

Several targets are solved in parallel by joblib with ``n_jobs`` workers, as scikit-learn does;
one target is one single-threaded call whatever ``n_jobs`` says.

``densify`` hands sparse ``X`` to the solvers that need an array (the exact solvers of
``nnfit.linear`` and the gradient solvers) when the dense float64 copy takes at most
``DENSIFY_LIMIT`` values (512 MiB); beyond, it refuses and names ``solver='lsqr'``. The bound is
for the copy alone: the exact solvers make one centred copy more, so a densified fit peaks at
about twice the copy.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls as _nnls
from scipy.sparse.linalg import LinearOperator, lsqr as _lsqr
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.parallel import Parallel, delayed

from nnfit.errors import InvalidOptionError

# float64 values in the dense copy of a sparse X that densify() accepts: 2**26 * 8 B = 512 MiB
DENSIFY_LIMIT = 2**26


def densify(X, solver):
    """``X`` as a dense array; sparse ``X`` only within ``DENSIFY_LIMIT`` values, else an error
    that names the solver that takes sparse input."""
    if not sp.issparse(X):
        return X
    n, d = X.shape
    if n * d > DENSIFY_LIMIT:
        raise InvalidOptionError(
            f"X is sparse ({n} x {d}, {X.nnz} stored values) and solver={solver!r} needs it "
            f"dense: {n * d * 8 / 2**30:.1f} GiB as float64, above the "
            f"{DENSIFY_LIMIT * 8 // 2**20} MiB nnfit densifies; use solver='lsqr' (or the "
            "default 'auto'), which solves sparse X without densifying it")
    return X.toarray()


def _offsets(X, Y, fit_intercept, w):
    """Weighted column means of X (d,) and Y (k,); zeros without an intercept."""
    n, d = X.shape
    if not fit_intercept:
        return np.zeros(d), np.zeros(Y.shape[1])
    if w is None:
        return np.asarray(X.sum(axis=0)).ravel() / n, Y.mean(axis=0)
    return np.asarray(X.T @ w).ravel() / w.sum(), (w @ Y) / w.sum()


def _centred_targets(Y, y_mean, root):
    """(Y - y_mean) * sqrt(w), one new array."""
    Yc = Y - y_mean
    if root is not None:
        Yc *= root[:, None]
    return Yc


def lsqr(X, Y, fit_intercept, w, tol, max_iter, n_jobs):
    """Least squares by ``scipy.sparse.linalg.lsqr`` on the implicitly centred X.

    Returns ``coef`` (k, d), ``intercept`` (k,) and the most iterations a target took. A target
    runs up to ``max(max_iter, 2 * n_features)`` iterations (scikit-learn stops at
    2 * n_features, lsqr's default, converged or not). Warns (``ConvergenceWarning``) when a
    target stops before ``tol``, at that limit or at lsqr's condition limit (its estimate of
    cond(X) above 1e8): its coefficients are then not yet the least-squares ones.
    """
    n, d = X.shape
    x_mean, y_mean = _offsets(X, Y, fit_intercept, w)
    root = None if w is None else np.sqrt(w)
    Xs = X if w is None else (sp.diags(root) @ X if sp.issparse(X) else X * root[:, None])
    Yc = _centred_targets(Y, y_mean, root)

    if w is None:  # no row scaling: subtract scalars, no temporary of n values
        def matvec(b):
            return Xs @ b - x_mean @ b

        def rmatvec(r):
            return Xs.T @ r - x_mean * r.sum()
    else:
        def matvec(b):
            return Xs @ b - root * (x_mean @ b)

        def rmatvec(r):
            return Xs.T @ r - x_mean * (root @ r)

    op = LinearOperator((n, d), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
    atol = 0.0 if tol is None else tol  # 0: to machine precision (lsqr's own floor)
    limit = max(max_iter, 2 * d)
    outs = Parallel(n_jobs=n_jobs)(
        delayed(_lsqr)(op, Yc[:, j], atol=atol, btol=atol, iter_lim=limit)
        for j in range(Yc.shape[1]))
    coef = np.vstack([out[0] for out in outs])
    for stops, why in (((7,), f"its iteration limit, max(max_iter, 2 * n_features) = {limit}"),
                       ((3, 6), "its condition limit (its estimate of cond(X) passed 1e8)")):
        stopped = [j for j, out in enumerate(outs) if out[1] in stops]
        if stopped:
            which = "" if Yc.shape[1] == 1 else f" (target{'s' * (len(stopped) > 1)} {stopped})"
            warnings.warn(
                f"lsqr stopped at {why} before tol={tol}{which}; the coefficients are not yet "
                "the least-squares ones: raise max_iter, scale the columns of X, or use "
                "solver='svd' (sparse X is densified up to 512 MiB)", ConvergenceWarning,
                stacklevel=3)
    intercept = y_mean - coef @ x_mean
    return coef, intercept, max(int(out[2]) for out in outs)


def nnls(X, Y, fit_intercept, w, n_jobs):
    """Non-negative least squares (every coefficient >= 0) by ``scipy.optimize.nnls`` on the
    centred dense X; the intercept is free. Returns ``coef`` (k, d) and ``intercept`` (k,)."""
    x_mean, y_mean = _offsets(X, Y, fit_intercept, w)
    root = None if w is None else np.sqrt(w)
    Xc = X - x_mean
    if root is not None:
        Xc *= root[:, None]
    Yc = _centred_targets(Y, y_mean, root)
    outs = Parallel(n_jobs=n_jobs)(delayed(_nnls)(Xc, Yc[:, j]) for j in range(Yc.shape[1]))
    coef = np.vstack([out[0] for out in outs])
    return coef, y_mean - coef @ x_mean
