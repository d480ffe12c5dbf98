"""The machinery shared by nnfit's scikit-learn estimators (see :mod:`nnfit.estimators`).

scikit-learn's MLP parameters are checked here and mapped onto :func:`nnfit.fit` keywords, and
scikit-learn's fitted attributes are read back from the :class:`~nnfit.Fit`. How ``alpha``,
``tol`` and the loss curve are scaled is stated once, in :mod:`nnfit.estimators`' docstring.
"""

from __future__ import annotations

import copy
import functools
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._checks import INT32_MAX, _finfo, _short, check_choice, check_number, first_line
from .errors import InvalidOptionError
from .optim import SGD, SHORTHANDS, Adam, Momentum, RMSprop
from .options import check_option, flag, penalty

SOLVERS = ("adam", "sgd", "lbfgs", "gd", "rmsprop", "lm", "trf")
# regression only: scipy.optimize.least_squares
_LEAST_SQUARES = tuple(name for name, (cls, _) in SHORTHANDS.items() if cls.least_squares)
_FULL_BATCH = ("lbfgs", "gd", "lm", "trf")
_SCHEDULED = ("sgd", "gd", "rmsprop")  # scikit-learn applies learning_rate to sgd only, not adam
_REGRESSION_LOSSES = {"squared_error": "mse", "absolute_error": "mae", "huber": "huber"}
# scipy.optimize.minimize's default ftol for L-BFGS-B (factr 1e7 times float64's eps), which
# scikit-learn's lbfgs leaves as it is
_SCIPY_FTOL = 2.220446049250313e-09


# scikit-learn's parameters that are nnfit.fit options under another name (checked by its rules)
_AS_OPTIONS = {"learning_rate_init": "learning_rate", "power_t": "power_t", "max_iter": "epochs",
               "max_fun": "max_evaluations", "tol": "tol", "n_members": "n_members",
               "n_iter_no_change": "n_iter_no_change", "shuffle": "shuffle",
               "early_stopping": "early_stopping", "dtype": "dtype", "momentum": "momentum",
               "beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"}


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


