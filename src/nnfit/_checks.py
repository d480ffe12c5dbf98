"""Validation of user input shared by every entry point.

Each check returns a clean value or raises ``ValueError``/``TypeError`` whose message names the
offending value and says how to fix it. scikit-learn's ``check_array`` does the array work (it
already knows DataFrames, object columns, NaN and inf); this module adds nnfit's context to its
messages.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_features(X, name="X", dtype=np.float64):
    """Return ``X`` as a finite 2-D float array of shape (n_samples, n_features).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        A NumPy array, a nested list or a pandas DataFrame of numbers.
    name : str
        How the value is called in error messages.
    dtype : numpy dtype
        The floating type of the result.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    from sklearn.utils.validation import check_array

    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got the string {X!r}")
    arr = np.asarray(X) if not hasattr(X, "iloc") else X
    if getattr(arr, "ndim", 2) == 1:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got a 1-D array of shape {np.shape(arr)}; "
            f"use {name}.reshape(-1, 1) for a single feature"
        )
    try:
        return check_array(X, dtype=dtype, ensure_2d=True, allow_nd=False, input_name=name)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None


def check_targets(y, n_samples, name="y", dtype=np.float64):
    """Return ``y`` as a finite float array of shape (n_samples,) or (n_samples, n_outputs).

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    n_samples : int
        The number of rows of the features; ``y`` must have as many.
    name : str
        How the value is called in error messages.
    dtype : numpy dtype
        The floating type of the result.
    """
    from sklearn.utils.validation import check_array

    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got the string {y!r}")
    try:
        arr = check_array(y, dtype=dtype, ensure_2d=False, allow_nd=False, input_name=name)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None
    if arr.ndim == 0:
        raise ValueError(f"{name} must have one value per sample, got the scalar {arr!r}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but X has {n_samples}; give one target per sample"
        )
    return arr


def check_number(name, value, *, low=None, high=None, low_open=False, integer=False):
    """Return ``value`` if it is a real number inside the given bounds.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : object
        What the user passed.
    low, high : float or None
        Bounds; ``low`` is excluded when ``low_open`` is true, ``high`` is always included.
    integer : bool
        Require an integer.
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {what}, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        sign = ">" if low_open else ">="
        raise ValueError(f"{name} must be {sign} {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return value


def check_choice(name, value, allowed):
    """Return ``value`` if it is one of ``allowed`` (a collection of strings)."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(sorted(allowed))}")
    return value
