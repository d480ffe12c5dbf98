"""Least squares by Householder QR of the column-equilibrated matrix, and iterative refinement
of the answer with its residual and gradient accumulated beyond float64: the ``"svd"`` and
``"qr"`` solvers of ``nnfit.linear.solve``.

Contract
--------
``orthogonal(Xc, Yc, rtol, pivoting)`` solves the centred, weighted problem ``Xc b ≈ Yc``
(Xc (n, d) float64, Fortran order, overwritten; Yc (n, k)) and returns ``(coef_t, s, rank,
factors)``: the (d, k) solution, the singular values of ``Xc``, its rank and the ``Factors``
that ``refine`` needs. ``refine(X, Y, w, x_mean, coef_t, intercept, factors, fit_intercept)``
takes the data as the solver saw them — X (n, d), Y (n, k), w None or (n,), uncentred — the
float64 column means ``x_mean`` that were taken out (zeros without an intercept) and a
solution, and returns the refined ``coef_t`` (d, k), ``intercept`` (k,) and the steps taken.

Equilibration and rank. Each column of ``Xc`` is divided by a power of two within a factor 2
of its norm (exact, so ``Xc = Q R D`` for the computed ``R`` and ``D = diag(scale)``), and
NumPy's rank rule (a singular value counts above ``max(n, d) * eps`` times the largest) is
applied to the equilibrated matrix. NIST's Filip (a degree-10 polynomial, cond(Xc) 1.8e15, one
column short by the rule on ``Xc``, and so 0 correct digits from LAPACK's ``gelsd``) has
cond 4.6e9 once equilibrated: full rank, and refinement recovers what the solve loses. Where
even the equilibrated matrix is rank-deficient (duplicate columns, one-hot columns beside an
intercept), the solution is taken on its retained singular vectors and projected off the null
space of ``Xc`` in the original units: the minimum-norm solution, scikit-learn's answer.

Refinement. One step is Newton's step on the least-squares problem (Björck's corrected
semi-normal equations): with ``r = y - b0 - X b`` and ``g = Xᵀ W r - x̄ Σ W r`` accumulated
beyond float64 from the original data, the slopes move by ``δ = D⁻¹ (RᵀR)⁻¹ D⁻¹ g`` and the
intercept by the weighted mean residual less ``x̄ · δ``. The fixed point solves ``Xᵀ W r = 0``
and ``Σ W r = 0`` to the precision they are accumulated in, whatever the precision of ``R``.
Why beyond float64: an error ``e`` in ``g`` moves the answer by ``(XcᵀWXc)⁻¹ e``, cond² times
``e``, so ``g`` in float64 loses as many digits as the solve it corrects. A step divides the
error by about ``1 / rate``, ``rate = max(n, d) * eps * κ``, κ the condition number of the
equilibrated matrix (``rate < 1`` exactly when the rank rule keeps every column). Steps stop
once the last correction times ``rate`` is below float64's rounding of the coefficients (in
equilibrated units, ``scale * coef``), once a correction fails to halve the one before
(rounding level: one that grows is not applied), or after ``MAX_STEPS``. A well-conditioned
problem takes one step, Filip two.

The accumulation has two implementations, one contract:

- ``np.longdouble`` where it is wider than float64 (``HAS_EXTENDED``: the x87 80-bit format,
  64-bit significand, on x86-64 Linux and other x86 Unix builds) and κ <= ``LONGDOUBLE_KAPPA``:
  einsum over chunks of rows, about a tenth of the cost of the other.
- error-free transformations in float64 NumPy otherwise (and always where longdouble is
  float64: Windows, macOS on arm64): Dekker's product, Knuth's sum and sums split exactly at a
  power of two (Rump, Ogita and Oishi), the residual kept as an unevaluated ``hi + lo``: as
  accurate as double-double arithmetic (106-bit significand), several times slower.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg as sla

HAS_EXTENDED = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps
EPS = np.finfo(np.float64).eps
# Rows per chunk of a refinement pass: a chunk's temporaries stay a few MiB at 50 columns.
CHUNK = 1 << 14
MAX_STEPS = 10
# Above this condition number (of the equilibrated matrix) longdouble's 64-bit significand is
# not enough: its error in g, amplified by kappa**2, passes float64's eps (kappa**2 * 5.4e-20 >
# 2.2e-16 from kappa = 64). NIST's Wampler5 (kappa 1750, a residual as large as y) keeps 11
# digits with longdouble and all 15 with double-double.
LONGDOUBLE_KAPPA = 64.0
_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitter halves a float64 significand


def rtol(n, d):
    """NumPy's ``matrix_rank`` tolerance, relative to the largest singular value."""
    return max(n, d) * EPS


def rank(s, tol, n, d):
    """Singular values ``s`` (largest first) above ``tol`` times the largest; ``tol=None``: the
    rule for square roots of the eigenvalues of XᵀX (the normal equations)."""
    if s.size == 0 or s[0] == 0:
        return 0
    if tol is None:  # normal equations: the eigenvalues of XᵀX are accurate to eps * largest
        return int(np.sum(s**2 > rtol(n, d) * s[0] ** 2))
    return int(np.sum(s > tol * s[0]))


