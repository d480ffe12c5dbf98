"""nnfit.linear against trusted references: scikit-learn, the seed documents' numbers and loops,
closed forms and direct evaluation (NIST's certified StRD values: test_strd.py)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression as SkLinearRegression

from _nist_strd import load
from nnfit import linear
from nnfit.linear import (
    GradientDescentDiverged,
    IllConditionedWarning,
    RankDeficientWarning,
    gradient_descent,
    loss_surface,
    solve,
)

EXACT = linear.EXACT_SOLVERS


def well_conditioned(n=60, d=5, k=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d)
    coef = rng.normal(size=(d,) if k is None else (d, k))
    y = X @ coef + 2.0 + 0.1 * rng.normal(size=(n,) if k is None else (n, k))
    return X, y, rng.uniform(0.1, 3.0, size=n)


def seed_000_data():
    X, y = make_regression(n_features=1, noise=30, random_state=42, bias=100)
    return X, y


def seed_003_data():
    rs = np.random.RandomState(0)  # seed 003's np.random.seed(0), without the global state
    X = 2 * rs.rand(100, 1)
    y = 4 + 3 * X + rs.randn(100, 1)
    return X, y


def rel_err(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


# ---------------------------------------------------------------- exact solvers vs scikit-learn


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 1, 3])
def test_exact_solvers_equal_sklearn(solver, fit_intercept, weighted, n_targets):
    X, y, w = well_conditioned(k=n_targets, seed=EXACT.index(solver) + 10 * weighted)
    w = w if weighted else None
    ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a well-conditioned problem warns about nothing
        sol = solve(X, y, solver=solver, fit_intercept=fit_intercept, sample_weight=w)
    assert sol.coef.shape == ref.coef_.shape
    # scikit-learn gives a scalar 0.0 without an intercept even for 2-D y; nnfit keeps (n_targets,)
    assert np.shape(sol.intercept) == (() if n_targets is None else (n_targets,))
    assert rel_err(sol.coef, ref.coef_) < 1e-10
    assert rel_err(sol.intercept, ref.intercept_) < 1e-10 or not fit_intercept
    assert sol.rank == ref.rank_ == X.shape[1]
    assert rel_err(sol.singular_values, ref.singular_) < 1e-10
    assert sol.cond == pytest.approx(ref.singular_[0] / ref.singular_[-1], rel=1e-10)


def test_normal_equations_warn_only_when_ill_conditioned():
    X, y, _ = well_conditioned()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve(X, y, solver="normal")
    X, y = load("Wampler1")[1:3]
    with pytest.warns(IllConditionedWarning, match="use solver='svd' or 'qr'"):
        solve(X, y, solver="normal")


# ---------------------------------------------------------------- the seed documents' numbers


@pytest.mark.parametrize("solver", EXACT)
def test_seed_000_closed_form(solver):
    X, y = seed_000_data()
    sol = solve(X, y, solver=solver)
    np.testing.assert_allclose([sol.intercept, sol.coef[0]], [103.49534596, 49.82930935],
                               atol=5e-9)
    # seed 000 also feeds [1, x] to pinv, SVD and scikit-learn: they agree
    Xb = np.column_stack([np.ones(len(X)), X])
    np.testing.assert_allclose(np.linalg.pinv(Xb) @ y, [sol.intercept, sol.coef[0]], rtol=1e-12)
    ref = SkLinearRegression().fit(X, y)
    np.testing.assert_allclose([ref.intercept_, ref.coef_[0]], [sol.intercept, sol.coef[0]],
                               rtol=1e-12)


@pytest.mark.parametrize("solver", EXACT)
def test_seed_003_closed_form(solver):
    X, y = seed_003_data()
    sol = solve(X, y, solver=solver)
    assert sol.coef.shape == (1, 1) and sol.intercept.shape == (1,)
    np.testing.assert_allclose([sol.intercept[0], sol.coef[0, 0]], [4.22215108, 2.96846751],
                               atol=5e-9)


def seed_003_batch_loop(X_b, y, theta, learning_rate, n_iterations):
    """Seed 003's gradient_descent, verbatim but for the plots and the random start."""
    theta_trajectory, losses = [], []
    for _ in range(n_iterations):
        gradients = -2 / X_b.shape[0] * X_b.T.dot(y - X_b.dot(theta))
        theta = theta - learning_rate * gradients
        theta_trajectory.append(theta)
        losses.append(np.mean((y - X_b.dot(theta)) ** 2))
    return np.array(theta_trajectory).squeeze(), np.array(losses)