@dataclass(frozen=True)
class InvScaling:
    """scikit-learn's ``invscaling`` rate as an optax schedule of the update count.

    The first epoch runs at ``learning_rate_init``; after ``e`` epochs the rate is
    ``learning_rate_init / (e * n_samples) ** power_t`` (scikit-learn counts ``t`` in samples
    seen). Frozen, so equal settings hash equal and reuse one compiled program.
    """

    learning_rate_init: float
    power_t: float
    n_samples: int
    n_batches: int

    def __call__(self, count):
        import jax.numpy as jnp

        epochs = (count // self.n_batches).astype(jnp.float32)
        t = jnp.maximum(epochs * self.n_samples, 1.0)
        return jnp.where(epochs > 0, self.learning_rate_init / t ** self.power_t,
                         self.learning_rate_init)


class BaseMLP(BaseEstimator):
    """What the regressor and the classifier share: parameters, the mapping onto nnfit.fit,
    and the fitted attributes."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 l1=0.0, normalize=False, n_members=1, dtype="float32"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.l1 = l1
        self.normalize = normalize
        self.n_members = n_members
        self.dtype = dtype

    # ------------------------------------------------------------------------- validation
    def _hidden(self):
        sizes = _plain(self.hidden_layer_sizes)
        sizes = [sizes] if isinstance(sizes, numbers.Number) else sizes
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (list, tuple, np.ndarray)):
            raise InvalidOptionError(f"hidden_layer_sizes must be a tuple of layer widths such as "
                                     f"(100,), got {self.hidden_layer_sizes!r}")
        sizes = [_plain(s) for s in sizes]
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0 for s in sizes):
            raise InvalidOptionError(f"hidden_layer_sizes must be positive integers (one width per "
                                     f"hidden layer), got {self.hidden_layer_sizes!r}")
        for s in sizes:
            check_number("hidden_layer_sizes", s, high=INT32_MAX, integer=True)
        return tuple(int(s) for s in sizes)

    def _check_params(self, task):
        """Every parameter, before anything else reads it; messages use scikit-learn's names."""
        check_choice("solver", _plain(self.solver), SOLVERS)
        if task == "classification" and self.solver in _LEAST_SQUARES:
            raise InvalidOptionError(
                f"solver {self.solver!r} is least squares, for regression only; an "
                f"MLPClassifier takes one of adam, sgd, lbfgs, gd, rmsprop")
        check_choice("learning_rate", _plain(self.learning_rate),
                     {"constant", "invscaling", "adaptive"})
        # scikit-learn's parameters that are nnfit.fit options by another name: the schema's
        # checks (nnfit.options), with scikit-learn's names in the messages
        for param, name in _AS_OPTIONS.items():
            value = _plain(getattr(self, param))
            if value is None:
                raise InvalidOptionError(f"{param} must be set, got None")
            if not (param == "n_iter_no_change" and isinstance(value, float) and value == np.inf):
                check_option(name, value, label=param)
        for param in ("warm_start", "nesterovs_momentum", "normalize"):
            flag(param, getattr(self, param))
        if not isinstance(_plain(self.verbose), (bool, numbers.Integral)):
            raise InvalidOptionError(f"verbose must be True, False or an integer, got {self.verbose!r}")
        check_number("validation_fraction", _plain(self.validation_fraction), low=0, high=1,
                     low_open=bool(self.early_stopping))
        if self.validation_fraction >= 1:
            raise InvalidOptionError(f"validation_fraction must be < 1, got {self.validation_fraction!r}")
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            check_number("batch_size", _plain(self.batch_size), low=1, high=INT32_MAX, integer=True)
        _random_state(self.random_state)

    def _strength(self, name, value):
        """A penalty as nnfit.fit takes it, checked against the training dtype's range."""
        largest = float(_finfo(np.dtype(self.dtype)).max)
        if np.any(value > largest):
            raise InvalidOptionError(f"{name}={getattr(self, name)!r} gives a penalty beyond "
                                     f"{np.dtype(self.dtype).name}'s range; use a smaller {name}")
        return value

    def _penalty(self, name, value, n_layers):
        arr = np.asarray(penalty(name, _plain(value)), dtype=np.float64)
        if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] not in (1, n_layers)):
            raise InvalidOptionError(f"{name} must be a number or one per dense layer ({n_layers} "
                                     f"here: the hidden layers and the output), got {value!r}")
        return arr

    # ------------------------------------------------------------------------------ fitting
    def _validate_xy(self, X, y, reset):
        fast = None if y is None else _plain_arrays(
            self, X, y, reset, y_kinds="biuf" if self._is_classifier else "iuf")
        X, y = fast if fast is not None else validate_data(
            self, X, y, dtype=(np.float64, np.float32), multi_output=True,
            y_numeric=not self._is_classifier, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _fit(self, X, y, sample_weight, task):
        import nnfit

        self._check_params(task)
        hidden = self._hidden()
        warm = bool(self.warm_start) and hasattr(self, "fit_")
        X, y = self._validate_xy(X, y, reset=not warm)
        w = _sample_weight(sample_weight, len(X))
        targets, output = self._encode(y, warm)
        if self.early_stopping or not isinstance(self.random_state, numbers.Integral):
            rng = check_random_state(self.random_state)  # validated; the split draws from it too
            seed = int(rng.randint(np.iinfo(np.int32).max - self.n_members))
        else:
            rng, seed = None, _first_seed(int(self.random_state), int(self.n_members))
        X, targets, w, validation = self._split(X, targets, w, rng)
        if self.solver == "lm":
            _check_determined(X, targets, hidden)
        options = self._options(len(hidden) + 1, len(X), w, validation, seed)
        if warm:
            options["init_params"] = self.fit_.params
        model = nnfit.MLP(hidden=hidden, activation=self.activation, output=output,
                          normalize=bool(self.normalize), init="glorot_uniform",
                          bias_init="glorot_uniform")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = _train(model, X, targets, options)
        for warning in caught:  # the core's "raise epochs" gives way to scikit-learn's, below
            if not issubclass(warning.category, ConvergenceWarning):
                warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                       warning.lineno)
        self._set_attributes(fit, hidden, len(X), w, validation, warm)
        if self.solver == "lbfgs":
            message = _lbfgs_warning(fit.stop_reasons, self.n_iter_, self.max_iter)
            if message:
                warnings.warn(message, ConvergenceWarning, stacklevel=3)
        elif ("max_evaluations" if self.solver in _LEAST_SQUARES else "completed") in fit.stop_reasons:
            solver = "Stochastic Optimizer" if self.solver in ("adam", "sgd") else self.solver
            warnings.warn(f"{solver}: Maximum iterations ({self.max_iter}) reached and the "
                          f"optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _split(self, X, targets, w, rng):
        """scikit-learn's early-stopping split: random, stratified for classifiers."""
        if not self.early_stopping:
            return X, targets, w, None
        from sklearn.model_selection import train_test_split

        X, X_val, targets, y_val, w, w_val = train_test_split(
            X, targets, w, test_size=self.validation_fraction, random_state=rng,
            stratify=targets if self._is_classifier else None)
        if len(X_val) < 2:
            raise InvalidOptionError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        return X, targets, w, (X_val, y_val, w_val)

    def _scale(self):
        """scikit-learn's loss over nnfit's: 0.5 for squared error (half MSE), else 1."""
        return 0.5 if getattr(self, "loss", None) == "squared_error" else 1.0

    def _options(self, n_layers, n, w, validation, seed):
        """nnfit.fit's keywords for this estimator's parameters (see the module docstring)."""
        if self.solver in _FULL_BATCH:
            batch = n
        elif self.batch_size == "auto":
            batch = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                              "It is going to be clipped", UserWarning, stacklevel=4)
            batch = int(np.clip(self.batch_size, 1, n))
        c = self._scale()
        alpha = self._penalty("alpha", self.alpha, n_layers)
        l1 = self._penalty("l1", self.l1, n_layers)
        s = batch * float(np.mean(w))  # a batch's weight sum (full batch: sum(w))
        options = dict(
            optimizer=self._optimizer(),
            epochs=min(self.max_iter, self.max_fun) if self.solver in _LEAST_SQUARES else self.max_iter,
            batch_size=None if batch == n else batch,
            shuffle=bool(self.shuffle), sample_weight=w, validation_data=validation,
            l2=self._strength("alpha", 0.5 * alpha / (c * s)),
            l1=self._strength("l1", l1 / (c * s)), n_members=self.n_members, seed=seed,
            dtype=np.dtype(self.dtype).name, verbose=bool(self.verbose), **self._stopping(c, validation),
            **self._schedule(n, -(-n // batch)))
        if not self._is_classifier:
            options["loss"] = _REGRESSION_LOSSES[self.loss]
            # scikit-learn's MLP tracks the loss alone; mse gives validation_scores_ (R^2)
            options["metrics"] = ("mse",)
        return options

    def _optimizer(self):
        """The solver as an nnfit optimizer value, with this estimator's settings."""
        if self.solver == "adam":
            return Adam(b1=_plain(self.beta_1), b2=_plain(self.beta_2), eps=_plain(self.epsilon))
        if self.solver == "sgd":
            if self.momentum == 0:
                return SGD()
            return Momentum(_plain(self.momentum), nesterov=bool(self.nesterovs_momentum))
        if self.solver == "rmsprop":
            return RMSprop(eps=_plain(self.epsilon))
        return self.solver

    def _adaptive(self):
        return self.solver in _SCHEDULED and self.learning_rate == "adaptive"

    def _schedule(self, n, n_batches):
        """nnfit.fit's learning_rate and schedule keywords."""
        if self.solver in _SCHEDULED and self.learning_rate == "invscaling":
            return {"learning_rate": InvScaling(float(self.learning_rate_init),
                                                float(self.power_t), n, n_batches)}
        adaptive = self.solver in _SCHEDULED and self.learning_rate == "adaptive"
        return {"learning_rate": self.learning_rate_init,
                "schedule": "adaptive" if adaptive else "constant"}

    def _stopping(self, c, validation):
        """scikit-learn's stopping rule as nnfit.fit's early_stopping, monitor, patience, tol;
        for 'lbfgs', scipy's tests as scikit-learn sets them: gtol, ftol, max_evaluations."""
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
        # 'adaptive' lowers the rate on a stalled training loss instead of stopping
        stop = not never and (validation is not None or not self._adaptive())
        return {"early_stopping": stop, "n_iter_no_change": patience, **options}

    @property
    def history_(self):
        """The last fit's per-epoch history (a pandas DataFrame), built when first read."""
        fit = self.fit_
        if getattr(fit, "_history_table", None) is None:  # one table, however often read
            fit._history_table = fit.mean_history  # as loss_curve_: the members' mean
        return fit._history_table

    def _set_attributes(self, fit, hidden, n, w, validation, warm):
        curve = self._scale() * fit.curve("loss")
        self.fit_ = fit
        self.coefs_ = [np.asarray(W) for W, _ in fit.params]
        self.intercepts_ = [np.asarray(b) for _, b in fit.params]
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = fit.network.n_outputs
        self.n_iter_ = len(curve)
        self.loss_curve_ = (list(self.loss_curve_) if warm else []) + curve.tolist()
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        self.t_ = (self.t_ if warm else 0) + (
            0 if self.solver in ("lbfgs",) + _LEAST_SQUARES else n * self.n_iter_)
        # an lbfgs fit whose start already meets tol takes no iteration and has no curve
        self.best_loss_ = None if self.early_stopping else (
            float(np.nanmin(self.loss_curve_)) if self.loss_curve_ else np.nan)
        if validation is None:
            self.validation_scores_ = self.best_validation_score_ = None
        else:
            self.validation_scores_ = list(self._validation_scores(fit, *validation[1:]))
            self.best_validation_score_ = float(np.nanmax(self.validation_scores_))

    # --------------------------------------------------------------------------- predicting
    def _check_X(self, X):
        check_is_fitted(self)
        fast = _plain_arrays(self, X, None, reset=False)
        return fast[0] if fast is not None else validate_data(
            self, X, dtype=(np.float64, np.float32), reset=False)

    def _predictor(self):
        """The fit, predicting in float64 whatever it trained in: a float32 forward pass can
        change a row's last bits with the rows beside it, and scikit-learn requires predictions
        that depend on the row alone."""
        predictor = copy.copy(self.fit_)
        predictor.dtype = "float64"
        return predictor

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _train(model, X, targets, options):
    """nnfit.fit's training, without its scores against baselines (scikit-learn's contract
    and cost: a grid search of many fits does not pay for them)."""
    from .options import FitOptions
    from .training import DATA_ARGUMENTS, fit_options

    options = dict(options)
    data = {k: options.pop(k) for k in DATA_ARGUMENTS if k in options}
    return fit_options(model, X, targets, FitOptions(**options), assess=False, **data)


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


def _lbfgs_warning(reasons, n_iter, max_iter):
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