def min_norm(U, s, Vt, rhs, tol):
    """V diag(1/s) Uᵀ rhs over the singular values that count."""
    keep = s > tol * s[0] if s.size and s[0] > 0 else np.zeros(s.shape, bool)
    return Vt[keep].T @ ((U[:, keep].T @ rhs) / s[keep, None])


class Factors(NamedTuple):
    """What ``refine`` needs from ``orthogonal``: ``correct`` the map
    ``g -> (XcᵀXc)⁺ g`` through R's factors, the column ``scale``, ``kappa`` the condition
    number of the equilibrated matrix on its retained directions, and ``project`` the map onto
    the complement of the null space of ``Xc`` (None at full rank)."""

    correct: object
    scale: np.ndarray
    kappa: float
    rank: int
    project: object


def orthogonal(Xc, Yc, tol, pivoting):
    """Householder QR (Q never formed) of the column-equilibrated ``Xc``, then a triangular
    solve (``pivoting`` at full rank) or the SVD of R; see the module docstring. Returns
    ``(coef_t, s, rank, factors)``; ``factors`` is None for more columns than rows without
    pivoting, solved by the SVD of ``Xc`` itself (minimum norm, no refinement)."""
    n, d = Xc.shape
    if not pivoting and n <= d:
        U, s, Vt = sla.svd(Xc, full_matrices=False, overwrite_a=True, check_finite=False)
        return min_norm(U, s, Vt, Yc, tol), s, rank(s, tol, n, d), None
    norms = np.linalg.norm(Xc, axis=0)
    scale = np.ldexp(1.0, np.frexp(np.where(norms > 0, norms, 1.0))[1])
    Xc *= 1.0 / scale  # exact: powers of two
    out = sla.qr_multiply(Xc, Yc.T, mode="right", pivoting=pivoting, overwrite_a=True)
    qty, R = out[0].T, out[1]  # qty = Qᵀ y, R upper triangular (trapezoidal when n < d)
    perm = out[2] if pivoting else np.arange(d)
    inv = 1.0 / scale[perm]  # D⁻¹ in R's (pivoted) column order
    U, s, Vt = sla.svd(R, check_finite=False)  # Vt (d, d): its last rows span the null space
    r = rank(s, tol, n, d)
    if r == d and pivoting:
        z = sla.solve_triangular(R, qty, check_finite=False)

        def solve_normal(h):  # RᵀR z = h, through the two triangular solves
            h = sla.solve_triangular(R, h, trans="T", check_finite=False)
            return sla.solve_triangular(R, h, check_finite=False)
    else:
        V, s_r = Vt[:r].T, s[:r]
        z = V @ ((U[:, :r].T @ qty) / s_r[:, None])

        def solve_normal(h):  # RᵀR = V S² Vᵀ on the retained directions
            return V @ ((V.T @ h) / (s_r**2)[:, None])

    def correct(g):  # D⁻¹ P (RᵀR)⁺ Pᵀ D⁻¹ g
        out = np.empty_like(g)
        out[perm] = inv[:, None] * solve_normal(inv[:, None] * g[perm])
        return out

    coef_t = np.empty((d, Yc.shape[1]))
    coef_t[perm] = inv[:, None] * z
    project = None if r == d else _projection(inv[:, None] * Vt[r:].T, perm)
    if project is not None:
        coef_t = project(coef_t)
    s_x = sla.svd(R * scale[perm], compute_uv=False, check_finite=False)  # of Xc = Q (R D)
    kappa = s[0] / s[r - 1] if r else 1.0
    return coef_t, s_x, r, Factors(correct, scale, kappa, r, project)


def _projection(null_pivoted, perm):
    """The orthogonal projection off the span of the columns of ``null_pivoted`` (rows in
    pivoted order): ``c -> c - N Nᵀ c`` with ``N`` an orthonormal basis."""
    null = np.empty(null_pivoted.shape)
    null[perm] = sla.qr(null_pivoted, mode="economic")[0]
    return lambda c: c - null @ (null.T @ c)


def refine(X, Y, w, x_mean, coef_t, intercept, factors, fit_intercept, extended=None):
    """Iterative refinement to the rounding of float64 (see the module docstring).

    ``extended`` forces the accumulation, ``"longdouble"`` or ``"double-double"`` (None:
    ``accumulation(factors.kappa)``)."""
    steps = 0
    if factors.rank:
        rate = min(1.0, max(X.shape) * EPS * factors.kappa)
        gradient = {"longdouble": _gradient_ld, "double-double": _gradient_dd}[
            extended or accumulation(factors.kappa)]
        scale, previous = factors.scale[:, None], np.inf
        for steps in range(1, MAX_STEPS + 1):
            g, r_mean = gradient(X, Y, w, x_mean, coef_t, intercept, fit_intercept)
            delta = factors.correct(g)
            size = np.max(np.abs(scale * delta))
            if size > previous:  # growing: rounding noise, keep the last
                break
            coef_t = coef_t + delta
            if fit_intercept:
                intercept = intercept + (r_mean - x_mean @ delta)
            if size * rate <= EPS * np.max(np.abs(scale * coef_t)) or size > previous / 2:
                break
            previous = size
    if factors.project is not None:  # back to the minimum-norm solution
        projected = factors.project(coef_t)
        if fit_intercept:  # a null direction of Xc moves X b by a constant
            intercept = intercept - x_mean @ (projected - coef_t)
        coef_t = projected
    return coef_t, intercept, steps


