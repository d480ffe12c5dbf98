"""``nnfit.LinearRegression``: scikit-learn's estimator over ``nnfit.linear``.

A drop-in for ``sklearn.linear_model.LinearRegression``: the same parameters (``fit_intercept``,
``copy_X``, ``tol``, ``n_jobs``, ``positive``), inputs (dense or sparse ``X``, a scalar or per-row
``sample_weight``), fitted attributes (``coef_``, ``intercept_``, ``rank_``, ``singular_``,
``n_features_in_``, ``feature_names_in_``), dtypes (float32 ``X`` gives float32 ``coef_`` and
predictions) and errors. It also fits by the textbooks' other exact methods and by hand-written
gradient descent, which keeps the whole trajectory (``coef_path_``, ``loss_curve_``, ``n_iter_``).

Rank deficiency (collinear columns, such as one-hot columns beside an intercept, or fewer rows
than columns) is reported by ``rank_`` and ``singular_``, not by a warning: the solvers that
return the minimum-norm least-squares solution (``"svd"``, ``"qr"``, ``"pinv"``, ``"lsqr"``, so
``"auto"``) return the one answer scikit-learn returns, and every least-squares solution gives the
same predictions for any row in the affine span of the training rows. A
:class:`~nnfit.linear.RankDeficientWarning` means the answer is affected: ``"normal"`` on a
rank-deficient design, where the normal equations cannot tell a singular design from one whose
smallest singular values are merely below ~1e-8 of the largest (which the least-squares answer
needs), so its coefficients may be a truncated solution.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from nnfit import _linear_solvers, linear
from nnfit._checks import _reject_string_or_1d, check_choice, check_number, check_sample_weight
from nnfit.errors import InvalidOptionError

SOLVERS = ("auto",) + linear.EXACT_SOLVERS + ("lsqr",) + linear.GRADIENT_SOLVERS
_SOLVER_ATTRIBUTES = ("rank_", "singular_values_", "singular_", "coef_path_", "loss_curve_",
                      "n_iter_", "learning_rate_", "solver_")
# scikit-learn keeps these floating types of X (validate_data, then _preprocess_data); any
# other (integers, booleans, longdouble) becomes float64
_KEPT_FLOATS = (np.float16, np.float32, np.float64)
# rows of float32 X predicted at a time in float64 (a 16 MiB copy at 1024 features)
_PREDICT_CHUNK = 1 << 11


class LinearRegression(RegressorMixin, BaseEstimator):
    """Ordinary least squares, exact or by gradient descent.

    Parameters
    ----------
    solver : {"auto", "svd", "qr", "pinv", "normal", "lsqr", "gd", "minibatch", "sgd"}, \
