"""The playground's other pictures, computed by nnfit's own functions on the seed problems.

- *linear GD*: ``y = 4 + 3x + noise`` (seed 003's rows), the mean squared error over a grid of
  (intercept, slope) (:func:`nnfit.linear.loss_surface`) and the path of every update of
  :func:`nnfit.linear.gradient_descent` (batch, mini-batch or stochastic), which the page draws
  as contours and reveals step by step;
- *LM vs Adam*: the 1-3-1 tanh network on ``y = x^(1/3)`` (seed 002) fitted by
  Levenberg-Marquardt and by full-batch Adam at 0.01, both from the same seed's weights: the
  loss after every evaluation and each run's time.

Each answer is plain JSON numbers; the page does the drawing.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..errors import InvalidOptionError

GD_SOLVERS = ("gd", "minibatch", "sgd")
GRID = 61  # points per side of the loss surface
MAX_STEPS = 2000


def _number(query, key, default, low, high, kind=float):
    text = query.get(key, default)
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise InvalidOptionError(f"{key}={text!r}: give a number from {low} to {high}") from None
    if not low <= value <= high:
        raise InvalidOptionError(f"{key}={text!r}: give a number from {low} to {high}")
    return value


def linear_gd(query):
    """Loss surface and descent path: ``query`` has ``solver``, ``learning_rate``, ``steps``
    (epochs), ``batch_size`` and the start ``b0``, ``b1`` (intercept, slope)."""
    from ..demos.seed003 import seed_stream
    from ..linear import GradientDescentDiverged, gradient_descent, loss_surface

    solver = query.get("solver", "gd")
    if solver not in GD_SOLVERS:
        raise InvalidOptionError(f"solver={solver!r}: choose one of {', '.join(GD_SOLVERS)}")
    rate = _number(query, "learning_rate", 0.1, 1e-5, 10.0)
    steps = _number(query, "steps", 50, 1, MAX_STEPS, int)
    batch = _number(query, "batch_size", 20, 1, 100, int)
    start = [_number(query, "b0", -6.0, -10.0, 10.0), _number(query, "b1", -6.0, -10.0, 10.0)]
    X, y, _ = seed_stream(0)
    y = y[:, 0]
    diverged = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a path that has not converged is the point
            result = gradient_descent(X, y, solver, learning_rate=rate, max_iter=steps,
                                      batch_size=batch, tol=0.0, initial=start, seed=0)
    except GradientDescentDiverged as err:  # the path until it left: shown, and said
        result, diverged = err.result, True
    path = np.asarray(result.path, np.float64).reshape(-1, 2)  # the start first
    grid = np.linspace(-10.0, 14.0, GRID)
    _, _, Z = loss_surface(X, y, theta=[0.0, 0.0], i=0, j=1, grid_i=grid, grid_j=grid)
    keep = np.all(np.abs(path) < 1e6, axis=1)
    exact = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X[:, 0]]), y, rcond=None)[0]
    return {"grid": grid.tolist(), "loss": np.round(Z, 5).tolist(),
            "path": np.round(path[keep], 5).tolist(), "exact": exact.tolist(),
            "losses": [float(v) for v in np.asarray(result.losses, np.float64)[:len(path)]],
            "diverged": diverged, "solver": solver, "learning_rate": rate}


_LM_ADAM = {}


def lm_vs_adam(query):
    """Seed 002's comparison: the loss after each evaluation of both solvers and their times
    (computed once per process: it is the same every time)."""
    if "answer" in _LM_ADAM:
        return _LM_ADAM["answer"]
    from .. import datasets
    from ..mlp import MLP
    from ..training import fit

    ds = datasets.load_dataset("cube_root")
    model = MLP(hidden=(3,), activation="tanh")
    runs = {}
    for name, keywords in (("lm", dict(optimizer="lm", epochs=200)),
                           ("adam", dict(optimizer="adam", learning_rate=0.01, batch_size=None,
                                         epochs=5000))):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fit(model, ds.X, ds.y, seed=0, dtype="float64", **keywords)
        seconds = time.perf_counter() - started
        loss = result.history["loss"].to_numpy(np.float64)
        runs[name] = {"loss": [float(v) for v in loss], "seconds": seconds,
                      "evaluations": len(loss), "final": float(loss[-1])}
    answer = {"problem": "y = x^(1/3), 50 points on [0, 1]; 1-3-1 tanh network, seed 0",
              "runs": runs, "note": "times include compiling each program once"}
    _LM_ADAM["answer"] = answer
    return answer


__all__ = ["linear_gd", "lm_vs_adam"]