def accumulation(kappa):
    """``"longdouble"`` where it is wider than float64 and ``kappa <= LONGDOUBLE_KAPPA``, else
    ``"double-double"``."""
    return "longdouble" if HAS_EXTENDED and kappa <= LONGDOUBLE_KAPPA else "double-double"


def _gradient_ld(X, Y, w, x_mean, coef_t, intercept, fit_intercept):
    """``g = Xᵀ W r - x̄ Σ W r`` (d, k) and ``Σ W r / Σ W`` (k,), accumulated in longdouble."""
    LD = np.longdouble
    b, b0 = coef_t.astype(LD), intercept.astype(LD)
    sum_r = np.zeros(Y.shape[1], LD)
    g = np.zeros(coef_t.shape, LD)
    for start in range(0, X.shape[0], CHUNK):
        rows = slice(start, start + CHUNK)
        Xs = X[rows].astype(LD)
        r = Y[rows].astype(LD) - np.einsum("ij,jk->ik", Xs, b)
        if fit_intercept:
            r -= b0
        if w is not None:
            r *= w[rows, None].astype(LD)
        sum_r += r.sum(axis=0)
        g += np.einsum("ij,ik->jk", Xs, r)
    if fit_intercept:  # Σ w x (r - r̄) = Σ w x r - x̄ Σ w r, the difference taken in longdouble
        g -= np.outer(x_mean.astype(LD), sum_r)
    weight = LD(X.shape[0]) if w is None else w.astype(LD).sum()
    return g.astype(np.float64), (sum_r / weight).astype(np.float64)


def two_sum(a, b):
    """``a + b = s + e`` exactly (Knuth)."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a, b):
    """``a * b = p + e`` exactly (Dekker; no FMA in NumPy). Needs |a|, |b| below 2**996, which
    the solver's power-of-two rescaling of the data guarantees."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def sum2(a, axis=0):
    """The sum of ``a`` along ``axis`` as ``(s, e)``, ``s + e`` the sum to about twice float64's
    precision: each value is split exactly at the same power of two ``sigma``, above
    ``(n + 2) max|a|`` (Rump, Ogita and Oishi's ExtractVector), so the high parts are multiples
    of ``eps * sigma / 2`` whose sum stays below ``sigma``: NumPy sums them exactly, in any
    order. The low parts, each below ``eps * sigma``, are summed in float64, an error of about
    ``eps² n² max|a|``."""
    n = a.shape[axis]
    top = np.max(np.abs(a), axis=axis, keepdims=True)
    sigma = np.ldexp(1.0, np.frexp(top * (n + 2))[1])  # a power of two >= (n + 2) max|a|
    high = (sigma + a) - sigma
    return high.sum(axis=axis), (a - high).sum(axis=axis)


def _gradient_dd(X, Y, w, x_mean, coef_t, intercept, fit_intercept):
    """As ``_gradient_ld``, by error-free transformations in float64. The residual is
    kept as an unevaluated sum ``hi + lo``: rounded to one float64 it would move the answer by
    ``X⁺ (eps |r|)``, which on a large-residual problem (NIST's Wampler5) costs five digits."""
    d, k = coef_t.shape
    g_hi, g_lo = np.zeros((d, k)), np.zeros((d, k))
    s_hi, s_lo = np.zeros(k), np.zeros(k)
    for start in range(0, X.shape[0], CHUNK):
        rows = slice(start, start + CHUNK)
        Xr = X[rows]
        for t in range(k):
            P, E = two_prod(Xr, coef_t[:, t])
            terms = [Y[rows, t, None], -P]
            if fit_intercept:
                terms.append(np.full((Xr.shape[0], 1), -intercept[t]))
            hi, err = sum2(np.hstack(terms), axis=1)
            hi, lo = two_sum(hi, err - E.sum(axis=1))
            if w is not None:
                hi, e = two_prod(w[rows], hi)
                lo = e + w[rows] * lo
            Q, F = two_prod(Xr, hi[:, None])
            top, err = sum2(Q)
            g_hi[:, t], e = two_sum(g_hi[:, t], top)
            g_lo[:, t] += e + err + F.sum(axis=0) + Xr.T @ lo
            top, err = sum2(hi)
            s_hi[t], e = two_sum(s_hi[t], top)
            s_lo[t] += e + err + lo.sum()
    if fit_intercept:
        p, e = two_prod(x_mean[:, None], s_hi[None, :])
        g_hi, t = two_sum(g_hi, -p)
        g_lo += t - e - np.outer(x_mean, s_lo)
    weight = X.shape[0] if w is None else w.sum()
    return g_hi + g_lo, (s_hi + s_lo) / weight
