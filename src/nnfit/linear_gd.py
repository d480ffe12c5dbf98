"""Linear regression by gradient descent, the derivatives written out by hand (no autodiff).

Contract
--------
The parameters are ``theta = [intercept, coef_1, ..., coef_d]`` (intercept first), one column per
target. With ``r = y - theta[0] - X @ theta[1:]`` and sample weights ``w`` (default 1):

- ``loss="sse"``: ``L = 0.5 * sum(w * r**2)``, gradient ``-Xbᵀ (w r)`` (seed 001's rule);
- ``loss="mse"``: ``L = sum(w * r**2) / sum(w)``, gradient ``-(2 / sum(w)) Xbᵀ (w r)`` (seed
  003's ``-2/n Xᵀ(y - Xθ)``), where ``Xb = [1, X]``. With several targets the squared residuals are
  summed over targets.

A mini-batch uses the same formula on its own rows (for ``"mse"`` normalised by its own weight).
``"gd"`` makes one update per epoch from all rows; ``"minibatch"`` reshuffles the rows every epoch
(``RandomState(seed).permutation``) and makes ``ceil(n / batch_size)`` updates, the last batch
possibly short; ``"sgd"`` is ``"minibatch"`` with one row per update.

Recording: ``path[0]`` is the start and ``path[t]`` the parameters after update ``t``;
``losses[t]`` is the full-data loss at ``path[t]``. Seed 003's loops store only the updates for
batch GD (``path[1:]``) and the start as well for mini-batches (``path``); seed 001 stores the loss
before each update (``losses[:-1]``).

Stopping: after each epoch, stop (converged) when the epoch moved no parameter by more than
``tol * max(1, max|theta|)``; ``tol=None`` runs exactly ``max_iter`` epochs. Reaching ``max_iter``
first raises ``sklearn.exceptions.ConvergenceWarning``. A loss that becomes non-finite or grows past
``1e8`` times both the starting loss and the loss of ``theta = 0`` raises
``GradientDescentDiverged``, which carries the path and losses up to the last good update.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import NamedTuple

import numpy as np

from nnfit._checks import (
    check_choice,
    check_features,
    check_number,
    check_sample_weight,
    check_targets,
)
from nnfit.errors import InvalidOptionError

__all__ = ["DescentResult", "GradientDescentDiverged", "gradient_descent", "loss_scale"]

# A loss this many times above max(starting loss, loss at theta = 0) counts as divergence.
DIVERGENCE_FACTOR = 1e8


class GradientDescentDiverged(FloatingPointError):
    """Gradient descent blew up; ``.result`` is a ``DescentResult`` up to the last good update."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


class DescentResult(NamedTuple):
    """What ``gradient_descent`` returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept : float or ndarray of shape (n_targets,)
    path : ndarray of shape (n_updates + 1, n_features + 1) or (n_updates + 1, n_targets, ...)
        The start and the parameters after every update, intercept first; with several targets
        the last axis is again (n_features + 1).
    losses : ndarray of shape (n_updates + 1,)
        The full-data loss at each row of ``path``.
    n_iter : int
        Epochs completed.
    converged : bool
        Whether the ``tol`` criterion stopped it (always False when ``tol`` is None).
    learning_rate : float
        The step used (the computed one for ``learning_rate="auto"``).
    """

    coef: np.ndarray
    intercept: float | np.ndarray
    path: np.ndarray
    losses: np.ndarray
    n_iter: int
    converged: bool
    learning_rate: float


def loss_scale(loss, weight_sum):
    """The factor ``c`` in ``L = c * sum(w * r**2)``: 1/2 for SSE, 1/sum(w) for MSE."""
    return 0.5 if loss == "sse" else 1.0 / weight_sum


