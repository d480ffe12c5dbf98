"""``nnfit.LinearRegression``: scikit-learn's estimator over ``nnfit.linear``.

A drop-in for ``sklearn.linear_model.LinearRegression`` (same ``coef_``, ``intercept_``, ``rank_``,
``singular_``, ``n_features_in_``, ``feature_names_in_``) that also fits by hand-written gradient
descent and then keeps the whole trajectory (``coef_path_``, ``loss_curve_``, ``n_iter_``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from nnfit import linear
from nnfit._checks import (
    check_choice,
    check_fit_data,
    check_number,
    check_predict_data,
    check_sample_weight,
)
from nnfit.errors import InvalidOptionError

_SOLVER_ATTRIBUTES = ("rank_", "singular_values_", "singular_", "coef_path_", "loss_curve_",
                      "n_iter_", "learning_rate_")


class LinearRegression(RegressorMixin, BaseEstimator):
    """Ordinary least squares, exact or by gradient descent.

    Parameters
    ----------
    solver : {"svd", "qr", "pinv", "normal", "gd", "minibatch", "sgd"}, default="svd"
        Exact: ``"svd"``, ``"qr"`` (both centred and numerically stable), ``"pinv"`` (explicit
        pseudo-inverse), ``"normal"`` (normal equations; warns when ill-conditioned); see
        ``nnfit.linear.solve``. Gradient descent, derivatives by hand: ``"gd"`` (all rows per
        update), ``"minibatch"`` (``batch_size`` rows, reshuffled each epoch), ``"sgd"`` (one
        row); see ``nnfit.linear.gradient_descent``. The gradient solvers work on the raw
        (uncentred, unscaled) features, like the textbook loops, so standardise ``X`` for speed.
    fit_intercept : bool, default=True
    loss : {"mse", "sse"}, default="mse"
        Gradient solvers only: ``sum(w r**2) / sum(w)`` or ``0.5 * sum(w r**2)``. MSE is the
        default because its step size does not depend on the number of rows.
    learning_rate : float > 0 or "auto", default="auto"
        Gradient solvers only: the constant step ``eta``. ``"auto"`` is ``1 / L``, ``L`` the
        largest curvature an update can meet (the Hessian's top eigenvalue for ``"gd"``), so the
        descent is stable on any scaling of ``X``; ``learning_rate_`` reports the value. A fixed
        step such as seed 003's 0.1 diverges once the features are large.
    max_iter : int >= 1, default=1000
        Gradient solvers only: the most epochs.
    batch_size : int, default=32
        ``"minibatch"`` only: rows per update, between 1 and n_samples.
    tol : float >= 0 or None, default=1e-6
        Gradient solvers only: stop after an epoch that moved no parameter by more than
        ``tol * max(1, max|theta|)``; None runs all ``max_iter`` epochs. (scikit-learn's
        ``LinearRegression.tol`` is a cut-off for its sparse solver; here the exact solvers
        ignore it.)
    random_state : int, numpy.random.RandomState or None, default=None
        Gradient solvers only: the initial coefficients (unless ``initial_coef`` is given) and the
        epoch shuffles.
    initial_coef : array-like of shape (n_features + 1,) or (n_targets, n_features + 1)
        Gradient solvers only: the start, intercept first. Default None: standard normal draws
        from ``random_state``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    rank_ : int
        Exact solvers: rank of the centred (weighted) ``X``.
    singular_values_ : ndarray of shape (min(n_samples, n_features),)
        Exact solvers: its singular values; ``singular_`` is the same array under
        scikit-learn's name.
    coef_path_ : ndarray of shape (n_updates + 1, n_features + 1) or (n_updates + 1, n_targets, ...)
        Gradient solvers: the start and the parameters after every update, intercept first
        (``coef_path_[-1, ..., 0]`` is ``intercept_``, ``coef_path_[-1, ..., 1:]`` is ``coef_``).
        It holds every update: (n_updates + 1) * (n_features + 1) floats per target.
    loss_curve_ : ndarray of shape (n_updates + 1,)
        Gradient solvers: the full-data loss at each row of ``coef_path_``.
    n_iter_ : int
        Gradient solvers: epochs run. Exact solvers: 1 (one direct solve).
    learning_rate_ : float
        Gradient solvers: the step used.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` was a DataFrame with string column names.

    Notes
    -----
    When gradient descent diverges, ``fit`` raises ``nnfit.linear.GradientDescentDiverged`` after
    setting ``coef_path_``, ``loss_curve_``, ``n_iter_``, ``coef_`` and ``intercept_`` to the last
    good update, so the blow-up can be inspected.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import LinearRegression
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> model = LinearRegression().fit(X, y)
    >>> np.round(model.coef_, 12), round(float(model.intercept_), 12)
    (array([2.]), 1.0)
    >>> gd = LinearRegression(solver="gd", tol=1e-10, random_state=0).fit(X, y)
    >>> gd.coef_path_.shape[1], np.round(gd.coef_path_[-1], 6)
    (2, array([1., 2.]))
    """

    def __init__(self, *, solver="svd", fit_intercept=True, loss="mse", learning_rate="auto",
                 max_iter=1000, batch_size=32, tol=1e-6, random_state=None, initial_coef=None):
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.loss = loss
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.initial_coef = initial_coef

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._check_parameters()
        X, y = check_fit_data(self, X, y)
        w = check_sample_weight(sample_weight, X.shape[0])
        for name in _SOLVER_ATTRIBUTES:  # nothing left over from a fit with another solver
            self.__dict__.pop(name, None)

        if self.solver in linear.EXACT_SOLVERS:
            sol = linear.solve(X, y, self.solver, bool(self.fit_intercept), w)
            self.coef_, self.intercept_ = sol.coef, sol.intercept
            self.rank_, self.singular_values_ = sol.rank, sol.singular_values
            self.singular_ = self.singular_values_
            self.n_iter_ = 1
            return self

        try:
            res = linear.gradient_descent(
                X, y, self.solver, loss=self.loss, learning_rate=self.learning_rate,
                max_iter=self.max_iter, batch_size=self.batch_size, tol=self.tol,
                initial=self.initial_coef, seed=self.random_state,
                fit_intercept=bool(self.fit_intercept), sample_weight=w,
            )
        except linear.GradientDescentDiverged as err:
            self._set_descent(err.result)
            raise
        self._set_descent(res)
        return self

    def _check_parameters(self):
        """Validate every parameter, whichever solver uses it: a misspelt ``loss`` is an error
        with ``solver="svd"`` too, not a setting silently ignored (scikit-learn's rule:
        parameters are checked in ``fit``, all of them)."""
        check_choice("solver", self.solver, linear.EXACT_SOLVERS + linear.GRADIENT_SOLVERS)
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise InvalidOptionError(
                f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        check_choice("loss", self.loss, ("mse", "sse"))
        if isinstance(self.learning_rate, str):
            if self.learning_rate != "auto":
                raise InvalidOptionError(
                    f"learning_rate must be a number > 0 or 'auto', got {self.learning_rate!r}")
        else:
            check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        check_number("max_iter", self.max_iter, low=1, integer=True)
        check_number("batch_size", self.batch_size, low=1, integer=True)
        if self.tol is not None:
            check_number("tol", self.tol, low=0)
        rs = self.random_state
        if not (rs is None or isinstance(rs, np.random.RandomState)
                or (isinstance(rs, (int, np.integer)) and not isinstance(rs, bool))):
            raise InvalidOptionError(f"random_state must be None, an int or a "
                                     f"numpy.random.RandomState, got {rs!r}")
        if isinstance(rs, (int, np.integer)) and not 0 <= rs < 2**32:
            raise InvalidOptionError(f"random_state must be between 0 and 2**32 - 1, got {rs!r}")
        if self.initial_coef is not None:
            try:
                start = np.asarray(self.initial_coef, dtype=np.float64)
            except (TypeError, ValueError):
                start = None
            if start is None or start.ndim not in (1, 2) or not np.all(np.isfinite(start)):
                raise InvalidOptionError(
                    "initial_coef must be None or a finite array of shape (n_features + 1,) or "
                    f"(n_targets, n_features + 1), intercept first; got {self.initial_coef!r}")

    def _set_descent(self, res):
        self.coef_, self.intercept_ = res.coef, res.intercept
        self.coef_path_, self.loss_curve_, self.n_iter_ = res.path, res.losses, res.n_iter
        self.learning_rate_ = res.learning_rate

    def predict(self, X):
        """Predict with the fitted line.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = check_predict_data(self, X)
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
