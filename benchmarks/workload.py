"""The peer-benchmark workload shared by every ``bench_*.py`` script: seed 000's "two relu layers"
network on the cubic data set.

Every framework gets exactly the same data, split and number of optimiser steps:

- data: ``make_regression(n_features=1, noise=20, random_state=42, bias=100, n_samples=500)``;
  features ``[x0 = 1, x1 = X[:, 0] ** 3]`` as seed 000 builds them (2 inputs);
- model: normaliser (mean / variance of the training rows, not trained), Dense 5 relu, Dense 5 relu,
  Dense 1 linear (56 parameters in Keras, 51 of them trainable);
- training: the first 80 % of the rows (Keras' ``validation_split=0.2`` takes the last 20 %
  unshuffled), batch 32, Adam with learning rate 0.01, MSE, 200 epochs, shuffled every epoch,
  so 13 steps per epoch (the last batch has 16 rows) and 2600 steps in all.

Each script prints one JSON line (see :func:`emit`); ``run_peers.py`` collects them.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from contextlib import contextmanager

import numpy as np

N_SAMPLES = 500
VALIDATION_SPLIT = 0.2
HIDDEN = (5, 5)
BATCH_SIZE = 32
LEARNING_RATE = 0.01
EPOCHS = 200
SEED = 0
TRAINABLE_PARAMS = 51  # (2*5 + 5) + (5*5 + 5) + (5*1 + 1); the normaliser's 5 are not trained


def parse_seed(argv=None, description: str | None = None) -> int:
    """The ``--seed`` option every script takes (default 0); ``run_peers.py --repeat`` varies it.

    One seed can be unlucky for a 5-unit relu net (dead units), so repeats also show the spread of
    the validation error, not only of the time.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seed", type=int, default=SEED, help="initialisation and shuffling seed")
    return parser.parse_args(argv).seed


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """Seed 000's cubic data set.

    Returns
    -------
    X : ndarray, shape (500, 2), float64
        Columns ``x0 = 1`` (constant, as in the seed) and ``x1 = x ** 3``.
    y : ndarray, shape (500,), float64
    """
    # Imported here so that importing this module stays cheap for scripts that only need constants.
    from sklearn.datasets import make_regression

    x, y = make_regression(n_features=1, noise=20, random_state=42, bias=100, n_samples=N_SAMPLES)
    X = np.column_stack([np.ones(N_SAMPLES), x[:, 0] ** 3])
    return X, y


def n_train(n_samples: int = N_SAMPLES) -> int:
    """Rows used for training: the first ``1 - VALIDATION_SPLIT`` of them, as Keras does (floor)."""
    return int(math.floor(n_samples * (1.0 - VALIDATION_SPLIT)))


def split(X: np.ndarray, y: np.ndarray):
    """Keras' ``validation_split``: the last 20 % of the rows, unshuffled, are the validation set.

    Returns ``(X_train, y_train, X_val, y_val)``.
    """
    k = n_train(len(X))
    return X[:k], y[:k], X[k:], y[k:]


def steps_per_epoch(rows: int | None = None) -> int:
    """Mini-batches per epoch; the short last batch counts as a step, as in every peer."""
    return math.ceil((n_train() if rows is None else rows) / BATCH_SIZE)


def mse(y_true, y_pred) -> float:
    """Mean squared error in float64, whatever dtype the framework predicted in."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    return float(np.mean((y_true - y_pred) ** 2))


@contextmanager
def stopwatch():
    """``with stopwatch() as t: ...`` then ``t()`` is the elapsed wall-clock seconds."""
    start = time.perf_counter()
    elapsed = None

    def read():
        return elapsed if elapsed is not None else time.perf_counter() - start

    try:
        yield read
    finally:
        elapsed = time.perf_counter() - start


def emit(framework: str, version: str, train_s: float, val_mse: float, epochs: int, steps: int,
         seed: int, **extra) -> None:
    """Print the one JSON result line that ``run_peers.py`` reads (the last line of stdout)."""
    result = {"framework": framework, "version": version, "train_s": round(train_s, 4),
              "val_mse": val_mse, "epochs": epochs, "steps": steps, "seed": seed}
    result.update(extra)
    print(json.dumps(result), flush=True)


def emit_unavailable(framework: str, reason: str) -> None:
    """Say that a framework could not be benchmarked, with no numbers (never invent them)."""
    print(json.dumps({"framework": framework, "status": "unavailable", "reason": reason}), flush=True)