def gradient_descent(X, y, solver="gd", *, loss="mse", learning_rate="auto", max_iter=1000,
                     batch_size=32, tol=1e-6, initial=None, seed=None, fit_intercept=True,
                     sample_weight=None):
    """Fit ``y ≈ theta[0] + X @ theta[1:]`` by batch, mini-batch or stochastic gradient descent.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    solver : {"gd", "minibatch", "sgd"}
        All rows per update; ``batch_size`` rows, reshuffled each epoch; one row.
    loss : {"mse", "sse"}
        See the module docstring for the formulas and their gradients.
    learning_rate : float > 0 or "auto"
        The constant step ``eta`` in ``theta <- theta - eta * gradient``. ``"auto"`` is ``1 / L``
        with ``L`` the largest curvature an update can see, which makes every update stable:
        for ``"gd"`` the largest eigenvalue of the full-data Hessian; for mini-batches the
        bound ``2 max_i |x̃_i|²`` (MSE) or ``batch_size * max_i w_i |x̃_i|²`` (SSE), with
        ``x̃_i = [1, x_i]``. It costs one ``(d + 1) x (d + 1)`` Gram matrix.
    max_iter : int >= 1
        Epochs (passes over the data); for ``"gd"`` one epoch is one update.
    batch_size : int
        Rows per update for ``"minibatch"``, between 1 and n_samples; ignored otherwise.
    tol : float >= 0 or None
        Stop when an epoch moves no parameter by more than ``tol * max(1, max|theta|)``.
    initial : array-like of shape (n_features + 1,) or (n_targets, n_features + 1), optional
        The start, intercept first (shape (n_features + 1,) starts every target there). Without an
        intercept it may also omit the intercept, or must give 0 for it. Default: standard normal
        draws from ``seed``, like seed 003's ``np.random.randn(d + 1, 1)``.
    seed : int, numpy.random.RandomState or None
        Source of the initial draw (when ``initial`` is None) and of the epoch shuffles.
    fit_intercept : bool
        If false the intercept stays 0 and gets no updates.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    DescentResult
        ``coef``, ``intercept`` (scikit-learn's shapes), ``path``, ``losses``, ``n_iter``,
        ``converged``.

    Raises
    ------
    GradientDescentDiverged
        When the loss becomes non-finite or explodes; ``err.result`` holds the path so far.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.linear import gradient_descent
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> res = gradient_descent(X, y, "gd", learning_rate=0.1, tol=1e-10, initial=[0.0, 0.0])
    >>> np.round(res.path[-1], 6), res.path.shape[1], res.converged
    (array([1., 2.]), 2, True)
    """
    check_choice("solver", solver, ("gd", "minibatch", "sgd"))
    check_choice("loss", loss, ("mse", "sse"))
    if isinstance(learning_rate, str):
        if learning_rate != "auto":
            raise InvalidOptionError(f"learning_rate must be a number > 0 or 'auto', got {learning_rate!r}")
    else:
        check_number("learning_rate", learning_rate, low=0, low_open=True)
    check_number("max_iter", max_iter, low=1, integer=True)
    if tol is not None:
        check_number("tol", tol, low=0)
    X = check_features(X)
    y = check_targets(y, X.shape[0])
    n, d = X.shape
    w = check_sample_weight(sample_weight, n)
    if solver == "minibatch":
        check_number("batch_size", batch_size, integer=True)
        if not 1 <= batch_size <= n:
            raise InvalidOptionError(
                f"batch_size must be between 1 and n_samples={n}, got {batch_size}; "
                "use solver='gd' to take all rows at once"
            )
    bs = {"gd": n, "sgd": 1, "minibatch": batch_size}[solver]
    rng = _random_state(seed)
    Y = y.reshape(n, -1)
    theta0 = _initial_theta(initial, d, Y.shape[1], fit_intercept, rng)

    # A zero intercept column keeps theta[0] at 0 without a special case anywhere below.
    Xb = np.empty((n, d + 1))
    Xb[:, 0] = 1.0 if fit_intercept else 0.0
    Xb[:, 1:] = X
    problem = _Problem(Xb, Y, w, loss_scale(loss, n if w is None else w.sum()), loss)
    if isinstance(learning_rate, str):
        learning_rate = _auto_learning_rate(problem, solver, bs)
    L0 = problem.loss(theta0)[0]
    limit = DIVERGENCE_FACTOR * max(L0, problem.loss(np.zeros_like(theta0))[0])
    limit = limit if limit > 0 else math.inf

    run = _run_full_batch if solver == "gd" else _run_stochastic
    with np.errstate(over="ignore", invalid="ignore"):
        blocks, losses, n_iter, converged, bad = run(
            problem, theta0, learning_rate, max_iter, bs, tol, rng, limit
        )
    path = np.concatenate([theta0[None]] + blocks)
    losses = np.concatenate([[L0]] + losses)
    result = _result(path, losses, n_iter, converged, learning_rate, y.ndim)

    if bad is not None:
        raise GradientDescentDiverged(
            _divergence_message(problem, solver, learning_rate, len(losses), bad, L0, limit),
            result,
        )
    if tol is not None and not converged:
        hint = (" With a constant learning rate the stochastic solvers hover around the minimum;"
                " loosen tol or use solver='gd'." if solver != "gd" else "")
        warnings.warn(
            f"gradient descent ({solver}) reached max_iter={max_iter} epochs before converging "
            f"to tol={tol}; increase max_iter or learning_rate, or standardise X.{hint}",
            _convergence_warning(),
            stacklevel=2,
        )
    return result