def seed_003_minibatch_loop(X, y, rs, learning_rate, n_iterations, batch_size, theta=None):
    """Seed 003's mini-batch gradient_descent, with a RandomState in place of np.random."""
    def compute_loss(theta):
        return np.mean((y - X.dot(theta)) ** 2)

    if theta is None:
        theta = rs.randn(2, 1)
    theta_trajectory, losses = [theta], [compute_loss(theta)]
    m = len(X)
    for _ in range(n_iterations):
        shuffled_indices = rs.permutation(m)
        X_shuffled, y_shuffled = X[shuffled_indices], y[shuffled_indices]
        for i in range(0, m, batch_size):
            X_batch, y_batch = X_shuffled[i:i + batch_size], y_shuffled[i:i + batch_size]
            gradients = -2 / X_batch.shape[0] * X_batch.T.dot(y_batch - X_batch.dot(theta))
            theta = theta - learning_rate * gradients
            theta_trajectory.append(theta)
            losses.append(compute_loss(theta))
    return np.array(theta_trajectory).squeeze(), np.array(losses)


def test_seed_003_batch_gd_path_is_reproduced_exactly():
    X, y = seed_003_data()
    X_b = np.c_[np.ones((100, 1)), X]
    start = np.array([[-0.3], [1.7]])
    path, losses = seed_003_batch_loop(X_b, y, start, 0.1, 10)
    res = gradient_descent(X, y, "gd", learning_rate=0.1, max_iter=10, tol=None,
                           initial=start.ravel())
    assert res.path.shape == (11, 1, 2) and res.losses.shape == (11,)
    np.testing.assert_allclose(res.path[0, 0], start.ravel(), rtol=0, atol=0)
    np.testing.assert_allclose(res.path[1:, 0], path, rtol=1e-12, atol=1e-12)  # seed: no start
    np.testing.assert_allclose(res.losses[1:], losses, rtol=1e-12)
    assert res.n_iter == 10 and not res.converged


