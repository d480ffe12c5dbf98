"""scikit-learn estimators over :func:`nnfit.fit`: ``MLPRegressor`` and ``MLPClassifier``.

Both are drop-ins for ``sklearn.neural_network``'s estimators of the same names: the same
parameters, meanings and defaults where the concept is the same, the same fitted attributes,
plus nnfit's own (``l1``, per-layer penalties, ``normalize``, ``n_members``, ``dtype``, solvers
``"lm"``, ``"trf"``, ``"gd"``, ``"rmsprop"``, ``history_`` and the underlying ``fit_``).

How scikit-learn's numbers map onto the core, once, here:

- The objective is scikit-learn's: ``L + (0.5 * alpha * ||W||^2 + l1 * |W|_1) / s`` per
  mini-batch, with ``L`` half the mean squared error (``loss="squared_error"``; the mean absolute
  error, the Huber loss or the log-loss as they are) and ``s`` the batch's sample-weight sum.
  nnfit minimises plain MSE plus Keras' ``l2 * ||W||^2``, so the estimator passes
  ``l2 = 0.5 * alpha / (c * s)`` and ``l1 / (c * s)`` with ``c = 0.5`` for squared error and 1
  otherwise (``s`` is the batch size times the mean weight), and reports
  ``loss_curve_ = c * history.loss``: the same numbers scikit-learn prints.
- scikit-learn stops when the training loss (or, with ``early_stopping``, the validation score)
  has not improved by ``tol`` for ``n_iter_no_change + 1`` epochs in a row; that is the core's
  early stopping with patience ``n_iter_no_change + 1``. The validation score is R^2 for the
  regressor; the core monitors the validation loss, and a gain of ``tol`` in R^2 is a fall of
  ``tol * var(y_val)`` in MSE. The classifier's core monitors the validation log-loss (with
  ``tol`` as it is) where scikit-learn monitors accuracy; ``validation_scores_`` are accuracies.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._checks import check_choice, check_number

SOLVERS = ("adam", "sgd", "lbfgs", "gd", "rmsprop", "lm", "trf")
_LEAST_SQUARES = ("lm", "trf")  # regression only: scipy.optimize.least_squares
_FULL_BATCH = ("lbfgs", "gd", "lm", "trf")
_SCHEDULED = ("sgd", "gd", "rmsprop")  # scikit-learn applies learning_rate to sgd only, not adam
_REGRESSION_LOSSES = {"squared_error": "mse", "absolute_error": "mae", "huber": "huber"}


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

_SHARED_DOC = """hidden_layer_sizes : int or sequence of int, default=(100,)
        Width of each hidden layer; ``()`` is a linear (logistic) model.
    activation : str or sequence of str, default='relu'
        'identity', 'logistic', 'tanh', 'relu', or nnfit's 'elu', 'gelu', 'softplus', 'sin',
        'silu', 'leaky_relu'; one per hidden layer is allowed.
    solver : {'adam', 'sgd', 'lbfgs', 'gd', 'rmsprop', 'lm', 'trf'}, default='adam'
        'lbfgs' (full-batch L-BFGS), 'gd' (full-batch gradient descent), 'lm' and 'trf'
        (Levenberg-Marquardt and trust-region least squares, regressor only) use every row per
        step; the others take mini-batches.
    alpha : float or sequence of float (one per dense layer), default=0.0001
        L2 penalty with scikit-learn's scaling: ``0.5 * alpha * ||W||^2`` divided by the batch's
        sample-weight sum is added to each batch's loss (biases are not penalised).
    batch_size : int or 'auto', default='auto'
        Rows per mini-batch; 'auto' is ``min(200, n_samples)``. Full-batch solvers ignore it.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        The schedule of 'sgd' (and of nnfit's 'gd', 'rmsprop'); 'adam' ignores it, as in
        scikit-learn. 'invscaling' is ``learning_rate_init / t ** power_t``, ``t`` the samples
        seen; 'adaptive' divides the rate by 5 when the loss stalls.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
        Epochs; iterations for 'lbfgs'; residual evaluations for 'lm' and 'trf'.
    shuffle : bool, default=True
    random_state : int, RandomState or None, default=None
        Initial weights, shuffling and the early-stopping split; drawn into one seed per fit.
    tol : float, default=1e-4
        Progress that counts as improvement (see the module docstring).
    verbose : bool, default=False
        Show a progress bar.
    warm_start : bool, default=False
        Start from the previous fit's weights; ``loss_curve_`` and ``t_`` continue.
    momentum : float, default=0.9
        'sgd' only.
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for classifiers), score them
        every epoch, for every solver, stop when the score stalls and keep the best weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's (``epsilon`` also RMSprop's).
    n_iter_no_change : int or np.inf, default=10
    max_fun : int, default=15000
        The most loss evaluations: enforced for 'lm' and 'trf' (with ``max_iter``); accepted
        but not yet enforced for 'lbfgs', whose iterations ``max_iter`` caps.
    l1 : float or sequence of float (one per dense layer), default=0.0
        nnfit's L1 penalty, scaled like ``alpha``: ``l1 * |W|_1`` over the batch's weight sum.
    normalize : bool, default=False
        Standardise the inputs with the training data's mean and variance inside the network
        (``coefs_[0]`` then acts on standardised inputs).
    n_members : int, default=1
        Networks trained together from seeds ``seed, seed + 1, ...``; predictions are their mean
        and ``return_std=True`` gives their spread. ``coefs_`` and ``intercepts_`` then carry a
        leading member axis and the curves are the members' mean.
    dtype : {'float32', 'float64'}, default='float32'

    Attributes
    ----------
    coefs_, intercepts_ : list of ndarray
        Weights (n_in, n_out) and biases (n_out,) of every dense layer.
    loss_, best_loss_ : float
        The last epoch's loss, and the lowest (None with ``early_stopping``).
    loss_curve_ : list of float
        The loss of every epoch (every iteration for full-batch solvers), scikit-learn's scale.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation R^2 (regressor) or accuracy of every epoch.
    best_validation_score_ : float or None
    n_iter_, n_layers_, n_outputs_, out_activation_, t_ : int, int, int, str, int
        Epochs run, layers counting input and output, outputs, the output activation, and the
        training samples seen (0 for 'lbfgs', 'lm', 'trf').
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.
    history_ : pandas.DataFrame
        The core's per-epoch history in nnfit's units (MSE, not half).
    fit_ : nnfit.Fit
        The underlying fit: every member, histories, summary(), save()."""


class _BaseMLP(BaseEstimator):
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
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Number) else list(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers (one width per hidden "
                             f"layer), got {self.hidden_layer_sizes!r}")
        return tuple(int(s) for s in sizes)

    def _check_params(self, task):
        check_choice("solver", self.solver, SOLVERS)
        if task == "classification" and self.solver in _LEAST_SQUARES:
            raise ValueError(f"solver {self.solver!r} is least squares, for regression only; an "
                             f"MLPClassifier takes one of adam, sgd, lbfgs, gd, rmsprop")
        check_choice("learning_rate", self.learning_rate, {"constant", "invscaling", "adaptive"})
        check_number("learning_rate_init", self.learning_rate_init, low=0, low_open=True)
        check_number("power_t", self.power_t, low=0)
        check_number("max_iter", self.max_iter, low=1, integer=True)
        check_number("max_fun", self.max_fun, low=1, integer=True)
        check_number("tol", self.tol, low=0)
        check_number("momentum", self.momentum, low=0, high=1)
        check_number("beta_1", self.beta_1, low=0, high=1)
        check_number("beta_2", self.beta_2, low=0, high=1)
        check_number("epsilon", self.epsilon, low=0, low_open=True)
        check_number("n_members", self.n_members, low=1, integer=True)
        if self.n_iter_no_change != np.inf:
            check_number("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)
        if self.early_stopping:
            check_number("validation_fraction", self.validation_fraction, low=0, low_open=True)
            if self.validation_fraction >= 1:
                raise ValueError(f"validation_fraction must be < 1, got {self.validation_fraction!r}")
        if self.batch_size != "auto":
            check_number("batch_size", self.batch_size, low=1, integer=True)
        check_choice("dtype", np.dtype(self.dtype).name, {"float32", "float64"})

    def _penalty(self, name, value, n_layers):
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] not in (1, n_layers)):
            raise ValueError(f"{name} must be a number or one per dense layer ({n_layers} here: "
                             f"the hidden layers and the output), got {value!r}")
        if np.any(arr < 0) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
        return arr

    # ------------------------------------------------------------------------------ fitting
    def _validate_xy(self, X, y, reset):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), multi_output=True,
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
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max - self.n_members))
        X, targets, w, validation = self._split(X, targets, w, rng)
        options = self._options(len(hidden) + 1, len(X), w, validation, seed)
        if warm:
            options["init_params"] = self.fit_.params
        model = nnfit.MLP(hidden=hidden, activation=self.activation, output=output,
                          normalize=bool(self.normalize), init="glorot_uniform",
                          bias_init="glorot_uniform")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = nnfit.fit(model, X, targets, **options)
        for warning in caught:  # the core's "raise epochs" gives way to scikit-learn's, below
            if not issubclass(warning.category, ConvergenceWarning):
                warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                       warning.lineno)
        self._set_attributes(fit, hidden, len(X), w, validation, warm)
        if ("max_evaluations" if self.solver in _LEAST_SQUARES else "completed") in fit.stop_reasons:
            solver = "Stochastic Optimizer" if self.solver in ("adam", "sgd") else self.solver
            warnings.warn(f"{solver}: Maximum iterations ({self.max_iter}) reached and the "
                          f"optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _split(self, X, targets, w, rng):
        """scikit-learn's early-stopping split: random, stratified for classifiers."""
        if not self.early_stopping:
            return X, targets, w, None
        from sklearn.model_selection import train_test_split

        X, X_val, targets, y_val, w, _ = train_test_split(
            X, targets, w, test_size=self.validation_fraction, random_state=rng,
            stratify=targets if self._is_classifier else None)
        if len(X_val) < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        return X, targets, w, (X_val, y_val)

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
        # least squares minimise the weighted *sum* of squares plus l2 * ||W||^2, so scikit-learn's
        # (0.5 / sum(w)) * (sum(w r^2) + alpha ||W||^2) needs l2 = alpha there
        s = 1.0 if self.solver in _LEAST_SQUARES else batch * float(np.mean(w))
        options = dict(
            optimizer=self._optimizer(),
            epochs=min(self.max_iter, self.max_fun) if self.solver in _LEAST_SQUARES else self.max_iter,
            batch_size=None if batch == n else batch,
            shuffle=bool(self.shuffle), sample_weight=w, validation_data=validation,
            l2=0.5 * alpha / (c * s), l1=l1 / (c * s), n_members=self.n_members, seed=seed,
            dtype=np.dtype(self.dtype).name, beta_1=self.beta_1, beta_2=self.beta_2,
            epsilon=self.epsilon, momentum=self.momentum if self.solver == "sgd" else None,
            verbose=bool(self.verbose), **self._stopping(c, validation),
            **self._schedule(n, -(-n // batch)))
        if not self._is_classifier:
            options["loss"] = _REGRESSION_LOSSES[self.loss]
        return options

    def _optimizer(self):
        if self.solver != "sgd":
            return self.solver
        if self.momentum == 0:
            return "sgd"
        return "nesterov" if self.nesterovs_momentum else "momentum"

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
        """scikit-learn's stopping rule as nnfit.fit's early_stopping, patience and tol."""
        never = self.n_iter_no_change == np.inf
        patience = self.max_iter + 1 if never else int(self.n_iter_no_change) + 1
        tol = self.tol / c
        if validation is not None and not self._is_classifier:
            y_val = validation[1]
            spread = np.var(y_val, axis=0) if self.loss == "squared_error" else np.std(y_val, axis=0)
            tol = self.tol * float(np.mean(spread))
        # 'adaptive' lowers the rate on a stalled training loss instead of stopping
        stop = not never and (validation is not None or not self._adaptive())
        return {"early_stopping": stop, "n_iter_no_change": patience, "tol": tol,
                "restore_best_weights": validation is not None}

    def _set_attributes(self, fit, hidden, n, w, validation, warm):
        history = fit.history
        if self.solver in _LEAST_SQUARES:  # their penalty column is l2 * ||W||^2 = alpha * ||W||^2
            curve = 0.5 * (history["mse"].to_numpy() + history["penalty"].to_numpy() / w.sum())
        else:
            curve = self._scale() * history["loss"].to_numpy()
        self.fit_ = fit
        self.history_ = history
        self.coefs_ = [np.asarray(W) for W, _ in fit.params]
        self.intercepts_ = [np.asarray(b) for _, b in fit.params]
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = fit.network.n_outputs
        self.n_iter_ = len(history)
        self.loss_curve_ = (list(self.loss_curve_) if warm else []) + curve.tolist()
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        self.t_ = (self.t_ if warm else 0) + (
            0 if self.solver in ("lbfgs",) + _LEAST_SQUARES else n * self.n_iter_)
        self.best_loss_ = None if self.early_stopping else float(np.nanmin(self.loss_curve_))
        if validation is None:
            self.validation_scores_ = self.best_validation_score_ = None
        else:
            self.validation_scores_ = list(self._validation_scores(history, validation[1]))
            self.best_validation_score_ = float(np.nanmax(self.validation_scores_))

    # --------------------------------------------------------------------------- predicting
    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=(np.float64, np.float32), reset=False)

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


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor, scikit-learn's API over nnfit's compiled engine.

    A drop-in for ``sklearn.neural_network.MLPRegressor``; see the module docstring for how
    ``alpha``, ``tol`` and the loss curve map onto :func:`nnfit.fit`.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber'}, default='squared_error'
        Huber's threshold is 1.
    {shared}

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(-1, 1, 100)[:, None]; y = np.sin(3 * X[:, 0])
    >>> reg = nnfit.MLPRegressor((16,), activation="tanh", solver="lbfgs", max_iter=300,
    ...                          random_state=0).fit(X, y)
    >>> reg.predict(X).shape, len(reg.loss_curve_) == reg.n_iter_
    ((100,), True)
    """

    _is_classifier = False

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 l1=0.0, normalize=False, n_members=1, dtype="float32"):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, l1=l1,
            normalize=normalize, n_members=n_members, dtype=dtype)
        self.loss = loss

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and ``y`` (n_samples,) or (n_samples, n_outputs).

        ``sample_weight`` (n_samples,) weighs each sample's loss. Returns ``self``.
        """
        check_choice("loss", self.loss, _REGRESSION_LOSSES)
        if self.solver in _LEAST_SQUARES and self.loss != "squared_error":
            raise ValueError(f"solver {self.solver!r} is least squares: it needs "
                             f"loss='squared_error', not {self.loss!r}")
        return self._fit(X, y, sample_weight, "regression")

    def _encode(self, y, warm):
        self.out_activation_ = "identity"
        return y, "linear"

    def _validation_scores(self, history, y_val):
        # R^2 from the validation MSE: exact for one output, the variance-weighted mean for several
        return 1.0 - history["val_mse"].to_numpy() / float(np.mean(np.var(y_val, axis=0)))

    def predict(self, X, return_std=False):
        """Predict: the members' mean, shape (n_samples,) or (n_samples, n_outputs).

        With ``return_std=True`` also the members' standard deviation (zeros for one member).
        """
        X = self._check_X(X)
        return self._predictor().predict(X, return_std=return_std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier (binary and multi-class), scikit-learn's API over nnfit.

    A drop-in for ``sklearn.neural_network.MLPClassifier``: a sigmoid output for two classes and
    a softmax for more, trained on the log-loss; labels may be any values (``classes_``).

    Parameters
    ----------
    {shared}

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.random.default_rng(0).normal(size=(200, 2)); y = np.where(X[:, 0] > 0, "a", "b")
    >>> clf = nnfit.MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict_proba(X).shape
    (['a', 'b'], (200, 2))
    """

    _is_classifier = True

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,). Returns ``self``."""
        return self._fit(X, y, sample_weight, "classification")

    def _encode(self, y, warm):
        check_classification_targets(y)
        if type_of_target(y).startswith("multilabel") or y.ndim != 1:
            raise ValueError("MLPClassifier takes one label per sample, y of shape (n_samples,); "
                             "multi-label targets are not supported")
        classes, codes = np.unique(y, return_inverse=True)
        if warm and not np.array_equal(classes, self.classes_):
            raise ValueError(f"warm_start can only be used where `y` has the same classes as in "
                             f"the previous call to fit. Previously got {self.classes_}, `y` has "
                             f"{classes}")
        if len(classes) < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes; y has only one "
                             f"class: {classes[0]!r}")
        self.classes_ = classes
        self.out_activation_ = "logistic" if len(classes) == 2 else "softmax"
        return codes, "sigmoid" if len(classes) == 2 else "softmax"

    def _validation_scores(self, history, y_val):
        return history["val_accuracy"].to_numpy()

    def predict(self, X, return_std=False):
        """Predicted labels (n_samples,): the class of highest mean probability over members.

        With ``return_std=True`` also the members' spread of that class's probability.
        """
        X = self._check_X(X)
        out = self._predictor().predict(X, return_std=return_std)
        if return_std:
            return self.classes_[out[0]], out[1]
        return self.classes_[out]

    def predict_proba(self, X, return_std=False):
        """Class probabilities (n_samples, n_classes) in the order of ``classes_``, the members'
        mean; with ``return_std=True`` also their standard deviation."""
        X = self._check_X(X)
        return self._predictor().predict_proba(X, return_std=return_std)

    def predict_log_proba(self, X):
        """The logarithm of :meth:`predict_proba`, shape (n_samples, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


def _sample_weight(sample_weight, n):
    """Weights as a finite non-negative float array (n,) with a positive sum; ones if None."""
    if sample_weight is None:
        return np.ones(n)
    w = check_array(sample_weight, dtype=np.float64, ensure_2d=False, input_name="sample_weight")
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), one weight per sample, got {w.shape}")
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative")
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero; give at least one sample a positive weight")
    return w


MLPRegressor.__doc__ = MLPRegressor.__doc__.replace("{shared}", _SHARED_DOC)
MLPClassifier.__doc__ = MLPClassifier.__doc__.replace("{shared}", _SHARED_DOC)
