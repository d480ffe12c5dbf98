"""The machinery shared by nnfit's scikit-learn estimators (see :mod:`nnfit.estimators`).

scikit-learn's MLP parameters are checked here (their mapping onto :func:`nnfit.fit` keywords is
in :mod:`nnfit._sklearn_options`), and scikit-learn's fitted attributes are read back from the
:class:`~nnfit.Fit`. How ``alpha``,
``tol`` and the loss curve are scaled is stated once, in :mod:`nnfit.estimators`' docstring.
"""

from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import column_or_1d
from sklearn.utils.validation import check_is_fitted, validate_data

from ._checks import INT32_MAX, check_choice, check_number
from ._estimator_data import (_check_determined, _Draws, _plain, _plain_arrays, _random_state,
                              _sample_weight, _variance)
from ._sklearn_compat import (NON_FINITE_MESSAGE, NonFiniteWeights, dense, dense_blocks,
                              glorot_factor, lbfgs_warning)
from ._sklearn_options import _LEAST_SQUARES, SklearnOptions
from ._sklearn_run import ContinuedRun, VerboseLines, end_partial_epoch, stop_message
from .engine import TrainingDiverged
from .errors import InvalidOptionError
from .options import check_option, flag

SOLVERS = ("adam", "sgd", "lbfgs", "gd", "rmsprop", "lm", "trf")
_KEEPS_NO_STATE = ("lbfgs", "lm", "trf")  # nothing for partial_fit or a warm start to go on with


# scikit-learn's parameters that are nnfit.fit options under another name (checked by its rules)
_AS_OPTIONS = {"learning_rate_init": "learning_rate", "power_t": "power_t", "max_iter": "epochs",
               "max_fun": "max_evaluations", "tol": "tol", "n_members": "n_members",
               "n_iter_no_change": "n_iter_no_change", "shuffle": "shuffle",
               "early_stopping": "early_stopping", "dtype": "dtype", "momentum": "momentum",
               "beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"}