@pytest.mark.parametrize("batch_size", [20, 30])
def test_seed_003_minibatch_path_is_reproduced_exactly(batch_size):
    X, y = seed_003_data()
    X_b = np.c_[np.ones((100, 1)), X]
    start = np.array([[0.5], [-1.0]])
    path, losses = seed_003_minibatch_loop(X_b, y, np.random.RandomState(5), 0.1, 2, batch_size,
                                           theta=start)
    res = gradient_descent(X, y, "minibatch", learning_rate=0.1, max_iter=2, tol=None,
                           batch_size=batch_size, initial=start.ravel(), seed=5)
    assert res.path.shape == (1 + 2 * -(-100 // batch_size), 1, 2)
    np.testing.assert_allclose(res.path[:, 0], path, rtol=1e-12, atol=1e-12)  # seed: with start
    np.testing.assert_allclose(res.losses, losses, rtol=1e-12)


def test_seed_003_minibatch_random_start_comes_from_the_seed():
    X, y = seed_003_data()
    X_b = np.c_[np.ones((100, 1)), X]
    path, losses = seed_003_minibatch_loop(X_b, y, np.random.RandomState(42), 0.1, 2, 20)
    res = gradient_descent(X, y, "minibatch", learning_rate=0.1, max_iter=2, tol=None,
                           batch_size=20, seed=42)
    np.testing.assert_allclose(res.path[:, 0], path, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.losses, losses, rtol=1e-12)


def seed_001_data(seed):
    rs = np.random.RandomState(seed)
    intercept = rs.normal(0, 0.1, 200)
    x_1 = rs.rand(200)
    return x_1, 3 * x_1 + intercept


def test_seed_001_sse_loop_is_reproduced_exactly():
    x_1, y = seed_001_data(0)
    w_1, w_0, eta, E, trajectory = -2.5, 1.0, 0.001, [], []  # the deliberately bad start
    for _ in range(300):  # seed 001's loop, verbatim but for the plots
        y_hat = w_1 * x_1 + w_0 * 1
        E.append(0.50 * np.sum((y - y_hat) ** 2))
        dEdw_1 = np.sum(-(y - y_hat) * x_1)
        dEdw_0 = np.sum(-(y - y_hat))
        w_1 = w_1 - eta * dEdw_1
        w_0 = w_0 - eta * dEdw_0
        trajectory.append([w_0, w_1])
    res = gradient_descent(x_1[:, None], y, "gd", loss="sse", learning_rate=eta, max_iter=300,
                           tol=None, initial=[1.0, -2.5])
    assert res.path.shape == (301, 2)
    np.testing.assert_allclose(res.path[1:], trajectory, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.losses[:-1], E, rtol=1e-12)  # seed 001: loss before update
    assert abs(res.coef[0] - 3) < 0.1  # ends near slope 3
    assert np.all(np.diff(res.losses) < 0)


# ---------------------------------------------------------------- gradient descent converges


@pytest.mark.parametrize("loss", ["mse", "sse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_batch_gd_converges_to_closed_form(loss, fit_intercept):
    X, y, w = well_conditioned(n=40, d=3)
    exact = solve(X, y, fit_intercept=fit_intercept)
    res = gradient_descent(X, y, "gd", loss=loss, max_iter=20000, tol=1e-13, seed=0,
                           fit_intercept=fit_intercept)
    assert res.converged and res.n_iter < 20000
    np.testing.assert_allclose(res.coef, exact.coef, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.intercept, exact.intercept, rtol=1e-9, atol=1e-9)
    if not fit_intercept:
        assert np.all(res.path[:, 0] == 0)


@pytest.mark.parametrize("solver", ["minibatch", "sgd"])
@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_stochastic_gd_converges_exactly_on_noiseless_data(solver, loss):
    # Every row's gradient vanishes at the solution, so constant-step descent reaches it.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    y = 1.5 + X @ np.array([2.0, -1.0, 0.5])
    res = gradient_descent(X, y, solver, loss=loss, batch_size=8, max_iter=5000, tol=1e-13,
                           seed=0)
    assert res.converged
    np.testing.assert_allclose(res.path[-1], [1.5, 2.0, -1.0, 0.5], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("solver", ["minibatch", "sgd"])
@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_stochastic_gd_hovers_near_closed_form_on_noisy_data(solver, loss):
    X, y = seed_003_data()
    exact = solve(X, y)
    # small enough that the constant-step noise is small, large enough to get there in 300 epochs
    lr = 0.01 if (solver, loss) == ("minibatch", "mse") else 0.001
    with pytest.warns(ConvergenceWarning, match="hover around the minimum"):
        res = gradient_descent(X, y, solver, loss=loss, learning_rate=lr, batch_size=10,
                               max_iter=300, seed=0)
    np.testing.assert_allclose(res.coef, exact.coef, rtol=5e-3)
    np.testing.assert_allclose(res.intercept, exact.intercept, rtol=5e-3)


@pytest.mark.parametrize("solver", linear.GRADIENT_SOLVERS)
def test_gradient_solvers_multi_output_and_weights(solver):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 2))
    Y = 0.5 + X @ rng.normal(size=(2, 3))  # noiseless, so the weighted optimum is this one too
    w = rng.uniform(0.5, 2.0, size=40)
    res = gradient_descent(X, Y, solver, batch_size=8, max_iter=5000, tol=1e-13, seed=0,
                           sample_weight=w)
    exact = solve(X, Y, sample_weight=w)
    assert res.path.shape[1:] == (3, 3) and res.coef.shape == (3, 2)
    np.testing.assert_allclose(res.coef, exact.coef, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(res.path[-1, :, 0], res.intercept)


def test_weighted_gd_converges_to_weighted_closed_form():
    X, y, w = well_conditioned(n=40, d=3)
    res = gradient_descent(X, y, "gd", max_iter=20000, tol=1e-13, seed=0, sample_weight=w)
    exact = solve(X, y, sample_weight=w)
    np.testing.assert_allclose(res.coef, exact.coef, rtol=1e-9)
    unweighted = solve(X, y)
    assert rel_err(exact.coef, unweighted.coef) > 1e-4  # the weights do matter here


def test_losses_are_the_full_data_loss_at_each_recorded_theta():
    X, y, w = well_conditioned(n=30, d=2)
    for solver in linear.GRADIENT_SOLVERS:
        for loss in ("mse", "sse"):
            res = gradient_descent(X, y, solver, loss=loss, batch_size=7, max_iter=3, tol=None,
                                   seed=1, sample_weight=w)
            r = y[None, :] - res.path[:, :1] - res.path[:, 1:] @ X.T
            scale = 0.5 if loss == "sse" else 1.0 / w.sum()
            np.testing.assert_allclose(res.losses, scale * (r**2 @ w), rtol=1e-10)
            per_epoch = {"gd": 1, "minibatch": 5, "sgd": 30}[solver]
            assert res.path.shape == (1 + 3 * per_epoch, 3)


def test_auto_learning_rate_is_stable_on_badly_scaled_features():
    X, y = seed_000_data()
    X = X * 1000 + 5000  # a fixed step of 0.01 diverges here
    with pytest.raises(GradientDescentDiverged):
        gradient_descent(X, y, "gd", learning_rate=0.01, seed=0)
    for solver in linear.GRADIENT_SOLVERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # slow, but never unstable
            res = gradient_descent(X, y, solver, max_iter=20, seed=0, batch_size=10)
        assert np.all(np.isfinite(res.losses)) and res.losses[-1] < res.losses[0]
        assert 0 < res.learning_rate < 1e-6


def test_same_seed_same_path_and_tol_none_runs_all_epochs():
    X, y = seed_003_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tol=None: no convergence check, no warning
        a = gradient_descent(X, y, "sgd", max_iter=3, tol=None, seed=7)
    b = gradient_descent(X, y, "sgd", max_iter=3, tol=None, seed=np.random.RandomState(7))
    np.testing.assert_array_equal(a.path, b.path)
    assert a.n_iter == 3 and a.path.shape == (301, 1, 2)


def test_convergence_warning_when_max_iter_ends_first():
    X, y = seed_003_data()
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        res = gradient_descent(X, y, "gd", learning_rate=0.01, max_iter=5, seed=0)
    assert res.n_iter == 5 and not res.converged


@pytest.mark.parametrize("solver", linear.GRADIENT_SOLVERS)
def test_divergence_raises_and_keeps_the_good_path(solver):
    X, y = seed_003_data()
    with pytest.raises(GradientDescentDiverged, match=r"learning_rate=3\.0 is too large") as info:
        gradient_descent(X, y, solver, learning_rate=3.0, max_iter=1000, seed=0, batch_size=10)
    assert isinstance(info.value, FloatingPointError)
    assert "smaller" in str(info.value) and "2/λmax = 0.4" in str(info.value)
    res = info.value.result
    assert len(res.path) == len(res.losses) >= 2
    assert np.all(np.isfinite(res.path)) and np.all(np.isfinite(res.losses))
    assert np.all(res.losses <= 1e8 * max(res.losses[0], np.mean(y**2)))
    np.testing.assert_array_equal(res.path[-1, 0, 1:], res.coef[0])


# ---------------------------------------------------------------- rank deficiency and n < d


@pytest.mark.parametrize("solver", EXACT)
def test_collinear_columns_give_minimum_norm_with_warning(solver):
    rng = np.random.default_rng(3)
    A = rng.normal(size=(30, 3))
    X = np.column_stack([A, A[:, 0] + A[:, 1], 2 * A[:, 2]])  # rank 3 of 5
    y = A @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=30)
    with pytest.warns(RankDeficientWarning, match="rank 3 < 5"):
        sol = solve(X, y, solver=solver)
    Xc, yc = X - X.mean(0), y - y.mean()
    np.testing.assert_allclose(sol.coef, np.linalg.pinv(Xc) @ yc, rtol=1e-8, atol=1e-10)
    # the normal equations only see singular values down to sqrt(eps) of the largest
    assert sol.rank == 3 and sol.cond > (1e7 if solver == "normal" else 1e12)


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fewer_rows_than_columns_minimum_norm_interpolates(solver, fit_intercept):
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 10)), rng.normal(size=6)
    with pytest.warns(RankDeficientWarning, match="6 rows are too few for 10 columns"):
        sol = solve(X, y, solver=solver, fit_intercept=fit_intercept)
    Xc, yc = (X - X.mean(0), y - y.mean()) if fit_intercept else (X, y)
    np.testing.assert_allclose(sol.coef, np.linalg.pinv(Xc) @ yc, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sol.intercept + X @ sol.coef, y, atol=1e-9)
    assert sol.singular_values.shape == (6,)
    assert sol.rank == (5 if fit_intercept else 6)
    ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert sol.rank == ref.rank_


# ---------------------------------------------------------------- loss surface


def seed_003_surface(X_b, y, theta0_vals, theta1_vals):
    """Seed 003's double loop."""
    theta0_mesh, theta1_mesh = np.meshgrid(theta0_vals, theta1_vals)
    surface = np.zeros_like(theta0_mesh)
    for i in range(len(theta1_vals)):
        for j in range(len(theta0_vals)):
            theta_ij = np.array([[theta0_mesh[i, j]], [theta1_mesh[i, j]]])
            surface[i, j] = np.mean((y - X_b.dot(theta_ij)) ** 2)
    return theta0_mesh, theta1_mesh, surface


def test_loss_surface_equals_seed_003_double_loop():
    X, y = seed_003_data()
    g0, g1 = np.linspace(-10, 10, 13), np.linspace(-8, 9, 7)  # unequal: catches a transpose
    T0, T1, Z = loss_surface(X, y, theta=[0.0, 0.0], i=0, j=1, grid_i=g0, grid_j=g1)
    R0, R1, RZ = seed_003_surface(np.c_[np.ones((100, 1)), X], y, g0, g1)
    assert Z.shape == (7, 13)
    np.testing.assert_array_equal(T0, R0)
    np.testing.assert_array_equal(T1, R1)
    np.testing.assert_allclose(Z, RZ, rtol=1e-11)


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_loss_surface_any_two_coefficients_rest_held_fitted(loss):
    X, y, w = well_conditioned(n=25, d=4)
    sol = solve(X, y, sample_weight=w)
    theta = np.r_[sol.intercept, sol.coef]
    gi, gj = np.linspace(-3, 3, 5), np.linspace(-1, 2, 4)
    Ti, Tj, Z = loss_surface(X, y, i=3, j=1, grid_i=gi, grid_j=gj, loss=loss, sample_weight=w)
    expected = np.empty((4, 5))
    for b in range(4):
        for a in range(5):
            t = theta.copy()
            t[3], t[1] = gi[a], gj[b]
            r = y - t[0] - X @ t[1:]
            expected[b, a] = 0.5 * w @ r**2 if loss == "sse" else w @ r**2 / w.sum()
    np.testing.assert_allclose(Z, expected, rtol=1e-10)
    assert np.array_equal(Ti[0], gi) and np.array_equal(Tj[:, 0], gj)


def test_loss_surface_default_grid_is_centred_on_the_fit():
    X, y = seed_003_data()
    Ti, Tj, Z = loss_surface(X, y)
    b, a = np.unravel_index(np.argmin(Z), Z.shape)
    assert Z.shape == (41, 41) and (a, b) == (20, 20)
    assert Z[b, a] == pytest.approx(np.mean((y - solve(X, y).intercept - X @ solve(X, y).coef.T)
                                            ** 2), rel=1e-10)


# ---------------------------------------------------------------- bad input


def bad_inputs():
    X, y = seed_003_data()
    y = y.ravel()
    X_nan, X_inf = X.copy(), X.copy()
    X_nan[3, 0], X_inf[5, 0] = np.nan, np.inf
    y_nan = y.copy()
    y_nan[0] = np.nan
    strings = np.array([["1.0", "a"], ["2.0", "b"], ["3.0", "c"]], dtype=object)
    return [
        ((X_nan, y), {}, ValueError, "NaN"),
        ((X_inf, y), {}, ValueError, "infinity"),
        ((X, y_nan), {}, ValueError, "NaN"),
        ((X.ravel(), y), {}, ValueError, r"1-D array of shape \(100,\).*reshape\(-1, 1\)"),
        ((X, y[:-1]), {}, ValueError, "y has 99 rows but X has 100"),
        ((strings, y[:3]), {}, ValueError, "could not convert string to float: 'a'"),
        (("abc", y), {}, TypeError, "the string 'abc'"),
        ((X, y), {"sample_weight": -np.ones(100)}, ValueError, "non-negative, got -1.0"),
        ((X, y), {"sample_weight": np.ones(7)}, ValueError, r"shape \(100,\).*got \(7,\)"),
    ]


@pytest.mark.parametrize("case", range(len(bad_inputs())))
@pytest.mark.parametrize("fn", ["solve", "gradient_descent", "loss_surface"])
def test_bad_data_names_the_value(case, fn):
    args, kwargs, error, match = bad_inputs()[case]
    func = {"solve": solve, "gradient_descent": gradient_descent, "loss_surface": loss_surface}[fn]
    with pytest.raises(error, match=match):
        func(*args, **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"solver": "lu"}, ValueError, "unknown solver 'lu'; choose one of"),
    ({"solver": "gd", "learning_rate": 0.0}, ValueError, "learning_rate must be > 0, got 0.0"),
    ({"solver": "gd", "learning_rate": -0.1}, ValueError, "learning_rate must be > 0, got -0.1"),
    ({"solver": "gd", "learning_rate": "fast"}, ValueError, "learning_rate must be a number > 0 or 'auto', got 'fast'"),
    ({"solver": "gd", "learning_rate": None}, TypeError, "learning_rate must be a number, got None"),
    ({"solver": "minibatch", "batch_size": 101}, ValueError, "batch_size must be between 1 and n_samples=100, got 101"),
    ({"solver": "minibatch", "batch_size": 0}, ValueError, "batch_size must be between 1 and n_samples=100, got 0"),
    ({"solver": "minibatch", "batch_size": 2.5}, TypeError, "batch_size must be an integer, got 2.5"),
    ({"solver": "gd", "loss": "mae"}, ValueError, "unknown loss 'mae'"),
    ({"solver": "gd", "max_iter": 0}, ValueError, "max_iter must be >= 1, got 0"),
    ({"solver": "gd", "tol": -1.0}, ValueError, "tol must be >= 0, got -1.0"),
    ({"solver": "gd", "initial": [1.0, 2.0, 3.0]}, ValueError, r"initial must have shape \(2,\).*got an array of shape \(3,\)"),
    ({"solver": "gd", "initial": [np.nan, 2.0]}, ValueError, "initial must be finite"),
    ({"solver": "gd", "initial": [1.0, 2.0], "fit_intercept": False}, ValueError, "must be 0 when fit_intercept=False"),
    ({"solver": "sgd", "seed": "zero"}, TypeError, "seed must be None, an int or a numpy.random.RandomState, got 'zero'"),
])
def test_bad_parameters_name_the_value(kwargs, error, match):
    X, y = seed_003_data()
    func = solve if kwargs.get("solver") not in linear.GRADIENT_SOLVERS else gradient_descent
    with pytest.raises(error, match=match):
        func(X, y.ravel(), **kwargs)


