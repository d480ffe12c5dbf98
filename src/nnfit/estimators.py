"""scikit-learn estimators over :func:`nnfit.fit`: ``MLPRegressor`` and ``MLPClassifier``.

Both are drop-ins for ``sklearn.neural_network``'s estimators of the same names: the same
parameters, meanings and defaults where the concept is the same, the same fitted attributes,
plus nnfit's own (``l1``, per-layer penalties, ``normalize``, ``n_members``, ``dtype``, solvers
``"lm"``, ``"trf"``, ``"gd"``, ``"rmsprop"``, ``history_`` and the underlying ``fit_``).

How scikit-learn's numbers map onto the core, once, here:

- The objective is scikit-learn's: ``L + (0.5 * alpha * ||W||^2 + l1 * |W|_1) / s`` per
  mini-batch, with ``L`` half the mean squared error (``loss="squared_error"``; the mean absolute
  error, the Huber loss or the log-loss as they are; half the Poisson deviance; summed over
  the outputs for the Poisson loss and multilabel targets) and ``s`` the batch's sample-weight sum. nnfit minimises plain MSE (its losses
  average over the outputs) plus Keras' ``l2 * ||W||^2``, so the estimator passes
  ``l2 = 0.5 * alpha / (c * s)`` and ``l1 / (c * s)`` with ``c = 0.5`` for squared error, the
  number of outputs for the Poisson loss and for multilabel (which scikit-learn sums over the
  outputs), and 1 otherwise (``s`` is the batch size times the mean
  weight), steps 'sgd' and 'gd' at ``c`` times the rate (so that a step is scikit-learn's step
  on its objective), gives Adam and RMSprop ``epsilon / c``, and reports
  ``loss_curve_ = c * history.loss``: the same numbers scikit-learn prints.
- The run starts where scikit-learn's starts: the initial weights are scikit-learn's draws from
  ``random_state`` (:mod:`nnfit._sklearn_compat`), and the early-stopping split is drawn next
  from the same ``RandomState`` (stratified only for one output, as scikit-learn's). Only the
  order of the rows within an epoch comes from nnfit's own generator (seeded from the same
  ``RandomState``): with one mini-batch per epoch, 'sgd' follows scikit-learn's loss curve to
  rounding, Adam to about 1e-6 (optax adds epsilon after the bias correction, scikit-learn
  before it). 'sgd' keeps scikit-learn's velocity (:class:`~nnfit._sklearn_compat.SklearnSGD`).
- scikit-learn stops when the training loss (or, with ``early_stopping``, the validation score)
  has not improved by ``tol`` for ``n_iter_no_change + 1`` epochs in a row; that is the core's
  early stopping with patience ``n_iter_no_change + 1``, monitoring ``loss`` (with ``tol / c``)
  or the validation score: the weighted validation accuracy for the classifier, and for the
  regressor the weighted validation MSE, since a gain of ``tol`` in R^2 is a fall of
  ``tol * var(y_val)`` in MSE. With ``early_stopping`` the best epoch's weights are kept.
  'adaptive' divides the rate by 5 where that rule would stop, until the rate is at most 1e-6
  (the core's 'adaptive' with early stopping). ``partial_fit`` runs one compiled epoch per call
  from the kept optimizer state (``nnfit.engine.TrainState``) and applies scikit-learn's
  count, 'invscaling' and 'adaptive' rate on the host (:mod:`nnfit._sklearn_run`).
- The training dtype follows ``X`` (float32 stays float32, anything else is float64) unless
  ``dtype`` is set; ``coefs_`` have that dtype, and predictions are float32 for float32 ``X``
  on float32 weights, else float64, as scikit-learn's.
- Sparse ``X`` (any scipy format) is densified as a whole for training, because the compiled
  program holds the training rows as one dense array in memory; a matrix whose dense copy
  would not fit in the memory the process can get is refused with its size. Prediction
  densifies blocks of rows (about 4 million values each), so its memory stays bounded.
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
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (_check_partial_fit_first_call, check_classification_targets,
                                      type_of_target, unique_labels)

from ._checks import check_choice
from .errors import InvalidOptionError
from ._estimator_base import _KEEPS_NO_STATE, SOLVERS, BaseMLP
from ._estimator_data import _variance
from ._sklearn_compat import InvScaling
from ._sklearn_options import _LEAST_SQUARES, _REGRESSION_LOSSES

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
        scikit-learn's initial weights and early-stopping split (the same draws), then the
        seed of nnfit's shuffling.
    tol : float, default=1e-4
        Progress that counts as improvement (see the module docstring). For 'lbfgs' it is
        scipy's ``gtol``, as in scikit-learn: the fit stops when no component of the
        objective's gradient exceeds ``tol`` in absolute value (in scikit-learn's units).
    verbose : bool, default=False
        Print scikit-learn's lines: "Iteration N, loss = ..." every epoch ("Validation
        score: ..." with early stopping) and its messages where training stops or 'adaptive'
        lowers the rate.
    warm_start : bool, default=False
        Start from the previous fit's weights; ``loss_curve_`` and ``t_`` continue.
    momentum : float, default=0.9
        'sgd' only.
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for one output), score them
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
    dtype : {None, 'float32', 'float64'}, default=None
        The training dtype; None follows ``X`` (float32 stays float32, anything else is
        float64; a warm start or partial_fit goes on in the first fit's).

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
        as well. After ``partial_fit``, the last call's epoch.
    fit_ : nnfit.Fit
        The underlying fit (of the last call): every member, histories, summary(), save()."""


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor, scikit-learn's API over nnfit's compiled engine.

    A drop-in for ``sklearn.neural_network.MLPRegressor``; see the module docstring for how
    ``alpha``, ``tol`` and the loss curve map onto :func:`nnfit.fit`.

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber'}, default='squared_error'
        Half the squared error; half the Poisson deviance with an exp output (a log link,
        ``y >= 0``: predictions are ``exp`` of the last layer), as scikit-learn's; nnfit's
        mean absolute error and Huber loss (threshold 1).
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
                 l1=0.0, normalize=False, n_members=1, dtype=None):
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

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``X``, ``y`` from the current weights and optimizer state.

        As scikit-learn's: ``loss_curve_`` and ``t_`` go on, ``n_iter_`` is 1 after each call;
        the first call draws the initial weights. With 'lbfgs', 'lm' or 'trf' a call trains
        to convergence from the current weights (scikit-learn's regressor does so with
        'lbfgs'). Returns ``self``.
        """
        return self._partial_fit(X, y, sample_weight, "regression")

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

    def _encode(self, y, first, incremental):
        if self.loss == "poisson":  # scikit-learn's log link: predictions exp(output)
            self.out_activation_ = "exp"
            return y, "exp"
        self.out_activation_ = "identity"
        return y, "linear"

    def _validation_scores(self, source, y_val, w_val):
        """R^2 of every epoch from its validation MSE: exact for one output; for several,
        1 - mean MSE / mean variance. A constant ``y_val`` scores as scikit-learn's r2_score
        does: 1.0 for exact predictions, else 0.0."""
        mse = _curve(source, "val_mse")
        variance = _variance(y_val, w_val)
        if variance == 0:
            return np.where(np.isnan(mse), np.nan, np.where(mse == 0, 1.0, 0.0))
        return 1.0 - mse / variance

    def predict(self, X, return_std=False):
        """Predict: the members' mean, shape (n_samples,) or (n_samples, n_outputs).

        With ``return_std=True`` also the members' standard deviation (zeros for one member).
        """
        members = self._members_output(X)
        mean = members.mean(axis=0)
        return (mean, members.std(axis=0)) if return_std else mean

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _stochastic(est):
    """scikit-learn's availability of the classifier's partial_fit: stochastic solvers only."""
    if est.solver in _KEEPS_NO_STATE:
        raise AttributeError(f"partial_fit is only available for stochastic optimizers. "
                             f"{est.solver} is not stochastic.")
    return True


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier (binary, multi-class, multilabel), scikit-learn's API
    over nnfit.

    A drop-in for ``sklearn.neural_network.MLPClassifier``: a sigmoid output for two classes,
    one class or a multilabel indicator matrix (one sigmoid per label), a softmax for more
    classes, trained on the log-loss; labels may be any values (``classes_``).

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
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,), or a 0/1
        indicator matrix (n_samples, n_labels) for multilabel. Returns ``self``."""
        return self._fit(X, y, sample_weight, "classification")

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``X``, ``y`` from the current weights and optimizer state.

        ``classes`` (every class of the whole stream) is required on the first call and may
        be left out later; ``y`` need not hold them all. As scikit-learn's: ``loss_curve_``
        and ``t_`` go on, ``n_iter_`` is 1 after each call. Returns ``self``.
        """
        if _check_partial_fit_first_call(self, classes):
            self._multilabel = type_of_target(y).startswith("multilabel")
            self._label_classes = (np.arange(np.shape(y)[1]) if self._multilabel
                                   else self.classes_)
        return self._partial_fit(X, y, sample_weight, "classification")

    def _encode(self, y, first, incremental):
        """scikit-learn's LabelBinarizer: 0/1 for one or two classes (a sigmoid), one-hot
        rows for more (a softmax), the indicator matrix as it is for multilabel."""
        check_classification_targets(y)
        multilabel = type_of_target(y).startswith("multilabel")
        if not hasattr(self, "classes_") or not (self.warm_start or incremental):
            self._multilabel = multilabel
            self.classes_ = np.arange(y.shape[1]) if multilabel else unique_labels(y)
            self._label_classes = self.classes_
        else:
            got = np.arange(y.shape[1]) if multilabel else unique_labels(y)
            if self.warm_start:
                if set(got) != set(self._label_classes):
                    raise InvalidOptionError(
                        f"warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has {got}")
            elif len(np.setdiff1d(got, self._label_classes, assume_unique=True)):
                raise InvalidOptionError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {got}.")
        classes = self._label_classes
        if self._multilabel:
            self.out_activation_ = "logistic"
            return np.asarray(y, dtype=np.float64), "sigmoid"
        codes = np.searchsorted(classes, y)
        if len(classes) <= 2:  # one class: every target 0, as LabelBinarizer's
            self.out_activation_ = "logistic"
            return (codes if len(classes) == 2 else np.zeros((len(y), 1))), "sigmoid"
        self.out_activation_ = "softmax"
        # one-hot of every class, so that a batch without the last ones keeps the width
        return np.eye(len(classes))[codes], "softmax"

    def _stratify(self, targets):
        """scikit-learn stratifies its split by class with one output only (two classes)."""
        return targets if targets.ndim == 1 else (
            targets[:, 0] if targets.shape[1] == 1 and not self._multilabel else None)

    def _validation_scores(self, source, y_val, w_val):
        return _curve(source, "val_accuracy")

    def _proba(self, X):
        """Every member's probabilities (n_members, n, n_columns) of predict_proba."""
        return self._members_output(X)

    def predict(self, X, return_std=False):
        """Predicted labels (n_samples,), or the 0/1 indicator matrix (n_samples, n_labels)
        for multilabel: the class of highest mean probability over members.

        With ``return_std=True`` also the members' spread of that class's probability.
        """
        members = self._proba(X)
        mean = members.mean(axis=0)
        if self._multilabel:
            labels = (mean > 0.5).astype(np.int64)
            return (labels, members.std(axis=0)) if return_std else labels
        chosen = mean.argmax(axis=1) if len(self.classes_) > 1 else np.zeros(len(mean), int)
        labels = self.classes_[chosen]
        if return_std:
            return labels, members.std(axis=0)[np.arange(len(chosen)), chosen]
        return labels

    def predict_proba(self, X, return_std=False):
        """Class probabilities (n_samples, n_classes) in the order of ``classes_`` (two
        columns for one class, as scikit-learn's; one per label for multilabel), the members'
        mean; with ``return_std=True`` also their standard deviation."""
        members = self._proba(X)
        mean = members.mean(axis=0)
        return (mean, members.std(axis=0)) if return_std else mean

    def predict_log_proba(self, X):
        """The logarithm of :meth:`predict_proba`, shape (n_samples, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _curve(source, name):
    """A history column (n_epochs,): of a Fit, or of a chunk's records (the members' mean)."""
    if isinstance(source, dict):
        values = source[name].astype(np.float64)
        if values.shape[0] == 1:
            return values[0]
        with np.errstate(all="ignore"):
            return np.nanmean(values, axis=0)
    return source.curve(name)


MLPRegressor.__doc__ = MLPRegressor.__doc__.replace("{shared}", _SHARED_DOC)
MLPClassifier.__doc__ = MLPClassifier.__doc__.replace("{shared}", _SHARED_DOC)
