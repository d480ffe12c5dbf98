"""The estimators' inputs, checked as scikit-learn checks them, and their random numbers.

- :func:`_plain_arrays`: plain, finite float NumPy arrays pass without scikit-learn's
  ``validate_data`` (a fifth of a small fit's time), having set what it sets.
- :func:`_sample_weight`, :func:`_random_state`: scikit-learn's checks, errors in one line.
- :class:`_Draws`: the random numbers of one fit in scikit-learn's order (member 0's initial
  weights, the early-stopping split, nnfit's extra members, the seed of the row orders).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ._checks import _short, first_line
from ._sklearn_compat import initial_params, stack_members
from .errors import InvalidOptionError


def _random_state(value):
    """scikit-learn's ``check_random_state``, its errors in one line naming the parameter."""
    value = _plain(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 <= value < 2**32:
        # checked without seeding a Mersenne Twister (which costs a third of a small fit);
        # the fit seeds one only when it draws from it
        return value
    try:
        return check_random_state(value)
    except (ValueError, TypeError) as err:
        raise InvalidOptionError(f"random_state must be None, an integer in [0, 2**32 - 1] or a "
                                 f"RandomState, got {_short(value)} ({first_line(err)})") from None

def _plain(value):
    return value.item() if isinstance(value, np.generic) else value

class _Draws:
    """The random numbers of one fit, in scikit-learn's order: member 0's initial weights,
    the early-stopping split, then nnfit's extra members and the seed of the engine's row
    orders. An integer ``random_state`` without a split is drawn once and remembered
    (seeding a Mersenne Twister costs a tenth of a small fit)."""

    def __init__(self, random_state, sizes, factor, n_members, dtype, first, split):
        self.args = (sizes, factor, n_members, dtype)
        self.first = first
        random_state = _plain(random_state)
        self.cached = None
        if isinstance(random_state, numbers.Integral) and not split:
            self.cached = (_cached_draws(int(random_state), *self.args) if first
                           else (None, _first_seed(int(random_state), n_members)))
            self._rng = None
        else:
            self._rng = check_random_state(random_state)
            self.member0 = initial_params(self._rng, sizes, factor, dtype) if first else None

    def rng(self):
        """The RandomState for the split (after member 0's weights), or None when unused."""
        return self._rng

    def params(self):
        if self.cached is not None:
            return self.cached[0]
        return self._members()[0]

    def seed(self):
        if self.cached is not None:
            return self.cached[1]
        return self._members()[1]

    def _members(self):
        if not hasattr(self, "_drawn"):
            sizes, factor, n_members, dtype = self.args
            params = None
            if self.first:
                others = [initial_params(self._rng, sizes, factor, dtype)
                          for _ in range(n_members - 1)]
                params = stack_members([self.member0, *others])
            seed = int(self._rng.randint(np.iinfo(np.int32).max - n_members))
            self._drawn = (params, seed)
        return self._drawn

@functools.lru_cache(maxsize=16)
def _cached_draws(random_state, sizes, factor, n_members, dtype):
    rng = np.random.RandomState(random_state)
    members = [initial_params(rng, sizes, factor, dtype) for _ in range(n_members)]
    params = stack_members(members)
    for W, b in params:  # shared by later fits: nobody may write into them
        W.flags.writeable = b.flags.writeable = False
    return params, int(rng.randint(np.iinfo(np.int32).max - n_members))

@functools.lru_cache(maxsize=256)
def _first_seed(random_state, n_members):
    """The members' first seed for an integer ``random_state``: the first draw of its
    ``RandomState``, remembered, since seeding a Mersenne Twister costs more than a fit of a
    tiny network does here."""
    return int(np.random.RandomState(random_state).randint(np.iinfo(np.int32).max - n_members))

def _plain_arrays(est, X, y, reset, y_kinds="iuf"):
    """``(X, y)`` when they are plain, finite float NumPy arrays that scikit-learn's
    ``validate_data`` would pass unchanged, having set what it sets; else None.

    ``validate_data`` costs a fit of a small network a fifth of its time (namespace and
    dataframe probes); everything else -- lists, DataFrames, other dtypes, non-finite values,
    a mismatch to report -- still goes through it, for its conversions and its messages.
    """
    def plain(a, kinds, ndims):
        return (type(a) is np.ndarray and a.dtype.kind in kinds and a.ndim in ndims
                and a.size > 0 and bool(np.isfinite(a).all()))

    if not plain(X, "f", (2,)) or X.dtype not in (np.float32, np.float64):
        return None
    if y is not None and (not plain(y, y_kinds, (1, 2)) or len(y) != len(X)):
        return None
    if reset:
        est.n_features_in_ = X.shape[1]
        if hasattr(est, "feature_names_in_"):  # fitted on a DataFrame before
            del est.feature_names_in_
    elif getattr(est, "n_features_in_", None) != X.shape[1] or hasattr(est, "feature_names_in_"):
        return None  # scikit-learn's own error or warning
    return X, y

def _sample_weight(sample_weight, n):
    """Weights as a finite non-negative float array (n,) with a positive sum; ones if None."""
    if sample_weight is None:
        return np.ones(n)
    w = check_array(sample_weight, dtype=np.float64, ensure_2d=False, input_name="sample_weight")
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise InvalidOptionError(f"sample_weight must have shape ({n},), one weight per sample, got {w.shape}")
    if np.any(w < 0):
        raise InvalidOptionError("sample_weight must be non-negative")
    if not w.sum() > 0:
        raise InvalidOptionError("sample_weight sums to zero; give at least one sample a positive weight")
    return w

def _variance(y, w):
    """scikit-learn's R^2 denominator: the weighted variance of y (mean over outputs)."""
    mean = np.average(y, axis=0, weights=w)
    return float(np.mean(np.average((y - mean) ** 2, axis=0, weights=w)))

def _check_determined(X, y, hidden):
    """Levenberg-Marquardt (MINPACK) needs at least as many residuals as parameters."""
    sizes = (X.shape[1], *hidden, 1 if y.ndim == 1 else y.shape[1])
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if len(X) * sizes[-1] < n_params:
        raise InvalidOptionError(f"solver 'lm' needs at least as many residuals (n_samples = {len(X)} "
                         f"times {sizes[-1]} outputs) as parameters ({n_params}); use "
                         f"solver='trf' or 'lbfgs', or a smaller network")