class _Problem(NamedTuple):
    Xb: np.ndarray  # (n, d + 1), column 0 all ones (or zeros without an intercept)
    Y: np.ndarray  # (n, k)
    w: np.ndarray | None  # (n,)
    scale: float  # L = scale * sum(w r**2)
    loss_name: str

    def residual(self, theta):
        return self.Y - self.Xb @ theta

    def loss(self, theta):
        """Full-data loss and the weighted residual ``w * r`` at ``theta``."""
        r = self.residual(theta)
        wr = r if self.w is None else self.w[:, None] * r
        return float(self.scale * np.vdot(wr, r)), wr

    def step_sizes(self, learning_rate, weights_per_batch, rows_per_batch):
        """``eta * c_B`` for each batch: the gradient is ``-c_B Xbᵀ (w r)`` over the batch."""
        if self.loss_name == "sse":
            return np.full(len(rows_per_batch), float(learning_rate))
        total = rows_per_batch if weights_per_batch is None else weights_per_batch
        with np.errstate(divide="ignore"):
            return np.where(total > 0, 2.0 * learning_rate / total, 0.0)


def _run_full_batch(problem, theta, lr, max_iter, n, tol, rng, limit):
    """Batch GD: the residual at the new theta gives both its loss and the next gradient."""
    path, losses = [], []  # grown as it goes: max_iter may be far more than needed
    step = problem.step_sizes(lr, None if problem.w is None else np.array([problem.w.sum()]),
                              np.array([n]))[0]
    _, wr = problem.loss(theta)
    converged, bad, t = False, None, 0
    while t < max_iter:
        new = theta + step * (problem.Xb.T @ wr)
        L, wr = problem.loss(new)
        if not (math.isfinite(L) and L <= limit):
            bad = L
            break
        path.append(new)
        losses.append(L)
        t += 1
        moved = np.max(np.abs(new - theta))
        theta = new
        if tol is not None and moved <= tol * max(1.0, np.max(np.abs(theta))):
            converged = True
            break
    path = np.array(path) if path else np.empty((0,) + theta.shape)
    return [path], [np.array(losses)], t, converged, bad


def _run_stochastic(problem, theta, lr, max_iter, bs, tol, rng, limit):
    """Mini-batch / SGD. The per-update full-data loss comes from the exact quadratic expansion
    L(θ) = L(θa) - 2c <h, θ-θa> + c <θ-θa, G (θ-θa)> around the epoch's start θa, with
    h = Xbᵀ W r(θa) and G = Xbᵀ W Xb: O(d²) per update instead of a pass over all rows."""
    Xb, Y, w = problem.Xb, problem.Y, problem.w
    n = Xb.shape[0]
    G = _gram(problem)
    starts = np.arange(0, n, bs)
    rows = np.diff(np.append(starts, n)).astype(float)
    blocks, loss_blocks = [], []
    La, wr = problem.loss(theta)
    h = Xb.T @ wr
    converged, bad, epoch = False, None, 0
    while epoch < max_iter:
        perm = rng.permutation(n)
        Xp, Yp = Xb[perm], Y[perm]
        wp = None if w is None else w[perm]
        steps = problem.step_sizes(lr, None if w is None else np.add.reduceat(wp, starts), rows)
        block = np.empty((len(starts),) + theta.shape)
        start_theta = theta
        for b, i in enumerate(starts):
            xb = Xp[i:i + bs]
            r = Yp[i:i + bs] - xb @ theta
            if wp is not None:
                r *= wp[i:i + bs, None]
            theta = theta + steps[b] * (xb.T @ r)
            block[b] = theta
        D = block - start_theta
        losses = La + problem.scale * (
            -2.0 * np.einsum("ik,uik->u", h, D) + np.einsum("uik,uik->u", D, G @ D)
        )
        La, wr = problem.loss(theta)  # re-anchor on the exact loss at the epoch's end
        h = Xb.T @ wr
        losses[-1] = La
        ok = np.isfinite(losses) & (losses <= limit)
        if not ok.all():
            first = int(np.argmin(ok))
            blocks.append(block[:first])
            loss_blocks.append(losses[:first])
            bad = losses[first]
            break
        blocks.append(block)
        loss_blocks.append(losses)
        epoch += 1
        if tol is not None and np.max(np.abs(theta - start_theta)) <= tol * max(
            1.0, np.max(np.abs(theta))
        ):
            converged = True
            break
    return blocks, loss_blocks, epoch, converged, bad


