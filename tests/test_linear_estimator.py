"""nnfit.LinearRegression: scikit-learn's estimator checks, and agreement with
sklearn.linear_model.LinearRegression."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from nnfit import LinearRegression, linear
from nnfit.linear import GradientDescentDiverged, RankDeficientWarning

# The checks fit 1 to 50 rows; batch_size must not exceed n_samples (an error by design), so the
# mini-batch instance uses 5. Fewer epochs for the stochastic solvers keep the checks fast. The
# default instance ("auto": svd on dense X, lsqr on sparse X) and positive=True (nnls, dense only:
# the sparse tag is off) are checked as they are; every instance but positive=True has the sparse
# tag on, so the sparse checks run against every solver (lsqr, or the densified array).
ESTIMATORS = [LinearRegression(), LinearRegression(positive=True), LinearRegression(solver="lsqr")]
ESTIMATORS += [LinearRegression(solver=s) for s in linear.EXACT_SOLVERS] + [
    LinearRegression(solver="gd", random_state=0),
    LinearRegression(solver="minibatch", batch_size=5, max_iter=100, random_state=0),
    LinearRegression(solver="sgd", max_iter=100, random_state=0),
]


def expected_failed_checks(estimator):
    # Only the stochastic solvers, by their nature: every other instance, the default included,
    # passes every check, sparse ones included.
    if estimator.solver in ("minibatch", "sgd"):
        why = ("a stochastic solver takes one update per repeated row but one weighted update "
               "for a row of weight 2, in a different shuffled order, so the two trajectories "
               "differ; with a constant step neither ends exactly at the common minimum")
        return {"check_sample_weight_equivalence_on_dense_data": why,
                "check_sample_weight_equivalence_on_sparse_data": why}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks,
                         xfail_strict=True)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def seed_000_data():
    X, y = make_regression(n_features=1, noise=30, random_state=42, bias=100)
    return X, y


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
def test_seed_000_as_written_with_a_column_of_ones(solver):
    # seed 000 fits scikit-learn's LinearRegression on [x0 = 1, x1]: a constant column, which
    # centring makes zero, so the minimum-norm answer gives it no weight.
    X, y = seed_000_data()
    df = pd.DataFrame({"x0": 1.0, "x1": X[:, 0]})
    # rank deficiency is in rank_, not a warning, but for the normal equations, which cannot
    # tell a singular design from an ill-conditioned one
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LinearRegression(solver=solver).fit(df[["x0", "x1"]].values, y)
    messages = [str(w.message) for w in caught]
    if solver == "normal":
        assert len(messages) == 1 and "rank 1 < 2 columns by the normal equations" in messages[0]
        assert caught[0].category is RankDeficientWarning
    else:
        assert messages == []
    ref = SkLinearRegression().fit(df[["x0", "x1"]].values, y)
    np.testing.assert_allclose(model.coef_, [0.0, 49.82930935], atol=5e-9)
    assert model.intercept_ == pytest.approx(103.49534596, abs=5e-9)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-12)
    assert model.rank_ == ref.rank_ == 1


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
def test_dataframe_names_and_sklearn_attributes(solver):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    y = X.to_numpy() @ [1.0, 2.0, -1.0] + 0.5 + 0.1 * rng.normal(size=40)
    model = LinearRegression(solver=solver).fit(X, y)
    ref = SkLinearRegression().fit(X, y)
    assert list(model.feature_names_in_) == ["a", "b", "c"] and model.n_features_in_ == 3
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=1e-10)
    np.testing.assert_allclose(model.singular_values_, ref.singular_, rtol=1e-10)
    assert model.singular_ is model.singular_values_ and model.rank_ == ref.rank_
    assert model.n_iter_ == 1 and not hasattr(model, "coef_path_")


@pytest.mark.parametrize("solver", linear.GRADIENT_SOLVERS)
def test_gradient_estimator_attributes(solver):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    Y = X @ [[1.0, -1.0, 0.0], [2.0, 0.5, 1.0]] + [0.5, -0.5, 1.0]
    model = LinearRegression(solver=solver, batch_size=16, max_iter=3000, tol=1e-12,
                             random_state=0).fit(X, Y)
    ref = SkLinearRegression().fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(model.predict(X), Y, atol=1e-8)
    assert model.coef_path_.shape[1:] == (3, 3)
    assert model.loss_curve_.shape == (len(model.coef_path_),)
    np.testing.assert_array_equal(model.coef_path_[-1, :, 1:], model.coef_)
    np.testing.assert_array_equal(model.coef_path_[-1, :, 0], model.intercept_)
    updates_per_epoch = {"gd": 1, "minibatch": 4, "sgd": 60}[solver]
    assert len(model.coef_path_) == 1 + model.n_iter_ * updates_per_epoch
    assert model.learning_rate_ > 0 and model.n_iter_ < 3000
    assert not hasattr(model, "rank_")


def test_gradient_estimator_reproduces_seed_003_from_a_given_start():
    rs = np.random.RandomState(0)
    X = 2 * rs.rand(100, 1)
    y = (4 + 3 * X + rs.randn(100, 1)).ravel()
    start = np.array([1.0, -0.5])
    model = LinearRegression(solver="gd", learning_rate=0.1, max_iter=10, tol=None,
                             initial_coef=start).fit(X, y)
    theta, X_b = start[:, None], np.c_[np.ones(100), X]
    for t in range(10):  # seed 003's update
        theta = theta - 0.1 * (-2 / 100 * X_b.T.dot(y[:, None] - X_b.dot(theta)))
        np.testing.assert_allclose(model.coef_path_[t + 1], theta.ravel(), rtol=1e-12)
    assert model.coef_path_.shape == (11, 2) and model.n_iter_ == 10


def test_divergence_keeps_the_path_on_the_estimator():
    X, y = seed_000_data()
    model = LinearRegression(solver="gd", learning_rate=5.0, random_state=0)
    with pytest.raises(GradientDescentDiverged, match=r"learning_rate=5\.0 is too large"):
        model.fit(X, y)
    assert len(model.coef_path_) == len(model.loss_curve_) >= 2
    assert np.all(np.isfinite(model.coef_path_)) and model.n_iter_ == len(model.coef_path_) - 1
    np.testing.assert_array_equal(model.coef_path_[-1, 1:], model.coef_)
    assert np.all(np.isfinite(model.predict(X)))  # the last good parameters


def test_refit_with_another_solver_leaves_nothing_stale():
    X, y = seed_000_data()
    model = LinearRegression(solver="sgd", max_iter=3, tol=None, random_state=0).fit(X, y)
    assert hasattr(model, "coef_path_")
    model.set_params(solver="qr").fit(X, y)
    assert not hasattr(model, "coef_path_") and not hasattr(model, "loss_curve_")
    assert not hasattr(model, "learning_rate_") and model.rank_ == 1
    model.set_params(solver="gd", max_iter=2).fit(X, y)
    assert not hasattr(model, "rank_") and not hasattr(model, "singular_")


def test_convergence_warning_from_the_estimator():
    X, y = seed_000_data()
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        LinearRegression(solver="gd", max_iter=3, random_state=0).fit(X, y)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        LinearRegression().predict(np.ones((2, 1)))


def bad_fits():
    X, y = seed_000_data()
    X_nan, X_inf = X.copy(), X.copy()
    X_nan[0, 0], X_inf[1, 0] = np.nan, -np.inf
    frame = pd.DataFrame({"x": X[:, 0], "label": ["a"] * 100})
    return [
        ({}, (X_nan, y), ValueError, "Input X contains NaN"),
        ({}, (X_inf, y), ValueError, "Input X contains infinity"),
        ({}, (X.ravel(), y), ValueError, r"1-D array of shape \(100,\)"),
        ({}, (X, y[:50]), ValueError, r"inconsistent numbers of samples: \[100, 50\]"),
        ({}, (frame, y), ValueError, "could not convert string to float: 'a'"),
        ({"solver": "cholesky"}, (X, y), ValueError, "unknown solver 'cholesky'"),
        ({"solver": "gd", "learning_rate": 0}, (X, y), ValueError, "learning_rate must be > 0, got 0"),
        ({"solver": "sgd", "learning_rate": -1e-3}, (X, y), ValueError, "learning_rate must be > 0, got -0.001"),
        ({"solver": "minibatch", "batch_size": 500}, (X, y), ValueError, "batch_size must be between 1 and n_samples=100, got 500"),
        ({"solver": "minibatch", "batch_size": -2}, (X, y), ValueError, "got -2"),
        ({"solver": "gd", "loss": "huber"}, (X, y), ValueError, "unknown loss 'huber'"),
        ({"fit_intercept": "yes"}, (X, y), TypeError, "fit_intercept must be True or False, got 'yes'"),
    ]


@pytest.mark.parametrize("case", range(len(bad_fits())))
def test_bad_input_to_the_estimator_names_the_value(case):
    params, args, error, match = bad_fits()[case]
    with pytest.raises(error, match=match):
        LinearRegression(**params).fit(*args)


def test_fewer_rows_than_columns_through_the_estimator():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(5, 8)), rng.normal(size=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the minimum-norm answer, scikit-learn's: no warning
        model = LinearRegression().fit(X, y)
    assert model.rank_ == 4  # 5 rows, centred
    np.testing.assert_allclose(model.predict(X), y, atol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkLinearRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
