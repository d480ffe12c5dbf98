"""scikit-learn's MLP training parameters translated into :func:`nnfit.fit`'s options.

One idea: given an estimator's parameters (``solver``, ``learning_rate``, ``alpha``, ``tol``,
``n_iter_no_change``, ...), the optimizer value, the learning-rate schedule, the penalties and
the stopping rule that make nnfit's engine train as scikit-learn's MLPs do. How ``alpha`` and
``tol`` are scaled is stated once, in :mod:`nnfit.estimators`' docstring.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._checks import _finfo
from ._estimator_data import _plain, _variance
from ._sklearn_compat import InvScaling, SklearnSGD
from .errors import InvalidOptionError
from .optim import SHORTHANDS, Adam, RMSprop
from .options import penalty

# regression only: scipy.optimize.least_squares
_LEAST_SQUARES = tuple(name for name, (cls, _) in SHORTHANDS.items() if cls.least_squares)
_FULL_BATCH = ("lbfgs", "gd", "lm", "trf")
_SCHEDULED = ("sgd", "gd", "rmsprop")  # scikit-learn applies learning_rate to sgd only, not adam
_REGRESSION_LOSSES = {"squared_error": "mse", "absolute_error": "mae", "huber": "huber",
                      "poisson": "poisson"}
# scipy.optimize.minimize's default ftol for L-BFGS-B (factr 1e7 times float64's eps), which
# scikit-learn's lbfgs leaves as it is
_SCIPY_FTOL = 2.220446049250313e-09


class SklearnOptions:
    """The mapping from an MLP estimator's parameters onto nnfit.fit's keywords (a mixin of
    :class:`nnfit._estimator_base.BaseMLP`, which holds the parameters)."""

    def _strength(self, name, value, dtype):
        """A penalty as nnfit.fit takes it, checked against the training dtype's range."""
        largest = float(_finfo(np.dtype(dtype)).max)
        if np.any(value > largest):
            raise InvalidOptionError(f"{name}={getattr(self, name)!r} gives a penalty beyond "
                                     f"{np.dtype(dtype).name}'s range; use a smaller {name}")
        return value

    def _penalty(self, name, value, n_layers):
        arr = np.asarray(penalty(name, _plain(value)), dtype=np.float64)
        if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] not in (1, n_layers)):
            raise InvalidOptionError(f"{name} must be a number or one per dense layer ({n_layers} "
                                     f"here: the hidden layers and the output), got {value!r}")
        return arr

    def _scale(self):
        """scikit-learn's loss over nnfit's (see the module docstring of nnfit.estimators)."""
        loss = getattr(self, "loss", None)
        if loss == "squared_error":
            return 0.5
        if loss == "poisson" or getattr(self, "_multilabel", False):
            return float(self.n_outputs_)  # scikit-learn sums over the outputs
        return 1.0

    def _options(self, n_layers, n, w, validation, seed, dtype, incremental):
        """nnfit.fit's keywords for this estimator's parameters (see the module docstring)."""
        if self.solver in _FULL_BATCH:
            batch = n
        elif self.batch_size == "auto":
            batch = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                              "It is going to be clipped", UserWarning, stacklevel=5)
            batch = int(np.clip(self.batch_size, 1, n))
        c = self._scale()
        alpha = self._penalty("alpha", self.alpha, n_layers)
        l1 = self._penalty("l1", self.l1, n_layers)
        s = batch * float(np.mean(w))  # a batch's weight sum (full batch: sum(w))
        options = dict(
            optimizer=self._optimizer(c),
            epochs=1 if incremental else (
                min(self.max_iter, self.max_fun) if self.solver in _LEAST_SQUARES else self.max_iter),
            batch_size=None if batch == n else batch,
            shuffle=bool(self.shuffle), sample_weight=w, validation_data=validation,
            l2=self._strength("alpha", 0.5 * alpha / (c * s), dtype),
            l1=self._strength("l1", l1 / (c * s), dtype), n_members=self.n_members, seed=seed,
            dtype=dtype, verbose=False, **self._stopping(c, validation))
        if incremental:
            options.update(early_stopping=False, learning_rate=self._partial_rate(),
                           schedule="constant")
        else:
            options.update(self._schedule(n, -(-n // batch)))
        if not self._is_classifier:
            options["loss"] = _REGRESSION_LOSSES[self.loss]
            # scikit-learn's MLP tracks the loss alone; mse gives validation_scores_ (R^2)
            options["metrics"] = ("mse",)
        return options

    def _optimizer(self, c):
        """The solver as an nnfit optimizer value, with this estimator's settings.

        'sgd' and 'gd' step as scikit-learn's SGD does on its objective (``c`` times nnfit's),
        Adam's epsilon is turned onto nnfit's gradients likewise."""
        if self.solver == "adam":
            return Adam(b1=_plain(self.beta_1), b2=_plain(self.beta_2),
                        eps=_plain(self.epsilon) / c)
        if self.solver == "sgd":
            return SklearnSGD(_plain(self.momentum), nesterov=bool(self.nesterovs_momentum),
                              scale=c)
        if self.solver == "gd":
            return SklearnSGD(0.0, scale=c)
        if self.solver == "rmsprop":
            return RMSprop(eps=_plain(self.epsilon) / c)
        return self.solver

    def _adaptive(self):
        return self.solver in _SCHEDULED and self.learning_rate == "adaptive"

    def _schedule(self, n, n_batches):
        """nnfit.fit's learning_rate and schedule keywords."""
        if self.solver in _SCHEDULED and self.learning_rate == "invscaling":
            return {"learning_rate": InvScaling(float(self.learning_rate_init),
                                                float(self.power_t), n, n_batches)}
        return {"learning_rate": self.learning_rate_init,
                "schedule": "adaptive" if self._adaptive() else "constant"}

    def _stopping(self, c, validation):
        """scikit-learn's stopping rule as nnfit.fit's early_stopping, monitor, patience, tol;
        for 'lbfgs', scipy's tests as scikit-learn sets them: gtol, ftol, max_evaluations.

        With 'adaptive', the engine divides the rate by 5 where it would stop, until the rate
        is at most 1e-6: scikit-learn's rule (nnfit.fit's 'adaptive' with early stopping)."""
        if self.solver == "lbfgs":  # no patience rule, no best weights: the last iterate
            return {"early_stopping": False, "restore_best_weights": False, "gtol": self.tol / c,
                    "ftol": _SCIPY_FTOL / c, "max_evaluations": int(self.max_fun)}
        never = self.n_iter_no_change == np.inf
        patience = self.max_iter + 1 if never else int(self.n_iter_no_change) + 1
        options = {"tol": self.tol / c, "restore_best_weights": validation is not None}
        if validation is not None and self._is_classifier:
            options.update(monitor="val_accuracy", tol=self.tol)
        elif validation is not None:  # R^2 = 1 - MSE / var(y_val): a gain of tol in R^2 ...
            options.update(monitor="val_mse", tol=self.tol * _variance(*validation[1:]))
        return {"early_stopping": not never, "n_iter_no_change": patience, **options}

    def _is_invscaling(self):
        return self.solver in _SCHEDULED and self.learning_rate == "invscaling"
