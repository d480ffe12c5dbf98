"""``nnfit.linear.polyfit``: a least-squares polynomial in one variable, its monomial
coefficients as accurate as the float64 data allow.

Contract
--------
``polyfit(x, y, degree)`` returns the coefficients of ``c[0] + c[1] x + ... + c[degree] x**degree``
minimising ``sum_i w_i (y_i - p(x_i))**2``, lowest degree first, shaped as NumPy's
``numpy.polynomial.polynomial.polyfit``: (degree + 1,) for ``y`` of shape (n,), (degree + 1, k)
for (n, k).

Why not the columns x, x**2, ...: their condition number grows like 10**degree or faster (NIST's
Filip, degree 10 on [-9, -3]: 1.8e15), and rounding each power to float64 already moves the
least-squares answer (Filip: to 7.6 correct digits, however it is solved). Here:

1. the triangular factor ``R`` of the Chebyshev basis of ``t = (x - c) / h`` is computed by
   QR, ``[c - h, c + h]`` the range of ``x`` (condition number 3 on Filip);
2. starting from 0, the monomial coefficients take Newton's steps preconditioned by that
   factor: the residual ``y - p(x)`` by compensated Horner's rule and the gradient
   ``Σ w x**k r`` against the exact powers of ``x``, both by error-free transformations (as
   accurate as double-double arithmetic), are mapped exactly to the Chebyshev basis, the step
   is solved there with ``RᵀR`` and mapped back to monomials exactly, in rational arithmetic
   (``fractions``), rounded once; until the steps reach float64's rounding (three or four).

The fixed point solves the normal equations of the exact powers of the float64 ``x``, so the
rounding of ``t`` and of the Chebyshev values only slows convergence (a plain Chebyshev fit,
converted exactly, loses six of Wampler5's 15 digits to them: its residual is as large as
``y``). The answer is the least-squares
polynomial of the float64 data: on NIST's problems 14.0 digits on Filip, 15 on Wampler 1, 3,
4 and 5, 13.2 to 14.1 on the others, every digit their float64 data allow. The rational
arithmetic costs O(degree**2) operations on fractions per step, a few milliseconds at degree 10.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import scipy.linalg as sla
from numpy.polynomial import chebyshev

from nnfit import _lstsq
from nnfit._checks import check_number, check_sample_weight, check_targets
from nnfit.errors import InvalidOptionError

EPS = np.finfo(np.float64).eps
MAX_STEPS = 10


def polyfit(x, y, degree, sample_weight=None):
    """Least-squares polynomial coefficients in the monomial basis, lowest degree first.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    degree : int >= 0
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights on the squared residuals. NumPy's ``polyfit`` takes ``w``
        multiplying the unsquared residual: ``w = sqrt(sample_weight)`` is the same fit.

    Returns
    -------
    ndarray of shape (degree + 1,) or (degree + 1, n_targets)
        ``coef[j]`` multiplies ``x**j``, as ``numpy.polynomial.polynomial.polyfit`` returns.
        Fewer distinct values of ``x`` than ``degree + 1`` leave the polynomial undetermined:
        a ``RankDeficientWarning`` and one least-squares polynomial.

    Notes
    -----
    See the module docstring of ``nnfit._polyfit``: Newton's steps preconditioned by the
    Chebyshev basis on the range of ``x``, with residuals from compensated Horner's rule and
    exact conversions between the bases. The
    coefficients are those of the exact least-squares polynomial of the float64 ``x`` and
    ``y`` to float64's rounding, where the design ``x, x**2, ...`` handed to
    ``nnfit.linear.solve`` (or ``numpy.polyfit``) loses what rounding the powers costs.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.linear import polyfit
    >>> x = np.arange(6.0); y = 1 - 2 * x + 0.5 * x**2
    >>> polyfit(x, y, 2)
    array([ 1. , -2. ,  0.5])
    """
    from nnfit.linear import RankDeficientWarning  # nnfit.linear re-exports polyfit

    x = np.asarray(x, dtype=np.float64) if not isinstance(x, str) else x
    if not isinstance(x, np.ndarray) or x.ndim != 1 or not np.all(np.isfinite(x)) or not x.size:
        raise InvalidOptionError(
            f"x must be a non-empty 1-D array of finite numbers (one variable), got {x!r:.80}; "
            "for several features use nnfit.linear.solve or nnfit.LinearRegression")
    y = check_targets(y, x.size)
    check_number("degree", degree, low=0, integer=True)
    degree = int(degree)
    w = check_sample_weight(sample_weight, x.size)
    Y = y.reshape(x.size, -1)
    if degree == 0:
        coef = np.average(Y, axis=0, weights=w)[None, :]
        return coef[:, 0] if y.ndim == 1 else coef

    lo, hi = float(x.min()), float(x.max())
    c, h = lo / 2 + hi / 2, hi / 2 - lo / 2  # halves first: no overflow near float64's limit
    h = h if h > 0 else 1.0
    root = np.ones(x.size) if w is None else np.sqrt(w)
    basis = np.asfortranarray(root[:, None] * chebyshev.chebvander((x - c) / h, degree))
    R = sla.qr(basis, mode="r", overwrite_a=True, check_finite=False)[0]
    U, s, Vt = sla.svd(R[: degree + 1])
    rank = _lstsq.rank(s, _lstsq.rtol(x.size, degree + 1), x.size, degree + 1)
    if rank <= degree:
        warnings.warn(
            f"x has {np.unique(x if w is None else x[w > 0]).size} distinct values"
            f"{' with weight' * (w is not None)}, too few for a polynomial of degree {degree}: "
            "the coefficients are not unique and one least-squares polynomial is returned; "
            "lower the degree", RankDeficientWarning, stacklevel=2)
    V, s = Vt[:rank].T, s[:rank]
    to_monomial = _ChebyshevToMonomial(degree, c, h)
    coef = np.zeros((degree + 1, Y.shape[1]))
    a = np.zeros_like(coef)  # the same polynomial's Chebyshev coefficients, to float64
    previous = np.inf
    for _ in range(MAX_STEPS):
        # Newton's step for the monomial coefficients, preconditioned by the Chebyshev factor:
        # the gradient Xᵀ W r against the exact powers of x, mapped to the Chebyshev basis
        # exactly, solved with RᵀR there (cond 3 on Filip) and mapped back exactly. From 0,
        # the first step is the semi-normal equations' answer.
        g = to_monomial.gradient_to_chebyshev(_gradient(coef, x, Y, w))
        delta = V @ ((V.T @ g) / (s**2)[:, None])
        size = np.max(np.abs(delta))
        if size > previous:  # growing: rounding noise, keep the last
            break
        coef, a = coef + to_monomial.convert(delta), a + delta
        if size <= EPS * np.max(np.abs(a)) or size > previous / 2:
            break
        previous = size
    return coef[:, 0] if y.ndim == 1 else coef


class _ChebyshevToMonomial:
    """The exact map from coefficients in the Chebyshev basis of ``t = (x - c) / h`` to
    monomial coefficients in ``x`` (a (degree + 1) x (degree + 1) matrix of fractions), and its
    transpose for gradients; results rounded once to float64."""

    def __init__(self, degree, c, h):
        T = [[Fraction(1)], [Fraction(0), Fraction(1)]]  # T_j in powers of t: integers
        for j in range(2, degree + 1):
            T.append([-v for v in T[j - 2]] + [Fraction(0), Fraction(0)])
            for i, v in enumerate(T[j - 1]):
                T[j][i + 1] += 2 * v
        c, h = Fraction(c), Fraction(h)
        # t**k = (x - c)**k / h**k = sum_i binom(k, i) (-c)**(k - i) / h**k * x**i
        powers = [[math.comb(k, i) * (-c) ** (k - i) / h**k for i in range(k + 1)]
                  for k in range(degree + 1)]
        self.matrix = [[sum((T[j][k] * powers[k][i] for k in range(i, j + 1) if T[j][k]),
                            Fraction(0)) for j in range(degree + 1)] for i in range(degree + 1)]

    def convert(self, a):
        """Monomial coefficients (degree + 1, k) of Chebyshev coefficients ``a``."""
        return self._apply(self.matrix, [[Fraction(v) for v in col] for col in a.T])

    def gradient_to_chebyshev(self, g):
        """The gradient with respect to the Chebyshev coefficients of the gradient ``g`` with
        respect to the monomial ones, given as exact fractions (degree + 1 per target)."""
        return self._apply([list(col) for col in zip(*self.matrix)], g)

    @staticmethod
    def _apply(matrix, columns):
        out = np.empty((len(matrix), len(columns)))
        for t, col in enumerate(columns):
            for i, row in enumerate(matrix):
                try:
                    out[i, t] = float(sum((m * v for m, v in zip(row, col) if m), Fraction(0)))
                except OverflowError:
                    raise InvalidOptionError(
                        "a coefficient is beyond float64's range (about 1e308): x is far from "
                        "0 for its spread; fit in x - x.mean() instead and shift the polynomial "
                        "back with numpy.polynomial") from None
        return out


def _gradient(coef, x, Y, w):
    """``sum_i w_i x_i**k r_i`` for k = 0..degree, ``r = Y - p(x)``, as exact fractions (one
    list per target), accumulated by error-free transformations: the residual by compensated
    Horner's rule as an unevaluated sum ``hi + lo``, the powers of ``x`` in double-double, the
    sums split exactly (``nnfit._lstsq.sum2``) — as accurate as double-double arithmetic."""
    xc = x[:, None]
    s = np.broadcast_to(coef[-1], Y.shape).copy()
    err = np.zeros(Y.shape)
    for k in range(coef.shape[0] - 2, -1, -1):
        p, pe = _lstsq.two_prod(s, xc)
        s, se = _lstsq.two_sum(p, coef[k])
        err = err * xc + (pe + se)
    hi, e = _lstsq.two_sum(Y, -s)
    hi, lo = _lstsq.two_sum(hi, e - err)
    if w is not None:
        hi, e = _lstsq.two_prod(hi, w[:, None])
        lo = e + lo * w[:, None]
    g = [[] for _ in range(Y.shape[1])]
    p_hi, p_lo = np.ones((x.size, 1)), np.zeros((x.size, 1))
    for _ in range(coef.shape[0]):
        q, qe = _lstsq.two_prod(p_hi, hi)
        top, bottom = _lstsq.sum2(q)
        bottom = bottom + (qe + p_hi * lo + p_lo * hi).sum(axis=0)
        for t in range(Y.shape[1]):
            g[t].append(Fraction(top[t]) + Fraction(bottom[t]))
        p_hi, e = _lstsq.two_prod(p_hi, xc)
        p_hi, p_lo = _lstsq.two_sum(p_hi, e + p_lo * xc)
    return g
