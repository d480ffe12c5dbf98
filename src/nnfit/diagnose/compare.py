"""Seed 002's comparison: nonlinear least squares against Adam on the 1-3-1 tanh network.

Seed 002 fits ``y = x^(1/3)`` (50 points on [0, 1]) with
``y = b1 + sum_j w1j tanh(w0j x + b0j)`` twice: with ``scipy.optimize.least_squares`` (a tiny
cost, a near-zero gradient, but a "not converged" status) and with Adam, step 0.01, on the full
batch until the MSE drops below 2e-5. :func:`compare_least_squares` runs both through
:func:`nnfit.fit` (``optimizer='lm'``, ``'trf'``, ``'adam'``) from the same initial parameters
and returns one row per method.

Stop reasons are nnfit's words, one vocabulary for every optimizer (:data:`STOP_REASONS`):
the engine's (``completed``: ran its whole budget of epochs; ``early_stopping``;
``target_reached``; ``diverged``; ``interrupted``; L-BFGS' ``gradient_below_gtol``,
``decrease_below_ftol``, ``max_evaluations``), and scipy's least-squares statuses mapped onto
them by :func:`least_squares_stop_reason`, with two words of their own for the step-size test
(``step_below_xtol``; ``decrease_and_step_below_tol`` when both tests pass at once).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .curvature import gradient

# scipy.optimize.least_squares' ``status`` -> stop reason
LEAST_SQUARES_REASONS = {
    -1: "improper_input",             # scipy: improper input parameters (e.g. with method 'lm')
    0: "max_evaluations",             # the max_nfev budget was spent
    1: "gradient_below_gtol",
    2: "decrease_below_ftol",
    3: "step_below_xtol",
    4: "decrease_and_step_below_tol",  # both the ftol and the xtol test
}
STOP_REASONS = ("completed", "early_stopping", "target_reached", "diverged", "interrupted",
                "gradient_below_gtol", "decrease_below_ftol", "max_evaluations",
                "step_below_xtol", "decrease_and_step_below_tol", "improper_input")


def least_squares_stop_reason(status):
    """nnfit's stop reason for a ``scipy.optimize.least_squares`` status.

    Parameters
    ----------
    status : int
        ``OptimizeResult.status`` (``fit.solver_info[m]["status"]``), -1 to 4.

    Returns
    -------
    str
        One of :data:`STOP_REASONS`: 0 ``max_evaluations``, 1 ``gradient_below_gtol``,
        2 ``decrease_below_ftol``, 3 ``step_below_xtol``, 4 ``decrease_and_step_below_tol``,
        -1 ``improper_input``.

    Examples
    --------
    >>> least_squares_stop_reason(0), least_squares_stop_reason(2)
    ('max_evaluations', 'decrease_below_ftol')
    """
    try:
        return LEAST_SQUARES_REASONS[int(status)]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"status must be one of scipy.optimize.least_squares' statuses "
                         f"{sorted(LEAST_SQUARES_REASONS)}, got {status!r}") from None


def seed_002_problem():
    """Seed 002's data and network: 50 points of ``x^(1/3)`` on [0, 1] and a 1-3-1 tanh MLP.

    Returns
    -------
    X : ndarray of shape (50, 1)
    y : ndarray of shape (50,)
    model : MLP
        One hidden layer of 3 tanh units, weights and biases drawn from N(0, 0.1^2) like the
        seed's ``init_random_params(0.1, [1, 3, 1])``.
    """
    from ..mlp import MLP

    X = np.linspace(0.0, 1.0, 50)[:, None]
    y = X[:, 0] ** (1.0 / 3.0)
    return X, y, MLP(hidden=(3,), activation="tanh", init="normal", bias_init="normal",
                     init_scale=0.1)


def compare_least_squares(X=None, y=None, *, model=None, methods=("lm", "trf", "adam"),
                          learning_rate=0.01, target_mse=2e-5, max_epochs=50000, max_nfev=200,
                          seed=0, repeat=3):
    """Least squares (``lm``, ``trf``) against Adam on one regression problem.

    Every method starts from the same parameters (``seed``) and runs in float64. Adam takes
    full-batch steps of ``learning_rate`` until the MSE is below ``target_mse`` (seed 002's
    loop) or ``max_epochs`` pass; the least-squares solvers stop at their own tolerances or
    after ``max_nfev`` residual evaluations, whichever is first.

    Parameters
    ----------
    X : array-like of shape (n, n_inputs), optional
        Default: seed 002's data (:func:`seed_002_problem`), also for ``y`` and ``model``.
    y : array-like of shape (n,), optional
    model : MLP, optional
    methods : sequence of {'lm', 'trf', 'adam', 'lbfgs', ...}
        Optimizer names of :func:`nnfit.fit`.
    learning_rate : float
        Adam's (and any other gradient optimizer's) step.
    target_mse : float
        The gradient optimizers stop below this MSE.
    max_epochs : int
        Their epoch limit.
    max_nfev : int
        The least-squares solvers' limit on residual evaluations.
    seed : int
    repeat : int
        Timed runs of every method after a first, untimed one (which pays JAX's compilation,
        reported as ``first_call_s``); ``time_s`` is the fastest, the usual guard against a
        busy machine. 0 times the first call alone.

    Returns
    -------
    pandas.DataFrame
        One row per method: ``method``, ``mse`` (training MSE), ``time_s`` (wall time of the
        fastest timed :func:`nnfit.fit` call), ``first_call_s``, ``gradient_norm`` (Euclidean
        norm of the gradient of the MSE in the parameters), ``stop_reason`` (one of
        :data:`STOP_REASONS`: scipy's status through :func:`least_squares_stop_reason` for
        least squares, the fit's stop reason otherwise), ``message`` (scipy's message, or the
        epochs run), ``nfev`` (residual evaluations, or epochs for gradient optimizers: one
        full-batch gradient each), ``optimality`` (scipy's first-order optimality, the largest
        ``|gradient of the cost|``; NaN for the other optimizers, which have no such number).

    Examples
    --------
    >>> from nnfit.diagnose import compare_least_squares
    >>> table = compare_least_squares()                     # doctest: +SKIP
    >>> table[["method", "mse", "time_s", "stop_reason"]]   # doctest: +SKIP
    """
    import pandas as pd

    from ..optim import optimizer_from
    from ..training import fit as train

    if X is None or y is None or model is None:
        X0, y0, model0 = seed_002_problem()
        X = X0 if X is None else X
        y = y0 if y is None else y
        model = model0 if model is None else model
    rows = []
    for method in methods:
        least_squares = optimizer_from(method).least_squares
        if least_squares:
            options = dict(optimizer=method, epochs=max_nfev)
        else:
            options = dict(optimizer=method, learning_rate=learning_rate, epochs=max_epochs,
                           batch_size=None, target_loss=target_mse)
        options.update(seed=seed, dtype="float64")

        def run():
            with warnings.catch_warnings():  # the stop_reason column reports non-convergence
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                fitted = train(model, X, y, **options)
                return fitted, time.perf_counter() - started

        fitted, first = run()
        times = [run()[1] for _ in range(repeat)]  # deterministic: every run fits the same
        seconds = min(times) if times else first
        pred = fitted.predict(X)
        mse = float(np.mean((pred - np.asarray(y, dtype=np.float64).reshape(pred.shape)) ** 2))
        g = gradient(fitted, X, y, loss="mse", penalties=False)
        info = (fitted.solver_info or [{}])[0]
        if least_squares:
            reason, message = least_squares_stop_reason(info.get("status")), info.get("message")
            nfev, optimality = info.get("nfev"), info.get("optimality")
        else:
            epochs = int(fitted.epochs_run[0])
            reason = fitted.stop_reasons[0]
            message = (f"MSE < {target_mse:g} after {epochs} epochs" if reason == "target_reached"
                       else f"stopped after {epochs} epochs ({reason})")
            nfev, optimality = epochs, float("nan")
        rows.append(dict(method=method, mse=mse, time_s=seconds, first_call_s=first,
                         gradient_norm=float(np.linalg.norm(g)), stop_reason=reason,
                         message=message, nfev=nfev, optimality=optimality))
    return pd.DataFrame(rows)
