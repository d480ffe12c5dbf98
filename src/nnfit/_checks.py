"""Validation of user input shared by every entry point.

Each check returns a clean value or raises ``ValueError``/``TypeError`` whose message names the
offending value and says how to fix it. scikit-learn's ``check_array`` does the array work (it
already knows DataFrames, object columns, NaN and inf); this module adds nnfit's context to its
messages. Plain NumPy arrays of numbers, by far the most common input, are checked here with
NumPy alone, so that ``nnfit.fit`` does not import scikit-learn (over half a second of a short
process, start and exit together).
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from .errors import InvalidOptionError

# the largest count (epochs, batch size, patience...) a compiled program's int32 counters hold
INT32_MAX = 2**31 - 1


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
    _reject_string_or_1d(X, name)
    fast = _numeric_array(X, name, dtype)
    if fast is not None:
        if fast.ndim != 2:
            raise InvalidOptionError(f"{name} must be 2-D (n_samples, n_features), got shape {fast.shape}")
        if fast.shape[1] == 0:
            raise InvalidOptionError(f"{name} has 0 features (shape {fast.shape}); give at least one column")
        return fast
    from sklearn.utils.validation import check_array

    text = [c for c, t in getattr(X, "dtypes", {}).items() if t.kind not in "biuf"] if hasattr(
        getattr(X, "dtypes", None), "items") else []
    if text:
        raise InvalidOptionError(
            f"{name} has the non-numeric column {str(text[0])!r}: this takes numbers. A table "
            "goes to nnfit.fit(model, table, target), which encodes its columns (and a fit of "
            "a table gives its network's numbers: fit.inputs(table))")
    try:
        return check_array(X, dtype=dtype, ensure_2d=True, allow_nd=False, input_name=name)
    except (ValueError, TypeError) as err:
        raise InvalidOptionError(f"{name}: {first_line(err)}") from None


def _numeric_array(value, name, dtype):
    """``value`` as a finite float array with at least one row, or None to ask scikit-learn.

    Only NumPy arrays (or nested lists that NumPy turns into one) of booleans, integers or
    floats take this path; DataFrames, sparse matrices, strings and objects go to
    scikit-learn's ``check_array``, which knows all of them.
    """
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value)
        except ValueError:  # ragged nested lists
            return None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        return None
    arr = np.asarray(value, dtype=dtype)
    if arr.ndim == 0:
        return arr
    if arr.shape[0] == 0:
        raise InvalidOptionError(f"{name} has 0 samples (shape {arr.shape}); give at least one row")
    if not np.isfinite(arr).all():
        kind = "NaN" if np.isnan(arr).any() else "infinity"
        row = int(np.flatnonzero(~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1))[0])
        raise InvalidOptionError(f"{name} contains {kind} (first in row {row}); remove those rows or "
                         "impute the values, e.g. with sklearn.impute.SimpleImputer")
    return arr


def first_line(err):
    """An exception's message as one line: scikit-learn's and NumPy's span several."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _short(value, limit=80):
    """``repr(value)``, cut to ``limit`` characters: a message names a value, not a data set."""
    text = " ".join(repr(value).split())  # an array's repr spans lines
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _reject_unusable(value, name):
    """None and complex numbers: scikit-learn's messages for them run over many lines."""
    if value is None:
        raise InvalidOptionError(f"{name} is None; give an array of numbers")
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None and isinstance(value, (list, tuple)):
        try:
            kind = "c" if np.iscomplexobj(np.asarray(value)) else None
        except (ValueError, TypeError):  # ragged: check_array explains those
            kind = None
    if kind == "c":
        raise InvalidOptionError(f"{name}: Complex data not supported; give real numbers "
                                 "(e.g. the real and imaginary parts as two columns)")


def _reject_string_or_1d(X, name):
    _reject_unusable(X, name)
    if isinstance(X, (str, bytes)):
        raise InvalidOptionError(f"{name} must be an array of numbers, got the string {X!r}")
    # Only arrays, pandas objects and plain lists are looked at here; anything else (sparse
    # matrices, other array-likes) goes to check_array as it is.
    if isinstance(X, np.ndarray) or hasattr(X, "iloc"):
        shape = X.shape
    elif isinstance(X, (list, tuple)):
        try:
            shape = np.shape(X)
        except ValueError:  # ragged nested lists: check_array explains those
            return
    else:
        return
    if len(shape) == 1:
        raise InvalidOptionError(
            f"{name} must be 2-D (n_samples, n_features), got a 1-D array of shape {shape}. "
            f"Reshape your data with {name}.reshape(-1, 1) if it is a single feature"
        )


def check_fit_data(estimator, X, y):
    """scikit-learn's ``validate_data`` for ``fit``; sets ``n_features_in_``, ``feature_names_in_``.

    Returns ``X`` as a finite float64 array of shape (n_samples, n_features) and ``y`` as a finite
    numeric array of shape (n_samples,) or (n_samples, n_outputs). scikit-learn's messages are
    kept as they are (its estimator checks match them); a 1-D ``X`` gets nnfit's.
    """
    from sklearn.utils.validation import validate_data

    _reject_string_or_1d(X, "X")
    return validate_data(estimator, X, y, dtype=np.float64, multi_output=True, y_numeric=True)


