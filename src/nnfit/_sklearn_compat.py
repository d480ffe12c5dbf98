"""What makes nnfit's MLP estimators fit as scikit-learn's do, beyond the names of parameters.

- :func:`initial_params`: scikit-learn's initial weights, drawn as it draws them (each layer's
  weights, then its biases, uniform in ``±sqrt(f / (fan_in + fan_out))`` with ``f = 2`` for
  'logistic' and 6 otherwise, from the estimator's ``RandomState``). The same
  ``random_state`` therefore starts both libraries from the same weights, and the
  early-stopping split, drawn next from the same ``RandomState``, holds out the same rows.
- :class:`SklearnSGD`: scikit-learn's momentum, whose velocity holds the steps already scaled
  by the rate (``v = momentum * v - rate * grad``); optax's ``sgd`` keeps the gradients' trace
  and scales it by the current rate, which differs once the rate changes ('invscaling',
  'adaptive'). Built from optax's ``scale_by_learning_rate`` followed by its ``trace``.
- :class:`NonFiniteWeights`: scikit-learn's ``ValueError`` for weights that became NaN or
  infinite, which is also nnfit's :class:`~nnfit.engine.TrainingDiverged`.
- :func:`dense`: sparse ``X`` densified as a whole, within the memory this process can get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .engine import TrainingDiverged
from .errors import InvalidOptionError
from .optim import SGD

NON_FINITE_MESSAGE = ("Solver produced non-finite parameter weights. The input data may contain "
                      "large values and need to be preprocessed.")
# scikit-learn's 'adaptive' stops once the rate is at most this (SGDOptimizer.trigger_stopping)
MIN_ADAPTIVE_RATE = 1e-6
# prediction densifies sparse rows in blocks of at most this many values
PREDICT_BLOCK_VALUES = 1 << 22


class NonFiniteWeights(TrainingDiverged, ValueError):
    """The weights became NaN or infinite: scikit-learn's ``ValueError`` and nnfit's
    :class:`~nnfit.engine.TrainingDiverged` at once (``fit`` holds the last finite weights)."""


@dataclass(frozen=True)
class SklearnSGD(SGD):
    """scikit-learn's SGD: ``v = momentum * v - scale * rate * grad``, the update ``v`` (or
    ``momentum * v - scale * rate * grad`` with Nesterov's momentum).

    ``scale`` turns the rate onto nnfit's objective, which is ``1 / scale`` times
    scikit-learn's (0.5 for squared error), so that a step is scikit-learn's step.
    """

    scale: float = 1.0
    name: ClassVar[str] = "sgd"

    def __post_init__(self):
        super().__post_init__()
        self._check("scale", low_open=True)

    def transformation(self, learning_rate):
        import optax

        # always a schedule, so that the optimizer state has one structure whether the rate
        # is a number (partial_fit, 'adaptive') or scikit-learn's 'invscaling'
        rate = learning_rate if callable(learning_rate) else (lambda count: learning_rate)
        return optax.chain(optax.scale_by_learning_rate(lambda count: self.scale * rate(count)),
                           optax.trace(decay=self.momentum, nesterov=self.nesterov))


@dataclass(frozen=True)
class InvScaling:
    """scikit-learn's ``invscaling`` rate as an optax schedule of the update count.

    After ``e`` epochs of ``n_samples`` rows scikit-learn has seen ``t = e * n_samples``
    samples and steps at ``learning_rate_init / (t + 1) ** power_t`` (the first epoch at
    ``learning_rate_init``). Frozen, so equal settings hash equal and reuse one compiled
    program.
    """

    learning_rate_init: float
    power_t: float
    n_samples: int
    n_batches: int

    def __call__(self, count):
        epochs = (count // self.n_batches).astype(float)  # float64 in a float64 run
        return self.learning_rate_init / (epochs * self.n_samples + 1.0) ** self.power_t


def glorot_factor(activation):
    """scikit-learn's initialisation factor: 2 for 'logistic' hidden units, else 6."""
    from .mlp import canonical_activation

    try:
        names = [activation] if isinstance(activation, str) else list(activation)
        logistic = bool(names) and all(canonical_activation(a) == "sigmoid" for a in names)
    except (InvalidOptionError, TypeError, ValueError):
        logistic = False  # the MLP's own check names the bad activation
    return 2.0 if logistic else 6.0


def initial_params(rng, sizes, factor, dtype):
    """scikit-learn's initial ``(W, b)`` of every layer, drawn from ``rng`` as it draws them."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        W = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype, copy=False)
        b = rng.uniform(-bound, bound, fan_out).astype(dtype, copy=False)
        params.append((W, b))
    return params


def stack_members(members):
    """Members' parameter lists as one list of arrays with a leading member axis."""
    if len(members) == 1:
        return members[0]
    return [(np.stack([m[i][0] for m in members]), np.stack([m[i][1] for m in members]))
            for i in range(len(members[0]))]


def dense(X, dtype):
    """Sparse ``X`` (n_samples, n_features) as one dense array of ``dtype``.

    Training holds the rows as one dense array (the compiled program's data), so the whole
    matrix is densified once; refused, with the size, when that array alone would not fit in
    the memory this process can still get.
    """
    from ._memory import RUNTIME_RESERVE, available_memory, format_bytes

    need = int(X.shape[0]) * int(X.shape[1]) * np.dtype(dtype).itemsize
    free = available_memory()
    if free is not None and need + RUNTIME_RESERVE > free:
        raise InvalidOptionError(
            f"sparse X of shape {X.shape} densified as {np.dtype(dtype).name} takes "
            f"{format_bytes(need)}, more than the {format_bytes(free)} this process can get: "
            f"the network trains on dense rows; reduce the columns (e.g. TruncatedSVD) or rows")
    return np.asarray(X.toarray(), dtype=dtype)


def dense_blocks(X, dtype):
    """Sparse ``X`` as dense row blocks of at most ``PREDICT_BLOCK_VALUES`` values each."""
    rows = max(1, PREDICT_BLOCK_VALUES // max(1, X.shape[1]))
    for start in range(0, X.shape[0], rows):
        yield np.asarray(X[start:start + rows].toarray(), dtype=dtype)


def lbfgs_warning(reasons, n_iter, max_iter):
    """scikit-learn's ConvergenceWarning text for an lbfgs fit stopped by a limit, or None."""
    if "max_evaluations" in reasons:
        stop = "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
    elif "completed" in reasons:
        stop = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
    else:
        return None
    message = f"lbfgs failed to converge after {n_iter} iteration(s) (status=1):\n{stop}\n"
    if n_iter == max_iter:
        message += ("\nIncrease the number of iterations to improve the convergence "
                    f"(max_iter={max_iter}).")
    return message + ("\nYou might also want to scale the data as shown in:\n"
                      "    https://scikit-learn.org/stable/modules/preprocessing.html")
