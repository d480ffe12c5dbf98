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
  early stopping with patience ``n_iter_no_change + 1``, monitoring ``loss`` (with ``tol / c``)
  or the validation score: the weighted validation accuracy for the classifier, and for the
  regressor the weighted validation MSE, since a gain of ``tol`` in R^2 is a fall of
  ``tol * var(y_val)`` in MSE. With ``early_stopping`` the best epoch's weights are kept.
- ``solver="lbfgs"`` stops as scikit-learn's, which hands ``maxiter=max_iter``,
  ``maxfun=max_fun`` and ``gtol=tol`` to scipy's L-BFGS-B and keeps its default ``ftol``
  (2.22e-9), and ignores ``n_iter_no_change`` and ``early_stopping``: the estimator passes the
  core ``epochs=max_iter``, ``max_evaluations=max_fun``, ``gtol=tol / c`` (the gradient of
  nnfit's objective is ``1 / c`` times scikit-learn's) and ``ftol=2.22e-9 / c``, and keeps the
  last iterate. scipy's relative decrease ``(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1)``
  has an absolute floor of 1 in scikit-learn's units, ``1 / c`` in nnfit's: so ``ftol / c``
  is scikit-learn's test exactly, except for squared error where scikit-learn's loss is above
  0.5: there it is up to twice as loose. The evaluations are counted as the core counts them
  (see ``max_fun``). ``history_`` adds ``grad_max_abs`` and ``evaluations`` for 'lbfgs'.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._checks import check_choice
from .errors import InvalidOptionError
from ._estimator_base import (
    _LEAST_SQUARES,
    _REGRESSION_LOSSES,
    SOLVERS,
    BaseMLP,
    InvScaling,
    _variance,
)

__all__ = ["MLPRegressor", "MLPClassifier", "InvScaling", "SOLVERS"]

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
        Epochs; iterations for 'lbfgs' (scipy's ``maxiter``); residual evaluations for 'lm'
        and 'trf'.
    shuffle : bool, default=True
    random_state : int, RandomState or None, default=None
        Initial weights, shuffling and the early-stopping split; drawn into one seed per fit.
    tol : float, default=1e-4
        Progress that counts as improvement (see the module docstring). For 'lbfgs' it is
        scipy's ``gtol``, as in scikit-learn: the fit stops when no component of the
        objective's gradient exceeds ``tol`` in absolute value (in scikit-learn's units).
    verbose : bool, default=False
        Show a progress bar.
    warm_start : bool, default=False
        Start from the previous fit's weights; ``loss_curve_`` and ``t_`` continue.
    momentum : float, default=0.9
        'sgd' only.
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for classifiers), score them
        every epoch for every solver, stop when the score stalls and keep the best weights
        ('lbfgs', 'lm' and 'trf' record the scores but neither stop on them nor keep the best
        weights; scikit-learn's 'lbfgs' ignores early_stopping and trains on every row).
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's (``epsilon`` also RMSprop's).
    n_iter_no_change : int or np.inf, default=10
        Not used by 'lbfgs', 'lm' and 'trf' (as in scikit-learn's 'lbfgs').
    max_fun : int, default=15000
        The most loss evaluations, for 'lbfgs', 'lm' and 'trf' (with ``max_iter``). An 'lbfgs'
        iteration costs one objective-and-gradient evaluation at its start plus one per point
        its line search tries (``history_.evaluations`` keeps the running count); no
        iteration starts once ``max_fun`` are spent, so the last may overrun it by its line
        search, as scipy's does. scipy counts one evaluation fewer per iteration: it reuses
        its line search's last point.
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
        The core's per-epoch history in nnfit's units (MSE, not half): the loss, penalty and
        a regressor's ``mse`` or a classifier's ``accuracy``, on the training and (with
        ``early_stopping``) validation rows; ``lm``, ``trf`` and ``nnfit.fit`` record ``mae``
        as well.
    fit_ : nnfit.Fit
        The underlying fit: every member, histories, summary(), save()."""


class MLPRegressor(RegressorMixin, BaseMLP):
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
    >>> reg = nnfit.MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", solver="lbfgs",
    ...                          max_iter=300, random_state=0).fit(X, y)
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
        return self._fit(X, y, sample_weight, "regression")

    def _check_params(self, task):
        if not isinstance(self.loss, str):
            raise InvalidOptionError(
                f"loss must be a string, got {self.loss!r}: MLPRegressor's first argument is "
                f"loss, as in scikit-learn; pass hidden_layer_sizes by name")
        check_choice("loss", self.loss, _REGRESSION_LOSSES)
        super()._check_params(task)
        if self.solver in _LEAST_SQUARES and self.loss != "squared_error":
            raise InvalidOptionError(f"solver {self.solver!r} is least squares: it needs "
                                     f"loss='squared_error', not {self.loss!r}")

    def _encode(self, y, warm):
        self.out_activation_ = "identity"
        return y, "linear"

    def _validation_scores(self, fit, y_val, w_val):
        # R^2 from the validation MSE: exact for one output; for several, 1 - mean MSE / mean var
        return 1.0 - fit.curve("val_mse") / _variance(y_val, w_val)

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


class MLPClassifier(ClassifierMixin, BaseMLP):
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
            raise InvalidOptionError("MLPClassifier takes one label per sample, y of shape (n_samples,); "
                             "multi-label targets are not supported")
        classes, codes = np.unique(y, return_inverse=True)
        if warm and not np.array_equal(classes, self.classes_):
            raise InvalidOptionError(f"warm_start can only be used where `y` has the same classes as in "
                             f"the previous call to fit. Previously got {self.classes_}, `y` has "
                             f"{classes}")
        if len(classes) < 2:
            raise InvalidOptionError(f"MLPClassifier needs samples of at least 2 classes; y has only one "
                             f"class: {classes[0]!r}")
        self.classes_ = classes
        self.out_activation_ = "logistic" if len(classes) == 2 else "softmax"
        return codes, "sigmoid" if len(classes) == 2 else "softmax"

    def _validation_scores(self, fit, y_val, w_val):
        return fit.curve("val_accuracy")

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


MLPRegressor.__doc__ = MLPRegressor.__doc__.replace("{shared}", _SHARED_DOC)
MLPClassifier.__doc__ = MLPClassifier.__doc__.replace("{shared}", _SHARED_DOC)
