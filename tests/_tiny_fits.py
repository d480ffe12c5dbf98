"""Tiny fits shared by the plot and report tests, trained once per test process.

30 points, 20 epochs and one chunk size, so most of them share one compiled program.
"""

import functools
import warnings

import numpy as np

import nnfit

X1 = np.linspace(-1.0, 1.0, 30)[:, None]
Y1 = np.sin(2.5 * X1[:, 0]) + 0.05 * np.random.default_rng(0).normal(size=30)
KW = dict(learning_rate=0.05, epochs=20, batch_size=8, validation_split=0.2, chunk_epochs=5,
          seed=0)


def model():
    return nnfit.MLP(hidden=(4,), activation="tanh")


@functools.lru_cache(maxsize=None)
def regression():
    return nnfit.fit(model(), X1, Y1, **KW)


@functools.lru_cache(maxsize=None)
def ensemble():
    return nnfit.fit(model(), X1, Y1, n_members=3, **KW)


@functools.lru_cache(maxsize=None)
def interrupted():
    def stop(done, records):
        if done >= 10:
            raise KeyboardInterrupt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the UserWarning about the interruption
        return nnfit.fit(model(), X1, Y1, callback=stop, **KW)


@functools.lru_cache(maxsize=None)
def early_stopping_unfinished():
    """Early stopping asked for, but the 20 epochs run out before the patience of 50 does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ConvergenceWarning
        return nnfit.fit(model(), X1, Y1, early_stopping=True, n_iter_no_change=50, **KW)


@functools.lru_cache(maxsize=None)
def classification():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    fit = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh", output="sigmoid"), X, y,
                    **{**KW, "validation_split": 0.0})
    return fit, X, y