def test_loss_surface_bad_indices_and_grids():
    X, y = seed_003_data()
    with pytest.raises(ValueError, match="i must be an index of theta between 0 and 1, got 2"):
        loss_surface(X, y, i=2)
    with pytest.raises(ValueError, match="i and j must differ, got i = j = 1"):
        loss_surface(X, y, i=1, j=1)
    with pytest.raises(ValueError, match="grid_j must be a non-empty 1-D array"):
        loss_surface(X, y, grid_j=[[1.0, 2.0]])
    with pytest.raises(ValueError, match="single target"):
        loss_surface(X, np.c_[y, y])
    with pytest.raises(ValueError, match=r"theta must have shape \(2,\)"):
        loss_surface(X, y, theta=[1.0, 2.0, 3.0])


def test_initial_without_intercept_may_omit_it():
    X, y = seed_003_data()
    a = gradient_descent(X, y, "gd", initial=[2.0], fit_intercept=False, max_iter=3, tol=None)
    b = gradient_descent(X, y, "gd", initial=[0.0, 2.0], fit_intercept=False, max_iter=3, tol=None)
    np.testing.assert_array_equal(a.path, b.path)
    assert np.all(a.path[..., 0] == 0)


@pytest.mark.parametrize("solver", linear.GRADIENT_SOLVERS)
def test_divergence_on_the_first_update_keeps_the_start(solver):
    X, y = seed_003_data()
    with pytest.raises(GradientDescentDiverged, match="diverged at update 1") as info:
        gradient_descent(X, y, solver, learning_rate=1e9, initial=[1.0, 1.0], batch_size=10)
    res = info.value.result
    assert res.path.shape == (1, 1, 2) and res.n_iter == 0 and not res.converged
    np.testing.assert_array_equal(res.path[0, 0], [1.0, 1.0])