def _result(path, losses, n_iter, converged, learning_rate, y_ndim):
    """Internal theta is (d + 1, k); hand out scikit-learn's layout, intercept first."""
    path = path.transpose(0, 2, 1)  # (T + 1, k, d + 1)
    if y_ndim == 1:
        path = path[:, 0, :]
        coef, intercept = path[-1, 1:].copy(), float(path[-1, 0])
    else:
        coef, intercept = path[-1, :, 1:].copy(), path[-1, :, 0].copy()
    return DescentResult(coef, intercept, np.ascontiguousarray(path), losses, n_iter, converged,
                         float(learning_rate))


def _gram(problem):
    Xb, w = problem.Xb, problem.w
    return Xb.T @ (Xb if w is None else w[:, None] * Xb)


def _auto_learning_rate(problem, solver, bs):
    """1 / (largest curvature an update sees); see ``gradient_descent``."""
    if solver == "gd":
        curvature = 2.0 * problem.scale * np.linalg.eigvalsh(_gram(problem))[-1]
    else:
        Xb, w = problem.Xb, problem.w
        sq = np.einsum("ij,ij->i", Xb, Xb)
        if w is not None:
            sq = sq[w > 0]
        if problem.loss_name == "mse":
            curvature = 2.0 * sq.max()
        else:
            curvature = bs * sq.max() * (1.0 if w is None else w.max())
    return 1.0 / curvature if curvature > 0 else 1.0


def _random_state(seed):
    # A fresh, OS-seeded generator for None: never numpy's global one.
    if seed is None:
        return np.random.RandomState()
    if isinstance(seed, np.random.RandomState):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.RandomState(seed)
    raise InvalidOptionError(f"seed must be None, an int or a numpy.random.RandomState, got {seed!r}")


def _initial_theta(initial, d, k, fit_intercept, rng):
    """(d + 1, k) start; drawn column-wise like seed 003's ``np.random.randn(d + 1, 1)``."""
    if initial is None:
        theta = rng.standard_normal((d + 1, k))
        if not fit_intercept:
            theta[0] = 0.0
        return theta
    arr = np.asarray(initial, dtype=np.float64)
    if not fit_intercept and arr.shape[-1:] == (d,):
        arr = np.concatenate([np.zeros(arr.shape[:-1] + (1,)), arr], axis=-1)
    if arr.shape == (d + 1,):
        arr = np.repeat(arr[None], k, axis=0)
    if arr.shape != (k, d + 1):
        expect = f"({d + 1},)" + (f" or ({k}, {d + 1})" if k > 1 else "")
        raise InvalidOptionError(
            f"initial must have shape {expect}, intercept first, got an array of shape "
            f"{np.shape(initial)}"
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidOptionError(f"initial must be finite, got {initial!r}")
    if not fit_intercept and np.any(arr[:, 0] != 0):
        raise InvalidOptionError(
            "initial[0] is the intercept, which must be 0 when fit_intercept=False, "
            f"got {initial!r}"
        )
    return np.ascontiguousarray(arr.T)


def _divergence_message(problem, solver, lr, n_good, bad, L0, limit):
    lam = 2.0 * problem.scale * np.linalg.eigvalsh(_gram(problem))[-1]
    what = "became non-finite" if not math.isfinite(bad) else f"grew from {L0:.3g} to {bad:.3g}"
    return (
        f"gradient descent ({solver}, loss={problem.loss_name!r}) diverged at update {n_good}: "
        f"the loss {what}. learning_rate={lr} is too large for this problem; use a smaller one "
        f"(full-batch descent is stable only for learning_rate < 2/λmax = {2.0 / lam:.3g}, "
        "stochastic updates need less), or standardise X"
    )


def _convergence_warning():
    from sklearn.exceptions import ConvergenceWarning

    return ConvergenceWarning
