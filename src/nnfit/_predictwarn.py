"""Warnings about what a prediction is worth: non-finite outputs, inputs far from the data.

A network predicts a number for any input, and nothing in that number says whether the input
was like the training data. Far outside it (seed 002's tanh network beyond x = 1) every unit
saturates and the prediction is a constant however the truth goes on, so :meth:`Fit.predict`
says so, once per call, when the call comes from the user's code (nnfit's own plots draw
beyond the data on purpose and stay quiet).
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

# a row is far outside when a feature lies beyond the training range by this share of the range
FAR = 0.1
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def called_by_user(module_file):
    """Whether the code that called into ``module_file`` (a Fit's methods) is the user's."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename) == module_file:
        frame = frame.f_back
    return frame is None or not os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE)


def warn_extrapolation(X, input_stats, names=None):
    """One UserWarning when rows of ``X`` (n, d) lie far outside the training range.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        The network's inputs.
    input_stats : dict or None
        The fit's training ``min`` and ``max`` (d,).
    names : sequence of str, optional
        The inputs' names, for the message.
    """
    if input_stats is None or "min" not in input_stats or len(X) == 0:
        return
    low, high = input_stats["min"], input_stats["max"]
    span = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        beyond = np.maximum(low - X, X - high)
        distance = np.where(span > 0, beyond / np.where(span > 0, span, 1), np.where(beyond > 0, np.inf, 0))
    far = np.nan_to_num(distance, nan=0.0) > FAR
    rows = far.any(axis=1)
    if not rows.any():
        return
    row = int(np.flatnonzero(rows)[0])
    col = int(np.argmax(np.nan_to_num(distance[row], nan=0.0)))
    name = names[col] if names is not None and col < len(names) else f"input {col}"
    warnings.warn(
        f"{int(rows.sum())} of {len(X)} rows lie far outside the training data (more than "
        f"{FAR:.0%} of a feature's training range beyond it), e.g. row {row}: {name} = "
        f"{X[row, col]:.4g}, trained on [{low[col]:.4g}, {high[col]:.4g}]. A network "
        "extrapolates poorly (its units saturate): treat these predictions with care",
        UserWarning, stacklevel=caller_stacklevel())


def warn_non_finite(out, X, input_stats, dtype):
    """One UserWarning for predictions (n_members, n, k) that came out NaN or infinite."""
    bad = np.flatnonzero(~np.isfinite(out).all(axis=(0, 2)))
    row = int(bad[0])
    where = f"first in row {row}"
    if input_stats is not None and "min" in input_stats and "max" in input_stats:
        low, high = input_stats["min"], input_stats["max"]
        span = np.maximum(high - low, np.finfo(np.float64).tiny)
        outside = np.maximum(low - X[row], X[row] - high) / span
        col = int(np.argmax(outside))
        if outside[col] > 0:
            where += (f", where X[{row}, {col}] = {X[row, col]:.3g} (training range "
                      f"[{low[col]:.3g}, {high[col]:.3g}])")
    warnings.warn(
        f"{bad.size} of {out.shape[1]} predictions are not finite (NaN or inf), {where}: "
        f"inputs far outside the training data overflow the network's {dtype} arithmetic; "
        "check those rows" + (", or refit with dtype='float64'" if dtype != "float64" else ""),
        UserWarning, stacklevel=caller_stacklevel())


def caller_stacklevel():
    """The ``stacklevel`` that points a warning at the first frame outside nnfit."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