default="auto"
        ``"auto"`` does what scikit-learn does: ``"svd"`` for dense ``X``, ``"lsqr"`` for sparse
        ``X``, non-negative least squares (``scipy.optimize.nnls``) when ``positive=True``.
        Exact: ``"svd"``, ``"qr"`` (both centred and numerically stable), ``"pinv"`` (explicit
        pseudo-inverse), ``"normal"`` (normal equations; warns when ill-conditioned); see
        ``nnfit.linear.solve``. Iterative: ``"lsqr"`` (``scipy.sparse.linalg.lsqr`` on the
        implicitly centred ``X``, dense or sparse, never densified; stops at ``tol``).
        Gradient descent, derivatives by hand: ``"gd"`` (all rows per update), ``"minibatch"``
        (``batch_size`` rows, reshuffled each epoch), ``"sgd"`` (one row); see
        ``nnfit.linear.gradient_descent``. The gradient solvers work on the raw (uncentred,
        unscaled) features, like the textbook loops, so standardise ``X`` for speed; on a
        rank-deficient design they end at the least-squares solution nearest their start,
        which has the minimum-norm solution's predictions but not its coefficients.
        Sparse ``X`` with a solver other than ``"auto"`` and ``"lsqr"`` is densified when the
        dense float64 copy takes at most 512 MiB (2**26 values), and refused beyond.
    fit_intercept : bool, default=True
    copy_X : bool, default=True
        scikit-learn's parameter: with False it may centre ``X`` in place. nnfit never writes
        into ``X`` (the exact solvers keep it for their refinement step), so either value
        leaves ``X`` as it was.
    tol : float >= 0 or None, default=1e-6
        ``"lsqr"``: its ``atol`` and ``btol``, as scikit-learn's on sparse data (None: to
        machine precision). Gradient solvers: stop after an epoch that moved no parameter by
        more than ``tol * max(1, max|theta|)``; None runs all ``max_iter`` epochs. The exact
        solvers do not use it: a singular value counts when it exceeds
        ``max(n_samples, n_features) * eps`` times the largest (NumPy's rule), where
        scikit-learn 1.9 cuts at ``tol`` and so truncates ill-conditioned designs (see Notes).
    n_jobs : int or None, default=None
        Workers (joblib) for several targets with ``"lsqr"`` or ``positive=True``, one target a
        worker, as in scikit-learn; every other case runs in one call, whatever its value.
    positive : bool, default=False
        Force the coefficients to be >= 0 (the intercept is free), by ``scipy.optimize.nnls``
        on the centred dense ``X``, as scikit-learn; needs ``solver="auto"`` and dense ``X``
        (sparse ``X`` raises scikit-learn's ``TypeError``).
    loss : {"mse", "sse"}, default="mse"
        Gradient solvers only: ``sum(w r**2) / sum(w)`` or ``0.5 * sum(w r**2)``. MSE is the
        default because its step size does not depend on the number of rows.
    learning_rate : float > 0 or "auto", default="auto"
        Gradient solvers only: the constant step ``eta``. ``"auto"`` is ``1 / L``, ``L`` the
        largest curvature an update can meet (the Hessian's top eigenvalue for ``"gd"``), so the
        descent is stable on any scaling of ``X``; ``learning_rate_`` reports the value. A fixed
        step such as seed 003's 0.1 diverges once the features are large.
    max_iter : int >= 1, default=1000
        Gradient solvers: the most epochs. ``"lsqr"``: at most ``max(max_iter, 2 * n_features)``
        iterations; scikit-learn stops at 2 * n_features (scipy's default) and returns what it
        has, where nnfit goes on to ``tol`` and warns (``ConvergenceWarning``) if it still
        stops short.
    batch_size : int, default=32
        ``"minibatch"`` only: rows per update, between 1 and n_samples.
    random_state : int, numpy.random.RandomState or None, default=None
        Gradient solvers only: the initial coefficients (unless ``initial_coef`` is given) and the
        epoch shuffles.
    initial_coef : array-like of shape (n_features + 1,) or (n_targets, n_features + 1)
        Gradient solvers only: the start, intercept first. Default None: standard normal draws
        from ``random_state``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        In ``X``'s floating type (float16, float32 or float64; float64 for any other input),
        as scikit-learn's; every solver computes in float64 and rounds the result once.
    intercept_ : float or ndarray of shape (n_targets,)
        A NumPy scalar (one target) or array of ``coef_``'s type; the float 0.0 when
        ``fit_intercept=False``, as scikit-learn's.
    rank_ : int
        Dense exact solvers: rank of the centred (weighted) ``X``; for ``"svd"`` and ``"qr"``
        (so ``"auto"``), of that matrix with its columns scaled to equal norms, which is what
        their refinement can recover (see ``nnfit.linear``).
    singular_ : ndarray of shape (min(n_samples, n_features),)
        Dense exact solvers: its singular values, in ``coef_``'s type; ``singular_values_`` is
        the same values in float64 (the same array for float64 ``X``).
    solver_ : str
        The solver used (what ``"auto"`` chose; ``"nnls"`` for ``positive=True``).
    coef_path_ : ndarray of shape (n_updates + 1, n_features + 1) or (n_updates + 1, n_targets, ...)
        Gradient solvers: the start and the parameters after every update, intercept first
        (``coef_path_[-1, ..., 0]`` is ``intercept_``, ``coef_path_[-1, ..., 1:]`` is ``coef_``),
        in float64. It holds every update: (n_updates + 1) * (n_features + 1) floats per target.
    loss_curve_ : ndarray of shape (n_updates + 1,)
        Gradient solvers: the full-data loss at each row of ``coef_path_``.
    n_iter_ : int
        Gradient solvers: epochs run. ``"lsqr"``: its iterations (the most over targets).
        Exact solvers and ``positive=True``: 1 (one call of the solver).
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

    scikit-learn 1.9 passes ``tol`` as ``cond`` to ``scipy.linalg.lstsq`` on dense data, so it
    drops directions whose singular value is below ``1e-6`` of the largest: a quartic in an
    unscaled ``x`` on [0, 100] gets ``rank_ = 3`` and a residual far from the least-squares one.
    nnfit keeps them (``rank_ = 4``, the least-squares fit); on designs whose singular values are
    all above that cut-off or exactly zero (one-hot columns) the two agree. On NIST's Filip (the
    columns x..x**10, cond 1.8e15) scikit-learn's ``rank_`` is 4 and its coefficients have no
    correct digit; nnfit's default equilibrates the columns and refines the answer in extended
    precision: ``rank_ = 10`` and 7.6 correct digits, all that the float64 powers allow
    (``nnfit.linear.polyfit`` keeps 14 from ``x`` itself).

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

    def __init__(self, *, solver="auto", fit_intercept=True, copy_X=True, tol=1e-6, n_jobs=None,
                 positive=False, loss="mse", learning_rate="auto", max_iter=1000, batch_size=32,
                 random_state=None, initial_coef=None):
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive
        self.loss = loss
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state
        self.initial_coef = initial_coef

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix or array} of shape (n_samples, n_features)
            Any scipy.sparse format (CSR, CSC and COO are used as they are, others converted
            to CSR), unless ``positive=True``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Rounded to ``X``'s floating type first, as scikit-learn does.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights, not all zero; a number weights every row alike.

        Returns
        -------
        self
        """
        self._check_parameters()
        X, y, dtype = self._fit_data(X, y)
        n, d = X.shape
        w = self._weights(sample_weight, n, dtype)
        for name in _SOLVER_ATTRIBUTES:  # nothing left over from a fit with another solver
            self.__dict__.pop(name, None)
        fit_intercept = bool(self.fit_intercept)
        solver = self.solver
        if solver == "auto":
            solver = "nnls" if self.positive else "lsqr" if sp.issparse(X) else "svd"
        self.solver_ = solver

        if solver in ("lsqr", "nnls"):
            X = (X.tocsr() if sp.issparse(X) else X).astype(np.float64, copy=False)
            Y = y.reshape(n, -1)  # float64 already (_fit_data)
            if solver == "lsqr":
                coef, intercept, self.n_iter_ = _linear_solvers.lsqr(
                    X, Y, fit_intercept, w, self.tol, self.max_iter, self.n_jobs)
            else:
                coef, intercept = _linear_solvers.nnls(X, Y, fit_intercept, w, self.n_jobs)
                self.n_iter_ = 1  # scipy's nnls does not report its iterations
            if y.ndim == 1:
                coef, intercept = coef[0], intercept[0]
            self._set_coef(coef, intercept, dtype)
            return self

        X = _linear_solvers.densify(X, solver)
        if solver in linear.EXACT_SOLVERS:
            with warnings.catch_warnings():
                # rank deficiency is reported by rank_; see the module docstring
                warnings.simplefilter("ignore", linear.RankDeficientWarning)
                sol = linear.solve(X, y, solver, fit_intercept, w)
            if solver == "normal" and sol.rank < d:
                warnings.warn(
                    f"X{' (centred)' if fit_intercept else ''} has rank {sol.rank} < {d} "
                    "columns by the normal equations, which cannot tell a singular design from "
                    "one whose smallest singular values are below ~1e-8 of the largest; the "
                    "coefficients returned may be a truncated solution rather than the "
                    "least-squares one: use solver='svd' for the minimum-norm least-squares "
                    "answer", linear.RankDeficientWarning, stacklevel=2)
            self._set_coef(sol.coef, sol.intercept, dtype)
            self.rank_, self.singular_values_ = sol.rank, sol.singular_values
            self.singular_ = sol.singular_values.astype(dtype, copy=False)
            self.n_iter_ = 1
            return self

        try:
            res = linear.gradient_descent(
                X, y, solver, loss=self.loss, learning_rate=self.learning_rate,
                max_iter=self.max_iter, batch_size=self.batch_size, tol=self.tol,
                initial=self.initial_coef, seed=self.random_state,
                fit_intercept=fit_intercept, sample_weight=w,
            )
        except linear.GradientDescentDiverged as err:
            self._set_descent(err.result, dtype)
            raise
        self._set_descent(res, dtype)
        return self

    def _fit_data(self, X, y):
        """``X`` (dense, or sparse CSR/CSC/COO unless ``positive``) and ``y`` as scikit-learn's
        ``fit`` sees them, and the floating type of the result: X's if float16/32/64, else
        float64. ``y`` is rounded to that type (scikit-learn casts it to X's dtype)."""
        _reject_string_or_1d(X, "X")
        X, y = validate_data(self, X, y, accept_sparse=False if self.positive else
                             ["csr", "csc", "coo"], y_numeric=True, multi_output=True)
        dtype = X.dtype.type if X.dtype.type in _KEPT_FLOATS else np.float64
        # the solvers compute in float64, on y's values rounded to X's type
        y = np.asarray(y).astype(dtype, copy=False).astype(np.float64, copy=False)
        if X.dtype != np.float64:
            X = X.astype(np.float64)
        return X, y, dtype

    @staticmethod
    def _weights(sample_weight, n, dtype):
        """None, or the weights as float64 of shape (n,), a number repeated n times; rounded to
        ``dtype`` first, as scikit-learn does."""
        if isinstance(sample_weight, numbers.Real):
            sample_weight = np.full(n, float(sample_weight))
        elif isinstance(sample_weight, np.ndarray) and sample_weight.ndim == 0:
            raise InvalidOptionError(  # scikit-learn's rule: a number, or one weight per row
                f"sample_weight must be a number or of shape ({n},), got a 0-d array "
                f"{sample_weight!r}; pass sample_weight.item() or an array")
        w = check_sample_weight(sample_weight, n)
        return None if w is None else w.astype(dtype).astype(np.float64)

    def _check_parameters(self):
        """Validate every parameter, whichever solver uses it: a misspelt ``loss`` is an error
        with ``solver="svd"`` too, not a setting silently ignored (scikit-learn's rule:
        parameters are checked in ``fit``, all of them)."""
        check_choice("solver", self.solver, SOLVERS)
        for name in ("fit_intercept", "copy_X", "positive"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InvalidOptionError(
                    f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.positive and self.solver != "auto":
            raise InvalidOptionError(
                f"positive=True is solved by non-negative least squares (scipy.optimize.nnls, "
                f"as scikit-learn does), which solver='auto' uses; solver={self.solver!r} does "
                "not constrain the signs: use solver='auto'")
        nj = self.n_jobs
        if nj is not None and (isinstance(nj, bool) or not isinstance(nj, numbers.Integral)):
            raise InvalidOptionError(f"n_jobs must be None or an int, got {nj!r}")
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

    def _set_coef(self, coef, intercept, dtype):
        """``coef_`` and ``intercept_`` in ``dtype``, shaped and typed as scikit-learn's."""
        self.coef_ = np.asarray(coef).astype(dtype)
        if not self.fit_intercept:
            self.intercept_ = 0.0
        elif np.ndim(intercept) == 0:
            self.intercept_ = dtype(intercept)
        else:
            self.intercept_ = np.asarray(intercept).astype(dtype)

    def _set_descent(self, res, dtype):
        self._set_coef(res.coef, res.intercept, dtype)
        self.coef_path_, self.loss_curve_, self.n_iter_ = res.path, res.losses, res.n_iter
        self.learning_rate_ = res.learning_rate

    def predict(self, X):
        """Predict with the fitted line.

        Parameters
        ----------
        X : {array-like, sparse matrix or array} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            ``X @ coef_.T + intercept_`` in NumPy's type for the two (float32 for float32 ``X``
            and a model fitted on float32, float64 otherwise), as scikit-learn's; below float64
            it is computed in float64 and rounded once.
        """
        check_is_fitted(self)
        _reject_string_or_1d(X, "X")
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], reset=False)
        out = np.result_type(X.dtype, self.coef_.dtype, np.asarray(self.intercept_).dtype
                             if not isinstance(self.intercept_, float) else self.coef_.dtype)
        if out == np.float64:
            return X @ self.coef_.T + self.intercept_
        # below float64: the products in float64, rounded once, so each row's prediction does
        # not depend on where the row sits in X (BLAS's float32 sums do, by an ulp)
        coef = self.coef_.T.astype(np.float64)
        intercept = np.asarray(self.intercept_, dtype=np.float64)
        if sp.issparse(X):
            return (X.astype(np.float64) @ coef + intercept).astype(out)
        pred = np.empty((X.shape[0],) + coef.shape[1:], dtype=out)
        for start in range(0, X.shape[0], _PREDICT_CHUNK):
            rows = slice(start, start + _PREDICT_CHUNK)
            pred[rows] = X[rows].astype(np.float64) @ coef + intercept
        return pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = not self.positive
        return tags