class BaseMLP(ContinuedRun, SklearnOptions, BaseEstimator):
    """What the regressor and the classifier share: parameters, the mapping onto nnfit.fit,
    and the fitted attributes."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 l1=0.0, normalize=False, n_members=1, dtype=None):
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
            if value is None and param == "dtype":  # None: the training dtype follows X's
                continue
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

    # ------------------------------------------------------------------------------ fitting
    def _validate_xy(self, X, y, reset):
        fast = None if y is None else _plain_arrays(
            self, X, y, reset, y_kinds="biuf" if self._is_classifier else "iuf")
        X, y = fast if fast is not None else validate_data(
            self, X, y, dtype=(np.float64, np.float32), multi_output=True,
            accept_sparse=["csr", "csc"], y_numeric=not self._is_classifier, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _training_dtype(self, X, first):
        """The dtype training runs in: ``dtype`` when set; else that of the first fit (warm
        starts and partial_fit go on in it, as scikit-learn's weights keep their dtype); else
        ``X``'s (float32 stays float32, anything else is float64)."""
        if self.dtype is not None:
            return np.dtype(self.dtype).name
        if not first and getattr(self, "_dtype", None):
            return self._dtype
        return "float32" if X.dtype == np.float32 else "float64"

    def _fit(self, X, y, sample_weight, task, incremental=False):
        import nnfit

        self._check_params(task)
        hidden = self._hidden()
        first = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        # a full-batch solver's partial_fit trains to convergence from the current weights
        incremental = incremental and self.solver not in _KEEPS_NO_STATE
        if incremental and self.early_stopping:
            raise InvalidOptionError("partial_fit does not support early_stopping=True")
        if incremental and self.normalize:
            raise InvalidOptionError(
                "normalize=True learns the input statistics from the rows of one fit; "
                "partial_fit sees one batch at a time: standardise X beforehand "
                "(StandardScaler().partial_fit) and set normalize=False")
        X, y = self._validate_xy(X, y, reset=first)
        dtype = self._training_dtype(X, first)
        if sp.issparse(X):
            X = dense(X, dtype)
        w = _sample_weight(sample_weight, X.shape[0])
        targets, output = self._encode(y, first, incremental)
        sizes = (X.shape[1], *hidden, 1 if targets.ndim == 1 else targets.shape[1])
        self.n_outputs_ = sizes[-1]  # as scikit-learn's, before training (the loss's scale)
        if not first and [c.shape[-2:] for c in self.coefs_] != list(zip(sizes[:-1], sizes[1:])):
            raise InvalidOptionError(
                f"the network {sizes} is not that of the weights being continued "
                f"{[c.shape[-2:] for c in self.coefs_]}; fit anew (warm_start=False)")
        draws = _Draws(self.random_state, sizes, glorot_factor(self.activation),
                       int(self.n_members), dtype, first, bool(self.early_stopping))
        X, targets, w, validation = self._split(X, targets, w, draws.rng())
        if self.solver == "lm":
            _check_determined(X, targets, hidden)
        options = self._options(len(hidden) + 1, len(X), w, validation, draws.seed(), dtype,
                                incremental)
        state = None if first else self._resume_state(incremental, options["optimizer"])
        if state is None:
            options["init_params"] = draws.params() if first else self._current_params()
        stop_at = self._constant_validation(validation, options)
        model = nnfit.MLP(hidden=hidden, activation=self.activation, output=output,
                          normalize=bool(self.normalize))
        lines = self._verbose_lines(validation, options) if self.verbose and not incremental \
            else None
        options["callback"] = lines
        diverged = False
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = _train(model, X, targets, options, init_state=state,
                             keep_state=self.solver not in _KEEPS_NO_STATE)
            except TrainingDiverged as err:
                fit, diverged = err.fit, True
            if stop_at is not None and not diverged:  # the best weights are the first epoch's
                one = dict(options, epochs=1, callback=None)
                fit = _with_params(fit, _train(model, X, targets, one, init_state=state))
        for warning in caught:  # the core's "raise epochs" gives way to scikit-learn's, below
            if not issubclass(warning.category, ConvergenceWarning):
                warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                       warning.lineno)
        keep_going = diverged and bool(self.early_stopping) and self.solver not in _KEEPS_NO_STATE
        self._set_attributes(fit, hidden, len(X), validation, first, incremental, dtype,
                             options, keep_going)
        if lines is not None and keep_going:
            lines.finish(self.max_iter - len(fit.curve("loss")), validation)
        if diverged and not keep_going:
            raise NonFiniteWeights(NON_FINITE_MESSAGE, fit=fit)
        if incremental:
            return self
        if self.verbose and self.solver in _LEAST_SQUARES:
            _print_curve(self.loss_curve_[-self.n_iter_:])
        if self.solver == "lbfgs":
            message = lbfgs_warning(fit.stop_reasons, self.n_iter_, self.max_iter)
            if message:
                warnings.warn(message, ConvergenceWarning, stacklevel=3)
        elif stop_at is not None:
            if self.n_iter_ < self.max_iter:
                if self.verbose:
                    print(stop_message(True, self.tol, self.n_iter_no_change) + " Stopping.")
            else:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                              f"reached and the optimization hasn't converged yet.",
                              ConvergenceWarning, stacklevel=3)
        elif keep_going or ("max_evaluations" if self.solver in _LEAST_SQUARES else "completed") \
                in fit.stop_reasons:
            solver = "Stochastic Optimizer" if self.solver in ("adam", "sgd") else self.solver
            warnings.warn(f"{solver}: Maximum iterations ({self.max_iter}) reached and the "
                          f"optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _partial_fit(self, X, y, sample_weight, task):
        """One epoch over ``X``, ``y`` (scikit-learn's ``partial_fit``); full-batch solvers
        train to convergence from the current weights, as scikit-learn's regressor does with
        'lbfgs'."""
        return self._fit(X, y, sample_weight, task, incremental=True)

    def _split(self, X, targets, w, rng):
        """scikit-learn's early-stopping split: random (from the ``RandomState`` that drew the
        initial weights, after them), stratified for a classifier with one output."""
        if not self.early_stopping:
            return X, targets, w, None
        from sklearn.model_selection import train_test_split

        stratify = self._stratify(targets) if self._is_classifier else None
        X, X_val, targets, y_val, w, w_val = train_test_split(
            X, targets, w, test_size=self.validation_fraction, random_state=rng,
            stratify=stratify)
        if len(X_val) < 2:
            raise InvalidOptionError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        return X, targets, w, (X_val, y_val, w_val)

    def _constant_validation(self, validation, options):
        """A regressor's constant validation target: scikit-learn scores every epoch 0.0 (its
        R^2 of a constant), which never improves by a positive ``tol``, so it stops after
        ``n_iter_no_change + 2`` epochs (never with ``tol=0``) keeping the first epoch's
        weights. Returns that epoch count, with ``options`` set to run it, or None."""
        if (validation is None or self._is_classifier or self.solver in _KEEPS_NO_STATE
                or _variance(*validation[1:]) != 0):
            return None
        never = self.n_iter_no_change == np.inf or self.tol == 0
        stop_at = self.max_iter if never else min(self.max_iter, int(self.n_iter_no_change) + 2)
        options.update(early_stopping=False, restore_best_weights=False, epochs=stop_at)
        return stop_at

    def _verbose_lines(self, validation, options):
        """scikit-learn's verbose lines, printed as the engine reports its epochs."""
        scores = None
        if validation is not None:
            y_val, w_val = validation[1:]
            scores = lambda records: self._validation_scores(records, y_val, w_val)  # noqa: E731
        rule = None
        if self.solver not in ("lbfgs",) + _LEAST_SQUARES:
            rule = dict(monitor=options.get("monitor", "loss"), tol=options["tol"],
                        patience=options["n_iter_no_change"], stops=options["early_stopping"],
                        adaptive=self._adaptive(), rate=float(self.learning_rate_init),
                        message=stop_message(validation is not None, self.tol,
                                             self.n_iter_no_change))
        return VerboseLines(self._scale(), scores, rule)

    @property
    def history_(self):
        """The last fit's per-epoch history (a pandas DataFrame), built when first read; after
        partial_fit, the last call's one epoch."""
        fit = self.fit_
        if getattr(fit, "_history_table", None) is None:  # one table, however often read
            fit._history_table = fit.mean_history  # as loss_curve_: the members' mean
        return fit._history_table

    def _set_attributes(self, fit, hidden, n, validation, first, incremental, dtype, options,
                        keep_going):
        c = self._scale()
        curve = c * fit.curve("loss")
        scores = None if validation is None else np.asarray(
            self._validation_scores(fit, *validation[1:]), dtype=np.float64)
        if keep_going:  # scikit-learn runs on: every later epoch's loss and score are NaN
            pad = np.full(max(0, self.max_iter - len(curve)), np.nan)
            curve = np.concatenate([curve, pad])
            scores = None if scores is None else np.concatenate([scores, pad])
        self.fit_ = fit
        self._dtype = dtype
        self.coefs_ = [np.asarray(W, dtype) for W, _ in fit.params]
        self.intercepts_ = [np.asarray(b, dtype) for _, b in fit.params]
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = fit.network.n_outputs
        state = getattr(fit, "engine_state", None)
        if state is not None:
            self._engine_state = state
            self._engine_key = self._state_key(options["optimizer"], dtype)
            self._engine_monitor = self._monitor()
            fit.engine_state = None  # the estimator keeps it; the Fit stays parameters only
        else:
            self._engine_state = None
        stochastic = self.solver not in ("lbfgs",) + _LEAST_SQUARES
        if incremental:
            if first:
                self.loss_curve_, self.t_, self.best_loss_ = [], 0, np.inf
                self._no_improvement_count = 0
                self.validation_scores_ = self.best_validation_score_ = None
            elif getattr(self, "_learning_rate", None) is None:
                self._progress_after_fit()
            end_partial_epoch(self, float(curve[-1]) if len(curve) else np.nan, n,
                              self._adaptive(), self._is_invscaling())
            return
        self.n_iter_ = len(curve)
        self.loss_curve_ = ([] if first else list(getattr(self, "loss_curve_", []))) + curve.tolist()
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        self.t_ = (0 if first else getattr(self, "t_", 0)) + (n * self.n_iter_ if stochastic else 0)
        # an lbfgs fit whose start already meets tol takes no iteration and has no curve
        self.best_loss_ = None if self.early_stopping else (
            float(np.nanmin(self.loss_curve_)) if np.isfinite(self.loss_curve_).any() else np.nan)
        if scores is None:
            self.validation_scores_ = self.best_validation_score_ = None
        else:
            before = [] if first or self.validation_scores_ is None else list(self.validation_scores_)
            self.validation_scores_ = before + scores.tolist()
            finite = np.asarray(self.validation_scores_)[np.isfinite(self.validation_scores_)]
            self.best_validation_score_ = float(finite.max()) if finite.size else -np.inf
        self._learning_rate = None  # partial_fit reads it from the engine's state

    # --------------------------------------------------------------------------- predicting
    def _check_X(self, X):
        check_is_fitted(self)
        fast = _plain_arrays(self, X, None, reset=False)
        return fast[0] if fast is not None else validate_data(
            self, X, dtype=(np.float64, np.float32), accept_sparse=["csr", "csc"], reset=False)

    def _members_output(self, X):
        """Every member's output for ``X``: (n_members, n, n_outputs) probabilities for a
        classifier, (n_members, n) or (n_members, n, n_outputs) values for a regressor, in
        the dtype scikit-learn's would give (float32 for float32 ``X`` on float32 weights).

        The forward pass runs in float64 whatever the training dtype: a float32 pass can
        change a row's last bits with the rows beside it, and scikit-learn requires
        predictions that depend on the row alone. Sparse rows are densified block by block."""
        X = self._check_X(X)
        out_dtype = np.float32 if (X.dtype == np.float32 and self._dtype == "float32") \
            else np.float64
        predictor = copy.copy(self.fit_)
        predictor.dtype = "float64"
        if sp.issparse(X):
            parts = [predictor.predict_members(block) for block in dense_blocks(X, np.float64)]
            out = np.concatenate(parts, axis=1)
        else:
            out = predictor.predict_members(X)
        return out.astype(out_dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _with_params(fit, other):
    """``fit`` (its history) with the parameters of the Fit ``other``."""
    joined = fit._with(other._member_params, fit._histories, fit.stop_reasons, fit.best_epoch,
                       fit.solver_info)
    joined._records, joined.options = fit._records, fit.options
    joined.engine_state = getattr(fit, "engine_state", None)
    return joined


def _print_curve(curve):
    for i, loss in enumerate(curve, start=1):
        print("Iteration %d, loss = %.8f" % (i, loss))


def _train(model, X, targets, options, **engine):
    """nnfit.fit's training, without its scores against baselines (scikit-learn's contract
    and cost: a grid search of many fits does not pay for them)."""
    from .options import FitOptions
    from .training import DATA_ARGUMENTS, fit_options

    options = dict(options)
    data = {k: options.pop(k) for k in DATA_ARGUMENTS if k in options}
    return fit_options(model, X, targets, FitOptions(**options), assess=False, **data, **engine)