def check_predict_data(estimator, X):
    """scikit-learn's ``validate_data`` for ``predict``: same features as seen in ``fit``."""
    from sklearn.utils.validation import validate_data

    _reject_string_or_1d(X, "X")
    return validate_data(estimator, X, dtype=np.float64, reset=False)


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
    _reject_unusable(y, name)
    if isinstance(y, (str, bytes)):
        raise InvalidOptionError(f"{name} must be an array of numbers, got the string {y!r}")
    arr = _numeric_array(y, name, dtype)
    if arr is not None and arr.ndim > 2:
        raise InvalidOptionError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr is None:
        from sklearn.utils.validation import check_array

        try:
            arr = check_array(y, dtype=dtype, ensure_2d=False, allow_nd=False, input_name=name)
        except (ValueError, TypeError) as err:
            raise InvalidOptionError(f"{name}: {first_line(err)}") from None
    if arr.ndim == 0:
        raise InvalidOptionError(f"{name} must have one value per sample, got the scalar {arr!r}")
    if arr.shape[0] != n_samples:
        raise InvalidOptionError(
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
        raise InvalidOptionError(f"{name} must be {what}, got {_short(value)} of type "
                                 f"{type(value).__name__}")
    # math.isfinite, not np.isfinite: a Python int beyond 64 bits is not a NumPy number
    if not isinstance(value, numbers.Integral) and not math.isfinite(value):
        raise InvalidOptionError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        sign = ">" if low_open else ">="
        raise InvalidOptionError(f"{name} must be {sign} {low}, got {value!r}")
    if high is not None and value > high:
        raise InvalidOptionError(f"{name} must be <= {high}, got {value!r}")
    return value


def check_choice(name, value, allowed):
    """Return ``value`` if it is one of ``allowed`` (a collection of strings)."""
    if not isinstance(value, str) or value not in allowed:
        raise InvalidOptionError(f"unknown {name} {_short(value)}; choose one of "
                                 f"{', '.join(sorted(allowed))}")
    return value


def check_sample_weight(sample_weight, n_samples, name="sample_weight"):
    """Return ``None`` or the weights as a finite, non-negative float array of shape (n_samples,).

    Parameters
    ----------
    sample_weight : None or array-like of shape (n_samples,)
    n_samples : int
        The number of rows of the features.
    name : str
        How the value is called in error messages.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, (str, bytes)):
        raise InvalidOptionError(f"{name} must be an array of numbers, got the string {sample_weight!r}")
    w = _numeric_array(sample_weight, name, np.float64)
    if w is None:
        from sklearn.utils.validation import check_array

        try:
            w = check_array(sample_weight, dtype=np.float64, ensure_2d=False, input_name=name)
        except (ValueError, TypeError) as err:
            raise InvalidOptionError(f"{name}: {first_line(err)}") from None
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.shape != (n_samples,):
        raise InvalidOptionError(
            f"{name} must have shape ({n_samples},), one weight per sample, got {w.shape}"
        )
    if np.any(w < 0):
        bad = int(np.flatnonzero(w < 0)[0])
        raise InvalidOptionError(f"{name} must be non-negative, got {float(w[bad])!r} at index {bad}")
    if not w.sum() > 0:
        raise InvalidOptionError(f"{name} sums to zero; give at least one sample a positive weight")
    return w


@functools.lru_cache(maxsize=8)
def _finfo(dtype):
    return np.finfo(dtype)  # ~10 us a call: a small fit checks several arrays


def check_float_range(name, values, dtype_name="float32", fix=None):
    """Raise if ``values`` holds a number that the floating type ``dtype_name`` cannot hold.

    A value finite in float64 but beyond ``finfo(dtype).max`` (about 3.4e38 for float32)
    becomes infinity when cast, and training then reports a divergence that no learning rate
    cures; a column whose every non-zero value is below ``finfo(dtype).tiny`` (1.2e-38)
    becomes zeros and carries nothing. Both are the user's data, so both are named here.

    Parameters
    ----------
    name : str
        How the value is called in the message (``"X"``, ``"y"``, ``"X_val"``...).
    values : ndarray of shape (n,) or (n, k)
        Finite float64 numbers (already checked).
    dtype_name : str or numpy dtype
        The type the values will be cast to; float64 (or wider) checks nothing.
    fix : str, optional
        What the message says to do; default: scale the column or use dtype='float64'.

    Returns
    -------
    ndarray
        ``values``, unchanged.

    Raises
    ------
    InvalidOptionError
        ``"X holds 1e+300 (row 3, column 0), outside float32's range (±3.4e+38): scale the
        column or use dtype='float64'"``.
    """
    from .errors import InvalidOptionError

    dtype = np.dtype(dtype_name)
    info = _finfo(dtype)
    arr = np.asarray(values)
    if arr.dtype.kind != "f" or info.max >= _finfo(arr.dtype).max or arr.size == 0:
        return values
    fix = fix or "scale the column or use dtype='float64'"
    table = arr.reshape(len(arr), -1)
    magnitude = np.abs(table)
    largest = magnitude.max(axis=0)
    where = lambda row, col: (f"row {row}" if arr.ndim == 1  # noqa: E731
                              else f"row {row}, column {col}")
    if np.any(largest > info.max):
        col = int(np.argmax(largest > info.max))
        row = int(np.argmax(magnitude[:, col] > info.max))
        raise InvalidOptionError(
            f"{name} holds {float(table[row, col]):.3g} ({where(row, col)}), outside "
            f"{dtype.name}'s range (±{float(info.max):.2g}): {fix}")
    vanishing = (largest > 0) & (largest < info.tiny)
    if np.any(vanishing):
        col = int(np.argmax(vanishing))
        column = "" if arr.ndim == 1 else f"column {col} of "
        raise InvalidOptionError(
            f"{column}{name} holds only values of magnitude {float(largest[col]):.3g} or less, "
            f"below {dtype.name}'s smallest normal number ({float(info.tiny):.2g}), which "
            f"become 0 or lose their digits in {dtype.name}: {fix}")
    return values
